"""Extraction in worker processes, so one pathological page costs one article, never the run.

trafilatura can run without end on some pages, run out of memory on a huge colspan, or crash
(RELIABILITY 34, 36). Each page is extracted in a forked worker (`runtime/workers.py`) under an
address-space limit, with a wall-clock limit per page: a page that passes either, or kills its
worker, is recorded as failed and a fresh worker takes the rest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from trafilatura import external

from ..errors import ExtractError
from ..runtime.workers import Limits, cpu_count
from ..runtime.workers import WorkerPool as _Pool
from .appeals import current_model
from .page import Extraction, extract_page

__all__ = [
    "Extractor",
    "Limits",
    "PageJob",
    "WorkerPool",
    "cpu_count",
    "extract_pages",
    "warm_up",
]

Extractor = Callable[[str, str, bool], Extraction]  # (page, url, with_date)


@dataclass(frozen=True, slots=True)
class PageJob:
    """One decoded page to extract, under a key the caller chooses."""

    key: str
    page: str
    url: str
    with_date: bool = True  # search the page for its date (the feed did not give one)


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


def warm_up() -> None:
    """Read here, once, what each worker would otherwise read for itself on its first pages.

    The appeal model (the second pass) and the stop words of every language jusText knows
    (trafilatura's fallback for a page whose language it was not told) are read once per process
    and kept: read before the workers are forked, the workers share them, and each worker saves
    about a fifth of a second of CPU, nearly all of it the stop words (a worker forked again
    after a page killed one, too).
    """
    current_model()
    # A module global of trafilatura's (2.x): where a release names it otherwise, skip it.
    if getattr(external, "JT_STOPLIST", ()) is None and hasattr(external, "jt_stoplist_init"):
        external.jt_stoplist_init()


class WorkerPool(_Pool[PageJob, Extraction]):
    """Worker processes that take pages as they arrive, so extraction overlaps the downloads."""

    def __init__(
        self,
        *,
        workers: int | None = None,
        limits: Limits | None = None,
        extractor: Extractor = extract_page,
    ) -> None:
        warm_up()
        super().__init__(
            functools.partial(_extract_one, extractor),
            workers=workers,
            limits=limits,
            what="extraction",
        )


def _extract_one(extractor: Extractor, job: PageJob) -> Extraction | str:
    """Run in the worker: the page's Extraction, or why there is none."""
    try:
        return extractor(job.page, job.url, job.with_date)
    except ExtractError as exc:
        return exc.reason
    except MemoryError:
        return "the page needed more memory than a worker may use"
    except RecursionError:
        return "the page is nested too deeply to read"
    except Exception as exc:  # a bug in the extractor on one page is that page's failure
        return f"extraction failed: {type(exc).__name__}: {exc}"
