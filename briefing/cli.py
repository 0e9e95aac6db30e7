"""The command line: each command parses its options, calls one library function, prints."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import Config, load_config
from .errors import BriefingError
from .pipeline import RunResult, generate

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True)
out = Console()


class RichProgress:
    """Shows each stage of a run as a progress bar on the terminal (quiet when not a TTY)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def start(self, stage: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(stage, total=max(total, 1))

    def advance(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal,
    )


def handle_errors(func: F) -> F:
    """Turn a BriefingError into one clear message and its exit code; a traceback with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BriefingError as exc:
            if debug:
                raise
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            sys.exit(exc.exit_code)

    option = click.option("--debug", is_flag=True, help="Show a traceback on errors.")
    return option(wrapper)  # type: ignore[return-value]


def config_option(func: F) -> F:
    """The --config option every command that reads feeds.toml shares."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=Path("feeds.toml"),
        show_default=True,
        help="The config file.",
    )(func)


@click.group()
@click.version_option(__version__, prog_name="briefing")
def main() -> None:
    """Make a daily news briefing from your feeds: one story per event, every sentence sourced."""


@main.command("generate")
@config_option
@click.option("--as-of", "as_of", help="Edition date or time (YYYY-MM-DD[THH:MM]); default now.")
@click.option(
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write here instead of the config's output_dir.",
)
@handle_errors
def generate_command(config_path: Path, as_of: str | None, output_dir: Path | None) -> None:
    """Fetch the feeds and write today's briefing.

    Example: briefing generate --config feeds.toml --as-of 2026-11-23
    """
    config = load_config(config_path)
    moment = _parse_as_of(as_of, config) if as_of else None
    with _bar() as bar:
        result = generate(config, as_of=moment, output_dir=output_dir, progress=RichProgress(bar))
    _report(result)


@main.command("demo")
@click.option(
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("output/demo"),
    show_default=True,
    help="Where the demo briefing is written.",
)
@handle_errors
def demo_command(output_dir: Path) -> None:
    """Make the demo briefing from the bundled reports, offline, into output/demo/.

    Example: briefing demo
    """
    from .demo import run_demo

    with _bar() as bar:
        result = run_demo(output_dir, progress=RichProgress(bar))
    _report(result)


@main.command("check")
@config_option
@handle_errors
def check_command(config_path: Path) -> None:
    """Validate the config and list what a run would fetch.

    Example: briefing check --config feeds.toml
    """
    config = load_config(config_path)
    out.print(_feed_table(config))
    out.print(
        f"{config_path}: OK, {len(config.feeds)} feeds; writes {', '.join(config.formats)} "
        f"to {config.output_dir}; store {config.database}"
    )


def _feed_table(config: Config) -> Table:
    table = Table("feed", "topic", "url", "max", "full text", title=config.title)
    for feed in config.feeds:
        table.add_row(
            feed.name,
            feed.topic,
            feed.url,
            str(feed.max_articles),
            "yes" if feed.full_text else "no",
        )
    return table


def _parse_as_of(value: str, config: Config) -> datetime:
    """A date means the end of that day in the config's time zone; a time is taken as given."""
    tz = ZoneInfo(config.timezone)
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59, 59), tzinfo=tz)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not YYYY-MM-DD or an ISO date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _report(result: RunResult) -> None:
    for failure in result.briefing.failures:
        # Feed names and reasons come from outside: never read them as rich markup.
        detail = escape(f"{failure.subject} ({failure.url}): {failure.reason}")
        err.print(f"[yellow]{failure.stage} failed:[/] {detail}", highlight=False, soft_wrap=True)
    out.print(result.summary_line(), highlight=False, soft_wrap=True, markup=False)
