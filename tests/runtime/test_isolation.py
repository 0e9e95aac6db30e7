"""Page isolation wherever the work runs: in a daemonic process (a Dask nanny's worker), in a
plain process, from a thread that has ended since."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass

from briefing.runtime.workers import Limits, WorkerPool, shared_pool


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    seconds: float = 0.0


def answer(job: Job) -> str:
    time.sleep(job.seconds)
    return f"{job.key} in {os.getpid()}"


def pool_in_a_daemon(results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Run in a daemonic process, as Dask's nanny runs its worker."""
    limits = Limits(seconds=1.0, memory_mb=256)
    try:
        with WorkerPool[Job, str](answer, workers=1, limits=limits, what="testing") as pool:
            results.put((pool.run(Job("quick")), pool.run(Job("slow", 30.0)), os.getpid()))
    except BaseException as exc:
        results.put((f"{type(exc).__name__}: {exc}", "", 0))


def test_a_daemonic_process_may_run_jobs_under_the_limits() -> None:
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()  # type: ignore[type-arg]
    daemon = context.Process(target=pool_in_a_daemon, args=(results,), daemon=True)
    daemon.start()
    quick, slow, pid = results.get(timeout=30)
    daemon.join(timeout=10)
    assert quick.startswith("quick in ") and quick != f"quick in {pid}"  # in a child of it
    assert slow == "testing took longer than 1 s and was stopped"


def test_a_shared_pool_outlives_the_thread_that_opened_it() -> None:
    opened: list[WorkerPool[Job, str]] = []
    make = lambda: WorkerPool[Job, str](answer, workers=1, what="testing")  # noqa: E731
    opener = threading.Thread(target=lambda: opened.append(shared_pool("isolation-test", make)))
    opener.start()
    opener.join()  # Linux kills a child when the thread that forked it ends: not this one
    time.sleep(0.2)
    pool = shared_pool("isolation-test", make)
    assert pool is opened[0]
    assert pool.run(Job("later")).startswith("later in ")
