"""What sites ask of a polite reader: when to come back, and which pages not to fetch.

Retry-After, Cache-Control max-age, Expires and an RSS `<ttl>` all say "not before"; the pipeline
stores the latest of them per feed and does not ask again before then (capped, so one odd header
cannot silence a feed for weeks). robots.txt is read once per host per run, through the same
guarded fetcher, and decides whether an article page may be downloaded.
"""

from __future__ import annotations

import threading
import urllib.robotparser
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit

from ..errors import FetchError


class _Body(Protocol):
    @property
    def status(self) -> int: ...

    def text(self) -> str: ...


class Getter(Protocol):
    """What robots.txt is read through: the fetcher's `get`, here without an import of it."""

    def get(
        self,
        url: str,
        *,
        timeout: float,
        max_bytes: int,
        robots: bool,
        retries: int | None,
        allow: tuple[str, ...],
    ) -> _Body: ...


MAX_WAIT = timedelta(hours=12)  # the longest any header may keep a feed from being asked again
ROBOTS_TIMEOUT = 10.0
ROBOTS_MAX_BYTES = 512 * 1024
_Key = tuple[str, frozenset[str]]  # a site's origin, and the networks its requests may reach


def retry_after(value: str | None, now: datetime | None = None) -> datetime | None:
    """The moment a Retry-After header (seconds or an HTTP date) allows the next request."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    value = value.strip()
    if value.isdigit():
        return now + min(timedelta(seconds=int(value)), MAX_WAIT)
    moment = _http_date(value)
    return min(moment, now + MAX_WAIT) if moment else None


def cache_until(
    cache_control: str | None, expires: str | None, now: datetime | None = None
) -> datetime | None:
    """Until when a response is fresh, by Cache-Control max-age, else Expires; None if not said."""
    now = now or datetime.now(UTC)
    directives = _directives(cache_control or "")
    if "no-cache" in directives or "no-store" in directives:
        return None
    max_age = directives.get("max-age", "")
    if max_age.isdigit():
        return _capped(now + timedelta(seconds=int(max_age)), now)
    moment = _http_date(expires or "")
    return _capped(moment, now) if moment else None


def ttl_until(minutes: str | None, now: datetime | None = None) -> datetime | None:
    """Until when an RSS feed with `<ttl>minutes</ttl>` asks not to be fetched again."""
    if not minutes or not minutes.strip().isdigit():
        return None
    now = now or datetime.now(UTC)
    return _capped(now + timedelta(minutes=int(minutes.strip())), now)


def latest(moments: Iterable[datetime | None]) -> datetime | None:
    """The latest of the given moments, ignoring those not given."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _capped(moment: datetime, now: datetime) -> datetime | None:
    if moment <= now:
        return None
    return min(moment, now + MAX_WAIT)


def _directives(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(","))
    return {key.lower(): value.strip('" ') for key, _, value in pairs if key}


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RobotsRules:
    """robots.txt of every host asked about, read once each; thread-safe."""

    def __init__(self, fetcher: Getter, agent: str = "briefing") -> None:
        self._fetcher = fetcher
        self._agent = agent
        # Keyed by origin and by the networks the asking request may reach: a site one feed may
        # not reach has no rules for that feed, and must not leave "no rules" for one that may.
        self._parsers: dict[_Key, urllib.robotparser.RobotFileParser | None] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[_Key, threading.Lock] = {}

    def allows(self, url: str, allow: tuple[str, ...] = ()) -> bool:
        """Whether robots.txt of the URL's site lets us fetch it (yes when there is none).

        `allow`: the non-public networks the page's own request may reach; robots.txt is read
        with the same.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return True  # the fetcher refuses such a URL itself, with a clearer reason
        key = (f"{parts.scheme}://{parts.netloc}", frozenset(allow))
        with self._lock:
            host_lock = self._host_locks.setdefault(key, threading.Lock())
        with host_lock:
            if key not in self._parsers:
                self._parsers[key] = self._read(key[0], allow)
        parser = self._parsers[key]
        return parser is None or parser.can_fetch(self._agent, url)

    def _read(
        self, origin: str, allow: tuple[str, ...]
    ) -> urllib.robotparser.RobotFileParser | None:
        try:
            response = self._fetcher.get(
                f"{origin}/robots.txt",
                timeout=ROBOTS_TIMEOUT,
                max_bytes=ROBOTS_MAX_BYTES,
                robots=False,
                retries=0,  # the page's own download will retry; robots.txt need not
                allow=allow,
            )
        except FetchError as exc:
            # No robots.txt (4xx) means no rules; a server error means "stay away for now", as
            # RFC 9309 asks. An unreachable host gives no rules: the page's own fetch then
            # fails with the real reason.
            if exc.status is not None and exc.status >= 500:
                return _disallow_all()
            return None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(response.text().splitlines())
        return parser


def _disallow_all() -> urllib.robotparser.RobotFileParser:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(["User-agent: *", "Disallow: /"])
    return parser
