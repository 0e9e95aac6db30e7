"""The command line, run as a user runs it: a real subprocess, real exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from briefing.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefing", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_lists_the_committed_feeds() -> None:
    result = run("check", "--config", str(ROOT / "feeds.toml"))
    assert result.returncode == 0, result.stderr
    assert "OK, 22 feeds" in result.stdout
    assert "│ Ars " in result.stdout and "│ Technica " in result.stdout  # wrapped at 80 columns


def test_a_feed_of_one_line_is_checked_under_its_hosts_name(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nurl = "https://www.theguardian.com/world/rss"\n')
    result = run("check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())  # the terminal's width may wrap the line anywhere
    assert "OK, 1 feed;" in said and "│ theguardian.com │" in said


def test_bad_config_is_one_message_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nname = "X"\nurl = "https://example.org/"\nmax_article = 3\n')
    result = run("generate", "--config", str(config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"{config}: unknown key 'max_article' in [[feeds]] #1 'X'" in message
    assert "did you mean 'max_articles'?" in message


def test_missing_config_exit_2_and_debug_shows_traceback(tmp_path: Path) -> None:
    plain = run("check", "--config", str(tmp_path / "none.toml"))
    assert plain.returncode == 2 and "config file not found" in plain.stderr
    debug = run("check", "--config", str(tmp_path / "none.toml"), "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_bad_as_of_is_a_usage_error(tmp_path: Path) -> None:
    result = run("generate", "--config", str(ROOT / "feeds.toml"), "--as-of", "yesterday")
    assert result.returncode == 2 and "is not YYYY-MM-DD" in result.stderr


def test_demo_command_writes_the_edition_and_one_summary_line(tmp_path: Path) -> None:
    result = run("demo", "--output", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Done: 5 feeds (0 failed")
    assert "3 stories from 5 outlets" in lines[0]
    assert (tmp_path / "demo" / "briefing-2022-01-22.pdf").stat().st_size > 10_000


def test_every_command_help_ends_with_an_example() -> None:
    for command in ("generate", "demo", "check"):
        result = run(command, "--help")
        assert result.returncode == 0 and "Example: briefing" in result.stdout


LONG_URL = (
    "https://feeds.example.org/news/world/europe/politics/elections/2026/regional/rss.xml?full=1"
)


def url_column(table: str) -> str:
    """The URL column of a printed feed table, its folded lines joined."""
    rows = [line.split("│") for line in table.splitlines() if line.startswith("│")]
    return "".join(cells[3].strip() for cells in rows)


def test_check_and_feeds_list_show_whole_urls_at_80_columns(tmp_path: Path) -> None:
    """On a narrow terminal a name may be cut, a URL never: it folds onto the next line."""
    config = tmp_path / "feeds.toml"
    committed = (ROOT / "feeds.toml").read_text(encoding="utf-8")
    config.write_text(committed + f'\n[[feeds]]\nname = "Long"\nurl = "{LONG_URL}"\n')
    urls = [f.url for f in load_config(config).feeds]
    for command in (["check"], ["feeds", "list"]):
        result = CliRunner().invoke(
            main, [*command, "--config", str(config)], env={"COLUMNS": "80"}
        )
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.output.splitlines()) <= 80
        assert url_column(result.output) == "".join(urls)
        assert "│ https://www.theguardian.com/world/rss " in result.output  # fits: one line
