"""Entries in, Articles out: download the pages, extract them in workers, fall back to the feed.

Downloads run in threads (they wait on the network); extraction runs in worker processes on
every core (it is CPU work, and a page may be pathological). A page that cannot be had, is a
teaser, a paywall or a consent wall, or holds much less text than the feed gives way to the
feed's own text, and the reason is recorded (`outcome.py`). Boilerplate a site repeats is
learned in the store and dropped from that site's later articles. Each article is stored as soon
as it is made, so a run killed midway keeps what it read and the next run reads only the rest.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import zip_longest
from queue import Empty, SimpleQueue
from typing import Protocol
from urllib.parse import urlsplit

from ..errors import FetchError
from ..fetch.http import Fetcher
from ..models import Article, Entry, Failure, FeedSource
from .boilerplate import drop_learned, fingerprint
from .executor import open_executor
from .outcome import Found, article_outcome, wants_page
from .page import Extraction
from .remote import page_requests
from .workers import Limits, PageJob, cpu_count

LEARN_ARTICLES = 3  # a paragraph in this many articles of one site is that site's boilerplate
FLUSH_SECONDS = 0.5  # articles made are stored at least this often, a batch in one commit


class ExtractionStore(Protocol):
    """What extraction needs of the store: where articles go, learned paragraphs, feed health."""

    def save_articles(self, articles: Sequence[Article], now: datetime) -> None: ...

    def revise_articles(self, articles: Sequence[Article]) -> None: ...

    def site_paragraph_counts(self, site: str, fingerprints: Sequence[str]) -> dict[str, int]: ...

    def learn_site_paragraphs(self, site: str, articles: Sequence[Sequence[str]]) -> None: ...

    def record_extraction(self, outcomes: Sequence[tuple[str, bool, bool, str]]) -> None: ...


@dataclass(frozen=True, slots=True)
class _Read:
    """One entry read: what its page gave, and the article made of it (or why there is none)."""

    entry: Entry
    found: Found
    prints: tuple[str, ...]  # the page's paragraph fingerprints, in order (with a store only)
    dropped: frozenset[str]  # those known as the site's boilerplate when the article was made
    article: Article | None
    failure: Failure | None


def extract_articles(
    entries: Sequence[Entry],
    sources: Sequence[FeedSource],
    fetcher: Fetcher,
    *,
    workers: int = 8,
    progress: Callable[[Entry], None] | None = None,
    store: ExtractionStore | None = None,
    limits: Limits | None = None,
    executor: str = "processes",
) -> tuple[tuple[Article, ...], tuple[Failure, ...]]:
    """Turn entries into articles; failures come back as data, never raised.

    With a store, each article is stored as soon as it is made (a killed run keeps what it
    read), and the paragraphs each site repeats are learned there and dropped.
    `executor` says where pages are extracted: "processes" here, or "dask://HOST:PORT".
    """

    by_name = {s.name: s for s in sources}
    keeper = _Keeper(store)
    pages = sum(1 for e in entries if wants_page(e, by_name[e.source]))
    lost = None  # the executor's own failure, when it failed for too many pages
    if not pages:  # nothing to download: no worker is started
        read = _fetch_pages(entries, by_name, fetcher, workers, progress, _no_pages, keeper)
    # Pages go to extraction as they arrive, so the cores work while the network waits.
    else:
        extractors = min(cpu_count(), pages)
        with open_executor(
            executor, workers=extractors, limits=limits, policy=fetcher.policy
        ) as pool:
            # On a cluster the workers download the pages too; here (nothing remote) threads do.
            remote = pool.read_pages(page_requests(entries, by_name))
            read = _fetch_pages(
                entries,
                by_name,
                fetcher,
                workers,
                progress,
                pool.run,
                keeper,
                2 * extractors,
                remote,
            )
            lost = pool.failure()
    read = _drop_site_boilerplate(read, store)
    if store is not None:
        store.record_extraction([_health(r.entry, r.article, r.failure) for r in read])
    articles = tuple(r.article for r in read if r.article is not None)
    failures = tuple(r.failure for r in read if r.failure is not None)
    return articles, failures + ((lost,) if lost else ())


def article_for_entry(
    entry: Entry, source: FeedSource, fetcher: Fetcher
) -> tuple[Article | None, Failure | None]:
    """The entry's article from its page, else from the feed's text; and what fell short."""
    articles, failures = extract_articles([entry], [source], fetcher, workers=1)
    return (articles[0] if articles else None), (failures[0] if failures else None)


def _no_pages(job: PageJob) -> Extraction | str:
    raise AssertionError("no feed of these entries asks for its pages")


def _fetch_pages(
    entries: Sequence[Entry],
    by_name: dict[str, FeedSource],
    fetcher: Fetcher,
    workers: int,
    progress: Callable[[Entry], None] | None,
    extract: Callable[[PageJob], Extraction | str],
    keeper: _Keeper,
    extracting: int = 1,
    remote: Mapping[str, Future[Found]] | None = None,
) -> list[_Read]:
    """Download each entry's page on `workers` threads, extract it, keep each article made.

    A downloaded page is handed to one of `extracting` threads that wait for its extraction, so
    the download threads go on to the next page (a wait there cost a quarter of the reading
    time at 1,000 articles); they wait only while that many pages wait for extraction. The
    pages in `remote` are read elsewhere (on a cluster): only their answers are waited for.
    """
    remote = remote or {}
    finished: SimpleQueue[tuple[int, Future[Found]]] = SimpleQueue()
    room = threading.BoundedSemaphore(extracting)

    def extracted(job: PageJob) -> Extraction | str:
        try:
            return extract(job)
        finally:
            room.release()

    def one(entry: Entry) -> Future[Found]:
        source = by_name[entry.source]
        if entry.id in remote:  # counted as read when its answer is back
            if progress:
                remote[entry.id].add_done_callback(lambda _: progress(entry))
            return remote[entry.id]
        try:
            if not wants_page(entry, source):
                return _answered(None)
            response = fetcher.get(
                entry.url,
                timeout=source.timeout,
                max_bytes=source.max_bytes,
                allow=source.allow_networks,  # a feed's own pages may be where the feed is
            )
            job = PageJob(entry.id, response.text(), entry.url, entry.published is None)
        except FetchError as exc:
            return _answered(exc.reason)
        finally:
            if progress:
                progress(entry)
        room.acquire()
        return waiting.submit(extracted, job)

    def downloaded(index: int, download: Future[Future[Found]]) -> None:
        try:
            answer = download.result()
        except BaseException as exc:  # raised again in this function's caller, as pool.map did
            answer = Future()
            answer.set_exception(exc)
        answer.add_done_callback(lambda done: finished.put((index, done)))

    # Taken in turns by host: in feed order, every download thread would queue behind the
    # first site's two slots and its delay while the other sites sat idle.
    order = in_turns_by_host(entries)
    read: dict[int, _Read] = {}
    with (
        ThreadPoolExecutor(max_workers=extracting) as waiting,
        ThreadPoolExecutor(max_workers=max(1, workers)) as downloads,
    ):
        for index in order:
            download = downloads.submit(one, entries[index])
            download.add_done_callback(functools.partial(downloaded, index))
        # This thread alone writes to the store: each answer is made an article here as it comes
        # (taken from a queue: concurrent.futures.wait costs a pass over every pending download).
        while len(read) < len(entries):
            with suppress(Empty):
                index, answer = finished.get(timeout=keeper.due())
                read[index] = keeper.add(entries[index], answer.result())
            keeper.store_due()
    keeper.store_waiting()
    return [read[i] for i in range(len(entries))]


def _answered(found: Found) -> Future[Found]:
    """An answer had without extraction, as a future already done."""
    future: Future[Found] = Future()
    future.set_result(found)
    return future


class _Keeper:
    """Makes each article as its page comes in and stores it with the next small batch.

    One commit per article would cost an fsync each (about 3 ms: 3 s for 1,000 articles); a
    batch at most every FLUSH_SECONDS costs a few, and a kill loses at most that much work.
    The paragraphs the run's pages repeat are counted here and learned in the store at the end
    (one write per site; a write per site per batch cost 7 s in 1,000 articles from 50 sites).
    """

    def __init__(self, store: ExtractionStore | None) -> None:
        self.store = store
        self._waiting: list[_Read] = []
        self._stored_at = time.monotonic()
        self._seen: dict[str, Counter[str]] = {}  # per site: pages of this run holding each

    def add(self, entry: Entry, found: Found) -> _Read:
        """The entry's article, without what its site is known to repeat by now."""
        prints: tuple[str, ...] = ()
        known: frozenset[str] = frozenset()
        if isinstance(found, Extraction) and self.store is not None:
            prints = tuple(fingerprint(p) for p in found.paragraphs)
            site = site_of(entry.url)
            own = sorted(set(prints))
            seen = self._seen.setdefault(site, Counter())
            seen.update(own)  # this page counts too, as it will in the store
            stored = self.store.site_paragraph_counts(site, own)
            known = frozenset(fp for fp in own if stored.get(fp, 0) + seen[fp] >= LEARN_ARTICLES)
        made = _made(entry, found, prints, known)
        self._waiting.append(made)
        return made

    def due(self) -> float | None:
        """Seconds until the waiting articles are stored; None when none waits."""
        if not self._waiting:
            return None
        return max(0.0, self._stored_at + FLUSH_SECONDS - time.monotonic())

    def store_due(self) -> None:
        """Store the waiting articles once the oldest batch's time is up."""
        if self.due() == 0.0:
            self.store_waiting()

    def store_waiting(self) -> None:
        """Store every waiting article, in one transaction."""
        batch, self._waiting = self._waiting, []
        self._stored_at = time.monotonic()
        articles = [r.article for r in batch if r.article is not None]
        if self.store is not None and articles:
            self.store.save_articles(articles, datetime.now(UTC))


def _made(entry: Entry, found: Found, prints: Sequence[str], known: frozenset[str]) -> _Read:
    """The entry's article with the `known` boilerplate paragraphs dropped from its page."""
    shown = found
    if isinstance(found, Extraction) and known:
        shown = _without(found, known, prints)
    article, failure = article_outcome(entry, shown)
    return _Read(entry, found, tuple(prints), known, article, failure)


def in_turns_by_host(entries: Sequence[Entry]) -> list[int]:
    """Indexes of the entries, one host after another in turn: a, b, c, a, b, c, a, ..."""
    by_host: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        by_host.setdefault(urlsplit(entry.url).hostname or "", []).append(index)
    rounds = zip_longest(*by_host.values())
    return [index for turn in rounds for index in turn if index is not None]


def _drop_site_boilerplate(read: Sequence[_Read], store: ExtractionStore | None) -> list[_Read]:
    """Drop what the whole run found each site repeats, as if every page had come at once.

    An article made early missed the paragraphs its site's later pages showed to repeat: it is
    made again without them, and rewritten in the store. The run's pages are counted for their
    site only now: a run killed before this loses those counts, and never counts a page twice
    (the rerun does not read a stored article again).
    """
    if store is None:
        return list(read)
    by_site: dict[str, list[list[str]]] = {}
    for r in read:
        if r.prints:
            by_site.setdefault(site_of(r.entry.url), []).append(sorted(set(r.prints)))
    learned: dict[str, set[str]] = {}
    for site, pages in by_site.items():
        batch = Counter(fp for own in pages for fp in own)
        stored = store.site_paragraph_counts(site, list(batch))
        learned[site] = {fp for fp, n in batch.items() if n + stored.get(fp, 0) >= LEARN_ARTICLES}
        store.learn_site_paragraphs(site, pages)
    final = [_remade(r, learned.get(site_of(r.entry.url), set())) for r in read]
    revised = [
        now.article
        for now, then in zip(final, read, strict=True)
        if now.article is not None and now.article != then.article
    ]
    if revised:
        store.revise_articles(revised)
    return final


def _remade(read: _Read, learned: set[str]) -> _Read:
    """The read again with every learned paragraph dropped; its article keeps its date."""
    known = frozenset(learned.intersection(read.prints))
    if known == read.dropped:
        return read
    made = _made(read.entry, read.found, read.prints, known)
    if made.article is None or read.article is None:
        return made
    return replace(made, article=replace(made.article, published=read.article.published))


def _without(extraction: Extraction, learned: Collection[str], prints: Sequence[str]) -> Extraction:
    kept, removed = drop_learned(extraction.paragraphs, learned, prints)
    if not removed or not kept:  # a page made only of repeated text keeps it: that is its text
        return extraction
    return replace(extraction, paragraphs=tuple(kept), removed=extraction.removed + tuple(removed))


def _health(
    entry: Entry, article: Article | None, failure: Failure | None
) -> tuple[str, bool, bool, str]:
    """(feed, fell back to the feed's text, failed outright, why) for the feed's health."""
    fell_back = article is not None and article.origin == "feed" and bool(article.note)
    return entry.source, fell_back, article is None, failure.reason if failure else ""


def site_of(url: str) -> str:
    """The site an article belongs to, for learned boilerplate: its host without www."""
    return (urlsplit(url).hostname or "").removeprefix("www.")
