"""Every paragraph of a page that did not reach the text, with the stage that dropped it and why.

`briefing extract --explain` shows this. What goes before trafilatura reads the page (hidden
elements, links grouped inside a paragraph) is named by the step that took it, and the second pass
keeps what it removes, with reasons; trafilatura does not say what it leaves out, so the page's own
blocks (the text of each block element: paragraphs, list items, headings, cells, divisions' loose
text) are compared with the text: a block found neither in the text nor among those removals was
trafilatura's drop. The appeal model's probability is given for each, read in the page's order, so
a reader sees what the model thought of a paragraph trafilatura had already taken out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from .appeals import current_model
from .page import Extraction, parse_page, prepare

BEFORE = "before trafilatura"
TRAFILATURA = "trafilatura"
SECOND_PASS = "second pass"
SITE = "site repetition"
TITLE = "title"
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_UNSEEN = frozenset(
    ["head", "script", "style", "noscript", "template", "svg", "iframe", "object", "select"]
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Dropped:
    """A paragraph of the page left out of the text: the stage that dropped it, and why."""

    text: str
    stage: str
    reason: str
    score: float | None = None  # the appeal model's probability, when a model is installed


def account_page(page: str, extraction: Extraction, url: str = "") -> list[Dropped]:
    """Each block of the page that did not reach the text, by stage, in the page's order.

    `url` is where the page came from, as it was given to the extraction.
    """
    tree = parse_page(page)
    if tree is None:
        return []
    # The page as trafilatura reads it, and the blocks of what went before it did.
    early = [
        (block, reason)
        for element, reason in prepare(tree, url=url)
        for block in blocks_of(element)
    ]
    body = tree.find(".//body")
    found = early + [(block, "") for block in blocks_of(body if body is not None else tree)]
    blocks = [block for block, _ in found]
    model = current_model()
    scores: list[float | None] = list(model.scores(blocks)) if model else [None] * len(blocks)
    kept = " ".join(_normal(p) for p in extraction.paragraphs)
    removed = [(_normal(text), reason) for text, reason in extraction.removed]
    title = _normal(extraction.title)
    dropped, seen = [], set()
    for (block, before), score in zip(found, scores, strict=True):
        words = _normal(block)
        if not words or words in seen or words in kept:
            continue
        seen.add(words)
        stage, reason = (BEFORE, before) if before else _why(words, removed, title)
        dropped.append(Dropped(block, stage, reason, score))
    return dropped


def _why(words: str, removed: list[tuple[str, str]], title: str) -> tuple[str, str]:
    """The stage and the reason: the second pass's own, else the headline, else trafilatura."""
    for text, reason in removed:
        if words in text or (text and text in words):
            return (SITE if reason == "repeated on this site" else SECOND_PASS), reason
    if title and (words == title or words.startswith(title)):
        return TITLE, "the headline, shown as the title"
    return TRAFILATURA, "not in its text"


def blocks_of(root: etree._Element) -> list[str]:
    """The text of each block under `root`, in order, as a reader would see the paragraphs.

    The root's own tail is not its text: a removed element keeps the text that followed it.
    """
    blocks: list[str] = []
    line: list[str] = []
    hidden = 0  # depth inside an element whose text is never shown (scripts, styles)
    for event, element in etree.iterwalk(root, ("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            hidden += tag in _UNSEEN or not tag
            if not hidden:
                _flush(line, blocks, tag)
                line.append(element.text or "")
            continue
        hidden -= tag in _UNSEEN or not tag
        if not hidden:
            _flush(line, blocks, tag)
            line.append((element.tail or "") if element is not root else "")
    _flush(line, blocks)
    return blocks


def _flush(line: list[str], blocks: list[str], tag: str = "br") -> None:
    """A block element (or the page's end) closes the line of text read so far."""
    if tag not in _BLOCKS:
        return
    text = " ".join("".join(line).split())
    line.clear()
    if text:
        blocks.append(text)


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def format_dropped(dropped: list[Dropped]) -> str:
    """The accounting as `briefing extract --explain` prints it: by stage, in the page's order."""
    lines = [f"--- not in the text: {len(dropped)} paragraph(s) of the page"]
    for stage in (TITLE, BEFORE, TRAFILATURA, SECOND_PASS, SITE):
        mine = [d for d in dropped if d.stage == stage]
        if mine:
            lines.append(f"{stage} ({len(mine)}):")
            lines += [f"  [{_label(d)}] {d.text}" for d in mine]
    return "\n".join(lines)


def _label(dropped: Dropped) -> str:
    if dropped.score is None or dropped.reason.startswith("appeal (model"):
        return dropped.reason
    return f"{dropped.reason}; appeal score {dropped.score:.2f}"
