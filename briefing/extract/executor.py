"""Where pages are read: downloads here and extraction in worker processes, or a Dask cluster.

`executor = "processes"` (the default) downloads pages in this process's threads and extracts
them in forked worker processes on every core of this machine (`extract/workers.py`).
`executor = "dask://HOST:PORT"` sends the pages to the Dask distributed scheduler at that
address (`pip install 'briefing[dask]'`; the workers need the same version of briefing): each
host's pages go out in small batches, one batch at a time, so the per-host cap and delay hold
across the cluster; a worker downloads its batch and extracts each page in a sandboxed child
under the same time and memory limits (`extract/remote.py`), and sends back `Extraction`
records, never pages. The store, clustering, sections and rendering stay here.

A cluster that fails is never taken for pages that failed: the pages it could not read fall
back to the feed's text, and when they are more than `LOST_SHARE` of the pages (or all of them)
the run records one `Failure` of the executor, which the CLI turns into exit 9.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..config.values import LOCAL, executor_problem
from ..errors import ConfigError
from ..fetch.http import FetchPolicy
from ..models import Failure
from ..runtime.cluster import dask_client
from .outcome import Found
from .page import Extraction
from .remote import HostBatch, PageRequest, read_on_worker
from .workers import Limits, PageJob, WorkerPool, extract_pages

EXECUTOR_STAGE = "executor"  # the stage of the Failure that says the cluster failed
# Above one page in ten the cluster is broken, not unlucky: a worker lost mid-run costs the
# few pages it held, and Dask retries those on another worker before giving up on them.
LOST_SHARE = 0.1
BATCH = 8  # pages of one host a worker reads per task: answers stream back, hosts interleave


class PageExecutor(Protocol):
    """Reads pages: those it downloads itself (`read_pages`), and pages downloaded here."""

    def read_pages(self, requests: Sequence[PageRequest]) -> dict[str, Future[Found]]:
        """Start reading the pages where the executor downloads them; {} when they are read here."""
        ...

    def run(self, job: PageJob) -> Extraction | str: ...

    def failure(self) -> Failure | None:
        """The executor's own failure once it failed for too many pages, else None."""
        ...


@contextmanager
def open_executor(
    spec: str,
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    policy: FetchPolicy | None = None,
) -> Iterator[PageExecutor]:
    """The executor the setting names, open for the block; raise ConfigError if it is unusable."""
    problem = executor_problem(spec)
    if problem is not None:
        raise ConfigError(problem, key="executor", hint=_HINT)
    limits = limits or Limits()
    if spec == LOCAL:
        local = LocalPool(workers=workers, limits=limits)
        with local:
            yield local
        return
    with DaskPool(spec, limits, policy or FetchPolicy()) as pool:
        yield pool


_HINT = 'use "processes", or "dask://HOST:PORT" after pip install \'briefing[dask]\''


class LocalPool(WorkerPool):
    """The worker processes of this machine: pages are downloaded here and handed over."""

    def read_pages(self, requests: Sequence[PageRequest]) -> dict[str, Future[Found]]:
        """None: this process downloads every page itself."""
        return {}

    def failure(self) -> Failure | None:
        """None: a worker that fails costs its page, and a fresh one takes the rest."""
        return None


class DaskPool:
    """Pages read on a Dask cluster, each host's in batches one at a time; the local answers."""

    def __init__(self, spec: str, limits: Limits, policy: FetchPolicy) -> None:
        self.spec = spec
        self.limits = limits
        self.policy = policy
        self._run = uuid.uuid4().hex[:12]  # the workers keep one fetcher (robots.txt) per run
        self._connection = dask_client(spec)
        self._futures: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pages = 0
        self._lost = 0
        self._first_error = ""
        self._client: Any = None

    def __enter__(self) -> DaskPool:
        self._client = self._connection.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._connection.__exit__(*exc)

    def read_pages(self, requests: Sequence[PageRequest]) -> dict[str, Future[Found]]:
        """Send every page to the cluster; each key's future gives its extraction or why not."""
        answers: dict[str, Future[Found]] = {r.key: Future() for r in requests}
        by_host: dict[str, list[PageRequest]] = {}
        for request in requests:
            by_host.setdefault(urlsplit(request.url).hostname or "", []).append(request)
        with self._lock:
            self._pages += len(requests)
        # The feeds were read from here a moment ago, maybe from these hosts: a delay first.
        after_feeds = time.time() + self.policy.host_delay
        for pages in by_host.values():
            batches = deque(tuple(pages[i : i + BATCH]) for i in range(0, len(pages), BATCH))
            self._send_next(batches, answers, after_feeds)
        return answers

    def _send_next(
        self,
        batches: deque[tuple[PageRequest, ...]],
        answers: dict[str, Future[Found]],
        not_before: float,
    ) -> None:
        """Send a host's next batch, once the one before it is back: one worker at a time."""
        if not batches:
            return
        batch = batches.popleft()
        try:
            task = self._client.submit(
                read_on_worker, batch, self.policy, self.limits, self._run, not_before, pure=False
            )
            task.add_done_callback(functools.partial(self._batch_done, batch, batches, answers))
        except Exception as exc:  # the client closed under us: this host's pages are all lost
            left = [request for pages in (batch, *batches) for request in pages]
            batches.clear()
            reason = self._lose(len(left), exc)
            for request in left:
                answers[request.key].set_result(reason)

    def _batch_done(
        self,
        batch: tuple[PageRequest, ...],
        batches: deque[tuple[PageRequest, ...]],
        answers: dict[str, Future[Found]],
        task: Any,
    ) -> None:
        """Runs on Dask's callback thread: the host's next batch goes out, then these answers.

        The next batch goes first, before this one's answers are fetched from the cluster: the
        task is over, so its last request started before now, and the host's delay counts
        from now.
        """
        self._send_next(batches, answers, time.time() + self.policy.host_delay)
        try:
            done: HostBatch = task.result()
        except BaseException as exc:  # the cluster lost or failed the task: each page says why
            reason = self._lose(len(batch), exc)
            for request in batch:
                answers[request.key].set_result(reason)
            return
        for key, found in done.answers:
            answers[key].set_result(found)

    def _lose(self, pages: int, exc: BaseException) -> str:
        """Count pages the cluster could not read; the page's reason names the first error."""
        error = _one_line(exc)
        with self._lock:
            self._lost += pages
            self._first_error = self._first_error or error
        return f"not read on the cluster: {error}"

    def failure(self) -> Failure | None:
        """The cluster's failure, when it failed for more than LOST_SHARE of the pages or all."""
        with self._lock:
            lost, pages, first = self._lost, self._pages, self._first_error
        if not lost or (lost <= LOST_SHARE * pages and lost < pages):
            return None
        reason = f"{lost} of {pages} pages could not be read on the cluster; first error: {first}"
        return Failure(EXECUTOR_STAGE, "extraction on the cluster", self.spec, reason)

    def submit(self, job: PageJob) -> None:
        """Send one downloaded page to the cluster now; its answer is gathered by results()."""
        future = self._client.submit(extract_remote, job, self.limits, pure=False)
        with self._lock:
            self._futures[job.key] = future
            self._pages += 1

    def run(self, job: PageJob) -> Extraction | str:
        """Send one downloaded page to the cluster and wait for its answer."""
        with self._lock:
            self._pages += 1
        future = self._client.submit(extract_remote, job, self.limits, pure=False)
        try:
            answer: Extraction | str = future.result()
        except Exception as exc:  # the cluster lost the task: that page's failure, counted
            return self._lose(1, exc)
        return answer

    def results(self) -> dict[str, Extraction | str]:
        """Every submitted page's answer; a task the cluster lost is that page's failure."""
        with self._lock:
            futures = dict(self._futures)
        answers: dict[str, Extraction | str] = {}
        for key, future in futures.items():
            try:
                answers[key] = future.result()
            except Exception as exc:
                answers[key] = self._lose(1, exc)
        return answers


def extract_remote(job: PageJob, limits: Limits) -> Extraction | str:
    """Run on a Dask worker: one downloaded page, in a forked child under the limits."""
    return extract_pages([job], workers=1, limits=limits)[job.key]


def _one_line(exc: BaseException) -> str:
    """The error as one short line: its type and the first line of its message."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
