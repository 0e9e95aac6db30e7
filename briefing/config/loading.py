"""Load and validate a config file: the top level, [defaults] and each [[feeds]] entry."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from ..models import FeedSource
from .settings import DEFAULTS, FEED, FORMATS, PAGE_SIZES, SETTINGS, TABLES, Config
from .tables import _parse_email, _parse_fetch, _parse_llm, _parse_topics
from .values import _read_toml, _reject_unknown, _table, _typed, is_http_url


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
        llm=_parse_llm(data.get("llm", {}), path),
        executor=_executor(top["executor"], path),
        max_stories=top["max_stories"],
    )


def _executor(value: str, path: Path) -> str:
    from ..executor import executor_problem  # here: the executor builds on later stages

    problem = executor_problem(value)
    if problem is not None:
        raise ConfigError(
            problem,
            path=path,
            key="executor",
            hint='use "processes", or "dask://HOST:PORT" after pip install \'briefing[dask]\'',
        )
    return value


def _parse_feeds(raw: Any, defaults: Mapping[str, Any], path: Path) -> tuple[FeedSource, ...]:
    if not isinstance(raw, list):
        raise ConfigError("'feeds' must be an array of tables: [[feeds]]", path=path, key="feeds")
    known = {s.name for s in FEED} | {s.name for s in DEFAULTS}
    feeds: list[FeedSource] = []
    named: list[bool] = []  # whether the config gave each feed its name
    for number, entry in enumerate(raw, start=1):
        label = f"[[feeds]] #{number}"
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            label += f" '{entry['name']}'"
        table = _table(entry, path, label)
        _reject_unknown(table, known, path, where=label)
        own = _typed(table, FEED, path, where=f"{label} ")
        limits = _typed({**defaults, **table}, DEFAULTS, path, where=f"{label} ")
        _check_url(own["url"], path, label)
        named.append(bool(own["name"].strip()))
        name = " ".join(own["name"].split()) or host_name(own["url"])
        feeds.append(FeedSource(name=name, url=own["url"], **limits))
    _check_unique([f for f, given in zip(feeds, named, strict=True) if given], path)
    return tuple(feeds)


def host_name(url: str) -> str:
    """The name of a feed the config names none: its host, less "www." ("theguardian.com").

    Two unnamed feeds of one host share it: one outlet, counted once among a story's sources.
    """
    return (urlsplit(url).hostname or url).removeprefix("www.")


def _check_url(url: str, path: Path, label: str) -> None:
    if not is_http_url(url):
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
    if site and not is_http_url(site):
        raise ConfigError(f"site_url '{site}' is not an http(s) URL", path=path, key="site_url")
