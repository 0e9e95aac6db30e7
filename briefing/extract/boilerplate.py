"""The second pass: what trafilatura lets through, found by what it says and where it stands.

Each rule names its reason, and every removed paragraph is kept with that reason, so
`briefing extract --explain` can show exactly what went and why. The rules were chosen on half
of the benchmark's pages (even indices of the sorted ids) and checked on the other half.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from ..text.clean import clean_text

Removed = tuple[str, str]  # (paragraph, reason)

# An appeal asks the reader for money, a subscription, a sign-up or a share, in the site's voice.
# Its phrases address the reader, so that news about members, donations or subscribers stays.
_APPEAL = re.compile(  # matched against the lowercased line: much faster than (?i)
    r"\b(small favou?r to ask|please support|support us\b"
    r"|support (our|independent) (journalism|work|reporting|newsroom|mission|media)"
    r"|donate (now|today|here)|make a (one-time |monthly )?(gift|contribution|donation)"
    r"|contribute (today|now)|become a (subscriber|patron|supporter|member (today|now|of our))"
    r"|(need|rely on) (your|readers') (help|support)|your support\b"
    r"|subscribe (now|today|here)|subscribe to (our|the) (free |daily |weekly )?newsletter"
    r"|sign up (now|here|today|for free|(for|to) (our|a free))|sign up:"
    r"|(our|free|daily|weekly|morning|evening) (\w+ )?newsletters?\b|newsletters? sign"
    r"|enter your e-?mail|remind me later|not ready to support|like this (story|article)\?"
    r"|share (it|this( story| article)?) with|delivered (to|through) your (inbox|letterbox|door)"
    r"|(get|gain) (full|unlimited|instant) access|for (as little as|just|only) ([$€£₹]|rs\.? ?\d)"
    r"|click to tweet"
    r"|follow (us|@\w+) on|tell us what you think"
    # German, French, Spanish, Portuguese: the feeds' other languages
    r"|jetzt (abonnieren|spenden|unterstützen)|newsletter abonnieren|unterstützen sie uns"
    r"|abonnez-vous|faites un don|soutenez|suscríbete|haz una donación|apoya (a|nuestro)"
    r"|assine (já|agora)|faça uma doação|inscreva-se)"
)
# Lines that stand for the page's furniture rather than the article: links, tags, sources.
_FURNITURE = re.compile(
    r"(?i)^\W*(read more|read also|related( stories| articles| coverage| content)?|see also"
    r"|more on this( story)?|more:|also on \S+|advertisement|share (this|on)|follow us\b"
    r"|click here|popular on\b|tags?\b|filed under|source:|sources:|more (from|in|on) \w+|more\W*$"
    r"|recommended|most (read|popular)|trending|comments?$|\d+ comments?"
    r"|tempo de leitura|reading time|lesezeit|\d+ min(ute)?s? read)\b"
)
# A caption's credit: "... Sergei Bobylev / TASS", "Photo: Reuters", "© AFP".
_CREDIT = re.compile(
    r"^(photo|image|picture|credit|source|foto|bild)s?\s*:|^©|\bcopyright\b|\(c\) \d{4}|ⓒ"
    r"|\bphotos? ©"
)
_AGENCY = re.compile(r"[A-Z][\w&.'-]*( [\w&.'-]+){0,2}$")
# A byline or dateline: a name after "by", a date or a time, nothing that reads as a sentence.
_BYLINE = re.compile(
    r"(?i)(^(by|von|par|por|de)\s+(?-i:[A-Z])|\breported by\b"
    r"|\b\d{1,2}:\d{2}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/(19|20)?\d{2}\b"
    r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? (19|20)\d{2}\b"
    r"|\b\d{1,2}\.? (de )?(jan|feb|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|de[cz])[a-zäé]*"
    r"\.?( de)? (19|20)\d{2}\b|\b(updated|published|posted|aktualisiert|veröffentlicht)\b)"
)
# A note on how comments are moderated, in the languages of the feeds.
_COMMENTS_NOTE = re.compile(  # lowercased, as _APPEAL
    r"\b(comments?|comentários|comentarios|kommentare|commentaires)\b.*"
    r"\b(moderat\w*|approv\w*|aprovad\w*|publicad\w*|freigeschaltet|guidelines|policy)"
)
# A report's closing credit: "C contributed reporting." (Reuters' "(Reporting by A; Editing by
# B)" is left: the benchmark's texts keep it, so removing it was not measured as better.)
_SIGNATURE = re.compile(r"(?i)\bcontributed (reporting|to this report)\b")
_CONTACT = re.compile(r"(?i)^(\S+@\S+\.\w+|(https?://)?(www\.)?[\w-]+\.\w+/\S*|@\w+)$")
_LINK_OPEN = re.compile(r"<[aA][\s>]")
_TAG = re.compile(r"(?s)<[^>]*>")
_WORD = re.compile(r"\w+")

APPEAL_TAIL_WORDS = 12  # short lines after an appeal that ends the text are its buttons
APPEAL_TAIL_LINES = 8
EDGE_LINES = 3  # bylines, datelines and credits are looked for this far from either end
MAX_LINK_CHARS = 3000  # of HTML inside one <a>: images with long srcsets included
LINK_COVER = 0.8  # a line this much made of link texts is a link, not prose
TEASER_COVER = 0.3  # a line that opens with a link this long is a teaser for another story


@dataclass(frozen=True, slots=True)
class PageHints:
    """What the page says about itself, beside its text: its title and its links' texts."""

    title: str = ""
    links: frozenset[str] = frozenset()


def page_hints(page: str, title: str) -> PageHints:
    """The title and the texts of the page's links (of two words or more), normalized."""
    texts = (_normal(html.unescape(_TAG.sub(" ", raw))) for raw in _link_texts(page))
    return PageHints(_normal(title), frozenset(t for t in texts if " " in t))


def _link_texts(page: str) -> Iterator[str]:
    """The raw inside of every <a> element (a regex over the whole page costs twice as much)."""
    for opening in _LINK_OPEN.finditer(page):
        start = page.find(">", opening.start())
        end = page.find("</a", start, start + MAX_LINK_CHARS)
        if end - start > 9:  # shorter is no headline; longer than MAX_LINK_CHARS, no link
            yield page[start + 1 : end]


def strip_boilerplate(
    lines: Sequence[str], hints: PageHints | None = None
) -> tuple[list[str], list[Removed]]:
    """Keep the article's paragraphs; return what was dropped with the reason for each."""
    hints = hints or PageHints()
    paragraphs = [p for p in (clean_text(x) for x in lines) if p]
    reasons: list[str | None] = [None] * len(paragraphs)
    for i, line in enumerate(paragraphs):
        reasons[i] = _line_reason(line)
    _mark_appeal_tail(paragraphs, reasons)
    _mark_edges(paragraphs, reasons, hints)
    kept = [p for p, r in zip(paragraphs, reasons, strict=True) if r is None]
    removed = [(p, r) for p, r in zip(paragraphs, reasons, strict=True) if r is not None]
    return kept, removed


def fingerprint(paragraph: str) -> str:
    """A short stable hash of a paragraph's words, for boilerplate a site repeats."""
    words = " ".join(_WORD.findall(paragraph.lower()))
    return hashlib.blake2b(words.encode(), digest_size=8).hexdigest()


def drop_learned(
    paragraphs: Sequence[str], learned: Collection[str], prints: Sequence[str] | None = None
) -> tuple[list[str], list[Removed]]:
    """Drop the paragraphs whose fingerprints the site is known to repeat.

    `prints`, when given, are the paragraphs' fingerprints already computed, in order.
    """
    prints = prints if prints is not None else [fingerprint(p) for p in paragraphs]
    pairs = list(zip(paragraphs, prints, strict=True))
    kept = [p for p, fp in pairs if fp not in learned]
    removed = [(p, "repeated on this site") for p, fp in pairs if fp in learned]
    return kept, removed


def _line_reason(line: str) -> str | None:
    words = len(line.split())
    low = line.lower()
    if words < 80 and _APPEAL.search(low):
        return "appeal"
    if words <= 8 and _FURNITURE.match(line):
        return "furniture"
    if words <= 40 and _COMMENTS_NOTE.search(low):
        return "comments note"
    if words <= 20 and _is_credit(line, low):
        return "photo credit"
    return None


def _is_credit(line: str, low: str) -> bool:
    """A caption's credit ("Photo: AFP", "© Reuters", "... Sergei Bobylev / TASS").

    Unlike a sentence it does not end in a full stop or a quote; a "label: value" line with a
    slash in it is data, not a credit.
    """
    if line.endswith((".", '"', "”")):
        return False
    if _CREDIT.search(low):
        return True
    before, slash, agency = line.rpartition(" / ")
    return bool(slash and before and ":" not in line and _AGENCY.match(agency))


def _mark_appeal_tail(paragraphs: list[str], reasons: list[str | None]) -> None:
    """An appeal that ends the text takes with it the short lines after it: its buttons."""
    appeals = [i for i, r in enumerate(reasons) if r == "appeal"]
    if not appeals:
        return
    tail = range(appeals[-1] + 1, len(paragraphs))
    if len(tail) <= APPEAL_TAIL_LINES and all(
        reasons[i] is not None or len(paragraphs[i].split()) <= APPEAL_TAIL_WORDS for i in tail
    ):
        for i in tail:
            reasons[i] = reasons[i] or "appeal"


def _mark_edges(paragraphs: list[str], reasons: list[str | None], hints: PageHints) -> None:
    """Headline, bylines, datelines, credits and link blocks at the start or the end."""
    n = len(paragraphs)
    for i in range(min(EDGE_LINES, n)):
        if reasons[i] is None:
            reasons[i] = _edge_reason(paragraphs[i], hints, first=i == 0)
    for i in range(n - 1, max(EDGE_LINES - 1, n - 1 - EDGE_LINES), -1):
        if reasons[i] is None:
            reasons[i] = _edge_reason(paragraphs[i], hints, first=False)
    # A run of link lines that ends the text is a related-stories block.
    i = n - 1
    while i > 0 and (reasons[i] is not None or _is_teaser(paragraphs[i], hints)):
        if reasons[i] is None:
            reasons[i] = "related links"
        i -= 1


def _edge_reason(line: str, hints: PageHints, *, first: bool) -> str | None:
    normal = _normal(line)
    words = len(line.split())
    if first and hints.title and _same_title(normal, hints.title):
        return "headline"
    if first and _is_link(line, hints):
        return "related links"
    if words <= 12 and _BYLINE.search(line) and not line.endswith((".", '"', "”")):
        return "byline"
    if words <= 20 and _SIGNATURE.search(line):
        return "byline"
    if words <= 3 and _CONTACT.match(line.strip()):
        return "byline"
    return None


def _same_title(line: str, title: str) -> bool:
    """The headline again, allowing the site-name suffix either of them may carry."""
    if not line or len(line) > 2 * len(title) + 20:
        return False
    return line == title or title.startswith(line) or line.startswith(title)


def _is_link(line: str, hints: PageHints) -> bool:
    normal = _normal(line)
    if not normal or len(normal.split()) > 40:
        return False
    covered = sum(len(t) for t in hints.links if len(t) >= 8 and t in normal)
    return covered >= LINK_COVER * len(normal)


def _is_teaser(line: str, hints: PageHints) -> bool:
    """A link, or a linked headline followed by its standfirst, as related-story blocks show."""
    if _is_link(line, hints):
        return True
    normal = _normal(line)
    if len(normal.split()) > 40:
        return False
    lead = max((len(t) for t in hints.links if len(t) >= 12 and normal.startswith(t)), default=0)
    return lead >= TEASER_COVER * len(normal)


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))
