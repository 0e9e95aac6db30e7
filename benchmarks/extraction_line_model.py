"""A learned line model against the second pass's hand-written rules, cross-validated by site.

    python benchmarks/extraction_line_model.py [--folds K] [--limit N] [--repeat R] [--workers W]

Is this line of trafilatura's output part of the article? A two-step linear model, as
briefing/extract/appeals.py's: a logistic regression over the line's words, word pairs and the
character n-grams of its words (`appeals.analyze`, per word ** POOL), then one over that text
score, its neighbours', the line's position, length, closing stop, capitals, digits and how much
of it the page's link texts cover (`CONTEXT`). A line goes when its probability of not being the
article reaches a threshold; a text is never emptied.

On the same folds as benchmarks/extraction.py (5, grouped by site) and with the trafilatura
options chosen there in each fold, per set held-out F1 (mean, worst fold) of:
(a) the hand-written rules chosen in the fold (benchmarks/extraction.py's choice);
(b) the line model alone, its threshold chosen on the training pages;
(c) the rules and the line model, threshold and rules chosen together on the training pages
    (greedy elimination as in (a); the model may be switched off);
(d) plain trafilatura, the best of its four settings on the training pages.
(b) and (c) are trained with and without the labelled appeal corpus (benchmarks/data/appeals/)
as extra text-model data; corpus pages of any outlet in the held-out fold are left out.

Labels come from the training pages only: on the shingle sets a line is "article" when at least
0.7 of its word 4-grams are in the page's truth (a line under 4 words: when it is a line of the
truth), "not" at 0.3 or less, else left out; on trafilatura's set a line holding a `without`
segment is "not", one holding a `with` segment "article", one holding both or neither left out.
The text model's scores that train the context model and choose the threshold are out of fold
(3 inner folds by site). Writes benchmarks/results/extraction_line_model.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lxml.html  # noqa: E402
import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import (  # noqa: E402
    BASELINES,
    CANDIDATES,
    PAGES,
    Scorer,
    choose,
    engine_outputs,
    objective,
    option_name,
    scores,
    summarize,
)
from extraction_sets import (  # noqa: E402
    SETS,
    SPACE,
    WORD,
    available,
    folds,
    load_sets,
    page_counts,
    site_of,
)
from train_appeals import FEATURES, MIN_DF, POOL, body, corpus_files, read_corpus  # noqa: E402

from briefing.extract.appeals import CONTEXT_NAMES, AppealModel  # noqa: E402
from briefing.extract.boilerplate import (  # noqa: E402
    RULES,
    PageHints,
    resolve_reasons,
    rule_matches,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "extraction_line_model.json"
C_TEXT = 4.0  # the appeal model's text C (benchmarks/train_appeals.py), not tuned again here
C_CONTEXT = 1.0
INNER_FOLDS = 3
ARTICLE, NOT = 0.7, 0.3  # share of a line's 4-grams in the truth
THRESHOLDS = (
    0.15,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
)  # probability of "not the article"
CONTEXT = (
    *CONTEXT_NAMES,  # the appeal model's own, then the line's
    "capitals",
    "digits",
    "link cover",
    "link lead",
)
Counts = list[tuple[float, ...]]


# --- Labels and the lines' own features ---


def shingle_labels(paragraphs: Sequence[str], truth: str) -> list[float]:
    """1 (not the article), 0 (article) or nan per line, by its 4-grams' share in the truth."""
    tokens = WORD.findall(truth)
    grams = {tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)}
    lines = {" ".join(WORD.findall(line)) for line in truth.split("\n")}
    out = []
    for paragraph in paragraphs:
        words = WORD.findall(paragraph)
        if len(words) < 4:
            share = float(" ".join(words) in lines)
        else:
            share = sum(tuple(words[i : i + 4]) in grams for i in range(len(words) - 3))
            share /= len(words) - 3
        out.append(0.0 if share >= ARTICLE else 1.0 if share <= NOT else math.nan)
    return out


def segment_labels(
    paragraphs: Sequence[str], wanted: Sequence[str], unwanted: Sequence[str]
) -> list[float]:
    """1 for a line holding only `without` segments, 0 for one holding only `with` ones."""
    good = [s for s in (SPACE.sub(" ", w).strip() for w in wanted) if s]
    bad = [s for s in (SPACE.sub(" ", w).strip() for w in unwanted) if s]
    out = []
    for paragraph in paragraphs:
        line = SPACE.sub(" ", paragraph).strip()
        is_good, is_bad = any(s in line for s in good), any(s in line for s in bad)
        out.append(1.0 if is_bad and not is_good else 0.0 if is_good and not is_bad else math.nan)
    return out


def line_features(line: str, hints: PageHints) -> list[float]:
    """What a line says on its own, beside its words: length, stop, capitals, digits, links."""
    words = line.split()
    normal = " ".join(WORD.findall(line.lower()))
    size = max(len(normal), 1)
    cover = sum(len(t) for t in hints.links if len(t) >= 8 and t in normal)
    lead = max((len(t) for t in hints.links if len(t) >= 12 and normal.startswith(t)), default=0)
    return [
        math.log1p(len(words)),
        float(not line.rstrip().endswith((".", '"', "”", "!", "?", "»", ":"))),
        sum(w[:1].isupper() for w in words) / max(len(words), 1),
        sum(c.isdigit() for c in line) / max(len(line), 1),
        min(cover / size, 1.0),
        lead / size,
    ]


def context_rows(score: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Per line of one page: its text score, its neighbours', where it stands, its own features."""
    n = len(score)
    index = np.arange(n)
    padded = np.concatenate([[-np.inf] * 2, score, [-np.inf] * 2])
    near = np.max([padded[k : k + n] for k in range(5)], axis=0)
    return np.column_stack(
        [
            score,
            np.concatenate([[0.0], score[:-1]]),
            np.concatenate([score[1:], [0.0]]),
            near,
            index == 0,
            index == n - 1,
            np.minimum(index, 5) / 5,
            np.minimum(n - 1 - index, 5) / 5,
            own,
        ]
    )


# --- The data, built once before the folds run ---


@dataclass
class Lines:
    """Every line of one trafilatura setting's outputs and every corpus paragraph, featurized."""

    engine: str
    page_rows: list[np.ndarray]  # rows of each page's lines
    x: sparse.csr_matrix  # text features, lines then corpus paragraphs
    y: np.ndarray  # 1 not the article, 0 article, nan unlabelled
    own: np.ndarray  # line_features of the lines
    corpus_rows: np.ndarray
    corpus_outlets: np.ndarray  # registrable domains
    corpus_sites: np.ndarray  # hosts (an archived page's: the archived site's)


def build_lines(scorer: Scorer, engine: str) -> Lines:
    """The setting's lines with labels and features, and the corpus bodies beside them."""
    texts: list[str]
    labels: list[float]
    own: list[list[float]]
    page_rows: list[np.ndarray]
    texts, labels, own, page_rows = [], [], [], []
    for i, (paragraphs, _, _) in enumerate(scorer.matches(engine)):
        page = PAGES[i]
        page_rows.append(np.arange(len(texts), len(texts) + len(paragraphs)))
        texts += paragraphs
        if page.set == "trafilatura":
            labels += segment_labels(paragraphs, page.wanted, page.unwanted)
        else:
            labels += shingle_labels(paragraphs, page.truth)
        own += [line_features(p, scorer.hints[i]) for p in paragraphs]
    bodies = [body(p) for p in read_corpus(corpus_files())]
    corpus = [t for b in bodies for t in b.paragraphs]
    labels += [float(label != "article") for b in bodies for label in b.labels]
    ours, theirs = FEATURES.matrix(texts), FEATURES.matrix(corpus)
    ours.resize(ours.shape[0], theirs.shape[1])  # columns met in the corpus come after ours
    x = sparse.vstack([ours, theirs], format="csr")
    lines = np.arange(len(texts), len(texts) + len(corpus))
    outlets = np.array([b.outlet for b in bodies for _ in b.paragraphs])
    sites = np.array([site_of(b.url) for b in bodies for _ in b.paragraphs])
    return Lines(engine, page_rows, x, np.array(labels), np.array(own), lines, outlets, sites)


def site(page_index: int) -> str:
    """A page's host (Readability's cases: their canonical URL's), to match corpus outlets."""
    page = PAGES[page_index]
    if page.set != "readability":
        return page.group
    root = lxml.html.fromstring(page.html.encode())
    found = root.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    url = next((str(u) for u in found if str(u).startswith("http")), "")
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


# --- The model ---


@dataclass
class LineModel:
    """A text model (columns kept, weights, bias) and a context model (weights, bias)."""

    columns: np.ndarray
    text_weights: np.ndarray
    text_bias: float
    context_weights: np.ndarray
    context_bias: float

    def probabilities(self, lines: Lines, pages: Collection[int]) -> dict[int, np.ndarray]:
        """Each page's lines' probability of not being the article."""
        logits = text_logits(self.columns, self.text_weights, self.text_bias, lines, pages)
        return {i: self.context(logits[i], lines.own[lines.page_rows[i]]) for i in pages}

    def context(self, score: np.ndarray, own: np.ndarray) -> np.ndarray:
        if not len(score):  # a page trafilatura found no text on
            return np.zeros(0)
        z = context_rows(score, own) @ self.context_weights + self.context_bias
        out: np.ndarray = 1 / (1 + np.exp(-z))
        return out


def fit_text(lines: Lines, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Columns kept (seen in MIN_DF rows), weights and bias of the text regression."""
    rows = rows[~np.isnan(lines.y[rows])]
    x = lines.x[rows]
    columns = np.flatnonzero(np.bincount(x.indices, minlength=x.shape[1]) >= MIN_DF)
    model = LogisticRegression(C=C_TEXT, solver="liblinear", random_state=0, max_iter=200)
    model.fit(x[:, columns], lines.y[rows].astype(int))
    return columns, model.coef_[0], float(model.intercept_[0])


def text_logits(
    columns: np.ndarray, weights: np.ndarray, bias: float, lines: Lines, pages: Collection[int]
) -> dict[int, np.ndarray]:
    rows = np.concatenate([lines.page_rows[i] for i in pages])
    values = lines.x[rows][:, columns] @ weights + bias
    out, start = {}, 0
    for i in pages:
        out[i] = values[start : start + len(lines.page_rows[i])]
        start += len(lines.page_rows[i])
    return out


def training_rows(
    lines: Lines, pages: Collection[int], outlets: set[str], corpus: bool
) -> np.ndarray:
    """The lines of these pages, and the corpus paragraphs of outlets other than these hosts."""
    rows = [lines.page_rows[i] for i in pages]
    if corpus:  # an outlet is a registrable domain: "cnn.com" for "edition.cnn.com"
        hosts = outlets - {""}
        near = [
            o
            for o in set(lines.corpus_outlets)
            if any(h == o or h.endswith(f".{o}") for h in hosts)
        ]
        held = np.isin(lines.corpus_outlets, near) | np.isin(lines.corpus_sites, list(hosts))
        rows.append(lines.corpus_rows[~held])
    return np.concatenate(rows)


def fit_line_model(
    lines: Lines, train: list[int], held_sites: set[str], corpus: bool
) -> tuple[LineModel, dict[int, np.ndarray]]:
    """The line model on these pages, and its out-of-fold probabilities on them."""
    groups = [PAGES[i].group for i in train]
    oof: dict[int, np.ndarray] = {}
    for inner_train, inner_test in GroupKFold(INNER_FOLDS).split(train, groups=groups):
        fit_pages, test_pages = [train[j] for j in inner_train], [train[j] for j in inner_test]
        excluded = held_sites | {SITES[i] for i in test_pages}
        fitted = fit_text(lines, training_rows(lines, fit_pages, excluded, corpus))
        oof |= text_logits(*fitted, lines, test_pages)
    rows = [context_rows(oof[i], lines.own[lines.page_rows[i]]) for i in train]
    y = np.concatenate([lines.y[lines.page_rows[i]] for i in train])
    x, labelled = np.vstack(rows), ~np.isnan(y)
    context = LogisticRegression(C=C_CONTEXT, solver="liblinear", random_state=0, max_iter=500)
    context.fit(x[labelled], y[labelled].astype(int))
    text = fit_text(lines, training_rows(lines, train, held_sites, corpus))
    model = LineModel(*text, context.coef_[0], float(context.intercept_[0]))
    return model, {i: model.context(oof[i], lines.own[lines.page_rows[i]]) for i in train}


# --- Scoring a choice on some pages ---


def counts_with(
    scorer: Scorer,
    engine: str,
    pages: Collection[int],
    probs: dict[int, np.ndarray] | None,
    threshold: float | None,
    rules: frozenset[str] | None,
) -> Counts:
    """Each page's counts when the model (at this threshold) and/or these rules remove lines."""
    counts: Counts = [()] * len(PAGES)
    for i in pages:
        paragraphs, matches, _ = scorer.matches(engine)[i]
        drop = np.zeros(len(paragraphs), dtype=bool)
        if probs is not None and threshold is not None:
            drop = probs[i] >= threshold
            drop = drop & ~drop.all()  # never the whole text
        if rules is not None:
            by_rules = np.array(
                [r is not None for r in resolve_reasons(paragraphs, matches, rules)], dtype=bool
            )  # dtype: a page with no text gives an empty list
            both = drop | by_rules if len(paragraphs) else by_rules
            drop = by_rules if both.all() else both
        kept = tuple(int(j) for j in np.flatnonzero(~drop))
        key = (engine, i, kept)
        if key not in scorer.page_memo:
            text = "\n\n".join(paragraphs[j] for j in kept)
            scorer.page_memo[key] = page_counts(PAGES[i], text)
        counts[i] = scorer.page_memo[key]
    return counts


def choose_alone(
    scorer: Scorer, engine: str, probs: dict[int, np.ndarray], train: list[int]
) -> float:
    """The threshold whose removals score best on the training pages (ties: fewer removals)."""
    values = {
        t: objective(counts_with(scorer, engine, train, probs, t, None), train) for t in THRESHOLDS
    }
    return max(THRESHOLDS, key=lambda t: (values[t], t))


def choose_combined(
    scorer: Scorer, engine: str, probs: dict[int, np.ndarray], train: list[int]
) -> tuple[float | None, frozenset[str], float]:
    """Threshold (None: model off) and rules together: per threshold, drop rules while it helps."""
    best: tuple[float | None, frozenset[str], float] = (None, frozenset(), -1.0)
    for threshold in (None, *THRESHOLDS):
        rules = frozenset(RULES)
        value = objective(counts_with(scorer, engine, train, probs, threshold, rules), train)
        while rules:
            trials = {
                r: objective(
                    counts_with(scorer, engine, train, probs, threshold, rules - {r}), train
                )
                for r in sorted(rules)
            }
            worst = max(trials, key=lambda r: (trials[r], r))
            if trials[worst] <= value + 1e-9:
                break
            rules, value = rules - {worst}, trials[worst]
        if value > best[2] + 1e-9:
            best = (threshold, rules, value)
    return best


# --- One fold, in a worker ---

SCORER: list[Scorer] = []
LINES: dict[str, Lines] = {}
SITES: list[str] = []
CORPUS = [False, True]  # the variants trained without and with the appeal corpus


class FoldResult(TypedDict):
    """One fold's held-out counts per variant, and what each variant chose."""

    counts: dict[str, Counts]
    chosen: dict[str, object]


def run_fold(job: tuple[list[int], str, list[str]]) -> FoldResult:
    """Held-out counts of every variant on one fold, and what was chosen."""
    fold, engine, chosen_rules = job
    scorer, lines = SCORER[0], LINES[engine]
    everyone = set(range(len(PAGES)))
    train = sorted(everyone - set(fold))
    held_sites = {SITES[i] for i in fold} - {""}
    out: FoldResult = {"counts": {}, "chosen": {}}
    rules = frozenset(chosen_rules)
    out["counts"]["(a) rules chosen in fold"] = counts_with(scorer, engine, fold, None, None, rules)
    plain = max(BASELINES, key=lambda n: objective(scorer.counts(n), train))
    out["counts"]["(d) plain trafilatura, best setting in fold"] = scorer.counts(plain)
    out["chosen"]["(d)"] = plain
    for corpus in CORPUS:
        tag = " + appeal corpus" if corpus else ""
        model, train_probs = fit_line_model(lines, train, held_sites, corpus)
        held = model.probabilities(lines, fold)
        t = choose_alone(scorer, engine, train_probs, train)
        out["counts"][f"(b) line model alone{tag}"] = counts_with(
            scorer, engine, fold, held, t, None
        )
        t2, rules2, _ = choose_combined(scorer, engine, train_probs, train)
        out["counts"][f"(c) rules + line model{tag}"] = counts_with(
            scorer, engine, fold, held, t2, rules2
        )
        out["chosen"][f"(b){tag}"] = {"threshold": t}
        out["chosen"][f"(c){tag}"] = {"threshold": t2, "rules off": sorted(RULES - rules2)}
    return out


# --- Speed: the line model as the package would score it ---


def package_scorer(model: LineModel, lines: Lines) -> AppealModel:
    """The text model as the appeal model's scorer (same features, weights by name)."""
    names = {index: name for name, index in FEATURES.columns.items()}
    weights = {
        names[int(c)]: float(w) for c, w in zip(model.columns, model.text_weights, strict=True) if w
    }
    return AppealModel(weights, model.text_bias, (), 0.0, 1.0, 1.0, POOL)


def timing(scorer: Scorer, model: LineModel, lines: Lines, repeat: int) -> dict[str, float]:
    """Milliseconds per ScrapingHub page: the line model's scoring, and the rules' matching."""
    text = package_scorer(model, lines)
    pages = [i for i, p in enumerate(PAGES) if p.set == "scrapinghub"]
    inputs = [(scorer.matches(lines.engine)[i][0], scorer.hints[i]) for i in pages]
    check = model.probabilities(lines, pages)
    runs: dict[str, list[float]] = {"line model": [], "rules": []}
    for _ in range(repeat):
        found = []
        started = time.perf_counter()
        for paragraphs, hints in inputs:
            own = np.array([line_features(p, hints) for p in paragraphs]).reshape(-1, 6)
            found.append(model.context(np.array(text.text_scores(paragraphs)), own))
        runs["line model"].append(time.perf_counter() - started)
        assert all(np.allclose(f, check[i], atol=1e-6) for f, i in zip(found, pages, strict=True))
        started = time.perf_counter()
        for paragraphs, hints in inputs:
            resolve_reasons(paragraphs, rule_matches(paragraphs, hints))
        runs["rules"].append(time.perf_counter() - started)
    out = {
        f"ms per page, {k} (median)": 1000 * statistics.median(v) / len(pages)
        for k, v in runs.items()
    }
    out["text weights"] = int(np.count_nonzero(model.text_weights))  # as package_scorer keeps
    out["lines per page (mean)"] = statistics.fmean(len(p) for p, _ in inputs)
    return out


# --- Report ---


def decide(held: dict[str, dict[str, dict[str, object]]]) -> dict[str, object]:
    """Whether (b) or (c) beats (a): every set's mean, ScrapingHub by 0.002, no worse worst fold."""
    rules = held["(a) rules chosen in fold"]
    out: dict[str, object] = {}
    for name, per_set in held.items():
        if not name.startswith(("(b)", "(c)")):
            continue
        gain = {s: per_set[s]["mean"] - rules[s]["mean"] for s in SETS}  # type: ignore[operator]
        worst = {s: per_set[s]["worst"] - rules[s]["worst"] for s in SETS}  # type: ignore[operator]
        beats = all(g > 0 for g in gain.values()) and gain["scrapinghub"] >= 0.002
        out[name] = {
            "mean gain": gain,
            "worst-fold gain": worst,
            "beats the rules": beats and all(w >= 0 for w in worst.values()),
        }
    return out


def report(
    held: dict[str, dict[str, dict[str, object]]],
    pooled: dict[str, dict[str, dict[str, float]]],
) -> None:
    print("\nheld-out F1: mean / worst fold / pooled (P, R)")
    for name in SETS:
        print(f"\n{name}")
        for variant, per_set in held.items():
            h, p = per_set[name], pooled[variant][name]
            print(
                f"  {variant:<42} {h['mean']:.4f} / {h['worst']:.4f} / {p['f1']:.4f}"
                f" ({p['precision']:.4f}, {p['recall']:.4f})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages of each set")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (0: no timing)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--without-corpus", action="store_true", help="quicker: no corpus variants")
    args = parser.parse_args()
    if args.without_corpus:
        CORPUS.remove(True)
    if not available():
        print("skipped: the extraction sets of ../shared/eval are not available")
        return 0
    started = time.perf_counter()
    PAGES.extend(load_sets(args.limit))
    engines = {name: engine_outputs(name, None) for name in BASELINES}
    engines |= {option_name(o): engine_outputs(option_name(o), o) for o in CANDIDATES}
    scorer = Scorer(engines)
    SCORER.append(scorer)
    SITES.extend(site(i) for i in range(len(PAGES)))
    parts = folds(PAGES, args.folds)
    everyone = set(range(len(PAGES)))
    jobs = []
    for fold in parts:  # (a): benchmarks/extraction.py's choice, in the parent so workers share it
        engine, rules, _ = choose(scorer, everyone - set(fold))
        if engine not in LINES:
            LINES[engine] = build_lines(scorer, engine)
        jobs.append((fold, engine, sorted(rules)))
    print(f"{len(PAGES)} pages; (a) chosen in {time.perf_counter() - started:.0f} s", flush=True)
    with ProcessPoolExecutor(args.workers, mp_context=get_context("fork")) as pool:
        results = list(pool.map(run_fold, jobs))
    variants = list(results[0]["counts"])
    held = {
        v: summarize([scores(r["counts"][v], f) for r, f in zip(results, parts, strict=True)])
        for v in variants
    }
    pooled_counts: dict[str, Counts] = {v: [()] * len(PAGES) for v in variants}
    for r, fold in zip(results, parts, strict=True):
        for v in variants:
            for i in fold:
                pooled_counts[v][i] = r["counts"][v][i]
    pooled = {v: scores(c, everyone) for v, c in pooled_counts.items()}
    report(held, pooled)
    lines = LINES[jobs[0][1]]
    labels = lines.y[: len(lines.y) - len(lines.corpus_rows)]
    out: dict[str, object] = {
        "folds": [len(f) for f in parts],
        "engine per fold": [j[1] for j in jobs],
        "(a) rules per fold": [j[2] for j in jobs],
        "chosen": [r["chosen"] for r in results],
        "held_out": held,
        "pooled": pooled,
        "decision": decide(held),
        "labels": {
            "lines": int(len(labels)),
            "not the article": int(np.nansum(labels)),
            "article": int(np.sum(labels == 0)),
            "left out": int(np.isnan(labels).sum()),
            "corpus paragraphs": int(len(lines.corpus_rows)),
        },
    }
    print(json.dumps(out["decision"], indent=1))
    if args.repeat:
        model, _ = fit_line_model(lines, sorted(everyone), set(), False)  # trained on all pages
        speed = out["speed"] = timing(scorer, model, lines, args.repeat)
        print(json.dumps(speed, indent=1))
    out["seconds"] = time.perf_counter() - started
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
