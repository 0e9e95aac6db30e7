"""An edition a reader can finish: at most `max_stories` stories, the best-ranked across sections.

A day of a thousand articles can hold hundreds of stories; a briefing is not a hundred-page PDF.
The stories kept are the best by the same rank that orders each section (independent outlets,
boosts, reports, recency), so a section keeps its own order and its best stories; what was left
out is counted, one line per section ("12 more stories in World"), on the edition's last page.
Trimmed before summarizing, so the cost of summaries and of the PDF stops growing with the day.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import replace
from itertools import islice

from ..config import TopicsConfig
from ..models import Filtered, Section
from .sections import story_rank


def trim_sections(
    sections: Sequence[Section], max_stories: int, rules: TopicsConfig
) -> tuple[tuple[Section, ...], tuple[Filtered, ...]]:
    """The sections with only the `max_stories` best-ranked stories, and a line per cut section."""
    stories = [story for section in sections for story in section.stories]
    if len(stories) <= max_stories:
        return tuple(sections), ()
    # Each section is already in rank order: merging them ranks only the stories taken.
    ordered = heapq.merge(*(s.stories for s in sections), key=lambda s: story_rank(s, rules))
    kept = {story.id for story in islice(ordered, max_stories)}
    trimmed, cut = [], []
    for section in sections:
        shown = tuple(s for s in section.stories if s.id in kept)
        left = len(section.stories) - len(shown)
        if shown:
            trimmed.append(replace(section, stories=shown))
        if left:
            cut.append(_more(section.title, left, max_stories))
    return tuple(trimmed), tuple(cut)


def _more(title: str, left: int, max_stories: int) -> Filtered:
    stories = "story" if left == 1 else "stories"
    return Filtered(
        subject=f"{left} more {stories} in {title}",
        reason=f"the edition shows its {max_stories} best-ranked stories (max_stories)",
    )
