"""One day's work, stage by stage: feeds in, a rendered briefing out.

Order matters in two places:
- articles are stored before the briefing is built from the store, so a second run over
  unchanged feeds still makes the whole edition while fetching and extracting nothing;
- stories are clustered before they are grouped into sections, so one story never sits in two;
- the edition's key (what it holds) is checked before the stages that make an edition are even
  loaded, so a rerun with nothing new costs its requests and a look at the store.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from .compose.assemble import make_briefing, run_stats
from .compose.llm import LlmReport, llm_sections
from .config import Config
from .config.loading import BUNDLED_TEMPLATES
from .extract import Limits, extract_articles
from .extract.dated import dated_when_read
from .extract.executor import EXECUTOR_STAGE
from .faults import checkpoint
from .fetch.feeds import (
    feed_failures,
    fetch_feeds,
    new_entries,
    save_feed_state,
    waiting_results,
)
from .fetch.http import Fetcher, policy_for
from .models import Article, Briefing, Entry, Failure, FeedResult, PastStory, RunStats, Section
from .store import Store, open_store
from .store.renders import edition_key, remember_edition, rerun_stats, reused_edition

if TYPE_CHECKING:
    from .render import Typesetter

POLITE_NOTE_SECONDS = 20.0  # one site's pages taking longer than this are named in the progress


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
class Gathered:
    """What a run collected before making its edition: the feeds, the articles, past stories."""

    results: tuple[FeedResult, ...]
    new: tuple[Article, ...]  # read this run
    articles: tuple[Article, ...]  # in the edition's window
    article_failures: tuple[Failure, ...]
    previous: tuple[PastStory, ...]
    start: datetime
    end: datetime

    @property
    def failures(self) -> tuple[Failure, ...]:
        """Every feed and article that failed, as the edition's footer lists them."""
        return feed_failures(self.results) + self.article_failures


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a run made: the briefing, the files written, and how long it took."""

    briefing: Briefing
    outputs: tuple[Path, ...]
    seconds: float
    archive: tuple[Path, ...] = ()  # the folder's index.html, Atom feed and manifest
    pdf_error: str = ""  # why the PDF asked for is missing (the other formats are written)
    reused: bool = False  # nothing the edition holds changed: its files were left as they were

    @property
    def lost_on_cluster(self) -> Failure | None:
        """The failure that says the executor lost too many pages, if it did (exit 9)."""
        return next((f for f in self.briefing.failures if f.stage == EXECUTOR_STAGE), None)

    def summary_line(self) -> str:
        """The one line a run ends with: feeds, articles, stories, failures, time, output."""
        s = self.briefing.stats
        main = next((p for p in self.outputs if p.suffix == ".pdf"), None) or next(
            iter(self.outputs), None
        )
        target = f" -> {_shown(main)}" if main else ""
        if self.reused:
            target += " (unchanged, not rendered again)"
        llm = ""
        if s.llm_summaries or s.llm_fallbacks:  # only when [llm] is configured
            summaries = _plural(s.llm_summaries, "LLM summary", "LLM summaries")
            llm = f" ({summaries}, {s.llm_fallbacks} kept extractive)"
        pdf = f" ({s.left_out_of_pdf} left out of the PDF)" if s.left_out_of_pdf else ""
        # When every feed fails, the cause is most often this machine (no network, no DNS); when
        # every item is older than the window, the window or --as-of.
        note = ""
        if s.feeds_failed == s.feeds > 0:
            note = "; every feed failed: is this machine offline?"
        elif not s.articles and s.newest_before_window is not None:
            note = (
                f"; no item in the window: {s.items_before_window} older, the newest of "
                f"{s.newest_before_window:%d %b %Y} (widen window_hours, or pass --as-of)"
            )
        return (
            f"Done: {_plural(s.feeds, 'feed')} ({s.feeds_failed} failed, "
            f"{s.feeds_unchanged} unchanged), {_plural(s.articles, 'article')} "
            f"({s.articles_new} new, {s.fallbacks} fell back to feed text, "
            f"{s.articles_failed} failed), {_plural(s.stories, 'story', 'stories')}{llm}{pdf} "
            f"from {_plural(s.outlets, 'outlet')} in {self.seconds:.1f} s{target}{note}"
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
        results = _fetch(config, client, store, progress, start)
        checkpoint("fetched")
        entries = new_entries(results, store, start, end)
        # Each article is stored as soon as it is made, so a killed run's reading is not redone;
        # the feeds' validators only after all of them (save_feed_state says why).
        new, article_failures = _extract(config, entries, client, progress, store)
        new = dated_when_read(store, new, began, end)
        save_feed_state(store, results, start)
        if since_last_edition:  # collected over the whole window; shown since the last edition
            start, collected_after = edition_window(store, start, end)
            articles = store.articles_since(start, end, collected_after)
        else:
            articles = store.articles_between(start, end)
        previous = store.recent_stories(end.date(), config.topics.history_days)
        day = Gathered(results, new, articles, article_failures, previous, start, end)
        out_dir = output_dir or config.output_dir
        place = out_dir / f"briefing-{end.date().isoformat()}"  # as edition_stem names it
        key = edition_key(config, articles, previous, day.failures, _templates(config))
        reused = reused_edition(store, place, key)
    if reused is not None:  # nothing the edition holds changed: the files written are it
        now = run_stats(results, new, articles, article_failures, (), start=start)
        briefing = replace(reused.briefing, stats=rerun_stats(reused.briefing.stats, now))
        seconds = time.monotonic() - started
        return RunResult(briefing, reused.outputs, seconds, reused.archive, reused=True)
    briefing, outputs, archive, pdf_error = _make_edition(config, day, out_dir, key, progress)
    return RunResult(briefing, outputs, time.monotonic() - started, archive, pdf_error)


def _make_edition(
    config: Config, day: Gathered, out_dir: Path, key: str, progress: Progress
) -> tuple[Briefing, tuple[Path, ...], tuple[Path, ...], str]:
    """Cluster, summarize and render the day's articles: the edition, its files and archive."""
    # Loaded here, not at the top: a run that reuses its edition never loads scikit-learn, SciPy
    # and WeasyPrint, which were most of its time (about 1.6 of 2.3 s of CPU on 2 cores).
    from .compose.kept import summarize_kept
    from .compose.sections import group_topics, mute_stories
    from .compose.trim import trim_sections
    from .render import number_edition, render_edition, write_archive
    from .stories.cluster import cluster_stories

    results, new, articles, previous = day.results, day.new, day.articles, day.previous
    article_failures, failures, start, end = day.article_failures, day.failures, day.start, day.end
    # The PDF's renderer loads WeasyPrint on the core clustering leaves idle (typesetter.py).
    with _typesetter(config, articles) as typesetter:
        progress.start("Clustering and summarizing", 1)
        # Linked to past editions before muting and grouping: a muted story keeps its identity.
        stories = cluster_stories(articles, previous=previous, window_hours=config.window_hours)
        stories, muted = mute_stories(stories, config.topics)
        sections = group_topics(stories, config.sections, config.topics)
        # Trimmed before summarizing: summaries and the PDF cost per story shown, not found.
        sections, cut = trim_sections(sections, config.max_stories, config.topics)
        # A story unchanged since a past run keeps its summary; the others are dealt to the
        # worker processes, largest first: the same summaries, every core.
        sections = summarize_kept(
            config.database,
            config.executor,
            sections,
            config.summary_words,
            config.lead_summary_words,
        )
        progress.advance()
        # After the extractive summaries: a story the LLM fails on keeps its extractive one.
        sections, llm_report = _llm(config, sections, progress)
        stats = run_stats(results, new, articles, article_failures, sections, llm_report, start)
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
    return briefing, outputs, archive, rendered.pdf_error


def _templates(config: Config) -> tuple[Path, ...]:
    """The template folders an edition is made with: the bundled ones, then the user's."""
    return (BUNDLED_TEMPLATES, *([config.template_dir] if config.template_dir else []))


def _typesetter(
    config: Config, articles: Sequence[Article]
) -> AbstractContextManager[Typesetter | None]:
    """A PDF renderer warming up now, when the config asks for a PDF; else nothing."""
    from .render import Typesetter  # with the stages that make an edition (_make_edition)

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
    config: Config, client: Fetcher, store: Store, progress: Progress, since: datetime
) -> tuple[FeedResult, ...]:
    progress.start("Fetching feeds", len(config.feeds))
    # A feed whose site asked us to wait (Retry-After, max-age, ttl) is not asked this run.
    due, waiting = waiting_results(config.feeds, store.feed_states(), datetime.now(UTC))
    for _ in waiting:
        progress.advance()
    fetched = fetch_feeds(
        due,
        client,
        lambda url: store.validators(url, since),  # none when they would hide older items
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
    progress.start(f"Reading articles{_politeness_note(config, entries)}", len(entries))
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


def _politeness_note(config: Config, entries: Sequence[Entry]) -> str:
    """When one site's pages alone take long by its per-host delay, how long: the user waits."""
    hosts = Counter(urlsplit(e.url).hostname or "" for e in entries)
    host, pages = hosts.most_common(1)[0] if hosts else ("", 0)
    # Requests to one host start at most one per host_delay (per_host at once, 0.1 s apart):
    # 1,000 pages on one host take about 108 s with the defaults, being welcome there.
    wait = pages * config.fetch.host_delay
    if wait < POLITE_NOTE_SECONDS:
        return ""
    return f" ({pages} from {host}: at least {wait:.0f} s, {config.fetch.host_delay} s apart)"


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
        results = _fetch(config, client, store, Silent(), start)
        new, failures = _extract(
            config, new_entries(results, store, start, end), client, Silent(), store
        )  # stored as they are made, before the validators
        save_feed_state(store, results, start)
    return run_stats(results, new, new, failures, ())
