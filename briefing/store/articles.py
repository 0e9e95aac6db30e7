"""Every article already extracted: the `articles` table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from ..faults import checkpoint
from ..models import Article
from .base import StoreBase
from .rows import ARTICLE_COLUMNS, _article_from_row, _article_row, _utc


class ArticleRecords(StoreBase):
    """The articles already stored, so a run processes only what is new."""

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these article URLs are already stored."""
        return self._stored("url", urls)

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are already stored."""
        return self._stored("id", ids)

    def _stored(self, column: str, values: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(values))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT {column} FROM articles WHERE {column} IN ({marks})"
            found.update(row[0] for row in self._db.execute(query, chunk))
        return found

    def save_articles(self, articles: Sequence[Article], now: datetime) -> None:
        """Store new articles in one transaction; an id already stored is left as it was."""
        rows = [(*_article_row(a), now.isoformat()) for a in articles]
        marks = ", ".join("?" * (len(ARTICLE_COLUMNS.split(",")) + 1))  # and stored_at
        with self._transaction():
            self._db.executemany(
                f"INSERT OR IGNORE INTO articles ({ARTICLE_COLUMNS}, stored_at) VALUES ({marks})",
                rows,
            )
            checkpoint("storing")  # a kill here must roll the whole batch back

    def revise_articles(self, articles: Sequence[Article]) -> None:
        """Rewrite articles stored earlier in this run; each keeps when it was first stored."""
        assignments = ", ".join(f"{c} = ?" for c in ARTICLE_COLUMNS.split(", ")[1:])
        rows = [(*_article_row(a)[1:], a.id) for a in articles]
        with self._transaction():
            self._db.executemany(f"UPDATE articles SET {assignments} WHERE id = ?", rows)

    def articles_between(self, start: datetime, end: datetime) -> tuple[Article, ...]:
        """Stored articles published in [start, end), oldest first."""
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE published >= ? AND published < ? "
            "ORDER BY published, id",
            (_utc(start), _utc(end)),
        )
        return tuple(_article_from_row(row) for row in rows)

    def articles_since(
        self, start: datetime, end: datetime, collected_after: str
    ) -> tuple[Article, ...]:
        """Articles published in [start, end), plus older ones first stored after a moment."""
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE published < ? "
            "AND (published >= ? OR stored_at > ?) ORDER BY published, id",
            (_utc(end), _utc(start), collected_after),
        )
        return tuple(_article_from_row(row) for row in rows)
