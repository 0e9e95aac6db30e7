"""Average linkage on a sparse similarity graph, in rounds of mutual best pairs.

A pair not in the graph counts as similarity 0, and two groups whose reports would span more
than a given gap never merge. Average linkage is reducible: merging two groups never brings a
third closer to the merged one than it was to the nearer of the two. So merging every pair of
groups that are each other's best neighbour, all at once, round after round, gives the same
groups as the textbook way (the best pair first, one at a time); each round is a few sparse
operations over the edges in C, not a Python heap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse


def average_linkage(
    graph: sparse.csr_matrix, times: np.ndarray, gap: float, threshold: float
) -> list[tuple[int, ...]]:
    """Groups of rows merged by average linkage over the graph's edges, down to threshold.

    A pair not in the graph counts as similarity 0, and two groups whose reports would span
    more than `gap` seconds never merge. Average linkage is reducible, so merging every pair of
    groups that are each other's best neighbour, all at once, round after round, gives the same
    groups as merging the best pair first, one at a time; each round is a few passes over the
    links in C, so the whole costs about (links x rounds), not a Python heap.
    """
    n = graph.shape[0]
    upper = sparse.triu(graph, k=1).tocoo()
    # Each link once (lower group first), its similarity summed over the groups' members.
    links = _Links(upper.row.astype(np.int64), upper.col.astype(np.int64), upper.data)
    owner = np.arange(n)
    size = np.ones(n)
    start, end = times.astype(np.float64), times.astype(np.float64)
    while True:
        span = np.maximum(end[links.a], end[links.b]) - np.minimum(start[links.a], start[links.b])
        average = links.total / (size[links.a] * size[links.b])
        within = span <= gap
        eligible = (average >= threshold) & within
        pairs = _mutual_best(links, average, eligible, len(size))
        if pairs is None:
            break
        links = _settled_dropped(links, eligible, within, len(size))
        merged = np.arange(len(size))
        merged[pairs[1]] = pairs[0]
        _, merged = np.unique(merged, return_inverse=True)
        links = _contract(links, merged)
        size = np.bincount(merged, weights=size)
        start = _reduce(np.minimum, merged, start, np.inf)
        end = _reduce(np.maximum, merged, end, -np.inf)
        owner = merged[owner]
    order = np.argsort(owner, kind="stable")
    cuts = np.flatnonzero(np.diff(owner[order])) + 1
    return sorted(tuple(g.tolist()) for g in np.split(order, cuts))


@dataclass(frozen=True, slots=True)
class _Links:
    """Links between groups, each once: groups a < b and the sum of their members' links."""

    a: np.ndarray
    b: np.ndarray
    total: np.ndarray


def group_of(groups: Sequence[tuple[int, ...]], n: int) -> np.ndarray:
    """For each of n rows, the index of the group holding it."""
    owner = np.empty(n, dtype=np.int64)
    sizes = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
    members = np.fromiter(chain.from_iterable(groups), dtype=np.int64, count=int(sizes.sum()))
    owner[members] = np.repeat(np.arange(len(groups)), sizes)  # one C pass, not a loop
    return owner


def _mutual_best(
    links: _Links, average: np.ndarray, eligible: np.ndarray, m: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs of groups (a < b) each other's best eligible neighbour, or None.

    A group's best is its link of the largest average; ties go to the lower group."""
    if not eligible.any():
        return None
    ends = np.concatenate([links.a[eligible], links.b[eligible]])
    others = np.concatenate([links.b[eligible], links.a[eligible]])
    values = np.tile(average[eligible], 2)
    peak = np.full(m, -np.inf)
    np.maximum.at(peak, ends, values)
    best = np.full(m, np.iinfo(np.int64).max)
    top = values == peak[ends]
    np.minimum.at(best, ends[top], others[top])
    best[best == np.iinfo(np.int64).max] = -1
    a = np.flatnonzero(best > np.arange(m))
    a = a[best[best[a]] == a]
    return (a, best[a]) if len(a) else None


def _settled_dropped(links: _Links, eligible: np.ndarray, within: np.ndarray, m: int) -> _Links:
    """The links that can still matter: neither end settled, and within the time gap.

    A group with no eligible link is settled: merging its neighbours gives it averages between
    those it had (an average of averages), never above the threshold, and spans only grow; so
    it never merges again, and its links only ever add to other links of its own. A link past
    the gap stays past it for any groups that come to hold its ends. Dropping both leaves every
    later choice the same, and the rounds get cheaper as groups settle."""
    live = np.zeros(m, dtype=bool)
    live[links.a[eligible]] = True
    live[links.b[eligible]] = True
    keep = live[links.a] & live[links.b] & within
    return _Links(links.a[keep], links.b[keep], links.total[keep])


def _contract(links: _Links, merged: np.ndarray) -> _Links:
    """Links between the merged groups: sums of their members' links, no self-links."""
    groups = int(merged.max()) + 1
    a, b = merged[links.a], merged[links.b]
    off = a != b
    low, high = np.minimum(a[off], b[off]), np.maximum(a[off], b[off])
    summed = sparse.csr_matrix(
        (links.total[off].astype(np.float64), (low, high)), shape=(groups, groups)
    ).tocoo()  # duplicates summed: one link per pair of merged groups
    return _Links(summed.row.astype(np.int64), summed.col.astype(np.int64), summed.data)


def _reduce(ufunc: np.ufunc, merged: np.ndarray, values: np.ndarray, empty: float) -> np.ndarray:
    """Per merged group, ufunc (minimum or maximum) over its members' values."""
    out = np.full(int(merged.max()) + 1, empty)
    ufunc.at(out, merged, values)
    return out
