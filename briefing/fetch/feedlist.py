"""Managing the feed list: OPML in and out, adding a site by autodiscovery, and feed health.

The feed list lives in `feeds.toml`; adding feeds appends `[[feeds]]` tables to it (comments and
layout kept), and the result is validated before it replaces the file, atomically. OPML is parsed
with defusedxml, which refuses any entity declaration (a "billion laughs" bomb, an external entity
naming a local file or a URL) and never fetches a DTD, and written as OPML 2.0 with one outline per
topic.
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..config import Config, load_config
from ..errors import ConfigError, FetchError
from ..models import FeedHealth, FeedSource
from ..store import Store
from .feeds import fetch_feeds, waiting_results
from .http import Fetcher
from .identity import identity_key
from .parse import read_feed

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
MAX_OPML_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed to add to the config: what `[[feeds]]` will say."""

    name: str
    url: str
    topic: str | None = None


def read_opml_file(path: Path) -> list[NewFeed]:
    """Every feed outline of the OPML file at `path`; an unreadable or refused one is a
    ConfigError naming the file."""
    try:
        return read_opml(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(str(exc), path=path) from None


def read_opml(data: bytes) -> list[NewFeed]:
    """Every feed outline of an OPML file; a parent outline's title becomes the topic."""
    if len(data) > MAX_OPML_BYTES:
        raise ValueError(f"not an OPML file this reads (over {MAX_OPML_BYTES} bytes)")
    try:
        root: ET.Element = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ValueError(f"refused: the file declares an entity or a DTD ({exc!r})") from None
    except ET.ParseError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from None
    if root.tag != "opml" or root.find("body") is None:
        raise ValueError("no <opml><body> in the file")
    found: list[NewFeed] = []
    _collect(root.find("body"), None, found)  # type: ignore[arg-type]
    return found


def _collect(node: ET.Element, topic: str | None, found: list[NewFeed]) -> None:
    for outline in node.findall("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        label = (outline.get("title") or outline.get("text") or "").strip()
        if url:
            found.append(NewFeed(name=label or url, url=url, topic=topic))
        else:
            _collect(outline, label or topic, found)


def write_opml(sources: Sequence[FeedSource], title: str) -> str:
    """The feeds as OPML 2.0, one outline per topic."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    for topic in dict.fromkeys(s.topic for s in sources):
        group = ET.SubElement(body, "outline", text=topic, title=topic)
        for s in (s for s in sources if s.topic == topic):
            attrs = {"type": "rss", "text": s.name, "title": s.name, "xmlUrl": s.url}
            ET.SubElement(group, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def discover_feed(url: str, fetcher: Fetcher, timeout: float = 20.0) -> NewFeed:
    """The feed at `url`, or the first feed a page at `url` names in <link rel="alternate">."""
    source = FeedSource(name="", url=url, topic="", timeout=timeout)
    response = fetcher.get(url, timeout=timeout, robots=False)
    content = read_feed(response, source)
    if content is not None:
        return NewFeed(name=content.title or url, url=response.url)
    for candidate in feed_links(response.text(), response.url):
        try:
            found = fetcher.get(candidate, timeout=timeout, robots=False)
            content = read_feed(found, source)
        except (FetchError, ValueError):
            continue
        if content is not None:
            return NewFeed(name=content.title or candidate, url=found.url)
    raise FetchError("no feed there, and the page names none in <link rel=alternate>", url=url)


def feed_links(page: str, base: str) -> list[str]:
    """The feed URLs an HTML page announces with <link rel="alternate" type="...">."""
    parser = _AlternateLinks()
    parser.feed(page[:1_000_000])
    return [urljoin(base, href) for href in dict.fromkeys(parser.links)]


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        kind = a.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES and a.get("href"):
            self.links.append(a["href"].strip())


def add_feeds(config_path: Path, feeds: Iterable[NewFeed]) -> list[NewFeed]:
    """Append the feeds the config lacks (by folded URL) to it; return those added."""
    config = load_config(config_path)
    known = {identity_key(s.url) for s in config.feeds}
    names = {s.name for s in config.feeds}
    added: list[NewFeed] = []
    for feed in feeds:
        key = identity_key(feed.url)
        if not key or key in known:
            continue
        name = _unique_name(feed.name, names)
        added.append(NewFeed(name=name, url=feed.url, topic=feed.topic))
        known.add(key)
        names.add(name)
    if added:
        _append_tables(config_path, added)
    return added


def _unique_name(name: str, taken: set[str]) -> str:
    name = " ".join(name.split())[:80] or "Feed"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _append_tables(config_path: Path, feeds: Sequence[NewFeed]) -> None:
    """Append [[feeds]] tables; validate the new text before it replaces the file."""
    text = config_path.read_text(encoding="utf-8")
    tables = []
    for feed in feeds:
        # JSON's escapes are valid in TOML basic strings.
        lines = [
            "[[feeds]]",
            f"name = {_toml_str(feed.name)}",
            f"url = {_toml_str(feed.url)}",
        ]
        if feed.topic:
            lines.append(f"topic = {_toml_str(feed.topic)}")
        tables.append("\n".join(lines))
    new_text = text.rstrip("\n") + "\n\n" + "\n\n".join(tables) + "\n"
    folder = config_path.parent
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".feeds-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(new_text)
        load_config(Path(temp))  # refuse to write a config that would not load
        os.replace(temp, config_path)
    except (ConfigError, OSError):
        Path(temp).unlink(missing_ok=True)
        raise


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def check_now(config: Config, fetcher: Fetcher, store: Store) -> None:
    """Fetch every feed that is due, and record its health, as a run would."""
    now = datetime.now(UTC)
    due, _waiting = waiting_results(config.feeds, store.feed_states(), now)
    results = fetch_feeds(due, fetcher, store.validators, workers=config.workers)
    store.save_feed_results(results, now)
    store.save_feed_schedule(results)


def feed_health(config: Config, store: Store) -> list[tuple[FeedSource, FeedHealth | None]]:
    """Every configured feed with what the store knows of it (None: never fetched)."""
    states = store.feed_states()
    return [(source, states.get(source.url)) for source in config.feeds]
