"""Fetch feeds: download each with our own client, parse it in a worker, keep its validators.

The bytes are parsed into `Entry` records by `parse.py`. Any failure of one feed becomes a
`FeedResult` with an error; of the results, a run takes the entries the store does not hold
yet, and records each feed's validators once the articles they led to are stored. Parsing runs
in forked workers (`sandbox.py`) under a time and an address-space limit: a feed that blows up
the parser, loops or crashes it costs that feed, never the run (RELIABILITY 21).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import FetchError, RetryLater
from ..models import Entry, Failure, FeedHealth, FeedResult, FeedSource
from ..runtime.workers import Limits, WorkerPool, cpu_count
from ..store import Store
from .feedcheck import UnsafeFeed
from .http import Fetcher, Response
from .identity import url_variants
from .parse import read_feed, unique_entries
from .politeness import latest, ttl_until

Validators = Callable[[str], tuple[str | None, str | None]]
# feedparser takes about 11 times a feed's size in memory (RELIABILITY); feeds are capped at
# [fetch] max_bytes (10 MB by default), so 512 MB more than the parent has is room to spare.
PARSE_LIMITS = Limits(seconds=30.0, memory_mb=512)
# Parsing many feeds at once has run readers out of memory (lemon24/reader#261): two workers at
# most bound it at twice the limit, and feedparser's ~17 ms a feed keeps them ahead of downloads.
PARSERS = 2

Parsers = WorkerPool["_ParseJob", FeedResult]


@dataclass(frozen=True, slots=True)
class _ParseJob:
    key: str
    source: FeedSource
    response: Response


def feed_parsers(feeds: int) -> Parsers:
    """Worker processes for parsing `feeds` feeds (a context manager)."""
    workers = min(PARSERS, cpu_count(), max(1, feeds))
    return WorkerPool(_parse_job, workers=workers, limits=PARSE_LIMITS, what="parsing")


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
        result = fetch_feed(source, fetcher, *validators(source.url), parsers=parsers)
        if progress:
            progress(result)
        return result

    # The parsers are forked before the download threads start.
    with feed_parsers(len(sources)) as parsers, ThreadPoolExecutor(max(1, workers)) as pool:
        return tuple(pool.map(one, sources))


def fetch_feed(
    source: FeedSource,
    fetcher: Fetcher,
    etag: str | None = None,
    last_modified: str | None = None,
    *,
    parsers: Parsers | None = None,
) -> FeedResult:
    """Fetch and parse one feed; never raises: a failure is returned as data.

    Parsed by one of `parsers`, or by a worker started for this feed alone.
    """
    try:
        response = fetcher.get(
            source.url,
            timeout=source.timeout,
            max_bytes=source.max_bytes,
            etag=etag,
            last_modified=last_modified,
            robots=False,  # the user subscribed to this feed: robots.txt is for crawlers
            allow=source.allow_networks,
        )
    except RetryLater as exc:
        return FeedResult(
            source=source,
            error=f"{exc.reason} (the site asked us to wait until {_hhmm(exc.retry_at)})",
            http_status=exc.status,
            next_fetch=exc.retry_at,
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
            next_fetch=response.fresh_until,
        )
    if parsers is None:
        with feed_parsers(1) as own:
            return _parsed_in(own, source, response)
    return _parsed_in(parsers, source, response)


def _parsed_in(parsers: Parsers, source: FeedSource, response: Response) -> FeedResult:
    """The feed parsed by a worker; a worker that ran out of time or died is this feed's error."""
    # One job at a time per thread: the thread names the job.
    key = f"{threading.get_ident()} {source.url}"
    outcome = parsers.run(_ParseJob(key, source, response))
    if isinstance(outcome, str):
        return FeedResult(source=source, error=outcome, http_status=response.status)
    return outcome


def _parse_job(job: _ParseJob) -> FeedResult:
    """Run in a parsing worker."""
    return _parsed_result(job.source, job.response)


def _parsed_result(source: FeedSource, response: Response) -> FeedResult:
    try:
        content = read_feed(response, source)
    except MemoryError:
        return FeedResult(
            source=source,
            error=f"the feed needed more than {PARSE_LIMITS.memory_mb} MB to parse",
            http_status=response.status,
        )
    except UnsafeFeed as exc:
        return FeedResult(source=source, error=f"feed rejected: {exc}", http_status=response.status)
    except Exception as exc:  # feedparser raises on a few malformed inputs; one feed, not the run
        return FeedResult(source=source, error=f"could not parse the feed: {type(exc).__name__}")
    if content is None:
        return FeedResult(source=source, error="not a feed (no items found in the response)")
    return FeedResult(
        source=source,
        entries=content.entries,
        items=content.items,
        http_status=response.status,
        etag=response.etag,
        last_modified=response.last_modified,
        next_fetch=latest([response.fresh_until, ttl_until(_rss_ttl(response))]),
    )


def waiting_results(
    sources: Sequence[FeedSource], states: Mapping[str, FeedHealth], now: datetime
) -> tuple[tuple[FeedSource, ...], dict[str, FeedResult]]:
    """Split feeds into those due now and those whose site asked us to wait (as results).

    A waiting feed that was failing stays a failure, so it is reported every run until it
    recovers, never forgotten.
    """
    due: list[FeedSource] = []
    waiting: dict[str, FeedResult] = {}
    for source in sources:
        state = states.get(source.url)
        if state is None or state.next_fetch is None or state.next_fetch <= now:
            due.append(source)
            continue
        error = None
        if state.failures:
            error = (
                f"{state.last_error or 'failing'}; not asked this run "
                f"(failed runs in a row: {state.failures})"
            )
        waiting[source.url] = FeedResult(
            source=source,
            not_modified=error is None,
            error=error,
            http_status=state.status,
            next_fetch=state.next_fetch,
            skipped=True,
        )
    return tuple(due), waiting


def _rss_ttl(response: Response) -> str | None:
    """The RSS <ttl> in minutes, read from the raw bytes (feedparser keeps it on the feed)."""
    match = re.search(rb"<ttl>\s*(\d{1,6})\s*</ttl>", response.body[:65536])
    return match.group(1).decode() if match else None


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def new_entries(
    results: Iterable[FeedResult], store: Store, start: datetime, end: datetime
) -> tuple[Entry, ...]:
    """Entries inside the window that the store does not hold yet, each once."""
    candidates = {
        e.id: e
        for r in results
        for e in r.entries
        if e.published is None or start <= e.published < end
    }
    # The same article in two feeds, or under a link spelled another way, is read once.
    unique = tuple(unique_entries(candidates.values()))
    known = store.known_ids(e.id for e in unique)
    known_links = store.known_urls(v for e in unique for v in url_variants(e.url))
    return tuple(
        e for e in unique if e.id not in known and known_links.isdisjoint(url_variants(e.url))
    )


def feed_failures(results: Iterable[FeedResult]) -> tuple[Failure, ...]:
    """A Failure for each feed that could not be read this run."""
    return tuple(Failure("feed", r.source.name, r.source.url, r.error) for r in results if r.error)


def save_feed_state(store: Store, results: Iterable[FeedResult], since: datetime) -> None:
    """Record validators and next-fetch times, once the articles they led to are stored.

    Saved earlier, a crash before the articles are stored would turn the next request into a
    304 Not Modified, and the articles of that feed would never be read. `since`: the start of
    the window the items were taken for (an earlier one asks again without validators).
    """
    fetched = [r for r in results if not r.skipped]
    store.save_feed_results(fetched, datetime.now(UTC), read_since=since)
    store.save_feed_schedule(fetched)
