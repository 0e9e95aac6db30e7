from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.config import load_config
from briefing.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
title = "Test"
timezone = "Europe/Berlin"
window_hours = 12

[defaults]
max_articles = 5
topic = "World"

[[feeds]]
name = "One"
url = "https://example.org/feed.xml"

[[feeds]]
name = "Two"
url = "http://example.net/rss"
topic = "Science"
max_articles = 9
full_text = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_merges_defaults_and_resolves_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    one, two = config.feeds
    assert (one.topic, one.max_articles, one.full_text) == ("World", 5, True)
    assert (two.topic, two.max_articles, two.full_text) == ("Science", 9, False)
    assert config.window_hours == 12.0
    assert config.output_dir == (tmp_path / "output").resolve()
    assert config.database == (tmp_path / "briefing.db").resolve()


def test_the_committed_feeds_toml_is_valid_and_realistic() -> None:
    config = load_config(ROOT / "feeds.toml")
    assert 15 <= len(config.feeds) <= 30
    assert len({f.topic for f in config.feeds}) >= 4
    assert all(f.url.startswith("https://") for f in config.feeds)


def test_unknown_key_names_file_feed_and_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("max_articles = 9", "max_article = 9")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert str(tmp_path / "feeds.toml") in message
    assert "max_article" in message and "[[feeds]] #2 'Two'" in message
    assert "did you mean 'max_articles'?" in message
    assert info.value.exit_code == 2


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'window_hours' must be float, not str"):
        load_config(write(tmp_path, GOOD.replace("window_hours = 12", 'window_hours = "12"')))


def test_boolean_is_not_a_number(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_articles"):
        load_config(write(tmp_path, GOOD.replace("max_articles = 5", "max_articles = true")))


def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, 'title = "x"\n\nwindow_hours = = 3\n'))
    assert info.value.line == 3
    assert re.search(r"feeds\.toml:3: not valid TOML", str(info.value))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('timezone = "Europe/Berlin"', 'timezone = "Mars/Base"'), "unknown time zone"),
        (('url = "http://example.net/rss"', 'url = "file:///etc/passwd"'), "not an http"),
        (('name = "Two"', 'name = "One"'), "two feeds are named 'One'"),
        (("window_hours = 12", "window_hours = 0"), "must be greater than 0"),
        (('title = "Test"', 'title = "Test"\nformats = ["docx"]'), "unknown format 'docx'"),
    ],
)
def test_invalid_values(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_config(write(tmp_path, GOOD.replace(*change)))


def test_a_feed_without_a_name_is_named_for_its_host(tmp_path: Path) -> None:
    """`name` was required: a feed of one line, its address, is what a reader writes first."""
    text = GOOD + (
        '\n[[feeds]]\nurl = "https://www.theguardian.com/world/rss"\n'
        '\n[[feeds]]\nurl = "https://www.theguardian.com/science/rss"\nname = "  "\n'
    )
    config = load_config(write(tmp_path, text))
    names = [f.name for f in config.feeds]
    # One host, one outlet: two unnamed feeds of it share its name, as their reports' source.
    assert names == ["One", "Two", "theguardian.com", "theguardian.com"]
    with pytest.raises(ConfigError, match="two feeds are named 'One'"):
        load_config(write(tmp_path, text.replace('name = "Two"', 'name = " One "')))


def test_missing_required_feed_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing required key 'url'"):
        load_config(write(tmp_path, '[[feeds]]\nname = "No URL"\n'))


def test_bounds_declared_with_each_setting_apply_to_feeds_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'\[\[feeds\]\] #2 'Two' max_articles' must be greater"):
        load_config(write(tmp_path, GOOD.replace("max_articles = 9", "max_articles = 0")))
    with pytest.raises(ConfigError, match="'render_memory_mb' must be at least 512"):
        load_config(write(tmp_path, GOOD.replace('title = "Test"', "render_memory_mb = 100")))
    assert load_config(write(tmp_path, GOOD.replace('title = "Test"', "catch_up_hours = 0")))
