"""Compression bombs: small bodies that stand for gigabytes of zeros, built in milliseconds.

Compressing a gigabyte for real takes seconds. Zeros compress to the same bytes every time once
the compressor's history is reset (deflate's full flush) or settled (brotli's flush after a few
megabytes), so one compressed megabyte is written once and repeated. The gzip and zlib
trailers' checksums are left zero: no reader under a cap gets that far, and computing them would
cost a second per gigabyte.
"""

from __future__ import annotations

import gzip
import struct
import zlib

MIB = 1 << 20
GIB = 1 << 30
_ZEROS = bytes(MIB)


def _deflate_blocks(size: int) -> bytes:
    """Raw deflate of `size` zeros (a whole number of MiB), final block included."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(_ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // MIB) + compressor.flush()


def gzip_bomb(size: int = GIB) -> bytes:
    """`size` zeros as one gzip member: about 1 KB per MiB."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + _deflate_blocks(size) + struct.pack("<II", 0, size & 0xFFFFFFFF)


def deflate_bomb(size: int = GIB) -> bytes:
    """`size` zeros as a zlib stream, what HTTP calls "deflate"."""
    return b"\x78\xda" + _deflate_blocks(size) + b"\x00\x00\x00\x00"


def double_gzip_bomb(size: int = GIB) -> bytes:
    """`size` zeros gzipped twice (`Content-Encoding: gzip, gzip`): about 1.8 KB per GiB."""
    return gzip.compress(gzip_bomb(size), compresslevel=9)


def brotli_bomb(size: int = GIB) -> bytes:
    """`size` zeros as brotli: about 13 bytes per MiB."""
    import brotli  # optional, as in the fetcher

    compressor = brotli.Compressor(quality=5)
    first: bytes = compressor.process(_ZEROS) + compressor.flush()  # brotli has no type hints
    settled: bytes = compressor.process(_ZEROS) + compressor.flush()
    last: bytes = compressor.finish()
    return first + settled * (size // MIB - 1) + last
