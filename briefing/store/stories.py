"""The stories each edition showed, so a returning story is recognised."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from ..models import PastStory, Story
from .base import StoreBase
from .rows import ARTICLE_COLUMNS, _article_from_row


class StoryRecords(StoreBase):
    """The `stories` and `story_articles` tables."""

    def save_stories(self, edition: date, stories: Sequence[Story]) -> None:
        """Record the stories an edition showed, each with every report it has had so far.

        Saving an edition again replaces what was saved for it, so a rerun is idempotent.
        """
        day = edition.isoformat()
        with self._transaction():
            self._db.execute("DELETE FROM stories WHERE edition = ?", (day,))
            self._db.execute("DELETE FROM story_articles WHERE edition = ?", (day,))
            for story in stories:
                self._save_story(day, story)

    def _save_story(self, day: str, story: Story) -> None:
        earlier = self._db.execute(
            "SELECT article FROM story_articles WHERE story = ? AND edition = "
            "(SELECT max(edition) FROM stories WHERE id = ? AND edition < ?)",
            (story.id, story.id, day),
        )
        new = set(story.new_article_ids)
        ids = {row[0]: 0 for row in earlier} | {a.id: int(a.id in new) for a in story.articles}
        self._db.execute(
            "INSERT INTO stories (id, edition, headline, status) VALUES (?, ?, ?, ?)",
            (story.id, day, story.headline, story.status),
        )
        self._db.executemany(
            "INSERT INTO story_articles (story, edition, article, new) VALUES (?, ?, ?, ?)",
            [(story.id, day, aid, flag) for aid, flag in sorted(ids.items())],
        )

    def recent_stories(self, before: date, days: int) -> tuple[PastStory, ...]:
        """Stories shown in the `days` before an edition, each as its latest edition left it."""
        rows = self._db.execute(
            "SELECT s.id, s.headline, s.edition FROM stories s WHERE s.edition >= ? "
            "AND s.edition = (SELECT max(edition) FROM stories t WHERE t.id = s.id "
            "AND t.edition < ?) ORDER BY s.edition, s.id",
            ((before - timedelta(days=days)).isoformat(), before.isoformat()),
        ).fetchall()
        columns = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
        past = []
        for id_, headline, day in rows:
            found = self._db.execute(
                f"SELECT {columns} FROM story_articles sa JOIN articles a ON a.id = sa.article "
                "WHERE sa.story = ? AND sa.edition = ? ORDER BY a.published, a.id",
                (id_, day),
            )
            articles = tuple(_article_from_row(row) for row in found)
            past.append(PastStory(id_, headline, date.fromisoformat(day), articles))
        return tuple(p for p in past if p.articles)
