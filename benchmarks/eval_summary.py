"""Measure summarize_story on the ECB+ sample: content-unit coverage of each event's summary.

Usage: python benchmarks/eval_summary.py [--words N] [--json PATH]

For each event in units.jsonl a Story is built from that event's articles and summarised. A unit
is covered when the summary's lowercased \\w+ token sequence contains one of its forms on token
boundaries; weighted coverage is the covered weight over the total weight of the event's units,
specific coverage the same counting only `specific` forms, over the weight of the units that have
any. Figures are means over events. The README's lead-of-centroid baseline is recomputed here as a
check on the metric: its recipe (the article's whole text, headline line included, cut at exactly
60 words mid-sentence) gives the README's 0.690/0.410 exactly. Our summaries are whole sentences
within the budget and do not include the headline, so a second baseline row does the same.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from briefing.models import Article, Story
from briefing.summarize import summarize_story

sys.path.insert(0, str(Path(__file__).parent))
from ecb import load_documents, to_article  # noqa: E402

DATA = Path("/work/shared/eval/clustering")
METHODS = {
    "ours": "summarize_story",
    "lead_readme": "lead of centroid, README recipe",
    "lead_sentences": "lead of centroid, whole lines",
}
README = {"lead of centroid": (0.690, 0.410), "LexRank": (0.685, 0.420), "oracle": (0.889, 0.582)}


def tokens(text: str) -> list[str]:
    """Lowercased \\w+ tokens."""
    return re.findall(r"\w+", text.lower())


def contains(haystack: list[str], form: str) -> bool:
    """Whether the token list holds the form's tokens contiguously."""
    needle = form.split()
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def coverage(summary: str, units: list[dict]) -> tuple[float, float]:
    """Weighted and specific coverage of one summary."""
    words = tokens(summary)
    total = sum(u["weight"] for u in units)
    covered = sum(u["weight"] for u in units if any(contains(words, f) for f in u["forms"]))
    specific = sum(u["weight"] for u in units if any(contains(words, f) for f in u["specific"]))
    specific_total = sum(u["weight"] for u in units if u["specific"])
    return covered / total, specific / specific_total if specific_total else 0.0


def lead_of_centroid(articles: list[Article], words: int, readme: bool) -> str:
    """Baseline: the opening lines of the article closest to the TF-IDF centroid.

    readme=True: headline included and the text cut at exactly `words` words (the README's
    recipe); readme=False: body only, whole lines within the budget (like our summaries).
    """
    texts = [f"{a.title}\n{a.text}" if readme else a.text for a in articles]
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    vectors = vectorizer.fit_transform(f"{a.title}\n{a.text}" for a in articles)
    centroid = np.asarray(vectors.mean(axis=0)).ravel()
    best = texts[int(np.argmax(vectors @ centroid))]
    if readme:
        return " ".join(best.split()[:words])
    chosen, used = [], 0
    for line in best.splitlines():
        if used + len(line.split()) > words:
            break
        chosen.append(line)
        used += len(line.split())
    return " ".join(chosen)


def evaluate(data: Path, words: int) -> dict:
    """Coverage of our summaries and of the baseline for every event."""
    by_event = defaultdict(list)
    for doc in load_documents(data / "documents.jsonl"):
        by_event[doc["event_cluster"]].append(to_article(doc))
    units = [json.loads(line) for line in (data / "units.jsonl").open(encoding="utf-8")]
    rows, started = [], time.perf_counter()
    for event in units:
        articles = by_event[event["event_cluster"]]
        story = summarize_story(Story("x", "", "news", tuple(articles)), words)
        text = " ".join(s.text for s in story.summary)
        ours = coverage(text, event["units"])
        rows.append(
            {
                "event": event["event_cluster"],
                "articles": len(articles),
                "words": len(text.split()),
                "ours": ours,
                "lead_readme": coverage(lead_of_centroid(articles, words, True), event["units"]),
                "lead_sentences": coverage(
                    lead_of_centroid(articles, words, False), event["units"]
                ),
            }
        )
    elapsed = time.perf_counter() - started
    result = {"words": words, "events": len(rows), "seconds": elapsed}
    for key in METHODS:
        result[key] = {
            "weighted": float(np.mean([r[key][0] for r in rows])),
            "specific": float(np.mean([r[key][1] for r in rows])),
        }
    result["mean_summary_words"] = float(np.mean([r["words"] for r in rows]))
    result["max_summary_words"] = max(r["words"] for r in rows)
    return {**result, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if not (args.data / "units.jsonl").exists():
        print(f"skipped: {args.data / 'units.jsonl'} not found")
        return 0
    result = evaluate(args.data, args.words)
    print(
        f"{result['events']} events, budget {result['words']} words, summaries "
        f"{result['mean_summary_words']:.1f} words on average (longest "
        f"{result['max_summary_words']}), {result['seconds']:.1f} s"
    )
    print(f"{'method':<42} {'weighted':>8} {'specific':>8}")
    for key, name in METHODS.items():
        print(
            f"{name + ' (measured)':<42} {result[key]['weighted']:8.3f} "
            f"{result[key]['specific']:8.3f}"
        )
    for name, (w, s) in README.items():
        print(f"{name + ' (README)':<42} {w:8.3f} {s:8.3f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
