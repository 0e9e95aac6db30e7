"""A real day's feed: one outlet's reports join only on more than one shared word, and a section
is named only for a subject all its stories give (benchmarks/real_day.py measures both)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import sparse

from briefing.compose.explain import ONE_OUTLET_NOTE, cluster_file, format_report
from briefing.fetch.http import Fetcher
from briefing.models import Article, Story
from briefing.stories.cluster import beyond_one_word, cluster_stories, token_ids
from briefing.stories.story import make_story
from briefing.stories.subjects import shared_subject

from ..conftest import EVAL, ROOT, need

sys.path.insert(0, str(ROOT / "benchmarks"))
from one_outlet import feed_articles  # noqa: E402
from real_day import score  # noqa: E402

GUARDIAN = EVAL / "feeds" / "rss-parser" / "test" / "input" / "guardian.rss"


def guardian_stories() -> list[Story]:
    with Fetcher() as fetcher:
        return list(cluster_stories(feed_articles(need(GUARDIAN), fetcher)))


def test_one_outlets_reports_sharing_one_name_are_two_stories() -> None:
    """The Guardian's two Lorde reports (a newspaper advert; Israeli fans' lawsuit) and its two
    football live blogs (a match; transfer deadline day) were one story each; the two reports
    of Stormy Daniels' interview are still one."""
    together = [{a.title.split()[0] for a in s.articles} for s in guardian_stories()]
    assert {"Lorde:", "Lorde"} not in together
    assert {"Tottenham", "Moura"} not in together
    assert {"Porn", "Stormy"} in together


def test_the_explanation_says_what_one_outlets_reports_are_joined_on() -> None:
    with Fetcher() as fetcher:
        articles = feed_articles(need(GUARDIAN), fetcher)
    daniels = [a for a in articles if "Stormy Daniels" in a.title]
    text = format_report(cluster_file(daniels, explain=True))
    assert text.count("why together") == 1 and ONE_OUTLET_NOTE in text


def test_a_pairs_strongest_shared_thing_is_left_out_of_its_evidence() -> None:
    """'lorde' in the head and names blocks is one word; 'donald', 'trump' and 'donald trump'
    are one name: each goes whole, and what is left is the evidence."""
    from briefing.stories.vectors import Space

    terms = ("lorde", "zealand", "donald", "trump", "lorde", "donald trump")
    space = Space(sparse.csr_matrix((1, len(terms))), terms, names_from=4)
    words = token_ids(space)
    a = [0.5, 0.2, 0.3, 0.3, 0.5, 0.3]
    b = [0.5, 0.1, 0.3, 0.3, 0.5, 0.3]
    vectors = sparse.csr_matrix(np.array([a, b]))
    (evidence,) = beyond_one_word(vectors, np.array([0]), np.array([1]), words)
    # 'lorde' gives 0.5, the name 'Donald Trump' 0.27: 'lorde' goes, the name and 'zealand' stay
    assert evidence == pytest.approx(0.27 + 0.02)
    b[0] = b[4] = 0.1  # now the name is the strongest thing: all three of its columns go
    (evidence,) = beyond_one_word(sparse.csr_matrix(np.array([a, b])), [0], [1], words)
    assert evidence == pytest.approx(0.05 + 0.05 + 0.02)


def _story(sid: str, *titles: str) -> Story:
    when = datetime(2018, 1, 31, tzinfo=UTC)
    articles = [
        Article(f"{sid}{k}", "Outlet", "News", "", title, "Text of the report.", when)
        for k, title in enumerate(titles)
    ]
    return make_story(articles)


def test_a_section_is_named_for_the_name_every_story_gives_or_not_at_all() -> None:
    lorde = [
        _story("a", "Lorde: Israeli fans sue activists over tour cancellation"),
        _story("b", "Lorde takes out newspaper advert in wake of Grammys snub to women"),
    ]
    assert shared_subject(lorde) == "Lorde"
    oscars = [
        _story("c", "Trafficked, beaten, enslaved: the life of a Vietnamese cannabis farmer"),
        _story("d", "Oscar-winning director Michael Haneke to make 10-part TV series"),
    ]
    assert shared_subject(oscars) == ""
    # 'Global' opens one title, but the others write 'global': a word, not a name.
    nets = [
        _story("e", "Global use of mosquito nets for fishing endangers wildlife"),
        _story("f", "UN urged to launch global effort to end offshore tax evasion"),
    ]
    assert shared_subject(nets) == ""
    assert shared_subject(lorde[:1]) == ""  # one story is no section


def test_the_real_day_benchmark_scores_by_its_keys() -> None:
    stories = [{"ids": ["1", "2"]}, {"ids": ["3", "4"]}, {"ids": ["5", "6"]}]
    sections = [
        {"name": "Lorde", "stories": [["1", "2"]]},
        {"name": "News", "stories": [["3", "4"], ["7"]]},
        {"name": "Oscar", "stories": [["5", "6"]]},
    ]
    judged = {
        "stories": [
            {"ids": ["1", "2"], "one_event": True},
            {"ids": ["3", "4"], "one_event": False},
        ],
        "sections": [
            {"name": "Lorde", "stories": [["1", "2"]], "fits": True},
            {"name": "Oscar", "stories": [["5", "6"], ["8"]], "fits": True},  # another section
        ],
    }
    figures = score(stories, sections, judged)
    assert figures["stories_joining_two_events"] == 1 and figures["stories_not_judged"] == 1
    assert figures["sections_whose_name_fits"] == 1 and figures["sections_not_judged"] == 2
    assert figures["stories_in_plain_section"] == 2 and figures["named_sections"] == 2
