"""Articles dated when read, moved inside the edition being made.

Extraction dates an undated item when it reads it (`articles.py`). The window of an edition made
now is fixed as the run begins, so such an item would fall after it: it is moved back inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ..models import Article
from .articles import ExtractionStore

# An edition ending at most this long before its run began is made now: the scheduler fixes
# the end a moment before the run starts. One ending earlier is a past day's.
EDITION_OF_NOW = timedelta(minutes=5)


def dated_when_read(
    store: ExtractionStore, articles: Sequence[Article], began: datetime, end: datetime
) -> tuple[Article, ...]:
    """The articles, those dated during this run (undated items, dated when read) moved inside
    the window of an edition made now, in the store too.

    The window's end is fixed as the run begins, and an undated item is dated later, when it is
    read: it would miss this edition and be shown by the next. Dated at the window's last whole
    second (the store keeps seconds), it is in this edition only. An edition of a past day
    keeps them out: they were read after it. A kill before this leaves them one edition late.
    """
    if began - end > EDITION_OF_NOW:
        return tuple(articles)
    read = min(began, end.replace(microsecond=0) - timedelta(seconds=1)).astimezone(UTC)
    late = {a.id: replace(a, published=read) for a in articles if a.published >= began}
    if late:
        store.revise_articles(tuple(late.values()))
    return tuple(late.get(a.id, a) for a in articles)
