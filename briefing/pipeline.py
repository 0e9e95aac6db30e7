"""One day's work, stage by stage: feeds in, a rendered briefing out.

Order matters in two places:
- articles are stored before the briefing is built from the store, so a second run over
  unchanged feeds still makes the whole edition while fetching and extracting nothing;
- stories are clustered before they are grouped into sections, so one story never sits in two.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from .compose.assemble import make_briefing, run_stats
from .compose.llm import LlmReport, llm_sections
from .compose.parallel import summarize_on
from .compose.sections import group_topics, mute_stories
from .compose.trim import trim_sections
from .config import Config
from .extract import Limits, extract_articles
from .extract.dated import dated_when_read
from .faults import checkpoint
from .fetch.feeds import (
    feed_failures,
    fetch_feeds,
    new_entries,
    save_feed_state,
    waiting_results,
)
from .fetch.http import Fetcher, policy_for
from .models import Article, Briefing, Entry, Failure, FeedResult, RunStats, Section
from .render import Typesetter, number_edition, render_edition, write_archive
from .render.reuse import edition_key, remember_edition, rerun_stats, reused_edition
from .store import Store, open_store
from .stories.cluster import cluster_stories


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
    archive: tuple[Path, ...] = ()  # the folder's index.html, Atom feed and manifest
    pdf_error: str = ""  # why the PDF asked for is missing (the other formats are written)

    def summary_line(self) -> str:
        """The one line a run ends with: feeds, articles, stories, failures, time, output."""
        s = self.briefing.stats
        main = next((p for p in self.outputs if p.suffix == ".pdf"), None) or next(
            iter(self.outputs), None
        )
        target = f" -> {_shown(main)}" if main else ""
        llm = ""
        if s.llm_summaries or s.llm_fallbacks:  # only when [llm] is configured
            summaries = _plural(s.llm_summaries, "LLM summary", "LLM summaries")
            llm = f" ({summaries}, {s.llm_fallbacks} kept extractive)"
        pdf = f" ({s.left_out_of_pdf} left out of the PDF)" if s.left_out_of_pdf else ""
        # When every feed fails, the cause is most often this machine (no network, no DNS).
        offline = ""
        if s.feeds_failed == s.feeds > 0:
            offline = "; every feed failed: is this machine offline?"
        return (
            f"Done: {_plural(s.feeds, 'feed')} ({s.feeds_failed} failed, "
            f"{s.feeds_unchanged} unchanged), {_plural(s.articles, 'article')} "
            f"({s.articles_new} new, {s.fallbacks} fell back to feed text, "
            f"{s.articles_failed} failed), {_plural(s.stories, 'story', 'stories')}{llm}{pdf} "
            f"from {_plural(s.outlets, 'outlet')} in {self.seconds:.1f} s{target}{offline}"
        )


def _plural(n: int, word: str, many: str = "") -> str:
    """'1 story', '2 stories'."""
    return f"{n} {word if n == 1 else many or word + 's'}"


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
    since_last_edition: bool = False,
) -> RunResult:
    """Make the edition for `as_of` (default: now): fetch, extract, store, cluster, render.

    With `since_last_edition`, the window starts where the previous stored edition ended, and
    takes in what was collected after it was made (the scheduler's morning edition).
    """
    started = time.monotonic()
    progress = progress or Silent()
    began = datetime.now(UTC)
    end = (as_of or began).astimezone(config.tz)
    start = end - timedelta(hours=config.window_hours)
    with open_store(config.database) as store, _fetcher(fetcher, config) as client:
        results = _fetch(config, client, store, progress)
        checkpoint("fetched")
        entries = new_entries(results, store, start, end)
        # Each article is stored as soon as it is made, so a killed run's reading is not redone;
        # the feeds' validators only after all of them (save_feed_state says why).
        new, article_failures = _extract(config, entries, client, progress, store)
        new = dated_when_read(store, new, began, end)
        save_feed_state(store, results)
        if since_last_edition:  # collected over the whole window; shown since the last edition
            start, collected_after = edition_window(store, start, end)
            articles = store.articles_since(start, end, collected_after)
        else:
            articles = store.articles_between(start, end)
        previous = store.recent_stories(end.date(), config.topics.history_days)
        out_dir = output_dir or config.output_dir
        place = out_dir / f"briefing-{end.date().isoformat()}"  # as edition_stem names it
        failures = feed_failures(results) + article_failures
        key = edition_key(config, (start, end), articles, previous, failures)
        reused = reused_edition(store, place, key)
    if reused is not None:  # nothing the edition is made of changed: the files written are it
        now = run_stats(results, new, articles, article_failures, ())
        briefing = replace(reused.briefing, stats=rerun_stats(reused.briefing.stats, now))
        return RunResult(briefing, reused.outputs, time.monotonic() - started, reused.archive)
    # The PDF's renderer loads WeasyPrint on the core clustering leaves idle (typesetter.py).
    with _typesetter(config, articles) as typesetter:
        progress.start("Clustering and summarizing", 1)
        # Linked to past editions before muting and grouping: a muted story keeps its identity.
        stories = cluster_stories(articles, previous=previous, window_hours=config.window_hours)
        stories, muted = mute_stories(stories, config.topics)
        sections = group_topics(stories, config.sections, config.topics)
        # Trimmed before summarizing: summaries and the PDF cost per story shown, not found.
        sections, cut = trim_sections(sections, config.max_stories, config.topics)
        # Stories dealt to the worker processes, largest first: the same summaries, every core.
        sections = summarize_on(
            config.executor, sections, config.summary_words, config.lead_summary_words
        )
        progress.advance()
        # After the extractive summaries: a story the LLM fails on keeps its extractive one.
        sections, llm_report = _llm(config, sections, progress)
        stats = run_stats(results, new, articles, article_failures, sections, llm_report)
        # Numbered before rendering, so the masthead shows the edition's place in the archive.
        briefing = number_edition(
            make_briefing(config, end, start, sections, failures, stats, muted + cut), out_dir
        )
        progress.start("Rendering", 1)
        rendered = render_edition(
            briefing,
            out_dir,
            edition_stem(briefing),
            formats=config.formats,
            template_dir=config.template_dir,
            page_size=config.page_size,
            timeout=config.render_timeout,
            memory_mb=config.render_memory_mb,
            typesetter=typesetter,
        )
    # With a note of each story the PDF left out.
    briefing, outputs = rendered.briefing, rendered.paths
    # The archive is rewritten after the edition's files exist, so it links only to real files.
    archive = write_archive(
        out_dir, briefing, outputs, site_url=config.site_url, template_dir=config.template_dir
    )
    # Stories are recorded only once the edition exists: what was never shown is not "seen".
    with open_store(config.database) as store:
        store.save_stories(briefing.edition, briefing.stories)
        if not rendered.pdf_error:  # an edition without its PDF is made again by the next run
            remember_edition(
                store, out_dir / edition_stem(briefing), key, briefing, outputs + archive
            )
    progress.advance()
    checkpoint("rendered")
    return RunResult(briefing, outputs, time.monotonic() - started, archive, rendered.pdf_error)


def _typesetter(
    config: Config, articles: Sequence[Article]
) -> AbstractContextManager[Typesetter | None]:
    """A PDF renderer warming up now, when the config asks for a PDF; else nothing."""
    if "pdf" not in config.formats:
        return nullcontext(None)
    languages = Counter(a.language for a in articles if a.language)
    return Typesetter(
        (lang for lang, _ in languages.most_common()),
        timeout=config.render_timeout,
        memory_mb=config.render_memory_mb,
    )


def _fetcher(fetcher: Fetcher | None, config: Config) -> AbstractContextManager[Fetcher]:
    """The caller's fetcher, left open for them; else a new one, closed after the run."""
    if fetcher is not None:
        return nullcontext(fetcher)
    return Fetcher(policy=policy_for(config.fetch))


def _fetch(
    config: Config, client: Fetcher, store: Store, progress: Progress
) -> tuple[FeedResult, ...]:
    progress.start("Fetching feeds", len(config.feeds))
    # A feed whose site asked us to wait (Retry-After, max-age, ttl) is not asked this run.
    due, waiting = waiting_results(config.feeds, store.feed_states(), datetime.now(UTC))
    for _ in waiting:
        progress.advance()
    fetched = fetch_feeds(
        due,
        client,
        store.validators,
        workers=config.workers,
        progress=lambda _: progress.advance(),
    )
    by_url = {**waiting, **{r.source.url: r for r in fetched}}
    return tuple(by_url[source.url] for source in config.feeds)


def _extract(
    config: Config,
    entries: Sequence[Entry],
    client: Fetcher,
    progress: Progress,
    store: Store | None = None,
) -> tuple[tuple[Article, ...], tuple[Failure, ...]]:
    # With the store, each article is stored as soon as it is made, and extraction learns the
    # paragraphs each site repeats and records how often each feed falls back to its own text.
    progress.start("Reading articles", len(entries))
    return extract_articles(
        entries,
        config.feeds,
        client,
        workers=config.workers,
        progress=lambda _: progress.advance(),
        store=store,
        limits=Limits(config.extract_timeout, config.extract_memory_mb),
        executor=config.executor,
    )


def _llm(
    config: Config, sections: Sequence[Section], progress: Progress
) -> tuple[tuple[Section, ...], LlmReport]:
    """LLM summaries when [llm] is configured; each failure is logged with its reason."""
    if config.llm is None:
        return tuple(sections), LlmReport()
    progress.start("Summarizing with the LLM", sum(len(s.stories) for s in sections))
    return llm_sections(
        sections,
        config.llm,
        config.summary_words,
        config.lead_summary_words,
        progress=progress.advance,
    )


def edition_stem(briefing: Briefing) -> str:
    """The file name of an edition, without extension: briefing-YYYY-MM-DD."""
    return f"briefing-{briefing.edition.isoformat()}"


def edition_window(store: Store, start: datetime, end: datetime) -> tuple[datetime, str]:
    """Where the edition ending at `end` starts: the previous edition's end, if it had one."""
    previous = store.previous_edition(end.date())
    if previous is None:
        return start, "9999"  # the first edition: the configured window, nothing after it
    edition, rendered_at = previous
    return edition.window_end.astimezone(end.tzinfo), rendered_at


def collect(
    config: Config, now: datetime | None = None, *, fetcher: Fetcher | None = None
) -> RunStats:
    """Between editions: fetch the feeds that are due, store and extract what is new."""
    end = (now or datetime.now(UTC)).astimezone(config.tz)
    start = end - timedelta(hours=config.window_hours)
    with open_store(config.database) as store, _fetcher(fetcher, config) as client:
        results = _fetch(config, client, store, Silent())
        new, failures = _extract(
            config, new_entries(results, store, start, end), client, Silent(), store
        )  # stored as they are made, before the validators
        save_feed_state(store, results)
    return run_stats(results, new, new, failures, ())
