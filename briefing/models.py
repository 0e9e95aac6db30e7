"""Records passed between the stages: frozen, typed, and free of any library's objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed as declared in the config, with its limits already merged from [defaults]."""

    name: str
    url: str
    topic: str
    max_articles: int = 30
    timeout: float = 20.0
    max_bytes: int = 15 * 1024 * 1024
    full_text: bool = True
    allow_networks: tuple[str, ...] = ()  # non-public networks its feed and pages may reach


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed, before its page is fetched."""

    id: str
    source: str
    topic: str
    url: str
    title: str
    summary: str
    published: datetime | None
    author: str = ""
    language: str = ""  # as the feed declares it ("pt-pt"), for hyphenation when its text is used
    categories: tuple[str, ...] = ()  # the item's own <category> tags: its outlet's filing


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What fetching one feed gave: its entries, or why there are none (errors are data)."""

    source: FeedSource
    entries: tuple[Entry, ...] = ()
    not_modified: bool = False
    error: str | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    next_fetch: datetime | None = None  # not to be asked before (Retry-After, max-age, ttl)
    skipped: bool = False  # not asked this run: the site asked us to wait
    items: int = 0  # items the feed held, before those without a link were dropped and capping

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Article:
    """An entry with its text: extracted from the page, or the feed's own text as a fallback."""

    id: str
    source: str
    topic: str
    url: str
    title: str
    text: str
    published: datetime
    author: str = ""
    site_name: str = ""
    language: str = ""
    origin: str = "page"  # "page" or "feed": where `text` came from
    note: str = ""  # why the feed's text was used, when it was
    categories: tuple[str, ...] = ()  # its feed item's <category> tags ("Mundo", "Desporto")


@dataclass(frozen=True, slots=True)
class Failure:
    """A feed or article that could not be used this run, and why."""

    stage: str  # "feed" or "article"
    subject: str  # the feed's name, or the article's title
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """One summary sentence and the article it was taken from."""

    text: str
    article_id: str
    source: str
    url: str


@dataclass(frozen=True, slots=True)
class Story:
    """Articles from one or more outlets about the same event, with its summary once made."""

    id: str
    headline: str
    topic: str
    articles: tuple[Article, ...]
    summary: tuple[Sentence, ...] = ()
    # Across editions: "new", "developing" (in the last edition, with new reports since),
    # "returning" (seen in an earlier edition, after a gap) or "unchanged" (nothing new: not shown).
    status: str = "new"
    new_article_ids: tuple[str, ...] = ()  # reports not in any earlier edition of the story
    previous_edition: date | None = None  # the last edition that showed this story
    previous_headline: str = ""
    rank_reason: str = ""  # why the story sits where it does in its section, in words
    auto_topic: str = ""  # a readable label of the automatic topic clustering put it in

    @property
    def sources(self) -> tuple[str, ...]:
        """The outlets that reported the story, each once, in order of first report."""
        ordered = sorted(self.articles, key=lambda a: a.published)
        return tuple(dict.fromkeys(a.source for a in ordered))

    @property
    def first_published(self) -> datetime:
        return min(a.published for a in self.articles)

    @property
    def last_published(self) -> datetime:
        return max(a.published for a in self.articles)


@dataclass(frozen=True, slots=True)
class PastStory:
    """A story as an earlier edition left it: every report it had by then, and when it ran."""

    id: str
    headline: str
    edition: date
    articles: tuple[Article, ...]

    @property
    def article_ids(self) -> frozenset[str]:
        return frozenset(a.id for a in self.articles)


@dataclass(frozen=True, slots=True)
class Section:
    """A topic heading and the stories under it, best first."""

    title: str
    stories: tuple[Story, ...]


@dataclass(frozen=True, slots=True)
class RunStats:
    """The day in numbers, for the masthead and the run summary."""

    feeds: int = 0
    feeds_failed: int = 0
    feeds_unchanged: int = 0
    articles: int = 0
    articles_new: int = 0
    fallbacks: int = 0
    articles_failed: int = 0
    stories: int = 0
    outlets: int = 0
    llm_summaries: int = 0  # stories summarised by the [llm] endpoint
    llm_fallbacks: int = 0  # stories whose LLM summary failed, so the extractive one was kept
    left_out_of_pdf: int = 0  # stories the PDF left out: typesetting them failed (in the HTML)
    # Items the feeds gave that were dated before the window, and the newest of them: a feed
    # whose items are all older made an empty edition, and the reader is told why.
    items_before_window: int = 0
    newest_before_window: datetime | None = None


@dataclass(frozen=True, slots=True)
class Briefing:
    """Everything one edition shows: what the templates receive."""

    title: str
    edition: date
    generated: datetime
    window_start: datetime
    window_end: datetime
    timezone: str
    sections: tuple[Section, ...]
    failures: tuple[Failure, ...] = ()
    stats: RunStats = field(default_factory=RunStats)
    number: int = 0  # the edition's number in its archive (1 = the first); 0 when unknown
    filtered: tuple[Filtered, ...] = ()

    @property
    def stories(self) -> tuple[Story, ...]:
        return tuple(s for section in self.sections for s in section.stories)


@dataclass(frozen=True, slots=True)
class Filtered:
    """Something left out of the edition on purpose (a mute, a filter, a duplicate), and why."""

    subject: str  # what was left out: a headline or an article's title
    reason: str  # why, in words a reader understands: "muted: 'football'"
    url: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Rendered:
    """What rendering wrote: the edition as written, its files, and why the PDF asked for is
    missing (empty when it was made)."""

    briefing: Briefing  # with a note for each story the PDF left out
    paths: tuple[Path, ...]
    pdf_error: str = ""


@dataclass(frozen=True, slots=True)
class EmailBody:
    """An edition as an email: its subject, an HTML part for mail clients, a plain-text part."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class StoredEdition:
    """A rendered edition as the store keeps it, so it can be sent without rendering again."""

    day: date
    window_start: datetime
    window_end: datetime
    subject: str
    html: str
    text: str
    pdf_path: str = ""  # empty when no PDF was made
    status: str = "rendered"  # "rendered", then "done" once every recipient has an outcome


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one edition for one recipient: sent, failed, uncertain or still pending."""

    day: date
    recipient: str
    message_id: str
    status: str  # "pending", "sending", "sent", "failed", "uncertain"; "withheld" is never stored
    detail: str = ""
    attempts: int = 0
    this_run: bool = False  # whether this run tried to send it; False: an earlier run's outcome


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """What the store knows of one feed: its last outcome, and when it may be asked again."""

    url: str
    name: str
    status: int | None = None
    last_error: str | None = None
    last_success: datetime | None = None
    failures: int = 0  # consecutive failed runs
    entries: int | None = None  # entries in the last successful read
    next_fetch: datetime | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExtractionHealth:
    """How one feed's article pages have fared: how many fell back to the feed's text or failed."""

    feed: str
    articles: int = 0
    fallbacks: int = 0  # the feed's own text was used instead of the page's
    failures: int = 0  # neither the page nor the feed gave any text
    last_reason: str = ""  # why the latest fallback or failure happened

    @property
    def fallback_rate(self) -> float:
        """The share of articles that did not come from their page."""
        return (self.fallbacks + self.failures) / self.articles if self.articles else 0.0
