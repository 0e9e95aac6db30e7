"""A small static HTTP server on 127.0.0.1, for the offline demo and for tests.

It serves a folder the way a news site would: content types, ETag and Last-Modified with 304
answers to conditional requests, and `__BASE__` in a file replaced by the server's own address,
so feeds can link to pages on whatever port it got; or, with `PublicAddresses`, by the public
addresses the files stand for. Nothing here listens beyond loopback.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .addresses import PublicAddresses

PLACEHOLDER = b"__BASE__"
FIXED_MTIME = 1642852800.0  # 2022-01-22 12:00 UTC: stable Last-Modified for bundled files
TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".rdf": "application/rdf+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Canned:
    """A fixed answer for one path: a status, a body and extra headers."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


class LoopbackServer(ThreadingHTTPServer):
    """A threaded HTTP server on a loopback address and a free port (also for the tests' fakes)."""

    daemon_threads = True

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @contextmanager
    def running(self, poll: float = 0.5) -> Iterator[None]:
        """Serve from a thread for the duration of the block, then shut down and close."""
        thread = threading.Thread(target=self.serve_forever, args=(poll,), daemon=True)
        thread.start()
        try:
            yield
        finally:
            self.shutdown()
            self.server_close()
            thread.join(timeout=5)


class SiteServer(LoopbackServer):
    """Serves `root`, or a Canned answer for a path, and counts requests per path."""

    def __init__(
        self,
        root: Path,
        canned: Mapping[str, Canned] | None = None,
        addresses: PublicAddresses | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root.resolve()
        self.canned = dict(canned or {})
        self.addresses = addresses
        self.requests: Counter[str] = Counter()
        self.statuses: list[tuple[str, int]] = []


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        path = unquote(urlsplit(self.path).path)
        self.server.requests[path] += 1
        if path in self.server.canned:
            self._send(self.server.canned[path])
            return
        file = self._file(path)
        if file is None:
            self._send(Canned(404, b"not found"))
            return
        self._send_file(file)

    def _file(self, path: str) -> Path | None:
        candidate = (self.server.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.server.root) or not candidate.is_file():
            return None
        return candidate

    def _send_file(self, file: Path) -> None:
        body = file.read_bytes()
        if self.server.addresses is not None:
            body = self.server.addresses.publish(body)
        body = body.replace(PLACEHOLDER, self.server.base_url.encode())
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        modified = formatdate(FIXED_MTIME, usegmt=True)
        headers = (("ETag", etag), ("Last-Modified", modified))
        if self.headers.get("If-None-Match") == etag or (
            not self.headers.get("If-None-Match")
            and self.headers.get("If-Modified-Since") == modified
        ):
            self._send(Canned(304, b"", headers))
            return
        content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
        self._send(Canned(200, body, (*headers, ("Content-Type", content_type or "text/plain"))))

    def _send(self, answer: Canned) -> None:
        self.server.statuses.append((self.path, answer.status))
        self.send_response(answer.status)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.status != 304:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet: the pipeline reports what matters."""


@contextmanager
def serve(
    root: Path,
    canned: Mapping[str, Canned] | None = None,
    addresses: PublicAddresses | None = None,
) -> Iterator[SiteServer]:
    """Serve `root` on 127.0.0.1 on a free port for the duration of the block.

    With `addresses`, links to the folders and pages they name are served as public addresses.
    """
    server = SiteServer(root, canned, addresses)
    with server.running():
        yield server
