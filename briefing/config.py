"""Read `feeds.toml` and check it against the one declared table of settings.

Every setting is declared once, in SETTINGS (top level), DEFAULTS (what a feed inherits from
[defaults]) and FEED (what only a [[feeds]] entry holds). Defaults, validation, `briefing check`
and the README's settings reference all come from these tables.
"""

from __future__ import annotations

import difflib
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

FORMATS = ("html", "pdf")
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
    Setting("formats", list, ["html", "pdf"], "Outputs to write: any of html, pdf."),
    Setting("database", str, "briefing.db", "SQLite store of feeds and articles (relative)."),
    Setting("page_size", str, "A4", "PDF page size: A4 or Letter."),
    Setting("summary_words", int, 60, "Word budget of each story's summary."),
    Setting("lead_summary_words", int, 100, "Word budget of the lead story of each section."),
    Setting("sections", list, [], "Topic sections in the order they appear; others follow."),
    Setting("workers", int, 8, "How many downloads run at once (at most 2 per host)."),
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

TABLES = ("defaults", "feeds")


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
    base = path.parent
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


def settings_reference() -> str:
    """The settings tables as Markdown, for the README and `briefing check --settings`."""
    rows = ["| key | where | type | default | meaning |", "|---|---|---|---|---|"]
    for where, table in (("top level", SETTINGS), ("[defaults] or [[feeds]]", DEFAULTS)):
        rows += [_reference_row(s, where) for s in table]
    rows += [_reference_row(s, "[[feeds]]") for s in FEED]
    return "\n".join(rows)


def _reference_row(setting: Setting, where: str) -> str:
    # JSON spells strings, booleans and lists of strings the way TOML does.
    default = "required" if setting.required else f"`{json.dumps(setting.default)}`"
    return f"| `{setting.name}` | {where} | {setting.type.__name__} | {default} | {setting.help} |"
