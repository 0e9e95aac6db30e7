"""Editions already rendered, by what they were made of: the `rendered_editions` table."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ..models import Briefing
from .base import StoreBase
from .codec import from_json, to_json


class RenderRecords(StoreBase):
    """Per output place (folder and file stem): the inputs of the edition last written there."""

    def save_rendered(
        self, place: str, inputs: str, briefing: Briefing, files: dict[str, str]
    ) -> None:
        """Remember the edition written at `place`, its inputs' key and each file's digest."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO rendered_editions (place, inputs, briefing, outputs, "
                "saved_at) VALUES (?, ?, ?, ?, ?)",
                (place, inputs, to_json(briefing), json.dumps(files), _now()),
            )

    def rendered(self, place: str, inputs: str) -> tuple[Briefing, dict[str, str]] | None:
        """The edition written at `place` from these inputs, and its files' digests; else None."""
        row = self._db.execute(
            "SELECT briefing, outputs FROM rendered_editions WHERE place = ? AND inputs = ?",
            (place, inputs),
        ).fetchone()
        if row is None:
            return None
        try:
            return from_json(row[0], Briefing), json.loads(row[1])
        except (ValueError, TypeError, KeyError):  # written by another version: render again
            return None


def _now() -> str:
    return datetime.now(UTC).isoformat()
