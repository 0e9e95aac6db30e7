"""Cluster articles into automatic topics, and each topic's articles into stories (one per event).

Two levels. Articles become vectors and a sparse neighbour graph (`vectors.py`: no n-by-n
matrix). First, average linkage over the graph down to SECTION_THRESHOLD gives the sections
(automatic topics): reports of the same kind of event. Then, inside each section, the articles'
vectors are re-weighted within it (`vectors.within_groups`): the terms the whole section
shares ("earthquake", "magnitude") say what kind of event it is, not which one, and lose their
weight, while the names, places and numbers only some of its reports share keep theirs. The
section's edges are scored again on those vectors and average linkage down to DEFAULT_THRESHOLD
gives the stories, so a story never straddles two sections. A section of fewer than GROUP_MIN
articles is too small to tell its common terms and keeps the plain similarity; two reports of
one outlet never score above what they plainly share besides their strongest shared word or
name (`one_outlet_capped`, `beyond_one_word`). Last, a section
whose stories fall into threads sharing names (two quakes in Indonesia, one in Iran) is divided
along them (`partition.divide_by_names`), and two sections are joined when a story of each is
the other's nearest story (`partition.join_nearest`: the same kind told in other words): the
sections shown are unions of whole stories, while the stories were told apart within the
undivided, unjoined ones.

A pair not in the graph counts as similarity 0; average linkage runs in rounds that merge every
pair of groups that are each other's best neighbour at once (the same result as best pair
first, in about linear time). Two articles published further apart than `max_gap_hours` never
share a story: a follow-up days later is a new event, even when it reads alike; across
editions, a story is linked to the past story it continues instead (`continuity.py`, on
`joint_stories`). Nor do they share a section, unless the edition's window is longer (a weekly
edition's topics span its week). Reports written in two scripts (Latin, Cyrillic, Chinese,
Kannada, ...) share neither. Each section is labelled by its heaviest terms (`labels.py`).

The thresholds, the re-weighting's power and the name thread were chosen once with
`benchmarks/clustering.py` on the ECB+ sample in ../shared/eval/clustering (a sweep, and a
held-out check: chosen on half the topics, scored on the other half) and are held for all news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..models import Article, PastStory, Story
from .continuity import LINK_THRESHOLD, link_previous
from .labels import topic_labels
from .linkage import average_linkage, group_of
from .partition import NAME_THREAD, NEAREST_FLOOR, divide_by_names, join_nearest
from .story import labelled, make_story
from .vectors import (
    GROUP_POWER,
    PAIR_CHUNK,
    Space,
    article_space,
    neighbour_graph,
    pair_similarity,
    scripts_of,
    within_groups,
)

DEFAULT_THRESHOLD = 0.14  # on the similarity within a section (see `partition`)
SECTION_THRESHOLD = 0.02
GROUP_MIN = 4  # a smaller section keeps the plain similarity: too few to tell its common terms
# A day and a half: a story's reports arrive over a day's feeds (time zones, late pick-ups),
# while a follow-up event (the next meeting, the verdict after the trial) comes days later.
DEFAULT_MAX_GAP_HOURS = 36.0


@dataclass(frozen=True, slots=True)
class Partition:
    """Row groups: the stories, and the automatic topics that whole stories were merged into."""

    stories: list[tuple[int, ...]]
    sections: list[tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """How `partition` cuts: its thresholds, the re-weighting's power, and the spans in seconds."""

    threshold: float = DEFAULT_THRESHOLD  # stories, on the similarity within a section
    section: float = SECTION_THRESHOLD  # sections, on the plain similarity
    gap: float = DEFAULT_MAX_GAP_HOURS * 3600.0  # the longest a story spans
    section_gap: float | None = None  # the longest a section spans (None: `gap`)
    power: float = GROUP_POWER  # how sharply the terms a whole section shares lose weight
    thread: float = NAME_THREAD  # how far stories share names to divide their section
    nearest: float = NEAREST_FLOOR  # how alike two nearest stories join their sections


def cluster_stories(
    articles: Sequence[Article],
    *,
    previous: Sequence[PastStory] = (),
    threshold: float = DEFAULT_THRESHOLD,
    section_threshold: float = SECTION_THRESHOLD,
    max_gap_hours: float = DEFAULT_MAX_GAP_HOURS,
    window_hours: float = 0.0,
    link_threshold: float = LINK_THRESHOLD,
) -> tuple[Story, ...]:
    """Group articles about the same event into stories, largest first, deterministically.

    With `previous` (stories of earlier editions), a story continuing one of them keeps its id
    and says what is new ("developing", "returning"), or is marked "unchanged". A section may
    span the edition's `window_hours` when that is longer than `max_gap_hours`: a weekly
    edition's stories are still a day and a half at most, its topics the whole week.
    """
    ordered = sorted({a.id: a for a in articles}.values(), key=lambda a: (a.published, a.id))
    if not ordered:
        return ()
    everything = ordered + _unseen([a for p in previous for a in p.articles], ordered)
    space = article_space(everything)
    n = len(ordered)
    vectors = space.vectors[:n]
    words = token_ids(space)
    times = np.array([a.published.timestamp() for a in ordered])
    gap = max_gap_hours * 3600.0
    section_gap = max(gap, window_hours * 3600.0)
    graph = neighbour_graph(vectors, times, section_gap, scripts_of(ordered))
    settings = ClusterSettings(threshold, section_threshold, gap, section_gap)
    parts = partition(
        graph,
        vectors,
        times,
        settings,
        names_from=space.names_from,
        outlets=outlets_of(ordered),
        words=words,
    )
    labels = {
        g[0]: label
        for g, label in zip(
            parts.sections, topic_labels(space, parts.sections, ordered), strict=True
        )
    }
    labels = {i: labels[g[0]] for g in parts.sections for i in g}
    stories = [make_story([ordered[i] for i in g]) for g in parts.stories]
    stories = [
        labelled(s, labels.get(g[0], "")) for s, g in zip(stories, parts.stories, strict=True)
    ]
    if previous:
        rows = {a.id: i for i, a in enumerate(everything)}
        joint = joint_stories(space, everything, threshold, section_threshold)
        stories = link_previous(stories, previous, space, rows, link_threshold, joint)
    return tuple(sorted(stories, key=lambda s: (-len(s.articles), s.first_published, s.id)))


def joint_stories(
    space: Space, everything: Sequence[Article], threshold: float, section: float
) -> np.ndarray:
    """Each row's story when today's reports and the past stories' are clustered as one day.

    Time is left out: what is asked is whether they tell of one event, and a day's own stories
    are split on that within their sections (two events of one kind apart), which a plain
    similarity between days cannot do.
    """
    same_time = np.zeros(len(everything))
    graph = neighbour_graph(space.vectors, same_time, 1.0, scripts_of(everything))
    sections = average_linkage(graph, same_time, 1.0, section)
    stories = stories_within(
        sections,
        graph,
        space.vectors,
        same_time,
        threshold,
        1.0,
        outlets=outlets_of(everything),
        words=token_ids(space),
    )
    return group_of(stories, len(everything))


def _unseen(past: list[Article], today: list[Article]) -> list[Article]:
    """Past reports not among today's, each once, so a report is vectorised only once."""
    seen = {a.id for a in today}
    return list({a.id: a for a in past if a.id not in seen}.values())


def partition(
    graph: sparse.csr_matrix,
    vectors: sparse.csr_matrix,
    times: np.ndarray,
    settings: ClusterSettings,
    *,
    names_from: int | None = None,
    outlets: np.ndarray | None = None,
    words: Words | None = None,
) -> Partition:
    """Sections by average linkage over the graph; then, inside each, stories by what sets apart.

    Inside a section of at least GROUP_MIN articles the edges are scored again on the vectors
    re-weighted within the section (`within_groups`: the terms the whole section shares no
    longer count); a smaller section is too small to tell its common terms, so it keeps the
    plain similarity. Given each row's outlet (`outlets_of`), two reports of one outlet score at
    most their plain similarity (`one_outlet_capped`). Stories are merged by average linkage on
    those edges, down to the settings' threshold. With `names_from` (the first column of the
    names block), the sections are then divided along the names their stories share
    (`partition.divide_by_names`, down to `thread`). Last, sections holding two stories each
    other's nearest are joined (`partition.join_nearest`, from `nearest` up).
    """
    s = settings
    section_gap = s.gap if s.section_gap is None else s.section_gap
    sections = average_linkage(graph, times, section_gap, s.section)
    stories = stories_within(
        sections, graph, vectors, times, s.threshold, s.gap, s.power, outlets, words
    )
    divided = sections
    if names_from is not None:
        names = vectors[:, names_from:]
        divided = divide_by_names(graph, names, stories, sections, s.thread)
    joined = join_nearest(graph, times, section_gap, stories, sections, divided, s.nearest)
    return Partition(stories, joined)


def stories_within(
    sections: Sequence[tuple[int, ...]],
    graph: sparse.csr_matrix,
    vectors: sparse.csr_matrix,
    times: np.ndarray,
    threshold: float,
    gap: float,
    power: float = GROUP_POWER,
    outlets: np.ndarray | None = None,
    words: Words | None = None,
) -> list[tuple[int, ...]]:
    """The stories of `partition`: each section's edges scored on its re-weighted vectors
    (a pair of one outlet's reports held to its plain similarity, less its strongest shared
    thing when `words` tells the columns' words, `beyond_one_word`), merged down to threshold."""
    group = group_of(sections, graph.shape[0])
    edges = sparse.triu(graph, k=1).tocoo()
    inside = group[edges.row] == group[edges.col]
    rows, cols = edges.row[inside], edges.col[inside]
    sims = pair_similarity(scoring_vectors(vectors, sections, power), rows, cols)
    if outlets is not None:
        plain = edges.data[inside]
        if words is not None:  # only one outlet's pairs are held to it
            same = np.flatnonzero(outlets[rows] == outlets[cols])
            plain[same] = beyond_one_word(vectors, rows[same], cols[same], words)
        sims = one_outlet_capped(sims, plain, outlets, rows, cols)
    scored = sparse.coo_matrix((sims, (rows, cols)), shape=graph.shape).tocsr()
    return average_linkage(scored, times, gap, threshold)


def outlets_of(articles: Sequence[Article]) -> np.ndarray:
    """Each article's outlet as a number: equal for two reports of one outlet."""
    return np.unique([a.source for a in articles], return_inverse=True)[1].astype(np.int64)


@dataclass(frozen=True, slots=True)
class Words:
    """Each column's word as a number (one word's columns in the head, body and names blocks
    share it: 'lorde' three times is one word), and for each word the names of two or more
    words that hold it ('trump': 'donald trump'), as a word-by-word 0/1 matrix; `parts` is its
    transpose (each name's words), which `beyond_one_word` reads."""

    of_column: np.ndarray
    names: sparse.csr_matrix
    parts: sparse.csr_matrix


def token_ids(space: Space) -> Words:
    """The words of the space's columns, and which names hold which words."""
    index: dict[str, int] = {}
    of_column = np.fromiter(
        (index.setdefault(t, len(index)) for t in space.terms),
        dtype=np.int64,
        count=len(space.terms),
    )
    held = [
        (index[part], k)
        for name, k in index.items()
        if " " in name
        for part in name.split()
        if part in index
    ]
    rows = np.array([h[0] for h in held], dtype=np.int64)
    cols = np.array([h[1] for h in held], dtype=np.int64)
    names = sparse.csr_matrix((np.ones(len(held)), (rows, cols)), shape=(len(index), len(index)))
    return Words(of_column, names, names.T.tocsr())


def beyond_one_word(
    vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray, words: Words
) -> np.ndarray:
    """Each pair's plain similarity less what its one strongest shared thing gives it: a word
    (its columns in every block together), or a name with the words of it the pair shares
    ('Donald Trump', 'donald', 'trump' are one thing): what the pair shares besides one thing.

    One outlet's reports on one subject share its name all day (a singer, a party, a president)
    whatever happened; what tells a report on the same event is a second thing shared, a place,
    a figure, another name, the event's own words.
    """
    out = np.zeros(len(rows))
    width = max(len(words.names.indptr) - 1, 1)
    for start in range(0, len(rows), PAIR_CHUNK):
        r, c = rows[start : start + PAIR_CHUNK], cols[start : start + PAIR_CHUNK]
        product = vectors[r].multiply(vectors[c]).tocoo()
        summed = sparse.coo_matrix(
            (product.data, (product.row, words.of_column[product.col])), shape=(len(r), width)
        ).tocsr()  # duplicates summed: one entry per (pair, word)
        summed.sum_duplicates()
        total = np.asarray(summed.sum(axis=1)).ravel()
        things = _things(summed.tocoo(), words.parts, width)
        top = things.max(axis=1).toarray().ravel() if things.nnz else np.zeros(len(r))
        out[start : start + len(r)] = total - np.maximum(top, 0.0)
    return out


def _things(shared: sparse.coo_matrix, parts: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """The pairs' shared words, each word that a shared name holds counted with that name (with
    the strongest such name when several hold it; the first column on a tie).

    Read from each shared name to its few words (`parts`), not from each shared word to every
    name holding it: a common word is held by hundreds or thousands of names, few of them shared,
    and expanding every (pair, word) that way took 2 GB at 50,000 articles.
    """
    pair, column, value = shared.row.astype(np.int64), shared.col.astype(np.int64), shared.data
    keys = pair * width + column  # sorted: CSR order
    holder, word = _spread(parts, column)  # each shared name's entry, once per word of it
    at = _lookup(keys, pair[holder] * width + word)
    found = at >= 0
    entry, parent, strength = at[found], column[holder[found]], value[holder[found]]
    target = column.copy()
    order = np.lexsort((parent, -strength, entry))  # each word's strongest shared name first
    ordered = entry[order]
    first = np.flatnonzero(np.diff(ordered, prepend=-1) != 0)
    target[ordered[first]] = parent[order][first]
    things = sparse.coo_matrix((value, (pair, target)), shape=shared.shape).tocsr()
    things.sum_duplicates()
    return things


def _spread(matrix: sparse.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each stored entry of the given rows of `matrix`: which of `rows` it is in, its column."""
    counts = np.diff(matrix.indptr)[rows]
    which = np.repeat(np.arange(len(rows)), counts)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
    return which, matrix.indices[matrix.indptr[rows][which] + offset].astype(np.int64)


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each wanted key is in the sorted `keys`, or -1."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, at, -1)


def one_outlet_capped(
    sims: np.ndarray, plain: np.ndarray, outlets: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Pair scores on the re-weighted vectors, each pair of reports of one outlet held to at most
    `plain`: its plain similarity (on the vectors before re-weighting), or what of it is left
    besides its strongest shared thing (`beyond_one_word`).

    The re-weighting within a section drops what the section shares and scales up what is left,
    so a report's few terms shared with some of its section stand for all of it. Across outlets
    that is what tells two events of one kind apart; but an outlet's own reports share its beat
    and its house words (its country's government, its city, its weekday phrases, a forum's
    template), and a short feed text, once the rest is dropped, is little else: four unrelated
    items of one Portuguese feed scored 0.5 to 0.99 for 'governo' and 'quarta-feira', plain 0.07
    to 0.10. Held to its plain similarity, one outlet's pair must share what any pair must.
    Two reports of one event by different outlets are untouched (on ECB+, holding every pair so
    lowers stories from 0.961 to 0.952, and to 0.897 with texts cut to 30 words).
    """
    return np.where(outlets[rows] == outlets[cols], np.minimum(sims, plain), sims)


def scoring_vectors(
    vectors: sparse.csr_matrix,
    sections: Sequence[tuple[int, ...]],
    power: float = GROUP_POWER,
) -> sparse.csr_matrix:
    """The vectors stories are told apart on: each row re-weighted within its section when the
    section has at least GROUP_MIN articles, else as it is."""
    group = group_of(sections, vectors.shape[0])
    large = (np.bincount(group)[group] >= GROUP_MIN).astype(np.float32)
    local = within_groups(vectors, group, power)
    return (sparse.diags(large) @ local + sparse.diags(1.0 - large) @ vectors).tocsr()


def sections_and_scoring(
    articles: Sequence[Article],
    max_gap_hours: float = DEFAULT_MAX_GAP_HOURS,
    window_hours: float = 0.0,
) -> tuple[Space, list[tuple[int, ...]], sparse.csr_matrix]:
    """What `cluster_stories` judges articles (in the given order) on: their vectors, their
    sections (as stories were told apart in them: before any division by names) and the
    scoring vectors; for explaining its choices. The gap and window are `cluster_stories`'s."""
    space = article_space(articles)
    times = np.array([a.published.timestamp() for a in articles])
    gap = max(max_gap_hours, window_hours) * 3600.0  # what a section may span
    graph = neighbour_graph(space.vectors, times, gap, scripts_of(articles))
    sections = average_linkage(graph, times, gap, SECTION_THRESHOLD)
    return space, sections, scoring_vectors(space.vectors, sections)
