"""Cluster articles into automatic topics, and each topic's articles into stories (one per event).

Two levels. Articles become vectors and a sparse neighbour graph (`similarity.py`: no n-by-n
matrix). First, average linkage over the graph down to SECTION_THRESHOLD gives the sections
(automatic topics): reports of the same kind of event. Then, inside each section, the articles'
vectors are re-weighted within it (`similarity.within_groups`): the terms the whole section
shares ("earthquake", "magnitude") say what kind of event it is, not which one, and lose their
weight, while the names, places and numbers only some of its reports share keep theirs. The
section's edges are scored again on those vectors and average linkage down to DEFAULT_THRESHOLD
gives the stories, so a story never straddles two sections. A section of fewer than GROUP_MIN
articles is too small to tell its common terms and keeps the plain similarity; two reports of
one outlet never score above their plain similarity (`one_outlet_capped`). Last, a section
whose stories fall into threads sharing names (two quakes in Indonesia, one in Iran) is divided
along them (`sections.divide_by_names`), and two sections are joined when a story of each is
the other's nearest story (`sections.join_nearest`: the same kind told in other words): the
sections shown are unions of whole stories, while the stories were told apart within the
undivided, unjoined ones.

A pair not in the graph counts as similarity 0; average linkage runs in rounds that merge every
pair of groups that are each other's best neighbour at once (the same result as best pair
first, in about linear time). Two articles published further apart than `max_gap_hours` never
share a story: a follow-up days later is a new event, even when it reads alike; across
editions, a story is linked to the past story it continues instead: one it shares reports
with, else one whose reports read like its own and fall into one story with them when both
are clustered as one day, time left out (`joint_stories`), so that the other event of the same
kind a day later is not taken for the first one developing. Nor do they share a
section, unless the edition's window is longer (a weekly edition's topics span its week).
Reports written in two scripts (Latin, Cyrillic, Chinese, Kannada, ...) share neither.

The thresholds, the re-weighting's power and the name thread were chosen once with
`benchmarks/clustering.py` on the ECB+ sample in ../shared/eval/clustering (a sweep, and a
held-out check: chosen on half the topics, scored on the other half) and are held for all news.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from scipy import sparse

from .feeddates import CALENDAR_NAMES
from .headline import FILLER, story_headline
from .linkage import average_linkage, group_of
from .models import Article, PastStory, Story
from .sections import NAME_THREAD, NEAREST_FLOOR, divide_by_names, join_nearest
from .sentences import CALENDAR_WORDS
from .similarity import (
    GROUP_POWER,
    Space,
    article_space,
    candidate_pairs,
    lead,
    neighbour_graph,
    pair_similarity,
    scripts_of,
    within_groups,
)

DEFAULT_THRESHOLD = 0.14  # on the similarity within a section (see `partition`)
SECTION_THRESHOLD = 0.02
GROUP_MIN = 4  # a smaller section keeps the plain similarity: too few to tell its common terms
# A story of an earlier edition is continued by a story whose reports average this plain
# similarity with its own, and that most of whose reports fall into one story with the past
# one's when clustered together (`joint_stories`). Measured with benchmarks/continuity.py: on
# ECB+'s events over four editions, 0.10 to 0.16 differ by a report (F1 0.943 to 0.946).
LINK_THRESHOLD = 0.16
# A day and a half: a story's reports arrive over a day's feeds (time zones, late pick-ups),
# while a follow-up event (the next meeting, the verdict after the trial) comes days later.
DEFAULT_MAX_GAP_HOURS = 36.0
LABEL_TERMS = 3
LABEL_TEXTS = 20  # a section's reports read for how its label's terms are written
PHRASE_WORDS = 2  # at most, in a label's term made of two ('health care')
COMPOUND_EXTRA = 16  # characters a label's term may gain to its hyphenated word ('-to-Text')
# Days and months say when, not what, in English and in the languages whose feed dates are
# read (feeddates.py); "march" (a protest) and "may" (a prime minister) stay.
_CALENDAR = (CALENDAR_WORDS - {"march"}) | CALENDAR_NAMES


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
    times = np.array([a.published.timestamp() for a in ordered])
    gap = max_gap_hours * 3600.0
    section_gap = max(gap, window_hours * 3600.0)
    graph = neighbour_graph(vectors, times, section_gap, scripts_of(ordered))
    parts = partition(
        graph,
        vectors,
        times,
        threshold,
        section_threshold,
        gap,
        names_from=space.names_from,
        section_gap=section_gap,
        outlets=outlets_of(ordered),
    )
    labels = {
        g[0]: label
        for g, label in zip(
            parts.sections, topic_labels(space, parts.sections, ordered), strict=True
        )
    }
    labels = {i: labels[g[0]] for g in parts.sections for i in g}
    stories = [_make_story([ordered[i] for i in g]) for g in parts.stories]
    stories = [
        _labelled(s, labels.get(g[0], "")) for s, g in zip(stories, parts.stories, strict=True)
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
        sections, graph, space.vectors, same_time, threshold, 1.0, outlets=outlets_of(everything)
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
    threshold: float,
    section: float,
    gap: float,
    power: float = GROUP_POWER,
    names_from: int | None = None,
    thread: float = NAME_THREAD,
    nearest: float = NEAREST_FLOOR,
    section_gap: float | None = None,
    outlets: np.ndarray | None = None,
) -> Partition:
    """Sections by average linkage over the graph; then, inside each, stories by what sets apart.

    Inside a section of at least GROUP_MIN articles the edges are scored again on the vectors
    re-weighted within the section (`within_groups`: the terms the whole section shares no
    longer count); a smaller section is too small to tell its common terms, so it keeps the
    plain similarity. Given each row's outlet (`outlets_of`), two reports of one outlet score at
    most their plain similarity (`one_outlet_capped`). Stories are merged by average linkage on
    those edges, down to threshold. With `names_from` (the first column of the names block), the
    sections are then divided along the names their stories share (`sections.divide_by_names`,
    down to `thread`). Last, sections holding two stories each other's nearest are joined
    (`sections.join_nearest`, from `nearest` up). Stories span at most `gap` seconds, sections
    `section_gap` (default `gap`).
    """
    section_gap = gap if section_gap is None else section_gap
    sections = average_linkage(graph, times, section_gap, section)
    stories = stories_within(sections, graph, vectors, times, threshold, gap, power, outlets)
    divided = sections
    if names_from is not None:
        names = vectors[:, names_from:]
        divided = divide_by_names(graph, names, stories, sections, thread)
    joined = join_nearest(graph, times, section_gap, stories, sections, divided, nearest)
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
) -> list[tuple[int, ...]]:
    """The stories of `partition`: each section's edges scored on its re-weighted vectors
    (a pair of one outlet's reports held to its plain similarity), merged down to threshold."""
    group = group_of(sections, graph.shape[0])
    edges = sparse.triu(graph, k=1).tocoo()
    inside = group[edges.row] == group[edges.col]
    rows, cols = edges.row[inside], edges.col[inside]
    sims = pair_similarity(scoring_vectors(vectors, sections, power), rows, cols)
    if outlets is not None:
        sims = one_outlet_capped(sims, edges.data[inside], outlets, rows, cols)
    scored = sparse.coo_matrix((sims, (rows, cols)), shape=graph.shape).tocsr()
    return average_linkage(scored, times, gap, threshold)


def outlets_of(articles: Sequence[Article]) -> np.ndarray:
    """Each article's outlet as a number: equal for two reports of one outlet."""
    return np.unique([a.source for a in articles], return_inverse=True)[1].astype(np.int64)


def one_outlet_capped(
    sims: np.ndarray, plain: np.ndarray, outlets: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Pair scores on the re-weighted vectors, each pair of reports of one outlet held to at most
    its plain similarity (`plain`, on the vectors before re-weighting).

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


def topic_labels(
    space: Space, groups: Sequence[tuple[int, ...]], articles: Sequence[Article] = ()
) -> list[str]:
    """A readable label for each group of two or more rows (else ""): its heaviest terms,
    written as the group's reports (`articles`, by row) most often write them."""
    n = space.vectors.shape[0]
    rows = [k for k, g in enumerate(groups) for _ in g]
    member = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, [i for g in groups for i in g])), shape=(len(groups), n)
    )
    totals = (member @ space.vectors).tocsr()
    labels = []
    for k, g in enumerate(groups):
        if len(g) < 2:
            labels.append("")
            continue
        texts = [_head(articles[i]) for i in g[:LABEL_TEXTS]] if articles else []
        terms = _label_terms(
            space.terms,
            totals.indices[totals.indptr[k] : totals.indptr[k + 1]],
            totals.data[totals.indptr[k] : totals.indptr[k + 1]],
            [t.lower().replace("-", " ") for t in texts],
        )
        labels.append(" · ".join(_distinct([_heading(written(t, texts)) for t in terms])))
    return labels


def _distinct(forms: list[str]) -> list[str]:
    """A label's written terms, each once: two terms written in one hyphenated word ('hit',
    'run': 'Hit-and-run') are one, and a term inside a longer one is the longer, in the
    first's place ('Hit-and-run', 'Hit-and-run driver')."""
    kept: list[str] = []
    for form in forms:
        low = form.lower()
        inside = [k for k, f in enumerate(kept) if _has(low, f.lower())]
        if any(_has(f.lower(), low) for f in kept) and not inside:
            continue
        if inside:
            kept[inside[0]] = form
            kept = [f for k, f in enumerate(kept) if k not in inside[1:]]
        else:
            kept.append(form)
    return kept


def _label_terms(
    terms: tuple[str, ...], columns: np.ndarray, weights: np.ndarray, texts: Sequence[str] = ()
) -> list[str]:
    """The first LABEL_TERMS distinct terms by weight, less numbers and the names of days and
    months (they say how much and when, not what) and headlines' filler ("says"); a name
    holding words already taken takes their place ('fc', 'utrecht', then 'fc utrecht': FC
    Utrecht), and so does a phrase the group's lowered `texts` mostly write two of its terms
    as ('care', 'health', then 'health care')."""
    label: list[str] = []
    for index in np.lexsort((columns, -weights))[: LABEL_TERMS * 4]:
        term = terms[columns[index]]
        if not any(c.isalpha() for c in term) or term in _CALENDAR or term in FILLER:
            continue  # a number ('6,000', '11.2') says how much, not what
        words = set(term.split())
        held = [t for t in label if t != term and set(t.split()) <= words]
        repeats = any(_overlap(term, words, t) for t in label)
        phrases = {} if repeats else {t: p for t in label if (p := _phrase(t, term, texts))}
        if held:  # looked for even once the label is full: a name frees the slots it fills
            at = label.index(held[0])
            label = [t for t in label if t not in held]
            label.insert(at, term)
        elif phrases:  # a term that makes a phrase with one taken joins it, full label or not
            first = next(iter(phrases))
            label[label.index(first)] = phrases[first]
        elif len(label) < LABEL_TERMS and not repeats:
            label.append(term)
    return label


def _phrase(taken: str, term: str, texts: Sequence[str]) -> str:
    """The two terms as one phrase ('health care'), in the order the texts write them next to
    each other, when two or more texts, and most of those that have both, so write them; else
    "". One text alone is no evidence ('Leonardo does', 'Safari refuse'), and a phrase of more
    than PHRASE_WORDS words is no label."""
    if not texts or len(taken.split()) + len(term.split()) > PHRASE_WORDS:
        return ""
    both = [t for t in texts if _has(t, taken) and _has(t, term)]
    for phrase in (f"{taken} {term}", f"{term} {taken}"):
        side_by_side = sum(_has(t, phrase) for t in both)
        if side_by_side >= 2 and 2 * side_by_side > len(both):
            return phrase
    return ""


def _has(text: str, term: str) -> bool:
    """Whether a lowered text holds the term as whole words."""
    return next(_whole_words(text, term), None) is not None


def _whole_words(low: str, term: str) -> Iterator[int]:
    """Where a lowered text holds the term as whole words, not inside a longer word."""
    at = low.find(term)
    while at >= 0:
        if not (_in_word(low, at - 1) or _in_word(low, at + len(term))):
            yield at
        at = low.find(term, at + 1)


def _heading(form: str) -> str:
    """A label's term with a capital, as a heading's words have: 'southern Iran' is 'Southern
    Iran'; a first word with a capital of its own ('iPhone X', 'eBay') is left as it is."""
    first = form.split(" ", 1)[0]
    return form if any(c.isupper() for c in first) else form[:1].upper() + form[1:]


def _overlap(term: str, words: set[str], taken: str) -> bool:
    """Whether a term repeats a label's: a word in common, its plural too ('elections' after
    'parliamentary election'), or one inside the other ('iphone')."""
    if term in taken or taken in term:
        return True
    return not {_singular(w) for w in words}.isdisjoint(_singular(w) for w in taken.split())


def _singular(word: str) -> str:
    """An English plural's '-s' dropped ('elections'); enough to tell a label's repeats."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _head(article: Article) -> str:
    return f"{article.title}\n{lead(article.text)}"


def written(term: str, texts: Sequence[str]) -> str:
    """A lowercased term as the texts most often write it ('HP', 'BlackBerry', 'New Zealand');
    capitalised when they only write it in lower case, or not at all. A term the texts mostly
    write inside one hyphenated word is that word: 'degree murder' in 'first-degree murder',
    'hit' in 'hit-and-run' (the terms were split at the hyphen).

    Terms are lowercased to be counted, but a label reads better in the reports' own hand: 'Hp'
    and 'Tsmc' are nobody's spelling. Plain string search on a lowered copy of each text (a
    pattern compiled for every label's every term would cost more than all the labels).
    """
    forms: Counter[str] = Counter()
    for text in texts:
        low = text.lower().replace("-", " ")  # 'New-Zealand' is found as 'new zealand'
        if len(low) != len(text):  # a letter whose lower case is longer: places would shift
            continue
        for at in _whole_words(low, term):
            forms[_compound(text, at, at + len(term))] += 1
    if forms:
        # The words most often written (a tie to the plain term), then their most frequent spelling
        words: dict[str, Counter[str]] = {}
        for form, count in forms.items():
            words.setdefault(form.lower().replace("-", " "), Counter())[form] = count
        chosen = max(words, key=lambda w: (words[w].total(), -len(w)))
        form = words[chosen].most_common(1)[0][0]
        if not form.islower():
            return form
        term = form
    # Each word's first letter only: str.title() would write '24th' as '24Th'.
    return " ".join(w[:1].upper() + w[1:] for w in term.split())


def _compound(text: str, start: int, end: int) -> str:
    """The text from start to end, taken on over hyphens to the whole word of letters it lies
    in ('hit' in 'Hit-and-run', 'degree murder' in 'first-degree murder'), when that word is
    short enough for a label (text without spaces, as Chinese is written, has no word end)."""
    first, last = start, end
    while first > 1 and text[first - 1] == "-" and text[first - 2].isalpha():
        first -= 1
        while first > 0 and text[first - 1].isalpha():
            first -= 1
    while last + 1 < len(text) and text[last] == "-" and text[last + 1].isalpha():
        last += 1
        while last < len(text) and text[last].isalpha():
            last += 1
    if last - first - (end - start) > COMPOUND_EXTRA:
        return text[start:end]
    return text[first:last]


def _in_word(text: str, at: int) -> bool:
    """Whether the character at `at` (if any) is a word character."""
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")


def _make_story(articles: list[Article]) -> Story:
    """A story for these articles: stable id, most representative headline, majority topic."""
    return Story(
        id=story_id(articles),
        headline=story_headline(articles),
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


def _majority_topic(articles: list[Article]) -> str:
    """The most common topic; a tie goes to the earliest article's (articles come in time order)."""
    counts = Counter(a.topic for a in articles)
    best = max(counts.values())
    return next(a.topic for a in articles if counts[a.topic] == best)


# --- across editions ------------------------------------------------------------------------


def link_previous(
    stories: list[Story],
    previous: Sequence[PastStory],
    space: Space,
    rows: dict[str, int],
    threshold: float,
    joint: np.ndarray,
) -> list[Story]:
    """Give each story that continues a past one that story's id and what is new since.

    A past story is continued by one story of the day. Another that continues it too (it reads
    like it and falls into one story with it when clustered together: `match_previous`) is
    the same event split in two today, and joins the one that continues it; another that only
    holds some of its reports, re-read today, is new if it has new reports, else unchanged.
    """
    links = match_previous(stories, previous, space, rows, threshold, joint)
    last = max(p.edition for p in previous)
    merged = {k: list(s.articles) for k, s in enumerate(stories)}
    for k, into in links.joins.items():
        merged[into] += merged.pop(k)
    out = []
    for k, articles in merged.items():
        story = (
            stories[k]
            if len(articles) == len(stories[k].articles)
            else _joined(stories[k], articles)
        )
        if k in links.continues:
            story = _continued(story, previous[links.continues[k]], last)
        elif k in links.reread:
            story = replace(story, status="unchanged")
        out.append(story)
    return out


def _joined(story: Story, articles: list[Article]) -> Story:
    """The story with more reports, in time order, its headline chosen again, its label kept."""
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    return _labelled(_make_story(ordered), story.auto_topic)


@dataclass(frozen=True)
class Links:
    """How a day's stories (by index) continue past ones (by index)."""

    continues: dict[int, int]  # story -> the past story it continues
    joins: dict[int, int]  # story -> the story it joins (both continue one past story)
    reread: frozenset[int]  # stories made only of reports of a past story another continues


def match_previous(
    stories: Sequence[Story],
    previous: Sequence[PastStory],
    space: Space,
    rows: dict[str, int],
    threshold: float,
    joint: np.ndarray,
) -> Links:
    """Which story continues which past story: the one holding most of its reports, else the
    most similar (plain similarity at least `threshold`) that, given each row's story when the
    day's and the past reports are clustered together (`joint`), holds the joint story of
    most of its reports. One story per past story; another story similar so joins it."""
    scored = {
        (k, p): s
        for (k, p), s in _by_similarity(stories, previous, space, rows, threshold).items()
        if _together(stories[k].articles, previous[p].articles, joint, rows)
    }
    shared = _by_shared_reports(stories, previous)
    continues: dict[int, int] = {}
    taker: dict[int, int] = {}
    # Most shared reports first; of two sharing as many, the larger (the one that has grown).
    size = [len(story.articles) for story in stories]
    by_shared = sorted(shared, key=lambda kp: (-shared[kp], -size[kp[0]], -scored.get(kp, 0), kp))
    for k, p in by_shared + sorted(scored, key=lambda kp: (-scored[kp], kp)):
        if k not in continues and p not in taker:
            continues[k] = p
            taker[p] = k
    joins: dict[int, int] = {}
    for k, p in sorted(scored, key=lambda kp: (-scored[kp], kp)):
        # Not one holding some of the past story's reports: its likeness to the past story
        # would be those reports' likeness to themselves.
        if k not in continues and k not in joins and p in taker and (k, p) not in shared:
            joins[k] = taker[p]
    reread = frozenset(
        k
        for (k, p) in shared
        if k not in continues
        and k not in joins
        and p in taker
        and all(a.id in previous[p].article_ids for a in stories[k].articles)
    )
    return Links(continues, joins, reread)


def _together(
    today: Sequence[Article], past: Sequence[Article], joint: np.ndarray, rows: dict[str, int]
) -> bool:
    """Whether most of today's reports share a joint story with one of the past story's."""
    past_stories = {joint[rows[a.id]] for a in past}
    inside = sum(joint[rows[a.id]] in past_stories for a in today)
    return 2 * inside >= len(today)


def _by_shared_reports(
    stories: Sequence[Story], previous: Sequence[PastStory]
) -> dict[tuple[int, int], int]:
    """(story, past story) -> how many reports they share, where they share any."""
    owner = {aid: p for p, past in enumerate(previous) for aid in past.article_ids}
    found: dict[tuple[int, int], int] = {}
    for k, story in enumerate(stories):
        for p, count in Counter(owner[a.id] for a in story.articles if a.id in owner).items():
            found[(k, p)] = count
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
