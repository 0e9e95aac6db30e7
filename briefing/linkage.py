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
    groups as merging the best pair first, one at a time; each round is a few sparse products
    over the edges, so the whole costs about (edges x rounds) in C, not a Python heap.
    """
    n = graph.shape[0]
    links = sparse.triu(graph, k=1).tocsr().astype(np.float64)
    links = (links + links.T).tocsr()  # summed similarities between groups
    owner = np.arange(n)
    size = np.ones(n)
    start, end = times.astype(np.float64), times.astype(np.float64)
    while True:
        pairs = _mutual_best(links, size, start, end, gap, threshold)
        if pairs is None:
            break
        merged = np.arange(links.shape[0])
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


def group_of(groups: Sequence[tuple[int, ...]], n: int) -> np.ndarray:
    """For each of n rows, the index of the group holding it."""
    owner = np.empty(n, dtype=np.int64)
    sizes = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
    members = np.fromiter(chain.from_iterable(groups), dtype=np.int64, count=int(sizes.sum()))
    owner[members] = np.repeat(np.arange(len(groups)), sizes)  # one C pass, not a loop
    return owner


def _mutual_best(
    links: sparse.csr_matrix,
    size: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    gap: float,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs of groups (a < b) each other's best neighbour at or above threshold, or None."""
    coo = links.tocoo()
    average = coo.data / (size[coo.row] * size[coo.col])
    span = np.maximum(end[coo.row], end[coo.col]) - np.minimum(start[coo.row], start[coo.col])
    eligible = (average >= threshold) & (span <= gap)
    rows, cols, average = coo.row[eligible], coo.col[eligible], average[eligible]
    if len(rows) == 0:
        return None
    best = np.full(links.shape[0], -1)
    best[np.unique(rows)] = _best_per_row(rows, cols, average)
    a = np.flatnonzero(best > np.arange(len(best)))
    a = a[best[best[a]] == a]
    return (a, best[a]) if len(a) else None


def _best_per_row(rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row present (rows come grouped, in order), the column of its largest value;
    ties go to the lower column. Linear: reductions over the runs, no sort."""
    firsts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    lengths = np.diff(np.append(firsts, len(rows)))
    peak = np.repeat(np.maximum.reduceat(values, firsts), lengths)
    candidates = np.where(values == peak, cols.astype(np.int64), np.iinfo(np.int64).max)
    return np.minimum.reduceat(candidates, firsts)


def _contract(links: sparse.csr_matrix, merged: np.ndarray) -> sparse.csr_matrix:
    """Links between the merged groups: sums of their members' links, no self-links."""
    m, groups = len(merged), int(merged.max()) + 1
    into = sparse.csr_matrix((np.ones(m), (np.arange(m), merged)), shape=(m, groups))
    coo = (into.T @ links @ into).tocoo()
    off = coo.row != coo.col
    return sparse.csr_matrix((coo.data[off], (coo.row[off], coo.col[off])), shape=(groups, groups))


def _reduce(ufunc: np.ufunc, merged: np.ndarray, values: np.ndarray, empty: float) -> np.ndarray:
    """Per merged group, ufunc (minimum or maximum) over its members' values."""
    out = np.full(int(merged.max()) + 1, empty)
    ufunc.at(out, merged, values)
    return out
