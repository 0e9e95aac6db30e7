"""Article-text extraction on three evaluation sets, settings and rules chosen by cross-validation.

    python benchmarks/extraction.py [--folds K] [--limit N] [--repeat R] [--json PATH]
                                    [--appeal-model]

The sets (ScrapingHub's, trafilatura's own, Readability's; see extraction_sets.py) are split into K
folds grouped by site. Within each fold's training pages the script chooses trafilatura's options
(tables, favor_precision or favor_recall, fast, hidden elements dropped or not, an article split
into chunks joined or not, links grouped inside a paragraph dropped or not, other posts' articles
set inside the page's dropped or not) and the second pass's
rules (greedy backward elimination from all of them, for each option set), maximizing the mean of
the three sets' F1; the choice is scored on the held-out fold. With --appeal-model the learned
appeal model is one more mechanism the folds may keep or drop. Beside it, on the same folds, plain
trafilatura at its default, with `include_comments=False`, with `favor_precision=True` and with
`favor_recall=True`. trafilatura's outputs are cached per setting under /tmp (or
$BRIEFING_EXTRACTION_CACHE), so only the first run is slow; the cache is keyed by trafilatura's
version and the setting's name, so delete it after changing how a page is read (extract/page.py's
run_trafilatura, extract/tables.py).

Speed: on the ScrapingHub pages, the second pass's time against our trafilatura call's, and
pages per second against plain trafilatura, interleaved runs, medians. Writes
benchmarks/results/extraction.json (extraction_with_appeal_model.json with --appeal-model).
Skips cleanly when the sets are not there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import trafilatura
from lxml.html import HtmlElement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_sets import (  # noqa: E402
    EVAL,
    SETS,
    Page,
    available,
    folds,
    load_sets,
    page_counts,
    set_score,
)
from record import machine  # noqa: E402

from briefing.errors import ExtractError  # noqa: E402
from briefing.extract.appeals import appeal_reasons, current_model, installed  # noqa: E402
from briefing.extract.boilerplate import (  # noqa: E402
    RULES,
    clean_lines,
    page_hints,
    resolve_reasons,
    rule_matches,
)
from briefing.extract.page import (  # noqa: E402
    OPTIONS,
    Options,
    drop_hidden,
    drop_link_boxes,
    other_posts,
    parse_page,
    run_trafilatura,
    second_pass,
)
from briefing.extract.tables import unwrap_layout_tables  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "extraction.json"
WITH_MODEL = RESULTS.with_name("extraction_with_appeal_model.json")
CACHE = Path(os.environ.get("BRIEFING_EXTRACTION_CACHE", "/tmp/briefing-extraction-cache"))
BASELINES: dict[str, dict[str, Any]] = {
    "trafilatura defaults": {},
    "trafilatura include_comments=False": {"include_comments": False},
    "trafilatura favor_precision=True": {"favor_precision": True},
    "trafilatura favor_recall=True": {"favor_recall": True},
}
TABLES: tuple[Literal["data", "all", "none"], ...] = ("data", "all", "none")
EARLIER = Options(link_boxes=False, other_posts=False)  # without the steps added since
CANDIDATES = (
    [
        replace(EARLIER, tables=t, precision=p, fast=f, hidden=True, chunks=False)
        for t, p, f in itertools.product(TABLES, (False, True), (True, False))
    ]
    + [
        replace(EARLIER, tables="data", recall=recall, fast=f, hidden=recall, chunks=c)
        for recall, f, c in itertools.product((True, False), (True, False), (False, True))
        if not c or (not recall and not f)  # split chunks joined: on the best setting before it
    ]
    + [  # links grouped inside a paragraph dropped: on the best settings before it
        replace(EARLIER, tables="data", chunks=c, link_boxes=True) for c in (False, True)
    ]
    + [  # other posts' articles dropped: on the best settings before it
        Options(tables="data", chunks=c, link_boxes=b, other_posts=True)
        for c, b in itertools.product((False, True), (False, True))
    ]
)
CHUNKS = "split chunks joined"  # extract/chunks.py
LINK_BOXES = "link boxes dropped"  # extract/page.py's drop_link_boxes
OTHER_POSTS = "other posts dropped"  # extract/page.py's other_posts
# Each fold's choice with one option flipped: what the option did where the folds' choice of it
# rests on too few pages to learn from.
SWITCHED = {
    "chunks": "briefing extract, split chunks switched",
    "link_boxes": "briefing extract, link boxes switched",
    "other_posts": "briefing extract, other posts switched",
}
MODEL = "appeal model"  # the learned appeal model's removals (extract/appeals.py)
MECHANISMS = set(RULES)  # with MODEL too under --appeal-model
Counts = list[tuple[float, ...]]
Matched = tuple[list[str], list[set[str]], list[str | None]]  # paragraphs, rules, model
PAGES: list[Page] = []  # set before the pool forks, so workers share it


def option_name(options: Options) -> str:
    """A name for our call of trafilatura with these options (comments are always off)."""
    on = ["favor_precision"] * options.precision + ["favor_recall"] * options.recall
    on += ["fast"] * options.fast + ["hidden dropped"] * (not options.hidden)
    on += [CHUNKS] * options.chunks + [LINK_BOXES] * options.link_boxes
    on += [OTHER_POSTS] * options.other_posts
    return ", ".join([f"ours: tables {options.tables}", *on])


# --- trafilatura's outputs, cached per setting ---


def _ours(job: tuple[Options, int]) -> tuple[str, str]:
    options, i = job
    page = PAGES[i]
    try:
        document = run_trafilatura(page.html, page.url, with_date=False, options=options)
    except ExtractError:
        return "", ""
    return str(document.text or ""), str(document.title or "")


def _plain(job: tuple[str, int]) -> tuple[str, str]:
    name, i = job
    page = PAGES[i]
    return trafilatura.extract(page.html, url=page.url or None, **BASELINES[name]) or "", ""


def engine_outputs(name: str, options: Options | None) -> list[tuple[str, str]]:
    """(text, title) per page for one setting, from the cache or computed on every core."""
    path = CACHE / trafilatura.__version__ / f"{name}.json"
    cached = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    missing = [i for i, p in enumerate(PAGES) if p.key not in cached]
    if missing:
        print(f"  running {name} on {len(missing)} pages", flush=True)
        worker: Callable[..., tuple[str, str]] = _ours if options else _plain
        jobs = [(options or name, i) for i in missing]
        with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
            for i, found in zip(missing, pool.map(worker, jobs, chunksize=8), strict=True):
                cached[PAGES[i].key] = found
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cached), encoding="utf-8")
    return [tuple(cached[p.key]) for p in PAGES]


# --- The second pass on cached outputs ---


class Scorer:
    """Per-page counts of each configuration, summed over any fold.

    Each setting's paragraphs are matched against every rule once; a set of rules only resolves
    those matches, and a page's counts are computed once for each distinct text it gives.
    """

    def __init__(self, engines: dict[str, list[tuple[str, str]]]) -> None:
        self.engines = engines
        self.hints = [page_hints(p.html) for p in PAGES]
        self.matched: dict[str, list[Matched]] = {}
        self.page_memo: dict[tuple[str, int, tuple[int, ...]], tuple[float, ...]] = {}
        self.memo: dict[tuple[str, frozenset[str]], Counts] = {}

    def counts(self, engine: str, rules: frozenset[str] | None = None) -> Counts:
        """Each page's counts for trafilatura's setting `engine` then (unless None) our rules."""
        key = (engine, rules if rules is not None else frozenset({"-"}))
        if key not in self.memo:
            if rules is None:
                texts = (text for text, _ in self.engines[engine])
                self.memo[key] = [page_counts(p, t) for p, t in zip(PAGES, texts, strict=True)]
            else:
                self.memo[key] = [self._page(engine, i, rules) for i in range(len(PAGES))]
        return self.memo[key]

    def _page(self, engine: str, i: int, rules: frozenset[str]) -> tuple[float, ...]:
        paragraphs, matches, model = self.matches(engine)[i]
        reasons = resolve_reasons(paragraphs, matches, rules)
        if MODEL in rules:  # as strip_boilerplate adds them: where no rule gave a reason
            reasons = [r or a for r, a in zip(reasons, model, strict=True)]
        kept = tuple(j for j, r in enumerate(reasons) if r is None)
        key = (engine, i, kept)
        if key not in self.page_memo:
            text = "\n\n".join(paragraphs[j] for j in kept)
            self.page_memo[key] = page_counts(PAGES[i], text)
        return self.page_memo[key]

    def matches(self, engine: str) -> list[Matched]:
        """Every page's paragraphs under this setting, the rules each matches, the model's say."""
        if engine not in self.matched:
            found = []
            for i, (text, _) in enumerate(self.engines[engine]):
                paragraphs = clean_lines(text.split("\n")) if text else []
                model = appeal_reasons(paragraphs) if MODEL in MECHANISMS else []
                found.append((paragraphs, rule_matches(paragraphs, self.hints[i]), model))
            self.matched[engine] = found
        return self.matched[engine]


def scores(counts: Counts, indices: Collection[int]) -> dict[str, dict[str, float]]:
    """Each set's precision, recall and F1 over these pages."""
    return {
        name: set_score(name, [counts[i] for i in indices if PAGES[i].set == name]) for name in SETS
    }


def objective(counts: Counts, indices: Collection[int]) -> float:
    """The mean of the three sets' F1: no set counts more for having more pages."""
    return statistics.fmean(s["f1"] for s in scores(counts, indices).values())


def choose(scorer: Scorer, train: Collection[int]) -> tuple[str, frozenset[str], float]:
    """The best options and rules on these pages: per option set, drop rules while it helps."""
    best = ("", frozenset[str](), -1.0)
    for options in CANDIDATES:
        engine, rules = option_name(options), frozenset(MECHANISMS)
        value = objective(scorer.counts(engine, rules), train)
        while rules:
            trials = {r: objective(scorer.counts(engine, rules - {r}), train) for r in rules}
            worst = max(trials, key=lambda r: (trials[r], r))
            if trials[worst] <= value + 1e-9:
                break
            rules, value = rules - {worst}, trials[worst]
        if value > best[2]:
            best = (engine, rules, value)
    return best


# --- Cross-validation ---


def cross_validate(scorer: Scorer, k: int) -> dict[str, object]:
    """Choose on each fold's training pages, score on its held-out pages; baselines alike."""
    parts = folds(PAGES, k)
    everyone = set(range(len(PAGES)))
    held: dict[str, list[dict[str, dict[str, float]]]] = {"briefing extract": []}
    pooled: dict[str, Counts] = {"briefing extract": [()] * len(PAGES)}
    chosen: list[dict[str, Any]] = []
    ablation: dict[str, list[float]] = {r: [] for r in sorted(MECHANISMS)}
    for fold in parts:
        engine, rules, _ = choose(scorer, everyone - set(fold))
        chosen.append({"options": engine, "rules": sorted(rules)})
        ours = scorer.counts(engine, rules)
        held["briefing extract"].append(scores(ours, fold))
        for i in fold:
            pooled["briefing extract"][i] = ours[i]
        for r in MECHANISMS:  # what switching this rule alone would have done to the held-out fold
            other = scorer.counts(engine, rules ^ {r})
            ablation[r].append(objective(ours, fold) - objective(other, fold))
        for flag, name in SWITCHED.items():
            twin = _switched(engine, flag)
            twin = twin if twin in scorer.engines else engine  # no such candidate: no switch
            held.setdefault(name, []).append(scores(scorer.counts(twin, rules), fold))
        for name in BASELINES:
            held.setdefault(name, []).append(scores(scorer.counts(name), fold))
    for name in BASELINES:
        pooled[name] = scorer.counts(name)
    return {
        "folds": [len(f) for f in parts],
        "chosen": chosen,
        "held_out": {n: summarize(folds_) for n, folds_ in held.items()},
        "pooled": {n: scores(c, everyone) for n, c in pooled.items()},
        "rule_gain_held_out": {r: statistics.fmean(v) for r, v in ablation.items()},
        "rule_kept_in_folds": {r: sum(r in c["rules"] for c in chosen) for r in sorted(MECHANISMS)},
    }


def _switched(engine: str, flag: str) -> str:
    """The name of the same options as `engine`'s with one boolean option flipped."""
    options = next(o for o in CANDIDATES if option_name(o) == engine)
    flipped: dict[str, Any] = {flag: not getattr(options, flag)}
    return option_name(replace(options, **flipped))


def summarize(per_fold: Sequence[dict[str, dict[str, float]]]) -> dict[str, dict[str, object]]:
    """Per set: F1 of each held-out fold, their mean and the worst."""
    out: dict[str, dict[str, object]] = {}
    for name in SETS:
        f1s = [f[name]["f1"] for f in per_fold]
        out[name] = {"mean": statistics.fmean(f1s), "worst": min(f1s), "folds": f1s}
    return out


# --- Speed ---


def timing(pages: Sequence[Page], repeat: int) -> dict[str, float]:
    """Interleaved runs on one core: our trafilatura call and the second pass (with the appeal
    model and without), plain trafilatura, and the steps on the tree before trafilatura reads it."""
    runs: dict[str, list[float]] = {}
    one_run(pages[:20])  # warm up: imports, compiled patterns, caches
    for n in range(repeat):
        if n % 2:  # which goes first alternates, so neither always runs on a warmer cache
            with installed(None):
                engine_bare, second_bare = one_run(pages)
        engine, second = one_run(pages)
        if not n % 2:
            with installed(None):
                engine_bare, second_bare = one_run(pages)
        started = time.perf_counter()
        for page in pages:
            trafilatura.extract(page.html, url=page.url)
        plain = time.perf_counter() - started
        for name, value in (
            ("second pass, % of our trafilatura time", 100 * second / engine),
            ("the same without the appeal model", 100 * second_bare / engine_bare),
            (
                "layout tables unwrapped, % of our trafilatura time",
                100 * unwrapping(pages, lambda tree, _: unwrap_layout_tables(tree)) / engine,
            ),
            (
                "hidden elements dropped, % of our trafilatura time",
                100 * unwrapping(pages, lambda tree, _: drop_hidden(tree)) / engine,
            ),
            (
                "link boxes dropped, % of our trafilatura time",
                100 * unwrapping(pages, lambda tree, _: drop_link_boxes(tree)) / engine,
            ),
            (  # found, not removed: there are none on most pages
                "other posts found, % of our trafilatura time",
                100 * unwrapping(pages, other_posts) / engine,
            ),
            ("pages/s, one core: briefing extract, date from feed", len(pages) / (engine + second)),
            ("pages/s, one core: trafilatura defaults", len(pages) / plain),
        ):
            runs.setdefault(name, []).append(value)
    out = {f"{name} (median)": statistics.median(v) for name, v in runs.items()}
    out["second pass, % (worst run)"] = max(runs["second pass, % of our trafilatura time"])
    return out


def one_run(pages: Sequence[Page]) -> tuple[float, float]:
    """Seconds in our trafilatura call and in the second pass, over the pages."""
    engine = second = 0.0
    for page in pages:
        started = time.perf_counter()
        try:
            document = run_trafilatura(page.html, page.url, with_date=False)
            middle = time.perf_counter()
            second_pass(document, page.html, page.url)
        except ExtractError:
            continue
        engine += middle - started
        second += time.perf_counter() - middle
    return engine, second


def unwrapping(pages: Sequence[Page], step: Callable[[HtmlElement, str], object]) -> float:
    """Seconds one step on the parsed tree takes, inside our trafilatura call (tables, hidden,
    other posts, link boxes), given the tree and the page's URL."""
    trees = [(parse_page(page.html), page.url) for page in pages]
    started = time.perf_counter()
    for tree, url in trees:
        if tree is not None:
            step(tree, url)
    return time.perf_counter() - started


# --- Report ---


def report(cv: dict[str, object], final: tuple[str, frozenset[str], float]) -> None:
    held = cv["held_out"]
    pooled = cv["pooled"]
    assert isinstance(held, dict) and isinstance(pooled, dict)
    print(f"\nheld-out folds {cv['folds']}: F1 mean / worst fold / pooled (P, R)")
    for name in SETS:
        print(f"\n{name}")
        for extractor, per_set in held.items():
            h, p = per_set[name], pooled.get(extractor, {}).get(name)
            whole = f" / {p['f1']:.3f} ({p['precision']:.3f}, {p['recall']:.3f})" if p else ""
            print(f"  {extractor:<38} {h['mean']:.4f} / {h['worst']:.4f}{whole}")
    print("\nchosen per fold:")
    for c in cv["chosen"]:  # type: ignore[attr-defined]
        print(f"  {c['options']}; rules off: {sorted(MECHANISMS - set(c['rules']))}")
    print("\nrule: folds keeping it, held-out gain of its choice (objective)")
    gains = cv["rule_gain_held_out"]
    for rule, kept in cv["rule_kept_in_folds"].items():  # type: ignore[attr-defined]
        print(f"  {rule:<16} {kept}  {gains[rule]:+.4f}")  # type: ignore[index]
    print(f"\non all pages: {final[0]}; rules off: {sorted(MECHANISMS - final[1])}")


def peers() -> dict[str, dict[str, float]]:
    """The published outputs of other tools on the ScrapingHub pages, scored alike."""
    pages = [i for i, p in enumerate(PAGES) if p.set == "scrapinghub"]
    out = {}
    for path in sorted((EVAL / "extraction" / "peers").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        counts = [
            page_counts(PAGES[i], data.get(PAGES[i].id, {}).get("articleBody", "")) for i in pages
        ]
        out[path.stem] = set_score("scrapinghub", counts)
        print(f"  peer {path.stem:<14} F1 {out[path.stem]['f1']:.3f}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages of each set")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (0: no timing)")
    parser.add_argument("--json", type=Path, help=f"default {RESULTS.name}, or {WITH_MODEL.name}")
    parser.add_argument(
        "--appeal-model",
        action="store_true",
        help="the shipped appeal model as one more mechanism the folds may keep or drop",
    )
    args = parser.parse_args()
    if args.appeal_model and current_model():
        MECHANISMS.add(MODEL)
    output = args.json or (WITH_MODEL if MODEL in MECHANISMS else RESULTS)
    if not available():
        print("skipped: the extraction sets of ../shared/eval are not available")
        return 0
    PAGES.extend(load_sets(args.limit))
    print(f"{len(PAGES)} pages; {option_name(OPTIONS)} and rules {sorted(RULES)} shipped")
    # Timed first, in a process that holds only the pages, as a worker does: once the
    # cross-validation's outputs fill its memory, trafilatura runs about 1.6 times as slow there
    # and the second pass's share looks smaller than it is.
    machine_then = machine()
    speed = timing([p for p in PAGES if p.set == "scrapinghub"], args.repeat) if args.repeat else {}
    engines = {name: engine_outputs(name, None) for name in BASELINES}
    engines |= {option_name(o): engine_outputs(option_name(o), o) for o in CANDIDATES}
    scorer = Scorer(engines)
    cv = cross_validate(scorer, args.folds)
    final = choose(scorer, range(len(PAGES)))
    report(cv, final)
    shipped = option_name(OPTIONS), frozenset(MECHANISMS)
    cv["shipped"] = {"options": shipped[0], "rules": sorted(shipped[1])}
    cv["chosen_on_all_pages"] = {"options": final[0], "rules": sorted(final[1])}
    if shipped != final[:2]:
        print("note: the shipped configuration is not the one chosen on all pages")
    cv["peers on scrapinghub (published outputs)"] = peers()
    if speed:
        cv["machine"] = machine_then  # timings are one core's: the load says what else ran
        cv["speed"] = speed
        for name, value in speed.items():
            print(f"{name:<64} {value:8.2f}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(cv, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
