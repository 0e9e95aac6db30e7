"""Tests for compose/sections.py: each story in one section, in a stated order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefing.compose.sections import group_topics, independent_outlets, mute_stories
from briefing.config import TopicsConfig, parse_config
from briefing.errors import ConfigError
from briefing.models import Article, Story


def story(sid: str, topic: str, outlets: list[str], hours: float = 0) -> Story:
    """A story with one article per listed outlet, the last published `hours` after a base time."""
    base = datetime(2024, 3, 5, tzinfo=UTC)
    articles = tuple(
        Article(
            id=f"{sid}-{n}",
            source=outlet,
            topic=topic,
            url=f"https://example.org/{sid}/{n}",
            title=sid,
            text="text",
            published=base + timedelta(hours=hours if n == len(outlets) - 1 else 0),
        )
        for n, outlet in enumerate(outlets)
    )
    return Story(id=sid, headline=sid, topic=topic, articles=articles)


def test_every_story_in_exactly_one_section():
    stories = [story("a", "world", ["x"]), story("b", "tech", ["y"]), story("c", "world", ["z"])]
    sections = group_topics(stories)
    placed = [s.id for section in sections for s in section.stories]
    assert sorted(placed) == ["a", "b", "c"]
    assert {section.title for section in sections} == {"world", "tech"}


def test_configured_order_first_then_heaviest_topics():
    stories = [
        story("s1", "sport", ["a"]),
        story("t1", "tech", ["a", "b", "c"]),
        story("w1", "world", ["a"]),
        story("b1", "business", ["a", "b"]),
    ]
    sections = group_topics(stories, order=["world", "sport", "missing"])
    assert [s.title for s in sections] == ["world", "sport", "tech", "business"]


def test_stories_ranked_by_outlets_then_articles_then_recency():
    many_outlets = story("outlets", "world", ["a", "b", "c"])
    same_outlet_many_articles = story("articles", "world", ["a", "a", "a", "b"])
    recent = story("recent", "world", ["a", "b"], hours=5)
    older = story("older", "world", ["a", "b"], hours=1)
    (section,) = group_topics([older, recent, same_outlet_many_articles, many_outlets])
    assert [s.id for s in section.stories] == ["outlets", "articles", "recent", "older"]


def test_no_stories_no_sections():
    assert group_topics([], order=["world"]) == ()


# --- keyword rules, automatic topics, boosts, mutes, copies --------------------------------

WIRE = " ".join(f"word{i}" for i in range(60))  # long enough to tell a copy


def with_text(s: Story, texts: list[str]) -> Story:
    return replace(
        s, articles=tuple(replace(a, text=t) for a, t in zip(s.articles, texts, strict=True))
    )


def test_keyword_rule_wins_over_feed_topic_and_auto_topics_need_two_stories():
    rules = TopicsConfig(rules=(("Science", ("earthquake",)),), auto_for=("News",))
    quake = replace(story("q", "World", ["a"]), headline="Earthquake in Taiwan")
    chips = [
        titled(replace(story(f"c{i}", "News", ["a"]), auto_topic="Chips · Tsmc"), title)
        for i, title in enumerate(["TSMC to build chip plant", "Chip prices rise at TSMC"])
    ]
    lone = replace(story("l", "News", ["a"]), auto_topic="Opera")
    sections = group_topics([quake, *chips, lone], order=["Science"], rules=rules)
    placed = {s.id: section.title for section in sections for s in section.stories}
    assert placed == {"q": "Science", "c0": "TSMC", "c1": "TSMC", "l": "News"}


def titled(s: Story, title: str) -> Story:
    return replace(s, headline=title, articles=tuple(replace(a, title=title) for a in s.articles))


def test_an_automatic_topic_is_a_section_only_under_a_name_all_its_stories_give() -> None:
    """'Oscar · Director · Nominees' held a report on a trafficked cannabis farmer: a topic's
    heaviest terms need not describe all its stories. Its stories then go to the plain section;
    two stories that both name Lorde make a section named 'Lorde'."""
    rules = TopicsConfig(auto_for=("News",))
    oscars = [
        titled(replace(story(f"o{i}", "News", ["a"]), auto_topic="Oscar · Director"), title)
        for i, title in enumerate(
            [
                "Trafficked, beaten, enslaved: the life of a Vietnamese cannabis farmer",
                "Oscar-winning director Michael Haneke to make 10-part TV series",
            ]
        )
    ]
    lorde = [
        titled(replace(story(f"l{i}", "News", ["a"]), auto_topic="Lorde · New Zealand"), title)
        for i, title in enumerate(
            [
                "Lorde: Israeli fans sue activists over tour cancellation",
                "Lorde takes out newspaper advert in wake of Grammys snub to women",
            ]
        )
    ]
    placed = {
        s.id: section.title
        for section in group_topics([*oscars, *lorde], rules=rules)
        for s in section.stories
    }
    assert placed == {"o0": "News", "o1": "News", "l0": "Lorde", "l1": "Lorde"}


def test_boost_lifts_a_story_and_the_reason_says_so():
    plain = story("plain", "world", ["a", "b", "c"])
    boosted = replace(story("boosted", "world", ["a", "b"]), headline="Climate summit opens")
    (section,) = group_topics([plain, boosted], rules=TopicsConfig(boost=("climate",)))
    assert [s.id for s in section.stories] == ["boosted", "plain"]
    assert "boosted: 'climate'" in section.stories[0].rank_reason
    assert section.stories[1].rank_reason.startswith("3 independent outlets; 3 reports")
    (section,) = group_topics([plain, boosted])
    assert [s.id for s in section.stories] == ["plain", "boosted"]


def test_mutes_remove_whole_words_only_and_list_what_they_removed():
    football = replace(story("f", "sport", ["a"]), headline="Football final tonight")
    footballer = replace(story("g", "sport", ["a"]), headline="Footballers strike")
    kept, muted = mute_stories([football, footballer], TopicsConfig(mute=("football",)))
    assert [s.id for s in kept] == ["g"]
    (item,) = muted
    assert (item.subject, item.reason) == ("Football final tonight", "muted: 'football'")
    assert item.url == "https://example.org/f/0"


def test_copies_of_one_wire_report_count_as_one_outlet():
    s = with_text(
        story("w", "world", ["Reuters", "Yahoo", "MSN", "BBC"]), [WIRE] * 3 + ["own " * 40]
    )
    assert independent_outlets(s) == 2
    (section,) = group_topics([s])
    assert (
        "2 independent outlets (2 more carried copies of one report)"
        in section.stories[0].rank_reason
    )


def test_topics_table_is_validated():
    path = Path("/tmp/feeds.toml")
    config = parse_config({"topics": {"rules": {"Tech": ["chip"]}, "mute": ["x"]}}, path)
    assert config.topics.rules == (("Tech", ("chip",)),) and config.topics.mute == ("x",)
    with pytest.raises(ConfigError, match="topics.rules.Tech"):
        parse_config({"topics": {"rules": {"Tech": "chip"}}}, path)
    with pytest.raises(ConfigError, match="did you mean 'mute'"):
        parse_config({"topics": {"mutes": ["x"]}}, path)
