"""The command line: each command parses its options, calls one library function, prints."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.markup import escape

from .. import __version__
from ..config import SETTINGS, Config, load_config
from ..errors import ExecutorError, RenderError
from ..pipeline import RunResult, generate
from ..runtime.lock import instance_lock
from .common import (
    RichProgress,
    config_option,
    err,
    feed_table,
    handle_errors,
    out,
    progress_bar,
)
from .feeds import feeds_group
from .init import init_command


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
@click.option("--send", is_flag=True, help="Then e-mail it to [email] recipients who lack it.")
@handle_errors
def generate_command(
    config_path: Path, as_of: str | None, output_dir: Path | None, send: bool = False
) -> None:
    """Fetch the feeds and write today's briefing.

    Example: briefing generate --config feeds.toml --as-of 2026-11-23
    """
    config = load_config(config_path, feeds_required=True)
    moment = _parse_as_of(as_of, config) if as_of else None
    if send:
        _generate_and_send(config, moment, output_dir)
        return
    with _store_lock(config, "generate"), progress_bar() as bar:
        result = generate(config, as_of=moment, output_dir=output_dir, progress=RichProgress(bar))
    _report(result)
    _require_pdf(result)
    _require_executor(result)


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
    from ..demo import run_demo

    with progress_bar() as bar:
        result = run_demo(output_dir, progress=RichProgress(bar))
    _report(result)


@main.command("check")
@config_option
@handle_errors
def check_command(config_path: Path) -> None:
    """Validate the config and list what a run would fetch.

    Example: briefing check --config feeds.toml
    """
    config = load_config(config_path, feeds_required=True)
    out.print(feed_table(config))
    out.print(
        f"{config_path}: OK, {len(config.feeds)} feed{'' if len(config.feeds) == 1 else 's'}; "
        f"writes {', '.join(config.formats)} "
        f"to {config.output_dir}; store {config.database}"
    )


# Editions are dated in these years: a window reaching back from year 1, or a day after one
# in 9999, is past what a date can hold.
AS_OF_YEARS = (1970, 9998)


def _parse_as_of(value: str, config: Config, option: str = "--as-of") -> datetime:
    """A date means the end of that day in the config's time zone; a time is taken as given."""
    tz = ZoneInfo(config.timezone)
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time(23, 59, 59), tzinfo=tz)
        else:
            moment = datetime.fromisoformat(value)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
        local = moment.astimezone(tz)
    except (ValueError, OverflowError):
        raise click.BadParameter(
            f"'{value}' is not YYYY-MM-DD or an ISO date-time", param_hint=f"'{option}'"
        ) from None
    first, last = AS_OF_YEARS
    if not first <= local.year <= last:
        raise click.BadParameter(
            f"'{value}' is out of range: editions are dated from {first} to {last}",
            param_hint=f"'{option}'",
        )
    return moment


def _store_lock(config: Config, purpose: str) -> AbstractContextManager[Path]:
    """The store's lock for one run: another run holding it is waited for, up to a run's deadline.

    Waiting, not refusing, is what a job started by cron needs: the run that waited makes its
    edition from what the first one stored, fetching only what changed since, where a refusal
    would lose that edition. A scheduler is never waited for: it holds the lock while it runs.
    """
    return instance_lock(config.database, purpose=purpose, wait=config.run_deadline_minutes * 60)


def _report(result: RunResult) -> None:
    for failure in result.briefing.failures:
        # Feed names and reasons come from outside: never read them as rich markup.
        detail = escape(f"{failure.subject} ({failure.url}): {failure.reason}")
        err.print(f"[yellow]{failure.stage} failed:[/] {detail}", highlight=False, soft_wrap=True)
    out.print(result.summary_line(), highlight=False, soft_wrap=True, markup=False)


def _generate_and_send(config: Config, moment: datetime | None, output_dir: Path | None) -> None:
    from ..deliver.edition import run_edition

    with _store_lock(config, "generate"), progress_bar() as bar:
        result = run_edition(
            config, as_of=moment, output_dir=output_dir, progress=RichProgress(bar)
        )
    _report(result.run)
    _report_deliveries(result.deliveries)
    _require_pdf(result.run)
    _require_executor(result.run)


def _require_executor(result: RunResult) -> None:
    """A run whose executor failed for too many pages fails (exit 9), its edition written."""
    lost = result.lost_on_cluster
    if lost is not None:
        raise ExecutorError(f"{lost.url}: {lost.reason}")


def _require_pdf(result: RunResult) -> None:
    """A run whose PDF could not be made fails (exit 4), once every other file is written."""
    if result.pdf_error:
        raise RenderError(result.pdf_error)


@main.command("send")
@config_option
@click.option("--date", "day", help="The edition's date (YYYY-MM-DD); default today.")
@click.option("--resend", is_flag=True, help="Send again, even to those who had it.")
@handle_errors
def send_command(config_path: Path, day: str | None, resend: bool) -> None:
    """E-mail a stored edition to the recipients who have not had it (or all, with --resend).

    Example: briefing send --date 2026-11-23
    """
    from ..deliver.edition import send_edition
    from ..store import open_store

    config = load_config(config_path)
    edition = _parse_as_of(day, config, "--date").date() if day else datetime.now(config.tz).date()
    with _store_lock(config, "send"), open_store(config.database) as store:
        deliveries = send_edition(store, config, edition, resend=resend)
    _report_deliveries(deliveries)


@main.command("schedule")
@config_option
@click.option("--run-now", is_flag=True, help="Make today's edition at once if it is not done.")
@handle_errors
def schedule_command(config_path: Path, run_now: bool) -> None:
    """Run until stopped: the edition on the config's schedule, the feeds polled in between.

    Example: briefing schedule --config feeds.toml
    """
    import logging

    from ..deliver.schedule import serve_forever

    config = load_config(config_path)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own log says what ran
    err.print(
        f"briefing schedule: '{config.schedule}' ({config.timezone}), polling every "
        f"{config.poll_minutes:g} min; SIGTERM or Ctrl-C stops it",
        highlight=False,
        markup=False,
    )
    serve_forever(config, run_now=run_now)
    err.print("briefing schedule: stopped", highlight=False, markup=False)


def _report_deliveries(deliveries: Any) -> None:
    """One line per recipient on what this run did for them; raise the outcome's error."""
    from ..deliver import delivery_problem

    for d in deliveries:
        colour = {"sent": "green", "uncertain": "yellow", "withheld": "yellow"}.get(d.status, "red")
        err.print(f"[{colour}]mail[/] {escape(_delivery_line(d))}", highlight=False, soft_wrap=True)
    problem = delivery_problem(deliveries)
    if problem is not None:
        raise problem


def _delivery_line(d: Any) -> str:
    """'sent' only for a message that went out in this run; an earlier outcome says so."""
    if d.status == "sent" and not d.this_run:
        return f"{d.recipient}: already sent ({d.day})"
    if d.status == "withheld":
        return f"{d.recipient}: nothing to send"  # why: the one error line that follows
    line = f"{d.recipient}: {d.status} {d.detail}".rstrip()
    if d.status == "uncertain":
        line += " (it may have arrived: check, and send again with `briefing send --resend`)"
    return line


@main.command("extract")
@click.argument("path_or_url")
@click.option("--url", help="Where a saved page came from (improves its metadata).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, removed parts included.")
@click.option("--explain", is_flag=True, help="Also show what was removed, and why.")
@handle_errors
def extract_command(path_or_url: str, url: str | None, as_json: bool, explain: bool) -> None:
    """Print the article of one saved page (plain or .gz) or URL, without its boilerplate.

    Example: briefing extract saved/page.html.gz --url https://example.org/news/1 --explain
    """
    import json

    from ..extract import explain_document, extract_document, extraction_record, format_dropped

    if explain:  # every paragraph of the page that did not reach the text, and why
        extraction, dropped = explain_document(path_or_url, url)
    else:
        extraction, dropped = extract_document(path_or_url, url), []
    record = extraction_record(extraction)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(f"{record['title']}\n\n{record['text']}")
    if explain:
        click.echo("\n" + format_dropped(dropped))


@main.command("cluster")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: the stories.")
@click.option("--explain", is_flag=True, help="Say why articles were put together or kept apart.")
@click.option(
    "--window-hours",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Let a section span this many hours, as a weekly edition's (168); a story spans 36.",
)
@handle_errors
def cluster_command(file: Path, as_json: bool, explain: bool, window_hours: float) -> None:
    """Group the articles of a JSONL file (id, title, text; url, source, published, categories)
    into stories.

    Example: briefing cluster articles.jsonl --explain
    """
    import json

    from ..compose.explain import cluster_file, format_report, read_articles

    report = cluster_file(read_articles(file), explain=explain, window_hours=window_hours)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report))


@main.command("summarize")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--words",
    type=click.IntRange(min=1),
    default=lambda: next(s.default for s in SETTINGS if s.name == "summary_words"),
    show_default="60",
    help="Word budget of each summary.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: the stories.")
@handle_errors
def summarize_command(file: Path, words: int, as_json: bool) -> None:
    """Summarise the stories of a JSONL file of articles, as read by `briefing cluster`.

    A `story` field on a line fixes its story; lines without one are clustered first.

    Example: briefing summarize articles.jsonl --words 60 --json
    """
    import json

    from ..compose.summaryfile import format_summaries, summarize_file

    report = summarize_file(file, words)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_summaries(report))


main.add_command(feeds_group)
main.add_command(init_command)
