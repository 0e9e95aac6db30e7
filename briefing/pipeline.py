"""One day's work, stage by stage: feeds in, a rendered briefing out.

Order matters in two places:
- articles are stored before the briefing is built from the store, so a second run over
  unchanged feeds still makes the whole edition while fetching and extracting nothing;
- stories are clustered before they are grouped into sections, so one story never sits in two.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from .cluster import cluster_stories
from .config import Config
from .extract import extract_articles
from .feeds import fetch_feeds
from .http import Fetcher
from .models import Article, Briefing, Entry, Failure, FeedResult, RunStats, Section
from .render import render
from .store import Store, open_store
from .summarize import summarize_sections
from .topics import group_topics


class Progress(Protocol):
    """Where the pipeline reports progress; the CLI shows it with rich, tests ignore it."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self) -> None: ...


class Silent:
    """A Progress that shows nothing."""

    def start(self, stage: str, total: int) -> None:
        """Begin a stage of `total` steps."""

    def advance(self) -> None:
        """One step of the current stage is done."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run made: the briefing, the files written, and how long it took."""

    briefing: Briefing
    outputs: tuple[Path, ...]
    seconds: float

    def summary_line(self) -> str:
        """The one line a run ends with: feeds, articles, stories, failures, time, output."""
        s = self.briefing.stats
        main = next((p for p in self.outputs if p.suffix == ".pdf"), None) or next(
            iter(self.outputs), None
        )
        target = f" -> {_shown(main)}" if main else ""
        return (
            f"Done: {s.feeds} feeds ({s.feeds_failed} failed, {s.feeds_unchanged} unchanged), "
            f"{s.articles} articles ({s.articles_new} new, {s.fallbacks} fell back to feed text, "
            f"{s.articles_failed} failed), {s.stories} stories from {s.outlets} outlets "
            f"in {self.seconds:.1f} s{target}"
        )


def _shown(path: Path) -> Path:
    """A path relative to the working folder when it lies inside it: shorter to read."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def generate(
    config: Config,
    *,
    as_of: datetime | None = None,
    output_dir: Path | None = None,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Make the edition for `as_of` (default: now): fetch, extract, store, cluster, render."""
    started = time.monotonic()
    progress = progress or Silent()
    end = (as_of or datetime.now(UTC)).astimezone(config.tz)
    start = end - timedelta(hours=config.window_hours)
    with open_store(config.database) as store, _fetcher(fetcher) as client:
        results = _fetch(config, client, store, progress)
        entries = new_entries(results, store, start, end)
        new, article_failures = _extract(config, entries, client, progress)
        store.save_articles(new, datetime.now(UTC))
        articles = store.articles_between(start, end)
    progress.start("Clustering and summarizing", 1)
    stories = cluster_stories(articles)
    sections = group_topics(stories, config.sections)
    sections = summarize_sections(sections, config.summary_words, config.lead_summary_words)
    progress.advance()
    failures = feed_failures(results) + article_failures
    stats = count(results, new, articles, article_failures, sections)
    briefing = make_briefing(config, end, start, sections, failures, stats)
    progress.start("Rendering", 1)
    outputs = render(
        briefing,
        output_dir or config.output_dir,
        edition_stem(briefing),
        formats=config.formats,
        page_size=config.page_size,
    )
    progress.advance()
    return RunResult(briefing, outputs, time.monotonic() - started)


def _fetcher(fetcher: Fetcher | None) -> AbstractContextManager[Fetcher]:
    """The caller's fetcher, left open for them; else a new one, closed after the run."""
    return nullcontext(fetcher) if fetcher is not None else Fetcher()


def _fetch(
    config: Config, client: Fetcher, store: Store, progress: Progress
) -> tuple[FeedResult, ...]:
    progress.start("Fetching feeds", len(config.feeds))
    results = fetch_feeds(
        config.feeds,
        client,
        store.validators,
        workers=config.workers,
        progress=lambda _: progress.advance(),
    )
    store.save_feed_results(results, datetime.now(UTC))
    return results


def _extract(
    config: Config, entries: Sequence[Entry], client: Fetcher, progress: Progress
) -> tuple[tuple[Article, ...], tuple[Failure, ...]]:
    progress.start("Reading articles", len(entries))
    return extract_articles(
        entries,
        config.feeds,
        client,
        workers=config.workers,
        progress=lambda _: progress.advance(),
    )


def new_entries(
    results: Iterable[FeedResult], store: Store, start: datetime, end: datetime
) -> tuple[Entry, ...]:
    """Entries inside the window that the store does not hold yet, each once."""
    candidates = {
        e.id: e
        for r in results
        for e in r.entries
        if e.published is None or start <= e.published < end
    }
    known = store.known_ids(candidates)
    return tuple(e for id_, e in candidates.items() if id_ not in known)


def feed_failures(results: Iterable[FeedResult]) -> tuple[Failure, ...]:
    """A Failure for each feed that could not be read this run."""
    return tuple(Failure("feed", r.source.name, r.source.url, r.error) for r in results if r.error)


def count(
    results: Sequence[FeedResult],
    new: Sequence[Article],
    articles: Sequence[Article],
    article_failures: Sequence[Failure],
    sections: Sequence[Section],
) -> RunStats:
    """The day in numbers."""
    return RunStats(
        feeds=len(results),
        feeds_failed=sum(1 for r in results if r.error),
        feeds_unchanged=sum(1 for r in results if r.not_modified),
        articles=len(articles),
        articles_new=len(new),
        fallbacks=sum(1 for a in new if a.origin == "feed"),
        articles_failed=len(article_failures) - sum(1 for a in new if a.note),
        stories=sum(len(s.stories) for s in sections),
        outlets=len({a.source for a in articles}),
    )


def make_briefing(
    config: Config,
    end: datetime,
    start: datetime,
    sections: Sequence[Section],
    failures: Sequence[Failure],
    stats: RunStats,
) -> Briefing:
    """The edition record the templates receive."""
    return Briefing(
        title=config.title,
        edition=end.date(),
        generated=datetime.now(UTC).astimezone(config.tz),
        window_start=start,
        window_end=end,
        timezone=config.timezone,
        sections=tuple(sections),
        failures=tuple(failures),
        stats=stats,
    )


def edition_stem(briefing: Briefing) -> str:
    """The file name of an edition, without extension: briefing-YYYY-MM-DD."""
    return f"briefing-{briefing.edition.isoformat()}"
