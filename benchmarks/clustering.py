"""Measure stories and sections on the ECB+ sample: B-cubed against gold events and gold topics.

Usage: python benchmarks/clustering.py [--json PATH] [--data PATH] [--errors] [--as-extracted]
                                      [--words N]

Every article gets the same publication time, so time gives no help: only the text separates the
two events of each topic. Stories are scored against the event labels, the automatic sections
(average linkage to the section threshold; the stories are split out of them) against the topic
labels, each beside a plain TF-IDF average-linkage baseline run here with its threshold tuned on
this very data. Sweeps are tuned and scored on the same data (optimistic); the held-out figure
chooses the setting on half the topics (odd or even) and scores on the other half, both ways,
pooled by size; for stories the setting is the threshold and the power of the re-weighting
within sections, and, separately, the threshold alone; for sections, the name thread at which
their stories divide them (`stories/partition.py`) and the section threshold, and, separately, the
threshold alone, and the floor at which sections holding each other's nearest stories join.
`--errors` prints, per gold topic, what each story holds and which topics share its section.
`--as-extracted` first gives each text the boilerplate pass every article of the pipeline gets
(`extract.boilerplate.strip_boilerplate`): it drops the date or byline line that opens most
`ecbplus` texts, and 3 other lines, which the raw texts keep. `--words N` cuts each text to its
headline and its first N words, as a feed's own summary gives it when the page cannot be read.
The leave-topics-out cross-validation (random splits of the topics) is `clustering_cv.py`.
Written to benchmarks/results/clustering.json (clustering_as_extracted.json, clustering_N_words.json
for the other readings).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).parent))
from ecb import Document, read_documents, reading_options, to_article  # noqa: E402
from record import machine, results_path, write_results  # noqa: E402

from briefing.stories.cluster import (  # noqa: E402
    DEFAULT_THRESHOLD,
    SECTION_THRESHOLD,
    ClusterSettings,
    outlets_of,
    partition,
    token_ids,
)
from briefing.stories.partition import NAME_THREAD, NEAREST_FLOOR  # noqa: E402
from briefing.stories.vectors import GROUP_POWER, Space, article_space, neighbour_graph  # noqa: E402

STORY_SWEEP = [round(0.10 + 0.01 * i, 2) for i in range(13)]
# How sharply terms shared within a section lose weight: chosen by the held-out sweep too.
POWER_SWEEP = [0.5, 1.0, 2.0]
SECTION_SWEEP = [round(0.02 + 0.01 * i, 2) for i in range(9)]
# How far stories must share names to divide their section into threads (1.0: never divide).
THREAD_SWEEP = [0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.25, 0.30, 1.0]
# How alike two stories, each the other's nearest, must be to join their sections (1.0: never).
NEAREST_SWEEP = [0.0, 0.02, 0.05, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20, 1.0]
BASELINE_SWEEP = [round(0.50 + 0.02 * i, 2) for i in range(25)]  # cosine distances
# A setting a sweep tries: a threshold, or a pair such as (power, threshold).
Setting = TypeVar("Setting", bound=float | tuple[float, float])
# The gold labelling a sweep is scored against.
GoldKey = Literal["event_cluster", "topic"]
Maker = Callable[[list[Document], Sequence[Setting]], Mapping[Setting, Sequence[int]]]


def bcubed(pred: Sequence[object], gold: Sequence[object]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a labelling against the gold labelling."""
    joint = Counter(zip(pred, gold, strict=True))
    pred_size, gold_size = Counter(pred), Counter(gold)
    n = len(pred)
    precision = sum(c * c / pred_size[p] for (p, _), c in joint.items()) / n
    recall = sum(c * c / gold_size[g] for (_, g), c in joint.items()) / n
    return precision, recall, _f1(precision, recall)


def pairwise_f1(pred: Sequence[object], gold: Sequence[object]) -> float:
    """F1 over the pairs of items put together, against the gold pairs."""
    pairs: Callable[[Counter[Any]], int] = lambda counts: sum(  # noqa: E731
        c * (c - 1) // 2 for c in counts.values()
    )
    both = pairs(Counter(zip(pred, gold, strict=True)))
    predicted, true = pairs(Counter(pred)), pairs(Counter(gold))
    return _f1(both / predicted if predicted else 0.0, both / true if true else 0.0)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def scores(pred: Sequence[object], gold: Sequence[object]) -> dict[str, float]:
    """All the metrics of one labelling."""
    p, r, f = bcubed(pred, gold)
    return {
        "bcubed_p": p,
        "bcubed_r": r,
        "bcubed_f1": f,
        "pairwise_f1": pairwise_f1(pred, gold),
        "ari": adjusted_rand_score(list(map(str, gold)), list(map(str, pred))),
        "clusters": len(set(pred)),
    }


def _labels(groups: list[tuple[int, ...]], n: int) -> list[int]:
    label = [0] * n
    for k, group in enumerate(groups):
        for i in group:
            label[i] = k
    return label


def briefing_levels(
    docs: list[Document], thresholds: Sequence[float], level: str
) -> dict[float, list[int]]:
    """Our labels at each threshold: of stories ('stories'), or of sections over the default
    stories ('sections')."""
    out: dict[float, list[int]] = {}
    for t in thresholds:
        story_t, section_t = (
            (t, SECTION_THRESHOLD) if level == "stories" else (DEFAULT_THRESHOLD, t)
        )
        out[t] = _levels(docs, story_t, section_t, GROUP_POWER, NAME_THREAD)[level]
    return out


def nearest_levels(docs: list[Document], floors: Sequence[float]) -> dict[float, list[int]]:
    """Our sections at each floor of the join of nearest stories, the rest as set."""
    return {
        f: _levels(docs, DEFAULT_THRESHOLD, SECTION_THRESHOLD, GROUP_POWER, NAME_THREAD, f)[
            "sections"
        ]
        for f in floors
    }


def story_levels(
    docs: list[Document], settings: Sequence[tuple[float, float]]
) -> dict[tuple[float, float], list[int]]:
    """Our stories at each (power, story threshold) setting."""
    return {
        (power, t): _levels(docs, t, SECTION_THRESHOLD, power, NAME_THREAD)["stories"]
        for power, t in settings
    }


def section_levels(
    docs: list[Document], settings: Sequence[tuple[float, float]]
) -> dict[tuple[float, float], list[int]]:
    """Our sections at each (name thread, section threshold) setting, over the default stories."""
    return {
        (thread, t): _levels(docs, DEFAULT_THRESHOLD, t, GROUP_POWER, thread)["sections"]
        for thread, t in settings
    }


def _levels(
    docs: list[Document],
    story: float,
    section: float,
    power: float,
    thread: float,
    nearest: float = NEAREST_FLOOR,
) -> dict[str, list[int]]:
    """Story and section labels of one setting (all documents at one time: text alone)."""
    space, graph, outlets = _space(tuple(d["doc_id"] for d in docs), docs)
    times = np.zeros(space.vectors.shape[0])
    settings = ClusterSettings(story, section, 1.0, power=power, thread=thread, nearest=nearest)
    parts = partition(
        graph,
        space.vectors,
        times,
        settings,
        names_from=space.names_from,
        outlets=outlets,
        words=token_ids(space),
    )
    n = len(docs)
    return {"stories": _labels(parts.stories, n), "sections": _labels(parts.sections, n)}


_SPACES: dict[tuple[str, ...], tuple[Space, sparse.csr_matrix, np.ndarray]] = {}


def _space(
    key: tuple[str, ...], docs: list[Document]
) -> tuple[Space, sparse.csr_matrix, np.ndarray]:
    """The documents' vectors, neighbour graph and outlets (by the host of their address),
    made once per set of documents (the sweeps reuse them: none depends on a setting)."""
    if key not in _SPACES:
        articles = [to_article(d) for d in docs]
        space = article_space(articles)
        graph = neighbour_graph(space.vectors, np.zeros(len(docs)), 1.0)
        _SPACES[key] = (space, graph, outlets_of(articles))
    return _SPACES[key]


def baseline_levels(docs: list[Document], thresholds: Sequence[float]) -> dict[float, list[int]]:
    """Plain TF-IDF (sublinear tf, English stop words), cosine distance, average linkage."""
    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(
        [d["text"] for d in docs]
    )
    # A dense distance matrix is fine for a 652-document baseline; briefing itself never makes one.
    tree = linkage(pdist(matrix.toarray(), metric="cosine"), method="average")
    return {t: fcluster(tree, t, criterion="distance").tolist() for t in thresholds}


def sweep(
    docs: list[Document], levels: Mapping[Setting, Sequence[int]], key: GoldKey
) -> dict[Setting, dict[str, float]]:
    """Scores of each threshold's labels against the gold labels named by key."""
    gold = [d[key] for d in docs]
    return {t: scores(labels, gold) for t, labels in levels.items()}


def held_out(
    docs: list[Document],
    make: Maker[Setting],
    settings: Sequence[Setting],
    key: GoldKey,
) -> dict[str, Any]:
    """Choose on odd topics, score on even, and the reverse; B-cubed F1 pooled by size.

    `make(docs, settings)` labels the documents at each setting."""
    folds = [[d for d in docs if d["topic"] % 2 == parity] for parity in (1, 0)]
    results: list[dict[str, Any]] = []
    for tune, test in ((folds[0], folds[1]), (folds[1], folds[0])):
        tuned = sweep(tune, make(tune, settings), key)
        best = max(tuned, key=lambda t: (tuned[t]["bcubed_f1"], _lower_first(t)))
        held = sweep(test, make(test, [best]), key)[best]
        results.append({"threshold": best, "n": len(test), **held})
    pooled = sum(r["bcubed_f1"] * r["n"] for r in results) / sum(r["n"] for r in results)
    worst = min(r["bcubed_f1"] for r in results)
    return {"folds": results, "bcubed_f1_pooled": pooled, "bcubed_f1_worst": worst}


def _lower_first(setting: float | tuple[float, float]) -> tuple[float, ...]:
    """Tie-break of equal scores: the lower setting (power, then threshold) wins."""
    return tuple(-x for x in (setting if isinstance(setting, tuple) else (setting,)))


def measure(docs: list[Document]) -> dict[str, Any]:
    """Every figure of the report."""
    started = time.perf_counter()
    stories = briefing_levels(docs, [DEFAULT_THRESHOLD], "stories")[DEFAULT_THRESHOLD]
    seconds = time.perf_counter() - started
    sections = briefing_levels(docs, [SECTION_THRESHOLD], "sections")[SECTION_THRESHOLD]
    base = baseline_levels(docs, BASELINE_SWEEP)
    base_events, base_topics = sweep(docs, base, "event_cluster"), sweep(docs, base, "topic")
    return {
        "documents": len(docs),
        "seconds": seconds,
        "thresholds": {
            "stories": DEFAULT_THRESHOLD,
            "sections": SECTION_THRESHOLD,
            "name_thread": NAME_THREAD,
            "nearest_floor": NEAREST_FLOOR,
        },
        "stories_vs_events": scores(stories, [d["event_cluster"] for d in docs]),
        "sections_vs_topics": scores(sections, [d["topic"] for d in docs]),
        "stories_per_section": len(set(stories)) / max(len(set(sections)), 1),
        "baseline_events": max(base_events.values(), key=lambda s: s["bcubed_f1"]),
        "baseline_topics": max(base_topics.values(), key=lambda s: s["bcubed_f1"]),
        "sweep_events": sweep(docs, briefing_levels(docs, STORY_SWEEP, "stories"), "event_cluster"),
        "sweep_topics": sweep(docs, briefing_levels(docs, SECTION_SWEEP, "sections"), "topic"),
        "sweep_threads": sweep(
            docs,
            {
                k[0]: v
                for k, v in section_levels(
                    docs, [(t, SECTION_THRESHOLD) for t in THREAD_SWEEP]
                ).items()
            },
            "topic",
        ),
        "sweep_nearest": sweep(docs, nearest_levels(docs, NEAREST_SWEEP), "topic"),
        "held_out_events": held_out(
            docs,
            story_levels,
            [(p, t) for p in POWER_SWEEP for t in STORY_SWEEP],
            "event_cluster",
        ),
        "held_out_events_power_fixed": held_out(
            docs, lambda d, s: briefing_levels(d, s, "stories"), STORY_SWEEP, "event_cluster"
        ),
        "held_out_topics": held_out(docs, section_levels, _section_settings(), "topic"),
        "held_out_topics_thread_fixed": held_out(
            docs, lambda d, s: briefing_levels(d, s, "sections"), SECTION_SWEEP, "topic"
        ),
        "held_out_topics_nearest": held_out(docs, nearest_levels, NEAREST_SWEEP, "topic"),
        "baseline_held_out_events": held_out(
            docs, baseline_levels, BASELINE_SWEEP, "event_cluster"
        ),
        "baseline_held_out_topics": held_out(docs, baseline_levels, BASELINE_SWEEP, "topic"),
    }


def _section_settings() -> list[tuple[float, float]]:
    """(name thread, section threshold) pairs for the held-out choice of both at once."""
    return [(thread, t) for thread in THREAD_SWEEP for t in SECTION_SWEEP]


def errors(docs: list[Document]) -> list[str]:
    """Per gold topic: stories' B-cubed F1 and what each story holds (events, and its section)."""
    stories = briefing_levels(docs, [DEFAULT_THRESHOLD], "stories")[DEFAULT_THRESHOLD]
    sections = briefing_levels(docs, [SECTION_THRESHOLD], "sections")[SECTION_THRESHOLD]
    lines = []
    for topic in sorted({d["topic"] for d in docs}):
        rows = [i for i, d in enumerate(docs) if d["topic"] == topic]
        f1 = bcubed([stories[i] for i in rows], [docs[i]["event_cluster"] for i in rows])[2]
        held = Counter((stories[i], docs[i]["event_cluster"]) for i in rows)
        parts = "; ".join(f"story {s}: {n} of {e}" for (s, e), n in sorted(held.items()))
        others = {
            docs[j]["topic"] for j in range(len(docs)) if sections[j] in {sections[i] for i in rows}
        } - {topic}
        mixed = f" | section shared with topics {sorted(others)}" if others else ""
        split = len({sections[i] for i in rows})
        lines.append(f"topic {topic:>3} F1 {f1:.3f} ({split} section(s)) {parts}{mixed}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    parser.add_argument("--errors", action="store_true", help="per-topic errors only")
    parser.add_argument(
        "--as-extracted",
        action="store_true",
        help="each text after the boilerplate pass the pipeline gives every article",
    )
    reading_options(parser)
    args = parser.parse_args(argv)
    docs = read_documents(args)
    if docs is None:
        return 0
    if args.errors:
        print("\n".join(errors(docs)))
        return 0
    result = {**machine(), **measure(docs)}
    report(result)
    write_results(results_path("clustering", args), result)
    return 0


def _line(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<44} {s['bcubed_p']:6.3f} {s['bcubed_r']:6.3f} {s['bcubed_f1']:6.3f} "
        f"{s['pairwise_f1']:6.3f} {s['ari']:6.3f} {s['clusters']:5d}"
    )


def report(result: dict[str, Any]) -> None:
    """Print the headline table, the sweeps and the held-out check."""
    th = result["thresholds"]
    print(f"{result['documents']} documents; stories clustered in {result['seconds']:.2f} s")
    print(f"{'':<44} {'B3-P':>6} {'B3-R':>6} {'B3-F1':>6} {'pairF1':>6} {'ARI':>6} {'n':>5}")
    print(_line(f"stories vs events (threshold {th['stories']})", result["stories_vs_events"]))
    print(_line("baseline vs events (tuned here)", result["baseline_events"]))
    print(_line(f"sections vs topics (threshold {th['sections']})", result["sections_vs_topics"]))
    print(_line("baseline vs topics (tuned here)", result["baseline_topics"]))
    for name, table in (
        ("stories vs events", "sweep_events"),
        ("sections vs topics", "sweep_topics"),
        (f"sections vs topics, name thread (sections {th['sections']})", "sweep_threads"),
        ("sections vs topics, floor of the nearest-story join", "sweep_nearest"),
    ):
        print(f"\nsweep, {name} (chosen and scored on the same data: optimistic)")
        for t, s in result[table].items():
            print(_line(f"  threshold {t:.2f}", s))
    print("\nheld out (chosen on half the topics, scored on the other half; for events, the")
    print(f"setting is (power, threshold), or the threshold alone with power {GROUP_POWER};")
    print("for topics, (name thread, section threshold), or the threshold alone with thread")
    print(f"{th['name_thread']}, or the floor of the nearest-story join alone):")
    for name in (
        "held_out_events",
        "held_out_events_power_fixed",
        "held_out_topics",
        "held_out_topics_thread_fixed",
        "held_out_topics_nearest",
        "baseline_held_out_events",
        "baseline_held_out_topics",
    ):
        tf = result[name]
        folds = ", ".join(f"set {f['threshold']} -> {f['bcubed_f1']:.3f}" for f in tf["folds"])
        print(f"  {name:<28} {folds}; pooled B3 F1 {tf['bcubed_f1_pooled']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
