"""Entries in, Articles out: download the pages, extract them in workers, fall back to the feed.

Downloads run in threads (they wait on the network); extraction runs in worker processes on
every core (it is CPU work, and a page may be pathological). A page that cannot be had, is a
teaser, a paywall or a consent wall, or holds much less text than the feed gives way to the
feed's own text, and the reason is recorded. Boilerplate a site repeats is learned in the store
and dropped from that site's later articles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import zip_longest
from typing import Protocol
from urllib.parse import urlsplit

from ..errors import FetchError
from ..http import Fetcher
from ..identity import part_of_page
from ..models import Article, Entry, Failure, FeedSource
from .boilerplate import drop_learned, fingerprint, strip_boilerplate
from .page import Extraction
from .workers import Limits, PageJob, cpu_count

MIN_PAGE_WORDS = 40  # below this a page is a teaser, a paywall or a consent wall
FEED_SHARE = 0.5  # a page with less than half the feed's words lost its article
LEARN_ARTICLES = 3  # a paragraph in this many articles of one site is that site's boilerplate
_WALL = re.compile(
    r"(?i)(accept (all )?cookies|cookie (policy|settings)|we value your privacy|consent"
    r"|subscribe to (continue|keep) reading|to continue reading|already a subscriber"
    r"|this (article|content) is (only )?(available|reserved) (to|for) (subscribers|members))"
)


class BoilerplateStore(Protocol):
    """What extraction needs of the store: learned paragraphs and per-feed health."""

    def site_paragraph_counts(self, site: str, fingerprints: Sequence[str]) -> dict[str, int]: ...

    def learn_site_paragraphs(self, site: str, articles: Sequence[Sequence[str]]) -> None: ...

    def record_extraction(self, outcomes: Sequence[tuple[str, bool, bool, str]]) -> None: ...


@dataclass(frozen=True, slots=True)
class _Fetched:
    entry: Entry
    downloaded: bool  # the page was handed to extraction (and not kept here: memory)
    error: str = ""


def extract_articles(
    entries: Sequence[Entry],
    sources: Sequence[FeedSource],
    fetcher: Fetcher,
    *,
    workers: int = 8,
    progress: Callable[[Entry], None] | None = None,
    store: BoilerplateStore | None = None,
    limits: Limits | None = None,
    executor: str = "processes",
) -> tuple[tuple[Article, ...], tuple[Failure, ...]]:
    """Turn entries into articles; failures come back as data, never raised.

    `executor` says where pages are extracted: "processes" here, or "dask://HOST:PORT".
    """
    from ..executor import open_executor  # here: the executor module builds on this package

    by_name = {s.name: s for s in sources}
    pages = sum(1 for e in entries if _wants_page(e, by_name[e.source]))
    if not pages:  # nothing to download: no worker is started
        fetched = _fetch_pages(entries, by_name, fetcher, workers, progress, _no_pages)
        extracted: dict[str, Extraction | str] = {}
    # Pages go to extraction as they arrive, so the cores work while the network waits.
    else:
        extractors = min(cpu_count(), pages)
        with open_executor(executor, workers=extractors, limits=limits) as pool:
            fetched = _fetch_pages(entries, by_name, fetcher, workers, progress, pool.submit)
            extracted = pool.results()
    extracted = _drop_site_boilerplate(fetched, extracted, store)
    outcomes = [_outcome(f, extracted.get(f.entry.id, f.error)) for f in fetched]
    if store is not None:
        store.record_extraction(
            [_health(f.entry, a, x) for f, (a, x) in zip(fetched, outcomes, strict=True)]
        )
    articles = tuple(a for a, _ in outcomes if a is not None)
    failures = tuple(f for _, f in outcomes if f is not None)
    return articles, failures


def article_for_entry(
    entry: Entry, source: FeedSource, fetcher: Fetcher
) -> tuple[Article | None, Failure | None]:
    """The entry's article from its page, else from the feed's text; and what fell short."""
    articles, failures = extract_articles([entry], [source], fetcher, workers=1)
    return (articles[0] if articles else None), (failures[0] if failures else None)


def _no_pages(job: PageJob) -> None:
    raise AssertionError("no feed of these entries asks for its pages")


def _fetch_pages(
    entries: Sequence[Entry],
    by_name: dict[str, FeedSource],
    fetcher: Fetcher,
    workers: int,
    progress: Callable[[Entry], None] | None,
    extract: Callable[[PageJob], None],
) -> list[_Fetched]:
    def one(entry: Entry) -> _Fetched:
        source = by_name[entry.source]
        try:
            if not _wants_page(entry, source):
                return _Fetched(entry, False)
            response = fetcher.get(entry.url, timeout=source.timeout, max_bytes=source.max_bytes)
            extract(PageJob(entry.id, response.text(), entry.url, entry.published is None))
            return _Fetched(entry, True)
        except FetchError as exc:
            return _Fetched(entry, False, exc.reason)
        finally:
            if progress:
                progress(entry)

    # Taken in turns by host: in feed order, every download thread would queue behind the
    # first site's two slots and its delay while the other sites sat idle.
    order = in_turns_by_host(entries)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        done = dict(zip(order, pool.map(one, (entries[i] for i in order)), strict=True))
    return [done[i] for i in range(len(entries))]


def in_turns_by_host(entries: Sequence[Entry]) -> list[int]:
    """Indexes of the entries, one host after another in turn: a, b, c, a, b, c, a, ..."""
    by_host: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        by_host.setdefault(urlsplit(entry.url).hostname or "", []).append(index)
    rounds = zip_longest(*by_host.values())
    return [index for turn in rounds for index in turn if index is not None]


def _drop_site_boilerplate(
    fetched: Sequence[_Fetched],
    extracted: dict[str, Extraction | str],
    store: BoilerplateStore | None,
) -> dict[str, Extraction | str]:
    """Drop paragraphs a site repeats across articles, counting this batch and the store."""
    if store is None:
        return extracted
    by_site: dict[str, list[tuple[str, Extraction]]] = {}
    for f in fetched:
        found = extracted.get(f.entry.id)
        if isinstance(found, Extraction):
            by_site.setdefault(site_of(f.entry.url), []).append((f.entry.id, found))
    result = dict(extracted)
    for site, items in by_site.items():
        # Each paragraph is hashed once: the counts and the dropping both use these.
        each = [[fingerprint(p) for p in e.paragraphs] for _, e in items]
        prints = [sorted(set(group)) for group in each]
        batch = Counter(fp for group in prints for fp in group)
        stored = store.site_paragraph_counts(site, list(batch))
        learned = {fp for fp, n in batch.items() if n + stored.get(fp, 0) >= LEARN_ARTICLES}
        store.learn_site_paragraphs(site, prints)
        for (key, extraction), own in zip(items, each, strict=True):
            if learned.intersection(own):
                result[key] = _without(extraction, learned, own)
    return result


def _without(extraction: Extraction, learned: set[str], prints: Sequence[str]) -> Extraction:
    kept, removed = drop_learned(extraction.paragraphs, learned, prints)
    if not removed or not kept:  # a page made only of repeated text keeps it: that is its text
        return extraction
    return replace(extraction, paragraphs=tuple(kept), removed=extraction.removed + tuple(removed))


def _wants_page(entry: Entry, source: FeedSource) -> bool:
    """Whether the entry's page is downloaded: not when full_text is off, nor when the entry is
    one part of a page (a linkblog's day page holds all the day's items; the feed has this one)."""
    return source.full_text and not part_of_page(entry.url)


def _outcome(fetched: _Fetched, found: Extraction | str) -> tuple[Article | None, Failure | None]:
    entry = fetched.entry
    if not fetched.downloaded and not fetched.error:
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


def _health(
    entry: Entry, article: Article | None, failure: Failure | None
) -> tuple[str, bool, bool, str]:
    """(feed, fell back to the feed's text, failed outright, why) for the feed's health."""
    fell_back = article is not None and article.origin == "feed" and bool(article.note)
    return entry.source, fell_back, article is None, failure.reason if failure else ""


def site_of(url: str) -> str:
    """The site an article belongs to, for learned boilerplate: its host without www."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


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
