"""The settings record `partition` takes holds the same defaults `cluster_stories` runs on."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from briefing.models import Article
from briefing.stories.cluster import ClusterSettings, cluster_stories, outlets_of, partition
from briefing.stories.vectors import article_space, neighbour_graph, scripts_of

START = datetime(2026, 11, 20, 6, tzinfo=UTC)
TOPICS = ("earthquake magnitude rubble rescue", "election ballot parliament vote")
PLACES = ("Hualien", "Puebla", "Ashgabat", "Mannheim")
WORDS = [f"w{i}x" for i in range(300)]  # each report's own words, so reports share only so much


def reports() -> list[Article]:
    """Two kinds of event in four places, each told three times, arriving over five days."""
    rng = random.Random(7)
    made = []
    for k, (topic, place) in enumerate((t, p) for t in TOPICS for p in PLACES for _ in range(3)):
        made.append(
            Article(
                id=f"a{k}",
                source=f"outlet {k % 5}",
                topic="World",
                url=f"https://example.org/{k}",
                title=f"{place} {topic.split()[0]}",
                text=f"{topic} {place} " + " ".join(rng.sample(WORDS, 40)),
                published=START + timedelta(hours=5 * k),
            )
        )
    return made


def groups(settings: ClusterSettings, ordered: list[Article]) -> list[list[str]]:
    """The stories `partition` makes of the reports, as `cluster_stories` calls it."""
    space = article_space(ordered)
    times = np.array([a.published.timestamp() for a in ordered])
    span = settings.gap if settings.section_gap is None else settings.section_gap
    graph = neighbour_graph(space.vectors, times, span, scripts_of(ordered))
    parts = partition(
        graph,
        space.vectors,
        times,
        settings,
        names_from=space.names_from,
        outlets=outlets_of(ordered),
    )
    return sorted(sorted(ordered[i].id for i in g) for g in parts.stories)


def test_the_default_settings_make_the_stories_cluster_stories_makes() -> None:
    articles = reports()
    made = sorted(sorted(a.id for a in s.articles) for s in cluster_stories(articles))
    assert groups(ClusterSettings(), articles) == made
    # The reports tell settings apart: a default out of step would be seen.
    assert groups(ClusterSettings(gap=6 * 3600.0), articles) != made
    assert groups(ClusterSettings(threshold=0.12), articles) != made
    assert groups(ClusterSettings(threshold=0.16), articles) != made
    assert groups(ClusterSettings(power=2.0), articles) != made
