"""A misbehaving HTTP server on a loopback address, for the fetch fault tests and benchmark.

Each path is a behaviour: a slow drip, a silence, a body that never ends, a gzip bomb, a
redirect loop, a redirect to another address, 429 with Retry-After, 500 then 200, and so on.
It counts requests per path, and a canary built from it on 127.0.0.2 shows whether anything
reached an address that was not allowed.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from briefing.demo.server import LoopbackServer

Behaviour = Callable[["FaultHandler"], None]

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Fault feed</title><link>{base}/</link>
<description>x</description>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item>"


def rss(base: str, links: list[str]) -> bytes:
    """A small valid RSS feed whose items link to `links`."""
    items = "".join(
        ITEM.format(title=f"Story {i}", link=link, guid=f"{base}/g{i}")
        for i, link in enumerate(links)
    )
    return RSS.format(base=base, items=items).encode()


class FaultServer(LoopbackServer):
    """Serves `behaviours` by path on `host`, counting requests; 404 for anything else."""

    block_on_close = False

    def __init__(self, host: str, behaviours: dict[str, Behaviour]) -> None:
        super().__init__((host, 0), FaultHandler)
        self.behaviours = behaviours
        self.requests: Counter[str] = Counter()
        self.stop = threading.Event()


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        path = urlsplit(self.path).path
        self.server.requests[path] += 1
        behaviour = self.server.behaviours.get(path)
        if behaviour is None:
            self.answer(404, b"not found")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            behaviour(self)  # a client that gives up mid-answer is what these tests want

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Send a whole response."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet."""


def drip(handler: FaultHandler) -> None:
    """Headers at once, then one byte every 0.2 s, for as long as the client listens."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    while not handler.server.stop.wait(0.2):
        handler.wfile.write(b" ")
        handler.wfile.flush()


def silence(handler: FaultHandler) -> None:
    """Accept the request, then say nothing."""
    handler.server.stop.wait(30)


def endless(handler: FaultHandler) -> None:
    """A chunked body that never ends, sent as fast as the client reads it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<item>" + b"x" * 65536 + b"</item>"
    while not handler.server.stop.is_set():
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


BOMB = gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # about 50 KB on the wire


def bomb(handler: FaultHandler) -> None:
    """50 MB of zeros gzipped to about 50 KB."""
    handler.answer(200, BOMB, {"Content-Encoding": "gzip", "Content-Type": "application/xml"})


def redirect_to(location: str) -> Behaviour:
    """A 302 to `location`."""
    return lambda h: h.answer(302, b"", {"Location": location})


def fixed(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Behaviour:
    """Always the same answer."""
    return lambda h: h.answer(status, body, headers)


def fail_then(status: int, then: Behaviour, failures: int = 1) -> Behaviour:
    """`status` for the first `failures` requests to the path, then `then`."""

    def behaviour(handler: FaultHandler) -> None:
        path = urlsplit(handler.path).path
        if handler.server.requests[path] <= failures:
            handler.answer(status, b"busy")
        else:
            then(handler)

    return behaviour


def with_validators(body: bytes, etag: str = '"v1"') -> Behaviour:
    """A feed with an ETag; 304 when asked with it."""

    def behaviour(handler: FaultHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.answer(304, b"", {"ETag": etag})
        else:
            handler.answer(200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})

    return behaviour


def slow(body: bytes, delay: float, headers: dict[str, str] | None = None) -> Behaviour:
    """`body` after `delay` seconds."""

    def behaviour(handler: FaultHandler) -> None:
        time.sleep(delay)
        handler.answer(200, body, headers)

    return behaviour


@contextmanager
def fault_server(host: str, behaviours: dict[str, Behaviour]) -> Iterator[FaultServer]:
    """Run a FaultServer on `host` (a loopback address) for the duration of the block."""
    server = FaultServer(host, behaviours)
    try:
        with server.running():
            yield server
    finally:
        server.stop.set()  # lets handlers that hang or drip on purpose finish
