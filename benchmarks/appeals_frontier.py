"""What the appeal model could remove at each cost in article words: its thresholds swept.

    python benchmarks/appeals_frontier.py [--folds 5] [--json PATH]

The corpus of benchmarks/data/appeals/ in folds by outlet (GroupKFold). Each page body's text
scores come from a text model (benchmarks/train_appeals.py's, at the shipped C) that never read
its outlet; its probabilities from a context model and appeal-box trees fitted on the other folds'
scores. Then every pair of thresholds (`sure`, `likely`) is applied as the package applies them
(`appeal_flags`),
and the share of appeal paragraphs removed and of article words kept is counted: the model alone,
on the labelled paragraphs, without trafilatura and without the phrase rules
(benchmarks/appeals.py measures the whole second pass on extracted pages). It does so twice:
on the bodies, and on the article texts (each body's article and appeal paragraphs alone).

The table says what a goal for removal costs in article words with this model and this corpus:
the best removal at each floor of words kept, and at the shipped `sure` floor. A pair is chosen
here on the same scores it is scored on, so each best figure leans a little high. Writes
benchmarks/results/appeals_frontier.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from record import RESULTS  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402
from train_appeals import (  # noqa: E402
    Page,
    article_scores,
    article_text,
    body,
    corpus_files,
    fit_box,
    fit_context,
    out_of_fold,
    read_corpus,
    removal_outcome,
    step_probabilities,
)

from briefing.extract.appeals import MODEL_PATH, AppealModel, forest_from_json  # noqa: E402

SURE = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
LIKELY = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
KEPT_FLOORS = (0.97, 0.98, 0.99, 0.997)


Both = tuple[list[list[float]], list[list[float]]]  # (the linear step's, the trees')


def probabilities_out_of_fold(
    bodies: Sequence[Page], texts: Sequence[Page], folds: int, c: float
) -> tuple[Both, Both]:
    """Each body's probabilities, and its article text's, from models that never read its outlet.

    `texts` are the bodies' `article_text`s, in the same order."""
    scores = out_of_fold(bodies, c, folds)  # GroupKFold: the same splits as below
    in_scores = [article_scores(b, s) for b, s in zip(bodies, scores, strict=True)]
    groups = [p.outlet for p in bodies]
    in_bodies: Both = ([[] for _ in bodies], [[] for _ in bodies])
    in_texts: Both = ([[] for _ in bodies], [[] for _ in bodies])
    for train, test in GroupKFold(n_splits=folds).split(bodies, groups=groups):
        pages, page_scores = [texts[i] for i in train], [in_scores[i] for i in train]
        weights, bias = fit_context(pages, page_scores)
        box = forest_from_json(fit_box(pages, page_scores))
        draft = AppealModel({}, 0.0, tuple(weights), bias, 1.0, 1.0, box=box)
        for i in test:
            for (linear, trees), page, s in (
                (in_bodies, bodies[i], scores[i]),
                (in_texts, texts[i], in_scores[i]),
            ):
                linear[i], trees[i] = step_probabilities(draft, s, page.paragraphs)
    return in_bodies, in_texts


def sweep(bodies: Sequence[Page], probabilities: Both) -> list[dict[str, float]]:
    """Removed and kept shares for every pair of thresholds (likely at most sure)."""
    appeals = sum(label == "appeal" for p in bodies for label in p.labels)
    words = sum(
        len(t.split())
        for p in bodies
        for t, label in zip(p.paragraphs, p.labels, strict=True)
        if label == "article"
    )
    rows = []
    for sure in SURE:
        for likely in (x for x in LIKELY if x <= sure):
            caught, lost = removal_outcome(bodies, probabilities[0], sure, likely, probabilities[1])
            rows.append(
                {
                    "sure": sure,
                    "likely": likely,
                    "appeals_removed": round(caught / appeals, 4),
                    "article_words_kept": round(1 - lost / words, 5),
                }
            )
    return rows


def best(rows: Sequence[dict[str, float]], **floors: float) -> dict[str, float]:
    """The row removing the most appeals among those at or above each floor given."""
    fitting = [r for r in rows if all(r[k] >= v for k, v in floors.items())]
    return max(fitting, key=lambda r: (r["appeals_removed"], r["article_words_kept"]))


def frontier(rows: list[dict[str, float]], limits: dict[str, float]) -> dict[str, object]:
    """The shipped pair's row, the best at the shipped `sure` and at each floor of words kept."""
    at_shipped = next(
        r for r in rows if r["sure"] == limits["sure"] and r["likely"] == limits["likely"]
    )
    at_floor = best(rows, sure=limits["sure"])
    # Keyed by words kept per thousand, a key the docs' figure paths can name (no dot in it).
    by_kept = {f"{floor * 1000:.0f}": best(rows, article_words_kept=floor) for floor in KEPT_FLOORS}
    for name, row in [
        ("shipped thresholds", at_shipped),
        ("best with sure >= shipped", at_floor),
        *((f"best with words kept >= {k}/1000", v) for k, v in by_kept.items()),
    ]:
        print(
            f"  {name:<34} sure {row['sure']:<5} likely {row['likely']:<6}"
            f" removed {row['appeals_removed']:.4f}  kept {row['article_words_kept']:.4f}"
        )
    return {
        "shipped": at_shipped,
        "best_at_shipped_sure_floor": at_floor,
        "best_kept_at_least": by_kept,
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=RESULTS / "appeals_frontier.json")
    args = parser.parse_args(argv)
    files = corpus_files()
    if not files or not MODEL_PATH.exists():
        print("skipped: no appeal corpus in benchmarks/data/appeals, or no shipped model")
        return 0
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as stream:
        shipped = json.load(stream)
    c = float(shipped["settings"]["C"])
    pages = sorted(read_corpus(files), key=lambda p: (p.outlet, p.url))
    bodies = [body(p) for p in pages]
    texts = [article_text(b) for b in bodies]
    in_bodies, in_texts = probabilities_out_of_fold(bodies, texts, args.folds, c)
    limits = shipped["thresholds"]
    print("bodies")
    out: dict[str, object] = {"folds": args.folds, "C": c}
    out.update(frontier(sweep(bodies, in_bodies), limits))
    print("article texts")
    out["article_text"] = frontier(sweep(texts, in_texts), limits)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
