"""Feed items for the appeals corpus: the content a feed carries is the article, except the lines
an outlet appends to every item (sign-up pitches, "The post ... appeared first on ...")."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import feedparser
from appeals_rules import APPEAL

FEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "feeds"
# Link lists, not reports: an aggregator's items are headlines of other outlets.
AGGREGATORS = {"google.com", "reddit.com"}
# Feeds repeat one outlet many times; a few items each keep one outlet from filling the set.
PER_OUTLET = 12
OTHER = re.compile(
    r"^(continue reading|read more|the post .* appeared first on|related:|comments|"
    r"photo(graph)?:|image:|\(?(photo|image|illustration) (by|credit)|source:|via |filed under|"
    r"tags?:|share (this|on)|permalink|\[link\]|submitted by|sponsored by|this post was)",
    re.I,
)


def feed_items() -> Iterator[tuple[str, str]]:
    """(link, content HTML) of each item that carries more than a summary."""
    for path in sorted(FEEDS.rglob("*")):
        if (
            not path.is_file()
            or path.suffix in {".json", ".opml", ".tsv"}
            or "LICENSE" in path.name
        ):
            continue
        parsed = feedparser.parse(path.read_bytes())
        for entry in parsed.entries:
            link = str(entry.get("link", ""))
            contents = [str(c.get("value", "")) for c in entry.get("content", [])]
            html = max([*contents, str(entry.get("summary", ""))], key=len)
            if link.startswith("http") and html:
                yield link, html


def propose_feed_label(text: str) -> str:
    if OTHER.search(text):
        return "other"
    return "appeal" if APPEAL.search(text) else "article"


def capped(items: Iterator[tuple[str, str, list[str]]]) -> Iterator[tuple[str, str, list[str]]]:
    seen: Counter[str] = Counter()
    for outlet, link, blocks in items:
        if outlet in AGGREGATORS or seen[outlet] >= PER_OUTLET:
            continue
        seen[outlet] += 1
        yield outlet, link, blocks
