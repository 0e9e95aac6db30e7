"""What a run made already, by what it was made of: editions rendered and stories summarized.

A rerun with nothing new does not make the same edition again: the files written are it. The key
of an edition is what it holds: the settings, the articles in it (each whole: a page read again
may change under its id), the past stories it is linked to, the failures it lists, the templates
and this version; not the window's bounds. A user's run takes the clock's time, so its window
moves by the seconds between two runs: keyed on the bounds, no rerun would ever find its
edition. When a run arrives at the key of the edition last written to the same place (one file
stem a day), and every file is still there as written, clustering, summaries and rendering are
skipped. An article added or dropped by the moving window, a setting or a template changed, a
file deleted or edited: the edition is made and rendered anew.

The check lives here, below the stages that make an edition, so that a run which reuses its
edition never loads them (`pipeline.py`).

Summaries are kept the same way, a story at a time (`compose/kept.py` makes the key): a story
whose articles, texts, headline and budget are unchanged keeps the summary it was given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import __version__
from ..config import Config
from ..models import Article, Briefing, Failure, PastStory, RunStats, Sentence
from .base import StoreBase
from .codec import from_json, to_json

KEEP_SUMMARIES = timedelta(days=30)  # a story unseen this long is not coming back as it was


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

    def kept_summaries(self, keys: Iterable[str]) -> dict[str, tuple[Sentence, ...]]:
        """The summaries kept under these keys (those found)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, tuple[Sentence, ...]] = {}
        for start in range(0, len(wanted), 500):  # SQLite's limit on one query's parameters
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for key, text in self._db.execute(
                f"SELECT key, summary FROM kept_summaries WHERE key IN ({marks})", chunk
            ):
                found[key] = tuple(Sentence(*fields) for fields in json.loads(text))
        return found

    def keep_summaries(
        self, summaries: Mapping[str, Sequence[Sentence]], used: Iterable[str] = ()
    ) -> None:
        """Keep new summaries, mark the `used` ones as seen now, and forget the long unseen."""
        now = _now()
        rows = [
            (key, json.dumps([[s.text, s.article_id, s.source, s.url] for s in summary]), now, now)
            for key, summary in summaries.items()
        ]
        cutoff = (datetime.now(UTC) - KEEP_SUMMARIES).isoformat()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO kept_summaries (key, summary, made_at, used_at) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
            self._db.executemany(
                "UPDATE kept_summaries SET used_at = ? WHERE key = ?", [(now, k) for k in used]
            )
            self._db.execute("DELETE FROM kept_summaries WHERE used_at < ?", (cutoff,))


@dataclass(frozen=True, slots=True)
class Reused:
    """The edition already on disk: its record and its files."""

    briefing: Briefing
    outputs: tuple[Path, ...]
    archive: tuple[Path, ...]


def edition_key(
    config: Config,
    articles: Sequence[Article],
    previous: Sequence[PastStory],
    failures: Sequence[Failure],
    templates: Iterable[Path],
) -> str:
    """A digest of everything the edition holds, whatever the window's bounds."""
    digest = hashlib.sha256(f"{__version__}|{config!r}".encode())
    for article in articles:  # an article read again may have changed under its id
        digest.update(f"a|{article!r}".encode())
    for past in previous:
        digest.update(f"p|{past.id}|{past.edition}|{[a.id for a in past.articles]}".encode())
    for failure in failures:
        digest.update(f"f|{failure!r}".encode())
    for folder in templates:
        for template in sorted(p for p in folder.iterdir() if p.is_file()):
            stat = template.stat()
            digest.update(f"t|{template}|{stat.st_mtime_ns}|{stat.st_size}".encode())
    return digest.hexdigest()


def reused_edition(store: RenderRecords, place: Path, key: str) -> Reused | None:
    """The edition written at `place` from the same inputs, if its files are intact."""
    found = store.rendered(str(place), key)
    if found is None:
        return None
    briefing, digests = found
    files = [Path(name) for name in digests]
    if not all(p.is_file() and _digest(p) == digests[str(p)] for p in files):
        return None
    outputs = tuple(p for p in files if p.stem == place.name)
    return Reused(briefing, outputs, tuple(p for p in files if p.stem != place.name))


def remember_edition(
    store: RenderRecords, place: Path, key: str, briefing: Briefing, files: Iterable[Path]
) -> None:
    """Record the edition just written at `place` and the digest of each of its files."""
    store.save_rendered(str(place), key, briefing, {str(p): _digest(p) for p in files})


def rerun_stats(kept: RunStats, now: RunStats) -> RunStats:
    """The kept edition's figures, with this run's own counts of what it fetched and read."""
    mine = {
        *("feeds", "feeds_failed", "feeds_unchanged", "articles_new", "fallbacks"),
        *("items_before_window", "newest_before_window"),
    }
    return replace(kept, **{f.name: getattr(now, f.name) for f in fields(now) if f.name in mine})


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()
