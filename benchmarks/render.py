"""Render benchmark: the 60-story, 8-section edition to PDF, median seconds over runs.

Uses the same edition as the tests (tests/big_edition.py): ECB+ articles from the shared
evaluation data when present, else the bundled demo texts. Each timed run is the whole
`render_pdf`: the forked child with its limits, WeasyPrint's layout, and the PDF written to
memory; the child's CPU time is reported beside the wall time, since a shared machine inflates
wall time. Then one more render in this process, timed phase by phase, says where the time goes.
`--compare` also times WeasyPrint left to itself (columns laid out twice: the patch switched off
with BRIEFING_WEASYPRINT_PATCHES=0), alternating with ours, so both figures come from the same
conditions; it is on unless --no-compare. Written to benchmarks/results/render.json, with the
load average at the start. Goal (issue 7): under 3 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import briefing.render.pdf as pdf_module  # noqa: E402
from briefing.render import render_html, render_pdf  # noqa: E402
from briefing.render.speedups import SWITCH, weasyprint_patched  # noqa: E402
from tests.big_edition import ECB, big_edition  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from record import machine, results_path, write_results  # noqa: E402

RUNS = 5
GOAL = 3.0


def child_cpu() -> float:
    """CPU seconds (user + system) of all finished children of this process."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_render(html: str) -> tuple[float, float, int]:
    """One `render_pdf`: wall seconds, the child's CPU seconds, and the PDF's size."""
    cpu, started = child_cpu(), time.perf_counter()
    pdf = render_pdf(html)
    return time.perf_counter() - started, child_cpu() - cpu, len(pdf)


@contextlib.contextmanager
def stock_passes() -> Iterator[None]:
    """Forked children typeset as WeasyPrint does by itself (for --compare): the switch off."""
    saved = os.environ.get(SWITCH)
    os.environ[SWITCH] = "0"
    try:
        yield
    finally:
        if saved is None:
            del os.environ[SWITCH]
        else:
            os.environ[SWITCH] = saved


def summary(times: list[tuple[float, float, int]]) -> dict[str, float]:
    """Median, min and max wall seconds and the median CPU seconds of some runs."""
    walls, cpus = [t[0] for t in times], [t[1] for t in times]
    return {
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
    }


def phases(html: str, one_pass: bool = True) -> dict[str, Any]:
    """CPU seconds of each WeasyPrint phase of one render in this process, and pages laid out."""
    import weasyprint.document as document
    import weasyprint.layout.page as page
    from weasyprint import HTML

    spent: dict[str, float] = {}
    laid_out: list[int] = []
    wrapped = {
        "styles (CSS cascade)": (document, "get_all_computed_styles"),
        "box tree": (document, "build_formatting_structure"),
    }
    saved = {name: getattr(module, attr) for name, (module, attr) in wrapped.items()}
    remake = page.remake_page

    def timer(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - started

        return timed

    def counted(index: int, *args: Any) -> Any:
        laid_out.append(index)
        return remake(index, *args)

    for name, (module, attr) in wrapped.items():
        setattr(module, attr, timer(name, saved[name]))
    page.remake_page = counted
    try:
        started = time.process_time()
        source = HTML(
            string=pdf_module.with_font_faces(html), url_fetcher=pdf_module.deny_all_fetcher()
        )
        spent["HTML parsing"] = time.process_time() - started
        switch = contextlib.nullcontext() if one_pass else stock_passes()
        with switch, weasyprint_patched():
            rendered = timer("layout", source.render)()
            timer("drawing and writing the PDF", rendered.write_pdf)()
    finally:
        for name, (module, attr) in wrapped.items():
            setattr(module, attr, saved[name])
        page.remake_page = remake
    # render() is styles, box tree and layout (a generator, so timed as what render() leaves).
    spent["layout"] -= sum(spent[k] for k in wrapped)
    return {
        "cpu_s": {k: round(v, 3) for k, v in spent.items()},
        "pages": len(rendered.pages),
        "pages_laid_out": len(laid_out),
        "contents_page_laid_out": laid_out.count(0),
    }


def main() -> None:
    """Print the median and the spread of the runs, and the time of each phase."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument(
        "--compare",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time stock WeasyPrint (the default)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here, not to results/")
    args = parser.parse_args()
    state = machine()
    edition = big_edition()
    source = "ECB+" if ECB.exists() else "demo texts"
    started = time.perf_counter()
    html = render_html(edition)
    html_seconds = time.perf_counter() - started
    render_pdf(html)  # warm-up: the first render also imports WeasyPrint in this process
    ours: list[tuple[float, float, int]] = []
    stock: list[tuple[float, float, int]] = []
    for _ in range(args.runs):
        ours.append(timed_render(html))
        if args.compare:
            with stock_passes():
                stock.append(timed_render(html))
    result: dict[str, Any] = {
        **state,
        "edition": f"{len(edition.stories)} stories in {len(edition.sections)} sections",
        "source": source,
        "runs": args.runs,
        "html_s": round(html_seconds, 3),
        "pdf_kib": ours[-1][2] // 1024,
        "pdf": summary(ours),
        "goal_s": GOAL,
    }
    if stock:
        result["pdf_stock_weasyprint_passes"] = summary(stock)
    result["phases"] = phases(html)
    if args.compare:
        result["phases_stock_weasyprint_passes"] = phases(html, one_pass=False)
    report(result)
    write_results(results_path("render", args, args.compare), result)


def report(result: dict[str, Any]) -> None:
    """The figures, readably."""
    pdf = result["pdf"]
    print(f"edition: {result['edition']} ({result['source']})")
    print(f"HTML: {result['html_s']:.3f} s; PDF: {result['pdf_kib']} KiB")
    met = "met" if pdf["median_s"] < GOAL else "NOT met"
    print(
        f"PDF render, {result['runs']} runs: median {pdf['median_s']:.2f} s "
        f"(min {pdf['min_s']:.2f}, max {pdf['max_s']:.2f}); child CPU median "
        f"{pdf['cpu_median_s']:.2f} s; goal < {GOAL:g} s: {met}"
    )
    if stock := result.get("pdf_stock_weasyprint_passes"):
        print(
            f"  WeasyPrint by itself: median {stock['median_s']:.2f} s "
            f"(min {stock['min_s']:.2f}); child CPU median {stock['cpu_median_s']:.2f} s"
        )
    detail = result["phases"]
    stock_detail = result.get("phases_stock_weasyprint_passes")
    print(
        f"one render in this process, CPU seconds by phase ({detail['pages']} pages; "
        f"{detail['pages_laid_out']} page layouts, the contents page "
        f"{detail['contents_page_laid_out']} times)" + (", ours | stock:" if stock_detail else ":")
    )
    for name, seconds in detail["cpu_s"].items():
        other = f" | {stock_detail['cpu_s'][name]:6.3f}" if stock_detail else ""
        print(f"  {name:30s} {seconds:6.3f}{other}")
    other = f" | {sum(stock_detail['cpu_s'].values()):6.3f}" if stock_detail else ""
    print(f"  {'total':30s} {sum(detail['cpu_s'].values()):6.3f}{other}")


if __name__ == "__main__":
    main()
