"""Extraction: each new entry's page becomes an Article, its boilerplate removed and explained.

articles.py     entries in, Articles out: downloads, fallbacks, learned site boilerplate
workers.py      extraction in worker processes under time and memory limits
page.py         one page: trafilatura on decoded text, metadata, then the second pass
boilerplate.py  the second pass: appeals, prompts, credits, bylines, link blocks
tables.py       data tables kept as rows of cells, layout tables read as ordinary text
saved.py        a saved page (plain or .gz) or a URL, for `briefing extract`
appeals.py      the learned appeal model, read from appeals-model.json.gz, in the second pass
accounting.py   every paragraph of a page left out of the text, and why (`--explain`)
"""

from .accounting import Dropped, account_page, format_dropped
from .articles import article_for_entry, extract_articles, site_of
from .boilerplate import PageHints, fingerprint, page_hints, strip_boilerplate
from .page import Extraction, extract_page
from .saved import explain_document, extract_document, extraction_record, read_saved_page
from .workers import Limits, PageJob, extract_pages

__all__ = [
    "Dropped",
    "Extraction",
    "Limits",
    "PageHints",
    "PageJob",
    "account_page",
    "article_for_entry",
    "explain_document",
    "extract_articles",
    "extract_document",
    "extract_page",
    "extract_pages",
    "extraction_record",
    "fingerprint",
    "format_dropped",
    "page_hints",
    "read_saved_page",
    "site_of",
    "strip_boilerplate",
]
