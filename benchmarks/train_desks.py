"""Train the desk model shipped in briefing/stories/desks-model.json.gz, byte for byte, and
measure it.

    python benchmarks/train_desks.py [--out PATH] [--json PATH]

Reads benchmarks/data/desks/desks.jsonl.gz (built by build_desks.py: real articles whose URL
names their desk) and fits a multinomial logistic regression over `briefing.stories.desks
.features` (binary counts of title words, lead words and their character 4-grams). Measured
by cross-validation grouped by outlet (no outlet both trained on and scored): accuracy and
macro-F1 per article, mean and worst fold, beside two simple baselines run on the same folds
(the majority desk; the nearest desk centroid by TF-IDF). C and the confidence threshold are
chosen inside each training fold only (inner folds, again by outlet): the threshold is the
lowest probability whose out-of-fold precision reaches TARGET_PRECISION; the held-out fold then
reports its coverage (share of articles given a desk) and precision.

Sorted input, one thread, weights rounded and a gzip without a time: the same corpus gives
the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, TypedDict

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread: the same sums in the same order

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402
from sklearn.neighbors import NearestCentroid  # noqa: E402

from briefing.stories.desks import MODEL_PATH, features  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "data" / "desks" / "desks.jsonl.gz"
RESULTS = ROOT / "benchmarks" / "results" / "desks.json"
FOLDS = 5
INNER_FOLDS = 3
C_GRID = (1.0, 4.0, 16.0)
TARGET_PRECISION = 0.85  # a desk named as a section must be right this often out of fold
SURE_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))  # 0.30 .. 0.90
DIGITS = 5  # weights are rounded to this many decimals: the file's size, and its bytes
Method = Literal["model", "majority", "centroid"]


class Fold(TypedDict):
    """One outer fold: the choice made on its training outlets, and each method's scores."""

    articles: int
    C: float
    threshold: float
    model: dict[str, float]
    majority: dict[str, float]
    centroid: dict[str, float]
    coverage: float
    precision_when_sure: float | None


def read_corpus(path: Path = CORPUS) -> list[dict[str, str]]:
    """The corpus's articles, sorted by URL."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    return sorted(rows, key=lambda r: r["url"])


def _analyzer(doc: tuple[str, str]) -> list[str]:
    return features(doc[0], doc[1])


def fit(rows: Sequence[dict[str, str]], c: float) -> tuple[CountVectorizer, LogisticRegression]:
    """The vectoriser and the fitted model."""
    vectorizer = CountVectorizer(analyzer=_analyzer, binary=True, min_df=1)
    x = vectorizer.fit_transform([(r["title"], r["text"]) for r in rows])
    model = LogisticRegression(C=c, max_iter=2000, random_state=0)
    model.fit(x, [r["desk"] for r in rows])
    return vectorizer, model


def probabilities(
    fitted: tuple[CountVectorizer, LogisticRegression], rows: Sequence[dict[str, str]]
) -> np.ndarray:
    vectorizer, model = fitted
    found: np.ndarray = model.predict_proba(
        vectorizer.transform([(r["title"], r["text"]) for r in rows])
    )
    return found


def _folds(rows: Sequence[dict[str, str]], n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = [r["outlet"] for r in rows]
    return list(GroupKFold(n_splits=min(n, len(set(groups)))).split(rows, groups=groups))


def choose(rows: Sequence[dict[str, str]]) -> tuple[float, float]:
    """(C, threshold) chosen on these rows alone, by inner folds grouped by outlet."""
    best_c, best_acc, best_oof = C_GRID[0], -1.0, None
    for c in C_GRID:
        oof_desk: list[str] = [""] * len(rows)
        oof_p = np.zeros(len(rows))
        for train, test in _folds(rows, INNER_FOLDS):
            fitted = fit([rows[i] for i in train], c)
            probs = probabilities(fitted, [rows[i] for i in test])
            for i, p in zip(test, probs, strict=True):
                oof_desk[i] = str(fitted[1].classes_[int(np.argmax(p))])
                oof_p[i] = float(np.max(p))
        acc = float(np.mean([d == r["desk"] for d, r in zip(oof_desk, rows, strict=True)]))
        if acc > best_acc:
            best_c, best_acc, best_oof = c, acc, (oof_desk, oof_p)
    assert best_oof is not None
    return best_c, threshold(rows, *best_oof)


def threshold(rows: Sequence[dict[str, str]], desks: Sequence[str], sure: np.ndarray) -> float:
    """The lowest threshold whose precision reaches the target (the highest if none does)."""
    right = np.array([d == r["desk"] for d, r in zip(desks, rows, strict=True)])
    for t in SURE_GRID:
        kept = sure >= t
        if kept.sum() >= 5 and right[kept].mean() >= TARGET_PRECISION:
            return t
    return SURE_GRID[-1]


def evaluate(rows: list[dict[str, str]]) -> dict[str, object]:
    """Outer folds by outlet: the model, its threshold, and the baselines, per fold."""
    folds: list[Fold] = []
    for train, test in _folds(rows, FOLDS):
        train_rows = [rows[i] for i in train]
        test_rows = [rows[i] for i in test]
        truth = [r["desk"] for r in test_rows]
        c, sure = choose(train_rows)
        fitted = fit(train_rows, c)
        probs = probabilities(fitted, test_rows)
        guess = [str(fitted[1].classes_[int(np.argmax(p))]) for p in probs]
        kept = np.max(probs, axis=1) >= sure
        right = np.array([g == t for g, t in zip(guess, truth, strict=True)])
        majority = Counter(r["desk"] for r in train_rows).most_common(1)[0][0]
        centroid = _centroid(train_rows, test_rows)
        folds.append(
            {
                "articles": len(test_rows),
                "C": c,
                "threshold": sure,
                "model": _scores(truth, guess),
                "majority": _scores(truth, [majority] * len(truth)),
                "centroid": _scores(truth, centroid),
                "coverage": float(kept.mean()),
                "precision_when_sure": float(right[kept].mean()) if kept.any() else None,
            }
        )
    return _summary(folds)


def _centroid(train: Sequence[dict[str, str]], test: Sequence[dict[str, str]]) -> list[str]:
    vectorizer = TfidfVectorizer(sublinear_tf=True)
    x = vectorizer.fit_transform([f"{r['title']} {r['text']}" for r in train])
    model = NearestCentroid().fit(x, [r["desk"] for r in train])
    return [
        str(d)
        for d in model.predict(vectorizer.transform([f"{r['title']} {r['text']}" for r in test]))
    ]


def _scores(truth: Sequence[str], guess: Sequence[str]) -> dict[str, float]:
    accuracy = float(np.mean([g == t for g, t in zip(guess, truth, strict=True)]))
    macro = float(f1_score(truth, guess, average="macro", zero_division=0))
    return {"accuracy": round(accuracy, 3), "macro_f1": round(macro, 3)}


def _summary(folds: list[Fold]) -> dict[str, object]:
    out: dict[str, object] = {"folds": folds}
    name: Method
    for name in ("model", "majority", "centroid"):
        for metric in ("accuracy", "macro_f1"):
            values = [f[name][metric] for f in folds]
            out[f"{name}_{metric}_mean"] = round(float(np.mean(values)), 3)
            out[f"{name}_{metric}_worst"] = round(float(np.min(values)), 3)
    coverage = [f["coverage"] for f in folds]
    precision = [f["precision_when_sure"] for f in folds if f["precision_when_sure"] is not None]
    out["coverage_mean"] = round(float(np.mean(coverage)), 3)
    out["coverage_worst"] = round(float(np.min(coverage)), 3)
    out["precision_when_sure_mean"] = round(float(np.mean(precision)), 3) if precision else None
    out["precision_when_sure_worst"] = round(float(np.min(precision)), 3) if precision else None
    return out


def model_json(rows: Sequence[dict[str, str]]) -> tuple[bytes, float, float]:
    """The shipped model's gzip JSON bytes, trained on every row, and its C and threshold."""
    c, sure = choose(rows)
    vectorizer, model = fit(rows, c)
    names = vectorizer.get_feature_names_out()
    weights = {
        str(n): [round(float(w), DIGITS) for w in model.coef_[:, i]]
        for i, n in enumerate(names)
        if np.any(np.abs(model.coef_[:, i]) >= 10**-DIGITS)
    }
    raw = {
        "desks": [str(d) for d in model.classes_],
        "bias": [round(float(b), DIGITS) for b in model.intercept_],
        "sure": sure,
        "weights": dict(sorted(weights.items())),
    }
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as stream:
        stream.write(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode())
    return buffer.getvalue(), c, sure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = read_corpus()
    figures = evaluate(rows)
    data, c, sure = model_json(rows)
    args.out.write_bytes(data)
    counts = Counter(r["desk"] for r in rows)
    figures = {
        "articles": len(rows),
        "outlets": len({r["outlet"] for r in rows}),
        "desks": dict(sorted(counts.items())),
        "shipped_C": c,
        "shipped_threshold": sure,
        "model_bytes": len(data),
        **figures,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    shown = {k: v for k, v in figures.items() if k != "folds"}
    print(json.dumps(shown, indent=2))


if __name__ == "__main__":
    main()
