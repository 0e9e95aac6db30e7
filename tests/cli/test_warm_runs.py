"""A second `briefing generate` a little later does only what changed.

Each test runs the command twice or more, as a user does, each run minutes after the one before
(the window moves with the clock), against the bundled site served on 127.0.0.1 with ETags, into
a real SQLite store and real files.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.demo import SITE
from briefing.demo.server import SiteServer, serve

FIRST = "2022-01-22T12:00"
FEED = "avrupatimes/feed.xml"
# A report on another event, its page gone: it joins the edition from the feed's own text.
ADDED = """  <item>
    <title>Ferry workers strike in Greek ports over pay</title>
    <link>__BASE__/avrupatimes/ferry-strike-greece.html</link>
    <guid isPermaLink="false">avrupatimes-48300</guid>
    <pubDate>Sat, 22 Jan 2022 08:00:00 +0000</pubDate>
    <description>Ferry crews walked out in Piraeus and Patras on Saturday, stranding travellers
    bound for the islands, as unions demanded a rise in pay to match prices.</description>
  </item>
"""


@dataclass
class Site:
    """The bundled site, copied so a test can add to it, served, and a config that reads it."""

    root: Path
    server: SiteServer
    config: Path
    folder: Path

    def generate(self, at: str) -> str:
        """`briefing generate` at time `at`; its output, after checking it succeeded."""
        result = CliRunner().invoke(main, ["generate", "--config", str(self.config), "--as-of", at])
        assert result.exit_code == 0, result.output
        return result.output

    @property
    def html(self) -> Path:
        return self.folder / "out" / "briefing-2022-01-22.html"

    def summaries_made(self) -> set[tuple[str, str]]:
        """Each summary the store keeps, with when it was made."""
        with sqlite3.connect(self.folder / "briefing.db") as db:
            return set(db.execute("SELECT key, made_at FROM kept_summaries"))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    templates = tmp_path / "templates"
    templates.mkdir()
    with serve(root) as server:
        feeds = "".join(
            f'[[feeds]]\nname = "{name}"\nurl = "{server.base_url}/{path}"\ntopic = "World"\n'
            for name, path in _feeds(root)
        )
        config = tmp_path / "feeds.toml"
        config.write_text(
            'title = "Warm runs"\ntimezone = "UTC"\nwindow_hours = 840\nformats = ["html"]\n'
            f'output_dir = "out"\ndatabase = "briefing.db"\ntemplate_dir = "templates"\n'
            f'[fetch]\nallow_networks = ["127.0.0.1/32"]\n{feeds}',
            encoding="utf-8",
        )
        yield Site(root, server, config, tmp_path)


def _feeds(root: Path) -> list[tuple[str, str]]:
    manifest = (root / "MANIFEST.toml").read_text(encoding="utf-8")
    names = [line.split('"')[1] for line in manifest.splitlines() if line.startswith("name =")]
    paths = [line.split('"')[1] for line in manifest.splitlines() if line.startswith("path =")]
    return list(zip(names, paths, strict=True))


def test_a_run_minutes_later_with_nothing_new_is_not_rendered_again(site: Site) -> None:
    first = site.generate(FIRST)
    assert "not rendered again" not in first
    written = site.html.stat().st_mtime_ns
    site.server.statuses.clear()
    again = site.generate("2022-01-22T12:07")  # the window moved by seven minutes
    assert "(unchanged, not rendered again)" in again
    assert "5 unchanged" in again and "0 new" in again
    assert site.html.stat().st_mtime_ns == written
    # Every feed answered 304, and not one page was asked for again.
    assert {status for _, status in site.server.statuses} == {304}


def test_an_added_article_renders_again_and_the_other_stories_keep_their_summaries(
    site: Site,
) -> None:
    feed = site.root / FEED
    # Without its <ttl> of 30 minutes, the feed is asked again minutes later.
    feed.write_text(feed.read_text("utf-8").replace("<ttl>30</ttl>", ""), "utf-8")
    site.generate(FIRST)
    before = site.summaries_made()
    assert len(before) >= 2
    feed.write_text(feed.read_text("utf-8").replace("  <item>", ADDED + "  <item>", 1), "utf-8")
    again = site.generate("2022-01-22T12:09")
    assert "not rendered again" not in again
    assert "1 new" in again
    assert "Ferry workers strike" in site.html.read_text(encoding="utf-8")
    # Only the new story was summarized: the others kept the summaries made the first time.
    after = site.summaries_made()
    assert before < after and len(after) == len(before) + 1


def test_a_deleted_file_is_rendered_again(site: Site) -> None:
    site.generate(FIRST)
    site.html.unlink()
    again = site.generate("2022-01-22T12:05")
    assert "not rendered again" not in again
    assert "Lavrov" in site.html.read_text(encoding="utf-8")


def test_a_changed_template_or_setting_renders_again(site: Site) -> None:
    site.generate(FIRST)
    written = site.html.stat().st_mtime_ns
    (site.folder / "templates" / "notes.txt").write_text("a template file added", "utf-8")
    assert "not rendered again" not in site.generate("2022-01-22T12:05")
    assert site.html.stat().st_mtime_ns != written
    site.config.write_text(
        site.config.read_text("utf-8").replace("Warm runs", "Another title"), "utf-8"
    )
    assert "not rendered again" not in site.generate("2022-01-22T12:10")
    assert "Another title" in site.html.read_text(encoding="utf-8")
