"""`briefing init`: a new, commented feeds.toml from a starter feed set, never over a file.

The starter sets are data (starters.toml beside this module); the comments above each setting
are the help lines of the settings table, so the file says what `briefing check` enforces.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import click

from ..config import DEFAULTS, SETTINGS, Setting, parse_config
from ..errors import ConfigError
from .common import handle_errors, out

CONFIG_NAME = "feeds.toml"
DEFAULT_STARTER = "world-en"
# The feed the empty starter shows, commented out, as the form of a [[feeds]] table.
EXAMPLE_FEED = ("BBC News", "https://feeds.bbci.co.uk/news/world/rss.xml", "World")


@dataclass(frozen=True, slots=True)
class Starter:
    """One starter feed set: what it is, the edition's title, zone and sections, its feeds."""

    name: str
    about: str
    title: str
    timezone: str
    sections: tuple[str, ...]
    feeds: tuple[tuple[str, str, str], ...]  # (name, url, topic)


def load_starters() -> dict[str, Starter]:
    """The starter sets shipped with briefing, by name, in the order starters.toml lists them."""
    data = tomllib.loads((files(__package__) / "starters.toml").read_text(encoding="utf-8"))
    return {
        name: Starter(
            name=name,
            about=s["about"],
            title=s["title"],
            timezone=s["timezone"],
            sections=tuple(s["sections"]),
            feeds=tuple((f["name"], f["url"], f["topic"]) for f in s["feeds"]),
        )
        for name, s in data.items()
    }


def starter_config(starter: Starter) -> str:
    """The text of a commented feeds.toml holding the starter's settings and feeds."""
    lines = [
        "# briefing's configuration: what to read, and how the edition looks.",
        f"# Written by `briefing init --starter {starter.name}`:",
        f"# {starter.about}.",
        "#",
        "# Next: `briefing check` validates this file and lists its feeds; `briefing generate`",
        "# fetches them and writes today's edition (HTML and PDF) to output/, beside this file.",
        "# `briefing feeds add URL` adds a feed (a site's address will do); `briefing feeds",
        "# import FILE` adds those of an OPML export. docs/configuration.md lists every setting.",
        "",
    ]
    top = {"title": starter.title, "timezone": starter.timezone, "sections": starter.sections}
    for name in ("title", "timezone", "window_hours", "sections", "output_dir", "formats"):
        lines += _setting(SETTINGS, name, top.get(name))
    for name in ("database", "page_size", "summary_words"):
        lines += _setting(SETTINGS, name, None)
    lines += [
        "",
        "# What every feed inherits unless its own [[feeds]] entry says otherwise.",
        "[defaults]",
    ]
    for name in ("max_articles", "full_text"):
        lines += _setting(DEFAULTS, name, None)
    lines += ["", "# One [[feeds]] table per feed: its name, its URL, and the section it goes to."]
    for name, url, topic in starter.feeds:
        lines += ["", "[[feeds]]", *_pairs(name=name, url=url, topic=topic)]
    if not starter.feeds:
        name, url, topic = EXAMPLE_FEED
        lines += ["# Remove the # of the four lines below to read this one:", "#"]
        lines += ["# [[feeds]]", *(f"# {p}" for p in _pairs(name=name, url=url, topic=topic))]
    return "\n".join(lines) + "\n"


def write_starter(folder: Path, starter: Starter) -> Path:
    """Write the starter's feeds.toml into `folder` (made if missing); never over a file."""
    path = folder / CONFIG_NAME
    text = starter_config(starter)
    parse_config(tomllib.loads(text), path)  # the file written is one `briefing check` accepts
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise ConfigError(
            "already exists; briefing init never writes over a file",
            path=path,
            hint=f"check it with `briefing check --config {path}`, or init another folder",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot be written: {exc.strerror}", path=path) from None
    return path


def _setting(table: tuple[Setting, ...], name: str, value: Any) -> list[str]:
    setting = next(s for s in table if s.name == name)
    return [f"# {setting.help}", f"{name} = {_toml(setting.default if value is None else value)}"]


def _pairs(**values: str) -> list[str]:
    return [f"{key} = {_toml(value)}" for key, value in values.items()]


def _toml(value: Any) -> str:
    """A TOML value: a JSON string is a TOML basic string, its escapes included."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path, dir_okay=True), default=Path("."))
@click.option(
    "--starter",
    default=DEFAULT_STARTER,
    show_default=True,
    help="The feed set to start from (see --list); none: no feeds, one example commented out.",
)
@click.option("--list", "list_only", is_flag=True, help="List the starter feed sets and stop.")
@handle_errors
def init_command(folder: Path, starter: str, list_only: bool) -> None:
    """Write a commented feeds.toml into FOLDER (default: here) from a starter feed set.

    Example: briefing init --starter news-de my-briefing
    """
    starters = load_starters()
    if list_only:
        for s in starters.values():
            click.echo(f"{s.name:<11} {len(s.feeds):>2} feeds  {s.about}")
        return
    if starter not in starters:
        choices = ", ".join(starters)
        raise click.BadParameter(f"'{starter}' is not one of {choices}", param_hint="'--starter'")
    path = write_starter(folder, starters[starter])
    config = "" if folder == Path(".") else f" --config {path}"
    count = len(starters[starter].feeds)
    out.print(
        f"Wrote {path} ({count} feed{'' if count == 1 else 's'}, starter {starter}).\n"
        f"Next: `briefing check{config}` lists the feeds; `briefing generate{config}` writes "
        f"today's edition to {folder / 'output'}/. "
        f"Add feeds with `briefing feeds add URL{config}`.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
