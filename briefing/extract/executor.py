"""Where the CPU-heavy stage (extracting pages) runs: worker processes here, or a Dask cluster.

`executor = "processes"` (the default) extracts pages in forked worker processes on every core
of this machine (`extract/workers.py`). `executor = "dask://HOST:PORT"` sends each page to the
Dask distributed scheduler at that address (`pip install 'briefing[dask]'`); its workers need
briefing installed, and on them each page is still extracted in a forked child under the same
time and memory limits, so a pathological page costs one article there too. Either way pages
are handed over as they are downloaded, so extraction overlaps the downloads, and the answers
are the same `Extraction` records.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from ..config.values import LOCAL, executor_problem
from ..errors import ConfigError
from ..runtime.cluster import dask_client
from .page import Extraction
from .workers import Limits, PageJob, WorkerPool, extract_pages


class PageExecutor(Protocol):
    """Takes pages as they arrive; answers one page as it is done, or every one once all are in."""

    def submit(self, job: PageJob) -> None: ...

    def run(self, job: PageJob) -> Extraction | str: ...

    def results(self) -> dict[str, Extraction | str]: ...


@contextmanager
def open_executor(
    spec: str, *, workers: int | None = None, limits: Limits | None = None
) -> Iterator[PageExecutor]:
    """The executor the setting names, open for the block; raise ConfigError if it is unusable."""
    problem = executor_problem(spec)
    if problem is not None:
        raise ConfigError(problem, key="executor", hint=_HINT)
    limits = limits or Limits()
    if spec == LOCAL:
        with WorkerPool(workers=workers, limits=limits) as pool:
            yield pool
        return
    with DaskPool(spec, limits) as pool:
        yield pool


_HINT = 'use "processes", or "dask://HOST:PORT" after pip install \'briefing[dask]\''


class DaskPool:
    """Pages sent to a Dask scheduler one task each; the same answers as the local workers."""

    def __init__(self, spec: str, limits: Limits) -> None:
        self.limits = limits
        self._connection = dask_client(spec)
        self._futures: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._client: Any = None

    def __enter__(self) -> DaskPool:
        self._client = self._connection.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._connection.__exit__(*exc)

    def submit(self, job: PageJob) -> None:
        """Send one page to the cluster now; its answer is gathered by results()."""
        future = self._client.submit(extract_remote, job, self.limits, pure=False)
        with self._lock:
            self._futures[job.key] = future

    def run(self, job: PageJob) -> Extraction | str:
        """Send one page to the cluster and wait for its answer (for callers on many threads)."""
        future = self._client.submit(extract_remote, job, self.limits, pure=False)
        try:
            answer: Extraction | str = future.result()
        except Exception:  # the cluster lost the task: that page's failure, as in results()
            return f"the Dask task failed ({future.status})"
        return answer

    def results(self) -> dict[str, Extraction | str]:
        """Every page's answer; a task the cluster lost is that page's failure."""
        with self._lock:
            futures = dict(self._futures)
        # A failed task is left out of the answers; its status says why.
        gathered = self._client.gather(list(futures.values()), errors="skip")
        finished = [key for key, f in futures.items() if f.status == "finished"]
        answers = dict(zip(finished, gathered, strict=True))
        return {
            key: answers.get(key, f"the Dask task failed ({f.status})")
            for key, f in futures.items()
        }


def extract_remote(job: PageJob, limits: Limits) -> Extraction | str:
    """Run on a Dask worker: one page, in a forked child under the time and memory limits."""
    return extract_pages([job], workers=1, limits=limits)[job.key]
