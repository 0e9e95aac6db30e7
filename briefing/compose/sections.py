"""Put each story in one section, leave out what is muted, and rank stories, saying why.

Runs after clustering, on whole stories, so a story never sits in two sections. A story's
section is, in this order: the first keyword rule of `[topics] rules` its headline, titles or
leads name; else, when its feeds' topic is one too broad to be a section (`auto_for`), the
newspaper desk its outlets filed it under (most of its reports' URLs name one: /sport/,
/wirtschaft/, or, where a URL names none, its feed item's category tags: "Desporto"; the section
is the desk's name: World, Politics, Business, ...); else the automatic topic clustering found
for it, if that topic holds at least two stories and the desk model (`stories.desks`) puts them
all in one desk with confidence, or they all name one subject (`stories.subjects`: the section
is named after it); else its feeds' topic (the most common among its articles). The topic's
heaviest terms described some of its stories, not all, and a plain name misleads nobody.
`placements` says which of these put each story where it is.

Within a section, stories are ranked by how many independent outlets reported them (copies of
one wire report count once), boosts from the config, how many reports, and how recent.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from functools import lru_cache

from ..config import TopicsConfig
from ..models import Article, Filtered, Section, Story
from ..stories.desks import (
    DeskModel,
    desk_name,
    load_model,
    report_filing,
    shared_desk,
    story_filing,
)
from ..stories.subjects import shared_subject

LEAD_WORDS = 40
SHINGLE = 5  # words per shingle when telling a copy of a wire report from a report of its own
COPY_JACCARD = 0.5
MIN_COPY_WORDS = 30  # shorter texts are too short to call copies
BOOST_OUTLETS = 2  # a boosted story ranks as if two more outlets had reported it
UNNAMED = (
    ": no desk most of its reports are filed under, none the desk model is sure of for its"
    " automatic topic, no subject every story of that topic names"
)
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


@dataclass(frozen=True, slots=True)
class Place:
    """The section a story goes to, and why, in words (`briefing cluster --explain` says it)."""

    title: str
    why: str


def place_stories(stories: Sequence[Story], rules: TopicsConfig) -> dict[str, str]:
    """Story id -> the title of the one section it goes to."""
    return {sid: place.title for sid, place in placements(stories, rules).items()}


def placements(stories: Sequence[Story], rules: TopicsConfig) -> dict[str, Place]:
    """Story id -> the one section it goes to, and why."""
    places = {}
    broad = []
    for story in stories:
        rule = _rule(story, rules)
        if rule:
            places[story.id] = Place(rule[0], f"the keyword rule '{rule[0]}': it names '{rule[1]}'")
            continue
        broad_topic = story.topic in rules.auto_for
        why = f"its feeds' topic, '{story.topic}'" + (UNNAMED if broad_topic else "")
        places[story.id] = Place(story.topic, why)
        if broad_topic:
            broad.append(story)
    places.update(auto_places(broad))
    return places


def _rule(story: Story, rules: TopicsConfig) -> tuple[str, str] | None:
    """The first keyword rule the story names: its section, and the word named."""
    for name, words in rules.rules:
        word = next((w for w in words if matches(story, (w,))), None)
        if word is not None:
            return name, word
    return None


def auto_places(stories: Sequence[Story], model: DeskModel | None = None) -> dict[str, Place]:
    """Sections for stories whose feeds' topic is too broad, by id; a story left out stays in
    its feeds' plain section.

    The first evidence is the outlet's own: a story most of whose reports' URLs file it under
    one desk (/sport/, /wirtschaft/) is on that desk, alone or not: on the real day's six
    editions the two desks holding one story (Business, Technology) fit it, and asking for two
    would have left it in "News". The others go by their automatic topic: one the desk
    model puts wholly in one desk, each story with confidence, is named after it; else after the
    one subject all its stories name. A story of an unnamed topic is not moved to the desk the
    model is sure of for it alone: on the real day's feeds that moved 4 of 344 stories, and with
    an earlier model put the State of the Union beside Kenya under "World"."""
    model = model or load_model()
    language = _language(stories)
    places: dict[str, Place] = {}
    by_topic: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        desk, words = story_filing(story.articles)
        if desk:
            places[story.id] = Place(desk_name(desk, language), _filed(story, desk, words))
        elif story.auto_topic:
            by_topic[story.auto_topic].append(story)
    for members in by_topic.values():
        places.update(_topic_places(members, model, language))
    return places


def _filed(story: Story, desk: str, words: Sequence[str]) -> str:
    """Why a story is on the desk its outlets filed it under, in words."""
    where = ", ".join(words)
    n = sum(report_filing(a)[0] == desk for a in story.articles)
    if n < len(story.articles):
        return f"{n} of its {len(story.articles)} reports filed under {where} by their outlets"
    return f"filed under {where} by {'its outlets' if len(story.sources) > 1 else 'its outlet'}"


def _topic_places(members: Sequence[Story], model: DeskModel, language: str) -> dict[str, Place]:
    """The section of an automatic topic's stories: the desk the model is sure of for every
    one, else the subject every one names; none when neither."""
    desk = shared_desk([s.articles for s in members], model) if len(members) > 1 else ""
    if desk:
        sure = f"each {model.sure:.2f} sure or more"
        why = f"the desk model puts every story of its topic in {desk} ({sure})"
        return {s.id: Place(desk_name(desk, language), why) for s in members}
    subject = shared_subject(members)
    why = f"every story of its topic names '{subject}' in a title"
    return {s.id: Place(subject, why) for s in members} if subject else {}


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
