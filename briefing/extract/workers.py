"""Extraction in worker processes, so one pathological page costs one article, never the run.

trafilatura can run without end on some pages, run out of memory on a huge colspan, or crash
(RELIABILITY 34, 36). Each page is extracted in a long-lived worker process under an
address-space limit (`RLIMIT_AS`, set in the worker); the parent gives each page a wall-clock
limit and kills the worker that passes it, or notices one that died, records that page as
failed and starts a fresh worker for the rest. Workers are forked: trafilatura is already
imported, so starting or replacing one costs milliseconds (a fork server or spawn would re-run
the caller's main module, which scripts without a main guard do not survive).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from ..errors import ExtractError
from .page import Extraction, extract_page

TIMEOUT = 20.0  # seconds per page; trafilatura takes about a tenth of a second on most
MEMORY_MB = 1024  # address space a worker may add to what it inherits from the parent
QUEUED = 16  # pages waiting per worker at most: downloads wait rather than pile pages up in memory

_CONTEXT = multiprocessing.get_context("fork")

Extractor = Callable[[str, str, bool], Extraction]  # (page, url, with_date)


@dataclass(frozen=True, slots=True)
class PageJob:
    """One decoded page to extract, under a key the caller chooses."""

    key: str
    page: str
    url: str
    with_date: bool = True  # search the page for its date (the feed did not give one)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one page may cost: wall-clock seconds and the worker's address space."""

    seconds: float = TIMEOUT
    memory_mb: int = MEMORY_MB


def cpu_count() -> int:
    """The cores this process may use: a batch uses every one of them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def extract_pages(
    jobs: Sequence[PageJob],
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    extractor: Extractor = extract_page,
) -> dict[str, Extraction | str]:
    """Extract every page in worker processes: each key gives its Extraction or why it failed."""
    if not jobs:
        return {}
    size = min(workers or cpu_count(), len(jobs))
    with WorkerPool(workers=size, limits=limits, extractor=extractor) as pool:
        for job in jobs:
            pool.submit(job)
        return pool.results()


class WorkerPool:
    """Worker processes that take pages as they arrive, so extraction overlaps the downloads.

    The workers are forked when the pool opens (before the caller starts its download threads);
    `submit` may be called from any thread; a dispatcher thread hands each page to a free worker
    and watches its time; `results` waits for every page submitted.
    """

    def __init__(
        self,
        *,
        workers: int | None = None,
        limits: Limits | None = None,
        extractor: Extractor = extract_page,
    ) -> None:
        self.limits = limits or Limits()
        self._extractor = extractor
        self._size = max(1, workers or cpu_count())
        self._pending: deque[PageJob] = deque()
        self._results: dict[str, Extraction | str] = {}
        self._lock = threading.Lock()
        self._room = threading.BoundedSemaphore(QUEUED * self._size)
        self._closed = False
        self._abandoned = False
        self._error: BaseException | None = None
        self._wake_read, self._wake_write = os.pipe()
        self._pool: list[_Worker] = []
        self._thread = threading.Thread(target=self._dispatch, name="extract", daemon=True)

    def __enter__(self) -> WorkerPool:
        self._pool = [_Worker(self.limits, self._extractor) for _ in range(self._size)]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop_pending()  # pages not yet done are dropped: results() was not asked for
        self._close()
        self._thread.join()
        for worker in self._pool:
            worker.stop()
        os.close(self._wake_read)
        os.close(self._wake_write)

    def submit(self, job: PageJob) -> None:
        """Queue one page; a free worker takes it at once (waits while many pages are queued)."""
        self._room.acquire()
        with self._lock:
            if self._abandoned:  # the dispatcher failed: results() says why; nothing waits
                self._room.release()
                return
            self._pending.append(job)
        os.write(self._wake_write, b"j")

    def results(self) -> dict[str, Extraction | str]:
        """Wait for every page submitted: each key gives its Extraction or why it failed."""
        self._close()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return dict(self._results)

    def _close(self) -> None:
        with self._lock:
            self._closed = True
        os.write(self._wake_write, b"c")

    def _dispatch(self) -> None:
        try:
            while self._assign():
                busy = [w for w in self._pool if w.job is not None]
                for worker in _settled(busy, self._wake_read):
                    self._collect(worker)
        except BaseException as exc:  # handed to the caller by results(), never lost
            self._error = exc
            self._drop_pending()

    def _drop_pending(self) -> None:
        with self._lock:
            for _ in self._pending:
                self._room.release()
            self._pending.clear()
            self._abandoned = True

    def _assign(self) -> bool:
        """Give pending pages to idle workers; False once closed with nothing left to do."""
        with self._lock:
            if self._abandoned:
                return False
            for worker in self._pool:
                if worker.job is None and self._pending:
                    worker.assign(self._pending.popleft())
                    self._room.release()
            working = bool(self._pending) or any(w.job for w in self._pool)
            return working or not self._closed

    def _collect(self, worker: _Worker) -> None:
        key, outcome = worker.collect()
        self._results[key] = outcome
        if worker.broken:
            # Forked while download threads may run: the child only extracts, and touches no
            # lock those threads hold (no logging, no HTTP), so the fork is safe in practice.
            self._pool[self._pool.index(worker)] = _Worker(self.limits, self._extractor)


def _settled(busy: list[_Worker], wake: int) -> list[_Worker]:
    """Wait until a busy worker has answered, died or run out of time, or new work came."""
    timeout = None
    if busy:
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
    ready = set(wait([*(w.conn for w in busy), wake], timeout))
    if wake in ready:
        os.read(wake, 4096)
    now = time.monotonic()
    return [w for w in busy if w.conn in ready or now >= w.deadline]


class _Worker:
    """One worker process, the page it is working on and the time that page has left."""

    def __init__(self, limits: Limits, extractor: Extractor) -> None:
        self.limits = limits
        self.conn, child_end = _CONTEXT.Pipe()
        self.process: BaseProcess = _CONTEXT.Process(
            target=_serve, args=(child_end, limits.memory_mb, extractor), daemon=True
        )
        self.process.start()
        child_end.close()
        self.job: PageJob | None = None
        self.deadline = 0.0
        self.broken = False

    def assign(self, job: PageJob) -> None:
        self.job, self.deadline = job, time.monotonic() + self.limits.seconds
        try:
            self.conn.send((job.page, job.url, job.with_date))
        except (OSError, ValueError):
            self.broken = True  # it died while idle; collect() reports the page

    def collect(self) -> tuple[str, Extraction | str]:
        """The answer for the current page, or why there is none; the worker is free again."""
        assert self.job is not None
        key, self.job = self.job.key, None
        if not self.broken and self.conn.poll():
            try:
                outcome: Extraction | str = self.conn.recv()
                return key, outcome
            except (EOFError, OSError):
                pass
        self.broken = True
        self.process.kill()
        self.process.join()
        if time.monotonic() >= self.deadline:
            return key, f"extraction took longer than {self.limits.seconds:g} s and was stopped"
        return key, f"the extraction worker died (exit code {self.process.exitcode})"

    def stop(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.join()


def _serve(conn: Connection, memory_mb: int, extractor: Extractor) -> None:
    """Run in the worker: set the memory limit, then extract page after page until closed."""
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            page, url, with_date = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_extract_one(extractor, page, url, with_date))


def _address_space() -> int:
    """Bytes of address space this process has mapped (forked from a parent of any size)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # not on Linux: count from nothing
        return 0


def _extract_one(extractor: Extractor, page: str, url: str, with_date: bool) -> Extraction | str:
    try:
        return extractor(page, url, with_date)
    except ExtractError as exc:
        return exc.reason
    except MemoryError:
        return "the page needed more memory than a worker may use"
    except RecursionError:
        return "the page is nested too deeply to read"
    except Exception as exc:  # a bug in the extractor on one page is that page's failure
        return f"extraction failed: {type(exc).__name__}: {exc}"
