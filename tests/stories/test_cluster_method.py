"""Tests for the method under stories/cluster.py: linkage, names, vectors, group weights."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from briefing.models import Article
from briefing.stories.cluster import ClusterSettings, partition
from briefing.stories.linkage import average_linkage
from briefing.stories.vectors import (
    BODY_WEIGHT,
    HEAD_WEIGHT,
    MAX_CHARS,
    NAME_WEIGHT,
    article_space,
    find_names,
    lead,
    neighbour_graph,
    within_groups,
)


def greedy_average_linkage(sims: np.ndarray, times: np.ndarray, gap: float, threshold: float):
    """The textbook way: merge the best pair of clusters (average similarity) while it is at
    least threshold, never two whose reports span more than gap."""
    clusters = [[i] for i in range(len(sims))]
    while len(clusters) > 1:
        member = np.zeros((len(clusters), len(sims)))
        for k, c in enumerate(clusters):
            member[k, c] = 1.0
        sizes = member.sum(axis=1)
        average = member @ sims @ member.T / np.outer(sizes, sizes)
        first = np.array([times[c].min() for c in clusters])
        last = np.array([times[c].max() for c in clusters])
        span = np.maximum.outer(last, last) - np.minimum.outer(first, first)
        average[(span > gap) | np.tri(len(clusters), dtype=bool)] = -1.0
        a, b = np.unravel_index(np.argmax(average), average.shape)
        if average[a, b] < threshold:
            break
        clusters[a] += clusters.pop(b)
    return sorted(tuple(sorted(c)) for c in clusters)


@pytest.mark.parametrize("seed", range(8))
def test_average_linkage_in_rounds_equals_best_pair_first(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    sims = np.triu(rng.random((n, n)) * (rng.random((n, n)) < 0.15), k=1)
    sims = sims + sims.T  # a sparse graph: a missing pair counts as 0
    times = rng.integers(0, 5, n).astype(float)
    for threshold, gap in ((0.3, 10.0), (0.1, 10.0), (0.05, 2.0)):
        found = average_linkage(sparse.csr_matrix(sims), times, gap, threshold)
        assert found == greedy_average_linkage(sims, times, gap, threshold)


def test_average_linkage_of_nothing_linked_keeps_every_row_apart() -> None:
    graph = sparse.csr_matrix((3, 3))
    assert average_linkage(graph, np.zeros(3), 1.0, 0.1) == [(0,), (1,), (2,)]


def test_names_skip_the_word_that_opens_a_sentence_or_a_line() -> None:
    text = (
        "Police said Hello World in New York. The Geysers shook at 4.4 on Sunday, "
        "killing 12.\nNew Year parades went ahead in O'Higgins Park"
    )
    assert find_names(text) == [
        "hello_world",
        "new_york",
        "geysers",
        "4.4",
        "sunday",
        "12",
        "year",
        "o'higgins_park",
    ]
    assert find_names("") == []


def test_what_an_apostrophe_leaves_of_a_contraction_is_no_term() -> None:
    """ "We’ll" and "didn’t" split at the apostrophe: labels read "Scott · Didn · Tabar"."""
    from briefing.stories.vectors import article_space

    text = "We’ll see, they didn’t say and it doesn’t matter; we’ve won, Don said."
    terms = set(article_space([_article(0, "Quake", text)]).terms)
    assert not terms & {"ll", "didn", "doesn", "ve"} and {"don", "won"} <= terms


def test_first_person_contractions_name_nobody() -> None:
    """Capitalised, but in every first-person post: "I’m" made blog posts alike."""
    text = "Yes, I’m sure I've seen Iran, and I’ll say I'd go with O’Neill."
    assert find_names(text) == ["iran", "o’neill"]


def _article(i: int, title: str, text: str) -> Article:
    return Article(
        id=str(i),
        source="s",
        topic="t",
        url="",
        title=title,
        text=text,
        published=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_one_pass_vectors_equal_scikit_learn_tfidf_blocks() -> None:
    rng = random.Random(3)
    words = ["the", "quake", "struck", "Hualien", "on", "Tuesday", "and", "Puebla", "Mexico"]
    words += ["City", "7.1", "hotel", "rescue"]
    articles = [
        _article(
            i,
            " ".join(rng.choices(words, k=6)),
            ". ".join(" ".join(rng.choices(words, k=12)) for _ in range(5)),
        )
        for i in range(25)
    ]
    texts = [a.text[:MAX_CHARS] for a in articles]
    heads = [f"{a.title}\n{lead(t)}" for a, t in zip(articles, texts, strict=True)]
    names = [" ".join(find_names(f"{a.title}\n{t}")) for a, t in zip(articles, texts, strict=True)]
    options = {"sublinear_tf": True, "stop_words": "english"}
    expected = normalize(
        sparse.hstack(
            [
                HEAD_WEIGHT * TfidfVectorizer(**options).fit_transform(heads),
                BODY_WEIGHT * TfidfVectorizer(**options).fit_transform(texts),
                NAME_WEIGHT
                * TfidfVectorizer(**options, token_pattern=r"\S+", lowercase=False).fit_transform(
                    names
                ),
            ]
        )
    )
    got = article_space(articles).vectors
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-6


def test_terms_the_whole_group_shares_lose_their_weight() -> None:
    # columns: 0 in every row of the group, 1 in two rows, 2 in one row only
    vectors = sparse.csr_matrix(
        np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 1.0]])
    )
    local = within_groups(vectors, np.array([0, 0, 0, 1])).toarray()
    assert local[0].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert local[1].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert local[2].tolist() == [0.0, 0.0, 0.0]  # nothing sets it apart within its group
    assert local[3].tolist() == [0.0, 0.0, 0.0]  # alone in its group: nothing to share


def test_stories_never_straddle_sections() -> None:
    rng = random.Random(1)
    topics = [
        "earthquake magnitude rubble rescue",
        "election ballot parliament vote",
        "patch browser flaw hackers",
    ]
    places = ["Hualien", "Puebla", "Ashgabat", "Mannheim", "Aceh", "Sonoma"]
    articles = [
        _article(i, f"{place} {topic.split()[0]}", f"{topic} {place} " * 5 + rng.choice(places))
        for i, (topic, place) in enumerate((t, p) for t in topics for p in places for _ in range(3))
    ]
    space = article_space(articles)
    times = np.zeros(len(articles))
    parts = partition(
        neighbour_graph(space.vectors, times, 1.0),
        space.vectors,
        times,
        ClusterSettings(0.14, 0.02, 1.0),
    )
    owner = {i: k for k, g in enumerate(parts.sections) for i in g}
    assert all(len({owner[i] for i in story}) == 1 for story in parts.stories)
    assert sorted(i for g in parts.stories for i in g) == list(range(len(articles)))
