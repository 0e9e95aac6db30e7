"""Feed bytes into `Entry` records: RSS, RDF and Atom through feedparser, JSON Feed from its JSON.

feedparser never does HTTP here: it gets the body we downloaded as a file object, with the
response headers. JSON Feed, which feedparser does not read, is parsed from its JSON. Each item
becomes an `Entry` here, its HTML made plain text, its link absolute and its date in UTC, with
its own category tags (the outlet's filing: "Mundo", "Desporto"); no feedparser dict leaves this
module. An item a feed proxy (FeedBurner) links through its own redirect is shown and fetched at
the outlet's address the proxy keeps beside it (`feedburner:origLink`); its id is still made from
the link it always had, so an article stored before is known by it. The paragraphs most of a
feed's entries repeat (its template) are dropped, and the entries come newest first, each article
once.
"""

from __future__ import annotations

import calendar
import dataclasses
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import nh3

from ..models import Entry, FeedSource
from ..text import dates as feeddates
from ..text.clean import clean_text
from .feedcheck import check_entities, repair_char_refs
from .http import Response
from .identity import anchored, canonical_url, entry_id, identity_key

feeddates.register()  # once, at import: the forked parsing workers inherit it

_BLOCK_END = re.compile(r"(?i)</(p|div|li|h[1-6]|blockquote)>|<br\s*/?>")
# A link glued to the words around it ("submitted by<a>eskimio</a>to<a>pics</a>", Reddit's
# template) reads as one word, "byeskimiotopics", unlike every other item's: a space each side
# makes it the template line it is. A link seldom starts or ends inside a word, but for a plural
# "s" ("<a>AdGroupFeed</a>s"), left as it is.
_GLUED_LINK = re.compile(r"(?i)(?<=\w)(?=<a\b)|(?<=</a>)(?=\w)(?!s\b)")
# Markup escaped twice ("&amp;lt;p&amp;gt;") is still markup after one pass. A text that then
# opens with a tag or comment and closes one, or a title that holds a closed element, is read
# once more; a tag named in a text ("the <table> syntax", "<b>") is left as the writer's words.
_OPENS_WITH_TAG = re.compile(r"\s*<(?:!--|[a-z][a-z0-9]*(?:\s[^<>]*)?/?>)", re.I)
_CLOSES_A_TAG = re.compile(r"</[a-z]|-->", re.I)
_CLOSED_ELEMENT = re.compile(r"<([a-z][a-z0-9]*)\b[^<>]*>[^<>]*</\1>", re.I)
_DIGITS = re.compile(r"\d+")  # a template paragraph's counts and dates differ entry to entry
TEMPLATE_MIN = 3  # entries that must repeat a paragraph before it is taken for the feed's own
TEMPLATE_LINE_WORDS = 12  # a template line opening alike in most entries is no longer than this
FUTURE_SLACK = timedelta(minutes=10)  # clocks differ; beyond this a date is in the future


@dataclass(frozen=True, slots=True)
class FeedContent:
    """What one downloaded feed holds: its title, its usable entries, and its item count."""

    title: str
    entries: tuple[Entry, ...]
    items: int  # items in the document, before those without a link are dropped and capping


def parse_feed(response: Response, source: FeedSource) -> tuple[Entry, ...] | None:
    """Entries of a downloaded feed, newest first and at most `max_articles`; None if not a feed.

    Raises UnsafeFeed for a DOCTYPE that could blow up the parser.
    """
    content = read_feed(response, source)
    return content.entries if content else None


def read_feed(response: Response, source: FeedSource) -> FeedContent | None:
    """The feed in a response (RSS, RDF, Atom or JSON Feed), or None if it holds none."""
    if _looks_like_json(response):
        parsed = _parse_json_feed(response, source)
    else:
        check_entities(response.body)
        repaired = dataclasses.replace(response, body=repair_char_refs(response.body))
        parsed = _parse_xml_feed(repaired, source)
    if parsed is None:
        return None
    title, entries = parsed
    entries = without_template(entries)
    now = datetime.now(UTC)
    newest = sorted((_no_future(e, now) for e in entries), key=_sort_key, reverse=True)
    kept = tuple(unique_entries(newest))[: source.max_articles]
    return FeedContent(title=title, entries=kept, items=len(entries))


def without_template(entries: Sequence[Entry]) -> list[Entry]:
    """The entries without the paragraphs most of them repeat: the feed's template, not a report.

    "Continue reading...", "[link] [42 comments]", "To read this article in full, please click
    here": a paragraph in at least half of a feed's entries, and in TEMPLATE_MIN or more, says
    nothing of any one of them, and in a report's text it would tie together reports that
    share nothing else. Paragraphs that differ only in their numbers (a count, a date) count
    as one, and so do short ones that open alike ("submitted by /u/X to /r/Y") beside others:
    a summary of one short line is the report itself, however it opens. A paragraph an entry
    says twice, in TEMPLATE_MIN entries or more, is the template too, however few the entries:
    a forum's "此主题相关图片如下：" ("pictures of this topic below:", once per picture) was in
    9 of 20 posts and made one story of 8 unrelated ones.
    """
    if len(entries) < TEMPLATE_MIN:
        return list(entries)
    floor = max(TEMPLATE_MIN, (len(entries) + 1) // 2)
    # Each entry's paragraphs by shape, and how often it says each.
    said = [Counter(_shape(p) for p in e.summary.split("\n\n") if p) for e in entries]
    shapes = Counter(p for own in said for p in own)  # entries holding each
    twice = Counter(p for own in said for p, count in own.items() if count > 1)
    openings = Counter(o for e in entries for o in _openings(e.summary))
    template = {p for p, count in shapes.items() if count >= floor}
    template |= {p for p, count in twice.items() if count >= TEMPLATE_MIN}
    lines = {o for o, count in openings.items() if count >= floor}
    if not template and not lines:
        return list(entries)

    def own(summary: str) -> str:
        dropped = lines & _openings(summary)  # a one-paragraph summary has no openings to drop
        paragraphs = summary.split("\n\n")
        return "\n\n".join(
            p for p in paragraphs if _shape(p) not in template and _opening(p) not in dropped
        )

    return [dataclasses.replace(e, summary=own(e.summary)) for e in entries]


def _openings(summary: str) -> set[str]:
    """The openings of a summary's short lines, when it has more than one paragraph."""
    paragraphs = summary.split("\n\n")
    return {_opening(p) for p in paragraphs} - {""} if len(paragraphs) > 1 else set()


def _opening(paragraph: str) -> str:
    """A short paragraph's first two words, lowercased: a template line whose rest names the
    item; "" for a longer paragraph (reports may open alike: "The president ...")."""
    words = paragraph.lower().split()
    return " ".join(words[:2]) if 2 <= len(words) <= TEMPLATE_LINE_WORDS else ""


def _shape(paragraph: str) -> str:
    return _DIGITS.sub("#", paragraph)


def _parse_xml_feed(response: Response, source: FeedSource) -> tuple[str, list[Entry]] | None:
    # A file object, never bytes or str: feedparser treats a string as a URL or a path.
    parsed = feedparser.parse(io.BytesIO(response.body), response_headers=response.header_map())
    if not parsed.get("version") and not parsed.entries:
        return None  # not RSS, RDF or Atom at all: an HTML page, an image, an error text
    language = str(parsed.feed.get("language") or "")
    anchors = anchored(_shown_link(i, response.url) for i in parsed.entries)
    entries = [
        _entry_from_item(item, response.url, source, language, anchors) for item in parsed.entries
    ]
    if parsed.bozo and not any(e.url for e in entries):
        return None  # malformed, and nothing usable survived: not a partial success
    return clean_text(parsed.feed.get("title") or ""), entries


def _no_future(entry: Entry, now: datetime) -> Entry:
    """A date in the future (a wrong clock or time zone) is taken as the time it was read."""
    if entry.published is not None and entry.published > now + FUTURE_SLACK:
        return dataclasses.replace(entry, published=now)
    return entry


def _entry_from_item(
    item: Any, base: str, source: FeedSource, language: str, anchors: bool
) -> Entry:
    link = _absolute(item.get("link") or "", base)
    title = title_text(item.get("title") or "")
    tags = (t.get("term") or t.get("label") or "" for t in item.get("tags") or ())
    content = item.get("content") or []
    body = content[0].get("value", "") if content else item.get("summary") or ""
    # dict.get reads the stored keys without feedparser's deprecated updated->published mapping.
    published = _struct_time(dict.get(item, "published_parsed") or dict.get(item, "updated_parsed"))
    return Entry(
        id=entry_id(item.get("id") or "", link, title, scope=source.url, anchors=anchors),
        source=source.name,
        topic=source.topic,
        url=canonical_url(_shown_link(item, base), anchors=anchors),
        title=title,
        summary=html_to_text(body),
        published=published,
        author=clean_text(item.get("author") or ""),
        language=str((item.get("summary_detail") or {}).get("language") or language),
        categories=_categories(tags),
    )


def _shown_link(item: Any, base: str) -> str:
    """The item's address: the outlet's own that a feed proxy keeps (FeedBurner's origLink),
    else its link."""
    link = _absolute(item.get("link") or "", base)
    return _absolute(item.get("feedburner_origlink") or "", link or base) or link


def _categories(names: Iterable[object]) -> tuple[str, ...]:
    """An item's category tags as plain text, each once, in the feed's order."""
    return tuple(dict.fromkeys(n for n in (clean_text(str(v)) for v in names) if n))


def _looks_like_json(response: Response) -> bool:
    return "json" in response.content_type.lower() or response.body.lstrip()[:1] == b"{"


def _parse_json_feed(response: Response, source: FeedSource) -> tuple[str, list[Entry]] | None:
    try:
        data = json.loads(response.text(), strict=False)  # raw control characters occur
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return None
    if "jsonfeed.org" not in str(data.get("version", "")):
        return None
    items = [i for i in data["items"] if isinstance(i, dict)]
    language = str(data.get("language") or "")
    anchors = anchored(_absolute(_json_link(i), response.url) for i in items)
    entries = [_entry_from_json(item, response.url, source, language, anchors) for item in items]
    return clean_text(str(data.get("title") or "")), entries


def _entry_from_json(
    item: Mapping[str, Any], base: str, source: FeedSource, language: str, anchors: bool
) -> Entry:
    link = _absolute(_json_link(item), base)
    title = title_text(str(item.get("title") or ""))
    body = item.get("content_html") or item.get("summary") or item.get("content_text") or ""
    author = item.get("author") or (item.get("authors") or [{}])[0]
    tags = item.get("tags")
    tags = tags if isinstance(tags, list) else []
    return Entry(
        id=entry_id(str(item.get("id") or ""), link, title, scope=source.url, anchors=anchors),
        source=source.name,
        topic=source.topic,
        url=canonical_url(link, anchors=anchors),
        title=title,
        summary=html_to_text(str(body)),
        published=_iso_date(item.get("date_published") or item.get("date_modified")),
        author=clean_text(str(author.get("name", "")) if isinstance(author, dict) else ""),
        language=str(item.get("language") or language),
        categories=_categories(t for t in tags if isinstance(t, str)),
    )


def _json_link(item: Mapping[str, Any]) -> str:
    return str(item.get("url") or item.get("external_url") or "")


def html_to_text(markup: str) -> str:
    """Plain text of a feed's HTML: tags dropped, paragraphs kept as blank-line breaks."""
    text = _stripped(markup)
    twice = _OPENS_WITH_TAG.match(text) and _CLOSES_A_TAG.search(text)
    return _stripped(text) if twice else text


def title_text(value: str) -> str:
    """One line of a title, without the tags of markup that was escaped twice."""
    text = clean_text(value)
    return clean_text(_stripped(text)) if _CLOSED_ELEMENT.search(text) else text


def _stripped(markup: str) -> str:
    marked = _GLUED_LINK.sub(" ", _BLOCK_END.sub("\n\n", markup))
    stripped = nh3.clean(marked, tags=set(), strip_comments=True)
    paragraphs = (clean_text(p) for p in html.unescape(stripped).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


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


def unique_entries(entries: Iterable[Entry]) -> Iterable[Entry]:
    """Entries with a link, each article once: by id and by its folded link."""
    seen: set[str] = set()
    for entry in entries:
        key = identity_key(entry.url, anchors=True)  # an entry's URL keeps only a needed fragment
        if entry.url and entry.id not in seen and key not in seen:
            seen.update((entry.id, key))
            yield entry
