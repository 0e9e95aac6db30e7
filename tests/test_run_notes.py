"""What a run tells its user: the price of politeness on one busy site; why an edition is empty."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from briefing.config import parse_config
from briefing.demo.server import serve
from briefing.models import Entry
from briefing.pipeline import _politeness_note

from .conftest import ROOT


def entries(host: str, n: int) -> list[Entry]:
    return [
        Entry(f"{host}{k}", "Feed", "World", f"http://{host}/{k}", "", "", None) for k in range(n)
    ]


def test_one_site_whose_pages_take_long_by_its_delay_is_named() -> None:
    config = parse_config({"feeds": [{"name": "A", "url": "http://a.example/feed"}]}, ROOT / "x")
    busy = entries("a.example", 1000) + entries("b.example", 10)
    assert _politeness_note(config, busy) == " (1000 from a.example: at least 100 s, 0.1 s apart)"
    spread = [e for h in range(20) for e in entries(f"h{h}.example", 50)]
    assert _politeness_note(config, spread) == ""  # 1,000 pages on 20 sites: 5 s each


def _old_feed_config(tmp_path: Path, url: str) -> Path:
    """A config reading the Guardian's feed of 31 January 2018 from `url`, without its pages."""
    config = tmp_path / "feeds.toml"
    config.write_text(
        'timezone = "UTC"\nformats = ["html"]\n[fetch]\nallow_networks = ["127.0.0.0/8"]\n'
        f'[[feeds]]\nurl = "{url}"\nmax_articles = 10\nfull_text = false\n',
        encoding="utf-8",
    )
    return config


def _generate(config: Path, *args: str) -> str:
    run = CliRunner().invoke(
        main, ["generate", "--config", str(config), *args], catch_exceptions=False
    )
    assert run.exit_code == 0, run.output
    return str(run.output.strip().splitlines()[-1])


def test_an_empty_edition_says_its_feeds_items_are_older_than_its_window(tmp_path: Path) -> None:
    """A new user's first run on a feed whose items are all old: the edition and the run's last
    line say why it is empty, and what to change; doing it (--as-of) then finds the items,
    though the feed, asked with the validators the first run kept, would answer 304."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "feeds" / "guardian.rss", site)  # of 31 Jan 2018
    with serve(site) as server:
        config = _old_feed_config(tmp_path, f"{server.base_url}/guardian.rss")
        last = _generate(config)
        assert last.endswith(
            "; no item in the window: 10 older, the newest of 31 Jan 2018 "
            "(widen window_hours, or pass --as-of)"
        ), last
        edition = next((tmp_path / "output").glob("briefing-*.html")).read_text(encoding="utf-8")
        assert (
            "None of the feeds' items falls in its window: 10 are older, the newest of 31 Jan"
            in (edition)
        )
        assert "<strong>1</strong> feed</li>" in edition  # one feed, not "1 feeds"
        again = _generate(config, "--as-of", "2018-01-31T21:00Z")
    assert again.startswith("Done: 1 feed (0 failed, 0 unchanged), 10 articles (10 new"), again


def test_a_feed_checked_before_the_first_run_still_gives_its_items(tmp_path: Path) -> None:
    """`feeds check --fetch` reads a feed and keeps its validators, but takes none of its items: the
    run after it must not be answered 304 and find nothing."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "feeds" / "guardian.rss", site)
    with serve(site) as server:
        config = _old_feed_config(tmp_path, f"{server.base_url}/guardian.rss")
        check = CliRunner().invoke(main, ["feeds", "check", "--fetch", "--config", str(config)])
        assert check.exit_code == 0, check.output
        last = _generate(config, "--as-of", "2018-01-31T21:00Z")
    assert last.startswith("Done: 1 feed (0 failed, 0 unchanged), 10 articles (10 new"), last
