"""The one HTTP client every download goes through: feeds and article pages alike.

No library fetches anything by itself: feedparser and trafilatura only ever see the bytes or text
this module returns. Every request has a total deadline (not only a gap between bytes), a cap on
the decompressed body, http(s) on every redirect hop, at most two requests at once per host, and
one retry for errors that are usually passing (timeouts, 429, 5xx).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from . import __version__
from .errors import FetchError

USER_AGENT = f"briefing/{__version__} (daily news briefing generator; python-httpx)"
MAX_REDIRECTS = 5
PER_HOST = 2
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_PAUSE = 0.5  # seconds before the one retry; the deadline still bounds the whole request


@dataclass(frozen=True, slots=True)
class Response:
    """A finished download: final URL, status, body and the validators worth keeping."""

    url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def header_map(self) -> dict[str, str]:
        """The response headers feedparser uses to detect encoding and resolve links."""
        headers = {"content-location": self.url}
        if self.content_type:
            headers["content-type"] = self.content_type
        return headers

    def text(self) -> str:
        """The body decoded by its declared charset, else UTF-8, never failing."""
        charset = _charset(self.content_type) or _meta_charset(self.body) or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class Fetcher:
    """A shared, thread-safe HTTP client with per-host limits; use as a context manager."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False,
        )
        self._hosts: dict[str, threading.Semaphore] = defaultdict(
            lambda: threading.Semaphore(PER_HOST)
        )
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        timeout: float = 20.0,
        max_bytes: int = 15 * 1024 * 1024,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        """Download `url`, retrying once if the failure is likely passing; raise FetchError."""
        deadline = time.monotonic() + timeout
        try:
            return self._get_once(url, deadline, max_bytes, etag, last_modified)
        except FetchError as exc:
            if not exc.transient or time.monotonic() + RETRY_PAUSE >= deadline:
                raise
        time.sleep(RETRY_PAUSE)
        return self._get_once(url, deadline, max_bytes, etag, last_modified)

    def _get_once(
        self,
        url: str,
        deadline: float,
        max_bytes: int,
        etag: str | None,
        last_modified: str | None,
    ) -> Response:
        headers = _conditional_headers(etag, last_modified)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_scheme(current)
            with self._host_slot(current):
                response = self._request(current, headers, deadline, max_bytes)
            if not isinstance(response, str):
                return response
            current = response
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", url=url)

    def _request(
        self, url: str, headers: dict[str, str], deadline: float, max_bytes: int
    ) -> Response | str:
        """One hop: a finished Response, or the URL a redirect points to."""
        timeout = httpx.Timeout(max(deadline - time.monotonic(), 0.01))
        try:
            with self._client.stream("GET", url, headers=headers, timeout=timeout) as r:
                if r.is_redirect and "location" in r.headers:
                    return urljoin(url, r.headers["location"])
                if r.status_code != 304 and r.status_code >= 400:
                    raise FetchError(
                        f"HTTP {r.status_code}",
                        url=url,
                        status=r.status_code,
                        transient=r.status_code in RETRY_STATUSES,
                    )
                body = _read_capped(r.iter_bytes(), url, deadline, max_bytes)
                return _to_response(url, r, body)
        except httpx.TimeoutException:
            raise FetchError("timed out", url=url, transient=True) from None
        except httpx.HTTPError as exc:
            transient = isinstance(exc, httpx.TransportError)
            raise FetchError(_describe(exc), url=url, transient=transient) from None

    @contextmanager
    def _host_slot(self, url: str) -> Iterator[None]:
        host = urlsplit(url).hostname or ""
        with self._lock:
            slot = self._hosts[host]
        with slot:
            yield


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only http and https URLs are fetched", url=url)


def _read_capped(chunks: Iterator[bytes], url: str, deadline: float, max_bytes: int) -> bytes:
    """Read the decompressed body, stopping at the size cap and the request's deadline."""
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(f"body larger than {max_bytes} bytes", url=url)
        if time.monotonic() > deadline:
            raise FetchError("timed out while reading the body", url=url)
    return bytes(body)


def _to_response(url: str, r: httpx.Response, body: bytes) -> Response:
    return Response(
        url=url,
        status=r.status_code,
        body=body,
        content_type=r.headers.get("content-type", ""),
        etag=r.headers.get("etag"),
        last_modified=r.headers.get("last-modified"),
    )


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection closed by the server"
    if isinstance(exc, httpx.DecodingError):
        return "body could not be decompressed"
    return type(exc).__name__


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _meta_charset(body: bytes) -> str | None:
    head = body[:2048].lower()
    marker = head.find(b"charset=")
    if marker < 0:
        return None
    value = head[marker + 8 : marker + 40].lstrip(b"\"' ")
    name = bytes(c for c in value.split(b'"')[0].split(b"'")[0] if 32 < c < 127 and c != 62)
    return name.decode("ascii").rstrip("/;") or None
