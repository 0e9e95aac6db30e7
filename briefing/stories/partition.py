"""Sections set right by their stories: divided along the names they share, joined by nearest.

A section (`cluster.partition`) gathers reports of one kind of event: every story in it shares
the kind's vocabulary ("earthquake", "magnitude"), so three earthquakes in three countries fall
into one section. What tells such a section's threads apart is the names: two stories of the
same place or actor (two quakes in Indonesia) share names the others lack. So the stories of a
section are linked again, by average linkage on their names alone (the names block of the
vectors: capitalised phrases and numbers, see `similarity.find_names`), down to NAME_THREAD.
When that finds a thread of two or more stories and the section has more than one thread, the
section is organised by names, and each thread becomes a section of its own (a story whose names
no other story shares is a thread of one). Otherwise (no two stories share names, or all do) the
section stays whole: two office shootings in two cities are still one kind of event.

Sections can also be too narrow: average linkage over articles counts every unlinked pair of
reports as 0, so two stories of one kind told in different words (a school bombed in Gaza, a
refugee camp bombed in Sudan) can stay in two sections, each diluted by the other's unlinked
reports. `join_nearest` joins two sections when a story of each is the other's nearest story
(by the cosine of the stories' summed vectors, over all stories the graph links, its own
section's included; the products of two reports come from the graph) and at least NEAREST_FLOOR
alike: the section linkage missed a pair that the stories themselves pick. Sections divided by
names are never joined again (they came from one section).

Only pairs of stories linked by the article graph are compared, so the cost follows the graph's
edges. NAME_THREAD and NEAREST_FLOOR were chosen with `benchmarks/clustering.py` on the ECB+
sample (a sweep and a held-out check) and are held for all news.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .linkage import average_linkage, group_of
from .vectors import pair_similarity, unit_rows

NAME_THREAD = 0.14
# How alike two stories, each the other's nearest, must be for their sections to join. Held
# out on ECB+, both halves chose none: being each other's nearest is the test (floors up to
# 0.05 tie on the whole data; at 0.05 and above, one half loses two of its right joins).
NEAREST_FLOOR = 0.0


def divide_by_names(
    graph: sparse.csr_matrix,
    names: sparse.csr_matrix,
    stories: Sequence[tuple[int, ...]],
    sections: Sequence[tuple[int, ...]],
    threshold: float = NAME_THREAD,
) -> list[tuple[int, ...]]:
    """The sections, each divided along its stories' name threads when it has such threads.

    `graph` links articles (rows), `names` holds their names columns, and every story lies
    within one section. Returns groups of rows, each a union of whole stories.
    """
    if not stories:
        return []
    n = graph.shape[0]
    story = group_of(stories, n)
    home = group_of(sections, n)[[g[0] for g in stories]]  # each story's section
    threads = name_threads(graph, names, story, home, threshold)
    first = np.array([t[0] for t in threads], dtype=np.int64)
    count = np.bincount(home[first], minlength=len(sections))
    largest = np.zeros(len(sections), dtype=np.int64)
    np.maximum.at(largest, home[first], [len(t) for t in threads])
    divided = (count > 1) & (largest >= 2)
    thread = group_of(threads, len(stories))
    label = np.where(divided[home], len(sections) + thread, home)[story]
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    return sorted(tuple(g.tolist()) for g in np.split(order, cuts))


def name_threads(
    graph: sparse.csr_matrix,
    names: sparse.csr_matrix,
    story: np.ndarray,
    home: np.ndarray,
    threshold: float,
) -> list[tuple[int, ...]]:
    """Groups of stories, by average linkage on the cosine of their names, within sections.

    story[i] is row i's story and home[s] story s's section. Stories are compared only when
    the graph links some of their articles and they share a section of three or more stories.
    """
    m, n = len(home), len(story)
    # A section of two stories never divides (one thread of two, or two of one): leave out
    # the articles of such sections from the start.
    crowded = np.bincount(home)[home] >= 3
    rows = np.flatnonzero(crowded[story])
    into = sparse.csr_matrix((np.ones(len(rows)), (rows, story[rows])), shape=(n, m))
    centroids = unit_rows((into.T @ names).tocsr())
    pairs = sparse.triu(into.T @ graph @ into, k=1).tocoo()
    same = home[pairs.row] == home[pairs.col]
    rows, cols = pairs.row[same], pairs.col[same]
    sims = pair_similarity(centroids, rows, cols)
    # A story whose every link is below threshold can join nothing (an average never exceeds
    # its largest term): only the others go through the linkage, which gives the same groups.
    close = sims >= threshold
    joining = np.zeros(m, dtype=bool)
    joining[rows[close]] = True
    joining[cols[close]] = True
    keep = joining[rows] & joining[cols]
    index = np.flatnonzero(joining)
    local = np.full(m, -1)
    local[index] = np.arange(len(index))
    links = sparse.coo_matrix(
        (sims[keep], (local[rows[keep]], local[cols[keep]])), shape=(len(index), len(index))
    ).tocsr()
    found = average_linkage(links, np.zeros(len(index)), 0.0, threshold) if len(index) else []
    groups = [tuple(index[list(g)].tolist()) for g in found]
    alone = [(s,) for s in np.flatnonzero(~joining).tolist()]
    return sorted(groups + alone)


def join_nearest(
    graph: sparse.csr_matrix,
    times: np.ndarray,
    gap: float,
    stories: Sequence[tuple[int, ...]],
    origins: Sequence[tuple[int, ...]],
    sections: Sequence[tuple[int, ...]],
    floor: float = NEAREST_FLOOR,
) -> list[tuple[int, ...]]:
    """The sections, with those joined that hold two stories each other's nearest story.

    `sections` are unions of whole stories, each within one of `origins` (the sections before
    any division by names); stories of one origin are never joined, and no joined section spans
    more than `gap` seconds. Returns groups of rows, sorted.
    """
    if len(sections) < 2:
        return sorted(sections)
    n, m = graph.shape[0], len(stories)
    story = group_of(stories, n)
    first = [g[0] for g in stories]
    into = sparse.csr_matrix((np.ones(n), (np.arange(n), story)), shape=(n, m))
    # The cosine of two stories' summed vectors (rows of length 1), every product of two
    # reports taken from the graph (a pair not in it counts as 0, as in the linkage): the
    # squared length of a story's sum is its size plus its inner links, counted both ways.
    links = (into.T @ graph @ into).tocoo()
    inner = np.bincount(
        links.row, weights=np.where(links.row == links.col, links.data, 0.0), minlength=m
    )
    size = np.sqrt(np.bincount(story, minlength=m) + inner)
    off = links.row != links.col
    rows, cols = links.row[off], links.col[off]
    sims = links.data[off] / np.maximum(size[rows] * size[cols], 1e-12)
    best, alike = nearest(rows, cols, sims, m)
    a = np.flatnonzero(best > np.arange(m))
    a = a[best[best[a]] == a]
    b = best[a]
    origin = group_of(origins, n)
    home = group_of(sections, n)
    cross = origin[first][a] != origin[first][b]
    a, b = a[cross], b[cross]
    keep = alike[a] >= floor
    order = np.argsort(-alike[a[keep]], kind="stable")
    ends = home[first][a[keep]][order], home[first][b[keep]][order]
    return _joined(sections, list(zip(*(e.tolist() for e in ends), strict=True)), times, gap)


def nearest(
    rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each of m stories, the linked story most alike (ties to the lower) and how alike;
    -1 and 0.0 for a story linked to none."""
    best = np.full(m, -1, dtype=np.int64)
    value = np.zeros(m)
    if len(rows) == 0:
        return best, value
    order = np.lexsort((cols, -sims, rows))
    heads = order[np.flatnonzero(np.concatenate(([True], np.diff(rows[order]) != 0)))]
    best[rows[heads]] = cols[heads]
    value[rows[heads]] = sims[heads]
    return best, value


def _joined(
    sections: Sequence[tuple[int, ...]],
    joins: list[tuple[int, int]],
    times: np.ndarray,
    gap: float,
) -> list[tuple[int, ...]]:
    """Sections united along the joins (most alike first), each union within the time gap."""
    parent = list(range(len(sections)))
    home = group_of(sections, len(times))
    start = np.full(len(sections), np.inf)
    end = np.full(len(sections), -np.inf)
    np.minimum.at(start, home, times)
    np.maximum.at(end, home, times)

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for x, y in joins:
        x, y = root(x), root(y)
        if x != y and max(end[x], end[y]) - min(start[x], start[y]) <= gap:
            parent[y] = x
            start[x], end[x] = min(start[x], start[y]), max(end[x], end[y])
    groups: dict[int, list[int]] = {}
    for k, g in enumerate(sections):
        groups.setdefault(root(k), []).extend(g)
    return sorted(tuple(sorted(g)) for g in groups.values())
