"""A real Dask cluster for tests: `dask scheduler` and `dask worker` processes on 127.0.0.1.

Started the way an operator starts one (each worker under its nanny, which makes the worker a
daemonic process), in sessions of their own so that everything they started is ended with them;
and a small farm of news sites: real pages from the evaluation set behind feeds, each site on
its own loopback address, so that each is its own host to the fetcher.
"""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ..conftest import EVAL

distributed = pytest.importorskip("distributed")

DASK = Path(sys.executable).with_name("dask")
START_SECONDS = 60.0  # a loaded machine takes a while to import Dask in three processes
PAGES = EVAL / "extraction" / "html"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def dask_cluster(folder: Path, workers: int = 2, preload: Path | None = None) -> Iterator[str]:
    """A scheduler and `workers` worker processes (one thread each, with nannies): its address."""
    address = f"127.0.0.1:{free_port()}"
    host, port = address.split(":")
    with ExitStack() as stack:
        stack.enter_context(
            _process(
                [str(DASK), "scheduler", "--host", host, "--port", port, "--no-dashboard"],
                folder / "scheduler.log",
            )
        )
        worker = [
            str(DASK),
            "worker",
            f"tcp://{address}",
            "--nworkers",
            str(workers),
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
        ]
        if preload is not None:
            worker += ["--preload", str(preload)]
        stack.enter_context(_process(worker, folder / "workers.log"))
        with distributed.Client(f"tcp://{address}", timeout=START_SECONDS) as client:
            client.wait_for_workers(workers, timeout=START_SECONDS)
        yield address


@contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process in its own session; on leaving, its whole session is stopped, then killed."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        _end_session(process)


def _end_session(process: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the nanny's workers too, whatever state
    process.wait(timeout=10)


class Site(ThreadingHTTPServer):
    """One news site on a loopback address of its own; it notes when each request came."""

    daemon_threads = True

    def __init__(self, address: str, files: dict[str, bytes]) -> None:
        super().__init__((address, 0), _Answer)
        self.files = files
        self.requests: list[tuple[str, float, float]] = []  # path, start, end (monotonic)

    @property
    def feed_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/feed.xml"


class _Answer(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        start = time.monotonic()
        try:
            self._answer()
        finally:
            self.server.requests.append((self.path, start, time.monotonic()))

    def _answer(self) -> None:
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


@contextmanager
def news_farm(sites: int, pages: int, as_of: datetime) -> Iterator[list[Site]]:
    """`sites` sites on 127.0.0.2, .3, ..., each a feed of `pages` real pages."""
    real = sorted(PAGES.glob("*.html.gz"))
    servers = [Site(f"127.0.0.{n + 2}", {}) for n in range(sites)]
    for n, server in enumerate(servers):
        base = f"http://127.0.0.{n + 2}:{server.server_address[1]}"
        items = []
        for p in range(pages):
            page = real[(n * pages + p) % len(real)]
            server.files[f"/{p}.html"] = gzip.decompress(page.read_bytes())
            when = (as_of - timedelta(hours=1 + n + p)).strftime("%a, %d %b %Y %H:%M:%S +0000")
            items.append(
                f"<item><title>Report {p} of site {n}</title><link>{base}/{p}.html"
                f"</link><pubDate>{when}</pubDate><description>A report.</description>"
                "</item>"
            )
        server.files["/feed.xml"] = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site {n}</title>'
            f"<link>{base}/</link>{''.join(items)}</channel></rss>"
        ).encode()
        threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True).start()
    try:
        yield servers
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def farm_toml(sites: list[Site], folder: Path, executor: str, host_delay: float = 0.1) -> str:
    """A config for the farm's feeds, writing HTML into `folder`."""
    feeds = [site.feed_url for site in sites]
    lines = [
        'title = "Farm"',
        'timezone = "UTC"',
        f'executor = "{executor}"',
        'formats = ["html"]',
        f'output_dir = "{folder / "out"}"',
        f'database = "{folder / "farm.db"}"',
        "[fetch]",
        'allow_networks = ["127.0.0.0/8"]',
        f"host_delay = {host_delay}",
    ]
    for n, url in enumerate(feeds):
        lines += ["[[feeds]]", f'name = "Site {n}"', f'url = "{url}"', 'topic = "World"']
    return "\n".join(lines) + "\n"
