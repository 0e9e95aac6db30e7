"""`briefing cluster`: stories from a JSONL file of articles, and why they were grouped so.

Input: one JSON object a line with `id`, `title`, `text`, and optional `url`, `source` and
`published` (ISO 8601). An article without a date is given the latest date in the file, so
time neither joins nor parts it. Bad input is refused with the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import ConfigError
from ..models import Article, Story
from ..stories.cluster import (
    DEFAULT_MAX_GAP_HOURS,
    DEFAULT_THRESHOLD,
    Words,
    beyond_one_word,
    cluster_stories,
    one_outlet_capped,
    outlets_of,
    sections_and_scoring,
    token_ids,
)
from ..stories.linkage import group_of
from ..stories.vectors import Space, candidate_pairs, pair_similarity
from .sections import NO_RULES, placements

UNDATED = datetime(2000, 1, 1, tzinfo=UTC)  # only when no article in the file has a date
SHARED_TERMS = 6
# Said of a story holding two reports of one outlet: what its similarity counts for them.
ONE_OUTLET_NOTE = (
    "; two reports of one outlet count only what they share besides the one name or word"
    " they share most"
)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a story's articles are together, and which stories it was kept apart from."""

    story_id: str
    shared: tuple[str, ...]  # names and terms most of its articles share
    cohesion: float  # average similarity of its articles' pairs, within the section (1 alone)
    near_misses: tuple[tuple[str, float], ...]  # (other story id, average similarity)


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """Stories from a file, the section each would go to, and their explanations."""

    stories: tuple[Story, ...]
    topics: dict[str, str]
    explanations: dict[str, Explanation]
    placed_by: dict[str, str] = field(default_factory=dict)  # why each is in its section

    def as_json(self) -> dict[str, Any]:
        """The `--json` form: every input id in exactly one story."""
        return {
            "stories": [
                {
                    "id": s.id,
                    "headline": s.headline,
                    "topic": self.topics[s.id],
                    "articles": [a.id for a in s.articles],
                    **self._why(s.id),
                }
                for s in self.stories
            ]
        }

    def _why(self, story_id: str) -> dict[str, Any]:
        why = self.explanations.get(story_id)
        if why is None:
            return {}
        misses = [{"story": other, "similarity": round(s, 3)} for other, s in why.near_misses]
        return {
            "why": {
                "section": self.placed_by.get(story_id, ""),
                "shared": list(why.shared),
                "similarity": round(why.cohesion, 3),
                "kept_apart_from": misses,
            }
        }


def read_articles(path: Path) -> tuple[Article, ...]:
    """Articles from a JSONL file; a line that is not a valid article raises ConfigError."""
    return tuple(line.article for line in read_article_lines(path))


@dataclass(frozen=True, slots=True)
class ArticleLine:
    """One line of an articles file: its number, its JSON object, and the article it makes."""

    number: int
    record: dict[str, Any]  # for the fields a command adds, such as `briefing summarize`'s story
    article: Article


def read_article_lines(path: Path) -> tuple[ArticleLine, ...]:
    """Each line of a JSONL articles file with its article; a bad line raises ConfigError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the articles file: {exc}", path=path) from None
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            records.append((number, _record(line, path, number)))
    dates = [d for _, r in records if (d := _published(r, path)) is not None]
    fallback = max(dates) if dates else UNDATED
    seen: set[str] = set()
    found = []
    for number, record in records:
        if record["id"] in seen:
            raise ConfigError(f"id '{record['id']}' appears twice", path=path, line=number)
        seen.add(record["id"])
        article = _article(record, _published(record, path) or fallback)
        found.append(ArticleLine(number, record, article))
    return tuple(found)


def _record(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not JSON: {exc.msg}", path=path, line=number) from None
    if not isinstance(record, dict):
        raise ConfigError("each line must be a JSON object", path=path, line=number)
    for key in ("id", "title", "text"):
        if not isinstance(record.get(key), str):
            raise ConfigError(
                f"'{key}' is missing or not a string", path=path, line=number, key=key
            )
    for key in ("url", "source", "published"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ConfigError(f"'{key}' must be a string", path=path, line=number, key=key)
    tags = record.get("categories")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ConfigError(
            "'categories' must be a list of strings", path=path, line=number, key="categories"
        )
    return record


def _published(record: dict[str, Any], path: Path) -> datetime | None:
    value = record.get("published")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"'published' of '{record['id']}' is not ISO 8601: {value!r}",
            path=path,
            key="published",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _article(record: dict[str, Any], published: datetime) -> Article:
    return Article(
        id=record["id"],
        source=record.get("source") or record["id"],
        topic="News",  # no feed topic: the automatic topics name the sections
        url=record.get("url") or "",
        title=record["title"],
        text=record["text"],
        published=published,
        categories=tuple(record.get("categories") or ()),  # the outlet's own tags: its filing
    )


def cluster_file(
    articles: Sequence[Article], *, explain: bool = False, window_hours: float = 0.0
) -> ClusterReport:
    """Cluster the articles into stories and sections; with `explain`, say why. A section may
    span `window_hours` when that is longer than a story's span (as in a weekly edition)."""
    stories = cluster_stories(articles, window_hours=window_hours)
    places = placements(stories, NO_RULES)
    topics = {sid: place.title for sid, place in places.items()}
    explanations = explain_stories(stories, window_hours) if explain else {}
    placed_by = {sid: place.why for sid, place in places.items()} if explain else {}
    return ClusterReport(stories, topics, explanations, placed_by)


def explain_stories(stories: Sequence[Story], window_hours: float = 0.0) -> dict[str, Explanation]:
    """For each story: its shared names and terms, its cohesion, and its near-misses.

    Cohesion and near-misses are measured as clustering judged them: on the vectors re-weighted
    within each section (`sections_and_scoring`), two reports of one outlet held to their plain
    similarity (`one_outlet_capped`), so they are set against the same threshold. Averages are
    exact (from each story's summed vectors, less what the hold takes off), over all pairs;
    near-misses are the stories of the same section looked up through shared telling terms, so
    no n-by-n matrix is made.
    """
    articles = sorted((a for s in stories for a in s.articles), key=lambda a: (a.published, a.id))
    if not articles:
        return {}
    space, sections, scoring = sections_and_scoring(articles, window_hours=window_hours)
    row = {a.id: i for i, a in enumerate(articles)}
    groups = [[row[a.id] for a in s.articles] for s in stories]
    section = group_of(sections, len(articles))[[g[0] for g in groups]]
    sums = sparse.vstack([sparse.csr_matrix(scoring[g].sum(axis=0)) for g in groups]).tocsr()
    sizes = np.array([len(g) for g in groups], dtype=float)
    norms = np.asarray(scoring.multiply(scoring).sum(axis=1)).ravel()
    own = np.asarray(sums.multiply(sums).sum(axis=1)).ravel() - [norms[g].sum() for g in groups]
    held = _Held.of(space.vectors, scoring, outlets_of(articles), groups, token_ids(space))
    own -= 2 * held.excess([(k, k) for k in range(len(groups))])
    cohesion = np.where(sizes > 1, own / np.maximum(sizes * (sizes - 1), 1), 1.0)
    near = _near_misses(stories, sums, sizes, section, held)
    return {
        s.id: Explanation(
            story_id=s.id,
            shared=shared_terms(space, groups[k]),
            cohesion=float(cohesion[k]),
            near_misses=near[k],
        )
        for k, s in enumerate(stories)
    }


@dataclass(frozen=True, slots=True)
class _Held:
    """What holding each pair of one outlet's reports to its plain similarity less its strongest
    shared word takes off the summed scores of pairs of stories (`one_outlet_capped` and
    `beyond_one_word`, as clustering applied them)."""

    vectors: sparse.csr_matrix  # plain
    scoring: sparse.csr_matrix  # re-weighted within sections
    outlets: np.ndarray
    by_outlet: list[dict[int, list[int]]]  # each story's rows, by outlet
    words: Words  # each column's word, and the names holding words (`token_ids`)

    @classmethod
    def of(
        cls,
        vectors: sparse.csr_matrix,
        scoring: sparse.csr_matrix,
        outlets: np.ndarray,
        groups: Sequence[Sequence[int]],
        words: Words,
    ) -> _Held:
        by_outlet: list[dict[int, list[int]]] = []
        for group in groups:
            rows: dict[int, list[int]] = {}
            for i in group:
                rows.setdefault(int(outlets[i]), []).append(i)
            by_outlet.append(rows)
        return cls(vectors, scoring, outlets, by_outlet, words)

    def excess(self, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
        """For each pair of stories (a, b), the sum over pairs of reports of one outlet, one of
        each (a == b: each unordered pair within the story once), of score minus held score."""
        rows, cols, keys = [], [], []
        for key, (a, b) in enumerate(pairs):
            mine, theirs = self.by_outlet[a], self.by_outlet[b]
            for outlet in mine.keys() & theirs.keys():
                for i in mine[outlet]:
                    for j in theirs[outlet]:
                        if a != b or i < j:
                            rows.append(i)
                            cols.append(j)
                            keys.append(key)
        if not rows:
            return np.zeros(len(pairs))
        r, c = np.array(rows), np.array(cols)
        sims = pair_similarity(self.scoring, r, c)
        evidence = beyond_one_word(self.vectors, r, c, self.words)
        capped = one_outlet_capped(sims, evidence, self.outlets, r, c)
        return np.bincount(keys, weights=sims - capped, minlength=len(pairs))


def _near_misses(
    stories: Sequence[Story],
    sums: sparse.csr_matrix,
    sizes: np.ndarray,
    section: np.ndarray,
    held: _Held,
) -> list[tuple[tuple[str, float], ...]]:
    """Per story, up to three stories of its section it was kept apart from, closest first.

    Within a section, what its stories share is discounted, so stories of the same kind score
    low against each other: the closest of them are the near-misses, however far below.
    """
    rows, cols = candidate_pairs(sums)
    same = section[rows] == section[cols]
    rows, cols = rows[same], cols[same]
    averages = np.asarray(sums[rows].multiply(sums[cols]).sum(axis=1)).ravel()
    averages -= held.excess(list(zip(rows.tolist(), cols.tolist(), strict=True)))
    averages /= sizes[rows] * sizes[cols]
    gap = DEFAULT_MAX_GAP_HOURS * 3600.0
    found: list[list[tuple[str, float]]] = [[] for _ in stories]
    for a, b, average in zip(rows.tolist(), cols.tolist(), averages.tolist(), strict=True):
        apart = _span(stories[a], stories[b]) > gap  # too far apart in time to be one story
        if not apart and average < DEFAULT_THRESHOLD:
            found[a].append((stories[b].id, average))
            found[b].append((stories[a].id, average))
    return [tuple(sorted(f, key=lambda m: (-m[1], m[0]))[:3]) for f in found]


def _span(a: Story, b: Story) -> float:
    first = min(a.first_published, b.first_published)
    return (max(a.last_published, b.last_published) - first).total_seconds()


def shared_terms(space: Space, rows: Sequence[int]) -> tuple[str, ...]:
    """The heaviest terms found in at least half of these articles (all of them for two)."""
    block = space.vectors[list(rows)]
    present = np.asarray((block > 0).sum(axis=0)).ravel()
    weight = np.asarray(block.sum(axis=0)).ravel()
    needed = max(2, (len(rows) + 1) // 2) if len(rows) > 1 else 1
    candidates = np.flatnonzero(present >= needed)
    best = candidates[np.argsort(-weight[candidates], kind="stable")]
    return tuple(dict.fromkeys(space.terms[i] for i in best))[:SHARED_TERMS]


def format_report(report: ClusterReport) -> str:
    """The stories as text: headline, section and articles; with explanations when made."""
    headlines = {s.id: s.headline for s in report.stories}
    lines: list[str] = []
    for story in report.stories:
        outlets = len(story.sources)
        lines.append(
            f"{story.headline}  [{report.topics[story.id]}]  {story.id}: "
            f"{len(story.articles)} article(s) from {outlets} outlet(s)"
        )
        lines += [f"  - {a.id}  {a.title}" for a in story.articles]
        if story.id in report.placed_by:
            lines.append(f"  in {report.topics[story.id]}: {report.placed_by[story.id]}")
        why = report.explanations.get(story.id)
        if why and len(story.articles) > 1:
            lines.append(
                f"  why together: shares {', '.join(why.shared) or 'nothing notable'}; "
                f"average similarity {why.cohesion:.2f} (threshold {DEFAULT_THRESHOLD})"
                + (ONE_OUTLET_NOTE if outlets < len(story.articles) else "")
            )
        elif why:
            lines.append(
                f"  alone: no other report came close enough; it is about {', '.join(why.shared)}"
            )
        for other, similarity in why.near_misses if why else ():
            lines.append(
                f"  kept apart from '{headlines[other]}' ({other}): "
                f"average similarity within their section {similarity:.2f} < {DEFAULT_THRESHOLD}"
            )
    return "\n".join(lines)
