"""Download each new entry's page and keep only the article: text and metadata.

trafilatura does the extraction, from text we decoded (never from bytes, which it would
decompress without a limit). A second pass drops what it lets through: donation appeals,
newsletter prompts, photo credits and "read more" lines. When the page cannot be had, or yields
less than the feed itself carries, the feed's own text is used and the reason is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from trafilatura.settings import Document

from .errors import ExtractError, FetchError
from .feeds import clean_text
from .http import Fetcher
from .models import Article, Entry, Failure, FeedSource

MIN_PAGE_WORDS = 40  # below this a page is a teaser, a paywall or a consent wall

# An appeal asks the reader for money, a subscription or a sign-up, in the site's own voice.
_APPEAL = re.compile(
    r"(?i)\b(small favou?r to ask|support (us|our|the|independent)\b|please support"
    r"|donat(e|ion|ing)|make a (one-time |monthly )?(gift|contribution)"
    r"|contribute (today|now)|become a (member|subscriber|patron|supporter)"
    r"|(need|rely on) (your|readers') (help|support)|your support\b"
    r"|subscribe (to|now|today)|sign up (for|to)|newsletter|enter your e-?mail"
    r"|remind me later|not ready to support)"
)
_FURNITURE = re.compile(
    r"(?i)^(read more|read also|related( stories| articles)?|see also|more on this( story)?"
    r"|advertisement|share (this|on)|follow us\b|click here)\b.{0,40}$"
)
# A caption's credit: "... Sergei Bobylev / TASS", "Photo: Reuters", "© AFP".
_CREDIT = re.compile(
    r"(?i)(^(photo|image|picture|credit|source)s?\s*:|^©|\bcopyright\b|"
    r"[\w.'-]+ ?/ ?(?-i:[A-Z])[\w&.' -]{1,30}$)"
)
APPEAL_TAIL_WORDS = 12  # short lines after an appeal are its buttons and links


@dataclass(frozen=True, slots=True)
class Extraction:
    """What trafilatura found on one page, before it becomes an Article."""

    title: str
    paragraphs: tuple[str, ...]
    published: datetime | None
    author: str
    site_name: str
    language: str


def extract_articles(
    entries: Sequence[Entry],
    sources: Sequence[FeedSource],
    fetcher: Fetcher,
    *,
    workers: int = 8,
    progress: Callable[[Entry], None] | None = None,
) -> tuple[tuple[Article, ...], tuple[Failure, ...]]:
    """Turn entries into articles concurrently; failures come back as data, never raised."""
    by_name = {s.name: s for s in sources}

    def one(entry: Entry) -> tuple[Article | None, Failure | None]:
        outcome = article_for_entry(entry, by_name[entry.source], fetcher)
        if progress:
            progress(entry)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = list(pool.map(one, entries))
    articles = tuple(a for a, _ in outcomes if a is not None)
    failures = tuple(f for _, f in outcomes if f is not None)
    return articles, failures


def article_for_entry(
    entry: Entry, source: FeedSource, fetcher: Fetcher
) -> tuple[Article | None, Failure | None]:
    """The entry's article from its page, else from the feed's text; and what fell short."""
    if not source.full_text:
        return _from_feed(entry, ""), None
    try:
        response = fetcher.get(entry.url, timeout=source.timeout, max_bytes=source.max_bytes)
        extraction = extract_page(response.text(), entry.url)
    except (FetchError, ExtractError) as exc:
        return _fallback(entry, exc.reason)
    if _words(extraction.paragraphs) < min(MIN_PAGE_WORDS, len(entry.summary.split())):
        return _fallback(entry, "the page held less text than the feed")
    return _from_page(entry, extraction), None


def extract_page(page: str, url: str) -> Extraction:
    """Extract the article of one HTML page given as text; raise ExtractError if there is none."""
    document = trafilatura.bare_extraction(
        page, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if not isinstance(document, Document) or not document.text:
        raise ExtractError("no article text found on the page", url=url)
    paragraphs, _removed = strip_boilerplate(str(document.text).split("\n"))
    if not paragraphs:
        raise ExtractError("only boilerplate found on the page", url=url)
    return Extraction(
        title=clean_text(document.title or ""),
        paragraphs=tuple(paragraphs),
        published=_page_date(document.date),
        author=clean_text(document.author or ""),
        site_name=clean_text(document.sitename or ""),
        language=document.language or "",
    )


def strip_boilerplate(lines: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Keep the article's paragraphs; return what was dropped with the reason for each."""
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    in_appeal = False
    for line in (clean_text(x) for x in lines):
        if not line:
            continue
        reason = _boilerplate_reason(line, in_appeal)
        in_appeal = in_appeal or reason == "appeal"
        if reason:
            removed.append((line, reason))
        else:
            kept.append(line)
    return kept, removed


def _boilerplate_reason(line: str, in_appeal: bool) -> str | None:
    words = len(line.split())
    if _APPEAL.search(line) and (words < 80 or in_appeal):
        return "appeal"
    if in_appeal and words <= APPEAL_TAIL_WORDS:
        return "appeal"
    if words <= 8 and _FURNITURE.match(line):
        return "furniture"
    # A caption is short and, unlike a sentence, does not end in a full stop or a quote.
    if words <= 20 and _CREDIT.search(line) and not line.endswith((".", '"', "”")):
        return "photo credit"
    return None


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
        language=extraction.language,
        origin="page",
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
        origin="feed",
        note=note,
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


def _page_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
