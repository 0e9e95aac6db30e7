"""Article-text extraction against the ScrapingHub benchmark pages, with its own metric.

    python benchmarks/eval_extraction.py [--json PATH] [--limit N]

Compares briefing's `extract_page` (trafilatura plus the boilerplate pass) with trafilatura's
defaults on the same pages, and prints the published peer scores from the same files.
Skips cleanly when ../shared/eval/extraction is not there.
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
from collections.abc import Callable
from pathlib import Path

import trafilatura

from briefing.errors import ExtractError
from briefing.extract import extract_page

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "eval" / "extraction"
WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The benchmark's unit: a multiset of word 4-grams (a 1-3 token text is one shingle)."""
    tokens = WORD.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def score(outputs: dict[str, str], truth: dict[str, str]) -> dict[str, float]:
    """Mean precision over non-empty outputs, mean recall over non-empty truths, their F1."""
    precisions, recalls = [], []
    for page_id, expected in truth.items():
        got, want = shingles(outputs.get(page_id, "")), shingles(expected)
        tp = sum((got & want).values())
        if got:
            precisions.append(tp / sum(got.values()))
        if want:
            recalls.append(tp / sum(want.values()))
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r), "pages": len(truth)}


def ours(html: str, url: str) -> str:
    try:
        return "\n".join(extract_page(html, url).paragraphs)
    except ExtractError:
        return ""


def trafilatura_default(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def run(tool: Callable[[str, str], str], pages: dict[str, tuple[str, str]]) -> tuple[dict, float]:
    started = time.perf_counter()
    outputs = {pid: tool(html, url) for pid, (html, url) in pages.items()}
    return outputs, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = parser.parse_args()
    if not (DATA / "ground-truth.json").exists():
        print(f"skipped: {DATA} is not available")
        return 0
    truth_all = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth_all)[: args.limit or None]
    pages = {
        pid: (
            gzip.decompress((DATA / "html" / f"{pid}.html.gz").read_bytes()).decode(
                "utf-8", "replace"
            ),
            truth_all[pid]["url"],
        )
        for pid in ids
    }
    truth = {pid: truth_all[pid]["articleBody"] for pid in ids}
    results = {}
    for name, tool in (
        ("briefing extract_page", ours),
        ("trafilatura defaults", trafilatura_default),
    ):
        outputs, seconds = run(tool, pages)
        results[name] = {**score(outputs, truth), "seconds": round(seconds, 2)}
    for peer in sorted((DATA / "peers").glob("*.json")):
        data = json.loads(peer.read_text(encoding="utf-8"))
        outputs = {pid: data.get(pid, {}).get("articleBody", "") for pid in ids}
        results[f"peer: {peer.stem}"] = score(outputs, truth)
    print(f"{'extractor':<28} {'precision':>9} {'recall':>7} {'F1':>6}  pages  seconds")
    for name, r in results.items():
        print(
            f"{name:<28} {r['precision']:9.3f} {r['recall']:7.3f} {r['f1']:6.3f}  {r['pages']:5}"
            f"  {r.get('seconds', '')}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
