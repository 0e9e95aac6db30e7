"""Tests for briefing.sections: a section divided along the names its stories share."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from briefing.linkage import average_linkage, group_of
from briefing.sections import NAME_THREAD, divide_by_names, name_threads

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
