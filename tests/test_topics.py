"""Tests for briefing.topics: each story in one section, sections and stories in a stated order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from briefing.models import Article, Story
from briefing.topics import group_topics


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
