"""The archive of editions in an output folder: `index.html`, an Atom feed, and their manifest.

Every edition written to a folder is recorded in `editions.json` (date, number, title, counts,
top headlines, the files made). Editions found only as files (made before the manifest existed,
or copied in) are listed from their names. Files deleted by hand drop out of the archive.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..models import Briefing
from .files import write_files
from .filters import safe_url
from .templating import html_environment, render_template, zone_of

MANIFEST = "editions.json"
INDEX = "index.html"
FEED = "feed.atom"
FEED_ENTRIES = 30
HEADLINES = 5
_EDITION_FILE = re.compile(
    r"^(?P<stem>.*?(?P<day>\d{4}-\d{2}-\d{2}))\.(?P<ext>html|pdf|md|txt|eml)$"
)
# How each file of an edition is named in the archive's links.
LABELS = {"html": "HTML", "pdf": "PDF", "md": "Markdown", "txt": "Text", "eml": "Email"}


@dataclass(frozen=True, slots=True)
class Edition:
    """One edition in the archive: what its entry in the index and the feed shows."""

    day: date
    title: str = ""
    number: int = 0
    generated: datetime | None = None
    stories: int = 0
    outlets: int = 0
    headlines: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def page(self) -> str:
        """The file a link to the edition opens: its HTML, else its PDF, else any."""
        for ext in ("html", "pdf"):
            for name in self.files:
                if name.endswith("." + ext):
                    return name
        return self.files[0] if self.files else ""


def edition_number(out_dir: Path, day: date) -> int:
    """The number of the edition of `day` in this folder: 1 + the editions of earlier days."""
    return 1 + sum(1 for d in _days_on_disk(out_dir) if d < day)


def number_edition(briefing: Briefing, out_dir: Path) -> Briefing:
    """The briefing with its number in the folder's archive filled in."""
    return dataclasses.replace(briefing, number=edition_number(out_dir, briefing.edition))


def write_archive(
    out_dir: Path,
    briefing: Briefing,
    outputs: Iterable[Path],
    *,
    site_url: str = "",
    template_dir: Path | None = None,
) -> tuple[Path, ...]:
    """Record the edition just written and rewrite the folder's index.html and Atom feed."""
    editions = _merge(out_dir, _record(briefing, outputs))
    zone = zone_of(briefing.timezone)
    env = html_environment(template_dir, zone)
    base = _base(site_url)
    context = dict(
        editions=editions,
        title=briefing.title,
        feed=FEED,
        page_size="A4",
        feed_url=edition_link(base, FEED) if base else "",
        labels=LABELS,
        href=lambda name: edition_link(base, name),
        updated=lambda edition: updated(edition, zone),
        feed_updated=feed_updated(editions, zone),
        edition_id=edition_id,
        feed_id=uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:{briefing.title}").urn,
    )
    index = render_template(env, "archive.html", **context)
    feed = render_template(env, "feed.atom", **context, entries=editions[:FEED_ENTRIES])
    manifest = json.dumps([_to_json(e) for e in editions], indent=1, ensure_ascii=False)
    return write_files(out_dir, {MANIFEST: manifest + "\n", INDEX: index, FEED: feed})


def edition_id(title: str, day: date) -> str:
    """A stable Atom id for an edition: the same title and day always give the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:{title}:{day.isoformat()}").urn


def _record(briefing: Briefing, outputs: Iterable[Path]) -> Edition:
    return Edition(
        day=briefing.edition,
        title=briefing.title,
        number=briefing.number,
        generated=briefing.generated,
        stories=len(briefing.stories),
        outlets=len({s for story in briefing.stories for s in story.sources}),
        headlines=tuple(s.headline for s in briefing.stories[:HEADLINES]),
        files=tuple(p.name for p in outputs),
    )


def _merge(out_dir: Path, current: Edition) -> list[Edition]:
    """The manifest's editions, plus any found only on disk, with `current` replacing its day."""
    on_disk = _files_on_disk(out_dir)
    known = {e.day: e for e in _read_manifest(out_dir / MANIFEST)}
    known[current.day] = current
    for day in on_disk:
        known.setdefault(day, Edition(day=day))
    editions = []
    for day, edition in known.items():
        files = tuple(sorted(on_disk.get(day, ()), key=_file_order))
        if files:  # an edition whose files are all gone is no longer in the archive
            editions.append(dataclasses.replace(edition, files=files))
    editions.sort(key=lambda e: e.day, reverse=True)
    return editions


def _files_on_disk(out_dir: Path) -> dict[date, list[str]]:
    found: dict[date, list[str]] = {}
    if not out_dir.is_dir():
        return found
    for path in out_dir.iterdir():
        match = _EDITION_FILE.match(path.name)
        day = _parse_day(match["day"]) if match else None
        if day is not None and path.is_file():
            found.setdefault(day, []).append(path.name)
    return found


def _days_on_disk(out_dir: Path) -> set[date]:
    return set(_files_on_disk(out_dir))


def _file_order(name: str) -> int:
    ext = name.rsplit(".", 1)[-1]
    return list(LABELS).index(ext) if ext in LABELS else len(LABELS)


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _read_manifest(path: Path) -> list[Edition]:
    """The recorded editions; an unreadable manifest is rebuilt from the files, not fatal."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    editions = []
    for item in raw if isinstance(raw, list) else []:
        edition = _from_json(item)
        if edition is not None:
            editions.append(edition)
    return editions


def _to_json(edition: Edition) -> dict[str, Any]:
    data = dataclasses.asdict(edition)
    data["day"] = edition.day.isoformat()
    data["generated"] = edition.generated.isoformat() if edition.generated else None
    return data


def _from_json(item: Any) -> Edition | None:
    if not isinstance(item, dict):
        return None
    day = _parse_day(str(item.get("day", "")))
    if day is None:
        return None
    try:
        generated = datetime.fromisoformat(item["generated"]) if item.get("generated") else None
        return Edition(
            day=day,
            title=str(item.get("title", "")),
            number=int(item.get("number", 0)),
            generated=generated,
            stories=int(item.get("stories", 0)),
            outlets=int(item.get("outlets", 0)),
            headlines=tuple(str(h) for h in item.get("headlines", ())),
        )
    except (TypeError, ValueError):
        return None


def _base(site_url: str) -> str:
    """The URL the folder is published at, ending in '/', or '' for links relative to it."""
    url = safe_url(site_url) if site_url else None
    return url.rstrip("/") + "/" if url else ""


def edition_link(base: str, name: str) -> str:
    """The link to one file of the archive: relative, or absolute under the site's URL."""
    return base + quote(name)


def updated(edition: Edition, zone: Any) -> datetime:
    """When the edition was made; for editions known only from files, the end of their day."""
    if edition.generated is not None:
        return edition.generated
    return datetime.combine(edition.day, time(23, 59), tzinfo=zone)


def _now(zone: Any) -> datetime:
    return datetime.now(UTC).astimezone(zone)


def feed_updated(editions: Sequence[Edition], zone: Any) -> datetime:
    """The feed's <updated>: its newest entry's."""
    return max((updated(e, zone) for e in editions), default=_now(zone))
