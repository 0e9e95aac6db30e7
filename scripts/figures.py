"""The figures in docs/ come from the benchmarks' own results, never from hand.

A figure in a page is written between two markers that say where it comes from:

    F1 <!-- fig extraction:sets.scrapinghub.heldout.f1|.3f -->0.976<!-- /fig -->

`extraction` is `benchmarks/results/extraction.json`, `sets.scrapinghub.heldout.f1` the path into
it (keys and list indices joined by dots) and `.3f` an optional format. `python scripts/docs.py`
writes every figure again from the results; a test fails when a page's figure differs from them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
FIGURE = re.compile(
    r"<!-- fig (?P<name>[\w-]+):(?P<path>[^|>]+?)(?:\|(?P<spec>[^ |>]+))? -->"
    r"(?P<shown>.*?)<!-- /fig -->"
)


def value(name: str, path: str, spec: str | None) -> str:
    """The figure at `path` of the named result, formatted as the page asks."""
    found: Any = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
    try:
        for key in path.split("."):
            found = found[int(key)] if isinstance(found, list) else found[key]
    except (KeyError, IndexError, ValueError) as missing:
        raise KeyError(f"benchmarks/results/{name}.json has no {path!r}") from missing
    if spec == "%":  # a share shown as a percentage with one decimal
        return f"{100 * found:.1f}%"
    return format(found, spec) if spec else str(found)


def figures(text: str) -> list[tuple[str, str, str]]:
    """Each figure of a page: (where it comes from, what the page shows, what the results say)."""
    return [
        (f"{m['name']}:{m['path']}", m["shown"], value(m["name"], m["path"], m["spec"]))
        for m in FIGURE.finditer(text)
    ]


def rewrite(text: str) -> str:
    """The page with every figure written from the results."""

    def one(m: re.Match[str]) -> str:
        shown = value(m["name"], m["path"], m["spec"])
        return m.group(0).replace(f"-->{m['shown']}<!--", f"-->{shown}<!--", 1)

    return FIGURE.sub(one, text)
