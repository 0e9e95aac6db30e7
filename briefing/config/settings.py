"""The one declared table of settings, and the records a valid config file becomes.

SETTINGS (top level), DEFAULTS (what a feed inherits from [defaults]), FEED (what only a [[feeds]]
entry holds), EMAIL, FETCH, TOPICS and LLM: defaults, validation, `briefing check` and the
README's settings reference (`settings_reference`) all come from these tables. Each record
takes its defaults from its table (`schema.declared`) and is built from it (`schema.build`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ..models import FeedSource
from .schema import Setting, declared

FORMATS = ("html", "pdf", "markdown", "text", "email")
PAGE_SIZES = ("A4", "Letter")


# Bounds on lengths of time: beyond them a date or a timeout overflows (a window reaching
# before year 1, a CPU limit past the kernel's), and no sensible value comes near them.
YEAR_HOURS = 366 * 24
DAY_SECONDS = 24 * 3600.0


SETTINGS: tuple[Setting, ...] = (
    Setting("title", str, "Daily Briefing", "The briefing's title, shown on its masthead."),
    Setting("timezone", str, "UTC", "IANA time zone for the edition date and times shown."),
    Setting(
        "window_hours",
        float,
        24.0,
        "How far back from the edition time articles count.",
        above=0,
        maximum=YEAR_HOURS * 100,  # a century: an archive read whole, still within the calendar
    ),
    Setting("output_dir", str, "output", "Where briefings are written (relative to this file)."),
    Setting(
        "formats",
        list,
        ["html", "pdf"],
        "Outputs to write: any of html, pdf, markdown, text, email (a .eml file).",
    ),
    Setting("database", str, "briefing.db", "SQLite store of feeds and articles (relative)."),
    Setting("page_size", str, "A4", "PDF page size: A4 or Letter."),
    Setting("summary_words", int, 60, "Word budget of each story's summary.", above=0),
    Setting(
        "lead_summary_words", int, 100, "Word budget of the lead story of each section.", above=0
    ),
    Setting("sections", list, [], "Topic sections in the order they appear; others follow."),
    Setting("workers", int, 8, "How many downloads run at once (at most 2 per host).", above=0),
    Setting("schedule", str, "0 6 * * *", "When the scheduler makes the edition: cron, local."),
    Setting(
        "catch_up_hours",
        float,
        6.0,
        "How long after a missed scheduled time it still runs.",
        minimum=0,
        maximum=YEAR_HOURS,
    ),
    Setting(
        "poll_minutes",
        float,
        60.0,
        "How often the scheduler collects between editions.",
        above=0,
        maximum=YEAR_HOURS * 60,
    ),
    Setting(
        "run_deadline_minutes",
        float,
        45.0,
        "A scheduled run going this long is stopped; a run waits this long for another.",
        above=0,
        maximum=YEAR_HOURS * 60,
    ),
    Setting("template_dir", str, "", "Folder of templates overriding the bundled ones (relative)."),
    Setting("site_url", str, "", "URL output_dir is published at: absolute links in the feed."),
    Setting(
        "render_timeout",
        float,
        120.0,
        "Seconds the PDF may take before it is given up.",
        above=0,
        maximum=DAY_SECONDS,
    ),
    Setting(
        "render_memory_mb",
        int,
        3072,
        "Memory (address space) the PDF renderer may use.",
        minimum=512,
        maximum=1 << 20,
    ),
    Setting(
        "extract_timeout",
        float,
        20.0,
        "Seconds one page's extraction may take.",
        above=0,
        maximum=DAY_SECONDS,
    ),
    Setting(
        "extract_memory_mb",
        int,
        1024,
        "Memory an extraction worker may add per page.",
        minimum=128,
        maximum=1 << 20,
    ),
    Setting(
        "executor",
        str,
        "processes",
        'Where pages are extracted: "processes" (all cores here) or "dask://HOST:PORT".',
    ),
    Setting(
        "max_stories",
        int,
        50,
        "Stories an edition shows at most: the best-ranked of each section; the rest counted.",
        above=0,
    ),
)

DEFAULTS: tuple[Setting, ...] = (
    Setting("max_articles", int, 30, "Newest entries taken from a feed each run.", above=0),
    Setting(
        "timeout",
        float,
        20.0,
        "Seconds allowed for one whole download.",
        above=0,
        maximum=DAY_SECONDS,
    ),
    Setting(
        "max_bytes", int, 15 * 1024 * 1024, "Largest body accepted, after decompression.", above=0
    ),
    Setting("full_text", bool, True, "Download each article's page (else use the feed's text)."),
    Setting("topic", str, "News", "Section a feed's stories go to when it names none."),
    Setting(
        "allow_networks",
        list,
        [],
        'Non-public networks this feed and its articles may be fetched from, e.g. ["10.1.0.0/16"].',
    ),
)

FEED: tuple[Setting, ...] = (
    Setting("name", str, "", "The outlet's name, shown beside its reports; none: the feed's host."),
    Setting("url", str, None, "The feed's http(s) URL.", required=True),
)

EMAIL: tuple[Setting, ...] = (
    Setting("to", list, None, "The recipients' addresses.", required=True),
    Setting(
        "from",
        str,
        None,
        "The sender: 'Name <b@example.org>' or the bare address.",
        required=True,
        attribute="sender",
    ),
    Setting("smtp_host", str, "localhost", "The SMTP server's host name."),
    Setting(
        "smtp_port",
        int,
        587,
        "Its port: 587 for starttls, 465 for tls, 25 for none.",
        minimum=1,
        maximum=65535,
    ),
    Setting("security", str, "starttls", "starttls, tls, or none (a server on this machine only)."),
    Setting("username_env", str, "", "Environment variable holding the SMTP user (or no login)."),
    Setting("password_env", str, "", "Environment variable holding the SMTP password."),
    Setting("ca_file", str, "", "PEM file of a private CA that signed the server's certificate."),
    Setting("subject", str, "", "Subject template: {subject}, {title}, {date}; empty: {subject}."),
    Setting(
        "timeout", float, 30.0, "Seconds allowed for each SMTP step.", above=0, maximum=DAY_SECONDS
    ),
)
SECURITY = ("starttls", "tls", "none")

FETCH: tuple[Setting, ...] = (
    Setting(
        "allow_networks",
        list,
        [],
        'Non-public networks that may be fetched from, e.g. ["10.1.0.0/16"].',
    ),
    Setting("per_host", int, 2, "Requests at once to one host."),
    Setting(
        "host_delay",
        float,
        0.1,
        "Seconds between the starts of two requests to one host.",
        maximum=DAY_SECONDS,
    ),
    Setting("retries", int, 2, "Retries, with backoff, after a timeout, a 429 or a 5xx."),
    Setting("respect_robots", bool, True, "Skip article pages robots.txt disallows."),
    Setting("contact_url", str, "", "A URL about this instance, sent in the User-Agent."),
    Setting("ca_file", str, "", "PEM file of a private CA trusted for https, besides the usual."),
)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """The [fetch] table: how guarded and how polite downloads are."""

    allow_networks: tuple[str, ...] = declared(FETCH, "allow_networks")
    per_host: int = declared(FETCH, "per_host")
    host_delay: float = declared(FETCH, "host_delay")
    retries: int = declared(FETCH, "retries")
    respect_robots: bool = declared(FETCH, "respect_robots")
    contact_url: str = declared(FETCH, "contact_url")
    ca_file: Path | None = None  # derived: a private CA (an intranet's feeds), trusted as well


TOPICS: tuple[Setting, ...] = (
    Setting(
        "rules",
        dict,
        {},
        'Keyword rules: section = ["word", ...]; a story naming one goes to that section.',
    ),
    Setting("boost", list, [], "Words that move a story naming them up its section."),
    Setting("mute", list, [], "Words that leave a story naming them out (listed at the end)."),
    Setting(
        "auto_for",
        list,
        ["News"],
        "Feed topics too broad to be a section: their stories go to the desk their outlets "
        "filed them under (World, Sport, ...), else to a shared subject, else stay here.",
    ),
    Setting(
        "history_days",
        int,
        14,
        "How far back a story is recognised when it returns.",
        maximum=YEAR_HOURS // 24 * 10,
    ),
)


@dataclass(frozen=True, slots=True)
class TopicsConfig:
    """The [topics] table: keyword rules for sections, boosts and mutes for ranking."""

    rules: tuple[tuple[str, tuple[str, ...]], ...] = declared(TOPICS, "rules")
    boost: tuple[str, ...] = declared(TOPICS, "boost")
    mute: tuple[str, ...] = declared(TOPICS, "mute")
    auto_for: tuple[str, ...] = declared(TOPICS, "auto_for")
    history_days: int = declared(TOPICS, "history_days")


LLM: tuple[Setting, ...] = (
    Setting(
        "url",
        str,
        "",
        "OpenAI-compatible chat endpoint (…/v1 or …/v1/chat/completions); empty: no LLM.",
    ),
    Setting("model", str, "", "The model the endpoint is asked for (required with url)."),
    Setting("api_key_env", str, "", "Environment variable holding the API key (or none)."),
    Setting(
        "timeout",
        float,
        60.0,
        "Seconds one story's whole request may take.",
        above=0,
        maximum=DAY_SECONDS,
    ),
    Setting("max_tokens", int, 400, "Most tokens the model may answer with.", above=0),
)


@dataclass(frozen=True, slots=True)
class LlmConfig:
    """The [llm] table, validated: where summaries are asked for (never the key itself)."""

    url: str
    model: str
    api_key_env: str = declared(LLM, "api_key_env")
    timeout: float = declared(LLM, "timeout")
    max_tokens: int = declared(LLM, "max_tokens")


TABLES = ("defaults", "feeds", "email", "fetch", "topics", "llm")


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """The [email] table, validated: where and how the edition is sent (never the secret)."""

    to: tuple[str, ...]
    sender: str
    smtp_host: str
    smtp_port: int
    security: str
    username_env: str
    password_env: str
    ca_file: Path | None
    subject: str
    timeout: float


@dataclass(frozen=True, slots=True)
class Config:
    """The validated configuration: paths already resolved against the config file's folder.

    Only `parse_config` builds it, from SETTINGS and the tables: it holds no default of its own.
    """

    path: Path
    title: str
    timezone: str
    window_hours: float
    output_dir: Path  # derived: resolved against the config file's folder
    formats: tuple[str, ...]
    database: Path  # derived, as output_dir
    page_size: str
    summary_words: int
    lead_summary_words: int
    sections: tuple[str, ...]
    workers: int
    feeds: tuple[FeedSource, ...]
    schedule: str
    catch_up_hours: float
    poll_minutes: float
    run_deadline_minutes: float
    email: EmailConfig | None
    fetch: FetchConfig
    template_dir: Path | None  # derived: resolved, or None when empty
    site_url: str
    render_timeout: float
    render_memory_mb: int
    topics: TopicsConfig
    extract_timeout: float
    extract_memory_mb: int
    executor: str
    max_stories: int
    llm: LlmConfig | None  # None: summaries are extractive only

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def settings_reference() -> str:
    """The settings tables as Markdown, for the README and `briefing check --settings`."""
    rows = ["| key | where | type | default | meaning |", "|---|---|---|---|---|"]
    for where, table in (("top level", SETTINGS), ("[defaults] or [[feeds]]", DEFAULTS)):
        rows += [_reference_row(s, where) for s in table]
    rows += [_reference_row(s, "[[feeds]]") for s in FEED]
    rows += [_reference_row(s, "[email]") for s in EMAIL]
    rows += [_reference_row(s, "[fetch]") for s in FETCH]
    rows += [_reference_row(s, "[topics]") for s in TOPICS]
    rows += [_reference_row(s, "[llm]") for s in LLM]
    return "\n".join(rows)


def _reference_row(setting: Setting, where: str) -> str:
    # JSON spells strings, booleans and lists of strings the way TOML does.
    default = "required" if setting.required else f"`{json.dumps(setting.default)}`"
    return f"| `{setting.name}` | {where} | {setting.type.__name__} | {default} | {setting.help} |"
