"""What a Dask worker does with one host's pages: download them politely and extract each.

The coordinator sends a host's pages in small batches, one batch at a time (`executor.py`), so
no two workers ask one host at once: on the worker, the batch is downloaded through a fetcher
with the run's policy (the per-host cap and delay, robots.txt, the address guard) and each page
is extracted in the worker process's sandbox pool, under the same time and memory limits as on
the coordinator. Only the `Extraction` (or why there is none) goes back, never the page.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..errors import FetchError
from ..fetch.http import Fetcher, FetchPolicy
from ..models import Entry, FeedSource
from ..runtime.cluster import leave_thread_slot, worker_threads
from ..runtime.workers import WorkerPool as Sandbox
from ..runtime.workers import shared_pool
from .outcome import wants_page
from .page import Extraction
from .workers import Limits, PageJob, WorkerPool

RUNS_KEPT = 4  # fetchers kept per worker process: one per run, for runs that overlap
DOWNLOADS = 8  # downloads at once per worker process, as the coordinator's default threads
_DOWNLOADING = threading.BoundedSemaphore(DOWNLOADS)

Answer = tuple[str, Extraction | str]  # an entry's key, and its page's extraction or why not


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One entry's page to download and extract on a worker, with its feed's limits."""

    key: str
    url: str
    with_date: bool  # search the page for its date (the feed did not give one)
    timeout: float
    max_bytes: int
    allow: tuple[str, ...]  # networks the feed's pages may reach besides the policy's


@dataclass(frozen=True, slots=True)
class HostBatch:
    """What a worker sends back for a batch of one host's pages."""

    answers: tuple[Answer, ...]


def page_requests(entries: Sequence[Entry], by_name: dict[str, FeedSource]) -> list[PageRequest]:
    """The entries whose pages are wanted, as requests a worker can carry out."""
    return [
        PageRequest(
            e.id,
            e.url,
            e.published is None,
            by_name[e.source].timeout,
            by_name[e.source].max_bytes,
            by_name[e.source].allow_networks,
        )
        for e in entries
        if wants_page(e, by_name[e.source])
    ]


def read_on_worker(
    requests: tuple[PageRequest, ...],
    policy: FetchPolicy,
    limits: Limits,
    run: str,
    not_before: float,
) -> HostBatch:
    """Run on a Dask worker: download one host's pages and extract each under the limits.

    Waits first for the host's delay after the previous batch, which another worker may have
    read (bounded by the delay, so a clock set wrong costs at most that much). The task gives up
    its thread slot at once: the pages of many hosts are downloaded at a time, as at home, and
    the extraction of them all shares the worker's sandbox pool, one process per thread.
    """
    leave_thread_slot()
    time.sleep(min(policy.host_delay, max(0.0, not_before - time.time())))
    fetcher = _run_fetcher(policy, run)
    sandbox = shared_pool(("extraction", limits), functools.partial(_sandbox, limits))
    read = functools.partial(_read_one, fetcher, sandbox, run)
    with ThreadPoolExecutor(max(1, policy.per_host)) as threads:
        answers = tuple(threads.map(read, requests))
    return HostBatch(answers)


def _sandbox(limits: Limits) -> Sandbox[PageJob, Extraction]:
    """As many sandboxed workers as the Dask worker has threads: its share of the cores."""
    return WorkerPool(workers=worker_threads(), limits=limits)


def _read_one(
    fetcher: Fetcher, sandbox: Sandbox[PageJob, Extraction], run: str, request: PageRequest
) -> Answer:
    """One page downloaded and extracted, as the coordinator's own threads would do it."""
    try:
        with _DOWNLOADING:
            response = fetcher.get(
                request.url,
                timeout=request.timeout,
                max_bytes=request.max_bytes,
                allow=request.allow,
            )
    except FetchError as exc:
        return request.key, exc.reason
    # Keyed by run too: two runs sharing this worker may read entries of one id.
    job = PageJob(f"{run} {request.key}", response.text(), request.url, request.with_date)
    return request.key, sandbox.run(job)


_FETCHERS: OrderedDict[tuple[FetchPolicy, str], Fetcher] = OrderedDict()
_FETCHERS_LOCK = threading.Lock()


def _run_fetcher(policy: FetchPolicy, run: str) -> Fetcher:
    """The run's fetcher on this worker: robots.txt read once per host per run, as at home."""
    with _FETCHERS_LOCK:
        key = (policy, run)
        if key not in _FETCHERS:
            _FETCHERS[key] = Fetcher(policy=policy)
            while len(_FETCHERS) > RUNS_KEPT:  # an old run's: its connections close with it
                _FETCHERS.popitem(last=False)
        return _FETCHERS[key]
