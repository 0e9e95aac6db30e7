"""Cluster articles into stories: one story per event, however many outlets reported it.

Each article becomes a sparse TF-IDF vector in three weighted blocks: the head (title and lead),
the body, and the names and numbers anywhere in it. Cosine similarity is computed sparsely, each
article keeps only its nearest neighbours above a floor, and clusters are merged by average
linkage over that graph (a pair that is not in the graph counts as similarity 0, so the average
is a lower bound of the full one). Two articles published further apart than `max_gap_hours`
never share a story: a follow-up days later is a new event, even when it reads alike.

The defaults were measured with `benchmarks/eval_clustering.py` on the ECB+ sample in
/work/shared/eval/clustering (see that script for the sweep and the 2-fold check).
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from briefing.models import Article, Story

DEFAULT_THRESHOLD = 0.16
# A day and a half: a story's reports arrive over a day's feeds (time zones, late pick-ups),
# while a follow-up event (the next meeting, the verdict after the trial) comes days later.
DEFAULT_MAX_GAP_HOURS = 36.0

HEAD_WEIGHT = 1.0
BODY_WEIGHT = 0.6
NAME_WEIGHT = 0.6
LEAD_WORDS = 40
NEIGHBOURS = 30
FLOOR = 0.05

# A site name after a separator: up to five capitalised words ("Reuters", "BBC News", "NYT.com").
_SUFFIX = re.compile(r"\s+[|\-–—:]\s+[A-Z][\w.&'’]*(?: [A-Z][\w.&'’]*){0,4}$")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'’]+(?:[ -][A-Z][\w'’]+)*|\d[\d,.]*\d|\d)\b")


@dataclass(frozen=True, slots=True)
class _Cluster:
    """A cluster during merging: member row indices and its time span."""

    members: tuple[int, ...]
    start: float
    end: float


def cluster_stories(
    articles: Sequence[Article],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    max_gap_hours: float = DEFAULT_MAX_GAP_HOURS,
) -> tuple[Story, ...]:
    """Group articles about the same event into stories, largest first, deterministically."""
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    if not ordered:
        return ()
    vectors = article_vectors(ordered)
    times = np.array([a.published.timestamp() for a in ordered])
    graph = neighbour_graph(vectors, times, max_gap_hours * 3600.0)
    groups = merge_average(graph, times, threshold, max_gap_hours * 3600.0)
    stories = [_make_story([ordered[i] for i in g], vectors[list(g)]) for g in groups]
    return tuple(sorted(stories, key=lambda s: (-len(s.articles), s.first_published, s.id)))


def article_vectors(articles: Sequence[Article]) -> sparse.csr_matrix:
    """Rows of L2-normalised TF-IDF: head, body and names blocks, weighted, side by side."""
    heads = [f"{a.title}\n{_lead(a.text)}" for a in articles]
    bodies = [a.text for a in articles]
    names = [" ".join(_names(f"{a.title}\n{a.text}")) for a in articles]
    blocks = [
        HEAD_WEIGHT * _tfidf(heads),
        BODY_WEIGHT * _tfidf(bodies),
        NAME_WEIGHT * _tfidf(names, token_pattern=r"\S+", lowercase=False),
    ]
    return normalize(sparse.hstack(blocks).tocsr())


def _tfidf(texts: list[str], **options: object) -> sparse.csr_matrix:
    """One TF-IDF block; an empty vocabulary (all stop words, no names) gives zero columns."""
    options = {"sublinear_tf": True, "stop_words": "english", "min_df": 1, **options}
    try:
        return TfidfVectorizer(**options).fit_transform(texts)
    except ValueError:
        return sparse.csr_matrix((len(texts), 0))


def _lead(text: str) -> str:
    """The first words of the text: where a report says what happened."""
    return " ".join(text.split()[:LEAD_WORDS])


def _names(text: str) -> list[str]:
    """Capitalised phrases not opening a sentence, and numbers: names, places, counts, dates."""
    found: list[str] = []
    for line in text.splitlines():
        found.extend(m.group(1).replace(" ", "_").lower() for m in _NAME.finditer(line))
    return found


def neighbour_graph(vectors: sparse.csr_matrix, times: np.ndarray, gap: float) -> sparse.csr_matrix:
    """Cosine similarities kept for each row's top neighbours above the floor and within the gap."""
    sims = (vectors @ vectors.T).tocoo()
    keep = (sims.row != sims.col) & (sims.data >= FLOOR)
    keep &= np.abs(times[sims.row] - times[sims.col]) <= gap
    rows, cols, data = sims.row[keep], sims.col[keep], sims.data[keep]
    # Top-k per row: sort by (row, -similarity, col) so ties resolve the same way every run.
    order = np.lexsort((cols, -data, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    starts = np.searchsorted(rows, rows, side="left")
    rank = np.arange(len(rows)) - starts
    top = rank < NEIGHBOURS
    graph = sparse.coo_matrix((data[top], (rows[top], cols[top])), shape=sims.shape).tocsr()
    # Symmetric: an edge kept by either end is kept for both.
    return graph.maximum(graph.T).tocsr()


def merge_average(
    graph: sparse.csr_matrix, times: np.ndarray, threshold: float, gap: float
) -> list[tuple[int, ...]]:
    """Average-linkage merging over the graph's edges, stopping below the threshold."""
    clusters = {i: _Cluster((i,), times[i], times[i]) for i in range(graph.shape[0])}
    links: dict[int, dict[int, float]] = {i: {} for i in clusters}
    coo = sparse.triu(graph, k=1).tocoo()
    for i, j, s in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
        links[i][j] = links[j][i] = s
    heap = [(-s, i, j) for i in links for j, s in links[i].items() if i < j]
    heapq.heapify(heap)
    next_id = len(clusters)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if -neg < threshold:
            break
        if a not in clusters or b not in clusters:
            continue
        merged = _join(clusters[a], clusters[b])
        if merged.end - merged.start > gap:
            continue
        new_links = _merge_links(links, a, b)
        del clusters[a], clusters[b]
        clusters[next_id], links[next_id] = merged, new_links
        for other, total in new_links.items():
            links[other][next_id] = total
            size = len(merged.members) * len(clusters[other].members)
            heapq.heappush(heap, (-total / size, min(next_id, other), max(next_id, other)))
        next_id += 1
    return [c.members for c in clusters.values()]


def _join(a: _Cluster, b: _Cluster) -> _Cluster:
    """The union of two clusters."""
    return _Cluster(tuple(sorted(a.members + b.members)), min(a.start, b.start), max(a.end, b.end))


def _merge_links(links: dict[int, dict[int, float]], a: int, b: int) -> dict[int, float]:
    """Summed similarities from the union of a and b to every other cluster; drops a and b."""
    merged: dict[int, float] = {}
    for old in (a, b):
        for other, total in links.pop(old).items():
            if other in (a, b):
                continue
            merged[other] = merged.get(other, 0.0) + total
            links[other].pop(old, None)
    return merged


def _make_story(articles: list[Article], vectors: sparse.csr_matrix) -> Story:
    """A story for these articles: stable id, central headline, majority topic."""
    key = "\n".join(sorted(a.id for a in articles))
    return Story(
        id=hashlib.sha1(key.encode("utf-8")).hexdigest()[:12],
        headline=clean_headline(articles[_central(vectors, articles)].title),
        topic=_majority_topic(articles),
        articles=tuple(articles),
    )


def _central(vectors: sparse.csr_matrix, articles: list[Article]) -> int:
    """Index of the titled article closest to the centroid (the first of equals)."""
    centroid = np.asarray(vectors.mean(axis=0)).ravel()
    closeness = np.asarray(vectors @ centroid).ravel()
    titled = [i for i, a in enumerate(articles) if a.title.strip()] or list(range(len(articles)))
    return max(titled, key=lambda i: (closeness[i], -i))


def _majority_topic(articles: list[Article]) -> str:
    """The most common topic; a tie goes to the earliest article's (articles come in time order)."""
    counts = Counter(a.topic for a in articles)
    best = max(counts.values())
    return next(a.topic for a in articles if counts[a.topic] == best)


def clean_headline(title: str) -> str:
    """A title without its site suffix: 'Talks end | Reuters' becomes 'Talks end'."""
    title = " ".join(title.split())
    cleaned = _SUFFIX.sub("", title)
    # Keep the original when too little would be left ('Russia - Ukraine' is not 'Russia').
    return cleaned if len(cleaned.split()) >= 2 else title
