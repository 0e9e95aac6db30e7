"""A Story record made of its reports: a stable id, a headline, a topic and a label."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ..models import Article, Story
from .headline import story_headline


def make_story(articles: list[Article]) -> Story:
    """A story for these articles: stable id, most representative headline, majority topic."""
    return Story(
        id=story_id(articles),
        headline=story_headline(articles),
        topic=majority_topic(articles),
        articles=tuple(articles),
        new_article_ids=tuple(a.id for a in articles),
    )


def labelled(story: Story, label: str) -> Story:
    """The story with its automatic topic's label, when it has one."""
    return replace(story, auto_topic=label) if label else story


def story_id(articles: Sequence[Article]) -> str:
    """A story's id when it is first seen: a hash of its reports' ids."""
    key = "\n".join(sorted(a.id for a in articles))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def majority_topic(articles: list[Article]) -> str:
    """The most common topic; a tie goes to the earliest article's (articles come in time order)."""
    counts = Counter(a.topic for a in articles)
    best = max(counts.values())
    return next(a.topic for a in articles if counts[a.topic] == best)
