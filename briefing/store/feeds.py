"""Feed validators, health and fetch schedule: the `feeds` table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..models import FeedHealth, FeedResult
from .base import StoreBase
from .rows import _health_from_row, _utc


class FeedRecords(StoreBase):
    """Each feed's conditional-request validators and health."""

    def validators(self, url: str, since: datetime | None = None) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified stored for a feed, for a conditional request.

        With `since`, the start of the window a run takes items from: none, when the stored
        ones were saved by a read that took no items or only items from after `since` (a 304
        would hide the items this run wants: an edition of an earlier day, a wider window).
        """
        row = self._db.execute(
            "SELECT etag, last_modified, read_since FROM feeds WHERE url = ?", (url,)
        ).fetchone()
        if row is None or (since is not None and (row[2] is None or row[2] > _utc(since))):
            return None, None
        return row[0], row[1]

    def save_feed_results(
        self, results: Sequence[FeedResult], now: datetime, read_since: datetime | None = None
    ) -> None:
        """Record each feed's validators and health; a failure keeps the old validators.

        `read_since`: the window start whose items the run took from the feeds it read (None:
        it took none, as `feeds check --fetch`); a 304 keeps what the last full read recorded.
        """
        since = _utc(read_since) if read_since else None
        with self._transaction():
            for result in results:
                self._save_feed_result(result, now.isoformat())
                if result.ok and not result.not_modified:
                    self._db.execute(
                        "UPDATE feeds SET read_since = ? WHERE url = ?", (since, result.source.url)
                    )

    def _save_feed_result(self, result: FeedResult, now: str) -> None:
        url, name = result.source.url, result.source.name
        if result.ok:
            self._db.execute(
                """INSERT INTO feeds (url, name, etag, last_modified, last_status, last_error,
                       last_success, failures, checked_at)
                   VALUES (?, ?, ?, ?, ?, NULL, ?, 0, ?)
                   ON CONFLICT (url) DO UPDATE SET name = excluded.name, etag = excluded.etag,
                       last_modified = excluded.last_modified, last_status = excluded.last_status,
                       last_error = NULL, last_success = excluded.last_success, failures = 0,
                       checked_at = excluded.checked_at""",
                (url, name, result.etag, result.last_modified, result.http_status, now, now),
            )
            return
        self._db.execute(
            """INSERT INTO feeds (url, name, last_status, last_error, failures, checked_at)
               VALUES (?, ?, ?, ?, 1, ?)
               ON CONFLICT (url) DO UPDATE SET name = excluded.name,
                   last_status = excluded.last_status, last_error = excluded.last_error,
                   failures = feeds.failures + 1, checked_at = excluded.checked_at""",
            (url, name, result.http_status, result.error, now),
        )

    def feed_health(self) -> list[tuple[str, str, int, str | None, str | None]]:
        """(name, url, consecutive failures, last error, last success) for every feed seen."""
        rows = self._db.execute(
            "SELECT name, url, failures, last_error, last_success FROM feeds ORDER BY name"
        )
        return [tuple(row) for row in rows]

    def save_feed_schedule(self, results: Sequence[FeedResult]) -> None:
        """Record when each fetched feed may be asked again, and how many entries it gave."""
        with self._transaction():
            for r in results:
                if r.skipped:
                    continue
                entries = len(r.entries) if r.ok and not r.not_modified else None
                self._db.execute(
                    "UPDATE feeds SET next_fetch = ?, entries = coalesce(?, entries) WHERE url = ?",
                    (_utc(r.next_fetch) if r.next_fetch else None, entries, r.source.url),
                )

    def feed_states(self) -> dict[str, FeedHealth]:
        """What is known of every feed ever fetched, by URL."""
        rows = self._db.execute(
            "SELECT url, name, last_status, last_error, last_success, failures, entries, "
            "next_fetch, checked_at FROM feeds"
        )
        return {row[0]: _health_from_row(row) for row in rows}
