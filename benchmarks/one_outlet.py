"""Stories of one outlet's reports in real feeds: one event, or separate posts put together?

Usage: python benchmarks/one_outlet.py [--list] [--json PATH]

Each real feed of ../shared/eval/feeds with four items or more is read as the pipeline reads a
feed whose pages are not fetched (`feeds.read_feed`, then the feed's own text, at most 60
entries), with the entries' own publication times, and its reports are clustered alone. Every
story of two reports or more is then of one outlet. `one_outlet_stories.json`, beside this
script, says for each such story of the time it was written (by its feed and its entries' ids,
titles given for reading) whether it is one event, as an editor would group it: a blog's three
posts on one resignation are; a podcast's two episodes, a forum's two sale posts, a news site's
two items on one politician are not. The labels were made by reading the stories, once; a
story no label covers is counted and, with --list, printed to be judged.

Reported: of the labelled one-event stories, how many are still one story (kept) and how many
came apart; of the separate-post stories, how many came apart (split) and how many are still
one. Written to benchmarks/results/one_outlet.json. Skips with a note when ../shared/eval is not
there.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TypedDict

from ecb import SHARED
from record import results_path, write_results

from briefing.extract.articles import extract_articles
from briefing.fetch.http import Fetcher, Response
from briefing.fetch.parse import read_feed
from briefing.models import Article, FeedSource
from briefing.stories.cluster import cluster_stories

FEEDS = SHARED / "eval" / "feeds"
LABELS = Path(__file__).with_name("one_outlet_stories.json")
MIN_ITEMS = 4
MAX_ITEMS = 60


class FoundStory(TypedDict):
    """A story of two reports or more of one feed: its entries' ids and titles."""

    feed: str
    ids: list[str]
    titles: list[str]


class Label(FoundStory):
    """A story of one_outlet_stories.json, and whether it is one event."""

    one_event: bool


def feed_articles(path: Path, fetcher: Fetcher) -> list[Article]:
    """A feed file's reports as the pipeline makes them when it reads no page."""
    source = FeedSource(path.name, path.as_uri(), "News", max_articles=MAX_ITEMS, full_text=False)
    kind = "application/json" if path.suffix == ".json" else "application/xml"
    content = read_feed(
        Response(url=source.url, status=200, body=path.read_bytes(), content_type=kind), source
    )
    if content is None or not content.entries:
        return []
    articles, _failures = extract_articles(content.entries, [source], fetcher, workers=1)
    return list(articles)


def one_outlet_stories(root: Path) -> list[FoundStory]:
    """Every story of two reports or more, per feed: its feed, entry ids and titles."""
    with (root / "index.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["kind"] == "feed"]
    found: list[FoundStory] = []
    with Fetcher() as fetcher:
        for row in rows:
            if int(row["entries"] or 0) < MIN_ITEMS:
                continue
            for story in cluster_stories(feed_articles(root / row["path"], fetcher)):
                if len(story.articles) > 1:
                    ordered = sorted(story.articles, key=lambda a: a.id)
                    found.append(
                        {
                            "feed": row["path"],
                            "ids": [a.id for a in ordered],
                            "titles": [a.title or a.text[:80] for a in ordered],
                        }
                    )
    return found


def score(found: list[FoundStory], labels: list[Label]) -> dict[str, int]:
    """How the labelled stories fare among the stories found now."""
    story_of = {(s["feed"], i): k for k, s in enumerate(found) for i in s["ids"]}
    counts = {"one event kept": 0, "one event split": 0, "separate split": 0, "separate kept": 0}
    for label in labels:
        homes = {story_of.get((label["feed"], i), ("alone", i)) for i in label["ids"]}
        together = len(homes) == 1
        if label["one_event"]:
            counts["one event kept" if together else "one event split"] += 1
        else:
            counts["separate kept" if together else "separate split"] += 1
    counts["stories found"] = len(found)
    counts["not labelled"] = len(unlabelled(found, labels))
    return counts


def unlabelled(found: list[FoundStory], labels: list[Label]) -> list[FoundStory]:
    """The stories found that no label covers, as a whole."""
    known = {(lb["feed"], tuple(lb["ids"])) for lb in labels}
    return [s for s in found if (s["feed"], tuple(s["ids"])) not in known]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="print the stories no label covers")
    parser.add_argument("--json", type=Path, help="write the figures here, not to results/")
    args = parser.parse_args(argv)
    if not (FEEDS / "index.tsv").exists():
        print(f"skipped: {FEEDS} is not there")
        return 0
    found = one_outlet_stories(FEEDS)
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    counts = score(found, labels)
    right = sum(lb["one_event"] for lb in labels)
    separate = len(labels) - right
    print(f"{len(labels)} labelled stories of one outlet: {right} one event, {separate} separate")
    for name, value in counts.items():
        print(f"  {name:<18} {value}")
    if args.list:
        for story in unlabelled(found, labels):
            print(json.dumps({**story, "one_event": None}, ensure_ascii=False))
    figures = {"labelled one event": right, "labelled separate": separate, **counts}
    write_results(results_path("one_outlet", args), figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
