"""Sections on a real day: a broad feed's story goes to the desk its outlet filed it under, and
`briefing cluster --explain` says why each story is where it is; configured topics and keyword
rules are untouched by filings."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.compose.explain import cluster_file, format_report, read_articles
from briefing.compose.sections import NO_RULES, Place, group_topics, placements
from briefing.config import TopicsConfig
from briefing.errors import ConfigError
from briefing.fetch.http import Fetcher
from briefing.models import Article, Section, Story
from briefing.stories.cluster import cluster_stories
from briefing.stories.story import make_story

from ..conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from one_outlet import feed_articles  # noqa: E402

WHEN = datetime(2018, 1, 31, 12, tzinfo=UTC)


def _articles(*names: str) -> list[Article]:
    with Fetcher() as fetcher:
        return [a for name in names for a in feed_articles(FIXTURES / "feeds" / name, fetcher)]


@pytest.fixture(scope="module")
def edition() -> tuple[Section, ...]:
    """The Guardian's and Livemint's feeds together, as benchmarks/real_day.py makes them."""
    return group_topics(cluster_stories(_articles("guardian.rss", "livemint.xml")))


def _section_of(sections: tuple[Section, ...], words: str) -> str:
    return next(s.title for s in sections for t in s.stories if words in t.headline)


def test_a_broad_feeds_stories_go_to_the_desks_their_outlets_filed_them_under(
    edition: tuple[Section, ...],
) -> None:
    titles = [s.title for s in edition]
    assert {"World", "Sport", "Culture", "Science and environment"} <= set(titles)
    assert _section_of(edition, "Tottenham Hotspur v Manchester United") == "Sport"  # /football/
    assert _section_of(edition, "Sri Lanka bombings") == "World"  # Livemint's /news/world/
    assert _section_of(edition, "Kenyan opposition") == "World"  # the Guardian's /world/
    # home news (/us-news/, /news/india/) names no desk; nor does one report filed /culture/
    # among a State of the Union story's four
    assert _section_of(edition, "Director of CDC resigns") == "News"
    assert _section_of(edition, "US takes India off watchlist") == "News"
    assert _section_of(edition, "State of the Union address promised unity") == "News"


def test_configured_topics_and_keyword_rules_come_before_any_filing() -> None:
    def story(sid: str, topic: str, url: str, title: str) -> Story:
        return make_story([Article(sid, "Outlet", topic, url, title, "A report.", WHEN)])

    stories = [
        story("a", "World", "https://x.test/sport/a", "A derby tonight"),
        story("b", "News", "https://x.test/sport/b", "A derby and a cup"),
        story("c", "News", "https://x.test/sport/c", "A derby again"),
    ]
    places = placements(stories, TopicsConfig(rules=(("Cups", ("cup",)),)))
    got = {s.articles[0].id: places[s.id] for s in stories}
    assert got["a"].title == "World" and got["a"].why == "its feeds' topic, 'World'"
    assert got["b"].title == "Cups" and "'cup'" in got["b"].why
    assert got["c"].title == "Sport" and got["c"].why == "filed under /sport/ by its outlet"


def test_the_explanation_says_why_each_story_is_in_its_section() -> None:
    articles = [
        a
        for a in _articles("guardian.rss")
        if any(w in a.title for w in ("Tottenham", "Orcas", "Director of CDC"))
    ]
    report = cluster_file(articles, explain=True)
    text = format_report(report)
    assert "  in Sport: filed under /football/ by its outlet" in text
    assert "  in Science and environment: filed under /science/ by its outlet" in text
    assert "  in News: its feeds' topic, 'News': no desk most of its reports" in text
    sections = {s["topic"]: s["why"]["section"] for s in report.as_json()["stories"]}
    assert sections["Sport"] == "filed under /football/ by its outlet"


def test_a_proxied_feeds_stories_go_to_the_desks_its_addresses_and_tags_name() -> None:
    """Jornal de Notícias links through FeedBurner: its outlet's addresses (/mundo/, /economia/)
    and its items' own tags ("Tecnologia", where the address, /inovacao/, names none) file its
    stories, named in the edition's language; home news (/nacional/) stays in the plain one."""
    stories = cluster_stories(_articles("jn.rss"))
    found = placements(stories, NO_RULES)
    places = {s.headline: found[s.id] for s in stories}
    assert places["Apple disponível para trocar a bateria dos iPhone 6 e superiores"] == Place(
        "Tecnologia", "filed under 'Tecnologia' by its outlet"
    )
    assert places["Morreu o líder da igreja Mórmon"] == Place(
        "Mundo", "filed under /mundo/ by its outlet"
    )
    assert places["Reações dos partidos ao veto de Marcelo"].title == "News"
    titles = {s.title for s in group_topics(stories)}
    assert {"Mundo", "Economia", "Desporto", "Tecnologia", "News"} <= titles


def test_a_region_tag_does_not_file_a_home_story_as_world(edition: tuple[Section, ...]) -> None:
    """The Guardian's US edition tags a Missouri family's deportation story "Americas" (and
    files it under /us-news/): home news, left in the plain section; its "Sport" and
    "Environment" tags file stories whose addresses name no desk."""
    assert _section_of(edition, "A family in Missouri had a life") == "News"
    assert _section_of(edition, "2004 Larry Nassar investigation dropped") == "Sport"
    assert _section_of(edition, "Climate change threatens half of US bases") == (
        "Science and environment"
    )


def test_an_articles_file_carries_the_outlets_tags_into_the_filing(tmp_path: Path) -> None:
    """`briefing cluster` reads a line's `categories` as a feed's item tags are read; a value
    that is not a list of strings names its line and key."""
    rows = [
        {
            "id": "a",
            "title": "Derby ends level",
            "text": "The derby ended 1-1.",
            "categories": ["Desporto"],
        },
        {
            "id": "b",
            "title": "Cup draw made",
            "text": "The cup draw was made.",
            "categories": ["Desporto"],
        },
    ]
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [a.categories for a in read_articles(good)] == [("Desporto",), ("Desporto",)]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(rows[0] | {"categories": "Desporto"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_articles(bad)
    assert "'categories' must be a list of strings" in str(caught.value)
    assert caught.value.key == "categories" and caught.value.line == 1
