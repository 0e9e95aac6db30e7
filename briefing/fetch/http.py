"""The one HTTP client every download goes through: feeds, pages and robots.txt alike.

No library fetches anything by itself: feedparser and trafilatura only ever see the bytes or text
this module returns. Every request has a total deadline (enforced on each socket read, not only
as a gap between bytes), a cap on the decompressed body, http(s) on every redirect hop (at most
five), a per-host cap on concurrent requests and a per-host delay, and bounded retries with
backoff for errors that are usually passing (timeouts, 429, 5xx). The body is decoded in bounded
steps (`decoding.py`), so the cap holds against compression bombs. The address actually connected
to is checked by the network backend (`guard.py`), so redirects and DNS rebinding cannot reach a
private network unless the config allows it: for every request ([fetch]), or for one feed's
requests (`allow=`), each allowance with its own connection pool.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from ..errors import FetchError, RetryLater
from .decoding import ACCEPT_ENCODING, layers_for, read_decoded
from .guard import AddressGuard, guarded_transport, network_error, request_deadline
from .politeness import RobotsRules, cache_until, retry_after

if TYPE_CHECKING:
    from ..config import FetchConfig

USER_AGENT = f"briefing/{__version__} (daily news briefing generator)"
MAX_REDIRECTS = 5
PER_HOST = 2
HOST_DELAY = 0.1  # seconds between the starts of two requests to one host
RETRIES = 2
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_PAUSE = 0.5  # first backoff; doubled each retry, and the deadline bounds them all
MAX_RETRY_WAIT = 10.0  # a Retry-After longer than this is honoured between runs, not waited


@dataclass(frozen=True, slots=True)
class Response:
    """A finished download: final URL, status, body and the validators worth keeping."""

    url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fresh_until: datetime | None = None  # from Cache-Control max-age or Expires

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


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How politely and how guardedly the fetcher behaves; built from the config's [fetch]."""

    allow_networks: tuple[str, ...] = ()
    per_host: int = PER_HOST
    host_delay: float = HOST_DELAY
    retries: int = RETRIES
    user_agent: str = USER_AGENT
    respect_robots: bool = True  # for everything but feeds, which the user subscribed to
    ca_file: str = ""  # a private CA's PEM file, trusted besides the usual CAs


class Fetcher:
    """A shared, thread-safe HTTP client with per-host limits; use as a context manager.

    Without `transport` the client connects through the address guard; a test may pass its own
    transport, which then decides what may be reached.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        policy: FetchPolicy | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._transport = transport
        self._clients: dict[frozenset[str], httpx.Client] = {}
        self._clients_lock = threading.Lock()
        self._hosts = _HostGate(self.policy.per_host, self.policy.host_delay)
        self._robots = RobotsRules(self)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._clients_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def _client(self, allow: tuple[str, ...]) -> httpx.Client:
        """The client for requests that may also reach the networks in `allow`.

        One connection pool per allowance: the guard checks an address when a connection is
        opened, so a kept-alive connection to a private address that one feed may reach must
        never be handed to a request of a feed that may not.
        """
        key = frozenset(allow) if self._transport is None else frozenset()
        with self._clients_lock:
            if key not in self._clients:
                self._clients[key] = self._new_client(key)
            return self._clients[key]

    def _new_client(self, allow: frozenset[str]) -> httpx.Client:
        guard = AddressGuard((*self.policy.allow_networks, *sorted(allow)))
        return httpx.Client(
            transport=self._transport or guarded_transport(guard, self.policy.ca_file),
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would be connected to unchecked
        )

    def get(
        self,
        url: str,
        *,
        timeout: float = 20.0,
        max_bytes: int = 15 * 1024 * 1024,
        etag: str | None = None,
        last_modified: str | None = None,
        robots: bool = True,
        retries: int | None = None,
        allow: tuple[str, ...] = (),
    ) -> Response:
        """Download `url`, retrying a passing failure with backoff; raise FetchError.

        With `robots` (the default, for pages) a URL the site's robots.txt disallows is refused
        when the policy respects robots.txt; feeds are fetched with `robots=False`. `retries`
        overrides the policy's number of retries. `allow` names non-public networks this request
        (one feed's, or its articles') may reach besides the policy's.
        """
        retries = self.policy.retries if retries is None else retries
        if robots and self.policy.respect_robots and not self._robots.allows(url, allow):
            raise FetchError("robots.txt disallows fetching this page", url=url)
        clock = _Deadline(time.monotonic() + timeout)
        attempt = 0
        while True:
            try:
                return self._get_once(url, clock, max_bytes, (etag, last_modified), allow)
            except FetchError as exc:
                pause = _retry_pause(exc, attempt, retries, clock)
                if pause is None:
                    raise
            time.sleep(pause)
            attempt += 1

    def _get_once(
        self,
        url: str,
        clock: _Deadline,
        max_bytes: int,
        validators: tuple[str | None, str | None],
        allow: tuple[str, ...],
    ) -> Response:
        headers = _conditional_headers(*validators)
        client = self._client(allow)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_scheme(current)
            with self._hosts.slot(urlsplit(current).hostname or "") as waited:
                clock.at += waited  # waiting our turn for a host is not the server's slowness
                response = self._request(client, current, headers, clock.at, max_bytes)
            if not isinstance(response, str):
                return response
            _check_downgrade(current, response)
            current = response
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", url=url)

    @staticmethod
    def _request(
        client: httpx.Client, url: str, headers: dict[str, str], deadline: float, max_bytes: int
    ) -> Response | str:
        """One hop: a finished Response, or the URL a redirect points to."""
        timeout = httpx.Timeout(max(deadline - time.monotonic(), 0.01))
        answered = False
        try:
            with (
                request_deadline(deadline),
                client.stream("GET", url, headers=headers, timeout=timeout) as r,
            ):
                answered = True
                if r.is_redirect and "location" in r.headers:
                    _drain(r, deadline)
                    return urljoin(url, r.headers["location"])
                if r.status_code != 304 and r.status_code >= 400:
                    _drain(r, deadline)
                    raise _status_error(url, r)
                # Raw bytes, decoded here in bounded steps: httpx would inflate a whole network
                # chunk at once, and a few kilobytes can stand for gigabytes.
                layers = layers_for(r.headers.get("content-encoding", ""), url)
                body = read_decoded(r.iter_raw(), layers, url, deadline, max_bytes)
                return _to_response(url, r, body)
        except httpx.InvalidURL as exc:
            raise FetchError(f"not a valid URL ({exc})", url=url) from None
        except httpx.HTTPError as exc:
            raise network_error(exc, url, answered) from None


@dataclass(slots=True)
class _Deadline:
    """When a request must be done by (monotonic time), all hops and retries together."""

    at: float


class _HostGate:
    """At most `per_host` requests at once to one host, and `delay` between their starts."""

    def __init__(self, per_host: int, delay: float) -> None:
        self._delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = defaultdict(
            lambda: threading.Semaphore(max(1, per_host))
        )
        self._next_start: dict[str, float] = defaultdict(float)

    @contextmanager
    def slot(self, host: str) -> Iterator[float]:
        """Hold one of the host's slots; yields how long we waited for it."""
        asked = time.monotonic()
        with self._lock:
            slot = self._slots[host]
        with slot:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start[host])
                self._next_start[host] = start + self._delay
            time.sleep(max(0.0, start - now))
            yield time.monotonic() - asked


def _retry_pause(exc: FetchError, attempt: int, retries: int, clock: _Deadline) -> float | None:
    """Seconds to wait before asking again, or None if this failure is final."""
    if not exc.transient or attempt >= retries:
        return None
    pause = RETRY_PAUSE * 2**attempt
    if isinstance(exc, RetryLater):  # the site said how long: wait that, if it is short
        wait = (exc.retry_at - datetime.now(exc.retry_at.tzinfo)).total_seconds()
        if wait > MAX_RETRY_WAIT:
            return None
        pause = max(pause, wait)
    return pause if time.monotonic() + pause < clock.at else None


def _status_error(url: str, r: httpx.Response) -> FetchError:
    """The error for a 4xx/5xx answer; a 429 or 503 with Retry-After becomes RetryLater."""
    status = r.status_code
    message = f"HTTP {status}"
    if status in (429, 503):
        retry_at = retry_after(r.headers.get("retry-after"))
        if retry_at is not None:
            return RetryLater(message, url=url, status=status, retry_at=retry_at)
    return FetchError(message, url=url, status=status, transient=status in RETRY_STATUSES)


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


def _check_downgrade(current: str, target: str) -> None:
    if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
        raise FetchError(f"refused a redirect from https to plain http ({target})", url=current)


def _drain(r: httpx.Response, deadline: float, limit: int = 65536) -> None:
    """Read a short unwanted body (a redirect's, an error page) so the connection can be reused
    and is not reset under the server's feet; a long one is left and the connection closed."""
    read = 0
    try:
        for chunk in r.iter_raw():
            read += len(chunk)
            if read > limit or time.monotonic() > deadline:
                return
    except httpx.HTTPError:
        return


def _to_response(url: str, r: httpx.Response, body: bytes) -> Response:
    return Response(
        url=url,
        status=r.status_code,
        body=body,
        content_type=r.headers.get("content-type", ""),
        etag=r.headers.get("etag"),
        last_modified=r.headers.get("last-modified"),
        fresh_until=cache_until(r.headers.get("cache-control"), r.headers.get("expires")),
    )


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


def user_agent(contact_url: str = "") -> str:
    """The User-Agent: the project, its version, what it is, and where to reach its operator."""
    if not contact_url:
        return USER_AGENT
    return f"briefing/{__version__} (daily news briefing generator; +{contact_url})"


def policy_for(settings: FetchConfig) -> FetchPolicy:
    """The fetch policy the config's [fetch] table asks for."""
    return FetchPolicy(
        allow_networks=settings.allow_networks,
        per_host=settings.per_host,
        host_delay=settings.host_delay,
        retries=settings.retries,
        user_agent=user_agent(settings.contact_url),
        respect_robots=settings.respect_robots,
        ca_file=str(settings.ca_file or ""),
    )
