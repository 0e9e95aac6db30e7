"""`briefing summarize`: the stories of a JSONL file of articles, each with its sourced summary.

The input is read as `briefing cluster` reads it (one JSON object a line: `id`, `title`, `text`;
optional `url`, `source`, `published`), with one more optional field: `story`. Lines that share
a `story` value are one story, whatever their text says; lines without one are clustered into
stories as `briefing cluster` does. Each story is then summarised within the word budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import SETTINGS
from ..errors import ConfigError
from ..models import Article, Story
from ..stories.cluster import cluster_stories
from ..stories.headline import story_headline
from .explain import ArticleLine, read_article_lines
from .summarize import summarize_story

DEFAULT_WORDS: int = next(s.default for s in SETTINGS if s.name == "summary_words")


@dataclass(frozen=True, slots=True)
class SummaryReport:
    """The stories of a file, each with its summary."""

    stories: tuple[Story, ...]

    def as_json(self) -> dict[str, Any]:
        """The `--json` form: every input id in exactly one story, every sentence's article."""
        return {
            "stories": [
                {
                    "id": s.id,
                    "headline": s.headline,
                    "articles": [a.id for a in s.articles],
                    "summary": [{"text": x.text, "article": x.article_id} for x in s.summary],
                }
                for s in self.stories
            ]
        }


def summarize_file(path: Path, words: int = DEFAULT_WORDS) -> SummaryReport:
    """Read a JSONL file of articles, group them into stories and summarise each one."""
    stories = group_stories(read_article_lines(path), path)
    return SummaryReport(tuple(summarize_story(story, words) for story in stories))


def group_stories(lines: Sequence[ArticleLine], path: Path) -> tuple[Story, ...]:
    """Stories fixed by the lines' `story` field first, then the clustered rest."""
    fixed: dict[str, list[Article]] = {}
    free: list[Article] = []
    for line in lines:
        key = _story_key(line, path)
        if key is None:
            free.append(line.article)
        else:
            fixed.setdefault(key, []).append(line.article)
    given = tuple(_fixed_story(key, articles) for key, articles in fixed.items())
    return given + tuple(cluster_stories(free)) if free else given


def _story_key(line: ArticleLine, path: Path) -> str | None:
    value = line.record.get("story")
    if value is None:
        return None
    # JSON booleans are ints to Python, and never a story's name.
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ConfigError(
            "'story' must be a non-empty string or a number",
            path=path,
            line=line.number,
            key="story",
        )
    return str(value)


def _fixed_story(key: str, articles: list[Article]) -> Story:
    ordered = tuple(sorted(articles, key=lambda a: a.published))  # stable: file order on ties
    return Story(
        id=key,
        headline=story_headline(ordered),
        topic=ordered[0].topic,
        articles=ordered,
        new_article_ids=tuple(a.id for a in ordered),
    )


def format_summaries(report: SummaryReport) -> str:
    """The stories as text: headline, outlets, and each sentence with its outlet and article."""
    blocks = []
    for story in report.stories:
        count = f"{len(story.articles)} article{'s' if len(story.articles) > 1 else ''}"
        lines = [story.headline, f"  {count}: {', '.join(story.sources)}"]
        lines += [f"  - {s.text} ({s.source}, {s.article_id})" for s in story.summary]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
