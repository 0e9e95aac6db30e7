"""One page in, one Extraction out: trafilatura on decoded text, then the boilerplate pass.

trafilatura is given text we decoded, never bytes (it would decompress those without a limit).
Its settings are the ones that scored best on the benchmark: no comments, no tables, and no
fallback extractors (`fast`), which were both slower and less precise there.
`run_trafilatura` and `second_pass` are separate so the benchmark can time each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from trafilatura.settings import Document

from ..errors import ExtractError
from ..feeds import clean_text
from .boilerplate import Removed, page_hints, strip_boilerplate

TABLES = False  # tables' cells read as prose out of context; measured in benchmarks/extraction.py
_SEPARATOR = re.compile(r"\s+[|\-–—:·•»]+\s+")
_HTML_LANG = re.compile(r"(?i)<html\b[^>]*?\blang\s*=\s*[\"']?([a-z]{2,3}(?:[-_][a-z0-9]+)?)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TEXT_DATE = re.compile(
    r"(?i)\b((19|20)\d{2})-(\d{2})-(\d{2})\b"
    r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2}),? ((19|20)\d{2})\b"
    r"|\b(\d{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? ((19|20)\d{2})\b"
)


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


def extract_page(page: str, url: str) -> Extraction:
    """Extract the article of one HTML page given as text; raise ExtractError if there is none."""
    return second_pass(run_trafilatura(page, url), page, url)


def run_trafilatura(page: str, url: str) -> Document:
    """trafilatura's own extraction of the page, with the settings that scored best."""
    if not isinstance(page, str):
        raise TypeError("extraction takes decoded text, never bytes")
    document = trafilatura.bare_extraction(
        page, url=url, with_metadata=True, include_comments=False, include_tables=TABLES, fast=True
    )
    if not isinstance(document, Document) or not document.text:
        raise ExtractError("no article text found on the page", url=url)
    return document


def second_pass(document: Document, page: str, url: str) -> Extraction:
    """What trafilatura found, less the boilerplate it let through, as an Extraction."""
    raw_title = clean_text(document.title or "")
    site = clean_text(document.sitename or "")
    paragraphs, removed = strip_boilerplate(
        str(document.text).split("\n"), page_hints(page, raw_title)
    )
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
                return datetime(
                    int(g[6]), _MONTHS.index(g[4][:3].lower()) + 1, int(g[5]), tzinfo=UTC
                )
            return datetime(int(g[10]), _MONTHS.index(g[9][:3].lower()) + 1, int(g[8]), tzinfo=UTC)
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
