"""The second pass: what trafilatura lets through, found by what it says and where it stands.

Each rule names its reason, and every removed paragraph is kept with that reason, so
`briefing extract --explain` can show exactly what went and why.

Every rule here was kept by cross-validation over three evaluation sets together (ScrapingHub's
article benchmark, trafilatura's own evaluation pages and Readability's test pages: 1,239
pages, five folds grouped by site, each set's own metric; benchmarks/extraction.py). In every
fold the rules were chosen on the training pages by dropping, one at a time, any whose removal
raised the mean of the three sets' F1, and scored on the held-out pages; a rule stays when the
folds kept it. Three did not and were retired: a first line made of links' texts, a closing
"contributed reporting" credit, and a first line that repeats the title read from the page's
body (its only h1) where the page declares another title in its head (docs/measurements.md).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from ..text.clean import clean_text, clean_text_unfolded
from .appeals import appeal_reasons
from .tables import table_line

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
    r"|follow (us|@\w+) on|tell us what you think"
    # German, French, Spanish, Portuguese: the feeds' other languages
    r"|jetzt (abonnieren|spenden|unterstützen)|newsletter abonnieren|unterstützen sie uns"
    r"|abonnez-vous|faites un don|soutenez|suscríbete|haz una donación|apoya (a|nuestro)"
    r"|assine (já|agora)|faça uma doação|inscreva-se)"
)
# Lines that stand for the page's furniture rather than the article: links, tags, sources.
_FURNITURE_LABEL = (
    r"(?i)^\W*(read more|read also|related( stories| articles| coverage| content)?|see also"
    r"|more on this( story)?|more:|also on \S+|advertisement|share (this|on)|follow us\b"
    r"|click here|popular on\b|tags?\b|filed under|source:|sources:|more (from|in|on) \w+|more\W*$"
    r"|recommended|most (read|popular)|trending|comments?$|\d+ comments?"
    r"|tempo de leitura|reading time|lesezeit|\d+ min(ute)?s? read)"
)
_FURNITURE = re.compile(_FURNITURE_LABEL + r"\b")
# The same label set off by a colon, a bar or "»": what follows is another story's headline
# ("Read more: Tencent profit falls as …"), a link set anywhere in the text.
_LABELLED = re.compile(_FURNITURE_LABEL + r"\s*[:：»|]")
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
# A note on how comments are moderated, in the languages of the feeds. Its leading word
# boundary is tested apart (`_comments_note`): without it the pattern skips to a "c" or a "k".
_COMMENTS_NOTE = re.compile(  # lowercased, as _APPEAL
    r"(comments?|comentários|comentarios|kommentare|commentaires)\b.*"
    r"\b(moderat\w*|approv\w*|aprovad\w*|publicad\w*|freigeschaltet|guidelines|policy)"
)
# The titles a page declares in its head: its <title> and its title meta tags (og:title...).
_HEAD_END = re.compile(r"</head\s*>|<body\b", re.IGNORECASE)
_TITLE_TAG = re.compile(r"(?is)<title\b[^>]*>(.*?)</title")
_META = re.compile(r"(?i)<meta\b[^>]*>")
_TITLE_META = re.compile(
    r"(?is)<meta\b[^>]*?\b(?:property|name)\s*=\s*[\"']?"
    r"(?:og:title|twitter:title|title|dc\.title|dcterms\.title)[\"'\s][^>]*>"
)
_CONTENT = re.compile(r"(?is)\bcontent\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CONTACT = re.compile(r"(?i)^(\S+@\S+\.\w+|(https?://)?(www\.)?[\w-]+\.\w+/\S*|@\w+)$")
_LINK_OPEN = re.compile(r"<[aA][\s>]")
_TAG = re.compile(r"(?s)<[^>]*>")
_WORD = re.compile(r"\w+")

RULES = frozenset(
    {
        "appeal",  # a line that asks the reader for money, a sign-up or a share
        "appeal tail",  # the short lines after an appeal that ends the text: its buttons
        "furniture",  # "Read more", "Related stories", "Tags", "3 comments"
        "comments note",  # how comments are moderated
        "photo credit",  # "Photo: AFP", "... John Smith / Reuters"
        "headline",  # a title the page declares (<title>, og:title) again as the first line
        "byline",  # a name after "by", a date or a time near either end
        "contact",  # an address, a URL or a handle alone near either end
        "related links",  # a run of link lines that ends the text
    }
)
LINE_RULES = ("appeal", "furniture", "comments note", "photo credit")  # the first found wins
EDGE_RULES = {  # rule: the reason it gives; in this order
    "headline": "headline",
    "byline": "byline",
    "contact": "byline",
}
TEASER = "teaser"  # not a rule: a link line, which a related-stories block is made of
APPEAL_TAIL_WORDS = 12  # short lines after an appeal that ends the text are its buttons
APPEAL_TAIL_LINES = 8
LABELLED_WORDS = 25  # a headline after its label ("Related: …"); a longer line is prose
EDGE_LINES = 3  # bylines, datelines and credits are looked for this far from either end
MAX_LINK_CHARS = 3000  # of HTML inside one <a>: images with long srcsets included
LINK_COVER = 0.8  # a line this much made of link texts is a link, not prose
MIN_TITLE_CHARS = 12  # a declared title that ends with a line this long is that line's title
TEASER_COVER = 0.3  # a line that opens with a link this long is a teaser for another story


@dataclass(frozen=True, slots=True)
class PageHints:
    """What the page says about itself, beside its text: its links' texts and its titles.

    `declared` holds the titles its head declares. Only a first line that repeats one of them is
    a headline: a page's only h1 may open the article when the page's title says something else.
    `links` are read from `page` when first asked: only a short line at the text's end asks,
    on 7 pages in 10, and reading them is about a third of the second pass's time.
    """

    page: str = field(default="", repr=False)
    declared: tuple[str, ...] = ()
    _links: list[frozenset[str]] = field(default_factory=list, compare=False, repr=False)

    @property
    def links(self) -> frozenset[str]:
        """The texts of the page's links of two words or more, normalized."""
        if not self._links:
            self._links.append(_page_links(self.page))
        return self._links[0]


def page_hints(page: str) -> PageHints:
    """The page's titles, normalized, and its links' texts when they are asked for."""
    return PageHints(page, tuple(_declared_titles(page)))


def _page_links(page: str) -> frozenset[str]:
    # Cleaned as the text's own lines are (unescaped, composed), so the two compare; `_normal`
    # keeps only words, so white space is not folded. A menu repeats its links in the header and
    # the footer: each is read once.
    unique = dict.fromkeys(_link_texts(page))
    texts = (_normal(clean_text_unfolded(_TAG.sub(" ", raw))) for raw in unique)
    return frozenset(t for t in texts if " " in t)


def _declared_titles(page: str) -> Iterator[str]:
    """The page's <title> and title meta tags, normalized; only its head is searched."""
    end = _HEAD_END.search(page)
    head = page[: end.start() if end else len(page)]
    raw = [m[1] for m in itertools.islice(_TITLE_TAG.finditer(head), 1)]
    # Each meta tag first, then the title test on those that name a title: one pattern for
    # both took two and a half times as long (heads may hold hundreds of tags).
    tags = (m[0] for m in _META.finditer(head) if "title" in m[0].lower())
    for tag in filter(_TITLE_META.match, tags):
        if content := _CONTENT.search(tag):
            raw.append(content[1] if content[1] is not None else content[2])
    for title in raw:
        if normal := _normal(clean_text(title)):
            yield normal


def _link_texts(page: str) -> Iterator[str]:
    """The raw inside of every <a> element (a regex over the whole page costs twice as much)."""
    for opening in _LINK_OPEN.finditer(page):
        start = page.find(">", opening.start())
        end = page.find("</a", start, start + MAX_LINK_CHARS)
        if end - start > 9:  # shorter is no headline; longer than MAX_LINK_CHARS, no link
            yield page[start + 1 : end]


def strip_boilerplate(
    lines: Sequence[str], hints: PageHints | None = None, rules: Collection[str] = RULES
) -> tuple[list[str], list[Removed]]:
    """Keep the article's paragraphs; return what was dropped with the reason for each.

    `rules` names the rules applied (all of `RULES` unless a benchmark tries fewer).
    """
    paragraphs = clean_lines(lines)
    matches = rule_matches(paragraphs, hints or PageHints(), rules)
    reasons = resolve_reasons(paragraphs, matches, rules)
    # The learned model's appeals, beside the rules' reasons (benchmarks/appeals.py weighs both).
    reasons = [r or a for r, a in zip(reasons, appeal_reasons(paragraphs), strict=True)]
    kept = [p for p, r in zip(paragraphs, reasons, strict=True) if r is None]
    removed = [(p, r) for p, r in zip(paragraphs, reasons, strict=True) if r is not None]
    return kept, removed


def clean_lines(lines: Sequence[str]) -> list[str]:
    """The text's paragraphs: table rows as cells, spaces tidied, empty lines gone."""
    rows = (table_line(line) for line in lines)
    return [p for p in (clean_text(r) for r in rows if r is not None) if p]


def rule_matches(
    paragraphs: Sequence[str], hints: PageHints, rules: Collection[str] = RULES
) -> list[set[str]]:
    """Each rule that matches each paragraph on its own, where the rule looks.

    Which rule wins and what the tails take is `resolve_reasons`'s: kept apart so a benchmark
    can match once and try many sets of rules.
    """
    found = [_line_rules(p, rules) for p in paragraphs]
    for i in _edge_indices(len(paragraphs)):
        found[i] |= _edge_rules(paragraphs[i], hints, rules, first=i == 0)
    i = len(paragraphs) - 1
    while "related links" in rules and i > 0:  # as far up as a related-stories block could go
        if _is_teaser(paragraphs[i], hints):
            found[i].add(TEASER)
        if not found[i]:
            break
        i -= 1
    return found


def resolve_reasons(
    paragraphs: Sequence[str], matches: Sequence[Collection[str]], rules: Collection[str] = RULES
) -> list[str | None]:
    """The reason each paragraph goes (None: it stays), from what it matched."""
    reasons = [_first(LINE_RULES, m, rules) for m in matches]
    if "appeal tail" in rules:
        _mark_appeal_tail(paragraphs, reasons)
    for i in _edge_indices(len(paragraphs)):
        rule = _first(EDGE_RULES, matches[i], rules) if reasons[i] is None else None
        reasons[i] = EDGE_RULES[rule] if rule else reasons[i]
    i = len(paragraphs) - 1
    # A run of link lines that ends the text is a related-stories block.
    while "related links" in rules and i > 0 and (reasons[i] or TEASER in matches[i]):
        reasons[i] = reasons[i] or "related links"
        i -= 1
    return reasons


def _first(order: Collection[str], matched: Collection[str], rules: Collection[str]) -> str | None:
    return next((r for r in order if r in matched and r in rules), None)


def _edge_indices(n: int) -> list[int]:
    """The first and the last EDGE_LINES paragraphs (a short text's lines count once)."""
    return [*range(min(EDGE_LINES, n)), *range(n - 1, max(EDGE_LINES - 1, n - 1 - EDGE_LINES), -1)]


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


def _line_rules(line: str, rules: Collection[str]) -> set[str]:
    words = len(line.split())
    low = line.lower()
    found = set()
    if words < 80 and "appeal" in rules and _APPEAL.search(low):
        found.add("appeal")
    if "furniture" in rules and (
        words <= 8 and _FURNITURE.match(line) or words <= LABELLED_WORDS and _LABELLED.match(line)
    ):
        found.add("furniture")
    if words <= 40 and "comments note" in rules and _comments_note(low):
        found.add("comments note")
    if words <= 20 and "photo credit" in rules and _is_credit(line, low):
        found.add("photo credit")
    return found


def _comments_note(low: str) -> bool:
    """`_COMMENTS_NOTE` found where a word starts, as a leading \\b would have it."""
    start = 0
    while found := _COMMENTS_NOTE.search(low, start):
        at = found.start()
        if at == 0 or not (low[at - 1].isalnum() or low[at - 1] == "_"):
            return True
        start = at + 1
    return False


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


def _mark_appeal_tail(paragraphs: Sequence[str], reasons: list[str | None]) -> None:
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


def _edge_rules(line: str, hints: PageHints, rules: Collection[str], *, first: bool) -> set[str]:
    words = len(line.split())
    found = set()
    if first and "headline" in rules and any(_declares(_normal(line), t) for t in hints.declared):
        found.add("headline")
    if words <= 12 and "byline" in rules and _is_byline(line):
        found.add("byline")
    if words <= 3 and "contact" in rules and _CONTACT.match(line.strip()):
        found.add("contact")
    return found


def _is_byline(line: str) -> bool:
    return not line.endswith((".", '"', "”")) and bool(_BYLINE.search(line))


def _same_title(line: str, title: str) -> bool:
    """The headline again, allowing the site-name suffix either of them may carry."""
    if not line or len(line) > 2 * len(title) + 20:
        return False
    return line == title or title.startswith(line) or line.startswith(title)


def _declares(line: str, title: str) -> bool:
    """The headline again, allowing the site name a declared title carries before or after it."""
    return _same_title(line, title) or (len(line) >= MIN_TITLE_CHARS and title.endswith(line))


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
