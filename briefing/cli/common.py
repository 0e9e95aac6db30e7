"""What the commands share: error handling, the --config option, consoles, progress bars."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..config import Config
from ..errors import BriefingError

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


def progress_bar() -> Progress:
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
            # Not wrapped: one error, one line (a log or a test reads it whole).
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
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


# The least the table's other columns keep on a narrow terminal: there a name or a topic is
# wrapped or cut, never a URL, the one thing a user checks in the table.
OTHER_COLUMNS = 24
TABLE_RULES = 16  # five columns' padding and rules, and the closing rule


def feed_table(config: Config, width: int | None = None) -> Table:
    """The configured feeds as a table: name, topic, URL, cap and whether pages are read.

    The URL column is as wide as the longest URL if the terminal's `width` allows, else as wide
    as the other columns leave it; a URL longer than that folds onto the next line, whole.
    """
    width = out.width if width is None else width
    longest = max((cell_len(feed.url) for feed in config.feeds), default=3)
    url_width = max(min(longest, width - TABLE_RULES - OTHER_COLUMNS), 16)
    names = max((cell_len(f.name) + max(cell_len(f.topic), 5) for f in config.feeds), default=9)
    tight = TABLE_RULES + longest + names + len("max") + len("full text") > width
    table = Table(title=config.title)
    table.add_column("feed")
    table.add_column("topic")
    table.add_column("url", width=url_width, overflow="fold")
    table.add_column("max")
    table.add_column("full text", max_width=4 if tight else None)  # "yes", "no": header wraps
    for feed in config.feeds:
        table.add_row(
            Text(feed.name),  # Text, not str: a name from outside is never read as markup
            Text(feed.topic),
            Text(feed.url),
            str(feed.max_articles),
            "yes" if feed.full_text else "no",
        )
    return table
