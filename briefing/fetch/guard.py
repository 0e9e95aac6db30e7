"""The address guard: what the fetcher may connect to, checked at the moment it connects.

Checking a URL's host string is not enough: `0177.0.0.1`, `2130706433` and `[::ffff:127.0.0.1]`
all reach loopback, a redirect can point anywhere, and a name can resolve to a public address when
checked and a private one when connected (DNS rebinding). So the check lives in httpcore's network
backend: the host is resolved once, every candidate address is checked, and the socket connects
to a checked address only, before a single request byte is sent. Each redirect hop opens its own
connection, so each is checked too.

An address is allowed when it is globally routable (after unwrapping IPv4-mapped and NAT64
forms), or inside a network the config lists in `[fetch] allow_networks` or, for one feed and its
articles, in that feed's `allow_networks`.

When a connection fails anyway, `network_error` says how, in words: the name does not exist, the
connection was refused or reset, TLS failed, or time ran out.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

from ..errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

# The deadline of the request this thread is making: every socket read and write is bounded by
# it, so a server dripping one byte at a time cannot stretch a request past its total timeout.
_deadline: ContextVar[float | None] = ContextVar("briefing_request_deadline", default=None)


class BlockedAddress(httpcore.ConnectError):
    """Raised by the backend when a host resolves only to addresses the guard refuses."""


class NameNotFound(httpcore.ConnectError):
    """Raised by the backend when a host name does not exist (or never can, like `*.invalid`)."""


# getaddrinfo's answers for "no such name", as opposed to "could not ask" (EAI_AGAIN and others).
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


class AddressGuard:
    """Decides which peer addresses may be connected to."""

    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in allow_networks)

    def permits(self, address: IPAddress) -> bool:
        """True if the address is in an allowed network, or public once unwrapped."""
        plain = unwrap(address)
        if any(plain in n or address in n for n in self.networks):
            return True
        return plain.is_global and not plain.is_multicast


def unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


@contextmanager
def request_deadline(deadline: float) -> Iterator[None]:
    """Bound every socket operation of the enclosed request by `deadline` (monotonic time)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _bounded(timeout: float | None) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("the request's total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes never outlive the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # The hostname, not the address, is what the certificate is verified against.
        tls = self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


def resolve(host: str, port: int, timeout: float | None) -> list[typing.Any]:
    """getaddrinfo, given up on after `timeout` seconds.

    The C resolver has no timeout of its own that we control, and a hung name server would
    otherwise hold a download past its total deadline. The lookup runs on a daemon thread of its
    own: one that never returns keeps that thread, not the download nor the program's exit.
    """
    if _never_resolves(host):
        raise NameNotFound(f"name not found: {host}")
    answer: list[typing.Any] = []

    def look_up() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            answer.append(exc)

    thread = threading.Thread(target=look_up, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not answer:
        raise httpcore.ConnectTimeout(f"looking up {host} took longer than the deadline")
    if isinstance(answer[0], socket.gaierror) and answer[0].errno in _NO_SUCH_NAME:
        raise NameNotFound(f"name not found: {host}")
    if isinstance(answer[0], OSError):
        raise httpcore.ConnectError(f"could not resolve {host}: {answer[0]}") from answer[0]
    result: list[typing.Any] = answer[0]
    return result


def _never_resolves(host: str) -> bool:
    """Names RFC 6761 reserves to never exist: answered here, without asking the network."""
    name = host.rstrip(".").lower()
    return name == "invalid" or name.endswith(".invalid")


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses the guard permits."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        allowed = self._checked_addresses(host, port, timeout)
        last_error: Exception | None = None
        for address in allowed:
            try:
                stream = super().connect_tcp(
                    str(address), port, _bounded(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last_error = exc
                continue
            return _DeadlineStream(stream)
        raise last_error or httpcore.ConnectError(f"no address to connect to for {host}")

    def _checked_addresses(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        infos = resolve(host, port, _bounded(timeout))
        found = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        allowed = [a for a in found if self.guard.permits(a)]
        if not allowed:
            shown = ", ".join(str(a) for a in found)
            raise BlockedAddress(
                f"refused to connect to {host} ({shown}): not a public address "
                "(allow it with allow_networks in [fetch], or in this feed's [[feeds]] entry)"
            )
        return allowed


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport, its connection pool using the guarded backend."""

    def __init__(self, guard: AddressGuard, ca_file: str = "") -> None:
        super().__init__(trust_env=False)
        context = httpx.create_ssl_context(trust_env=False)
        if ca_file:
            context.load_verify_locations(cafile=ca_file)
        # httpx has no public hook for the network backend; httpcore's pool does, so the pool
        # httpx built is replaced by the same kind of pool over our backend.
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(guard),
        )


def guarded_transport(guard: AddressGuard, ca_file: str = "") -> httpx.BaseTransport:
    """The transport every real download goes through; `ca_file` adds a CA to trust."""
    return GuardedTransport(guard, ca_file)


def network_error(exc: httpx.HTTPError, url: str, answered: bool = False) -> FetchError:
    """A FetchError saying what went wrong on the way: name, connection, TLS, time or peer.

    `answered`: the server had sent its status line and headers when it happened. Whether to
    retry follows the cause: a missing name or a bad certificate does not mend in a second.
    """
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, BlockedAddress | NameNotFound):
            return FetchError(str(cause), url=url)
        if isinstance(cause, socket.gaierror):
            return FetchError(f"name lookup failed ({cause.strerror})", url=url, transient=True)
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = cause.verify_message or cause.reason or "not trusted"
            return FetchError(f"TLS certificate could not be verified ({why})", url=url)
        if isinstance(cause, ssl.SSLError):
            why = cause.reason or str(cause)
            return FetchError(f"TLS handshake failed ({why})", url=url)
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(_TIMEOUTS.get(type(exc), "timed out"), url=url, transient=True)
    code = next((c.errno for c in causes if isinstance(c, OSError) and c.errno), None)
    if code in _ERRNOS:
        return FetchError(_ERRNOS[code], url=url, transient=True)
    if isinstance(exc, httpx.RemoteProtocolError):
        when = "before the body was complete" if answered else "before it answered"
        return FetchError(f"connection closed by the server {when}", url=url, transient=True)
    if isinstance(exc, httpx.ProtocolError):
        return FetchError("the server's answer is not valid HTTP", url=url)
    transient = isinstance(exc, httpx.TransportError)
    return FetchError(f"network error ({type(exc).__name__})", url=url, transient=transient)


_TIMEOUTS: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "timed out connecting",
    httpx.WriteTimeout: "timed out sending the request",
    httpx.ReadTimeout: "timed out waiting for the server",
}
_ERRNOS = {
    errno.ECONNREFUSED: "connection refused (nothing listens on that port)",
    errno.ECONNRESET: "connection reset by the server",
    errno.ECONNABORTED: "connection aborted",
    errno.EPIPE: "connection closed by the server while sending",
    errno.ENETUNREACH: "network unreachable (is this machine offline?)",
    errno.EHOSTUNREACH: "host unreachable",
    errno.EADDRNOTAVAIL: "address not available here",
}


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from, outermost first (a short, finite chain)."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain
