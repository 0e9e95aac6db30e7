"""A config that cannot work is refused by `briefing check` with the file and the key, a date out
of range is a usage error, and an undated item is shown in the edition of the run that read it.

Each case was first seen accepted, or ending in a traceback, one run later.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefing.cli import main
from briefing.config import load_config
from briefing.deliver.edition import run_edition
from briefing.extract.dated import dated_when_read
from briefing.models import Article
from briefing.store import open_store

from ..fault_server import fault_server, fixed

FEED = '[[feeds]]\nname = "One"\nurl = "https://example.org/feed.xml"\n'


def check(tmp_path: Path, text: str, *args: str) -> Result:
    """`briefing check` (or the command in `args`) on a config file holding `text`."""
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    command = list(args) or ["check"]
    return CliRunner().invoke(main, [*command, "--config", str(path)])


def refused(result: Result, *words: str) -> str:
    """The one-line message of a refusal (exit 2, no traceback) that names each of `words`."""
    message = " ".join(result.stderr.split())  # rich wraps long lines
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit)  # not a crash
    assert "Traceback" not in result.output
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("window_hours = {}\n" + FEED, "window_hours"),
        ("render_timeout = {}\n" + FEED, "render_timeout"),
        ("extract_timeout = {}\n" + FEED, "extract_timeout"),
        ("[defaults]\ntimeout = {}\n" + FEED, "defaults.timeout"),
        (FEED + "timeout = {}\n", "[[feeds]] #1 'One' timeout"),
        (FEED + "[fetch]\nhost_delay = {}\n", "fetch.host_delay"),
        (FEED + "[llm]\nurl = 'http://127.0.0.1:1/v1'\nmodel = 'm'\ntimeout = {}\n", "llm.timeout"),
    ],
)
@pytest.mark.parametrize("number", ["nan", "inf", "-inf"])
def test_a_float_setting_refuses_nan_and_infinity(
    tmp_path: Path, text: str, key: str, number: str
) -> None:
    result = check(tmp_path, text.format(number))
    refused(result, str(tmp_path / "feeds.toml"), f"'{key}' must be a finite number", number)


def test_a_window_too_long_for_a_date_is_refused(tmp_path: Path) -> None:
    result = check(tmp_path, "window_hours = 1e12\n" + FEED)
    refused(result, "'window_hours' must be at most 878400")


def test_a_window_of_decades_is_still_allowed(tmp_path: Path) -> None:
    result = check(tmp_path, f"window_hours = {24 * 365 * 30}\n" + FEED)
    assert result.exit_code == 0, result.output


def test_a_feed_listed_twice_is_refused_naming_both(tmp_path: Path) -> None:
    second = '[[feeds]]\nname = "Two"\nurl = "https://EXAMPLE.org/feed.xml"\n'
    result = check(tmp_path, FEED + second)
    refused(result, "[[feeds]] #1 'One' and #2 'Two' have the same url", "list each feed once")


def test_one_site_with_two_feeds_is_fine(tmp_path: Path) -> None:
    second = '[[feeds]]\nname = "Two"\nurl = "https://example.org/other.xml"\n'
    assert check(tmp_path, FEED + second).exit_code == 0


@pytest.mark.parametrize("line", ["0 6 30 2 *", "0 6 31 4 *", "0 6 29 2 mon"])
def test_a_schedule_that_never_fires_is_refused(tmp_path: Path, line: str) -> None:
    result = check(tmp_path, f'schedule = "{line}"\n' + FEED)
    refused(result, f"'schedule' '{line}' does not fire in the next eight years", "hint:")


def test_a_leap_day_schedule_fires_and_is_allowed(tmp_path: Path) -> None:
    assert check(tmp_path, 'schedule = "0 6 29 2 *"\n' + FEED).exit_code == 0


@pytest.mark.parametrize("port", [0, 70000, -25])
def test_an_smtp_port_out_of_range_is_refused(tmp_path: Path, port: int) -> None:
    email = f'[email]\nto = ["a@example.org"]\nfrom = "b@example.org"\nsmtp_port = {port}\n'
    result = check(tmp_path, FEED + email)
    refused(result, "'email.smtp_port' must be at")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            '[[feeds]]\nname = "One"\nurl = "https://example.org/a feed.xml"\n',
            ("[[feeds]] #1 'One': 'url' holds a space at position 22",),
        ),
        (
            '[[feeds]]\nname = "One"\nurl = "https://example.org/feed\\r\\nX-Evil: 1"\n',
            ("'url' holds the control character U+000D",),
        ),
        (
            '[[feeds]]\nname = "One"\nurl = "https://exam\\tple.org/feed"\n',
            ("'url' holds the control character U+0009",),
        ),
        ('site_url = "https://example.org/\\u0000x"\n' + FEED, ("'site_url'", "U+0000")),
        ('site_url = "https://example.org/\\n"\n' + FEED, ("'site_url'", "U+000A")),
        (
            FEED + '[fetch]\ncontact_url = "https://example.org/\\r\\nX-Evil: 1"\n',
            ("'fetch.contact_url'", "U+000D"),
        ),
        (FEED + "[llm]\nurl = 'http://127.0.0.1:1/v1 '\nmodel = 'm'\n", ("'llm.url'", "space")),
        ('executor = "dask://127.0.0.1:8786\\u007f"\n' + FEED, ("'executor'", "U+007F")),
    ],
)
def test_a_url_with_white_space_or_a_control_character_is_refused(
    tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    refused(check(tmp_path, text), str(tmp_path / "feeds.toml"), *words)


@pytest.mark.parametrize("text", ["", 'title = "Mine"\n', "feeds = []\n"])
@pytest.mark.parametrize("command", ["check", "generate"])
def test_a_config_without_feeds_is_refused_by_check_and_generate(
    tmp_path: Path, text: str, command: str
) -> None:
    result = check(tmp_path, text, command)
    refused(result, str(tmp_path / "feeds.toml"), "no feeds: add a [[feeds]] entry", "hint:")


def test_feeds_can_still_be_added_to_a_config_without_any(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('title = "Mine"\n', encoding="utf-8")
    assert load_config(path).feeds == ()


@pytest.mark.parametrize(
    "value", ["0001-01-01", "0001-01-01T00:00", "1969-12-31", "9999-12-31", "9999-12-31T23:59"]
)
def test_an_as_of_out_of_range_is_a_usage_error_naming_the_option(
    tmp_path: Path, value: str
) -> None:
    result = check(tmp_path, FEED, "generate", "--as-of", value)
    refused(result, "'--as-of'", f"'{value}' is out of range: editions are dated from 1970 to 9998")


def test_a_send_date_out_of_range_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    result = check(tmp_path, FEED, "send", "--date", "0001-01-01")
    refused(result, "'--date'", "out of range")


UNDATED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local</title><link>{base}/</link><description>x</description>
<item><title>Harbour bridge reopens after repairs</title><link>{base}/bridge</link>
<guid>{base}/bridge</guid><description>The harbour bridge reopened to traffic on Monday after
three months of repairs to its deck, the city council said in a statement.</description></item>
</channel></rss>"""


def test_an_undated_item_is_in_the_edition_of_the_run_that_read_it_and_only_that(
    tmp_path: Path,
) -> None:
    """It is dated when read: just inside the window of this run's edition, which ends at the
    moment the run began, so the next edition (starting there) does not show it again."""
    with fault_server("127.0.0.1", {}) as server:
        feed = UNDATED.replace(b"{base}", server.base_url.encode())
        server.behaviours["/feed"] = fixed(200, feed, {"Content-Type": "application/rss+xml"})
        path = tmp_path / "feeds.toml"
        path.write_text(
            'formats = ["html"]\n'
            "[fetch]\nallow_networks = ['127.0.0.1/32']\nhost_delay = 0\n"
            f'[[feeds]]\nname = "Local"\nurl = "{server.base_url}/feed"\nfull_text = false\n',
            encoding="utf-8",
        )
        # --send keeps the edition in the store, as the scheduler's runs do ([email] is unset).
        first = CliRunner().invoke(main, ["generate", "--send", "--config", str(path)])
        assert first.exit_code == 0, first.output
        assert "1 article (1 new" in " ".join(first.stdout.split())
        html = next((tmp_path / "output").glob("briefing-*.html")).read_text(encoding="utf-8")
        assert "Harbour bridge reopens after repairs" in html
        with sqlite3.connect(tmp_path / "briefing.db") as db:
            (published,) = db.execute("SELECT published FROM articles").fetchone()
            (window_end,) = db.execute("SELECT window_end FROM editions").fetchone()
        assert datetime.fromisoformat(published) < datetime.fromisoformat(window_end)
        # The scheduler's edition of the next day starts where this one ended.
        tomorrow = datetime.fromisoformat(window_end) + timedelta(days=1)
        second = run_edition(load_config(path), as_of=tomorrow, since_last_edition=True).run
    assert second.briefing.window_start == datetime.fromisoformat(window_end)
    assert second.briefing.stats.articles == 0
    assert server.requests["/feed"] == 2


@pytest.mark.parametrize(
    ("ended_before", "shown"),
    [(timedelta(0), True), (timedelta(seconds=3), True), (timedelta(days=1), False)],
)
def test_an_article_dated_when_read_is_moved_into_an_edition_made_now_only(
    tmp_path: Path, ended_before: timedelta, shown: bool
) -> None:
    """The scheduler fixes the end a moment before the run begins; a past day's edition was
    over before the item was read, and keeps it out."""
    began = datetime.now(UTC)
    end = began - ended_before
    read = Article("a", "S", "News", "https://example.org/a", "T", "Text.", began + timedelta(1))
    old = replace(read, id="b", url="https://example.org/b", published=end - timedelta(hours=3))
    with open_store(tmp_path / "b.db") as store:
        store.save_articles([read, old], began)
        dated = dated_when_read(store, (read, old), began, end)
        window = {a.id for a in store.articles_between(end - timedelta(hours=24), end)}
    assert dated[1] == old
    assert window == ({"a", "b"} if shown else {"b"})
    assert (dated[0].published < end) is shown
