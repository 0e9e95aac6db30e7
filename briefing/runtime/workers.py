"""Work in forked worker processes, each job under a wall-clock and an address-space limit.

Some inputs make a library run without end, eat memory or crash in C: a page for trafilatura
(RELIABILITY 34, 36), a feed whose entities blow up in feedparser's loose parser (21); the
summaries share the same pool (`compose/parallel.py`). Each job
runs in a long-lived worker process under an address-space limit (`RLIMIT_AS`, set in the
worker); the parent gives each job a wall-clock limit and kills the worker that passes it, or
notices one that died, records that job as failed and starts a fresh worker for the rest.
Workers are forked: the libraries are already imported, so starting or replacing one costs
milliseconds (a fork server or spawn would re-run the caller's main module, which scripts
without a main guard do not survive). They are forked with `os.fork`, not `multiprocessing`,
which refuses to start a child from a daemonic process: a Dask nanny runs its worker as one,
and the pool must work there as it does in a plain process or a thread.

Every process this program starts calls `die_with_parent` first: a parent killed outright
(`kill -9`, the OOM killer) runs no cleanup, and a worker left behind would live on idle,
holding memory and whatever it inherited.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any, Generic, Protocol, TypeVar

QUEUED = 16  # jobs waiting per worker at most: callers wait rather than pile jobs up in memory

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
ORPHAN_POLL = 0.5  # seconds between looks at the parent, where the kernel cannot watch it


class Job(Protocol):
    """Anything a worker can take: it is sent whole to the worker and answered under its key."""

    @property
    def key(self) -> str: ...


J = TypeVar("J", bound=Job)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Limits:
    """What one job may cost: wall-clock seconds and the address space a worker may add."""

    seconds: float = 20.0
    memory_mb: int = 1024


def cpu_count() -> int:
    """The cores this process may use: a batch uses every one of them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def die_with_parent(parent: int) -> None:
    """Run first in a child: end it with SIGKILL as soon as `parent` (its creator's pid) ends.

    Linux sends the signal when the thread that forked the child ends, not the process: every
    fork here is made by a thread that outlives its child (the caller's, or a pool's dispatcher,
    which ends only once its workers are idle and about to be stopped).
    """
    if not _kernel_watches_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the watch began: adopted already
        os.kill(os.getpid(), signal.SIGKILL)


def _kernel_watches_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0


def _watch_parent(parent: int) -> None:
    """Elsewhere: notice the parent is gone by this process being adopted by another."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_POLL)
    os.kill(os.getpid(), signal.SIGKILL)


class WorkerPool(Generic[J, R]):
    """Worker processes that take jobs as they arrive, each under the pool's limits.

    The workers are forked when the pool opens (before the caller starts its threads); `submit`
    may be called from any thread; a dispatcher thread hands each job to a free worker and
    watches its time; `results` waits for every job submitted, `run` for one. `task` runs in the
    worker and turns its own errors into a string; a job that outlives its time or kills its
    worker gets a string saying so, naming `what` the pool does ("extraction", "parsing").
    """

    def __init__(
        self,
        task: Callable[[J], R | str],
        *,
        workers: int | None = None,
        limits: Limits | None = None,
        what: str = "work",
    ) -> None:
        self.limits = limits or Limits()
        self.what = what
        self._task = task
        self._size = max(1, workers or cpu_count())
        self._pending: deque[J] = deque()
        self._results: dict[str, R | str] = {}
        self._waiting: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._room = threading.BoundedSemaphore(QUEUED * self._size)
        self._closed = False
        self._abandoned = False
        self._error: BaseException | None = None
        self._wake_read, self._wake_write = os.pipe()
        self._pool: list[_Worker[J, R]] = []
        self._thread = threading.Thread(target=self._dispatch, name="sandbox", daemon=True)

    def __enter__(self) -> WorkerPool[J, R]:
        self._pool = [_Worker(self.limits, self._task, self.what) for _ in range(self._size)]
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

    def submit(self, job: J) -> None:
        """Queue one job; a free worker takes it at once (waits while many jobs are queued)."""
        self._room.acquire()
        with self._lock:
            if self._abandoned:  # the dispatcher failed: results() says why; nothing waits
                self._room.release()
                return
            self._pending.append(job)
        os.write(self._wake_write, b"j")

    def run(self, job: J) -> R | str:
        """Submit one job and wait for its own answer (for callers on many threads)."""
        done = threading.Event()
        with self._lock:
            self._waiting[job.key] = done
        self.submit(job)
        while not done.wait(0.5):
            if self._abandoned:  # the dispatcher failed; results() raises why
                self.results()
        with self._lock:
            return self._results.pop(job.key)

    def results(self) -> dict[str, R | str]:
        """Wait for every job submitted: each key gives its answer or why there is none."""
        self._close()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return dict(self._results)

    @property
    def broken(self) -> bool:
        """Whether the dispatcher failed: the pool takes no more jobs."""
        return self._abandoned and self._error is not None

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
        """Give pending jobs to idle workers; False once closed with nothing left to do."""
        with self._lock:
            if self._abandoned:
                return False
            for worker in self._pool:
                if worker.job is None and self._pending:
                    worker.assign(self._pending.popleft())
                    self._room.release()
            working = bool(self._pending) or any(w.job for w in self._pool)
            return working or not self._closed

    def _collect(self, worker: _Worker[J, R]) -> None:
        key, outcome = worker.collect()
        with self._lock:
            self._results[key] = outcome
            waiter = self._waiting.pop(key, None)
        if waiter is not None:
            waiter.set()
        if worker.broken:
            # Forked while the caller's threads may run: the child only runs the task, and
            # touches no lock those threads hold (no logging, no HTTP): safe in practice.
            self._pool[self._pool.index(worker)] = _Worker(self.limits, self._task, self.what)


_SHARED: dict[Hashable, WorkerPool[Any, Any]] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(key: Hashable, make: Callable[[], WorkerPool[J, R]]) -> WorkerPool[J, R]:
    """The pool `key` names, opened by `make` once and kept for this process's life.

    For callers that come and go, such as the tasks a Dask worker runs: one pool serves them all,
    so a page costs no fork. It is opened on a thread of its own that never ends, because Linux
    kills a child when the thread that forked it ends (`die_with_parent`), and a caller's thread
    may end first. A pool whose dispatcher failed is replaced.
    """
    with _SHARED_LOCK:
        pool = _SHARED.get(key)
        if pool is None or pool.broken:
            pool = _SHARED[key] = _opened_for_good(make())
        return pool


def _opened_for_good(pool: WorkerPool[J, R]) -> WorkerPool[J, R]:
    opened = threading.Event()
    failed: list[BaseException] = []

    def home() -> None:
        try:
            pool.__enter__()
        except BaseException as exc:  # raised again in the caller's thread
            failed.append(exc)
            opened.set()
            return
        opened.set()
        threading.Event().wait()  # the workers' parent thread: it must outlive them

    threading.Thread(target=home, name="sandbox-home", daemon=True).start()
    opened.wait()
    if failed:
        raise failed[0]
    return pool


def _settled(busy: list[_Worker[J, R]], wake: int) -> list[_Worker[J, R]]:
    """Wait until a busy worker has answered, died or run out of time, or new work came."""
    timeout = None
    if busy:
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
    ready = set(wait([*(w.conn for w in busy), wake], timeout))
    if wake in ready:
        os.read(wake, 4096)
    now = time.monotonic()
    return [w for w in busy if w.conn in ready or now >= w.deadline]


class _Worker(Generic[J, R]):
    """One worker process, the job it is working on and the time that job has left."""

    def __init__(self, limits: Limits, task: Callable[[J], R | str], what: str) -> None:
        self.limits = limits
        self.what = what
        self.conn, child_end = Pipe()
        self.process = _Forked(functools.partial(_serve, child_end, limits.memory_mb, task))
        child_end.close()
        self.job: J | None = None
        self.deadline = 0.0
        self.broken = False

    def assign(self, job: J) -> None:
        self.job, self.deadline = job, time.monotonic() + self.limits.seconds
        try:
            self.conn.send(job)
        except (OSError, ValueError):
            self.broken = True  # it died while idle; collect() reports the page

    def collect(self) -> tuple[str, R | str]:
        """The answer for the current job, or why there is none; the worker is free again."""
        assert self.job is not None
        key, self.job = self.job.key, None
        if not self.broken and self.conn.poll():
            try:
                outcome: R | str = self.conn.recv()
                return key, outcome
            except (EOFError, OSError):
                pass
        self.broken = True
        self.process.kill()
        self.process.join()
        if time.monotonic() >= self.deadline:
            return key, f"{self.what} took longer than {self.limits.seconds:g} s and was stopped"
        return key, f"the {self.what} worker died (exit code {self.process.exitcode})"

    def stop(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.join()


class _Forked:
    """A child process running `main` and nothing else: the parent's threads stay behind."""

    def __init__(self, main: Callable[[int], None]) -> None:
        parent = os.getpid()
        self.exitcode: int | None = None
        self.pid = os.fork()
        if self.pid == 0:  # the child: run main, then leave without the parent's exit handlers
            code = 0
            try:
                main(parent)
            except BaseException:
                code = 1
            finally:
                os._exit(code)

    def kill(self) -> None:
        """SIGKILL the child, if it has not been reaped yet."""
        if self.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def join(self) -> None:
        """Wait for the child to end and keep its exit code (negative: the signal that ended it)."""
        if self.exitcode is None:
            _, status = os.waitpid(self.pid, 0)
            self.exitcode = os.waitstatus_to_exitcode(status)


def _serve(conn: Connection, memory_mb: int, task: Callable[[J], R | str], parent: int) -> None:
    """Run in the worker: set the memory limit, then run job after job until closed."""
    die_with_parent(parent)
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(task(job))


def _address_space() -> int:
    """Bytes of address space this process has mapped (forked from a parent of any size)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # not on Linux: count from nothing
        return 0
