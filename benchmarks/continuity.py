"""Measure how stories are carried across editions, on ECB+'s events spread over four days.

Usage: python benchmarks/continuity.py [--json PATH] [--data PATH] [--errors] [--words N]

Written to benchmarks/results/continuity.json (continuity_N_words.json with --words N).

Each ECB+ topic holds two events of the same kind (two earthquakes, two rounds of talks). Here
each event's reports are split in two, by document id, and the editions of four days are made
through a real store (a SQLite file), as `briefing run` makes them:

    day 1: the first half of each topic's event A      day 3: the first half of event B
    day 2: the second half of event A                  day 4: the second half of event B

Once with A the `ecb` event of every topic, once with A the `ecbplus` one. A story of day 2
should continue A's story of day 1 ("developing"), one of day 4 B's of day 3; a story of day 3
should continue nothing, though A's story of the same kind ran one and two days before. A
story's event is the one most of its reports belong to; a past story's, the one most of the
reports new in its latest edition belong to (so one wrong link is counted once, not again when
the next day rightly continues it). Scored per story and per report:

- precision: of the stories (reports) linked to a past story, how many to one of their event;
- recall: of those whose event ran before, how many are linked to one of their event.

The threshold (`link_threshold` of `cluster_stories`) is swept; the held-out figure chooses it
on half the topics (odd or even) and scores it on the other half, and so do HALVINGS random
halvings of the topics (a fixed seed; each split's held-out F1, their mean and worst). Beside
it, the plain way run here: each day clustered alone, and each story linked to the past story
most like it (cosine of their reports' TF-IDF) when that reaches a threshold chosen the same way,
over the same grid and the same splits. `--errors` lists every
wrong link and every missed one at the threshold the pipeline holds. `--words N` cuts each text to
its headline and first N words, as a feed's own summary gives it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ecb import FIXED_TIME, Document, read_documents, reading_options, to_article  # noqa: E402
from record import results_path, write_results  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402

from briefing.models import Article, Story  # noqa: E402
from briefing.store import open_store  # noqa: E402
from briefing.stories.cluster import cluster_stories  # noqa: E402
from briefing.stories.continuity import LINK_THRESHOLD  # noqa: E402

HISTORY_DAYS = 14
THRESHOLDS = tuple(round(0.10 + 0.05 * i, 2) for i in range(15))  # 0.10 ... 0.80, both ways
BASELINE_THRESHOLDS = THRESHOLDS
HALVINGS, HALVING_SEED = 20, 26
FIRST_DAY = date(2024, 1, 1)


class HeldOut(TypedDict):
    """Each split's chosen threshold and scores, and the reports F1 over the splits."""

    folds: list[dict[str, float]]
    reports_f1_mean: float
    reports_f1_worst: float


@dataclass(frozen=True)
class Link:
    """One story of days 2 to 4: its event, and the event of the past story it continues."""

    day: int
    topic: int
    event: str
    reports: int
    continued: str | None  # the continued past story's event, or None
    expected: bool  # whether its event ran in an earlier edition
    headline: str
    past_headline: str


def schedule(docs: list[Document], first: str) -> list[list[Document]]:
    """The four days' documents: event A (`first`) on days 1-2, the other event on days 3-4."""
    days: list[list[Document]] = [[], [], [], []]
    for topic in sorted({d["topic"] for d in docs}):
        events = sorted({d["event_cluster"] for d in docs if d["topic"] == topic})
        a = next(e for e in events if e.endswith(f"_{first}"))
        for offset, event in ((0, a), (2, next(e for e in events if e != a))):
            reports = sorted((d for d in docs if d["event_cluster"] == event), key=_doc_order)
            half = (len(reports) + 1) // 2
            days[offset] += reports[:half]
            days[offset + 1] += reports[half:]
    return days


def _doc_order(doc: Document) -> tuple[int, str]:
    """ECB+ numbers its documents within an event ("3_10ecbplus"): in that number's order."""
    number = doc["doc_id"].split("_", 1)[1].rstrip("abcdefghijklmnopqrstuvwxyz")
    return (int(number) if number.isdigit() else 0, doc["doc_id"])


def run_days(days: list[list[Document]], threshold: float, store_path: Path) -> list[Link]:
    """Make the four editions through one store; every story of days 2-4 as a Link."""
    event_of = {d["doc_id"]: d["event_cluster"] for day in days for d in day}
    topic_of = {d["doc_id"]: d["topic"] for day in days for d in day}
    seen_events: set[str] = set()
    past_event: dict[str, str] = {}
    past_headline: dict[str, str] = {}
    links: list[Link] = []
    with open_store(store_path) as store:
        for number, docs in enumerate(days):
            edition = FIRST_DAY + timedelta(days=number)
            articles = [_on_day(to_article(d), number) for d in docs]
            store.save_articles(articles, FIXED_TIME + timedelta(days=number, hours=12))
            previous = store.recent_stories(edition, HISTORY_DAYS)
            stories = cluster_stories(articles, previous=previous, link_threshold=threshold)
            shown = [s for s in stories if s.status != "unchanged"]
            for story in shown:
                event = _majority(story, event_of)
                if number:
                    links.append(
                        Link(
                            day=number + 1,
                            topic=topic_of[story.articles[0].id],
                            event=event,
                            reports=len(story.articles),
                            continued=past_event.get(story.id) if story.previous_edition else None,
                            expected=event in seen_events,
                            headline=story.headline,
                            past_headline=past_headline.get(story.id, ""),
                        )
                    )
            for story in shown:  # what a reader last saw of it: the reports new in it
                past_event[story.id] = _majority(story, event_of, story.new_article_ids)
                past_headline[story.id] = story.headline
            seen_events |= {event_of[d["doc_id"]] for d in docs}
            store.save_stories(edition, shown)
    return links


def _on_day(article: Article, number: int) -> Article:
    """The article published at noon of the schedule's day `number`."""
    return replace(article, published=FIXED_TIME + timedelta(days=number))


def _majority(story: Story, event_of: dict[str, str], ids: Sequence[str] = ()) -> str:
    """The event most of the story's reports (or of `ids`) belong to; a tie to the first."""
    counts = Counter(event_of[i] for i in (ids or [a.id for a in story.articles]))
    return min(counts, key=lambda e: (-counts[e], e))


def score(links: Sequence[Link]) -> dict[str, float]:
    """Precision and recall of the links, per story and per report."""
    result: dict[str, float] = {}
    for unit, weight in (("stories", lambda _: 1), ("reports", lambda link: link.reports)):
        linked = sum(weight(x) for x in links if x.continued is not None)
        right = sum(weight(x) for x in links if x.continued is not None and x.continued == x.event)
        due = sum(weight(x) for x in links if x.expected)
        p = right / linked if linked else 1.0
        r = right / due if due else 1.0
        result[f"{unit}_precision"] = p
        result[f"{unit}_recall"] = r
        result[f"{unit}_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    result["wrong_links"] = sum(1 for x in links if x.continued not in (None, x.event))
    result["missed"] = sum(1 for x in links if x.expected and x.continued != x.event)
    return result


def links_at(docs: list[Document], threshold: float) -> list[Link]:
    """The links of both schedules (A the `ecb` events, then the `ecbplus` ones)."""
    links: list[Link] = []
    for first in ("ecb", "ecbplus"):
        with tempfile.TemporaryDirectory() as tmp:
            links += run_days(schedule(docs, first), threshold, Path(tmp) / "store.sqlite")
    return links


def baseline_links(docs: list[Document]) -> dict[float, list[Link]]:
    """The plain way, per threshold: each day's stories clustered alone, each linked to the past
    story whose reports' TF-IDF (all texts fitted, no labels) is nearest, if near enough."""
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    tfidf.fit([d["text"] for d in docs])
    links: dict[float, list[Link]] = {t: [] for t in BASELINE_THRESHOLDS}
    for first in ("ecb", "ecbplus"):
        days = schedule(docs, first)
        doc_of = {d["doc_id"]: d for day in days for d in day}
        event_of = {i: d["event_cluster"] for i, d in doc_of.items()}
        past: list[tuple[Any, str, str]] = []  # (vector, event, headline) of every story shown
        seen: set[str] = set()
        for number, day in enumerate(days):
            shown = []
            for story in cluster_stories([_on_day(to_article(d), number) for d in day]):
                text = " ".join(doc_of[a.id]["text"] for a in story.articles)
                vector = normalize(tfidf.transform([text]))
                event = _majority(story, event_of)
                shown.append((vector, event, story.headline))
                if not past:
                    continue
                likeness = [float(vector.multiply(v).sum()) for v, _, _ in past]
                best = max(range(len(past)), key=likeness.__getitem__)
                for t in BASELINE_THRESHOLDS:
                    links[t].append(
                        Link(
                            day=number + 1,
                            topic=doc_of[story.articles[0].id]["topic"],
                            event=event,
                            reports=len(story.articles),
                            continued=past[best][1] if likeness[best] >= t else None,
                            expected=event in seen,
                            headline=story.headline,
                            past_headline=past[best][2],
                        )
                    )
            past += shown
            seen |= {d["event_cluster"] for d in day}
    return links


def odd_even(links: Sequence[Link]) -> list[tuple[set[int], set[int]]]:
    """Two splits: tuned on the odd topics and scored on the even ones, and the reverse."""
    topics = {x.topic for x in links}
    odd = {t for t in topics if t % 2}
    return [(odd, topics - odd), (topics - odd, odd)]


def halvings(links: Sequence[Link], count: int = HALVINGS) -> list[tuple[set[int], set[int]]]:
    """`count` random splits of the topics in two halves (a fixed seed): tune on one, score on
    the other."""
    topics = sorted({x.topic for x in links})
    rng = np.random.default_rng(HALVING_SEED)
    splits = []
    for _ in range(count):
        tune = set(rng.choice(topics, size=len(topics) // 2, replace=False).tolist())
        splits.append((tune, set(topics) - tune))
    return splits


def held_out(
    by_threshold: dict[float, list[Link]],
    held: float | None = LINK_THRESHOLD,
    splits: list[tuple[set[int], set[int]]] | None = None,
) -> HeldOut:
    """On each split (odd/even topics unless given), the threshold chosen on its tuning topics
    by report F1 and scored on its other topics (with the score at the `held` threshold
    beside it)."""
    folds: list[dict[str, float]] = []
    for tune, test in splits or odd_even(next(iter(by_threshold.values()))):
        tuned = {
            t: score([x for x in links if x.topic in tune])["reports_f1"]
            for t, links in by_threshold.items()
        }
        best = max(tuned, key=lambda t: (tuned[t], -t))
        chosen = score([x for x in by_threshold[best] if x.topic in test])
        if held is not None:
            fixed = score([x for x in by_threshold[held] if x.topic in test])
            chosen["at_held_threshold"] = fixed["reports_f1"]
        folds.append({"threshold": best, **chosen})
    f1 = [fold["reports_f1"] for fold in folds]
    return {"folds": folds, "reports_f1_mean": sum(f1) / len(f1), "reports_f1_worst": min(f1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    parser.add_argument("--errors", action="store_true", help="wrong and missed links only")
    reading_options(parser)
    args = parser.parse_args(argv)
    docs = read_documents(args)
    if docs is None:
        return 0
    if args.errors:
        for x in links_at(docs, LINK_THRESHOLD):
            if x.continued not in (None, x.event):
                print(f"wrong  day {x.day} {x.event}: {x.headline!r} <- {x.past_headline!r}")
            elif x.expected and x.continued != x.event:
                print(f"missed day {x.day} {x.event} ({x.reports} reports): {x.headline!r}")
        return 0
    by_threshold = {t: links_at(docs, t) for t in sorted({*THRESHOLDS, LINK_THRESHOLD})}
    result: dict[str, Any] = {
        "held_threshold": LINK_THRESHOLD,
        "at_held_threshold": score(by_threshold[LINK_THRESHOLD]),
        "sweep": {t: score(links) for t, links in by_threshold.items()},
        "held_out": held_out(by_threshold),
    }
    plain = baseline_links(docs)
    result["baseline_sweep"] = {t: score(links) for t, links in plain.items()}
    best = max(plain, key=lambda t: result["baseline_sweep"][t]["reports_f1"])
    result["baseline_at_best"] = {"threshold": best, **result["baseline_sweep"][best]}
    result["baseline_held_out"] = held_out(plain, held=None)
    splits = halvings(by_threshold[LINK_THRESHOLD])
    result["held_out_halvings"] = held_out(by_threshold, splits=splits)
    result["baseline_held_out_halvings"] = held_out(plain, held=None, splits=splits)
    report(result)
    write_results(results_path("continuity", args), result)
    return 0


def report(result: dict[str, Any]) -> None:
    print("stories carried across four editions of ECB+ events (see the docstring)")
    print(
        f"{'threshold':>9} {'story P':>8} {'story R':>8} {'rep. P':>8} {'rep. R':>8} "
        f"{'rep. F1':>8} {'wrong':>6} {'missed':>7}"
    )
    for t, s in result["sweep"].items():
        mark = " (held)" if t == result["held_threshold"] else ""
        print(
            f"{t:9.2f} {s['stories_precision']:8.3f} {s['stories_recall']:8.3f} "
            f"{s['reports_precision']:8.3f} {s['reports_recall']:8.3f} {s['reports_f1']:8.3f} "
            f"{s['wrong_links']:6d} {s['missed']:7d}{mark}"
        )
    for fold in result["held_out"]["folds"]:
        print(
            f"held out: chosen {fold['threshold']:.2f} -> reports P {fold['reports_precision']:.3f}"
            f" R {fold['reports_recall']:.3f} F1 {fold['reports_f1']:.3f}"
            f" (at {LINK_THRESHOLD:.2f}: F1 {fold['at_held_threshold']:.3f})"
        )
    for fold in result["baseline_held_out"]["folds"]:
        print(
            f"plain TF-IDF link, held out: chosen {fold['threshold']:.2f} -> reports P "
            f"{fold['reports_precision']:.3f} R {fold['reports_recall']:.3f} "
            f"F1 {fold['reports_f1']:.3f}"
        )
    print(f"held-out reports F1, mean (worst): {'odd/even':>14} {HALVINGS} random halvings")
    for name, key in (("briefing", "held_out"), ("plain TF-IDF link", "baseline_held_out")):
        two, many = result[key], result[f"{key}_halvings"]
        print(
            f"{name:>33} {two['reports_f1_mean']:.3f} ({two['reports_f1_worst']:.3f})"
            f" {many['reports_f1_mean']:>9.3f} ({many['reports_f1_worst']:.3f})"
        )


if __name__ == "__main__":
    sys.exit(main())
