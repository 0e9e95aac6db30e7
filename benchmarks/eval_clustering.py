"""Measure cluster_stories on the ECB+ sample: B-cubed, pairwise F1 and ARI against gold events.

Usage: python benchmarks/eval_clustering.py [--json PATH] [--data PATH]

Every article gets the same publication time, so time gives no help: only the text separates the
two events of each topic. The threshold sweep is tuned and scored on the same data, which is
optimistic; the 2-fold split by topic (tune on odd topics, score on even, and the reverse) gives
an honest figure for a threshold chosen elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from briefing.cluster import DEFAULT_THRESHOLD, cluster_stories
from briefing.models import Article

DATA = Path("/work/shared/eval/clustering/documents.jsonl")
FIXED_TIME = datetime(2024, 1, 1, 12, tzinfo=UTC)
SWEEP = [round(0.06 + 0.02 * i, 2) for i in range(15)]
TOPIC_SWEEP = [round(0.02 + 0.01 * i, 2) for i in range(14)]


def load_documents(path: Path) -> list[dict]:
    """The benchmark's documents, one dict per line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def to_article(doc: dict) -> Article:
    """An Article from a document: first line as title, the rest as text, one fixed time."""
    lines = [line for line in doc["text"].splitlines() if line.strip()]
    title, body = (lines[0], lines[1:]) if len(lines) > 1 else ("", lines)
    return Article(
        id=doc["doc_id"],
        source=_outlet(doc),
        topic="news",  # the gold topic is what we measure against, so it must not leak in
        url=doc.get("url") or "",
        title=title,
        text="\n".join(body),
        published=FIXED_TIME,
    )


def _outlet(doc: dict) -> str:
    """The host of the document's URL, or its id when there is none."""
    url = doc.get("url") or ""
    return url.split("/")[2] if "://" in url else doc["doc_id"]


def bcubed(pred: Sequence[str], gold: Sequence[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a labelling against the gold labelling."""
    joint = Counter(zip(pred, gold, strict=True))
    pred_size, gold_size = Counter(pred), Counter(gold)
    n = len(pred)
    precision = sum(c * c / pred_size[p] for (p, _), c in joint.items()) / n
    recall = sum(c * c / gold_size[g] for (_, g), c in joint.items()) / n
    return precision, recall, _f1(precision, recall)


def pairwise_f1(pred: Sequence[str], gold: Sequence[str]) -> float:
    """F1 over the pairs of items put together, against the gold pairs."""
    pairs = lambda counts: sum(c * (c - 1) // 2 for c in counts.values())  # noqa: E731
    both = pairs(Counter(zip(pred, gold, strict=True)))
    predicted, true = pairs(Counter(pred)), pairs(Counter(gold))
    return _f1(both / predicted if predicted else 0.0, both / true if true else 0.0)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def predict(articles: list[Article], threshold: float) -> list[str]:
    """The story id of each article, in the articles' order."""
    label = {a.id: s.id for s in cluster_stories(articles, threshold=threshold) for a in s.articles}
    return [label[a.id] for a in articles]


def scores(pred: list[str], gold: list[str]) -> dict[str, float]:
    """All the metrics of one labelling."""
    p, r, f = bcubed(pred, gold)
    return {
        "bcubed_p": p,
        "bcubed_r": r,
        "bcubed_f1": f,
        "pairwise_f1": pairwise_f1(pred, gold),
        "ari": adjusted_rand_score(gold, pred),
        "clusters": len(set(pred)),
    }


def sweep(docs: list[dict], thresholds: list[float], key: str) -> dict[float, dict[str, float]]:
    """Scores at each threshold against the gold labels named by key."""
    articles = [to_article(d) for d in docs]
    gold = [str(d[key]) for d in docs]
    return {t: scores(predict(articles, t), gold) for t in thresholds}


def two_fold(docs: list[dict], thresholds: list[float], key: str) -> dict[str, object]:
    """Tune on odd topics and score on even ones, then the reverse; B-cubed F1 pooled by size."""
    folds = [[d for d in docs if d["topic"] % 2 == parity] for parity in (1, 0)]
    results = []
    for tune, test in ((folds[0], folds[1]), (folds[1], folds[0])):
        tuned = sweep(tune, thresholds, key)
        best = max(thresholds, key=lambda t: tuned[t]["bcubed_f1"])
        held = sweep(test, [best], key)[best]
        results.append({"threshold": best, "n": len(test), **held})
    total = sum(r["n"] for r in results)
    pooled = sum(r["bcubed_f1"] * r["n"] for r in results) / total
    return {"folds": results, "bcubed_f1_pooled": pooled}


def print_sweep(title: str, table: dict[float, dict[str, float]]) -> None:
    """A sweep as a fixed-width table."""
    print(f"\n{title}")
    print(f"{'thr':>5} {'B3-P':>6} {'B3-R':>6} {'B3-F1':>6} {'pairF1':>6} {'ARI':>6} {'n':>4}")
    for t, s in table.items():
        print(
            f"{t:5.2f} {s['bcubed_p']:6.3f} {s['bcubed_r']:6.3f} {s['bcubed_f1']:6.3f} "
            f"{s['pairwise_f1']:6.3f} {s['ari']:6.3f} {s['clusters']:4d}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"skipped: {args.data} not found")
        return 0
    docs = load_documents(args.data)
    articles = [to_article(d) for d in docs]
    started = time.perf_counter()
    pred = predict(articles, DEFAULT_THRESHOLD)
    elapsed = time.perf_counter() - started
    events = [d["event_cluster"] for d in docs]
    by_topic = defaultdict(set)
    for d, p in zip(docs, pred, strict=True):
        by_topic[p].add(d["topic"])
    result = {
        "documents": len(docs),
        "threshold": DEFAULT_THRESHOLD,
        "seconds": elapsed,
        "events": scores(pred, events),
        "stories_vs_topics": scores(pred, [str(d["topic"]) for d in docs]),
        "stories_spanning_topics": sum(len(t) > 1 for t in by_topic.values()),
        "sweep_events": sweep(docs, SWEEP, "event_cluster"),
        "sweep_topics": sweep(docs, TOPIC_SWEEP, "topic"),
        "two_fold_events": two_fold(docs, SWEEP, "event_cluster"),
        "two_fold_topics": two_fold(docs, TOPIC_SWEEP, "topic"),
    }
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    return 0


def report(result: dict) -> None:
    """Print the headline figures, the sweeps and the 2-fold check."""
    ev, tp = result["events"], result["stories_vs_topics"]
    print(
        f"{result['documents']} documents, threshold {result['threshold']}, "
        f"clustered in {result['seconds']:.2f} s"
    )
    print(
        f"vs events: B3 P {ev['bcubed_p']:.3f} R {ev['bcubed_r']:.3f} F1 {ev['bcubed_f1']:.3f}  "
        f"pairwise F1 {ev['pairwise_f1']:.3f}  ARI {ev['ari']:.3f}  stories {ev['clusters']}"
    )
    print(
        f"stories vs topics: B3 P {tp['bcubed_p']:.3f} R {tp['bcubed_r']:.3f} "
        f"F1 {tp['bcubed_f1']:.3f}; stories spanning two topics: "
        f"{result['stories_spanning_topics']}"
    )
    print("README baseline (TF-IDF average linkage, tuned here): B3 F1 0.896 events, 0.923 topics")
    print_sweep("sweep against events (tuned on the same data: optimistic)", result["sweep_events"])
    print_sweep("sweep against topics (looser thresholds)", result["sweep_topics"])
    for name in ("two_fold_events", "two_fold_topics"):
        tf = result[name]
        folds = ", ".join(f"thr {f['threshold']} -> {f['bcubed_f1']:.3f}" for f in tf["folds"])
        print(f"{name}: {folds}; pooled held-out B3 F1 {tf['bcubed_f1_pooled']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
