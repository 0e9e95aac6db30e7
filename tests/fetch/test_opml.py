"""Feed management: OPML in and out, `briefing feeds add` with autodiscovery, `feeds check`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.config import load_config
from briefing.demo.server import Canned, serve
from briefing.fetch.feedlist import feed_links, read_opml, write_opml

from ..conftest import EVAL, FIXTURES, need

OPML_DIR = EVAL / "feeds" / "rsparser" / "Tests" / "RSParserTests" / "Resources"


def config_file(tmp_path: Path, feeds: str = "") -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '# my feeds\ntitle = "Mine"\ndatabase = "b.db"\n\n'
        '[fetch]\nallow_networks = ["127.0.0.1/32"]\nhost_delay = 0.0\n' + feeds,
        encoding="utf-8",
    )
    return path


def test_reads_real_opml_files() -> None:
    for name in ("Subs.opml", "SubsNoTitleAttributes.opml"):
        data = need(OPML_DIR / name).read_bytes()
        feeds = read_opml(data)
        assert len(feeds) == data.count(b"xmlUrl="), name
        assert all(f.url.startswith("http") and f.name for f in feeds)


def test_export_then_import_gives_the_same_feeds(tmp_path: Path) -> None:
    config = load_config(ROOT_FEEDS)
    again = read_opml(write_opml(config.feeds, config.title).encode())
    assert [(f.name, f.url, f.topic) for f in again] == [
        (s.name, s.url, s.topic) for s in config.feeds
    ]


ROOT_FEEDS = Path(__file__).resolve().parents[2] / "feeds.toml"


LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE opml [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<opml version="2.0"><body><outline text="&lol9;" xmlUrl="http://a.example/f"/>'
    b"</body></opml>"
)
EXTERNAL = (
    b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    b'<opml version="2.0"><body><outline text="&secret;" xmlUrl="http://a.example/f"/>'
    b"</body></opml>"
)


@pytest.mark.parametrize("data", [LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_opml_declaring_entities_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ValueError, match="refused: the file declares an entity"):
        read_opml(data)
    opml = tmp_path / "bomb.opml"
    opml.write_bytes(data)
    config = config_file(tmp_path)
    before = config.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["feeds", "import", str(opml), "--config", str(config)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())  # as one line, however the console wrapped it
    assert f"{opml}: refused" in said and "lollol" not in said and "root:" not in said
    assert config.read_text(encoding="utf-8") == before  # nothing added


def test_opml_errors_name_the_file(tmp_path: Path) -> None:
    opml = tmp_path / "broken.opml"
    opml.write_bytes(b'<opml version="2.0"><body><outline text="x"')
    config = config_file(tmp_path)
    result = CliRunner().invoke(main, ["feeds", "import", str(opml), "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert f"{opml}: not well-formed XML" in " ".join(result.output.split())


def test_opml_with_a_doctype_but_no_entities_is_read() -> None:
    # an external DTD is named, never fetched: the port is closed, and nothing waits on it
    data = (
        b'<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd"><opml version="2.0"><body>'
        b'<outline text="A" xmlUrl="http://a.example/f"/></body></opml>'
    )
    assert [f.url for f in read_opml(data)] == ["http://a.example/f"]


def test_feed_links_of_a_page() -> None:
    page = (
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        '<link rel="alternate" type="text/html" href="/fr/">'
        '<link rel="alternate" type="application/feed+json" href="https://x.example/f.json">'
        '<link rel="stylesheet" href="/s.css"></head></html>'
    )
    assert feed_links(page, "https://news.example/a/") == [
        "https://news.example/feed.xml",
        "https://x.example/f.json",
    ]


def test_feeds_commands_add_import_export_and_check(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_bytes((FIXTURES / "feeds" / "livemint.xml").read_bytes())
    home = b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    canned = {"/": Canned(200, home, (("Content-Type", "text/html"),)), "/gone.xml": Canned(410)}
    config = config_file(tmp_path)
    runner = CliRunner()
    with serve(site, canned) as server:
        added = runner.invoke(
            main,
            ["feeds", "add", f"{server.base_url}/", "--topic", "Business", "--config", str(config)],
        )
        twice = runner.invoke(
            main, ["feeds", "add", f"{server.base_url}/feed.xml", "--config", str(config)]
        )
        opml = tmp_path / "subs.opml"
        opml.write_text(
            '<opml version="2.0"><body><outline text="World">'
            f'<outline text="Gone" xmlUrl="{server.base_url}/gone.xml"/>'
            f'<outline text="Mint again" xmlUrl="{server.base_url}/feed.xml?utm_source=x"/>'
            "</outline></body></opml>"
        )
        imported = runner.invoke(main, ["feeds", "import", str(opml), "--config", str(config)])
        checked = runner.invoke(main, ["feeds", "check", "--fetch", "--config", str(config)])
    assert added.exit_code == 0, added.output
    assert "added" in added.output and twice.output.startswith("already in the config")
    assert "1 of 2 feeds added" in imported.output  # the second is the same feed, tracked
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert config.read_text(encoding="utf-8").startswith("# my feeds")  # comments are kept
    assert [(f["url"].removeprefix(server.base_url), f.get("topic")) for f in data["feeds"]] == [
        ("/feed.xml", "Business"),
        ("/gone.xml", "World"),
    ]
    assert checked.exit_code == 0, checked.output
    assert "ok" in checked.output and "failing" in checked.output and "HTTP 410" in checked.output
    exported = runner.invoke(main, ["feeds", "export", "--config", str(config)])
    assert exported.output.count("xmlUrl=") == 2 and 'version="2.0"' in exported.output
