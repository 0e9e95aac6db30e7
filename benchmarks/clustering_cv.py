"""Leave-topics-out cross-validation of stories and sections on the ECB+ sample.

Usage: python benchmarks/clustering_cv.py [--json PATH] [--data PATH] [--words N]

Ten random splits of the 29 topics, ten held out in each. On every split, briefing's threshold
(stories, then sections) and plain TF-IDF average linkage's are chosen on the other topics and
scored on the held-out ones, B-cubed F1 against the events and the topics, in the same run;
briefing as shipped (settings chosen once on all 29 topics, so optimistic here) beside them.
Printed and written to benchmarks/results/clustering_cv.json: each split, the mean, the worst.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from clustering import (  # noqa: E402
    BASELINE_SWEEP,
    SECTION_SWEEP,
    STORY_SWEEP,
    GoldKey,
    _lower_first,
    baseline_levels,
    briefing_levels,
    sweep,
)
from ecb import Document, read_documents, reading_options  # noqa: E402

from briefing.stories.cluster import DEFAULT_THRESHOLD, SECTION_THRESHOLD  # noqa: E402

RESULTS = Path(__file__).with_name("results") / "clustering_cv.json"
# Random splits, each holding out this many of the 29 topics (about a third); a fixed seed.
CV_SPLITS, CV_HELD, CV_SEED = 10, 10, 26


def leave_topics_out(
    docs: list[Document], splits: int = CV_SPLITS, held: int = CV_HELD
) -> dict[str, object]:
    """Random splits of the topics: on each, settings chosen on the rest and scored on `held`
    topics never seen, for stories (against events) and sections (against topics).

    Three methods side by side, each on the same splits: briefing as shipped (no setting
    chosen here: the held-out topics are new to it as any day's news is), briefing with its
    one threshold chosen on the training topics, and plain TF-IDF average linkage with its
    threshold chosen on them. Reported: each split's held-out B-cubed F1, their mean and worst.
    """
    topics = sorted({d["topic"] for d in docs})
    rng = np.random.default_rng(CV_SEED)
    out: dict[str, list[float]] = {}
    for _ in range(splits):
        test_topics = set(rng.choice(topics, size=held, replace=False).tolist())
        train = [d for d in docs if d["topic"] not in test_topics]
        test = [d for d in docs if d["topic"] in test_topics]
        key: GoldKey
        for key, level, sweep_values, shipped in (
            ("event_cluster", "stories", STORY_SWEEP, DEFAULT_THRESHOLD),
            ("topic", "sections", SECTION_SWEEP, SECTION_THRESHOLD),
        ):
            ours = lambda d, s, lv=level: briefing_levels(d, s, lv)  # noqa: E731
            for name, make, values in (
                (f"{level} shipped", ours, [shipped]),
                (f"{level} threshold chosen", ours, sweep_values),
                (f"{level} TF-IDF", baseline_levels, BASELINE_SWEEP),
            ):
                tuned = sweep(train, make(train, values), key)
                best = max(tuned, key=lambda t: (tuned[t]["bcubed_f1"], _lower_first(t)))
                score = sweep(test, make(test, [best]), key)[best]["bcubed_f1"]
                out.setdefault(name, []).append(score)
    return {
        "splits": splits,
        "held_out_topics": held,
        "seed": CV_SEED,
        **{
            name: {"mean": float(np.mean(v)), "worst": float(np.min(v)), "folds": v}
            for name, v in out.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Run the cross-validation, print and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS, help="write the results here")
    reading_options(parser)
    args = parser.parse_args(argv)
    docs = read_documents(args)
    if docs is None:
        return 0
    folds = leave_topics_out(docs)
    for name, v in folds.items():
        if isinstance(v, dict):
            print(f"  {name:<28} mean {v['mean']:.3f}  worst {v['worst']:.3f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(folds, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
