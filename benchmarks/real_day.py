"""Stories and sections of editions made from real feeds, against judgements made by reading.

Usage: python benchmarks/real_day.py [--list] [--show] [--json PATH]

Every general news feed of ../shared/eval/feeds with 20 items or more (NEWS_FEEDS: blogs,
podcasts, forums, classified ads and journals are left out; they are `one_outlet.py`'s) is read
as the pipeline reads a feed whose pages are not fetched (`read_feed`, then the feed's own text),
with the feed's topic left at the default ("News", one the config makes automatic sections
for), and clustered and put in sections as `briefing run` does (`cluster_stories`, then
`group_topics` with the default [topics] table). One edition per feed alone, one of the two
English feeds together and one of all four.

`real_day_judgements.json`, beside this script, holds what a reader said of that output:
for each story of two reports or more, whether it tells of one event (keyed by its reports'
sorted ids); for each section, whether its name describes every story in it (keyed by its name
and its stories' keys). Judgements survive re-runs as long as the output they judged does not
change; what no judgement covers is counted and, with --list, printed to be judged.

Reported over all editions: stories joining two events (goal: none), sections whose name fits
every story in them (goal: at least 90%), and how many stories sit in the plain section (each
section counted once, however many editions show it); then, each edition counted, how many
stories the editions show and how many of them sit in a named section, and each edition's
sections with the number of stories in each.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NotRequired, TypedDict

from one_outlet import FEEDS, feed_articles

from briefing.compose.sections import group_topics
from briefing.config import TopicsConfig
from briefing.fetch.http import Fetcher
from briefing.models import Article, Section, Story
from briefing.stories.cluster import cluster_stories

JUDGEMENTS = Path(__file__).with_name("real_day_judgements.json")
RESULTS = Path(__file__).with_name("results") / "real_day.json"
# The general news feeds with 20 items or more, by reading index.tsv's titles and the items.
NEWS_FEEDS = {
    "guardian": "rss-parser/test/input/guardian.rss",  # The Guardian, US edition, 55 items
    "livemint": "rsparser/Tests/RSParserTests/Resources/livemint.xml",  # Livemint, 25
    "aktuality": "rsparser/Tests/RSParserTests/Resources/aktuality.rss",  # Aktuality.sk, 30
    "jn": "rss-parser/test/input/encoding.rss",  # Jornal de Notícias, 40
}
EDITIONS = {
    **{name: (name,) for name in NEWS_FEEDS},
    "guardian+livemint": ("guardian", "livemint"),
    "all four": tuple(NEWS_FEEDS),
}


class FoundStory(TypedDict):
    """A story of two reports or more, and the edition it was first found in."""

    edition: str
    ids: list[str]
    titles: list[str]


class FoundSection(TypedDict):
    """A section, by its name and its stories' keys, and the edition it was first found in."""

    edition: str
    name: str
    stories: list[list[str]]
    headlines: list[str]


class StoryJudgement(TypedDict):
    """A story judged: whether its reports are of one event."""

    ids: list[str]
    titles: list[str]
    one_event: bool
    note: NotRequired[str]


class SectionJudgement(TypedDict):
    """A section judged: whether its name fits its stories."""

    name: str
    stories: list[list[str]]
    headlines: list[str]
    fits: bool
    note: NotRequired[str]


class Judgements(TypedDict):
    """real_day_judgements.json."""

    stories: list[StoryJudgement]
    sections: list[SectionJudgement]


def story_key(story: Story) -> list[str]:
    """A story's key: its reports' ids, sorted."""
    return sorted(a.id for a in story.articles)


def edition(articles: Sequence[Article]) -> tuple[Section, ...]:
    """The sections of one edition, made as the pipeline makes them."""
    return group_topics(cluster_stories(articles), (), TopicsConfig())


def outputs(feeds: dict[str, list[Article]]) -> dict[str, tuple[Section, ...]]:
    """Each edition's sections."""
    return {
        name: edition([a for feed in names for a in feeds[feed]])
        for name, names in EDITIONS.items()
    }


def found_items(
    made: dict[str, tuple[Section, ...]],
) -> tuple[list[FoundStory], list[FoundSection]]:
    """The stories of two reports or more, and the sections, each once across editions."""
    stories: dict[str, FoundStory] = {}
    sections: dict[str, FoundSection] = {}
    for name, edition_sections in made.items():
        for section in edition_sections:
            keys = sorted(story_key(s) for s in section.stories)
            sections.setdefault(
                json.dumps([section.title, keys]),
                {
                    "edition": name,
                    "name": section.title,
                    "stories": keys,
                    "headlines": [s.headline for s in section.stories],
                },
            )
            for story in section.stories:
                if len(story.articles) > 1:
                    stories.setdefault(
                        json.dumps(story_key(story)),
                        {
                            "edition": name,
                            "ids": story_key(story),
                            "titles": [a.title for a in sorted(story.articles, key=_by_id)],
                        },
                    )
    return list(stories.values()), list(sections.values())


def _by_id(article: Article) -> str:
    return article.id


def score(
    stories: list[FoundStory], sections: list[FoundSection], judged: Judgements
) -> dict[str, float]:
    """How the stories and sections found fare against the judgements."""
    one_event = {json.dumps(j["ids"]): j["one_event"] for j in judged["stories"]}
    fits = {json.dumps([j["name"], j["stories"]]): j["fits"] for j in judged["sections"]}
    story_verdicts = [one_event.get(json.dumps(s["ids"])) for s in stories]
    section_verdicts = [fits.get(json.dumps([s["name"], s["stories"]])) for s in sections]
    named = [s for s in sections if s["name"] != "News"]
    return {
        "stories_of_two_or_more": len(stories),
        "stories_joining_two_events": story_verdicts.count(False),
        "stories_not_judged": story_verdicts.count(None),
        "sections": len(sections),
        "sections_whose_name_fits": section_verdicts.count(True),
        "sections_whose_name_misleads": section_verdicts.count(False),
        "sections_not_judged": section_verdicts.count(None),
        "share_fitting": section_verdicts.count(True) / max(len(sections), 1),
        "named_sections": len(named),
        "stories_in_plain_section": sum(len(s["stories"]) for s in sections if s["name"] == "News"),
        "stories_in_named_sections": sum(len(s["stories"]) for s in named),
    }


def shown_in_editions(made: dict[str, tuple[Section, ...]]) -> dict[str, float]:
    """Stories as readers see them, each edition's counted: all, in a named section, its share."""
    shown = sum(len(s.stories) for sections in made.values() for s in sections)
    named = sum(len(s.stories) for x in made.values() for s in x if s.title != "News")
    return {
        "stories_in_editions": shown,
        "stories_named_in_editions": named,
        "share_named_in_editions": named / max(shown, 1),
    }


def by_section(made: dict[str, tuple[Section, ...]]) -> dict[str, dict[str, int]]:
    """Each edition's sections and how many stories each holds, in the edition's order."""
    return {
        name: {section.title: len(section.stories) for section in sections}
        for name, sections in made.items()
    }


def unjudged(
    stories: list[FoundStory], sections: list[FoundSection], judged: Judgements
) -> list[dict[str, object]]:
    """What no judgement covers yet, ready to be judged (fill in the nulls)."""
    known_stories = {json.dumps(j["ids"]) for j in judged["stories"]}
    known_sections = {json.dumps([j["name"], j["stories"]]) for j in judged["sections"]}
    todo = [{**s, "one_event": None} for s in stories if json.dumps(s["ids"]) not in known_stories]
    todo += [
        {**s, "fits": None}
        for s in sections
        if json.dumps([s["name"], s["stories"]]) not in known_sections
    ]
    return todo


def read_feeds() -> dict[str, list[Article]]:
    """Each news feed's reports, as the pipeline makes them without pages."""
    with Fetcher() as fetcher:
        return {name: feed_articles(FEEDS / path, fetcher) for name, path in NEWS_FEEDS.items()}


def show(made: dict[str, tuple[Section, ...]]) -> None:
    """Print every edition's sections and stories, for reading."""
    for name, sections in made.items():
        print(f"\n### {name}")
        for section in sections:
            print(f"== {section.title} ({len(section.stories)})")
            for story in section.stories:
                print(f"   * [{len(story.articles)}] {story.headline[:100]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="print what no judgement covers")
    parser.add_argument("--show", action="store_true", help="print every edition's sections")
    parser.add_argument("--json", type=Path, default=RESULTS, help="write the figures here")
    args = parser.parse_args(argv)
    if not (FEEDS / "index.tsv").exists():
        print(f"skipped: {FEEDS} is not there")
        return 0
    made = outputs(read_feeds())
    if args.show:
        show(made)
    stories, sections = found_items(made)
    judged = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))
    figures = {
        "editions": list(EDITIONS),
        **score(stories, sections, judged),
        **shown_in_editions(made),
    }
    for name, value in figures.items():
        print(f"  {name:<28} {value if not isinstance(value, float) else f'{value:.3f}'}")
    figures["stories_by_section"] = by_section(made)
    if args.list:
        for item in unjudged(stories, sections, judged):
            print(json.dumps(item, ensure_ascii=False))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
