"""One entry's article: from its page when the page holds the article, else from the feed's text.

A page that cannot be had, is a teaser, a paywall or a consent wall, or holds much less text
than the feed gives way to the feed's own text, and the reason is recorded as a `Failure`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from ..fetch.identity import part_of_page
from ..models import Article, Entry, Failure, FeedSource
from .boilerplate import strip_boilerplate
from .page import Extraction

MIN_PAGE_WORDS = 40  # below this a page is a teaser, a paywall or a consent wall
FEED_SHARE = 0.5  # a page with less than half the feed's words lost its article
_WALL = re.compile(
    r"(?i)(accept (all )?cookies|cookie (policy|settings)|we value your privacy|consent"
    r"|subscribe to (continue|keep) reading|to continue reading|already a subscriber"
    r"|this (article|content) is (only )?(available|reserved) (to|for) (subscribers|members))"
)


Found = Extraction | str | None  # the page's extraction, why there is none, or None: not wanted


def wants_page(entry: Entry, source: FeedSource) -> bool:
    """Whether the entry's page is downloaded: not when full_text is off, nor when the entry is
    one part of a page (a linkblog's day page holds all the day's items; the feed has this one)."""
    return source.full_text and not part_of_page(entry.url)


def article_outcome(entry: Entry, found: Found) -> tuple[Article | None, Failure | None]:
    """The entry's article from what its page gave (`found`), else from the feed's text; and
    why the page was not used, when it was wanted."""
    if found is None:
        return _from_feed(entry, ""), None  # full_text is off, or the page is not the entry's
    if isinstance(found, str):
        return _fallback(entry, found)
    words = _words(found.paragraphs)
    feed_words = len(entry.summary.split())
    if words < MIN_PAGE_WORDS and feed_words > words:
        wall = _WALL.search(" ".join(found.paragraphs))
        kind = "a paywall or a consent wall" if wall else "a teaser"
        return _fallback(entry, f"the page is {kind}")
    if words < FEED_SHARE * feed_words:
        return _fallback(entry, "the page held less text than the feed")
    return _from_page(entry, found), None


def _from_page(entry: Entry, extraction: Extraction) -> Article:
    return Article(
        id=entry.id,
        source=entry.source,
        topic=entry.topic,
        url=entry.url,
        title=entry.title or extraction.title,
        text="\n\n".join(extraction.paragraphs),
        published=entry.published or extraction.published or datetime.now(UTC),
        author=entry.author or extraction.author,
        site_name=extraction.site_name,
        language=extraction.language or entry.language,
        origin="page",
        categories=entry.categories,
    )


def _from_feed(entry: Entry, note: str) -> Article:
    paragraphs, _removed = strip_boilerplate(entry.summary.split("\n\n"))
    return Article(
        id=entry.id,
        source=entry.source,
        topic=entry.topic,
        url=entry.url,
        title=entry.title,
        text="\n\n".join(paragraphs),
        published=entry.published or datetime.now(UTC),
        author=entry.author,
        language=entry.language,
        origin="feed",
        note=note,
        categories=entry.categories,
    )


def _fallback(entry: Entry, reason: str) -> tuple[Article | None, Failure]:
    if not entry.summary:
        return None, Failure("article", entry.title or entry.url, entry.url, reason)
    failure = Failure(
        "article", entry.title or entry.url, entry.url, f"{reason}; used the feed's text"
    )
    return _from_feed(entry, reason), failure


def _words(paragraphs: Sequence[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)
