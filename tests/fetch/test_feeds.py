"""Feed parsing on real feeds, and the feed stage against a real local server."""

from __future__ import annotations

import csv
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.demo.server import Canned, serve
from briefing.fetch.feeds import fetch_feed, fetch_feeds
from briefing.fetch.http import Fetcher, FetchPolicy, Response
from briefing.fetch.identity import anchored, canonical_url, entry_id, identity_key
from briefing.fetch.parse import html_to_text, parse_feed, read_feed, title_text
from briefing.models import FeedSource

from ..conftest import EVAL, FIXTURES, need

SOURCE = FeedSource(name="Test", url="http://127.0.0.1/feed", topic="World", max_articles=1000)


def response(body: bytes, content_type: str = "application/xml") -> Response:
    return Response(
        url="https://example.org/feed", status=200, body=body, content_type=content_type
    )


def eval_feeds() -> list[dict[str, str]]:
    index = need(EVAL / "feeds" / "index.tsv")
    with index.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_real_feed_served_locally_gives_entries_or_a_clear_error() -> None:
    """All 144 files through the real feed stage: none raises, feedparser's counts hold."""
    rows = eval_feeds()
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), per_host=8, host_delay=0.0)
    with serve(EVAL / "feeds") as server, Fetcher(policy=policy) as client:
        sources = [
            FeedSource(row["path"], f"{server.base_url}/{row['path']}", "W", max_articles=10_000)
            for row in rows
        ]
        results = fetch_feeds(sources, client, lambda url: (None, None), workers=4)
    outcomes = {"same count": 0, "json": 0, "not a feed": 0, "error": 0}
    for row, result in zip(rows, results, strict=True):
        assert result.ok or result.error, row["path"]  # an error is always said in words
        if row["path"].endswith(".json"):
            outcomes["json"] += result.ok
        elif row["kind"] == "feed" and result.ok:
            assert result.items == int(row["entries"]), row["path"]
            outcomes["same count"] += 1
        elif row["kind"] in ("html", "opml"):
            assert result.error and "not a feed" in result.error, row["path"]
            outcomes["not a feed"] += 1
        if row["kind"] == "feed" and row["bozo"] == "0" and int(row["entries"]) > 0:
            assert result.ok, (row["path"], result.error)
        outcomes["error"] += not result.ok
    assert outcomes["same count"] == 117  # of 118: one is malformed and has no item links
    assert outcomes["json"] == 12  # of 14: one is RSS spelled in JSON, one is cut off
    assert outcomes["not a feed"] == 8


def test_json_feeds_give_every_item() -> None:
    """JSON Feed 1.0 and 1.1, which feedparser does not read, against their own item lists."""
    for row in eval_feeds():
        if not row["path"].endswith(".json"):
            continue
        body = (EVAL / "feeds" / row["path"]).read_bytes()
        try:
            data = json.loads(body, strict=False)
        except ValueError:
            assert parse_feed(response(body, "application/feed+json"), SOURCE) is None
            continue
        content = read_feed(response(body, "application/feed+json"), SOURCE)
        if "jsonfeed.org" not in str(data.get("version")):
            assert content is None, row["path"]
            continue
        assert content is not None and content.items == len(data["items"]), row["path"]
        linked = {i.get("url") or i.get("external_url") for i in data["items"]} - {None}
        assert len(content.entries) == len(linked), row["path"]


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


def test_markup_escaped_twice_is_read_as_markup() -> None:
    """Real feeds that escape their HTML twice: Reddit's item bodies, a Livemint headline."""
    reddit = parse_feed(response((FIXTURES / "feeds" / "reddit-atom.rss").read_bytes()), SOURCE)
    assert reddit is not None
    bodies = [e.summary for e in reddit if "SC_OFF" in e.summary or e.summary.startswith("Hey")]
    assert bodies and all("<" not in b and "SC_OFF" not in b for b in bodies)
    mint = parse_feed(response((FIXTURES / "feeds" / "livemint.xml").read_bytes()), SOURCE)
    assert mint is not None
    assert "SmartCity Kochi to raise ₹4,000 crore from investors" in {e.title for e in mint}
    assert not any("<" in e.title for e in mint)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Die Rückkehr von &lt;i&gt; und &lt;b&gt;", "Die Rückkehr von <i> und <b>"),
        ("Why 3 &lt; 4", "Why 3 < 4"),
        ("Raise &lt;span class='r'&gt;₹&lt;/span&gt;4 crore", "Raise ₹4 crore"),
    ],
)
def test_titles_keep_named_tags_and_lose_escaped_elements(title: str, expected: str) -> None:
    assert title_text(title) == expected


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("&lt;p&gt;Text&lt;/p&gt;&lt;p&gt;More&lt;/p&gt;", "Text\n\nMore"),
        ("&lt;!-- SC_OFF --&gt;&lt;div&gt;Hi&lt;/div&gt;", "Hi"),
        ("<p>Even if &lt;table&gt; syntax was odd</p>", "Even if <table> syntax was odd"),
        ("<p>&lt;b&gt;</p>", "<b>"),  # a lone tag name is the writer's text, not markup
    ],
)
def test_texts_that_open_with_escaped_markup_are_read_again(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


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


def test_one_article_in_two_feeds_or_respelled_counts_once(tmp_path: Path) -> None:
    from briefing.fetch.feeds import new_entries
    from briefing.models import Article, FeedResult
    from briefing.store import open_store

    def feed(name: str, links: list[str]) -> FeedResult:
        items = "".join(
            f"<item><title>T {i}</title><link>{link}</link><guid isPermaLink='false'>{name}-{i}"
            f"</guid><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>"
            for i, link in enumerate(links)
        )
        body = f'<rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'
        source = FeedSource(name, f"https://{name}.example/feed", "World")
        entries = parse_feed(response(body.encode()), source)
        return FeedResult(source=source, entries=entries or ())

    first = feed("a", ["https://news.example/2026/story?utm_source=rss", "https://news.example/b"])
    second = feed("b", ["http://www.news.example/2026/story/#comments"])
    start, end = datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC)
    with open_store(tmp_path / "b.db") as store:
        fresh = new_entries([first, second], store, start, end)
        assert sorted(e.url for e in fresh) == [
            "https://news.example/2026/story",
            "https://news.example/b",
        ]
        store.save_articles(
            [
                Article(e.id, e.source, e.topic, e.url, e.title, "text", e.published or start)
                for e in fresh
            ],
            datetime.now(UTC),
        )
        later = feed("c", ["https://www.news.example/2026/story/", "https://news.example/new"])
        assert [e.url for e in new_entries([later], store, start, end)] == [
            "https://news.example/new"
        ]
    assert (
        identity_key("HTTPS://WWW.News.example/a/?b=2&a=1&fbclid=x#top") == "news.example/a?a=1&b=2"
    )


def test_dates_keep_their_zone_and_future_dates_become_the_reading_time() -> None:
    items = "".join(
        f"<item><title>{title}</title><link>https://x.example/{i}</link>{date}</item>"
        for i, (title, date) in enumerate(
            [
                ("zoned", "<pubDate>Mon, 23 Nov 2026 10:00:00 +0200</pubDate>"),
                ("future", "<pubDate>Fri, 01 Jan 2099 00:00:00 GMT</pubDate>"),
                ("undated", ""),
            ]
        )
    )
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    before = datetime.now(UTC)
    entries = {e.title: e for e in parse_feed(response(body), SOURCE) or ()}
    assert entries["zoned"].published == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    future = entries["future"].published
    assert future is not None and before <= future <= datetime.now(UTC)
    assert entries["undated"].published is None  # the article stage dates it when it is read


def test_a_paragraph_most_entries_repeat_is_the_feeds_template_and_is_dropped() -> None:
    body = (FIXTURES / "feeds" / "macworld.rss").read_bytes()
    raw = feedparser_summaries(body)
    assert sum("To read this article in full" in s for s in raw) == 25  # of 30
    entries = parse_feed(response(body), SOURCE)
    assert entries is not None and len(entries) == 30
    assert not any("To read this article in full" in e.summary for e in entries)
    assert all(e.summary for e in entries)  # each keeps its own text
    reddit = parse_feed(response((FIXTURES / "feeds" / "reddit-atom.rss").read_bytes()), SOURCE)
    assert reddit is not None
    assert not any("comments]" in e.summary for e in reddit)  # "[link][533 comments]"
    # "submitted by<a>eskimio</a>to<a>pics</a>": glued, it read "submitted byeskimiotopics",
    # unlike every other item's line, and stayed to tie the feed's items together.
    assert not any("submitted by" in e.summary for e in reddit)
    home = parse_feed(response((FIXTURES / "feeds" / "reddit-home.rss").read_bytes()), SOURCE)
    assert home is not None and len(home) == 24
    assert not any("submitted by" in e.summary for e in home)  # "submitted by /u/X to /r/Y"


@pytest.mark.parametrize(
    ("summaries", "expected"),
    [
        # In 3 of 4: the template. In 2 of 4 a paragraph is kept: fewer than TEMPLATE_MIN.
        (
            ["A one.\n\nMore", "B two.\n\nMore", "C three.\n\nMore\n\nSee", "D four.\n\nSee"],
            ["A one.", "B two.", "C three.\n\nSee", "D four.\n\nSee"],
        ),
        # Numbers aside, the same paragraph: Reddit's "[link] [N comments]".
        (
            [
                "A.\n\n[link] [5 comments]",
                "B.\n\n[link] [12 comments]",
                "C.\n\n[link] [0 comments]",
            ],
            ["A.", "B.", "C."],
        ),
        # Short lines opening alike name each item in the template: gone. Long ones are reports.
        (
            [
                "A.\n\nsubmitted by ann to news",
                "B.\n\nsubmitted by bob to pics",
                "C.\n\nsubmitted by cy to gifs",
            ],
            ["A.", "B.", "C."],
        ),
        # A summary of one short line is the report, however it opens.
        (
            [f"The president said {w} on Monday." for w in "abc"],
            [f"The president said {w} on Monday." for w in "abc"],
        ),
        # Two entries cannot tell a template from a shared quotation.
        (["A.\n\nMore", "B.\n\nMore"], ["A.\n\nMore", "B.\n\nMore"]),
        # Said twice in an entry, in three of seven: a forum's line before each picture.
        (
            [f"{w}.\n\nPictures:\n\nPictures:" for w in "ABC"] + [f"{w}." for w in "DEFG"],
            ["A.", "B.", "C.", "D.", "E.", "F.", "G."],
        ),
        # Said twice in only two entries: kept, as a quotation repeated may be.
        (
            [f"{w}.\n\nPictures:\n\nPictures:" for w in "AB"] + [f"{w}." for w in "DEFG"],
            [f"{w}.\n\nPictures:\n\nPictures:" for w in "AB"] + [f"{w}." for w in "DEFG"],
        ),
    ],
)
def test_without_template(summaries: list[str], expected: list[str]) -> None:
    from briefing.fetch.parse import without_template
    from briefing.models import Entry

    entries = [
        Entry(str(k), "S", "W", f"https://x/{k}", "t", s, None) for k, s in enumerate(summaries)
    ]
    assert [e.summary for e in without_template(entries)] == expected


def feedparser_summaries(body: bytes) -> list[str]:
    """The entries' text as the feed gives it, before any cleaning of ours."""
    import io

    import feedparser

    return [html_to_text(e.get("summary", "")) for e in feedparser.parse(io.BytesIO(body)).entries]


def test_entries_carry_the_language_their_feed_declares() -> None:
    jn = parse_feed(response((FIXTURES / "feeds" / "jn.rss").read_bytes()), SOURCE)
    assert jn and {e.language for e in jn} == {"pt-pt"}
    mint = parse_feed(response((FIXTURES / "feeds" / "livemint.xml").read_bytes()), SOURCE)
    assert mint and {e.language for e in mint} == {""}  # it declares none
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "language": "de",
        "items": [
            {"id": "1", "url": "https://x/1", "title": "Eins", "content_text": "Text."},
            {
                "id": "2",
                "url": "https://x/2",
                "title": "Two",
                "content_text": "T.",
                "language": "en",
            },
        ],
    }
    body = json.dumps(feed).encode()
    entries = parse_feed(response(body, "application/feed+json"), SOURCE)
    assert entries and sorted(e.language for e in entries) == ["de", "en"]


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (["https://b.org/d.html#a1", "https://b.org/d.html#a2"], True),  # a day page's items
        (["https://b.org/1#top", "https://b.org/2#top"], False),  # pages of their own
        (["https://b.org/1", "https://b.org/1#comments"], False),  # one article, twice
        (["https://b.org/1#x", "https://www.b.org/1/#x"], False),  # one item, spelled twice
        (["https://b.org/1", "https://b.org/1"], False),
    ],
)
def test_items_that_are_anchors_on_one_page(links: list[str], expected: bool) -> None:
    assert anchored(links) is expected


def test_a_linkblog_keeps_each_item_of_a_day_page() -> None:
    """Scripting News links each item as an anchor on its day's page: folding the fragment away
    as for any other link kept 7 of its 50 items."""
    body = (FIXTURES / "feeds" / "scriptingNews.rss").read_bytes()
    entries = parse_feed(response(body), SOURCE)
    assert entries is not None and len(entries) == 48  # two items have no link
    assert len({e.id for e in entries}) == len({e.url for e in entries}) == 48
    assert all("#a" in e.url for e in entries)
    mint = parse_feed(response((FIXTURES / "feeds" / "livemint.xml").read_bytes()), SOURCE)
    assert mint and not any("#" in e.url for e in mint)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24 22:42"),  # Portuguese (UOL)
        ("mer, 16 nov 2022 00:38:15 +0100", "2022-11-15 23:38"),  # Italian day (Il Messaggero)
        ("jeu., 3 févr. 2022 10:00:00 +0100", "2022-02-03 09:00"),
        ("Do, 03 Mrz 2022 10:00:00 +0100", "2022-03-03 09:00"),
        ("lun, 5 ene 2015 8:00:00 -0500", "2015-01-05 13:00"),
        ("di, 12 mrt 2019 10:00:00 +0100", "2019-03-12 09:00"),
        ("Mon, 06 Sep 2021 12:00:00 GMT", None),  # English: feedparser's own parser reads it
        ("2022-01-03T10:00:00Z", None),
        ("Seg, 24 Foo 2018 19:42:40 -0300", None),
        ("ven, 3 jui 2022 10:00:00 +0100", None),  # juin or juillet: not guessed
    ],
)
def test_dates_with_foreign_names(value: str, expected: str | None) -> None:
    from briefing.text.dates import localized_rfc822

    parsed = localized_rfc822(value)
    assert (time.strftime("%Y-%m-%d %H:%M", parsed) if parsed else None) == expected


@pytest.mark.parametrize("name", ["uolNoticias.rss", "rss_2.0_ilmessaggero.xml"])
def test_a_feed_that_dates_its_items_in_its_own_language_keeps_the_dates(name: str) -> None:
    entries = parse_feed(response((FIXTURES / "feeds" / name).read_bytes()), SOURCE)
    assert entries and all(e.published for e in entries)
    assert all(e.published and e.published.year in (2018, 2022) for e in entries)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('submitted by<a href="u">ann</a>to<a href="r">pics</a>', "submitted by ann to pics"),
        ("over 1,000<a>bugs</a> in <a>FFmpeg</a>, 10<a>in</a>", "over 1,000 bugs in FFmpeg, 10 in"),
        ("use <a>CampaignFeed</a>s or <a>AdGroupFeed</a>s", "use CampaignFeeds or AdGroupFeeds"),
        ("The <a>Guardian</a>’s view of <a>COVID</a>-19", "The Guardian’s view of COVID-19"),
    ],
)
def test_a_link_glued_to_its_neighbours_is_a_word_of_its_own(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected
