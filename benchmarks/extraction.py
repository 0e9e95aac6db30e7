"""Article-text extraction against the ScrapingHub benchmark pages, with its own metric.

    python benchmarks/extraction.py [--json PATH] [--limit N] [--no-parallel]

Scores what `briefing extract` returns (trafilatura with our settings, then the second pass)
beside plain trafilatura with default settings, run on the same pages in the same run, and
beside the published outputs of other tools in `peers/`. Both halves of the pages are shown:
the second pass's rules were chosen on the even indices of the sorted ids, so the odd half is
held out. Speed is pages per second on one core and on every core, for both; the second pass
is timed on its own against trafilatura's time. Skips cleanly when ../shared/eval/extraction
is not there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import trafilatura

from briefing.errors import ExtractError
from briefing.extract import PageJob, extract_pages
from briefing.extract.page import Extraction, run_trafilatura, second_pass
from briefing.extract.workers import cpu_count

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "eval" / "extraction"
WORD = re.compile(r"\w+")
Pages = dict[str, tuple[str, str]]  # id -> (decoded page, url)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The benchmark's unit: a multiset of word 4-grams (a 1-3 token text is one shingle)."""
    tokens = WORD.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def score(outputs: dict[str, str], truth: dict[str, str], ids: Sequence[str]) -> dict[str, float]:
    """Mean precision over non-empty outputs, mean recall over non-empty truths, their F1."""
    precisions, recalls = [], []
    for page_id in ids:
        got, want = shingles(outputs.get(page_id, "")), shingles(truth[page_id])
        tp = sum((got & want).values())
        if got:
            precisions.append(tp / sum(got.values()))
        if want:
            recalls.append(tp / sum(want.values()))
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r), "pages": len(ids)}


def text_of(found: Extraction | str) -> str:
    """What `briefing extract` prints as the article: its paragraphs (nothing on failure)."""
    return "\n\n".join(found.paragraphs) if isinstance(found, Extraction) else ""


def briefing_one_core(pages: Pages, with_date: bool = True) -> tuple[dict[str, str], float, float]:
    """Our extraction in this process: outputs, trafilatura's seconds, the second pass's.

    `with_date=False` is the pipeline's usual case: the feed gave the date, the page is not
    searched for one.
    """
    outputs, engine, second = {}, 0.0, 0.0
    for pid, (page, url) in pages.items():
        started = time.perf_counter()
        try:
            document = run_trafilatura(page, url, with_date)
        except ExtractError:
            outputs[pid] = ""
            continue
        middle = time.perf_counter()
        try:
            outputs[pid] = text_of(second_pass(document, page, url))
        except ExtractError:
            outputs[pid] = ""
        engine += middle - started
        second += time.perf_counter() - middle
    return outputs, engine, second


def trafilatura_default(job: tuple[str, str]) -> str:
    """Plain trafilatura, default settings, on decoded text."""
    page, url = job
    return trafilatura.extract(page, url=url) or ""


def timed(run: Callable[[], dict[str, str]]) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    outputs = run()
    return outputs, time.perf_counter() - started


def all_cores(pages: Pages) -> tuple[float, float]:
    """Seconds for the whole set on every core: briefing's workers, and a pool for trafilatura."""
    jobs = [PageJob(pid, page, url) for pid, (page, url) in pages.items()]
    _, ours = timed(lambda: {k: text_of(v) for k, v in extract_pages(jobs).items()})
    with ProcessPoolExecutor(cpu_count(), mp_context=get_context("fork")) as pool:
        _, plain = timed(
            lambda: dict(zip(pages, pool.map(trafilatura_default, pages.values()), strict=True))
        )
    return ours, plain


def speeds(pages: Pages, repeat: int, parallel: bool) -> dict[str, float]:
    """Pages per second, best of `repeat` alternating runs (the cores are shared and noisy)."""
    n, runs = len(pages), []
    for _ in range(repeat):
        _, engine, second = briefing_one_core(pages)
        _, plain = timed(lambda: {pid: trafilatura_default(job) for pid, job in pages.items()})
        ours_all, plain_all = all_cores(pages) if parallel else (0.0, 0.0)
        _, dated, dated_second = briefing_one_core(pages, with_date=False)
        runs.append((engine, second, plain, ours_all, plain_all, dated + dated_second))
    engine, second = min((r[0] + r[1], r[1]) for r in runs)
    result = {
        "pages/s, one core: briefing extract": n / engine,
        "pages/s, one core: briefing extract, date from feed": n / min(r[5] for r in runs),
        "pages/s, one core: trafilatura defaults": n / min(r[2] for r in runs),
        "second pass, % of our trafilatura time": 100 * second / (engine - second),
    }
    if parallel:
        result[f"pages/s, all {cpu_count()} cores: briefing extract (workers)"] = n / min(
            r[3] for r in runs
        )
        result[f"pages/s, all {cpu_count()} cores: trafilatura defaults"] = n / min(
            r[4] for r in runs
        )
    return result


def load(limit: int) -> tuple[Pages, dict[str, str]]:
    truth_all = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth_all)[: limit or None]
    pages = {
        pid: (
            gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes()).decode(
                "utf-8", "replace"
            ),
            truth_all[pid]["url"],
        )
        for pid in ids
    }
    return pages, {pid: truth_all[pid]["articleBody"] for pid in ids}


def report(results: dict[str, dict], speed: dict[str, float]) -> None:
    print(
        f"{'extractor':<30} {'precision':>9} {'recall':>7} {'F1':>6}  {'F1 even':>7}  {'F1 odd':>6}"
    )
    for name, r in results.items():
        halves = f"{r['even']['f1']:7.3f}  {r['odd']['f1']:6.3f}" if "even" in r else ""
        print(f"{name:<30} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f}  {halves}")
    print()
    for name, value in speed.items():
        print(f"{name:<52} {value:8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--no-parallel", action="store_true", help="skip the all-cores timing")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs; the best is shown")
    args = parser.parse_args()
    if not (DATA / "ground-truth.json").exists():
        print(f"skipped: {DATA} is not available")
        return 0
    pages, truth = load(args.limit)
    ids = sorted(pages)
    halves = {"even": ids[0::2], "odd": ids[1::2]}
    ours, _, _ = briefing_one_core(pages)
    plain = {pid: trafilatura_default(job) for pid, job in pages.items()}
    results: dict[str, dict] = {}
    for name, outputs in (("briefing extract", ours), ("trafilatura 2.3 defaults", plain)):
        results[name] = score(outputs, truth, ids)
        results[name].update({h: score(outputs, truth, part) for h, part in halves.items()})
    for peer in sorted((DATA / "peers").glob("*.json")):
        data = json.loads(peer.read_text(encoding="utf-8"))
        outputs = {pid: data.get(pid, {}).get("articleBody", "") for pid in ids}
        results[f"peer: {peer.stem} (published)"] = score(outputs, truth, ids)
    speed = speeds(pages, max(1, args.repeat), not args.no_parallel)
    report(results, speed)
    if args.json:
        args.json.write_text(json.dumps({"scores": results, "speed": speed}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
