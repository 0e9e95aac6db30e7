"""The store's lock: one briefing at a time on a store, and never a lock without a live holder.

`<database>.lock` is held with flock(2) and names its holder ("<pid> <purpose>"). An flock
belongs to the open file, which a forked child shares: so every child closes its copy the moment
it is forked (`os.register_at_fork`), and the lock ends with the process that took it, whatever
children outlive it. A lock still held when no live process is named in it is held by such a
leftover (a worker of an older release, which kept its copy): the file is replaced, with a
notice, and the leftover keeps a lock on a file nobody opens any more.

Who waits: `briefing schedule` holds the lock for as long as it runs, so anything that finds it
there gives up at once; a run that finds another run waits, up to a bound, for it to end.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import AlreadyRunningError

log = logging.getLogger("briefing.runtime.lock")

SCHEDULE = "schedule"  # the purpose of a lock that is held until its scheduler is stopped
POLL = 0.2  # seconds between tries while waiting for the lock

_held: set[int] = set()  # this process's lock files: a forked child closes its copies at once


def _close_in_child() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


@dataclass(frozen=True, slots=True)
class Holder:
    """Who a lock file names: the process and what it is doing ("generate", "schedule")."""

    pid: int | None
    purpose: str

    def __str__(self) -> str:
        pid = "unknown" if self.pid is None else str(self.pid)
        return f"pid {pid}" + (f", {self.purpose}" if self.purpose else "")


@contextmanager
def instance_lock(database: Path, *, purpose: str = "", wait: float = 0.0) -> Iterator[Path]:
    """Hold the lock beside the store; AlreadyRunningError naming its holder if it is taken.

    A run holding it is waited for up to `wait` seconds; a scheduler is never waited for.
    """
    path = database.with_name(database.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, database, purpose, wait)
    try:
        yield path
    finally:
        with _guard(path.parent):
            os.ftruncate(fd, 0)  # a clean end names nobody: a name left behind means a crash
            _release(fd)


def _acquire(path: Path, database: Path, purpose: str, wait: float) -> int:
    """The locked file's descriptor, once this process is named in it."""
    deadline = time.monotonic() + wait
    waiting = False
    while True:
        fd, holder = _try_lock(path, database, purpose)
        if holder is None:
            return fd
        if holder.purpose == SCHEDULE or time.monotonic() >= deadline:
            waited = f"; waited {wait:g} s" if waiting else ""
            raise AlreadyRunningError(
                f"another briefing is already running on {database} ({holder}){waited}; exiting",
                hint=f"stop it first; the lock is {path}",
            )
        if not waiting:
            log.warning(
                "another briefing is running on %s (%s): waiting up to %g s for it to end",
                database,
                holder,
                wait,
            )
            waiting = True
        time.sleep(POLL)


def _try_lock(path: Path, database: Path, purpose: str) -> tuple[int, Holder | None]:
    """Lock the file and name this process in it, or say who holds it (a live process)."""
    while True:
        fd = _open(path)
        with _guard(path.parent):  # no one reads the name while another takes or drops it
            if not _same_file(fd, path):  # replaced since it was opened: open the new one
                _release(fd)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read(fd)
                if holder.pid is not None and _alive(holder.pid):
                    _release(fd)
                    return -1, holder
                # Held, but by no live process named in it (a holder names itself before it
                # lets go of the guard): by a leftover of a run that has ended. A new file.
                os.unlink(path)
                _release(fd)
                log.warning(
                    "took over the lock on %s: %s has ended, but a process it left behind held it",
                    database,
                    holder,
                )
                continue
            previous = _read(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {purpose}".encode(), 0)
        if previous.pid is not None and previous.pid != os.getpid() and not _alive(previous.pid):
            log.warning(
                "took over the lock on %s: %s ended without letting it go", database, previous
            )
        return fd, None


def _open(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _held.add(fd)  # before it is locked: a fork from another thread must not keep it
    return fd


def _release(fd: int) -> None:
    _held.discard(fd)
    os.close(fd)  # the lock, if this descriptor held it, goes with it


@contextmanager
def _guard(folder: Path) -> Iterator[None]:
    """Hold the store's folder's flock for a moment: taking over a lock must not race."""
    fd = os.open(folder, os.O_RDONLY)
    _held.add(fd)
    try:
        with contextlib.suppress(OSError):  # a file system without flock on folders: unguarded
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        _release(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _read(fd: int) -> Holder:
    words = os.pread(fd, 128, 0).decode(errors="replace").split()
    pid = int(words[0]) if words and words[0].isdigit() else None
    return Holder(pid, " ".join(words[1:]))


def _alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie, ended but not yet reaped, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc here: it exists, which is all one can tell
