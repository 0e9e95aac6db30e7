"""The SQLite store: feed validators and health, and every article already extracted.

It is what lets a second run send conditional requests and process only what is new. The store
refuses a file that is not ours, or is newer than this version, rather than write over it.

The schema and opening checks live in `schema`; conversions between records and rows in `rows`;
`Store` gathers its methods by table: `feeds`, `articles`, `extraction`, `editions` (with
deliveries and the run log) and `stories`, each a mixin over `StoreBase`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import StoreError
from .articles import ArticleRecords
from .base import StoreBase
from .editions import EditionRecords
from .extraction import ExtractionRecords
from .feeds import FeedRecords
from .renders import RenderRecords
from .rows import ARTICLE_COLUMNS, EDITION_COLUMNS
from .schema import ADDED_COLUMNS, APPLICATION_ID, SCHEMA, SCHEMA_VERSION, _prepare
from .stories import StoryRecords

__all__ = [
    "ADDED_COLUMNS",
    "APPLICATION_ID",
    "ARTICLE_COLUMNS",
    "EDITION_COLUMNS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Store",
    "StoreBase",
    "open_store",
]


class Store(
    FeedRecords, ArticleRecords, ExtractionRecords, EditionRecords, StoryRecords, RenderRecords
):
    """One SQLite file; open with `open_store`, close when done (or use it as a context manager)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()


def open_store(path: Path) -> Store:
    """Open (or create) the store, refusing a file that is not a briefing store."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
        _prepare(connection, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"not a usable SQLite database ({exc})",
            path=path,
            hint="point 'database' in the config at a new file; this one was left untouched",
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot create the store: {exc.strerror}", path=path) from None
    return Store(connection, path)
