"""How clustering scales: 1,000, 10,000 and 50,000 articles built from the real ECB+ texts.

Usage: python benchmarks/clustering_scale.py [--sizes 1000 10000 50000] [--data PATH] [--json PATH]

A day's feeds are simulated from real reports: each synthetic event takes one ECB+ event and
gives it new names and numbers (every capitalised word and number of its reports is swapped, the
same way throughout the event, for one drawn from the whole corpus), so the same real report
yields many different events of the same kind. Each event gets 1 to 8 of its reports, published
within one day. Each size runs in its own process on one core (BLAS threads set to 1), and
reports the wall and CPU time of `cluster_stories` and the peak memory it added (resident set
size); on a machine shared with other work, the CPU time is the steadier figure.
B-cubed F1 against the synthetic events is printed as a sanity check only: every text is reused
under other names (about 77 times at 50,000), far more near-duplicates than a real day has.
Written to benchmarks/results/clustering_scale.json, with the load average at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ecb import DATA, FIXED_TIME, Document, load_documents, to_article  # noqa: E402
from record import machine, results_path, write_results  # noqa: E402

from briefing.models import Article  # noqa: E402

SIZES = (1_000, 10_000, 50_000)
GOAL_SECONDS = 10.0  # for 10,000 articles
_WORD = re.compile(r"\b(?:[A-Z][a-z]{2,}|\d+)\b")


def synthetic_articles(
    docs: list[Document], n: int, seed: int = 5
) -> tuple[list[Article], list[str]]:
    """n articles and their event labels, from ECB+ events with names and numbers swapped."""
    from dataclasses import replace

    rng = random.Random(seed)
    by_event: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        by_event[doc["event_cluster"]].append(doc)
    events = sorted(by_event)
    pool = sorted({w for d in docs for w in _WORD.findall(d["text"]) if not w.isdigit()})
    articles: list[Article]
    labels: list[str]
    articles, labels = [], []
    number = 0
    while len(articles) < n:
        event = rng.choice(events)
        members = rng.sample(by_event[event], min(len(by_event[event]), rng.randint(1, 8)))
        swap: dict[str, str] = {}

        def new(match: re.Match[str], swap: dict[str, str] = swap) -> str:
            word = match.group(0)
            if word not in swap:
                swap[word] = str(rng.randint(2, 999)) if word.isdigit() else rng.choice(pool)
            return swap[word]

        for doc in members[: n - len(articles)]:
            base = to_article(doc)
            articles.append(
                replace(
                    base,
                    id=f"{number}-{doc['doc_id']}",
                    source=f"{base.source}-{number % 97}",
                    title=_WORD.sub(new, base.title),
                    text=_WORD.sub(new, base.text),
                    published=FIXED_TIME + timedelta(minutes=rng.randint(0, 24 * 60 - 1)),
                )
            )
            labels.append(str(number))
        number += 1
    return articles, labels


def run_one(n: int, data: Path) -> dict[str, float]:
    """Cluster n synthetic articles in this process: seconds, added peak memory, quality."""
    from clustering import bcubed

    from briefing.stories.cluster import cluster_stories

    articles, gold = synthetic_articles(load_documents(data), n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    stories = cluster_stories(articles)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    label = {a.id: k for k, s in enumerate(stories) for a in s.articles}
    pred = [label[a.id] for a in articles]
    return {
        "articles": n,
        "events": len(set(gold)),
        "stories": len(stories),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb_added": (peak - before) / 1024,
        "peak_mb": peak / 1024,
        "bcubed_f1": bcubed(pred, gold)[2],
    }


def main(argv: list[str] | None = None) -> int:
    """Run each size in its own single-threaded process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"skipped: {args.data} not found")
        return 0
    if args.one:
        print(json.dumps(run_one(args.one, args.data)))
        return 0
    env = {
        **os.environ,
        **{k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }
    print(
        f"{'articles':>9} {'events':>7} {'stories':>7} {'seconds':>8} {'CPU s':>8} {'s/1k':>6} "
        f"{'peak MB':>8} {'added MB':>8} {'B3 F1':>6}"
    )
    results = []
    started = machine()
    for n in args.sizes:
        command = [sys.executable, __file__, "--one", str(n), "--data", str(args.data)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{r['articles']:9d} {r['events']:7d} {r['stories']:7d} {r['seconds']:8.2f} "
            f"{r['cpu_seconds']:8.2f} "
            f"{1000 * r['seconds'] / n:6.2f} {r['peak_mb']:8.0f} {r['peak_mb_added']:8.0f} "
            f"{r['bcubed_f1']:6.3f}",
            flush=True,
        )
    print(f"goal: 10,000 articles in under {GOAL_SECONDS:.0f} s on one core, cost about linear")
    figures = {**started, "goal_seconds_at_10000": GOAL_SECONDS, "sizes": results}
    write_results(results_path("clustering_scale", args, args.sizes == list(SIZES)), figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
