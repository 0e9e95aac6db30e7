"""Where a benchmark writes its figures: benchmarks/results/NAME.json, which docs/ quotes.

A timing is only as good as the machine was quiet, so a benchmark that times anything records
the load average when it started (`machine()`) beside its figures.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def results_path(name: str, args: argparse.Namespace, documented: bool = True) -> Path | None:
    """`--json` if given, else benchmarks/results/NAME.json, with the reading of the texts in the
    name when they are not read whole (`clustering_30_words.json`), so a variant never overwrites
    the figures the docs quote; None for any other run that is not the `documented` one."""
    if getattr(args, "json", None):
        return Path(args.json)
    if not documented:
        return None
    if getattr(args, "as_extracted", False):
        name += "_as_extracted"
    if getattr(args, "words", None) is not None:
        name += f"_{args.words}_words"
    return RESULTS / f"{name}.json"


def machine() -> dict[str, Any]:
    """The cores and the one-minute load average now: how far other work shared the machine."""
    return {"cores": os.cpu_count(), "load_average_at_start": round(os.getloadavg()[0], 2)}


def with_earlier_sizes(path: Path, sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`sizes` (one figure set per number of articles, "n"), with those an earlier run wrote to
    `path` and this one did not measure, by n: 5,000 articles take long, and are run apart."""
    measured = {size["n"] for size in sizes}
    earlier = json.loads(path.read_text()).get("sizes", []) if path.exists() else []
    return sorted([s for s in earlier if s["n"] not in measured] + sizes, key=lambda s: s["n"])


def write_results(path: Path | None, figures: object) -> None:
    """The figures as JSON at `path`, and a line saying where (or that a run unlike the one the
    docs quote, without --json, wrote nothing)."""
    if path is None:
        print("not written: not the run docs/ quotes (give --json PATH to keep it)")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {path}")
