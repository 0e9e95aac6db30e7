"""Read `feeds.toml` and check it against the one declared table of settings.

Every setting is declared once, in SETTINGS (top level), DEFAULTS (what a feed inherits from
[defaults]) and FEED (what only a [[feeds]] entry holds). Defaults, validation, `briefing check`
and the README's settings reference all come from these tables.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .models import FeedSource

FORMATS = ("html", "pdf", "markdown", "text", "email")
PAGE_SIZES = ("A4", "Letter")


@dataclass(frozen=True, slots=True)
class Setting:
    """One declared setting: its name, type, default and the help line users read."""

    name: str
    type: type
    default: Any
    help: str
    required: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("title", str, "Daily Briefing", "The briefing's title, shown on its masthead."),
    Setting("timezone", str, "UTC", "IANA time zone for the edition date and times shown."),
    Setting("window_hours", float, 24.0, "How far back from the edition time articles count."),
    Setting("output_dir", str, "output", "Where briefings are written (relative to this file)."),
    Setting(
        "formats",
        list,
        ["html", "pdf"],
        "Outputs to write: any of html, pdf, markdown, text, email (a .eml file).",
    ),
    Setting("database", str, "briefing.db", "SQLite store of feeds and articles (relative)."),
    Setting("page_size", str, "A4", "PDF page size: A4 or Letter."),
    Setting("summary_words", int, 60, "Word budget of each story's summary."),
    Setting("lead_summary_words", int, 100, "Word budget of the lead story of each section."),
    Setting("sections", list, [], "Topic sections in the order they appear; others follow."),
    Setting("workers", int, 8, "How many downloads run at once (at most 2 per host)."),
    Setting("schedule", str, "0 6 * * *", "When the scheduler makes the edition: cron, local."),
    Setting("catch_up_hours", float, 6.0, "How long after a missed scheduled time it still runs."),
    Setting("poll_minutes", float, 60.0, "How often the scheduler collects between editions."),
    Setting("run_deadline_minutes", float, 45.0, "A scheduled run going this long is stopped."),
    Setting("template_dir", str, "", "Folder of templates overriding the bundled ones (relative)."),
    Setting("site_url", str, "", "URL output_dir is published at: absolute links in the feed."),
    Setting("render_timeout", float, 120.0, "Seconds the PDF may take before it is given up."),
    Setting("render_memory_mb", int, 3072, "Memory (address space) the PDF renderer may use."),
    Setting("extract_timeout", float, 20.0, "Seconds one page's extraction may take."),
    Setting("extract_memory_mb", int, 1024, "Memory an extraction worker may add per page."),
)

DEFAULTS: tuple[Setting, ...] = (
    Setting("max_articles", int, 30, "Newest entries taken from a feed each run."),
    Setting("timeout", float, 20.0, "Seconds allowed for one whole download."),
    Setting("max_bytes", int, 15 * 1024 * 1024, "Largest body accepted, after decompression."),
    Setting("full_text", bool, True, "Download each article's page (else use the feed's text)."),
    Setting("topic", str, "News", "Section a feed's stories go to when it names none."),
)

FEED: tuple[Setting, ...] = (
    Setting("name", str, None, "The outlet's name, shown beside its reports.", required=True),
    Setting("url", str, None, "The feed's http(s) URL.", required=True),
)

EMAIL: tuple[Setting, ...] = (
    Setting("to", list, None, "The recipients' addresses.", required=True),
    Setting("from", str, None, "The sender: 'Name <b@example.org>' or the bare address.", True),
    Setting("smtp_host", str, "localhost", "The SMTP server's host name."),
    Setting("smtp_port", int, 587, "Its port: 587 for starttls, 465 for tls, 25 for none."),
    Setting("security", str, "starttls", "starttls, tls, or none (a server on this machine only)."),
    Setting("username_env", str, "", "Environment variable holding the SMTP user (or no login)."),
    Setting("password_env", str, "", "Environment variable holding the SMTP password."),
    Setting("ca_file", str, "", "PEM file of a private CA that signed the server's certificate."),
    Setting("subject", str, "", "Subject template: {subject}, {title}, {date}; empty: {subject}."),
    Setting("timeout", float, 30.0, "Seconds allowed for each SMTP step."),
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
    Setting("host_delay", float, 0.1, "Seconds between the starts of two requests to one host."),
    Setting("retries", int, 2, "Retries, with backoff, after a timeout, a 429 or a 5xx."),
    Setting("respect_robots", bool, True, "Skip article pages robots.txt disallows."),
    Setting("contact_url", str, "", "A URL about this instance, sent in the User-Agent."),
)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """The [fetch] table: how guarded and how polite downloads are."""

    allow_networks: tuple[str, ...] = ()
    per_host: int = 2
    host_delay: float = 0.1
    retries: int = 2
    respect_robots: bool = True
    contact_url: str = ""


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
        "Feed topics too broad to be a section: their stories get automatic topics.",
    ),
    Setting("history_days", int, 14, "How far back a story is recognised when it returns."),
)


@dataclass(frozen=True, slots=True)
class TopicsConfig:
    """The [topics] table: keyword rules for sections, boosts and mutes for ranking."""

    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    boost: tuple[str, ...] = ()
    mute: tuple[str, ...] = ()
    auto_for: tuple[str, ...] = ("News",)
    history_days: int = 14


TABLES = ("defaults", "feeds", "email", "fetch", "topics")


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
    """The validated configuration: paths already resolved against the config file's folder."""

    path: Path
    title: str
    timezone: str
    window_hours: float
    output_dir: Path
    formats: tuple[str, ...]
    database: Path
    page_size: str
    summary_words: int
    lead_summary_words: int
    sections: tuple[str, ...]
    workers: int
    feeds: tuple[FeedSource, ...]
    schedule: str = "0 6 * * *"
    catch_up_hours: float = 6.0
    poll_minutes: float = 60.0
    run_deadline_minutes: float = 45.0
    email: EmailConfig | None = None
    fetch: FetchConfig = FetchConfig()
    template_dir: Path | None = None
    site_url: str = ""
    render_timeout: float = 120.0
    render_memory_mb: int = 3072
    topics: TopicsConfig = TopicsConfig()
    extract_timeout: float = 20.0
    extract_memory_mb: int = 1024

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(path: Path) -> Config:
    """Read, parse and validate a config file; raise ConfigError naming the file and the key."""
    data = _read_toml(path)
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path) -> Config:
    """Validate already-parsed TOML data against the settings tables."""
    known = {s.name for s in SETTINGS} | set(TABLES)
    _reject_unknown(data, known, path, where="top level")
    top = _typed(data, SETTINGS, path, where="")
    defaults_table = _table(data.get("defaults", {}), path, "[defaults]")
    _reject_unknown(defaults_table, {s.name for s in DEFAULTS}, path, where="[defaults]")
    defaults = _typed(defaults_table, DEFAULTS, path, where="defaults.")
    feeds = _parse_feeds(data.get("feeds", []), defaults, path)
    _check_values(top, path)
    _check_schedule(top, path)
    _check_render(top, path)
    _check_extract(top, path)
    base = path.parent
    email = _parse_email(data["email"], path) if "email" in data else None
    return Config(
        path=path,
        title=top["title"],
        timezone=top["timezone"],
        window_hours=float(top["window_hours"]),
        output_dir=(base / top["output_dir"]).resolve(),
        formats=tuple(top["formats"]),
        database=(base / top["database"]).resolve(),
        page_size=top["page_size"],
        summary_words=top["summary_words"],
        lead_summary_words=top["lead_summary_words"],
        sections=tuple(top["sections"]),
        workers=top["workers"],
        feeds=feeds,
        schedule=top["schedule"],
        catch_up_hours=float(top["catch_up_hours"]),
        poll_minutes=float(top["poll_minutes"]),
        run_deadline_minutes=float(top["run_deadline_minutes"]),
        email=email,
        fetch=_parse_fetch(data.get("fetch", {}), path),
        template_dir=_template_dir(top["template_dir"], path),
        site_url=top["site_url"],
        render_timeout=float(top["render_timeout"]),
        render_memory_mb=top["render_memory_mb"],
        topics=_parse_topics(data.get("topics", {}), path),
        extract_timeout=float(top["extract_timeout"]),
        extract_memory_mb=top["extract_memory_mb"],
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "config file not found", path=path, hint="pass --config PATH, or copy feeds.toml"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror}", path=path) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("config file is not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=line, hint="check quotes and brackets"
        ) from None


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _table(value: Any, path: Path, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table", path=path, key=where.strip("[]"))
    return value


def _reject_unknown(data: Mapping[str, Any], known: set[str], path: Path, where: str) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(known))}"
        raise ConfigError(f"unknown key '{key}' in {where}", path=path, key=key, hint=hint)


def _typed(
    data: Mapping[str, Any], settings: tuple[Setting, ...], path: Path, where: str
) -> dict[str, Any]:
    """Each declared setting's value, checked for type, or its default."""
    values: dict[str, Any] = {}
    for setting in settings:
        if setting.name not in data:
            if setting.required:
                raise ConfigError(
                    f"missing required key '{setting.name}' in {where.rstrip('.') or 'top level'}",
                    path=path,
                    key=setting.name,
                    hint=setting.help,
                )
            values[setting.name] = setting.default
            continue
        values[setting.name] = _coerce(data[setting.name], setting, path, where)
    return values


def _coerce(value: Any, setting: Setting, path: Path, where: str) -> Any:
    expected = setting.type
    # TOML integers are fine where a float is expected; booleans are not numbers here.
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise _type_error(setting, value, path, where, "a list of strings")
        return value
    raise _type_error(setting, value, path, where, expected.__name__)


def _type_error(setting: Setting, value: Any, path: Path, where: str, wanted: str) -> ConfigError:
    got = type(value).__name__
    return ConfigError(
        f"'{where}{setting.name}' must be {wanted}, not {got} ({value!r})",
        path=path,
        key=f"{where}{setting.name}",
        hint=setting.help,
    )


def _parse_feeds(raw: Any, defaults: Mapping[str, Any], path: Path) -> tuple[FeedSource, ...]:
    if not isinstance(raw, list):
        raise ConfigError("'feeds' must be an array of tables: [[feeds]]", path=path, key="feeds")
    known = {s.name for s in FEED} | {s.name for s in DEFAULTS}
    feeds: list[FeedSource] = []
    for number, entry in enumerate(raw, start=1):
        label = f"[[feeds]] #{number}"
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            label += f" '{entry['name']}'"
        table = _table(entry, path, label)
        _reject_unknown(table, known, path, where=label)
        own = _typed(table, FEED, path, where=f"{label} ")
        limits = _typed({**defaults, **table}, DEFAULTS, path, where=f"{label} ")
        _check_url(own["url"], path, label)
        feeds.append(FeedSource(name=own["name"], url=own["url"], **limits))
    _check_unique(feeds, path)
    return tuple(feeds)


def _check_url(url: str, path: Path, label: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{label}: url '{url}' is not an http(s) URL",
            path=path,
            key="url",
            hint="feeds are fetched over http or https only",
        )


def _check_unique(feeds: list[FeedSource], path: Path) -> None:
    seen: set[str] = set()
    for feed in feeds:
        if feed.name in seen:
            raise ConfigError(
                f"two feeds are named '{feed.name}'",
                path=path,
                key="name",
                hint="each feed needs its own name",
            )
        seen.add(feed.name)


def _check_values(top: Mapping[str, Any], path: Path) -> None:
    try:
        ZoneInfo(top["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone '{top['timezone']}'",
            path=path,
            key="timezone",
            hint="use an IANA name such as 'Europe/London' or 'UTC'",
        ) from None
    bad = [f for f in top["formats"] if f not in FORMATS]
    if bad:
        raise ConfigError(
            f"unknown format '{bad[0]}' in 'formats'",
            path=path,
            key="formats",
            hint=f"choose from {', '.join(FORMATS)}",
        )
    if top["page_size"] not in PAGE_SIZES:
        raise ConfigError(
            f"unknown page_size '{top['page_size']}'",
            path=path,
            key="page_size",
            hint=f"choose from {', '.join(PAGE_SIZES)}",
        )
    for key in ("window_hours", "summary_words", "lead_summary_words", "workers"):
        if top[key] <= 0:
            raise ConfigError(f"'{key}' must be greater than 0", path=path, key=key)


def _check_schedule(top: Mapping[str, Any], path: Path) -> None:
    from apscheduler.triggers.cron import CronTrigger  # only to validate the cron line

    try:
        CronTrigger.from_crontab(top["schedule"], timezone=ZoneInfo(top["timezone"]))
    except ValueError as exc:
        raise ConfigError(
            f"'schedule' is not a cron line: {exc}",
            path=path,
            key="schedule",
            hint="five fields: minute hour day month weekday, e.g. '0 6 * * *'",
        ) from None
    for key in ("catch_up_hours", "poll_minutes", "run_deadline_minutes"):
        if top[key] < 0 or (top[key] == 0 and key != "catch_up_hours"):
            raise ConfigError(f"'{key}' must be greater than 0", path=path, key=key)


def _parse_email(raw: Any, path: Path) -> EmailConfig:
    table = _table(raw, path, "[email]")
    _reject_unknown(table, {s.name for s in EMAIL}, path, where="[email]")
    v = _typed(table, EMAIL, path, where="email.")
    if not v["to"]:
        raise ConfigError("'email.to' names no recipient", path=path, key="email.to")
    for address in (*v["to"], v["from"]):
        _check_address(address, path)
    if v["security"] not in SECURITY:
        raise ConfigError(
            f"unknown security '{v['security']}'",
            path=path,
            key="email.security",
            hint=f"choose from {', '.join(SECURITY)}",
        )
    _check_plain_smtp(v, path)
    try:
        v["subject"].format(subject="", title="", date="")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"'email.subject' has an unknown placeholder: {exc}",
            path=path,
            key="email.subject",
            hint="use {subject}, {title} and {date}",
        ) from None
    ca_file = (path.parent / v["ca_file"]).resolve() if v["ca_file"] else None
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(f"ca_file '{ca_file}' is not a file", path=path, key="email.ca_file")
    return EmailConfig(
        to=tuple(v["to"]),
        sender=v["from"],
        smtp_host=v["smtp_host"],
        smtp_port=v["smtp_port"],
        security=v["security"],
        username_env=v["username_env"],
        password_env=v["password_env"],
        ca_file=ca_file,
        subject=v["subject"],
        timeout=v["timeout"],
    )


def _check_address(address: str, path: Path) -> None:
    from email.utils import parseaddr

    _, spec = parseaddr(address)
    # Header injection and typos are refused here, not discovered by the mail server at 6 am.
    well_formed = re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.\w+", spec)
    if "\r" in address or "\n" in address or not well_formed:
        raise ConfigError(
            f"'{address}' is not an e-mail address",
            path=path,
            key="email",
            hint="write 'name@example.org' or 'Name <name@example.org>'",
        )


def _check_plain_smtp(v: Mapping[str, Any], path: Path) -> None:
    """Without TLS, only a server on this machine, and never a password."""
    if v["security"] != "none":
        return
    if v["smtp_host"] not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError(
            "security 'none' is only for a server on this machine",
            path=path,
            key="email.security",
            hint="use 'starttls' or 'tls' for a remote server",
        )
    if v["username_env"] or v["password_env"]:
        raise ConfigError(
            "credentials are never sent without TLS",
            path=path,
            key="email.username_env",
            hint="use security 'starttls' or 'tls', or drop username_env and password_env",
        )


def _parse_fetch(raw: Any, path: Path) -> FetchConfig:
    table = _table(raw, path, "[fetch]")
    _reject_unknown(table, {s.name for s in FETCH}, path, where="[fetch]")
    v = _typed(table, FETCH, path, where="fetch.")
    for network in v["allow_networks"]:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(
                f"'{network}' in 'fetch.allow_networks' is not a network",
                path=path,
                key="fetch.allow_networks",
                hint="write an address or a CIDR block: '127.0.0.1/32', '10.1.0.0/16'",
            ) from None
    if v["per_host"] < 1 or v["host_delay"] < 0 or v["retries"] < 0:
        raise ConfigError(
            "'fetch.per_host' must be at least 1, host_delay and retries at least 0",
            path=path,
            key="fetch",
        )
    return FetchConfig(**{**v, "allow_networks": tuple(v["allow_networks"])})


def _parse_topics(raw: Any, path: Path) -> TopicsConfig:
    table = _table(raw, path, "[topics]")
    _reject_unknown(table, {s.name for s in TOPICS}, path, where="[topics]")
    v = _typed(table, TOPICS, path, where="topics.")
    rules = []
    for section, words in v["rules"].items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ConfigError(
                f"'topics.rules.{section}' must be a list of words",
                path=path,
                key=f"topics.rules.{section}",
                hint='e.g. Technology = ["software", "chip"]',
            )
        rules.append((section, tuple(words)))
    if v["history_days"] < 0:
        raise ConfigError("'topics.history_days' must be 0 or more", path=path, key="history_days")
    return TopicsConfig(
        rules=tuple(rules),
        boost=tuple(v["boost"]),
        mute=tuple(v["mute"]),
        auto_for=tuple(v["auto_for"]),
        history_days=v["history_days"],
    )


def _template_dir(value: str, path: Path) -> Path | None:
    """The user's template folder, resolved against the config file; it must exist."""
    if not value:
        return None
    folder = (path.parent / value).resolve()
    if not folder.is_dir():
        raise ConfigError(
            f"template_dir '{folder}' is not a folder",
            path=path,
            key="template_dir",
            hint="copy the templates you change from the project's templates/ into it",
        )
    return folder


def _check_render(top: Mapping[str, Any], path: Path) -> None:
    site = top["site_url"]
    if site and (urlsplit(site).scheme not in ("http", "https") or not urlsplit(site).netloc):
        raise ConfigError(
            f"site_url '{site}' is not an http(s) URL", path=path, key="site_url"
        )
    if top["render_timeout"] <= 0:
        raise ConfigError(
            "'render_timeout' must be greater than 0", path=path, key="render_timeout"
        )
    if top["render_memory_mb"] < 512:
        raise ConfigError(
            "'render_memory_mb' must be at least 512",
            path=path,
            key="render_memory_mb",
            hint="a 60-story edition needs about 512 MB; the default leaves room for more",
        )


def _check_extract(top: Mapping[str, Any], path: Path) -> None:
    if top["extract_timeout"] <= 0:
        raise ConfigError(
            "'extract_timeout' must be greater than 0", path=path, key="extract_timeout"
        )
    if top["extract_memory_mb"] < 128:
        raise ConfigError(
            "'extract_memory_mb' must be at least 128",
            path=path,
            key="extract_memory_mb",
            hint="trafilatura needs a few hundred MB on large pages",
        )


def settings_reference() -> str:
    """The settings tables as Markdown, for the README and `briefing check --settings`."""
    rows = ["| key | where | type | default | meaning |", "|---|---|---|---|---|"]
    for where, table in (("top level", SETTINGS), ("[defaults] or [[feeds]]", DEFAULTS)):
        rows += [_reference_row(s, where) for s in table]
    rows += [_reference_row(s, "[[feeds]]") for s in FEED]
    rows += [_reference_row(s, "[email]") for s in EMAIL]
    rows += [_reference_row(s, "[fetch]") for s in FETCH]
    rows += [_reference_row(s, "[topics]") for s in TOPICS]
    return "\n".join(rows)


def _reference_row(setting: Setting, where: str) -> str:
    # JSON spells strings, booleans and lists of strings the way TOML does.
    default = "required" if setting.required else f"`{json.dumps(setting.default)}`"
    return f"| `{setting.name}` | {where} | {setting.type.__name__} | {default} | {setting.help} |"
