"""Render benchmark: the 60-story, 8-section edition to PDF, median seconds over runs.

Uses the same edition as the tests (tests/big_edition.py): ECB+ articles from the shared
evaluation data when present, else the bundled demo texts. Each run is the whole `render_pdf`:
the forked child with its limits, WeasyPrint's layout, and the PDF written to memory.
Goal (issue 7): under 3 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.render import render_html, render_pdf  # noqa: E402
from tests.big_edition import ECB, big_edition  # noqa: E402

RUNS = 5


def main() -> None:
    """Print the median and the spread of RUNS renders of the full edition."""
    edition = big_edition()
    source = "ECB+" if ECB.exists() else "demo texts"
    started = time.perf_counter()
    html = render_html(edition)
    html_seconds = time.perf_counter() - started
    render_pdf(html)  # warm-up: the first render also imports WeasyPrint in this process
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        pdf = render_pdf(html)
        times.append(time.perf_counter() - started)
    print(f"edition: {len(edition.stories)} stories in {len(edition.sections)} sections ({source})")
    print(f"HTML: {html_seconds:.3f} s; PDF: {len(pdf) // 1024} KiB")
    print(
        f"PDF render, {RUNS} runs: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}); goal < 3 s"
    )


if __name__ == "__main__":
    main()
