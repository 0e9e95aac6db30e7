"""Divide a section along the names its stories share: one section per place or actor.

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

Only pairs of stories linked by the article graph are compared, so the cost follows the graph's
edges. NAME_THREAD was chosen with `benchmarks/clustering.py` on the ECB+ sample (a sweep and a
held-out check) and is held for all news.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from .linkage import average_linkage, group_of
from .similarity import pair_similarity

NAME_THREAD = 0.14


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
    centroids = normalize((into.T @ names).tocsr())
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
