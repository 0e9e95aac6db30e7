"""The site `benchmarks/pipeline.py` reads: real pages under many URLs, on up to 50 loopback hosts.

The N articles of an edition are spread over F feeds (`plan`). Feed K is `/NxF/feedK.xml` on
host 127.0.0.(K mod hosts + 2); its entries link to `/NxF/K/J-P.html`, real page P served with its
<title> rewritten to the entry's headline. Entries are dated in the 20 hours before the site's
anchor: a fixed moment, or the time the servers started, so that runs with the clock's time (as
a user runs `briefing generate`) find every article inside their window.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
PAGES = SHARED / "eval" / "extraction" / "html"
AS_OF = datetime(2026, 11, 23, 12, tzinfo=UTC)
PER_FEED = 25
MAX_HOSTS = 50
_TITLE = re.compile(rb"(?is)<title[^>]*>.*?</title>")


def plan(n: int, feeds: int = 0) -> tuple[int, int, int]:
    """Feeds, entries a feed and hosts for n articles: by default 25 entries a feed; the feeds
    spread over up to 50 hosts."""
    feeds = feeds or math.ceil(n / PER_FEED)
    return feeds, math.ceil(n / feeds), min(feeds, MAX_HOSTS)


def edition_path(n: int, feeds: int) -> str:
    """The folder of the site that serves n articles in `feeds` feeds."""
    return f"{n}x{feeds}"


def page_of(host: int, local: int, pages: int) -> int:
    """Which real page the `local`-th article of a host shows: never the same one twice a host."""
    return (host * 37 + local) % pages


def title_of(n: int, feed: int, item: int) -> str:
    return f"Report {item + 1} of outlet {feed + 1} on the day's events (edition of {n})"


class Host(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, number: int, latency: float, pages: list[bytes], anchor: datetime) -> None:
        super().__init__((f"127.0.0.{number + 2}", 0), Handler)
        self.number = number
        self.latency = latency
        self.pages = pages
        self.anchor = anchor


class Handler(BaseHTTPRequestHandler):
    server: Host
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        time.sleep(self.server.latency)
        parts = self.path.strip("/").split("/")
        try:
            n, feeds = (int(x) for x in parts[0].split("x"))
            if parts[-1].startswith("feed"):  # /NxF/feedK.xml
                feed = int(parts[1].removeprefix("feed").removesuffix(".xml"))
                body = feed_body(n, feeds, feed, self.headers["Host"], self.server.anchor)
                self._send(body, "application/rss+xml")
            elif len(parts) == 3 and parts[2].endswith(".html"):  # /NxF/K/J-P.html
                feed = int(parts[1])
                item, page = (int(x) for x in parts[2].removesuffix(".html").split("-"))
                title = f"<title>{title_of(n, feed, item)}</title>".encode()
                body = _TITLE.sub(lambda _: title, self.server.pages[page], count=1)
                self._send(body, "text/html; charset=utf-8")
            else:
                self._answer(404, b"not found", "text/plain", "")
        except (ValueError, IndexError):
            self._answer(404, b"not found", "text/plain", "")

    def _send(self, body: bytes, kind: str) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._answer(304, b"", kind, etag)
        else:
            self._answer(200, body, kind, etag)

    def _answer(self, status: int, body: bytes, kind: str, etag: str) -> None:
        answer(self, status, body, kind, etag)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str, etag: str) -> None:
    """One response, with its ETag when there is one; a 304 has no body."""
    handler.send_response(status)
    if etag:
        handler.send_header("ETag", etag)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if status != 304:
        handler.wfile.write(body)


def feed_body(n: int, feeds: int, feed: int, host_header: str, anchor: datetime = AS_OF) -> bytes:
    """Feed `feed` of the n-article edition: its entries, newest first, each its own page."""
    _, per_feed, hosts = plan(n, feeds)
    host = feed % hosts
    base = f"http://{host_header}/{edition_path(n, feeds)}/{feed}"
    first = feed * per_feed
    count = min(per_feed, n - first)
    span = timedelta(hours=20) / n  # every article inside the 24-hour window
    pages = len(list(PAGES.glob("*.html.gz")))
    items = []
    for item in range(count):
        local = (feed // hosts) * per_feed + item
        when = anchor - span * (first + item + 1)
        items.append(
            f"<item><title>{title_of(n, feed, item)}</title>"
            f"<link>{base}/{item}-{page_of(host, local, pages)}.html</link>"
            f"<guid>{base}/{item}</guid>"
            f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
            f"<description>A report from outlet {feed + 1}.</description></item>"
        )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {feed + 1}</title>'
        f"<link>http://{host_header}/</link><description>news</description>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def run_hosts(
    latency: float,
    ports: Queue[list[int]],
    stop: Event,
    anchor: datetime = AS_OF,
) -> None:
    """Serve the site on 50 loopback hosts until `stop`; their ports are put on `ports`."""
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(PAGES.glob("*.html.gz"))]
    hosts = [Host(h, latency, pages, anchor) for h in range(MAX_HOSTS)]
    for host in hosts:
        threading.Thread(target=host.serve_forever, daemon=True).start()
    ports.put([h.server_address[1] for h in hosts])
    stop.wait()
