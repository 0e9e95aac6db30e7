"""Content-Encoding undone in bounded steps, so a small body can never unpack into a huge one.

A few kilobytes of gzip or brotli can stand for gigabytes, and a stacked `gzip, gzip` multiplies
the ratio. Decoding a whole network chunk in one call puts the whole expansion in memory before
any size cap is looked at. Here every decoding step returns at most STEP bytes, the decoded total
is counted as it grows, and reading stops as soon as it passes the cap. Encodings are undone in
the reverse of the order the header lists them; more than MAX_LAYERS of them, or one we cannot
decode with a bound, is refused. We only advertise (ACCEPT_ENCODING) what we can decode so.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from ..errors import FetchError

try:
    import brotli
except ImportError:  # optional: without it, "br" is neither asked for nor accepted
    brotli = None

STEP = 64 * 1024  # the most one decoding step may produce
MAX_LAYERS = 3  # stacked encodings accepted; real servers use one
_GZIP_MAGIC = b"\x1f\x8b"

# Only a brotli decoder that can stop at an output limit is safe: older ones decode a whole
# input in one call.
BROTLI = brotli is not None and hasattr(brotli.Decompressor, "can_accept_more_data")
ACCEPT_ENCODING = "gzip, deflate, br" if BROTLI else "gzip, deflate"
_DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error,) + ((brotli.error,) if brotli else ())


class _Layer(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class _Zlib:
    """gzip (every member of a multi-member body) or deflate, zlib-wrapped or raw."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._wbits = zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS
        self._d = zlib.decompressobj(self._wbits)
        self._started = False
        self._done = False  # the stream ended and what followed it was not another member

    def feed(self, data: bytes) -> Iterator[bytes]:
        more = bool(data)
        while more and not self._done:
            if self._d.eof:
                data = self._next_member(data)
                continue
            out = self._step(data)
            data = self._d.unused_data if self._d.eof else self._d.unconsumed_tail
            if out:
                yield out
            # A full step may leave output inside zlib even once all the input is taken.
            more = bool(data) or (len(out) == STEP and not self._d.eof)

    def finish(self) -> Iterator[bytes]:
        while not self._done and not self._d.eof:
            out = self._d.decompress(b"", STEP)
            if not out:
                return
            yield out

    def _step(self, data: bytes) -> bytes:
        try:
            out = self._d.decompress(data, STEP)
        except zlib.error:
            if self._gzip or self._started:
                raise
            # Many servers send raw deflate under the name "deflate": try that, once.
            self._wbits = -zlib.MAX_WBITS
            self._d = zlib.decompressobj(self._wbits)
            out = self._d.decompress(data, STEP)
        self._started = True
        return out

    def _next_member(self, rest: bytes) -> bytes:
        """What follows a finished stream: another gzip member, else nothing (junk is ignored)."""
        if self._gzip and rest.startswith(_GZIP_MAGIC):
            self._d = zlib.decompressobj(self._wbits)
            return rest
        self._done = True
        return b""


class _Brotli:
    """brotli, asked for at most STEP bytes at a time."""

    def __init__(self) -> None:
        assert brotli is not None
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = self._d.process(data, output_buffer_limit=STEP)
        if out:
            yield out
        while not self._d.can_accept_more_data():
            yield self._d.process(b"", output_buffer_limit=STEP)

    def finish(self) -> Iterator[bytes]:
        # Output can still be pending once all the input is in.
        while not self._d.is_finished():
            out = self._d.process(b"", output_buffer_limit=STEP)
            if not out:
                return
            yield out


def layers_for(header: str, url: str) -> list[_Layer]:
    """Decoders for a Content-Encoding header, outermost (last applied) first."""
    names = [n.strip().lower() for n in header.split(",")]
    names = [n for n in names if n and n != "identity"]
    if len(names) > MAX_LAYERS:
        raise FetchError(f"{len(names)} stacked content encodings (at most {MAX_LAYERS})", url=url)
    return [_layer(name, url) for name in reversed(names)]


def _layer(name: str, url: str) -> _Layer:
    if name in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if name == "deflate":
        return _Zlib(gzip=False)
    if name == "br" and BROTLI:
        return _Brotli()
    raise FetchError(f"content encoding '{name}' cannot be decoded safely", url=url)


def read_decoded(
    raw: Iterable[bytes], layers: Sequence[_Layer], url: str, deadline: float, max_bytes: int
) -> bytes:
    """The decoded body of `raw` chunks, stopping at the size cap and at the deadline."""
    body = bytearray()
    unpacked = " once decompressed" if layers else ""

    def take(pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            body.extend(piece)
            if len(body) > max_bytes:
                raise FetchError(f"body larger than {max_bytes} bytes{unpacked}", url=url)

    try:
        for chunk in raw:
            take(_through(layers, chunk))
            if time.monotonic() > deadline:
                raise FetchError("timed out while reading the body", url=url, transient=True)
        for i, layer in enumerate(layers):
            take(_onwards(layers[i + 1 :], layer.finish()))
    except _DECODE_ERRORS as exc:
        raise FetchError(f"body could not be decompressed ({exc})", url=url) from None
    return bytes(body)


def _through(layers: Sequence[_Layer], data: bytes) -> Iterator[bytes]:
    """`data` passed down the layers, each piece going on as soon as it is decoded."""
    if not layers:
        yield data
        return
    yield from _onwards(layers[1:], layers[0].feed(data))


def _onwards(layers: Sequence[_Layer], pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from _through(layers, piece)
