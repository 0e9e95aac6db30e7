"""Appeals removed and article words kept, on outlets the model never read.

    python benchmarks/appeals.py [--folds 5] [--outlets N] [--every N] [--json PATH]

The labelled pages of benchmarks/data/appeals/ are split into folds by outlet (GroupKFold: no
outlet is both trained on and scored). For each fold the whole training of
benchmarks/train_appeals.py runs on the other folds, and each held-out page's body (its first to
last appeal or article paragraph) is wrapped as a plain `<article><h1>…</h1><p>…</p></article>`
page and run through the real extraction: trafilatura, then the second pass three ways, in the
same run: with the fold's model, with the rules alone (no model), and plain trafilatura's text.
A paragraph reached the text when a line of it is that paragraph (`outcome`). Reported: the
share of appeal paragraphs removed and of article words kept, overall, per fold (mean and
worst), per language and per outlet (the worst listed), and which mechanism removed each appeal
paragraph: trafilatura itself, the rules, the model, or the site-repetition rule (a paragraph on
LEARN_ARTICLES of an outlet's held-out pages). Each page is run a second time as its article
text alone (`article_text`: its article and appeal paragraphs, no menu, credit or link between
them), as a feed's full content brings a report with an appeal set in it.

It also checks the ScrapingHub pages (../shared/eval/extraction, their own shingle F1) with and
without the model, each page scored by the model of the fold that held its outlet out, and
times the second pass with and without the model against trafilatura's own time on those real
pages, interleaved. And it counts what the shipped model takes from news it never read: the
reports of ../shared/eval/clustering (ECB+, one sentence a line), none of them in the corpus.
Writes benchmarks/results/appeals.json.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sklearn.model_selection import GroupKFold  # noqa: E402
from train_appeals import (  # noqa: E402
    Page,
    article_text,
    body,
    corpus_files,
    read_corpus,
    trained_model,
)

from briefing.errors import ExtractError  # noqa: E402
from briefing.extract.appeals import AppealModel, current_model, installed  # noqa: E402
from briefing.extract.articles import LEARN_ARTICLES  # noqa: E402
from briefing.extract.boilerplate import fingerprint, strip_boilerplate  # noqa: E402
from briefing.extract.page import run_trafilatura, second_pass  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
SCRAPINGHUB = SHARED / "eval" / "extraction"
NEWS = SHARED / "eval" / "clustering" / "documents.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "appeals.json"
WORD = re.compile(r"\w+")
INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")  # trafilatura drops some of them
WAYS = ("model", "rules", "trafilatura")
TEXT_ONLY = ", article text only"  # the same ways on each page's `article_text`
# Every way reported: the three, the site-repetition rule after two of them, and the article texts.
REPORTED = (
    *WAYS,
    "model + site repetition",
    "rules + site repetition",
    *(way + TEXT_ONLY for way in WAYS),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One held-out page, one way: per labelled paragraph, whether it reached the text and why
    not (the mechanism), and the words of its article paragraphs kept."""

    page: Page
    way: str
    kept: tuple[bool, ...]
    why: tuple[str, ...]
    loose: tuple[bool, ...]  # by the older test: its words anywhere in the text


def wrap(page: Page) -> str:
    """The page's body as a plain article page, as a feed's full content reaches us."""
    title = " ".join(WORD.findall(page.url.rstrip("/").rsplit("/", 1)[-1]))[:80] or page.outlet
    paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in page.paragraphs)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body><article>"
        f"<h1>{html.escape(title)}</h1>\n{paragraphs}</article></body></html>"
    )


def normal(text: str) -> str:
    """The words of a text, composed (NFC) as the extracted text is; a soft hyphen or a
    zero-width space inside a word splits none."""
    return " ".join(WORD.findall(unicodedata.normalize("NFC", INVISIBLE.sub("", text)).lower()))


def run_page(page: Page, model: AppealModel) -> dict[str, tuple[list[str], list[tuple[str, str]]]]:
    """Each way's (text paragraphs, removed with reasons) for one wrapped page."""
    source = wrap(page)
    try:
        document = run_trafilatura(source, page.url, with_date=False)
    except ExtractError:
        return {way: ([], []) for way in WAYS}
    plain = [line for line in str(document.text).split("\n") if line.strip()]
    found: dict[str, tuple[list[str], list[tuple[str, str]]]] = {"trafilatura": (plain, [])}
    for way, used in (("model", model), ("rules", None)):
        with installed(used):
            try:
                extraction = second_pass(document, source, page.url)
                found[way] = (list(extraction.paragraphs), list(extraction.removed))
            except ExtractError:
                found[way] = ([], [])
    return found


def outcome(
    page: Page, way: str, text: Sequence[str], removed: Sequence[tuple[str, str]]
) -> Outcome:
    """Which labelled paragraphs reached the text, and what took each one that did not.

    A paragraph reached it when a line of the text is that paragraph, or when it stands, whole
    words, inside a line that is no labelled paragraph (trafilatura joined it to another).
    `loose` is the older test, the words anywhere in the text: a removed "Newsletter" counted
    as kept when a sentence of the report said "newsletter" (figures give both)."""
    lines = {normal(p) for p in text}
    labelled = {normal(p) for p in page.paragraphs}
    joined = " \n ".join(f" {line} " for line in lines - labelled)
    anywhere = " \n ".join(normal(p) for p in text)
    reasons = {normal(p): r for p, r in removed}
    kept, why, loose = [], [], []
    for paragraph in page.paragraphs:
        words = normal(paragraph)
        there = bool(words) and (words in lines or f" {words} " in joined)
        kept.append(there)
        loose.append(bool(words) and words in anywhere)
        why.append("" if there else _mechanism(words, reasons))
    return Outcome(page, way, tuple(kept), tuple(why), tuple(loose))


def _mechanism(words: str, reasons: dict[str, str]) -> str:
    reason = reasons.get(words) or next((r for p, r in reasons.items() if words and words in p), "")
    if not reason:
        return "trafilatura"
    if reason.startswith("appeal (model"):
        return "model"
    return "site repetition" if reason == "repeated on this site" else "rules"


def with_site_repetition(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Each outlet's kept paragraphs found on LEARN_ARTICLES of its pages go, as a run learns."""
    counts: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        counts.update(
            {
                (o.page.outlet, fingerprint(p))
                for p, k in zip(o.page.paragraphs, o.kept, strict=True)
                if k
            }
        )
    revised = []
    for o in outcomes:
        repeated = [
            k and counts[(o.page.outlet, fingerprint(p))] >= LEARN_ARTICLES
            for p, k in zip(o.page.paragraphs, o.kept, strict=True)
        ]
        if any(repeated) and not all(r or not k for r, k in zip(repeated, o.kept, strict=True)):
            kept = tuple(k and not r for k, r in zip(o.kept, repeated, strict=True))
            why = tuple("site repetition" if r else w for r, w in zip(repeated, o.why, strict=True))
            loose = tuple(k and not r for k, r in zip(o.loose, repeated, strict=True))
            o = Outcome(o.page, o.way, kept, why, loose)
        revised.append(o)
    return revised


def figures(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Share of appeal paragraphs removed and of article words kept, and the counts."""
    appeals = removed = loosely = words = kept_words = 0
    for o in outcomes:
        for text, label, kept, loose in zip(
            o.page.paragraphs, o.page.labels, o.kept, o.loose, strict=True
        ):
            if label == "appeal":
                appeals += 1
                removed += not kept
                loosely += not loose
            elif label == "article":
                n = len(WORD.findall(text))
                words += n
                kept_words += n if kept else 0
    return {
        "appeals_removed": round(removed / appeals, 4) if appeals else float("nan"),
        "article_words_kept": round(kept_words / words, 4) if words else float("nan"),
        "appeals_removed_loose": round(loosely / appeals, 4) if appeals else float("nan"),
        "appeal_paragraphs": appeals,
        "article_words": words,
    }


def mechanisms(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """How many appeal paragraphs (and article paragraphs) each mechanism took."""
    taken: Counter[str] = Counter()
    for o in outcomes:
        for label, why in zip(o.page.labels, o.why, strict=True):
            if why and label in ("appeal", "article"):
                taken[f"{label}: {why}"] += 1
    return dict(sorted(taken.items()))


def cross_validate(
    pages: Sequence[Page], folds: int
) -> tuple[list[Outcome], dict[str, AppealModel], list[int]]:
    """Every held-out page run every way; the model that held each outlet out; page folds."""
    groups = [p.outlet for p in pages]
    outcomes: list[Outcome] = []
    by_outlet: dict[str, AppealModel] = {}
    fold_of = [0] * len(pages)
    for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(pages, groups=groups)):
        started = time.perf_counter()
        model = trained_model([pages[i] for i in train])
        for i in test:
            fold_of[i] = k
            by_outlet[pages[i].outlet] = model
            bodied = body(pages[i])
            for way, (text, removed) in run_page(bodied, model).items():
                outcomes.append(outcome(bodied, way, text, removed))
            bare = article_text(bodied)
            for way, (text, removed) in run_page(bare, model).items():
                outcomes.append(outcome(bare, way + TEXT_ONLY, text, removed))
        print(
            f"fold {k + 1}/{folds}: {len(test)} pages, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return outcomes, by_outlet, fold_of


def summary(outcomes: Sequence[Outcome], fold_of: dict[str, int], folds: int) -> dict[str, object]:
    """Overall, per fold, per language and per outlet, for each way."""
    result: dict[str, object] = {}
    for way in REPORTED:
        base = way.split(" + ")[0]
        chosen = [o for o in outcomes if o.way == base]
        if way.endswith("site repetition"):
            chosen = with_site_repetition(chosen)
        per_fold = [figures([o for o in chosen if fold_of[o.page.url] == k]) for k in range(folds)]
        per_outlet = _grouped(chosen, lambda o: o.page.outlet)
        result[way] = {
            "overall": figures(chosen),
            "folds": _spread(per_fold),
            "languages": _grouped(chosen, lambda o: o.page.language or "?"),
            "worst_outlets": _worst(per_outlet),
            "mechanisms": mechanisms(chosen),
        }
    return result


def _grouped(
    outcomes: Sequence[Outcome], key: Callable[[Outcome], str]
) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    return {k: figures(v) for k, v in sorted(groups.items())}


def _spread(per_fold: Sequence[dict[str, float]]) -> dict[str, float]:
    out = {}
    for name in ("appeals_removed", "article_words_kept"):
        values = [f[name] for f in per_fold if f[name] == f[name]]
        out[f"{name}_mean"] = round(statistics.fmean(values), 4) if values else float("nan")
        out[f"{name}_worst"] = min(values) if values else float("nan")
    return out


def _worst(
    per_outlet: dict[str, dict[str, float]], n: int = 10
) -> dict[str, list[tuple[float, str, float]]]:
    with_appeals = [
        (f["appeals_removed"], o, f["appeal_paragraphs"])
        for o, f in per_outlet.items()
        if f["appeal_paragraphs"]
    ]
    with_words = [
        (f["article_words_kept"], o, f["article_words"])
        for o, f in per_outlet.items()
        if f["article_words"]
    ]
    return {
        "appeals_removed": sorted(with_appeals)[:n],
        "article_words_kept": sorted(with_words)[:n],
    }


# --- the ScrapingHub pages: quality with and without the model, and its cost ------------------


def shingle_f1(outputs: dict[str, str], truth: dict[str, str]) -> float:
    """The ScrapingHub benchmark's F1 over word 4-gram shingles (see ../shared/eval/README.md)."""
    precisions, recalls = [], []
    for key, want_text in truth.items():
        got, want = _shingles(outputs.get(key, "")), _shingles(want_text)
        tp = sum((got & want).values())
        if got:
            precisions.append(tp / sum(got.values()))
        if want:
            recalls.append(tp / sum(want.values()))
    p, r = statistics.fmean(precisions), statistics.fmean(recalls)
    return round(2 * p * r / (p + r), 4)


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = WORD.findall(text)
    if len(tokens) < n:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def scrapinghub(
    by_outlet: dict[str, AppealModel], shipped: AppealModel | None
) -> dict[str, object]:
    """F1 with and without the model, the lines the model took, and the second pass's time."""
    if not SCRAPINGHUB.exists():
        return {"skipped": "no ../shared/eval/extraction"}
    truth_raw = json.loads((SCRAPINGHUB / "ground-truth.json").read_text(encoding="utf-8"))
    truth: dict[str, str]
    outputs: dict[str, dict[str, str]]
    truth, outputs = {}, {"model": {}, "rules": {}}
    times: dict[str, list[float]] = {"trafilatura": [], "model": [], "rules": []}
    for key in sorted(truth_raw):
        url = truth_raw[key]["url"]
        with gzip.open(SCRAPINGHUB / "html" / f"{key}.html.gz", "rt", errors="replace") as f:
            page = f.read()
        truth[key] = truth_raw[key]["articleBody"]
        model = by_outlet.get(_outlet(url), shipped)
        try:
            started = time.perf_counter()
            document = run_trafilatura(page, url)
            times["trafilatura"].append(time.perf_counter() - started)
        except ExtractError:
            continue
        for way, used in (
            (("rules", None), ("model", model))
            if len(truth) % 2
            else (("model", model), ("rules", None))
        ):
            with installed(used):
                started = time.perf_counter()
                try:
                    outputs[way][key] = "\n".join(second_pass(document, page, url).paragraphs)
                except ExtractError:
                    outputs[way][key] = ""
                times[way].append(time.perf_counter() - started)
    added = [m - r for m, r in zip(times["model"], times["rules"], strict=True)]
    whole = [t + r for t, r in zip(times["trafilatura"], times["rules"], strict=True)]
    return {
        "pages": len(truth),
        "f1_with_model": shingle_f1(outputs["model"], truth),
        "f1_rules_only": shingle_f1(outputs["rules"], truth),
        "median_ms": {k: round(1000 * statistics.median(v), 2) for k, v in times.items()},
        "added_time_share": round(
            statistics.median(a / w for a, w in zip(added, whole, strict=True)), 4
        ),
        "added_time_share_of_total": round(sum(added) / sum(whole), 4),
        "taken_by_model": {  # per page the model changed: the lines it took
            truth_raw[key]["url"]: sorted(
                set(outputs["rules"][key].split("\n")) - set(outputs["model"][key].split("\n"))
            )
            for key in sorted(outputs["model"])
            if outputs["model"][key] != outputs["rules"][key]
        },
    }


def _outlet(url: str) -> str:
    host = url.split("//", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.")


# --- news the model never read: what it takes from real reports --------------------------------


def unseen_news(model: AppealModel | None) -> dict[str, object] | None:
    """Article words the model takes from ECB+'s reports (every line is the article's)."""
    if model is None or not NEWS.exists():
        return None
    reports = sentences = words = lost = 0
    taken: list[tuple[float, str]] = []
    with NEWS.open(encoding="utf-8") as stream, installed(model):
        for record in stream:
            lines = [s for s in json.loads(record)["text"].splitlines() if s.strip()]
            reports += 1
            sentences += len(lines)
            words += sum(len(s.split()) for s in lines)
            for text, reason in strip_boilerplate(lines)[1]:
                if reason.startswith("appeal (model"):
                    lost += len(text.split())
                    taken.append((float(reason.split()[-1].rstrip(")")), text))
    return {
        "reports": reports,
        "sentences": sentences,
        "article_words": words,
        "article_words_kept": round(1 - lost / words, 5),
        "sentences_taken": len(taken),
        "taken": [{"score": s, "text": t} for s, t in sorted(taken, reverse=True)],
    }


def report(result: dict[str, object]) -> None:
    """The figures, briefly."""
    print(json.dumps(result["corpus"]))
    for way in REPORTED:
        r = result["ways"][way]  # type: ignore[index]
        o, f = r["overall"], r["folds"]
        print(
            f"{way:36} appeals removed {o['appeals_removed']:.3f}"
            f" (folds mean {f['appeals_removed_mean']:.3f}, worst {f['appeals_removed_worst']:.3f})"
            f"  article words kept {o['article_words_kept']:.4f}"
            f" (mean {f['article_words_kept_mean']:.4f}, worst {f['article_words_kept_worst']:.4f})"
            f"  older test {o['appeals_removed_loose']:.3f}"
        )
    model = result["ways"]["model + site repetition"]  # type: ignore[index]
    print("per language (model):", json.dumps(model["languages"]))
    print("worst outlets (model):", json.dumps(model["worst_outlets"]))
    print("mechanisms (model + site repetition):", json.dumps(model["mechanisms"]))
    print("ScrapingHub:", json.dumps(result["scrapinghub"], ensure_ascii=False))
    news = result["unseen_news"]
    if isinstance(news, dict):
        print(
            f"unseen news: article words kept {news['article_words_kept']:.5f},"
            f" {news['sentences_taken']} sentence(s) taken"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--outlets", type=int, default=0, help="only the first N outlets")
    parser.add_argument("--every", type=int, default=1, help="only every Nth outlet, by name")
    parser.add_argument("--offset", type=int, default=0, help="with --every: start here")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    pages = read_corpus(corpus_files())
    if args.outlets:
        keep = set(sorted({p.outlet for p in pages})[: args.outlets])
        pages = [p for p in pages if p.outlet in keep]
    if args.every > 1:
        keep = set(sorted({p.outlet for p in pages})[args.offset :: args.every])
        pages = [p for p in pages if p.outlet in keep]
    if not pages:
        print("no corpus in benchmarks/data/appeals: skipped")
        return 0
    outcomes, by_outlet, fold_of = cross_validate(pages, args.folds)
    labels = Counter(label for p in pages for label in p.labels)
    result = {
        "corpus": {"pages": len(pages), "outlets": len({p.outlet for p in pages}), **labels},
        "folds": args.folds,
        "outlets_taken": {"every": args.every, "offset": args.offset},
        "ways": summary(
            outcomes, {p.url: k for p, k in zip(pages, fold_of, strict=True)}, args.folds
        ),
        "scrapinghub": scrapinghub(by_outlet, current_model()),
        "unseen_news": unseen_news(current_model()),
    }
    report(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
