"""Extraction health and learned boilerplate: `extraction_health` and `site_paragraphs`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ..models import ExtractionHealth
from .base import StoreBase
from .rows import _utc


class ExtractionRecords(StoreBase):
    """How extraction went per feed, and the paragraphs each site repeats on every page."""

    def site_paragraph_counts(self, site: str, fingerprints: Sequence[str]) -> dict[str, int]:
        """In how many stored articles of a site each of these paragraph fingerprints occurs."""
        counts: dict[str, int] = {}
        for start in range(0, len(fingerprints), 500):  # stay under SQLite's variable limit
            chunk = list(fingerprints[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT fingerprint, articles FROM site_paragraphs "
                f"WHERE site = ? AND fingerprint IN ({marks})",
                (site, *chunk),
            )
            counts.update((row[0], row[1]) for row in rows)
        return counts

    def learn_site_paragraphs(self, site: str, articles: Sequence[Sequence[str]]) -> None:
        """Count each article's paragraph fingerprints once; forget one-offs after 30 days."""
        now = datetime.now(UTC)
        rows = [(site, fp, _utc(now)) for prints in articles for fp in set(prints)]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO site_paragraphs (site, fingerprint, articles, last_seen) "
                "VALUES (?, ?, 1, ?) ON CONFLICT (site, fingerprint) DO UPDATE SET "
                "articles = articles + 1, last_seen = excluded.last_seen",
                rows,
            )
            self._db.execute(
                "DELETE FROM site_paragraphs WHERE articles = 1 AND last_seen < ?",
                (_utc(now - timedelta(days=30)),),
            )

    def record_extraction(self, outcomes: Sequence[tuple[str, bool, bool, str]]) -> None:
        """Add (feed, fell back to feed text, failed, reason) outcomes to each feed's health."""
        now = _utc(datetime.now(UTC))
        with self._transaction():
            self._db.executemany(
                "INSERT INTO extraction_health (feed, articles, fallbacks, failures, last_reason,"
                " updated_at) VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT (feed) DO UPDATE SET "
                "articles = articles + 1, fallbacks = fallbacks + excluded.fallbacks, "
                "failures = failures + excluded.failures, last_reason = CASE "
                "WHEN excluded.last_reason = '' THEN last_reason ELSE excluded.last_reason END, "
                "updated_at = excluded.updated_at",
                [(feed, int(back), int(failed), why, now) for feed, back, failed, why in outcomes],
            )

    def extraction_health(self) -> dict[str, ExtractionHealth]:
        """How often each feed's articles fell back to the feed's text or failed, by feed name."""
        rows = self._db.execute(
            "SELECT feed, articles, fallbacks, failures, last_reason FROM extraction_health"
        )
        return {row[0]: ExtractionHealth(*row) for row in rows}
