"""A real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS, AUTH and scripted faults."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "briefing", "s3cret-pw"


@dataclass
class Sink:
    """Records every accepted message; `data_script` answers the next DATA commands."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    data_script: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    auth_with_tls: list[bool] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:  # noqa: E501, N802
        if session.ssl is None:
            with self.lock:
                self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:  # noqa: E501, N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            action = self.data_script.pop(0) if self.data_script else "250 2.0.0 queued"
            if action == "drop" or action.startswith("250"):
                # The server has the message either way; "drop" only loses the reply.
                self.messages.append(
                    (envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
                )
        if action == "drop":
            server.transport.abort()
            return "250 2.0.0 queued"
        return action

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:  # noqa: E501
        self.auth_with_tls.append(session.ssl is not None)
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)

    def to(self, recipient: str) -> list[bytes]:
        """The messages that reached one recipient."""
        return [content for _, rcpts, content in self.messages if recipient in rcpts]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(
    tmp: Path, *, starttls: bool = True, size: int | None = 33554432
) -> Iterator[tuple[Sink, int, Path]]:
    """Serve a Sink on 127.0.0.1: (sink, port, the CA file a client must trust)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    sink = Sink()
    port = free_port()
    tls: dict[str, Any] = (
        {"tls_context": context, "require_starttls": True, "auth_required": True}
        if starttls
        else {}
    )
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        authenticator=sink.authenticate,
        auth_require_tls=True,
        data_size_limit=size,
        **tls,
    )
    controller.start()
    try:
        yield sink, port, ca_file
    finally:
        controller.stop()
