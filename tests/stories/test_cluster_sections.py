"""Tests for briefing.stories.partition: a section divided along the names its stories share."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from briefing.stories.linkage import average_linkage, group_of
from briefing.stories.partition import (
    NAME_THREAD,
    divide_by_names,
    join_nearest,
    name_threads,
    nearest,
)

# Six reports, three stories of two, all in one section and all linked by the graph.
STORIES = [(0, 1), (2, 3), (4, 5)]
ONE_SECTION = [(0, 1, 2, 3, 4, 5)]
LINKED = sparse.csr_matrix(np.ones((6, 6)) - np.eye(6))


def names(columns_per_story: list[list[int]], width: int = 4) -> sparse.csr_matrix:
    """A names block: each report of story k has weight 1 on the story's columns."""
    rows = np.zeros((6, width))
    for k, (a, b) in enumerate(STORIES):
        rows[[a, b], columns_per_story[k]] = 1.0
    return sparse.csr_matrix(rows)


def test_stories_sharing_a_place_become_their_own_section() -> None:
    # Two quakes in one country, one in another: the section divides by place.
    block = names([[0, 1], [0, 2], [3]])
    assert divide_by_names(LINKED, block, STORIES, ONE_SECTION) == [(0, 1, 2, 3), (4, 5)]


def test_section_stays_whole_when_no_two_stories_share_names() -> None:
    # Three shootings in three cities: one kind of event, nothing to divide it by.
    block = names([[0], [1], [2]])
    assert divide_by_names(LINKED, block, STORIES, ONE_SECTION) == ONE_SECTION


def test_section_stays_whole_when_all_its_stories_share_names() -> None:
    block = names([[0, 1], [0, 2], [0, 3]])
    assert divide_by_names(LINKED, block, STORIES, ONE_SECTION) == ONE_SECTION


def test_a_section_of_two_stories_never_divides() -> None:
    block = names([[0, 1], [0, 2], [3]])
    sections = [(0, 1, 2, 3), (4, 5)]
    assert divide_by_names(LINKED, block, STORIES, sections) == sections


def test_stories_are_compared_only_within_their_section() -> None:
    # Stories 0 and 1 share names but sit in different sections: nothing to divide.
    block = names([[0], [0], [1]])
    sections = [(0, 1), (2, 3, 4, 5)]
    assert divide_by_names(LINKED, block, STORIES, sections) == sections


@pytest.mark.parametrize("seed", range(6))
def test_leaving_out_stories_without_a_close_link_changes_no_thread(seed: int) -> None:
    """name_threads links only stories with a link at threshold; the linkage over all agrees."""
    rng = np.random.default_rng(seed)
    m, per = 24, 2
    story = np.repeat(np.arange(m), per)
    home = np.zeros(m, dtype=np.int64)  # one section
    dense = rng.random((m * per, 12)) * (rng.random((m * per, 12)) < 0.2)
    dense[:per] = 0.0  # the first story names nothing: no close link, so it is left out
    block = sparse.csr_matrix(dense)
    graph = sparse.csr_matrix(rng.random((m * per, m * per)) < 0.3, dtype=float)
    graph = graph.maximum(graph.T)
    found = name_threads(graph, block, story, home, NAME_THREAD * 3)
    # Reference: every linked pair of stories, cosine of their names, average linkage over all.
    into = sparse.csr_matrix((np.ones(m * per), (np.arange(m * per), story)), shape=(m * per, m))
    cent = (into.T @ block).toarray()
    norm = np.linalg.norm(cent, axis=1, keepdims=True)
    cent = np.divide(cent, norm, out=np.zeros_like(cent), where=norm > 0)
    linked = np.triu((into.T @ graph @ into).toarray() > 0, k=1)
    sims = np.where(linked, cent @ cent.T, 0.0)
    reference = average_linkage(sparse.csr_matrix(sims), np.zeros(m), 0.0, NAME_THREAD * 3)
    assert found == reference
    assert any(len(g) > 1 for g in found) and (0,) in found


def test_group_of_gives_each_row_its_group() -> None:
    assert group_of([(2, 0), (1,), (3, 4)], 5).tolist() == [0, 1, 0, 2, 2]


# --- joining sections whose stories are each other's nearest --------------------------------

# Four reports, four stories of one, each in its own section; vectors chosen so that stories
# 0 and 1 are each other's nearest, and 2's nearest is 1 (which prefers 0).
VECTORS = sparse.csr_matrix(
    np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [0.8, 0.6, 0.0, 0.0],
            [0.0, 0.6, 0.8, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
)
SINGLES = [(0,), (1,), (2,), (3,)]
# The graph links every pair, weighted by the cosine of their vectors.
ALL_LINKED = sparse.csr_matrix((VECTORS @ VECTORS.T).toarray() - np.eye(4))
SAME_TIME = np.zeros(4)


def test_sections_holding_mutual_nearest_stories_join() -> None:
    joined = join_nearest(ALL_LINKED, SAME_TIME, 1.0, SINGLES, SINGLES, SINGLES)
    # 0 and 1 pick each other; 2 picks 1, which does not pick it back; 3 is like nothing.
    assert joined == [(0, 1), (2,), (3,)]


def test_stories_of_one_divided_section_are_not_joined_again() -> None:
    origins = [(0, 1), (2,), (3,)]  # 0 and 1 came from one section that names divided
    joined = join_nearest(ALL_LINKED, SAME_TIME, 1.0, SINGLES, origins, SINGLES)
    assert joined == SINGLES


def test_no_join_below_the_floor_or_across_the_time_gap() -> None:
    assert join_nearest(ALL_LINKED, SAME_TIME, 1.0, SINGLES, SINGLES, SINGLES, 0.9) == (SINGLES)
    apart = np.array([0.0, 10.0, 0.0, 0.0])
    assert join_nearest(ALL_LINKED, apart, 1.0, SINGLES, SINGLES, SINGLES) == SINGLES


def test_only_stories_the_graph_links_are_compared() -> None:
    graph = ALL_LINKED.tolil()
    graph[0, 1] = graph[1, 0] = 0.0
    joined = join_nearest(graph.tocsr(), SAME_TIME, 1.0, SINGLES, SINGLES, SINGLES)
    # Without the 0-1 link, 1's nearest is 2 and 2's is 1.
    assert joined == [(0,), (1, 2), (3,)]


def test_nearest_breaks_ties_to_the_lower_story_and_marks_the_unlinked() -> None:
    rows, cols = np.array([0, 0, 1, 2]), np.array([2, 1, 0, 0])
    best, value = nearest(rows, cols, np.array([0.5, 0.5, 0.5, 0.5]), 4)
    assert best.tolist() == [1, 0, 0, -1]
    assert value.tolist() == [0.5, 0.5, 0.5, 0.0]
