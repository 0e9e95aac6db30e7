"""Group stories into sections, one per topic, and rank the stories within each.

Runs after clustering, on whole stories, so a story never sits in two sections: its topic is
the one clustering gave it (the most common topic among its articles).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from briefing.models import Section, Story


def group_topics(stories: Sequence[Story], order: Sequence[str] = ()) -> tuple[Section, ...]:
    """Sections in config order, then other topics by weight; stories best first within each."""
    by_topic: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_topic[story.topic].append(story)
    known = [t for t in dict.fromkeys(order) if t in by_topic]
    rest = sorted((t for t in by_topic if t not in known), key=lambda t: _topic_key(t, by_topic[t]))
    return tuple(
        Section(title=t, stories=tuple(sorted(by_topic[t], key=story_rank))) for t in known + rest
    )


def story_rank(story: Story) -> tuple[int, int, float, str]:
    """Sort key, best first: more outlets, then more articles, then more recent (id breaks ties)."""
    return (-len(story.sources), -len(story.articles), -story.last_published.timestamp(), story.id)


def _topic_key(topic: str, stories: list[Story]) -> tuple[int, int, str]:
    """Sort key for topics outside the configured order: more articles first, then more stories."""
    return (-sum(len(s.articles) for s in stories), -len(stories), topic)
