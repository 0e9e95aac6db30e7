"""Worker processes die with their parent, and the store's lock never outlives its holder.

A run killed with SIGKILL (the OOM killer, `kill -9`) runs no cleanup: every child it started
must end by itself, within a moment, and the next run must get the store's lock. Each run here
is started in its own session, so whatever it left behind is found by session id in /proc,
whoever has adopted it since.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from briefing.deliver.schedule import instance_lock
from briefing.errors import AlreadyRunningError

from ..fault_server import FaultHandler, FaultServer, fault_server, rss
from ..smtpsink import smtp_server

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

PAGES = 6
PAGE = "<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>{p}</article>"
PARAGRAPH = (
    "<p>" + "The council met on Tuesday and agreed the budget after a long debate. " * 6 + "</p>"
)


def session_members(sid: int) -> list[int]:
    """Live processes (zombies left out) whose session is `sid`, wherever they were re-parented."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry))
    return found


def survivors(sid: int, within: float) -> list[int]:
    """The session's processes still alive after `within` seconds (fewer as they end)."""
    deadline = time.monotonic() + within
    left = session_members(sid)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = session_members(sid)
    return left


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def reap(process: subprocess.Popen[str]) -> None:
    """Kill what a failed test left running in the process's session."""
    for pid in session_members(process.pid):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --- the whole program: `briefing generate --send` killed while its workers read pages ---


class Farm:
    """One feed whose article pages answer slowly until told not to."""

    def __init__(self, delay: float = 30.0) -> None:
        self.delay = delay
        self.slow = threading.Event()
        self.slow.set()

    def behaviours(self) -> dict[str, object]:
        pages = {f"/page{n}": self._page(n) for n in range(PAGES)}
        return {"/feed.xml": self._feed, **pages}

    def _feed(self, handler: FaultHandler) -> None:
        base = f"http://127.0.0.1:{handler.server.server_address[1]}"
        body = rss(base, [f"{base}/page{n}" for n in range(PAGES)])
        handler.answer(200, body, {"Content-Type": "application/rss+xml"})

    def _page(self, n: int) -> object:
        def behaviour(handler: FaultHandler) -> None:
            if self.slow.is_set():
                handler.server.stop.wait(self.delay)  # a page takes its time: workers wait idle
            body = PAGE.format(n=n, p=PARAGRAPH).encode()
            handler.answer(200, body, {"Content-Type": "text/html; charset=utf-8"})

        return behaviour


def farm_config(tmp: Path, base: str, smtp_port: int) -> Path:
    path = tmp / "feeds.toml"
    lines = [
        'timezone = "UTC"',
        'formats = ["html"]',
        f"output_dir = {json.dumps(str(tmp / 'out'))}",
        f"database = {json.dumps(str(tmp / 'briefing.db'))}",
        "[fetch]",
        'allow_networks = ["127.0.0.1/32"]',
        "[email]",
        'to = ["reader@example.org"]',
        'from = "briefing@example.org"',
        'smtp_host = "127.0.0.1"',
        f"smtp_port = {smtp_port}",
        'security = "none"',
        "[[feeds]]",
        'name = "Slow pages"',
        f'url = "{base}/feed.xml"',
        "timeout = 60.0",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(config: Path, *args: str) -> subprocess.Popen[str]:
    """`briefing <args>` in a new session, so all it starts can be found by the session id.

    Its output goes to a file: a pipe would stay open as long as any worker it left lives.
    """
    with open(config.parent / "output.txt", "w", encoding="utf-8") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "briefing", *args, "--config", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


def output(config: Path) -> str:
    return (config.parent / "output.txt").read_text(encoding="utf-8")


def children(pid: int) -> list[int]:
    """The direct children of `pid`, from every one of its threads."""
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
                found += [int(c) for c in listed.read().split()]
    except OSError:
        pass
    return found


def kill_while_reading_pages(config: Path, server: FaultServer) -> tuple[list[int], list[int]]:
    """Start `generate --send`, SIGKILL it once its workers wait for pages: (workers, left)."""
    run = cli(config, "generate", "--send")
    try:
        wait_for(lambda: server.requests["/page0"] or run.poll() is not None, 60, "a page")
        assert run.poll() is None, output(config)
        wait_for(lambda: len(children(run.pid)) >= 1, 10, "the workers")
        workers = children(run.pid)
        run.kill()
        run.wait()
        return workers, survivors(run.pid, 2.0)
    finally:
        reap(run)


def test_a_killed_run_leaves_no_worker_and_the_next_run_gets_the_lock(tmp_path: Path) -> None:
    farm = Farm()
    with (
        fault_server("127.0.0.1", farm.behaviours()) as server,
        smtp_server(tmp_path, starttls=False) as (sink, port, _),
    ):
        config = farm_config(tmp_path, server.base_url, port)
        workers, left = kill_while_reading_pages(config, server)
        assert workers, "the run had no worker when it was killed"
        assert left == [], f"workers alive 2 s after their parent was killed: {left}"
        farm.slow.clear()
        again = cli(config, "generate", "--send")
        again.wait(timeout=120)
    assert again.returncode == 0, output(config)
    assert len(sink.to("reader@example.org")) == 1


def test_a_second_run_on_the_store_waits_and_downloads_nothing_again(tmp_path: Path) -> None:
    farm = Farm(delay=1.0)
    with fault_server("127.0.0.1", farm.behaviours()) as server:
        config = farm_config(tmp_path, server.base_url, 1)
        first = cli(config, "generate")
        wait_for(lambda: server.requests["/page0"] or first.poll() is not None, 60, "a page")
        second = subprocess.Popen(
            [sys.executable, "-m", "briefing", "generate", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        done, waited = second.communicate(timeout=120)
        first.wait(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), output(config) + waited
    assert f"(pid {first.pid}, generate): waiting up to 2700 s" in " ".join(waited.split())
    assert [server.requests[f"/page{n}"] for n in range(PAGES)] == [1] * PAGES
    assert f"{PAGES} articles (0 new" in done, done  # the first run's, from the store


# --- each place that starts a process, killed from outside with its child alive ---

HOLDERS = {
    "sandbox pool": """
        from briefing.runtime.workers import WorkerPool
        with WorkerPool(str, workers=2) as pool:
            ready([w.process.pid for w in pool._pool])
    """,
    "sandbox pool, where the kernel does not watch the parent": """
        import briefing.runtime.workers as sandbox
        sandbox._kernel_watches_parent = lambda: False  # as off Linux: a thread watches
        with sandbox.WorkerPool(str, workers=2) as pool:
            ready([w.process.pid for w in pool._pool])
    """,
    "sandbox worker forked by the dispatcher": """
        import os, signal, time
        from dataclasses import dataclass
        from briefing.runtime.workers import Limits, WorkerPool

        @dataclass(frozen=True)
        class Job:
            key: str

        def task(job):
            if job.key == "crash":
                os.kill(os.getpid(), signal.SIGKILL)  # the dispatcher forks its replacement
            return job.key

        with WorkerPool(task, workers=1, limits=Limits(seconds=5)) as pool:
            pool.run(Job("crash"))
            pool.run(Job("ok"))  # answered by the worker forked in place of the crashed one
            ready([w.process.pid for w in pool._pool])
    """,
    "typesetter": """
        from briefing.render.typesetter import Typesetter
        with Typesetter() as typesetter:
            ready([typesetter._child.pid])
    """,
    "pdf child": """
        import threading
        from briefing.render import pdf
        pdf.prepare()
        html = "<p>" + "word " * 400_000 + "</p>"  # long enough to be caught typesetting
        threading.Thread(target=pdf.render_pdf, args=(html,), daemon=True).start()
        import time
        time.sleep(1.0)
        ready()
    """,
    "summary workers": """
        from briefing.compose.parallel import summary_workers
        with summary_workers(2) as pool:
            ready([w.process.pid for w in pool._pool])
    """,
}

PRELUDE = """
import os, sys, time
def ready(pids=()):
    print("ready", *pids, flush=True)
    time.sleep(120)
"""


@contextmanager
def holder(script: str) -> Iterator[subprocess.Popen[str]]:
    code = PRELUDE + textwrap.dedent(script)
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        reap(process)
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()  # not read to its end: a leftover child could hold it open


@pytest.mark.parametrize("name", list(HOLDERS))
def test_every_child_dies_with_its_parent(name: str) -> None:
    with holder(HOLDERS[name]) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("ready"), line
        started = session_members(process.pid)
        assert len(started) >= 2, f"no child was started: {started}"
        process.kill()
        process.wait()
        assert survivors(process.pid, 2.0) == []


def test_a_scheduled_run_dies_with_its_scheduler(tmp_path: Path) -> None:
    """The edition's child (spawned, not forked) ends with the scheduler that started it."""
    with socket.socket() as silent:  # accepts the child's connection and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(60)
        script = CHILD_RUN.format(
            database=json.dumps(str(tmp_path / "b.db")),
            url=json.dumps(f"http://127.0.0.1:{silent.getsockname()[1]}/feed.xml"),
            folder=json.dumps(str(tmp_path)),
        )
        with holder(script) as process:
            connection, _ = silent.accept()  # the child is fetching: long past its start
            connection.close()
            assert len(session_members(process.pid)) >= 2
            process.kill()
            process.wait()
            assert survivors(process.pid, 2.0) == []


CHILD_RUN = """
from datetime import UTC, datetime
from pathlib import Path
from briefing.config import parse_config
from briefing.deliver.schedule import ChildRun
data = {{
    "timezone": "UTC",
    "database": {database},
    "feeds": [{{"name": "Hangs", "url": {url}, "timeout": 60.0}}],
    "fetch": {{"allow_networks": ["127.0.0.1/32"]}},
}}
config = parse_config(data, Path({folder}) / "feeds.toml")
if __name__ == "__main__":
    ChildRun().run(config, datetime.now(UTC))
"""


# --- the lock ---


def test_a_lock_naming_a_dead_process_is_taken_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = tmp_path / "b.db"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock = tmp_path / "b.db.lock"
    lock.write_text(f"{gone.pid} generate")
    with instance_lock(database):
        assert lock.read_text().split()[0] == str(os.getpid())
    assert f"pid {gone.pid}" in caplog.text


def test_a_lock_held_by_a_stray_child_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    """A stray still holds the lock it inherited, but the run it names is gone: taken over."""
    database = tmp_path / "b.db"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stray = subprocess.Popen(
        [sys.executable, "-c", STRAY, str(tmp_path / "b.db.lock"), str(gone.pid)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stray.stdout is not None and stray.stdout.readline().strip() == "holding"
        with instance_lock(database) as path:
            assert path.read_text().split()[0] == str(os.getpid())
    finally:
        stray.kill()
        stray.communicate()


STRAY = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.pwrite(fd, sys.argv[2].encode(), 0)
print("holding", flush=True)
time.sleep(60)
"""


def test_a_lock_held_by_a_live_run_is_refused_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "b.db"
    refused = pytest.raises(AlreadyRunningError, match=rf"pid {os.getpid()}, schedule\)")
    # A scheduler holds its lock for as long as it runs: it is not waited for.
    with instance_lock(database, purpose="schedule"), refused, instance_lock(database, wait=30.0):
        pass


def test_a_second_run_waits_for_the_first_then_runs(tmp_path: Path) -> None:
    database = tmp_path / "b.db"
    released = threading.Event()
    order: list[str] = []

    def first() -> None:
        with instance_lock(database, purpose="generate"):
            order.append("first holds")
            released.wait(10)
            order.append("first lets go")

    thread = threading.Thread(target=first)
    thread.start()
    wait_for(lambda: order, 5, "the first run")
    timer = threading.Timer(0.5, released.set)
    timer.start()
    with instance_lock(database, purpose="generate", wait=10.0):
        order.append("second holds")
    thread.join()
    assert order == ["first holds", "first lets go", "second holds"]


def test_a_wait_is_bounded(tmp_path: Path) -> None:
    database = tmp_path / "b.db"
    started = time.monotonic()
    refused = pytest.raises(AlreadyRunningError, match="waited 0.5 s")
    with instance_lock(database, purpose="generate"), refused, instance_lock(database, wait=0.5):
        pass
    assert time.monotonic() - started < 5


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    """The lock is let go when its holder ends, whatever children it forked live on."""
    database = tmp_path / "b.db"
    read, write = os.pipe()
    started, running = os.pipe()
    with instance_lock(database) as path:
        pid = os.fork()
        if pid == 0:  # a child that outlives the lock's holder
            os.close(write)
            os.write(running, b"r")  # past the fork's own steps, where its copy is closed
            os.read(read, 1)
            os._exit(0)
        os.read(started, 1)
    os.close(started)
    os.close(running)
    try:
        file = path.stat().st_ino
        with instance_lock(database):
            assert path.stat().st_ino == file  # free: not taken over from the child
    finally:
        os.close(write)
        os.close(read)
        os.waitpid(pid, 0)
