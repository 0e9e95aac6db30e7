"""Article extraction: real pages from a local server, the boilerplate pass, the fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.demo import SITE
from briefing.extract import article_for_entry, extract_articles, strip_boilerplate
from briefing.http import Fetcher
from briefing.models import Entry, FeedSource
from briefing.server import Canned, serve

APPEAL_LINES = (
    "small favor to ask",
    "Support The Moscow Times",
    "Remind me later",
    "paiment methods",
    "Sergei Bobylev / TASS",
)
SOURCE = FeedSource("Outlet", "http://127.0.0.1/feed", "World", timeout=5)


def entry(
    url: str, summary: str = "The feed's own two sentences. They say what happened."
) -> Entry:
    return Entry(
        id="e1",
        source="Outlet",
        topic="World",
        url=url,
        title="A title",
        summary=summary,
        published=datetime(2022, 1, 21, 12, tzinfo=UTC),
    )


def test_moscow_times_page_loses_its_appeal_and_credit(fetcher: Fetcher) -> None:
    page = next((SITE / "moscowtimes").glob("*.html"))
    with serve(SITE) as server:
        url = f"{server.base_url}/moscowtimes/{page.name}"
        article, failure = article_for_entry(entry(url), SOURCE, fetcher)
    assert failure is None and article is not None and article.origin == "page"
    assert "written responses to all our proposals next week" in article.text
    assert "The Russian diplomat vowed to hold further negotiations" in article.text
    for line in APPEAL_LINES:
        assert line not in article.text


@pytest.mark.parametrize("folder", ["avrupatimes", "sputnik", "infosurhoy", "news2in"])
def test_demo_pages_give_their_article(folder: str, fetcher: Fetcher) -> None:
    page = next((SITE / folder).glob("*.html"))
    with serve(SITE) as server:
        article, failure = article_for_entry(
            entry(f"{server.base_url}/{folder}/{page.name}"), SOURCE, fetcher
        )
    assert failure is None and article is not None
    assert len(article.text.split()) > 250
    assert "Lavrov" in article.text
    assert "newsletter" not in article.text.lower()


def test_missing_page_falls_back_to_the_feed_text(tmp_path: Path, fetcher: Fetcher) -> None:
    with serve(tmp_path) as server:
        article, failure = article_for_entry(entry(f"{server.base_url}/gone.html"), SOURCE, fetcher)
    assert article is not None and article.origin == "feed"
    assert article.text == "The feed's own two sentences. They say what happened."
    assert failure is not None and failure.reason == "HTTP 404; used the feed's text"


def test_consent_wall_falls_back_to_the_feed_text(tmp_path: Path, fetcher: Fetcher) -> None:
    wall = (
        b"<html><body><main><p>We value your privacy. Accept all cookies?</p></main></body></html>"
    )
    summary = " ".join(["Word"] * 60) + "."
    with serve(tmp_path, {"/wall.html": Canned(200, wall, (("Content-Type", "text/html"),))}) as s:
        article, failure = article_for_entry(
            entry(f"{s.base_url}/wall.html", summary), SOURCE, fetcher
        )
    assert article is not None and article.origin == "feed"
    assert failure is not None and "used the feed's text" in failure.reason


def test_no_page_and_no_feed_text_is_a_failure_without_article(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    with serve(tmp_path) as server:
        articles, failures = extract_articles(
            [entry(f"{server.base_url}/gone.html", summary="")], [SOURCE], fetcher
        )
    assert articles == ()
    assert [f.reason for f in failures] == ["HTTP 404"]


def test_full_text_off_never_fetches(tmp_path: Path, fetcher: Fetcher) -> None:
    source = FeedSource("Outlet", "http://127.0.0.1/feed", "World", full_text=False)
    with serve(tmp_path) as server:
        article, failure = article_for_entry(entry(f"{server.base_url}/a.html"), source, fetcher)
    assert server.requests == {} and failure is None
    assert article is not None and article.origin == "feed"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Sign up for our morning newsletter and get the day's news first.", "appeal"),
        ("Please support independent journalism: donate today.", "appeal"),
        ("Become a member for just $5 a month.", "appeal"),
        ("Read more", "furniture"),
        ("Related stories", "furniture"),
        ("The minister at the summit. John Smith / Reuters", "photo credit"),
        ("Photo: AFP", "photo credit"),
    ],
)
def test_boilerplate_is_removed_with_its_reason(line: str, reason: str) -> None:
    kept, removed = strip_boilerplate(["A real sentence of the article, long enough.", line])
    assert kept == ["A real sentence of the article, long enough."]
    assert removed == [(line, reason)]


def test_article_sentences_survive_the_boilerplate_pass() -> None:
    lines = [
        "The central bank raised rates by half a point on Thursday, its third rise this year.",
        "Officials said the decision was unanimous.",
        '"We will do what is needed," the governor told reporters in Frankfurt.',
        "Analysts at two banks said markets had expected the move / a smaller one.",
    ]
    kept, removed = strip_boilerplate(lines)
    assert kept == lines and removed == []


def test_short_lines_after_an_appeal_go_with_it() -> None:
    lines = [
        "Article text that matters here.",
        "We have a small favour to ask.",
        "payment options",
        "Not now",
        "Maybe later.",
    ]
    kept, removed = strip_boilerplate(lines)
    assert kept == ["Article text that matters here."]
    assert {reason for _, reason in removed} == {"appeal"}
