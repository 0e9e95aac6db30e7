"""One page in, one Extraction out: trafilatura on decoded text, then the boilerplate pass.

trafilatura is given text we decoded, never bytes (it would decompress those without a limit). The
options we pass (`OPTIONS`: hidden elements dropped, other posts' articles set inside the page's
dropped, links grouped inside a paragraph dropped, data tables kept, layout tables read as text,
fallback extractors on, comments off, an article split into chunks read whole) were chosen by
cross-validation over three evaluation sets (benchmarks/extraction.py, docs/measurements.md).
`run_trafilatura` and `second_pass` are separate so the benchmark can time each and try other
options and rules on the same pages.

The page is parsed once. Metadata is read from that tree with trafilatura's own readers, but only
the ones a briefing uses: its full metadata pass also searches the page for authors, categories,
tags and licences, and dates even when the feed has one, which cost a third of its time
(benchmarks/extraction.py). The date search runs only when the caller asks for it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

# find_date is htmldate's, taken as trafilatura itself takes it (not in its __all__).
from trafilatura.metadata import (  # type: ignore[attr-defined]
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    find_date,
)
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import is_dubious_html, repair_faulty_html

from ..errors import ExtractError
from ..text.clean import clean_text
from .boilerplate import LINK_COVER, RULES, Removed, page_hints, strip_boilerplate
from .chunks import join_missing_chunks
from .tables import unwrap_layout_tables

_SITE_IN_URL = re.compile(r"https?://(?:www\.|w[0-9]+\.)?([^/]+)")
_HIDDEN_STYLE = re.compile(r"(?i)display\s*:\s*none|visibility\s*:\s*hidden")
_NEVER_HIDDEN = ("html", "head", "body")  # a page that hides its body shows it by script
_MAYBE_HIDDEN = etree.XPath("//*[@hidden or @aria-hidden or @style]")  # in C: much faster
LINK_BOX_LINKS = 3  # links grouped inside a paragraph: a hover card, a "related" box
HIDDEN = "hidden by the page"  # the reasons `prepare` gives
LINK_BOX = "links grouped inside a paragraph"
OTHER_POST = "another post: its permalink is another page"
# A permalink (rel="bookmark") whose nearest <article> is set inside another <article>.
_NESTED_BOOKMARKS = etree.XPath(
    "//article//article//a[@href][contains(concat(' ',"
    " translate(normalize-space(@rel), 'BOKMAR', 'bokmar'), ' '), ' bookmark ')]"
)
_SELF_ADDRESSES = etree.XPath(
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href"
    "|//meta[@property='og:url']/@content"
)
_LINKED_PARAGRAPHS = etree.XPath(f"//p[count(.//a) >= {LINK_BOX_LINKS}]")  # in C: few have
# trafilatura's parser settings, with lxml's element classes chosen in C: lxml.html's own lookup
# is a Python call for every element Python touches, about 4% of the instructions of our
# trafilatura call on the ScrapingHub pages. Its form classes (unused by trafilatura) are lost.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
_SEPARATOR = re.compile(r"\s+[|\-–—:·•»]+\s+")
_HTML_LANG = re.compile(r"(?i)<html\b[^>]*?\blang\s*=\s*[\"']?([a-z]{2,3}(?:[-_][a-z0-9]+)?)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TEXT_DATE = re.compile(
    r"(?i)\b((19|20)\d{2})-(\d{2})-(\d{2})\b"
    r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2}),? ((19|20)\d{2})\b"
    r"|\b(\d{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? ((19|20)\d{2})\b"
)


@dataclass(frozen=True, slots=True)
class Options:
    """The trafilatura options we pass: each chosen by cross-validation (docs/measurements.md)."""

    tables: Literal["none", "all", "data"] = "data"  # "data": layout tables read as blocks
    precision: bool = False  # trafilatura's favor_precision
    recall: bool = False  # trafilatura's favor_recall
    fast: bool = False  # True: no fallback extractors (faster, but less recall)
    comments: bool = False
    hidden: bool = False  # False: what the page hides is dropped before anything reads it
    chunks: bool = True  # True: an article split into chunks is read whole (extract/chunks.py)
    link_boxes: bool = True  # True: links grouped inside a paragraph are dropped first
    other_posts: bool = True  # True: other posts' articles set inside the page's are dropped first


OPTIONS = Options()


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one page gave: the article's paragraphs and metadata, and what was removed."""

    title: str
    paragraphs: tuple[str, ...]
    published: datetime | None
    author: str
    site_name: str
    language: str
    image: str = ""
    removed: tuple[Removed, ...] = ()


def extract_page(page: str, url: str, with_date: bool = True) -> Extraction:
    """Extract the article of one HTML page given as text; raise ExtractError if there is none.

    `with_date=False` skips the search for the page's date, for a caller that has one already.
    """
    return second_pass(run_trafilatura(page, url, with_date), page, url)


def run_trafilatura(
    page: str, url: str, with_date: bool = True, options: Options = OPTIONS
) -> Document:
    """trafilatura's own extraction of the page, with the options that scored best."""
    if not isinstance(page, str):
        raise TypeError("extraction takes decoded text, never bytes")
    tree = parse_page(page)
    if tree is None:
        raise ExtractError("the page could not be read as HTML", url=url)
    prepare(tree, options, url)
    if options.tables == "data":
        unwrap_layout_tables(tree)
    # trafilatura works on a copy of the tree, so the metadata below reads it untouched.
    document = _bare_extraction(tree, url, options)
    if document is None:
        raise ExtractError("no article text found on the page", url=url)
    metadata = page_metadata(tree, url, with_date)
    if options.chunks and join_missing_chunks(tree, str(document.text)):
        again = _bare_extraction(tree, url, options)
        if again is not None and len(str(again.text)) > len(str(document.text)):
            document = again
    for name in ("title", "author", "sitename", "image", "date"):
        setattr(document, name, getattr(metadata, name))
    return document


def prepare(
    tree: HtmlElement, options: Options = OPTIONS, url: str = ""
) -> list[tuple[HtmlElement, str]]:
    """Remove, in place, what goes before trafilatura reads the page; return each with why."""
    gone: list[tuple[HtmlElement, str]] = []
    for on, find, reason in (
        (not options.hidden, hidden_elements, HIDDEN),  # the others are read after these went
        (options.other_posts, lambda t: other_posts(t, url), OTHER_POST),
        (options.link_boxes, link_boxes, LINK_BOX),
    ):
        found = find(tree) if on else []
        _drop(found)
        gone += [(e, reason) for e in found]
    return gone


def _bare_extraction(tree: HtmlElement, url: str, options: Options) -> Document | None:
    """trafilatura's text of the tree, or None if it found none."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_tables=options.tables != "none",
        favor_precision=options.precision,
        favor_recall=options.recall,
        fast=options.fast,
        include_comments=options.comments,
    )
    return document if isinstance(document, Document) and document.text else None


def parse_page(page: str) -> HtmlElement | None:
    """The page's tree as trafilatura's `load_html` reads decoded text, or None if it is not HTML.

    The same repairs and the same test of what is HTML at all, on the parser above.
    """
    beginning = page[:50].lower()
    page = repair_faulty_html(page, beginning)
    try:
        tree = lxml.html.fromstring(page, parser=_PARSER)
    except (ValueError, etree.LxmlError):  # ValueError: a str that declares its encoding
        tree = None
    if tree is None or len(tree) < 1:  # as trafilatura does: the bytes may read better
        tree = _parse_bytes(page)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _parse_bytes(page: str) -> HtmlElement | None:
    try:
        return lxml.html.fromstring(page.encode("utf8", "surrogatepass"), parser=_PARSER)
    except (ValueError, etree.LxmlError):
        return None


def drop_hidden(tree: HtmlElement) -> int:
    """Remove, in place, what the page hides from its readers; return how many elements went."""
    return _drop(hidden_elements(tree))


def hidden_elements(tree: HtmlElement) -> list[HtmlElement]:
    """The outermost elements the page hides from its readers, which `drop_hidden` removes.

    trafilatura's own extractor skips hidden elements, but its fallbacks do not, and a hidden copy
    of the text, a page's data or a list of other stories then passes for the article. The test
    is Readability's (`_isProbablyVisible`). Like trafilatura's own pruning, nothing goes when
    that would leave a seventh of the text or less: such a page hides its body until a script
    shows it (a dialog open over it when it was saved).
    """
    return _leaving_enough(tree, _outermost([e for e in _MAYBE_HIDDEN(tree) if _is_hidden(e)]))


def other_posts(tree: HtmlElement, url: str) -> list[HtmlElement]:
    """Articles set inside another whose permalink is another page: other posts' teasers.

    HTML makes an `<article>` inside another a piece related to it (a comment, a related post),
    and a `rel="bookmark"` link the permalink of its nearest `<article>`. One whose permalinks all
    name a single page that is not this one (by the page's URL, canonical link or og:url) is
    another post, shown here as a teaser; trafilatura may read a row of them as the text. Only
    nested ones: many sites set their related posts' permalinks inside the page's own article,
    which would then seem to be another post too. Nothing goes when that would leave a seventh
    of the text or less, as with hidden elements: such a page is a listing of posts.
    """
    permalinks: dict[HtmlElement, set[str]] = {}
    for link in _NESTED_BOOKMARKS(tree):
        article = next(link.iterancestors("article"))
        permalinks.setdefault(article, set()).add(_address(link.get("href", ""), url))
    if not permalinks:  # most pages: their own addresses need not be read
        return []
    own = {_address(u, url) for u in [url, *_SELF_ADDRESSES(tree)]} - {""}
    if not own:  # where the page is not known, no permalink can be told to be another's
        return []
    # One page named, and neither this one nor "" (an address that names no web page).
    others = [a for a, found in permalinks.items() if len(found) == 1 and not found & {"", *own}]
    return _leaving_enough(tree, _outermost(others))


def _address(href: str, base: str) -> str:
    """The page a link names: host without "www." and path without its final "/".

    "" when it names no web page: a malformed address ("http://["), a script, a mail address.
    """
    try:
        parts = urlsplit(urljoin(base, href.strip()))
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https", ""):
        return ""
    return parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    inside = set(elements)
    return [e for e in elements if not any(a in inside for a in e.iterancestors())]


def _leaving_enough(tree: HtmlElement, elements: list[HtmlElement]) -> list[HtmlElement]:
    """The elements, or none when removing them would leave a seventh of the text or less."""
    if not elements:
        return []
    total = _text_length(tree)
    return [] if total - sum(_text_length(e) for e in elements) <= total / 7 else elements


def _drop(elements: list[HtmlElement]) -> int:
    for element in elements:
        element.drop_tree()  # its tail, the text after it, stays
    return len(elements)


def drop_link_boxes(tree: HtmlElement) -> int:
    """Remove, in place, each group of links set inside a paragraph; return how many went."""
    return _drop(link_boxes(tree))


def link_boxes(tree: HtmlElement) -> list[HtmlElement]:
    """The groups of links set inside a paragraph, which `drop_link_boxes` removes.

    A sentence does not hold a list of links. An element inside a `<p>` whose text is mostly
    (`LINK_COVER`) the texts of three or more links is a hover card (a name in the sentence that
    opens onto links to other stories) or a "related" box set inside the paragraph; trafilatura
    reads it as part of the sentence. The innermost such element goes, so the card's own first
    link, the name the sentence reads, stays, and so does the rest of the sentence after it.
    """
    boxes: list[HtmlElement] = []
    for paragraph in _LINKED_PARAGRAPHS(tree):
        for child in paragraph:
            _walk(child, boxes)
    return list(dict.fromkeys(boxes))  # a paragraph inside another is walked twice


def _walk(element: HtmlElement, boxes: list[HtmlElement]) -> tuple[int, int, int, bool]:
    """Characters (spaces aside), of them in links, links, and whether a box lies inside.

    Summed from the leaves up, once for each element: a page's text read again at every level
    of a deep nesting would cost its length times its depth. Boxes found are appended.
    """
    if not isinstance(element.tag, str):
        return 0, 0, 0, False
    chars, linked, links, inside = _chars(element.text), 0, 0, False
    for child in element:
        child_chars, child_linked, child_links, child_inside = _walk(child, boxes)
        chars += child_chars + _chars(child.tail)
        linked += child_linked
        links += child_links
        inside = inside or child_inside
    if element.tag == "a":
        return chars, chars, links + 1, inside
    if not inside and links >= LINK_BOX_LINKS and chars and linked >= LINK_COVER * chars:
        boxes.append(element)
        inside = True
    return chars, linked, links, inside


def _chars(text: str | None) -> int:
    return sum(map(len, text.split())) if text else 0


def _text_length(element: HtmlElement) -> int:
    """The length of the element's text, its scripts and styles left out."""
    scripts = sum(len(e.text or "") for e in element.iter("script", "style"))
    return len(element.text_content()) - scripts


def _is_hidden(element: HtmlElement) -> bool:
    if element.tag in _NEVER_HIDDEN:
        return False
    if "hidden" in element.attrib or _HIDDEN_STYLE.search(element.get("style", "")):
        return True
    return element.get("aria-hidden") == "true" and "fallback-image" not in element.get("class", "")


def page_metadata(tree: HtmlElement, url: str, with_date: bool = True) -> Document:
    """Title, author, site, image and (if asked) date, as trafilatura's metadata pass reads them.

    The same readers in the same order (meta tags, then JSON-LD, then the page's own title),
    without the author, category, tag and licence searches nothing here shows.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single word is a handle or a desk, not a person
    with contextlib.suppress(Exception):  # trafilatura's JSON-LD reader fails on bad blocks
        metadata = extract_meta_json(tree, metadata)
    metadata.title = metadata.title or extract_title(tree)
    metadata.sitename = _site_name(metadata.sitename or extract_sitename(tree), url)
    if with_date:
        metadata.date = find_date(tree, **{**set_date_params(True), "url": url})
    metadata.clean_and_trim()
    return metadata


def _site_name(name: str | None, url: str) -> str | None:
    """trafilatura's clean-up: no Twitter "@", a capital letter, else the URL's host."""
    if name:
        name = name.lstrip("@")
        if name and "." not in name and not name[0].isupper():
            name = name.title()
        return name
    match = _SITE_IN_URL.match(url or "")
    return match[1] if match else None


def second_pass(
    document: Document, page: str, url: str, rules: Collection[str] = RULES
) -> Extraction:
    """What trafilatura found, less the boilerplate it let through, as an Extraction."""
    raw_title = clean_text(document.title or "")
    site = clean_text(document.sitename or "")
    paragraphs, removed = strip_boilerplate(str(document.text).split("\n"), page_hints(page), rules)
    if not paragraphs:
        raise ExtractError("only boilerplate found on the page", url=url)
    return Extraction(
        title=clean_title(raw_title, site, url),
        paragraphs=tuple(paragraphs),
        published=_page_date(document.date) or date_in_text(r[0] for r in removed[:4]),
        author=clean_text(document.author or ""),
        site_name=site,
        language=document.language or _html_language(page),
        image=document.image or "",
        removed=tuple(removed),
    )


def clean_title(title: str, site: str, url: str) -> str:
    """The headline without the site name a page appends (" | Reuters", " - BBC News")."""
    names = {_squash(site), _squash(_host(url))} - {""}
    while separators := list(_SEPARATOR.finditer(title)):
        tail = _squash(title[separators[-1].end() :])
        if len(tail) < 3 or not any(n in tail or tail in n for n in names):
            break
        title = title[: separators[-1].start()].strip()
    return title


def date_in_text(lines: object) -> datetime | None:
    """The first date written in these lines (a dateline, a byline), as midnight UTC."""
    for line in lines:  # type: ignore[attr-defined]
        match = _TEXT_DATE.search(str(line))
        if not match:
            continue
        g = match.groups()
        try:
            if g[0]:
                return datetime(int(g[0]), int(g[2]), int(g[3]), tzinfo=UTC)
            if g[4]:
                return datetime(int(g[6]), _month(g[4]), int(g[5]), tzinfo=UTC)
            return datetime(int(g[10]), _month(g[9]), int(g[8]), tzinfo=UTC)
        except ValueError:
            continue
    return None


def _month(name: str) -> int:
    return _MONTHS.index(name[:3].lower()) + 1


def _page_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _html_language(page: str) -> str:
    match = _HTML_LANG.search(page[:5000])
    return match.group(1).lower().replace("_", "-") if match else ""


def _host(url: str) -> str:
    host = url.split("//", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.").rsplit(".", 1)[0]


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())
