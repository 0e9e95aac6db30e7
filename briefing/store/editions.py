"""Rendered editions, their deliveries and the scheduler's run log."""

from __future__ import annotations

from datetime import date, datetime

from ..models import Delivery, StoredEdition
from .base import StoreBase
from .rows import EDITION_COLUMNS, _edition_from_row, _utc


class EditionRecords(StoreBase):
    """Each day's edition, every recipient's delivery of it, and each scheduler event."""

    def save_edition(self, edition: StoredEdition, now: datetime) -> None:
        """Keep a rendered edition; one already done stays done."""
        with self._transaction():
            self._db.execute(
                """INSERT INTO editions (day, window_start, window_end, subject, html, text,
                       pdf_path, status, rendered_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'rendered', ?)
                   ON CONFLICT (day) DO UPDATE SET window_start = excluded.window_start,
                       window_end = excluded.window_end, subject = excluded.subject,
                       html = excluded.html, text = excluded.text, pdf_path = excluded.pdf_path,
                       rendered_at = excluded.rendered_at""",
                (
                    edition.day.isoformat(),
                    _utc(edition.window_start),
                    _utc(edition.window_end),
                    edition.subject,
                    edition.html,
                    edition.text,
                    edition.pdf_path,
                    now.isoformat(),
                ),
            )

    def edition(self, day: date) -> StoredEdition | None:
        """The stored edition of a day, if one was rendered."""
        row = self._db.execute(
            f"SELECT {EDITION_COLUMNS} FROM editions WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return _edition_from_row(row) if row else None

    def previous_edition(self, day: date) -> tuple[StoredEdition, str] | None:
        """The latest edition before `day`, and when it was rendered."""
        row = self._db.execute(
            f"SELECT {EDITION_COLUMNS}, rendered_at FROM editions WHERE day < ? "
            "ORDER BY day DESC LIMIT 1",
            (day.isoformat(),),
        ).fetchone()
        return (_edition_from_row(row[:8]), row[8]) if row else None

    def mark_edition_done(self, day: date, now: datetime) -> None:
        """Record that the day's edition is made and every recipient has an outcome."""
        with self._transaction():
            self._db.execute(
                "UPDATE editions SET status = 'done', done_at = ? WHERE day = ?",
                (now.isoformat(), day.isoformat()),
            )

    def edition_done(self, day: date) -> bool:
        """Whether the day's edition is done: the scheduler's one truth of 'done today'."""
        row = self._db.execute(
            "SELECT 1 FROM editions WHERE day = ? AND status = 'done'", (day.isoformat(),)
        ).fetchone()
        return row is not None

    def deliveries(self, day: date) -> dict[str, Delivery]:
        """Every recipient's delivery of a day's edition, by address."""
        rows = self._db.execute(
            "SELECT day, recipient, message_id, status, detail, attempts FROM deliveries "
            "WHERE day = ?",
            (day.isoformat(),),
        )
        return {
            r[1]: Delivery(date.fromisoformat(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows
        }

    def save_delivery(self, delivery: Delivery, now: datetime) -> None:
        """Record a recipient's delivery state, committed before the next SMTP step."""
        with self._transaction():
            self._db.execute(
                """INSERT INTO deliveries (day, recipient, message_id, status, detail, attempts,
                       updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (day, recipient) DO UPDATE SET message_id = excluded.message_id,
                       status = excluded.status, detail = excluded.detail,
                       attempts = excluded.attempts, updated_at = excluded.updated_at""",
                (
                    delivery.day.isoformat(),
                    delivery.recipient,
                    delivery.message_id,
                    delivery.status,
                    delivery.detail,
                    delivery.attempts,
                    now.isoformat(),
                ),
            )

    def log_run(self, now: datetime, day: date | None, event: str, reason: str) -> None:
        """Keep a scheduler event (ran, missed, failed, stopped) with its reason."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO runs (at, day, event, reason) VALUES (?, ?, ?, ?)",
                (now.isoformat(), day.isoformat() if day else None, event, reason),
            )

    def run_log(self) -> list[tuple[str, str | None, str, str]]:
        """(at, day, event, reason) of every scheduler event, oldest first."""
        rows = self._db.execute("SELECT at, day, event, reason FROM runs ORDER BY id")
        return [tuple(row) for row in rows]
