"""`briefing feeds`: list, add, import, export and check the feeds of the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from ..config import load_config
from .common import config_option, feed_table, handle_errors, out


@click.group("feeds")
def feeds_group() -> None:
    """List, add, import, export and check the feeds of the config.

    Example: briefing feeds add https://www.example.org/ --topic World
    """


@feeds_group.command("list")
@config_option
@handle_errors
def feeds_list_command(config_path: Path) -> None:
    """List the configured feeds.

    Example: briefing feeds list
    """
    out.print(feed_table(load_config(config_path)))


@feeds_group.command("add")
@config_option
@click.argument("url")
@click.option("--topic", help="The section its stories go to.")
@click.option("--name", help="The outlet's name (default: the feed's title).")
@handle_errors
def feeds_add_command(config_path: Path, url: str, topic: str | None, name: str | None) -> None:
    """Add a feed, or a site whose page names its feed (autodiscovery).

    Example: briefing feeds add https://www.example.org/ --topic World
    """
    from dataclasses import replace

    from ..fetch.feedlist import add_feeds, discover_feed
    from ..fetch.http import Fetcher, policy_for

    config = load_config(config_path)
    with Fetcher(policy=policy_for(config.fetch)) as fetcher:
        found = discover_feed(url, fetcher)
    added = add_feeds(config_path, [replace(found, name=name or found.name, topic=topic)])
    verb = "added" if added else "already in the config:"
    out.print(f"{verb} {found.name} <{found.url}>", highlight=False, markup=False)


@feeds_group.command("import")
@config_option
@click.argument("opml_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@handle_errors
def feeds_import_command(config_path: Path, opml_file: Path) -> None:
    """Add every feed of an OPML file that the config lacks.

    Example: briefing feeds import subscriptions.opml
    """
    from ..fetch.feedlist import add_feeds, read_opml_file

    feeds = read_opml_file(opml_file)
    added = add_feeds(config_path, feeds)
    out.print(f"{len(added)} of {len(feeds)} feeds added to {config_path}", highlight=False)


@feeds_group.command("export")
@config_option
@handle_errors
def feeds_export_command(config_path: Path) -> None:
    """Write the feeds as OPML 2.0 to standard output.

    Example: briefing feeds export > subscriptions.opml
    """
    from ..fetch.feedlist import write_opml

    config = load_config(config_path)
    click.echo(write_opml(config.feeds, config.title))


@feeds_group.command("check")
@config_option
@click.option("--fetch", "fetch_now", is_flag=True, help="Fetch the feeds that are due first.")
@handle_errors
def feeds_check_command(config_path: Path, fetch_now: bool) -> None:
    """Show each feed's status, last success, failures in a row, entries and error.

    Example: briefing feeds check --fetch
    """
    from ..fetch.feedlist import check_now, feed_health
    from ..fetch.http import Fetcher, policy_for
    from ..store import open_store

    config = load_config(config_path)
    with open_store(config.database) as store:
        if fetch_now:
            with Fetcher(policy=policy_for(config.fetch)) as fetcher:
                check_now(config, fetcher, store)
        rows = feed_health(config, store)
    out.print(_health_table(rows))


def _health_table(rows: Any) -> Table:
    table = Table("feed", "status", "last success", "failures", "entries", "error")
    for source, h in rows:
        if h is None:
            table.add_row(escape(source.name), "never fetched", "", "", "", "")
            continue
        status = "failing" if h.failures else "ok"
        success = h.last_success.strftime("%Y-%m-%d %H:%M") if h.last_success else "never"
        entries = "" if h.entries is None else str(h.entries)
        error = escape(h.last_error or "")
        table.add_row(escape(source.name), status, success, str(h.failures), entries, error)
    return table
