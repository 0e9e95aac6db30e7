"""Fetch feeds and turn their items into `Entry` records.

feedparser reads RSS 0.9x/1.0/2.0 and Atom; it never does HTTP here: it gets the body we
downloaded as a file object, with the response headers. JSON Feed, which feedparser does not
read, is parsed from its JSON. Any failure of one feed becomes a `FeedResult` with an error.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import nh3

from .errors import FetchError
from .http import Fetcher, Response
from .models import Entry, FeedResult, FeedSource

Validators = Callable[[str], tuple[str | None, str | None]]

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|at_\w+)$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_END = re.compile(r"(?i)</(p|div|li|h[1-6]|blockquote)>|<br\s*/?>")


def fetch_feeds(
    sources: Sequence[FeedSource],
    fetcher: Fetcher,
    validators: Validators,
    *,
    workers: int = 8,
    progress: Callable[[FeedResult], None] | None = None,
) -> tuple[FeedResult, ...]:
    """Fetch every feed concurrently; one FeedResult per source, in the config's order."""

    def one(source: FeedSource) -> FeedResult:
        result = fetch_feed(source, fetcher, *validators(source.url))
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return tuple(pool.map(one, sources))


def fetch_feed(
    source: FeedSource,
    fetcher: Fetcher,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FeedResult:
    """Fetch and parse one feed; never raises: a failure is returned as data."""
    try:
        response = fetcher.get(
            source.url,
            timeout=source.timeout,
            max_bytes=source.max_bytes,
            etag=etag,
            last_modified=last_modified,
        )
    except FetchError as exc:
        return FeedResult(source=source, error=exc.reason, http_status=exc.status)
    if response.not_modified:
        return FeedResult(
            source=source,
            not_modified=True,
            http_status=304,
            etag=response.etag or etag,
            last_modified=response.last_modified or last_modified,
        )
    try:
        entries = parse_feed(response, source)
    except Exception as exc:  # feedparser raises on a few malformed inputs; one feed, not the run
        return FeedResult(source=source, error=f"could not parse the feed: {type(exc).__name__}")
    if entries is None:
        return FeedResult(source=source, error="not a feed (no items found in the response)")
    return FeedResult(
        source=source,
        entries=entries,
        http_status=response.status,
        etag=response.etag,
        last_modified=response.last_modified,
    )


def parse_feed(response: Response, source: FeedSource) -> tuple[Entry, ...] | None:
    """Entries of a downloaded feed, newest first and at most `max_articles`; None if not a feed."""
    if _looks_like_json(response):
        entries = _parse_json_feed(response, source)
    else:
        entries = _parse_xml_feed(response, source)
    if entries is None:
        return None
    newest = sorted(entries, key=_sort_key, reverse=True)
    return tuple(_unique(newest))[: source.max_articles]


def _parse_xml_feed(response: Response, source: FeedSource) -> list[Entry] | None:
    # A file object, never bytes or str: feedparser treats a string as a URL or a path.
    parsed = feedparser.parse(io.BytesIO(response.body), response_headers=response.header_map())
    if not parsed.get("version") and not parsed.entries:
        return None  # not RSS, RDF or Atom at all: an HTML page, an image, an error text
    entries = [_entry_from_item(item, response.url, source) for item in parsed.entries]
    if parsed.bozo and not any(e.url for e in entries):
        return None  # malformed, and nothing usable survived: not a partial success
    return entries


def _entry_from_item(item: Any, base: str, source: FeedSource) -> Entry:
    link = _absolute(item.get("link") or "", base)
    title = clean_text(item.get("title") or "")
    content = item.get("content") or []
    body = content[0].get("value", "") if content else item.get("summary") or ""
    # dict.get reads the stored keys without feedparser's deprecated updated->published mapping.
    published = _struct_time(dict.get(item, "published_parsed") or dict.get(item, "updated_parsed"))
    return Entry(
        id=entry_id(item.get("id") or "", link, title),
        source=source.name,
        topic=source.topic,
        url=link,
        title=title,
        summary=html_to_text(body),
        published=published,
        author=clean_text(item.get("author") or ""),
    )


def _looks_like_json(response: Response) -> bool:
    return "json" in response.content_type.lower() or response.body.lstrip()[:1] == b"{"


def _parse_json_feed(response: Response, source: FeedSource) -> list[Entry] | None:
    try:
        data = json.loads(response.text())
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return None
    if "jsonfeed.org" not in str(data.get("version", "")):
        return None
    items = [i for i in data["items"] if isinstance(i, dict)]
    return [_entry_from_json(item, response.url, source) for item in items]


def _entry_from_json(item: Mapping[str, Any], base: str, source: FeedSource) -> Entry:
    link = _absolute(str(item.get("url") or item.get("external_url") or ""), base)
    title = clean_text(str(item.get("title") or ""))
    body = item.get("content_html") or item.get("summary") or item.get("content_text") or ""
    author = item.get("author") or (item.get("authors") or [{}])[0]
    return Entry(
        id=entry_id(str(item.get("id") or ""), link, title),
        source=source.name,
        topic=source.topic,
        url=link,
        title=title,
        summary=html_to_text(str(body)),
        published=_iso_date(item.get("date_published") or item.get("date_modified")),
        author=clean_text(str(author.get("name", "")) if isinstance(author, dict) else ""),
    )


def entry_id(guid: str, link: str, title: str) -> str:
    """A stable identity: the guid, else the canonical link, else a hash of link and title."""
    key = guid.strip() or canonical_url(link) or f"{link}\n{title}"
    return hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:16]


def canonical_url(url: str) -> str:
    """The URL without fragment and tracking parameters, so one article has one key."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return ""
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def html_to_text(markup: str) -> str:
    """Plain text of a feed's HTML: tags dropped, paragraphs kept as blank-line breaks."""
    marked = _BLOCK_END.sub("\n\n", markup)
    stripped = nh3.clean(marked, tags=set(), strip_comments=True)
    paragraphs = (clean_text(p) for p in html.unescape(stripped).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def clean_text(value: str) -> str:
    """One line of text: control characters removed, white space folded."""
    return " ".join(_CONTROL.sub("", html.unescape(value)).split())


def _absolute(link: str, base: str) -> str:
    absolute = urljoin(base, link.strip()) if link else ""
    return absolute if urlsplit(absolute).scheme in ("http", "https") else ""


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _iso_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _sort_key(entry: Entry) -> datetime:
    return entry.published or datetime.min.replace(tzinfo=UTC)


def _unique(entries: Iterable[Entry]) -> Iterable[Entry]:
    seen: set[str] = set()
    for entry in entries:
        if entry.id not in seen and entry.url:
            seen.add(entry.id)
            yield entry
