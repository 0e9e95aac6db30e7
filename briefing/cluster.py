"""Cluster articles into stories (one per event), stories into automatic topics, across editions.

Articles become vectors and a sparse neighbour graph (`similarity.py`: no n-by-n matrix). On that
graph clusters are merged by average linkage, best pair first (a pair not in the graph counts as
similarity 0, so the average is a lower bound of the full one). Stopping at DEFAULT_THRESHOLD
gives the stories; merging on from there down to SECTION_THRESHOLD gives automatic topics made
of whole stories, so a story never straddles two. Two articles published further apart than
`max_gap_hours` never share a story: a follow-up days later is a new event, even when it reads
alike; across editions, a story is linked to the past story it continues instead.

Both thresholds were chosen once with `benchmarks/clustering.py` on the ECB+ sample in
../shared/eval/clustering (a sweep, and a held-out check: chosen on half the topics, scored on
the other half) and are held for all news.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from scipy import sparse

from .models import Article, PastStory, Story
from .similarity import Space, article_space, candidate_pairs, neighbour_graph

DEFAULT_THRESHOLD = 0.16
SECTION_THRESHOLD = 0.02
# A day and a half: a story's reports arrive over a day's feeds (time zones, late pick-ups),
# while a follow-up event (the next meeting, the verdict after the trial) comes days later.
DEFAULT_MAX_GAP_HOURS = 36.0
LABEL_TERMS = 3

# A site name after a separator: up to five capitalised words ("Reuters", "BBC News", "NYT.com").
_SUFFIX = re.compile(r"\s+[|\-–—:]\s+[A-Z][\w.&'’]*(?: [A-Z][\w.&'’]*){0,4}$")


@dataclass(frozen=True, slots=True)
class Partition:
    """Row groups: the stories, and the automatic topics that whole stories were merged into."""

    stories: list[tuple[int, ...]]
    sections: list[tuple[int, ...]]


def cluster_stories(
    articles: Sequence[Article],
    *,
    previous: Sequence[PastStory] = (),
    threshold: float = DEFAULT_THRESHOLD,
    section_threshold: float = SECTION_THRESHOLD,
    max_gap_hours: float = DEFAULT_MAX_GAP_HOURS,
) -> tuple[Story, ...]:
    """Group articles about the same event into stories, largest first, deterministically.

    With `previous` (stories of earlier editions), a story continuing one of them keeps its id
    and says what is new ("developing", "returning"), or is marked "unchanged".
    """
    ordered = sorted({a.id: a for a in articles}.values(), key=lambda a: (a.published, a.id))
    if not ordered:
        return ()
    everything = ordered + _unseen([a for p in previous for a in p.articles], ordered)
    space = article_space(everything)
    n = len(ordered)
    vectors = space.vectors[:n]
    times = np.array([a.published.timestamp() for a in ordered])
    gap = max_gap_hours * 3600.0
    parts = partition(
        neighbour_graph(vectors, times, gap), times, threshold, section_threshold, gap
    )
    labels = {
        g[0]: label
        for g, label in zip(parts.sections, topic_labels(space, parts.sections), strict=True)
    }
    labels = {i: labels[g[0]] for g in parts.sections for i in g}
    stories = [_make_story([ordered[i] for i in g], vectors[list(g)]) for g in parts.stories]
    stories = [
        _labelled(s, labels.get(g[0], "")) for s, g in zip(stories, parts.stories, strict=True)
    ]
    if previous:
        rows = {a.id: i for i, a in enumerate(everything)}
        stories = link_previous(stories, previous, space, rows, threshold)
    return tuple(sorted(stories, key=lambda s: (-len(s.articles), s.first_published, s.id)))


def _unseen(past: list[Article], today: list[Article]) -> list[Article]:
    """Past reports not among today's, each once, so a report is vectorised only once."""
    seen = {a.id for a in today}
    return list({a.id: a for a in past if a.id not in seen}.values())


def partition(
    graph: sparse.csr_matrix, times: np.ndarray, threshold: float, section: float, gap: float
) -> Partition:
    """Average-linkage merging over the graph's edges: stories at threshold, then sections."""
    lowest = min(section, threshold)
    merger = _Merger(graph, times, gap, lowest)
    stories = merger.run(threshold)
    return Partition(stories, merger.run(lowest))


class _Merger:
    """Average linkage on a sparse graph, best pair first; can stop and go on to a lower level.

    Lazy: a merge does not re-queue its neighbours. The average from a merged cluster to another
    is a weighted mean of the two old averages, so entries already queued are upper bounds; an
    entry found stale when it reaches the top is re-scored and queued again. Links averaging
    below `lowest` (the lowest level it will be run to) are never queued.
    """

    def __init__(
        self, graph: sparse.csr_matrix, times: np.ndarray, gap: float, lowest: float
    ) -> None:
        n = graph.shape[0]
        self.gap, self.lowest = gap, lowest
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.span = {i: (float(times[i]), float(times[i])) for i in range(n)}
        self.links: dict[int, dict[int, float]] = {i: {} for i in range(n)}
        coo = sparse.triu(graph, k=1).tocoo()
        for i, j, s in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True):
            self.links[i][j] = self.links[j][i] = s
        self.heap = [
            (-s, i, j, 1, 1)
            for i in self.links
            for j, s in self.links[i].items()
            if i < j and s >= lowest
        ]
        heapq.heapify(self.heap)

    def run(self, threshold: float) -> list[tuple[int, ...]]:
        """Merge while the best average link is at least the threshold; the groups so far."""
        heap = self.heap
        while heap and -heap[0][0] >= threshold:
            _, a0, b0, size_a, size_b = heapq.heappop(heap)
            a, b = self._find(a0), self._find(b0)
            if a == b:
                continue
            sizes = (len(self.members[a]), len(self.members[b]))
            if (a, b) == (a0, b0) and sizes == (size_a, size_b):
                self._merge(a, b)
            else:
                self._requeue(min(a, b), max(a, b))
        return sorted(tuple(sorted(m)) for m in self.members.values())

    def _requeue(self, a: int, b: int) -> None:
        """Queue a pair again at its current average, when it is still worth queueing."""
        total = self.links[a].get(b)
        if total is None:
            return
        size_a, size_b = len(self.members[a]), len(self.members[b])
        average = total / (size_a * size_b)
        if average >= self.lowest:
            heapq.heappush(self.heap, (-average, a, b, size_a, size_b))

    def _find(self, i: int) -> int:
        """The cluster a row or an old cluster id now belongs to (with path compression)."""
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def _merge(self, a: int, b: int) -> None:
        """The smaller cluster joins the larger, whose id lives on; links summed in place."""
        start = min(self.span[a][0], self.span[b][0])
        end = max(self.span[a][1], self.span[b][1])
        if end - start > self.gap:
            return  # spans only grow: this pair can never merge
        big, small = (a, b) if len(self.members[a]) >= len(self.members[b]) else (b, a)
        self.parent[small] = big
        self.members[big] += self.members.pop(small)
        self.span[big] = (start, end)
        del self.span[small]
        moved = self.links.pop(small)
        moved.pop(big, None)
        self.links[big].pop(small, None)
        for other, total in moved.items():
            del self.links[other][small]
            summed = self.links[big].get(other, 0.0) + total
            self.links[other][big] = self.links[big][other] = summed


def topic_labels(space: Space, groups: Sequence[tuple[int, ...]]) -> list[str]:
    """A readable label for each group of two or more rows (else ""): its heaviest terms."""
    n = space.vectors.shape[0]
    rows = [k for k, g in enumerate(groups) for _ in g]
    member = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, [i for g in groups for i in g])), shape=(len(groups), n)
    )
    totals = (member @ space.vectors).tocsr()
    return [
        _label(
            space.terms,
            totals.indices[totals.indptr[k] : totals.indptr[k + 1]],
            totals.data[totals.indptr[k] : totals.indptr[k + 1]],
        )
        if len(g) > 1
        else ""
        for k, g in enumerate(groups)
    ]


def _label(terms: tuple[str, ...], columns: np.ndarray, weights: np.ndarray) -> str:
    """The first LABEL_TERMS distinct, non-numeric terms by weight, joined."""
    label: list[str] = []
    for index in np.lexsort((columns, -weights))[: LABEL_TERMS * 4]:
        term = terms[columns[index]]
        if term.isdigit() or any(term in t or t in term for t in label):
            continue
        label.append(term)
        if len(label) == LABEL_TERMS:
            break
    return " · ".join(t.title() if t.islower() else t for t in label)


def _make_story(articles: list[Article], vectors: sparse.csr_matrix) -> Story:
    """A story for these articles: stable id, central headline, majority topic."""
    return Story(
        id=story_id(articles),
        headline=clean_headline(articles[_central(vectors, articles)].title),
        topic=_majority_topic(articles),
        articles=tuple(articles),
        new_article_ids=tuple(a.id for a in articles),
    )


def _labelled(story: Story, label: str) -> Story:
    """The story with its automatic topic's label, when it has one."""
    return replace(story, auto_topic=label) if label else story


def story_id(articles: Sequence[Article]) -> str:
    """A story's id when it is first seen: a hash of its reports' ids."""
    key = "\n".join(sorted(a.id for a in articles))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


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


# --- across editions ------------------------------------------------------------------------


def link_previous(
    stories: list[Story],
    previous: Sequence[PastStory],
    space: Space,
    rows: dict[str, int],
    threshold: float,
) -> list[Story]:
    """Give each story that continues a past one that story's id and what is new since."""
    matches = match_previous(stories, previous, space, rows, threshold)
    last = max(p.edition for p in previous)
    return [
        _continued(s, previous[matches[k]], last) if k in matches else s
        for k, s in enumerate(stories)
    ]


def match_previous(
    stories: Sequence[Story],
    previous: Sequence[PastStory],
    space: Space,
    rows: dict[str, int],
    threshold: float,
) -> dict[int, int]:
    """Story index -> past story index: shared reports first, else the same-event similarity."""
    shared = _by_shared_reports(stories, previous)
    taken = set(shared.values())
    scored = _by_similarity(stories, previous, space, rows, threshold)
    for (k, p), _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0])):
        if k not in shared and p not in taken:
            shared[k] = p
            taken.add(p)
    return shared


def _by_shared_reports(stories: Sequence[Story], previous: Sequence[PastStory]) -> dict[int, int]:
    """A story holding reports of a past story continues it (the one it shares most with)."""
    owner = {aid: p for p, past in enumerate(previous) for aid in past.article_ids}
    found: dict[int, int] = {}
    for k, story in enumerate(stories):
        counts = Counter(owner[a.id] for a in story.articles if a.id in owner)
        if counts:
            found[k] = min(counts, key=lambda p: (-counts[p], p))
    return found


def _by_similarity(
    stories: Sequence[Story],
    previous: Sequence[PastStory],
    space: Space,
    row: dict[str, int],
    threshold: float,
) -> dict[tuple[int, int], float]:
    """(story, past story) -> average similarity of their reports, where it reaches threshold."""
    groups = [[row[a.id] for a in s.articles] for s in stories]
    groups += [[row[a.id] for a in p.articles] for p in previous]
    means = sparse.vstack(
        [sparse.csr_matrix(space.vectors[g].mean(axis=0)) for g in groups]
    ).tocsr()
    rows, cols = candidate_pairs(means)
    n = len(stories)
    cross = (rows < n) & (cols >= n)
    rows, cols = rows[cross], cols[cross]
    sims = np.asarray(means[rows].multiply(means[cols]).sum(axis=1)).ravel()
    return {
        (int(r), int(c) - n): float(s)
        for r, c, s in zip(rows, cols, sims, strict=True)
        if s >= threshold
    }


def _continued(story: Story, past: PastStory, last_edition: date) -> Story:
    """The story under its past id, with only the reports the past story did not have as new."""
    new = tuple(a.id for a in story.articles if a.id not in past.article_ids)
    if not new:
        status = "unchanged"
    else:
        status = "developing" if past.edition == last_edition else "returning"
    return replace(
        story,
        id=past.id,
        status=status,
        new_article_ids=new,
        previous_edition=past.edition,
        previous_headline=past.headline,
    )
