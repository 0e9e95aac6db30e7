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

_CONTEXT = multiprocessing.get_context("fork")

Extractor = Callable[[str, str], Extraction]


@dataclass(frozen=True, slots=True)
class PageJob:
    """One decoded page to extract, under a key the caller chooses."""

    key: str
    page: str
    url: str


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
    limits = limits or Limits()
    results: dict[str, Extraction | str] = {}
    pending = deque(jobs)
    size = max(1, min(workers or cpu_count(), len(jobs)))
    pool = [_Worker(limits, extractor) for _ in range(size)] if jobs else []
    try:
        while pending or any(w.job for w in pool):
            for worker in pool:
                if worker.job is None and pending:
                    worker.assign(pending.popleft())
            for worker in _settled(pool):
                key, outcome = worker.collect()
                results[key] = outcome
                if worker.broken:
                    pool[pool.index(worker)] = _Worker(limits, extractor)
    finally:
        for worker in pool:
            worker.stop()
    return results


def _settled(pool: list[_Worker]) -> list[_Worker]:
    """Wait until some busy worker has answered, died or run out of time; return those."""
    busy = [w for w in pool if w.job is not None]
    timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
    ready = set(wait([w.conn for w in busy], timeout))
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
            self.conn.send((job.page, job.url))
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
            page, url = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_extract_one(extractor, page, url))


def _address_space() -> int:
    """Bytes of address space this process has mapped (forked from a parent of any size)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # not on Linux: count from nothing
        return 0


def _extract_one(extractor: Extractor, page: str, url: str) -> Extraction | str:
    try:
        return extractor(page, url)
    except ExtractError as exc:
        return exc.reason
    except MemoryError:
        return "the page needed more memory than a worker may use"
    except RecursionError:
        return "the page is nested too deeply to read"
    except Exception as exc:  # a bug in the extractor on one page is that page's failure
        return f"extraction failed: {type(exc).__name__}: {exc}"
