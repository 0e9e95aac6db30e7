"""A shared subject that is part of a longer name the titles write takes the whole name."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from briefing.fetch.http import Fetcher
from briefing.models import Article, Story
from briefing.stories.story import make_story
from briefing.stories.subjects import shared_subject

from ..conftest import FIXTURES, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from one_outlet import feed_articles  # noqa: E402

WHEN = datetime(2018, 1, 31, tzinfo=UTC)


def _stories(*titles: str) -> list[Story]:
    return [
        make_story([Article(f"s{k}", "Outlet", "News", "", t, "Text of the report.", WHEN)])
        for k, t in enumerate(titles)
    ]


def test_the_guardians_state_of_the_union_stories_share_the_whole_name() -> None:
    """The Guardian's titles of 31 January 2018 write 'at State of the Union', "Trump's State of
    the Union address": their shared name is 'State of the Union', not its last word."""
    with Fetcher() as fetcher:
        articles = feed_articles(FIXTURES / "feeds" / "guardian.rss", fetcher)
    union = [a for a in articles if "State of the Union" in a.title]
    assert len(union) >= 3
    for pair in zip(union, union[1:], strict=False):
        assert shared_subject([make_story([a]) for a in pair]) == "State of the Union"


def test_a_name_grows_only_as_far_as_every_title_writes_it_from_capital_to_capital() -> None:
    lorde = _stories(
        "Lorde: Israeli fans sue activists over tour cancellation",
        "Lorde takes out newspaper advert in wake of Grammys snub to women",
    )
    assert shared_subject(lorde) == "Lorde"
    # the words before it differ ('the' is common, but no name begins with it)
    plain = _stories("Why the Union address ran long", "Protests at the Union address")
    assert shared_subject(plain) == "Union"
    # every title writes 'Bank of England' around 'England'
    assert (
        shared_subject(_stories("Bank of England raises rates", "Why Bank of England waited"))
        == "Bank of England"
    )
