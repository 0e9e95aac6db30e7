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

import importlib.util
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlsplit

from .coverage import load_dictionary
from .errors import ConfigError
from .extract.page import Extraction
from .extract.workers import Limits, PageJob, WorkerPool, cpu_count, extract_pages
from .models import Section, Story
from .sandbox import die_with_parent
from .summarize import summarize_sections, summarize_story

LOCAL = "processes"
DASK = "dask://"
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before the run gives up
SHARED_SUMMARIES = 8  # fewer stories than this are summarized here: a process costs more


class PageExecutor(Protocol):
    """Takes pages as they arrive; answers one page as it is done, or every one once all are in."""

    def submit(self, job: PageJob) -> None: ...

    def run(self, job: PageJob) -> Extraction | str: ...

    def results(self) -> dict[str, Extraction | str]: ...


def executor_problem(value: str) -> str | None:
    """Why `value` is not a usable executor setting, or None when it is."""
    if value == LOCAL:
        return None
    if not value.startswith(DASK):
        return f"unknown executor '{value}'"
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        return f"executor '{value}' names no host and port"
    if importlib.util.find_spec("distributed") is None:
        return "executor 'dask://...' needs Dask, which is not installed"
    return None


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
        parts = urlsplit(spec)
        self.address = f"tcp://{parts.hostname}:{parts.port}"
        self.limits = limits
        self._futures: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._client: Any = None

    def __enter__(self) -> DaskPool:
        from distributed import Client  # the optional extra; checked by executor_problem

        try:
            self._client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {self.address} ({exc})",
                key="executor",
                hint='start the cluster first, or set executor = "processes"',
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    @property
    def client(self) -> Any:
        """The connected dask.distributed Client."""
        return self._client

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


def summarize_on(
    spec: str, sections: Sequence[Section], words: int, lead_words: int
) -> tuple[Section, ...]:
    """`summarize_sections`, shared among the executor's processes or workers.

    Each story is summarized on its own, as in one process, so the result is the one-process
    result. Here the stories are dealt out one at a time, largest first, to whichever process is
    free (one story can take ten times another); a cluster gets whole sections.
    """
    groups = _balanced(sections, cpu_count())
    if sum(len(s.stories) for s in sections) < SHARED_SUMMARIES or len(groups) < 2:
        return summarize_sections(sections, words, lead_words)
    if spec == LOCAL:
        return _summarized_here(sections, words, lead_words, len(groups))
    else:
        with DaskPool(spec, Limits()) as dask:
            futures = [
                dask.client.submit(summarize_sections, g, words, lead_words, pure=False)
                for g in groups
            ]
            done = dask.client.gather(futures)
    by_title = {s.title: s for group in done for s in group}
    return tuple(by_title[s.title] for s in sections)


def _summarized_here(
    sections: Sequence[Section], words: int, lead_words: int, processes: int
) -> tuple[Section, ...]:
    """Every story summarized in a pool of forked processes, the largest stories first."""
    jobs = [
        (story, lead_words if rank == 0 else words)
        for section in sections
        for rank, story in enumerate(section.stories)
    ]
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0].articles))
    load_dictionary()  # once here, shared by the forked processes
    with summary_processes(processes) as pool:
        done = pool.map(_summarize_job, [jobs[i] for i in order], chunksize=1)
        summarized = dict(zip(order, done, strict=True))
    stories = iter(summarized[i] for i in range(len(jobs)))
    return tuple(
        replace(section, stories=tuple(next(stories) for _ in section.stories))
        for section in sections
    )


def summary_processes(processes: int) -> ProcessPoolExecutor:
    """A pool of forked processes that end with this one, however it ends."""
    fork = multiprocessing.get_context("fork")  # the summarizer is already imported
    return ProcessPoolExecutor(
        processes, mp_context=fork, initializer=die_with_parent, initargs=(os.getpid(),)
    )


def _summarize_job(job: tuple[Story, int]) -> Story:
    story, words = job
    return summarize_story(story, words)


def _balanced(sections: Sequence[Section], bins: int) -> list[tuple[Section, ...]]:
    """Sections in at most `bins` groups of about equal work (reports to read), largest first."""
    work = sorted(sections, key=lambda s: -sum(len(t.articles) for t in s.stories))
    groups: list[list[Section]] = [[] for _ in range(max(1, min(bins, len(sections))))]
    loads = [0] * len(groups)
    for section in work:
        lightest = loads.index(min(loads))
        groups[lightest].append(section)
        loads[lightest] += sum(len(t.articles) for t in section.stories)
    return [tuple(g) for g in groups if g]


def extract_remote(job: PageJob, limits: Limits) -> Extraction | str:
    """Run on a Dask worker: one page, in a forked child under the time and memory limits."""
    return extract_pages([job], workers=1, limits=limits)[job.key]
