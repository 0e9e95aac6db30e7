"""Extraction: each new entry's page becomes an Article, its boilerplate removed and explained.

articles.py     entries in, Articles out: downloads, fallbacks, learned site boilerplate
workers.py      extraction in worker processes under time and memory limits
page.py         one page: trafilatura on decoded text, metadata, then the second pass
boilerplate.py  the second pass: appeals, prompts, credits, bylines, link blocks
saved.py        a saved page (plain or .gz) or a URL, for `briefing extract`
"""

from .articles import article_for_entry, extract_articles, site_of
from .boilerplate import PageHints, fingerprint, page_hints, strip_boilerplate
from .page import Extraction, extract_page
from .saved import extract_document, extraction_record, read_saved_page
from .workers import Limits, PageJob, extract_pages

__all__ = [
    "Extraction",
    "Limits",
    "PageHints",
    "PageJob",
    "article_for_entry",
    "extract_articles",
    "extract_document",
    "extract_page",
    "extract_pages",
    "extraction_record",
    "fingerprint",
    "page_hints",
    "read_saved_page",
    "site_of",
    "strip_boilerplate",
]
