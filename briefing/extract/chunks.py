"""An article the page splits into chunks of one kind, of which trafilatura took only some.

Some sites set each stretch of an article in a box of its own (a grid row with an advert column
beside it, say) and trafilatura, which reads one container, keeps the first stretch. Such boxes
are containers holding two or more paragraphs, sharing tag and class and their grandparent.
A box beside a heading of its own is no stretch but an entry of a listing (a blog's posts, each
under its title), and is left alone. When trafilatura's text holds one box of a group but misses
another, the missing ones' contents are moved into the one it read and the page is read again.
Chosen by cross-validation over the three evaluation sets (benchmarks/extraction.py,
docs/measurements.md).
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

MIN_CHARS = 80  # a paragraph shorter than this is a caption or a teaser, not a stretch of text
_HEADING = "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
_CHUNKS = etree.XPath(  # in C: run on every page
    "//*[self::div or self::section][@class]"
    f"[count(p[string-length(normalize-space()) >= {MIN_CHARS}]) >= 2]"
    f"[not(../*[{_HEADING}])]"  # a box under a title of its own is a listing's entry
)


def chunk_groups(tree: HtmlElement) -> list[list[HtmlElement]]:
    """The page's groups of two or more chunks of one kind, each in document order."""
    groups: dict[tuple[str, str, object], list[HtmlElement]] = {}
    for element in _CHUNKS(tree):
        parent = element.getparent()
        grandparent = parent.getparent() if parent is not None else None
        # The element itself as key: it stays referenced, so lxml gives back the same proxy.
        key = (element.tag, element.get("class", ""), grandparent)
        groups.setdefault(key, []).append(element)
    return [g for g in groups.values() if len(g) > 1]


def join_missing_chunks(tree: HtmlElement, text: str) -> bool:
    """Move into the first chunk of each group the chunks `text` misses; True if any moved."""
    seen = " ".join(text.split())
    moved = False
    for group in chunk_groups(tree):
        shares = [_share_in(member, seen) for member in group]
        if max(shares) < 0.5 or min(shares) >= 0.5:
            continue  # none of the group was read, or all of it was
        first = group[0]
        for other in group[1:]:
            if first in other.iterancestors() or other in first.iterancestors():
                continue
            for child in list(other):
                first.append(child)  # lxml moves an element appended elsewhere
            moved = True
    return moved


def _share_in(chunk: HtmlElement, seen: str) -> float:
    """The share of the chunk's paragraphs whose first words the text holds."""
    texts = (" ".join(p.text_content().split()) for p in chunk if p.tag == "p")
    openings = [" ".join(t.split()[:8]) for t in texts if len(t) >= MIN_CHARS]
    return sum(o in seen for o in openings) / max(len(openings), 1)
