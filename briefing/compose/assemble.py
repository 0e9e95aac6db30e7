"""The edition record the templates receive, and the day in numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ..config import Config
from ..models import Article, Briefing, Failure, FeedResult, Filtered, RunStats, Section
from .llm import LlmReport


def make_briefing(
    config: Config,
    end: datetime,
    start: datetime,
    sections: Sequence[Section],
    failures: Sequence[Failure],
    stats: RunStats,
    filtered: Sequence[Filtered] = (),
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
        filtered=tuple(filtered),
    )


def run_stats(
    results: Sequence[FeedResult],
    new: Sequence[Article],
    articles: Sequence[Article],
    article_failures: Sequence[Failure],
    sections: Sequence[Section],
    llm_report: LlmReport | None = None,
    start: datetime | None = None,
) -> RunStats:
    """The day in numbers; with the window's `start`, also what the feeds gave before it."""
    llm_report = llm_report or LlmReport()
    before = [
        e.published
        for r in results
        for e in r.entries
        if start is not None and e.published is not None and e.published < start
    ]
    # New and in this edition: an item without a date is dated when read, which can fall
    # after the end of an edition made for a past day.
    shown = {a.id for a in articles}
    fresh = [a for a in new if a.id in shown]
    return RunStats(
        feeds=len(results),
        feeds_failed=sum(1 for r in results if r.error),
        feeds_unchanged=sum(1 for r in results if r.not_modified),
        articles=len(articles),
        articles_new=len(fresh),
        # A fallback has its reason; a feed read without its pages (full_text off) is not one.
        fallbacks=sum(1 for a in fresh if a.origin == "feed" and a.note),
        # The executor's own failure (a cluster that could not read the pages) is no article.
        articles_failed=sum(1 for f in article_failures if f.stage == "article")
        - sum(1 for a in new if a.note),
        stories=sum(len(s.stories) for s in sections),
        outlets=len({a.source for a in articles}),
        llm_summaries=llm_report.used,
        llm_fallbacks=llm_report.fallbacks,
        items_before_window=len(before),
        newest_before_window=max(before, default=None),
    )
