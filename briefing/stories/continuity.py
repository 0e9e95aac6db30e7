"""Stories carried across editions: which of the day's stories continues which past one.

A story is linked to the past story it continues: one it shares reports with, else one whose
reports read like its own (the cosine of the two stories' mean vectors, as a plain TF-IDF link
scores them) and fall into one story with them when both are clustered as one day,
time left out (`cluster.joint_stories`), so that the other event of the same kind a day later
is not taken for the first one developing. A continuing story keeps the past story's id and says
what is new ("developing", "returning"), or is marked "unchanged".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from scipy import sparse

from ..models import Article, PastStory, Story
from .story import labelled, make_story
from .vectors import Space, candidate_pairs, unit_rows

# A story of an earlier edition is continued by a story whose mean vector has this cosine with
# its own, and most of whose reports fall into one story with the past one's when clustered
# together (`joint_stories`). The cosine, not the reports' average similarity, which sinks
# with a story's spread, so one cut serves a story of two reports and one of twenty. Chosen
# with benchmarks/continuity.py (ECB+'s events over four editions, whole texts and cut to 30
# words): 0.30 to 0.50 score alike held out; 0.40 does well on both readings.
LINK_THRESHOLD = 0.40


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
    return labelled(make_story(ordered), story.auto_topic)


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
    most similar (cosine at least `threshold`: `_by_similarity`) that, given each row's story
    when the day's and the past reports are clustered together (`joint`), holds the joint story
    of most of its reports. One story per past story; another story similar so joins it."""
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
    """(story, past story) -> the cosine of their reports' mean vectors, where it reaches
    threshold."""
    groups = [[row[a.id] for a in s.articles] for s in stories]
    groups += [[row[a.id] for a in p.articles] for p in previous]
    means = unit_rows(
        sparse.vstack([sparse.csr_matrix(space.vectors[g].mean(axis=0)) for g in groups]).tocsr()
    )
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
