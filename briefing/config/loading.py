"""Load and validate a config file: the top level, [defaults] and each [[feeds]] entry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from ..models import FeedSource
from .schema import build
from .settings import DEFAULTS, FEED, FORMATS, PAGE_SIZES, SETTINGS, TABLES, Config
from .tables import _parse_email, _parse_fetch, _parse_llm, _parse_topics, check_networks
from .values import (
    _read_toml,
    _reject_unknown,
    _table,
    _typed,
    check_url_text,
    executor_problem,
    is_http_url,
)

# A schedule must fire within this long: February 29th comes at least every eight years.
SCHEDULE_HORIZON = timedelta(days=8 * 366)


def load_config(path: Path, *, feeds_required: bool = False) -> Config:
    """Read, parse and validate a config file; raise ConfigError naming the file and the key.

    With `feeds_required`, a config without a feed is refused: a run would make an empty edition.
    """
    data = _read_toml(path)
    config = parse_config(data, path)
    if feeds_required and not config.feeds:
        raise ConfigError(
            "no feeds: add a [[feeds]] entry",
            path=path,
            key="feeds",
            hint='[[feeds]] with url = "https://example.org/feed.xml", or briefing feeds add URL',
        )
    return config


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
    return build(
        Config,
        SETTINGS,
        top,
        path=path,
        output_dir=(base / top["output_dir"]).resolve(),
        database=(base / top["database"]).resolve(),
        feeds=feeds,
        # In this order, as a config with several faults has always been told of the first.
        email=_parse_email(data["email"], path) if "email" in data else None,
        fetch=_parse_fetch(data.get("fetch", {}), path),
        template_dir=_template_dir(top["template_dir"], path),
        topics=_parse_topics(data.get("topics", {}), path),
        llm=_parse_llm(data.get("llm", {}), path),
        executor=_executor(top["executor"], path),
    )


def _executor(value: str, path: Path) -> str:
    check_url_text(value, path, "executor")
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
        limits["allow_networks"] = check_networks(
            limits["allow_networks"], path, "allow_networks", label=f"{label}: "
        )
        _check_url(own["url"], path, label)
        named.append(bool(own["name"].strip()))
        name = " ".join(own["name"].split()) or host_name(own["url"])
        feeds.append(build(FeedSource, DEFAULTS, limits, name=name, url=own["url"]))
    _check_unique([f for f, given in zip(feeds, named, strict=True) if given], path)
    _check_unique_urls(feeds, path)
    return tuple(feeds)


def host_name(url: str) -> str:
    """The name of a feed the config names none: its host, less "www." ("theguardian.com").

    Two unnamed feeds of one host share it: one outlet, counted once among a story's sources.
    """
    return (urlsplit(url).hostname or url).removeprefix("www.")


def _check_url(url: str, path: Path, label: str) -> None:
    check_url_text(url, path, "url", where=f"{label}: ")
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


def _check_unique_urls(feeds: list[FeedSource], path: Path) -> None:
    """Refuse a feed listed twice: runs key a feed's state by its URL, so one would hide the
    other (host names are case-blind, so they are compared folded)."""
    seen: dict[str, tuple[int, FeedSource]] = {}
    for number, feed in enumerate(feeds, start=1):
        parts = urlsplit(feed.url)
        key = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
        if key in seen:
            first, other = seen[key]
            raise ConfigError(
                f"[[feeds]] #{first} '{other.name}' and #{number} '{feed.name}' "
                f"have the same url '{feed.url}'",
                path=path,
                key="url",
                hint="list each feed once",
            )
        seen[key] = (number, feed)


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

    zone = ZoneInfo(top["timezone"])
    try:
        trigger = CronTrigger.from_crontab(top["schedule"], timezone=zone)
    except ValueError as exc:
        raise ConfigError(
            f"'schedule' is not a cron line: {exc}",
            path=path,
            key="schedule",
            hint="five fields: minute hour day month weekday, e.g. '0 6 * * *'",
        ) from None
    # A day that never comes ("0 6 30 2 *", February 30th) parses, and the scheduler then
    # waits for ever: no edition and no error.
    now = datetime.now(zone)
    fires = trigger.get_next_fire_time(None, now)
    if fires is None or fires > now + SCHEDULE_HORIZON:
        raise ConfigError(
            f"'schedule' '{top['schedule']}' does not fire in the next eight years",
            path=path,
            key="schedule",
            hint="check the day and month fields, e.g. '0 6 * * *' is 6 am every day",
        )


# The bundled templates, which a user's template_dir overrides one file at a time. An installed
# wheel carries them inside the package (pyproject.toml maps them there); a checkout keeps them at
# the top of the repository, beside the package.
_PACKAGED = Path(__file__).resolve().parent.parent / "templates"
BUNDLED_TEMPLATES = _PACKAGED if _PACKAGED.is_dir() else _PACKAGED.parent.parent / "templates"


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
    check_url_text(site, path, "site_url")
    if site and not is_http_url(site):
        raise ConfigError(f"site_url '{site}' is not an http(s) URL", path=path, key="site_url")
