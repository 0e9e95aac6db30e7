"""A small chat-completions server on 127.0.0.1 that speaks the OpenAI protocol, for the LLM tests.

`POST /v1/chat/completions` hands the request's JSON to a responder, which returns a `Reply`: a
chat completion (`completion`), an error status, a body that is not JSON, a slow answer, or one
dripped a byte at a time. Every request's headers and JSON are kept, so a test can see what was
sent. `cite_first_sources` is a stand-in model that reads the prompt and answers from it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from briefing.demo.server import LoopbackServer

SOURCE_LINE = re.compile(r"^\[(\d+)\] \(([^)]*)\) (.*)$", re.M)


@dataclass(frozen=True, slots=True)
class Reply:
    """How the server answers one request."""

    status: int = 200
    body: bytes = b""
    delay: float = 0.0  # seconds of silence before the status line
    drip: float = 0.0  # seconds between the body's bytes, sent after the headers
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)


def completion(content: str) -> Reply:
    """A well-formed chat completion whose message is `content`."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
    }
    return Reply(body=json.dumps(body).encode())


def prompt_sources(request: dict[str, Any]) -> list[tuple[int, str, str]]:
    """The numbered sentences of a request's prompt: (number, outlet, text)."""
    user = request["messages"][-1]["content"]
    return [(int(n), outlet, text) for n, outlet, text in SOURCE_LINE.findall(user)]


def cite_first_sources(request: dict[str, Any]) -> Reply:
    """A stand-in model: the first sentence of each of the first two outlets, each cited."""
    firsts: dict[str, tuple[int, str]] = {}
    for number, outlet, text in prompt_sources(request):
        firsts.setdefault(outlet, (number, text))
    picked = list(firsts.values())[:2]
    return completion(" ".join(f"{text.rstrip('.')} [{n}]." for n, text in picked))


@dataclass
class Seen:
    """One request as the server received it."""

    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)


class ChatServer(LoopbackServer):
    """Answers chat-completion requests with whatever `respond` returns."""

    block_on_close = False

    def __init__(self, respond: Callable[[dict[str, Any]], Reply]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.seen: list[Seen] = []

    @property
    def url(self) -> str:
        """The endpoint's base URL, as a user would write it in [llm] url."""
        return f"{self.base_url}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen = Seen(dict(self.headers.items()))
        self.server.seen.append(seen)
        if self.path != "/v1/chat/completions":
            self._send(Reply(404, b'{"error": "not found"}'))
            return
        seen.body = json.loads(raw)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._send(self.server.respond(seen.body))

    def _send(self, reply: Reply) -> None:
        time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if not reply.drip:
            self.wfile.write(reply.body)
            return
        for byte in reply.body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(reply.drip)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the tests look at `seen`."""


@contextmanager
def chat_server(
    respond: Callable[[dict[str, Any]], Reply] = cite_first_sources,
) -> Iterator[ChatServer]:
    """A running ChatServer on 127.0.0.1, shut down afterwards."""
    server = ChatServer(respond)
    with server.running(poll=0.05):
        yield server


def closed_port() -> str:
    """The base URL of a loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
