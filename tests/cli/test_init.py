"""`briefing init`: a starter feeds.toml the project's own loader accepts, never over a file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.cli.init import load_starters
from briefing.config import load_config
from briefing.demo.server import serve

STARTERS = load_starters()
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title>
<link>__BASE__/</link><description>Local news</description>
<item><title>Harbour bridge closes after storm damage</title><link>__BASE__/bridge.html</link>
<pubDate>Fri, 21 Jan 2022 09:00:00 GMT</pubDate><description>The harbour bridge closed on
Friday after the storm damaged two of its piers, the city engineer said.</description></item>
</channel></rss>
"""
PAGE = """<html><head><title>Harbour bridge closes after storm damage</title></head><body>
<article><h1>Harbour bridge closes after storm damage</h1>
<p>The harbour bridge closed on Friday after the storm damaged two of its piers, the city
engineer said, and ferries will carry commuters across the bay until repairs are done.</p>
<p>Divers inspected the piers on Friday morning and found cracks in both of them, the
engineer said, adding that the bridge would stay shut for at least three weeks.</p>
</article></body></html>
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_init_writes_a_config_that_check_accepts(tmp_path: Path) -> None:
    code, said = invoke("init", str(tmp_path), "--starter", "world-en")
    assert code == 0, said
    config = tmp_path / "feeds.toml"
    assert f"Wrote {config} (7 feeds" in said and f"briefing check --config {config}" in said
    code, said = invoke("check", "--config", str(config))
    assert code == 0, said
    assert "OK, 7 feeds" in said and "https://feeds.bbci.co.uk/news/world/rss.xml" in said
    text = config.read_text(encoding="utf-8")
    assert "`briefing generate`" in text and "# IANA time zone" in text


@pytest.mark.parametrize("name", [n for n in STARTERS if n != "none"])
def test_every_starter_loads_with_https_feeds(tmp_path: Path, name: str) -> None:
    code, said = invoke("init", str(tmp_path), "--starter", name)
    assert code == 0, said
    config = load_config(tmp_path / "feeds.toml", feeds_required=True)
    assert len(config.feeds) == len(STARTERS[name].feeds) >= 5
    assert all(f.url.startswith("https://") for f in config.feeds)
    assert {f.topic for f in config.feeds} <= set(config.sections)


def test_init_never_writes_over_a_file(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('title = "Mine"\n', encoding="utf-8")
    code, said = invoke("init", str(tmp_path), "--starter", "tech-en")
    assert code == 2
    assert f"{config}: already exists" in " ".join(said.split())
    assert config.read_text(encoding="utf-8") == 'title = "Mine"\n'


def test_init_in_the_current_folder_says_the_plain_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, said = invoke("init", "--starter", "news-de")
    assert code == 0, said
    assert "`briefing check` lists the feeds" in said and "--config" not in said
    assert load_config(tmp_path / "feeds.toml").title == "Die Morgenlage"


def test_list_names_every_starter_and_an_unknown_one_is_refused(tmp_path: Path) -> None:
    code, said = invoke("init", "--list")
    assert code == 0
    listed = [line.split()[0] for line in said.splitlines()]
    assert listed == list(STARTERS) and "none" in listed and "news-fr" in listed
    code, said = invoke("init", str(tmp_path), "--starter", "news-xx")
    assert code == 2 and "'news-xx' is not one of world-en, tech-en" in said
    assert not (tmp_path / "feeds.toml").exists()


def test_the_empty_starter_shows_a_feed_and_check_says_how_to_add_one(tmp_path: Path) -> None:
    code, said = invoke("init", str(tmp_path), "--starter", "none")
    assert code == 0, said
    config = tmp_path / "feeds.toml"
    example = [line for line in config.read_text().splitlines() if line.startswith("# ")]
    uncommented = tomllib.loads("\n".join(line[2:] for line in example[-4:]))
    assert uncommented["feeds"][0]["url"] == "https://feeds.bbci.co.uk/news/world/rss.xml"
    code, said = invoke("check", "--config", str(config))
    assert code == 2 and "no feeds" in said and "briefing feeds add URL" in said
    code, said = invoke("feeds", "list", "--config", str(config))
    assert code == 0, said


def test_generate_from_the_empty_starter_and_one_added_feed(tmp_path: Path) -> None:
    """init, then `feeds add` of a feed on 127.0.0.1, then generate: the day's edition."""
    assert invoke("init", str(tmp_path), "--starter", "none")[0] == 0
    config = tmp_path / "feeds.toml"
    with config.open("a", encoding="utf-8") as file:  # the loopback is refused unless allowed
        file.write('\n[fetch]\nallow_networks = ["127.0.0.1/32"]\n')
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_text(FEED, encoding="utf-8")
    (site / "bridge.html").write_text(PAGE, encoding="utf-8")
    with serve(site) as server:
        url = f"{server.base_url}/feed.xml"
        code, said = invoke("feeds", "add", url, "--topic", "City", "--config", str(config))
        assert code == 0 and f"added Harbour Gazette <{url}>" in said, said
        code, said = invoke("generate", "--config", str(config), "--as-of", "2022-01-21")
    assert code == 0, said
    assert said.startswith("Done: 1 feed (0 failed") and "1 article (1 new, 0 fell back" in said
    html = (tmp_path / "output" / "briefing-2022-01-21.html").read_text(encoding="utf-8")
    assert "Harbour bridge closes after storm damage" in html and "Harbour Gazette" in html
    assert (tmp_path / "output" / "briefing-2022-01-21.pdf").stat().st_size > 5_000
