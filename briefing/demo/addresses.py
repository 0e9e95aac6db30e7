"""The bundled site under its outlets' public addresses, still read from 127.0.0.1.

The demo site's files link to `__BASE__/<outlet>/...`. Served with `PublicAddresses`, those
links name the outlets' own addresses (`https://www.themoscowtimes.com/...`), so the edition
links to the reports where they were published, not to a port that closes with the demo; and
`SiteTransport` sends the fetcher's requests for those addresses back to the local server.
Nothing leaves the machine: a request for any other host is refused before it connects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from ..fetch.guard import AddressGuard, BlockedAddress, guarded_transport

PLACEHOLDER = "__BASE__/"


@dataclass(frozen=True, slots=True)
class PublicAddresses:
    """Site-relative prefixes ("moscowtimes/") and the public addresses they stand for."""

    links: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, links: Iterable[tuple[str, str]]) -> PublicAddresses:
        """The table, longest local prefix first, so a page's own address beats its outlet's."""
        return cls(tuple(sorted(links, key=lambda link: -len(link[0]))))

    def publish(self, body: bytes) -> bytes:
        """`body` with each `__BASE__/<prefix>` link replaced by its public address."""
        for local, public in self.links:
            body = body.replace((PLACEHOLDER + local).encode(), public.encode())
        return body

    def local_path(self, url: str) -> str | None:
        """The site-relative path a public address stands for; None if it is not the demo's."""
        plain, mark, query = url.partition("?")
        for local, public in sorted(self.links, key=lambda link: -len(link[1])):
            # A page's address stands for that page only; an outlet's ("/"-ended) for its folder.
            if plain == public or (public.endswith("/") and plain.startswith(public)):
                return local + plain.removeprefix(public) + mark + query
        return None


class SiteTransport(httpx.BaseTransport):
    """Sends requests for the demo's public addresses to the local server; refuses the rest.

    The request keeps its Host header and is otherwise forwarded as sent, through the address
    guard, which lets it reach the loopback server only.
    """

    def __init__(self, base_url: str, addresses: PublicAddresses) -> None:
        self.base_url = base_url.rstrip("/")
        self.base = httpx.URL(self.base_url)
        self.addresses = addresses
        self.inner = guarded_transport(AddressGuard((f"{self.base.host}/32",)))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = self._local_url(request.url)
        forwarded = httpx.Request(
            request.method,
            url,
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return self.inner.handle_request(forwarded)

    def _local_url(self, url: httpx.URL) -> httpx.URL:
        if (url.host, url.port) == (self.base.host, self.base.port):
            return url
        path = self.addresses.local_path(str(url.copy_with(fragment=None)))
        if path is None:
            refused = BlockedAddress(f"refused to connect to {url.host}: not part of the demo site")
            raise httpx.ConnectError(str(refused), request=None) from refused
        return httpx.URL(f"{self.base_url}/{path}")

    def close(self) -> None:
        self.inner.close()
