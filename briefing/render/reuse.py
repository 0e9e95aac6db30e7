"""A rerun with nothing new does not make the same edition again: the files written are it.

The key of an edition is everything it is made of: the settings, the window, the articles in
it, the past stories it is linked to, the failures it lists, the templates and this version. When
a run arrives at the key of the edition last written to the same place, and every file is still
there as written, clustering, summaries and rendering are skipped (a warm run with every feed
answering 304 costs its requests and a few queries). Anything different renders anew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path

from .. import __version__
from ..config import Config
from ..models import Article, Briefing, Failure, PastStory, RunStats
from ..store import Store
from . import TEMPLATE_DIR


@dataclass(frozen=True, slots=True)
class Reused:
    """The edition already on disk: its record and its files."""

    briefing: Briefing
    outputs: tuple[Path, ...]
    archive: tuple[Path, ...]


def edition_key(
    config: Config,
    window: tuple[datetime, datetime],
    articles: Sequence[Article],
    previous: Sequence[PastStory],
    failures: Sequence[Failure],
) -> str:
    """A digest of everything the edition is made of."""
    digest = hashlib.sha256(f"{__version__}|{config!r}|{window}".encode())
    for article in articles:  # a stored article never changes: its id stands for it
        digest.update(f"a|{article.id}".encode())
    for past in previous:
        digest.update(f"p|{past.id}|{past.edition}|{[a.id for a in past.articles]}".encode())
    for failure in failures:
        digest.update(f"f|{failure!r}".encode())
    for template in _templates(config.template_dir):
        stat = template.stat()
        digest.update(f"t|{template}|{stat.st_mtime_ns}|{stat.st_size}".encode())
    return digest.hexdigest()


def _templates(template_dir: Path | None) -> list[Path]:
    folders = [TEMPLATE_DIR, *([template_dir] if template_dir else [])]
    return sorted(p for folder in folders for p in folder.iterdir() if p.is_file())


def reused_edition(store: Store, place: Path, key: str) -> Reused | None:
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
    store: Store, place: Path, key: str, briefing: Briefing, files: Iterable[Path]
) -> None:
    """Record the edition just written at `place` and the digest of each of its files."""
    store.save_rendered(str(place), key, briefing, {str(p): _digest(p) for p in files})


def rerun_stats(kept: RunStats, now: RunStats) -> RunStats:
    """The kept edition's figures, with this run's own counts of what it fetched and read."""
    mine = ("feeds", "feeds_failed", "feeds_unchanged", "articles_new", "fallbacks")
    return replace(kept, **{f.name: getattr(now, f.name) for f in fields(now) if f.name in mine})


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
