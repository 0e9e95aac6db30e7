"""Checks on a feed's bytes before any parser sees them.

feedparser 6.0.12's loose parser expanded DOCTYPE entities (a 40 KB feed became a 100 MB
field); 6.0.14 does not, but the dependency allows older releases and the scan costs little.
feedparser also raises, instead of reporting a malformed feed, on character references no text
may hold. The first is refused here from a scan of the bytes; the second is repaired.
"""

from __future__ import annotations

import re

_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[", re.I)
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s\"']+)\s+(\"([^\"]*)\"|'([^']*)')", re.S)
MAX_ENTITIES = 64
MAX_ENTITY_BYTES = 1024
MAX_EXPANSION = 4 * 1024 * 1024  # bytes the declared entities may add to a feed in all
_CHAR_REF = re.compile(rb"&#([xX][0-9a-fA-F]{1,32}|[0-9]{1,32});")


class UnsafeFeed(ValueError):
    """A feed refused before parsing: its DOCTYPE could make the parser blow up."""


def check_entities(body: bytes) -> None:
    """Refuse a DOCTYPE internal subset that could expand into a huge document.

    Real feeds declare a few small entities (refusing every DOCTYPE would break them), so only
    many entities, a long entity value, or more expansion than a feed could need are refused.
    """
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        body = body.decode("utf-16", errors="replace").encode("utf-8")
    match = _DOCTYPE_SUBSET.search(body)
    if match is None:
        return
    end = body.find(b"]>", match.end())
    entities = _ENTITY.findall(body[match.end() : end if end >= 0 else len(body)])
    if len(entities) > MAX_ENTITIES:
        raise UnsafeFeed(f"{len(entities)} entities declared (at most {MAX_ENTITIES})")
    expansion = 0
    for _, name, _, double, single in entities:
        size = len(double or single)
        if size > MAX_ENTITY_BYTES:
            raise UnsafeFeed(f"entity '{name.decode(errors='replace')}' holds {size} bytes")
        expansion += size * body.count(b"&" + name + b";")
    if expansion > MAX_EXPANSION:
        raise UnsafeFeed(f"entities would expand the feed by {expansion} bytes")


def repair_char_refs(body: bytes) -> bytes:
    """Character references no text may hold (surrogates, NUL, beyond U+10FFFF) become U+FFFD.

    feedparser raises on them instead of reporting a malformed feed; repaired, the rest of the
    feed is read.
    """
    return _CHAR_REF.sub(_repair_ref, body)


def _repair_ref(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    try:
        code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    except ValueError:
        return b"&#xFFFD;"
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return b"&#xFFFD;"
    return match.group(0)
