"""Records passed between the stages: frozen, typed, and free of any library's objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


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

    @property
    def stories(self) -> tuple[Story, ...]:
        return tuple(s for section in self.sections for s in section.stories)
