"""Feed parsing on real feeds, and the feed stage against a real local server."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.feeds import canonical_url, entry_id, fetch_feed, html_to_text, parse_feed
from briefing.http import Fetcher, Response
from briefing.models import FeedSource
from briefing.server import Canned, serve

from .conftest import EVAL, FIXTURES, need

SOURCE = FeedSource(name="Test", url="http://127.0.0.1/feed", topic="World", max_articles=1000)


def response(body: bytes, content_type: str = "application/xml") -> Response:
    return Response(
        url="https://example.org/feed", status=200, body=body, content_type=content_type
    )


def eval_feeds() -> list[dict[str, str]]:
    index = need(EVAL / "feeds" / "index.tsv")
    with index.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_real_feed_parses_or_fails_as_data() -> None:
    """No exception escapes for any of the real feed files; each kind is read as expected."""
    outcomes = {"feed": 0, "json": 0, "not a feed": 0}
    for row in eval_feeds():
        body = (EVAL / "feeds" / row["path"]).read_bytes()
        entries = parse_feed(response(body), SOURCE)
        if row["kind"] == "feed" and int(row["entries"]) > 0 and row["bozo"] == "0":
            assert entries is not None, row["path"]
            outcomes["feed"] += 1
        elif row["path"].endswith(".json") and entries:
            outcomes["json"] += 1
        elif row["kind"] in ("html", "opml"):
            assert not entries, row["path"]
            outcomes["not a feed"] += 1
    assert outcomes["feed"] >= 90
    assert outcomes["json"] >= 10  # JSON Feed, which feedparser itself does not read
    assert outcomes["not a feed"] == 8


def test_entries_are_sorted_newest_first_capped_and_unique() -> None:
    body = (FIXTURES / "feeds" / "livemint.xml").read_bytes()
    entries = parse_feed(response(body), SOURCE)
    assert entries is not None and len(entries) == 25
    dates = [e.published for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert len({e.id for e in entries}) == len(entries)
    capped = parse_feed(response(body), FeedSource("T", "http://x/", "W", max_articles=3))
    assert [e.id for e in capped or ()] == [e.id for e in entries[:3]]


def test_json_feed_entries() -> None:
    body = (FIXTURES / "feeds" / "jsonfeed_spec_1.json").read_bytes()
    entries = parse_feed(response(body, "application/feed+json"), SOURCE)
    assert entries and entries[0].url.startswith("https://")
    assert entries[0].title


def test_entry_identity_is_stable_and_ignores_tracking() -> None:
    a = entry_id("", "https://Example.org/a?id=3&utm_source=x#top", "Title")
    b = entry_id("", "https://example.org/a?id=3", "Other title")
    assert a == b
    assert canonical_url("javascript:alert(1)") == ""
    assert entry_id("guid-1", "https://x/1", "t") == entry_id("guid-1", "https://x/2", "u")


def test_html_to_text_keeps_paragraphs_and_drops_markup() -> None:
    text = html_to_text("<p>One &amp; two<script>bad()</script></p><p>Three<br>four\x00</p>")
    assert text == "One & two\n\nThree\n\nfour"


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>not a feed</body></html>", b"\x89PNG\r\n\x1a\n", b"/dev/zero"],
)
def test_non_feeds_are_not_feeds(body: bytes) -> None:
    assert parse_feed(response(body), SOURCE) is None


def test_fetch_feed_through_a_real_server(tmp_path: Path, fetcher: Fetcher) -> None:
    (tmp_path / "feed.xml").write_bytes((FIXTURES / "feeds" / "livemint.xml").read_bytes())
    canned = {
        "/broken.xml": Canned(200, b"<rss><channel><item><title>x</ti"),
        "/gone.xml": Canned(410, b""),
    }
    with serve(tmp_path, canned) as server:
        source = FeedSource("Mint", f"{server.base_url}/feed.xml", "Business", max_articles=10)
        first = fetch_feed(source, fetcher)
        again = fetch_feed(source, fetcher, first.etag, first.last_modified)
        broken = fetch_feed(FeedSource("B", f"{server.base_url}/broken.xml", "W"), fetcher)
        gone = fetch_feed(FeedSource("G", f"{server.base_url}/gone.xml", "W"), fetcher)
    assert first.ok and len(first.entries) == 10 and first.etag
    assert first.entries[0].topic == "Business" and first.entries[0].source == "Mint"
    assert first.entries[0].published and first.entries[0].published < datetime.now(UTC)
    assert again.not_modified and again.entries == () and again.ok
    assert broken.error and "not a feed" in broken.error
    assert gone.error == "HTTP 410" and gone.http_status == 410
