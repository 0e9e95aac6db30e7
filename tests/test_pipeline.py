"""The whole pipeline through real boundaries: a local HTTP server, SQLite, WeasyPrint, pypdf."""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefing.config import parse_config
from briefing.demo import SITE, public_addresses, run_demo
from briefing.demo.addresses import SiteTransport
from briefing.demo.server import Canned, serve
from briefing.errors import FetchError
from briefing.fetch.http import Fetcher, Response
from briefing.fetch.parse import parse_feed
from briefing.models import FeedSource
from briefing.pipeline import RunResult, generate
from briefing.text.sentences import derived_from

from .conftest import EVAL, FIXTURES, need

APPEAL = ("small favor to ask", "Support The Moscow Times", "Remind me later", "paiment methods")
GENEVA = {"Avrupa Times", "Sputnik", "The Moscow Times"}


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out), out


def test_demo_makes_html_and_pdf(demo: tuple) -> None:
    result, out = demo
    names = sorted(p.name for p in out.iterdir())
    edition = ["briefing-2022-01-22.html", "briefing-2022-01-22.pdf"]
    # Beside the edition, the folder's archive: its index, Atom feed and manifest.
    assert names == [*edition, "editions.json", "feed.atom", "index.html"]
    assert result.archive == tuple(out / n for n in ("editions.json", "index.html", "feed.atom"))
    assert result.briefing.number == 1
    assert len(PdfReader(out / "briefing-2022-01-22.pdf").pages) >= 1
    assert result.briefing.failures == ()
    assert (result.briefing.stats.feeds, result.briefing.stats.articles) == (5, 5)


def test_demo_geneva_meeting_is_one_story_of_three_outlets(demo: tuple) -> None:
    result, _ = demo
    stories = result.briefing.stories
    by_outlets = {frozenset(s.sources): s for s in stories}
    assert frozenset(GENEVA) in by_outlets
    assert frozenset({"InfoSurHoy"}) in by_outlets  # Lavrov's press conference of 17 January
    assert frozenset({"News2in"}) in by_outlets  # the talks first announced in December
    assert len(stories) == 3
    geneva = by_outlets[frozenset(GENEVA)]
    assert geneva.summary and {s.source for s in geneva.summary} <= GENEVA


def test_demo_pdf_names_outlets_and_shows_no_appeal_or_credit(demo: tuple) -> None:
    result, out = demo
    text = pdf_text(out / "briefing-2022-01-22.pdf")
    flat = " ".join(text.split())
    for outlet in (*GENEVA, "InfoSurHoy", "News2in"):
        assert outlet in flat
    for line in (*APPEAL, "Sergei Bobylev / TASS"):
        assert line not in flat
    html = (out / "briefing-2022-01-22.html").read_text(encoding="utf-8")
    for line in (*APPEAL, "Bobylev"):
        assert line not in html
    for story in result.briefing.stories:
        assert " ".join(story.headline.split()) in flat


def test_demo_summaries_are_traceable_to_their_articles(demo: tuple) -> None:
    result, _ = demo
    for story in result.briefing.stories:
        articles = {a.id: a for a in story.articles}
        for sentence in story.summary:
            article = articles[sentence.article_id]
            assert sentence.source == article.source and sentence.url == article.url
            # A sentence of the article, or one with whole spans cut (briefing.sentences.trim).
            assert derived_from(sentence.text, article.text)


# --- generate over real feeds and real pages ----------------------------------------------

FEEDS = {  # real feed files of three formats, from the evaluation set
    "Livemint": "rsparser/Tests/RSParserTests/Resources/livemint.xml",
    "Daring Fireball": "rsparser/Tests/RSParserTests/Resources/DaringFireball.atom",
    "Inessential": "rsparser/Tests/RSParserTests/Resources/inessential.json",
}
PER_FEED = 4


def build_site(root: Path) -> None:
    """Real feeds whose newest items are rewired to real pages, all served from `root`."""
    pages = sorted(need(EVAL / "extraction" / "html").glob("*.html.gz"))
    (root / "pages").mkdir()
    index = 0
    for name, rel in FEEDS.items():
        raw = need(EVAL / "feeds" / rel).read_text(encoding="utf-8")
        fake = Response(url="http://x/", status=200, body=raw.encode(), content_type="")
        entries = parse_feed(fake, FeedSource(name, "http://x/", "T", max_articles=PER_FEED))
        assert entries, rel
        for entry in entries:
            page = pages[index]
            index += 1
            local = f"__BASE__/pages/{page.name.removesuffix('.gz')}"
            (root / "pages" / page.name.removesuffix(".gz")).write_bytes(
                gzip.decompress(page.read_bytes())
            )
            raw = raw.replace(entry.url, local).replace(entry.url.replace("&", "&amp;"), local)
        (root / Path(rel).name).write_text(raw, encoding="utf-8")
    shutil.copy(need(EVAL / "feeds" / "rsparser/Tests/RSParserTests/Resources/coco.html"), root)


def config_for(base: str, tmp: Path) -> dict:
    feeds = [
        {"name": name, "url": f"{base}/{Path(rel).name}", "max_articles": PER_FEED}
        for name, rel in FEEDS.items()
    ]
    feeds += [
        {"name": "Broken Feed", "url": f"{base}/coco.html"},  # an HTML page, not a feed
        {"name": "Down Feed", "url": f"{base}/down.xml"},
    ]
    return {
        "title": "Test Briefing",
        "window_hours": 24 * 365 * 30,
        "output_dir": str(tmp / "out"),
        "database": str(tmp / "store.db"),
        "feeds": feeds,
        "workers": 4,
    }


def test_generate_over_real_feeds_survives_broken_feeds_and_reruns_with_304s(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    build_site(site)
    now = datetime(2026, 11, 23, 6, tzinfo=UTC)
    with serve(site, {"/down.xml": Canned(500, b"oops")}) as server:
        config = parse_config(config_for(server.base_url, tmp_path), tmp_path / "feeds.toml")
        first = generate(config, as_of=now, fetcher=fetcher)
        page_requests = sum(n for p, n in server.requests.items() if p.startswith("/pages/"))
        before = len(server.statuses)
        second = generate(config, as_of=now, fetcher=fetcher)
        page_requests_after = sum(n for p, n in server.requests.items() if p.startswith("/pages/"))
        second_statuses = [status for _, status in server.statuses[before:]]

    stats = first.briefing.stats
    assert (stats.feeds, stats.feeds_failed) == (5, 2)
    assert stats.articles_new == 3 * PER_FEED and stats.stories >= 3
    failed = {f.subject: f.reason for f in first.briefing.failures}
    assert failed == {
        "Broken Feed": "not a feed (no items found in the response)",
        "Down Feed": "HTTP 500",
    }
    html = (tmp_path / "out" / "briefing-2026-11-23.html").read_text(encoding="utf-8")
    assert "Broken Feed" in html and "Down Feed" in html
    assert "Broken Feed" in pdf_text(tmp_path / "out" / "briefing-2026-11-23.pdf")
    assert "2 failed" in first.summary_line()

    # The second run: conditional requests, 304s, nothing fetched or extracted again.
    assert page_requests == 3 * PER_FEED and page_requests_after == page_requests
    assert second_statuses.count(304) == 3
    assert second.briefing.stats.feeds_unchanged == 3 and second.briefing.stats.articles_new == 0
    assert second.briefing.stats.articles == stats.articles
    assert [s.id for s in second.briefing.stories] == [s.id for s in first.briefing.stories]


def one_feed_edition(
    tmp_path: Path, fetcher: Fetcher, fixture: str | Path, as_of: datetime, **settings: object
) -> tuple[RunResult, list[str]]:
    """An edition of one feed (a fixture's name, or a file) served from 127.0.0.1, and the
    other paths it asked for.

    `settings` are the feed's own keys, and `window_hours` or `formats` for the config."""
    site = tmp_path / "site"
    site.mkdir()
    source = fixture if isinstance(fixture, Path) else FIXTURES / "feeds" / fixture
    shutil.copy(source, site)
    fixture = source.name
    top = {k: settings.pop(k) for k in ("window_hours", "formats") if k in settings}
    with serve(site) as server:
        feed = {"name": "Feed", "url": f"{server.base_url}/{fixture}", **settings}
        config = parse_config(
            {
                "output_dir": str(tmp_path / "out"),
                "database": str(tmp_path / "store.db"),
                "feeds": [feed],
                **top,
            },
            tmp_path / "feeds.toml",
        )
        result = generate(config, as_of=as_of, fetcher=fetcher)
        return result, [p for p in server.requests if p != f"/{fixture}"]


def test_an_edition_of_a_past_day_counts_as_new_only_its_own_articles(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    """An undated item is dated when read: after a past edition's end, so not in it, and not
    counted among its new articles ("1 articles (2 new" read as nonsense)."""
    feed = tmp_path / "past.rss"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Past</title>'
        "<link>https://past.example/</link><description>d</description>"
        "<item><title>Harbour bridge closes after storm damage</title>"
        "<link>https://past.example/bridge</link><pubDate>Fri, 21 Jan 2022 09:00:00 GMT"
        "</pubDate><description>The harbour bridge closed on Friday after the storm damaged"
        " two of its piers, the city said.</description></item>"
        "<item><title>Council opens a new library</title><link>https://past.example/library"
        "</link><description>The council opened a new library in the old post office on"
        " the square, the mayor said.</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    result, _pages = one_feed_edition(
        tmp_path, fetcher, feed, datetime(2022, 1, 21, 18, tzinfo=UTC), full_text=False
    )
    stats = result.briefing.stats
    assert (stats.articles, stats.articles_new) == (1, 1)
    assert "1 article (1 new," in result.summary_line()


def test_a_linkblogs_items_are_each_read_from_the_feed_and_headed_when_untitled(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    """Scripting News: 50 items, most without a title, each an anchor on its day's page."""
    result, pages = one_feed_edition(
        tmp_path,
        fetcher,
        "scriptingNews.rss",
        datetime(2017, 6, 27, tzinfo=UTC),
        max_articles=50,
        window_hours=24.0 * 7,
        formats=["html"],
    )
    stats = result.briefing.stats
    # The day page holds every item of the day: it is not any one item's text.
    assert stats.articles == 48 and stats.fallbacks == 0 and not pages  # 2 items have no link
    stories = result.briefing.stories
    assert all(s.headline for s in stories)
    untitled = [s for s in stories if not any(a.title for a in s.articles)]
    assert untitled and all(s.articles[0].text.startswith(s.headline[:20]) for s in untitled)
    html = (tmp_path / "out" / "briefing-2017-06-27.html").read_text(encoding="utf-8")
    assert 'href="http://scripting.com/2017/06/26.html#a030658"' in html


def test_a_feed_read_without_its_pages_is_not_counted_as_falling_back(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    """full_text off: the feed's text is the article by choice, not for want of the page."""
    result, pages = one_feed_edition(
        tmp_path,
        fetcher,
        "jn.rss",
        datetime(2018, 1, 3, 23, tzinfo=UTC),
        full_text=False,
        max_articles=40,
    )
    stats = result.briefing.stats
    assert stats.articles_new == 40 and stats.fallbacks == 0 and not pages
    assert "0 fell back to feed text" in result.summary_line()
    # The feed says its language: the stories are marked with it (hyphenation follows it).
    html = (tmp_path / "out" / "briefing-2018-01-03.html").read_text(encoding="utf-8")
    assert html.count('<article class="story" lang="pt-pt">') == stats.stories
    assert html.count('<li lang="pt-pt">') == stats.stories  # and its line in the contents


# --- the demo's links: the outlets' public addresses, read from 127.0.0.1 ------------------


def test_demo_links_to_the_reports_public_addresses_and_never_to_the_local_server(
    demo: tuple,
) -> None:
    result, out = demo
    seeds = {public for _, public in public_addresses().links} & {
        url for s in result.briefing.stories for url in (a.url for a in s.articles)
    }
    assert len(seeds) == 5 and all(url.startswith("https://") for url in seeds)
    html = (out / "briefing-2022-01-22.html").read_text(encoding="utf-8")
    assert {url for url in seeds if f'href="{url}"' in html} == seeds
    for path in out.iterdir():  # the edition, its PDF and the archive's files
        assert b"127.0.0.1" not in path.read_bytes(), path.name
    pdf = PdfReader(out / "briefing-2022-01-22.pdf")
    annotations = [a.get_object() for page in pdf.pages for a in page.get("/Annots") or ()]
    uris = {a["/A"]["/URI"] for a in annotations if "/URI" in a.get("/A", {})}
    assert uris == seeds


def test_the_demo_transport_serves_public_addresses_locally_and_refuses_other_hosts() -> None:
    addresses = public_addresses()
    page = dict((public, local) for local, public in addresses.links)
    moscow = next(url for url in page if "a76123" in url)
    with serve(SITE, addresses=addresses) as server:
        with Fetcher(transport=SiteTransport(server.base_url, addresses)) as fetcher:
            body = fetcher.get(moscow, robots=False).body.decode()
            with pytest.raises(FetchError, match="not part of the demo site"):
                fetcher.get("https://example.com/", robots=False, retries=0)
        local = f"{server.base_url}/{page[moscow]}"
    assert f'rel="canonical" href="{moscow}"' in body and local not in body
    assert set(server.requests) == {"/" + page[moscow]}  # the refused request reached nothing
