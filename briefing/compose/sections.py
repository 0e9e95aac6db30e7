"""Put each story in one section, leave out what is muted, and rank stories, saying why.

Runs after clustering, on whole stories, so a story never sits in two sections. A story's
section is, in this order: the first keyword rule of `[topics] rules` its headline, titles or
leads name; else, when its feeds' topic is one too broad to be a section (`auto_for`), the
automatic topic clustering found for it, if that topic holds at least two stories and the desk
model (`stories.desks`) puts them all in one newspaper desk with confidence (the section is the
desk's name: World, Politics, Business, ...) or they all name one subject (`stories.subjects`:
the section is named after it); else the desk it is confidently in, when another such story is
too; else its feeds' topic (the most common among its articles). The topic's heaviest terms
described some of its stories, not all, and a plain name misleads nobody.

Within a section, stories are ranked by how many independent outlets reported them (copies of
one wire report count once), boosts from the config, how many reports, and how recent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC
from functools import lru_cache

from ..config import TopicsConfig
from ..models import Article, Filtered, Section, Story
from ..stories.desks import DeskModel, desk_name, load_model, shared_desk
from ..stories.subjects import shared_subject

LEAD_WORDS = 40
SHINGLE = 5  # words per shingle when telling a copy of a wire report from a report of its own
COPY_JACCARD = 0.5
MIN_COPY_WORDS = 30  # shorter texts are too short to call copies
BOOST_OUTLETS = 2  # a boosted story ranks as if two more outlets had reported it
NO_RULES = TopicsConfig()


def group_topics(
    stories: Sequence[Story], order: Sequence[str] = (), rules: TopicsConfig = NO_RULES
) -> tuple[Section, ...]:
    """Sections in config order, then other topics by weight; stories best first within each.

    Stories with nothing new since the last edition ("unchanged") are not repeated.
    """
    shown = [s for s in stories if s.status != "unchanged"]
    places = place_stories(shown, rules)
    by_topic: dict[str, list[Story]] = defaultdict(list)
    for story in shown:
        by_topic[places[story.id]].append(ranked(story, rules))
    known = [t for t in dict.fromkeys(order) if t in by_topic]
    rest = sorted((t for t in by_topic if t not in known), key=lambda t: _topic_key(t, by_topic[t]))
    return tuple(
        Section(title=t, stories=tuple(sorted(by_topic[t], key=lambda s: story_rank(s, rules))))
        for t in known + rest
    )


def place_stories(stories: Sequence[Story], rules: TopicsConfig) -> dict[str, str]:
    """Story id -> the title of the one section it goes to."""
    places = {}
    unruled = []
    for story in stories:
        rule = next((name for name, words in rules.rules if matches(story, words)), None)
        places[story.id] = rule or story.topic
        if not rule and story.topic in rules.auto_for and story.auto_topic:
            unruled.append(story)
    places.update(auto_places(unruled))
    return places


def auto_places(stories: Sequence[Story], model: DeskModel | None = None) -> dict[str, str]:
    """Section titles for stories whose feeds' topic is too broad, by id; a story left out
    stays in its feeds' plain section.

    An automatic topic whose stories the desk model puts in one desk, each with confidence, is
    named after it; else after the one subject all its stories name. A story of an unnamed topic
    is not moved to the desk it alone is sure of: on the real day's feeds that moved 4 of 344
    stories, and with an earlier model put the State of the Union beside Kenya under "World"."""
    model = model or load_model()
    language = _language(stories)
    by_topic: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_topic[story.auto_topic].append(story)
    places: dict[str, str] = {}
    for members in by_topic.values():
        desk = shared_desk([s.articles for s in members], model) if len(members) > 1 else ""
        name = desk_name(desk, language) if desk else shared_subject(members)
        for story in members if name else ():
            places[story.id] = name
    return places


def _language(stories: Sequence[Story]) -> str:
    """The edition's language: the one most of its reports give ("" when none does)."""
    counts = Counter(a.language[:2].lower() for s in stories for a in s.articles if a.language)
    return counts.most_common(1)[0][0] if counts else ""


def mute_stories(
    stories: Sequence[Story], rules: TopicsConfig
) -> tuple[tuple[Story, ...], tuple[Filtered, ...]]:
    """The stories kept, and what the mutes left out, each with the word that muted it."""
    kept: list[Story] = []
    muted: list[Filtered] = []
    for story in stories:
        word = next((w for w in rules.mute if matches(story, (w,))), None)
        if word is None:
            kept.append(story)
            continue
        first = story.articles[0] if story.articles else None
        muted.append(
            Filtered(
                subject=story.headline,
                reason=f"muted: '{word}'",
                url=first.url if first else "",
                source=", ".join(story.sources),
            )
        )
    return tuple(kept), tuple(muted)


def matches(story: Story, words: Iterable[str]) -> bool:
    """Whether the story's headline, titles or leads name any of the words (whole words)."""
    text = _story_words(story)
    return any(_word_pattern(w).search(text) for w in words)


def _story_words(story: Story) -> str:
    leads = (" ".join(a.text.split()[:LEAD_WORDS]) for a in story.articles)
    return "\n".join([story.headline, *(a.title for a in story.articles), *leads])


@lru_cache(maxsize=256)
def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.IGNORECASE)


def independent_outlets(story: Story) -> int:
    """Outlets that reported the story on their own: copies of one report count once."""
    return _independent(story.articles)


# Ranking, explaining the rank and trimming the edition all ask this of the same articles;
# the comparison is pairwise within a story, so it is worth asking only once.
@lru_cache(maxsize=1024)
def _independent(articles: tuple[Article, ...]) -> int:
    n = len(articles)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    shingles = [_shingles(a.text) for a in articles]
    for i in range(n):
        for j in range(i + 1, n):
            if root(i) == root(j):
                continue  # already one report: spare the comparison
            same_outlet = articles[i].source == articles[j].source
            if same_outlet or _copies(shingles[i], shingles[j]):
                parent[root(i)] = root(j)
    return len({root(i) for i in range(n)})


def _shingles(text: str) -> frozenset[int]:
    """The text's word n-grams, each kept as its hash: sets of ints intersect faster."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < MIN_COPY_WORDS:
        return frozenset()
    return frozenset(hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1))


def _copies(a: frozenset[int], b: frozenset[int]) -> bool:
    if not (a and b):
        return False
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) >= COPY_JACCARD


def boosts(story: Story, rules: TopicsConfig) -> tuple[str, ...]:
    """The configured boost words the story names."""
    return tuple(w for w in rules.boost if matches(story, (w,)))


def story_rank(story: Story, rules: TopicsConfig = NO_RULES) -> tuple[int, int, float, str]:
    """Sort key, best first: independent outlets (plus boosts), articles, recency, then id."""
    score = independent_outlets(story) + BOOST_OUTLETS * bool(boosts(story, rules))
    return (-score, -len(story.articles), -story.last_published.timestamp(), story.id)


def ranked(story: Story, rules: TopicsConfig) -> Story:
    """The story with the reason for its rank written out."""
    outlets = independent_outlets(story)
    parts = [f"{outlets} independent outlet{'s' if outlets != 1 else ''}"]
    copies = len(story.sources) - outlets
    if copies > 0:
        parts[0] += f" ({copies} more carried copies of one report)"
    parts.append(f"{len(story.articles)} report{'s' if len(story.articles) != 1 else ''}")
    parts.append(f"latest {story.last_published.astimezone(UTC):%d %b %H:%M} UTC")
    boosted = boosts(story, rules)
    if boosted:
        parts.append(f"boosted: {', '.join(repr(w) for w in boosted)}")
    if story.status in ("developing", "returning") and story.previous_edition:
        parts.append(
            f"{story.status}: {len(story.new_article_ids)} new since {story.previous_edition}"
        )
    return replace(story, rank_reason="; ".join(parts))


def _topic_key(topic: str, stories: list[Story]) -> tuple[int, int, str]:
    """Sort key for topics outside the configured order: more articles first, then more stories."""
    return (-sum(len(s.articles) for s in stories), -len(stories), topic)
