"""Hostile inputs: the peak memory and wall time each costs, beside the limit it must stay under.

Each case is a small function in CASES that measures one hostile input and returns a Result. The
fetch cases serve a compression bomb on 127.0.0.1 and fetch it with the real Fetcher in a fresh
child process, so the peak (the child's ru_maxrss) is that fetch's alone, interpreter included;
the time is the fetch's own, not the interpreter's start. Every bomb must end as a clean
FetchError at the 15 MiB cap, and the whole run must stay under 1 GiB of memory.

    .venv/bin/python benchmarks/hostile.py [--json PATH] [--only gzip] [--tree DIR]

Written to benchmarks/results/hostile.json (each case under its function's name), with the load
average at the start: the times are wall times.

`--tree DIR` runs the children against the `briefing` package in DIR (an older checkout, say),
to measure the same inputs before a change.

To add a case (a rendering one, say), write a function returning a Result and append it to CASES.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.fetch.decoding import BROTLI  # noqa: E402
from tests.bombs import (  # noqa: E402
    GIB,
    brotli_bomb,
    deflate_bomb,
    double_gzip_bomb,
    gzip_bomb,
)
from tests.fault_server import FaultServer, fixed  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from record import machine, results_path, write_results  # noqa: E402

MEMORY_LIMIT_MIB = 1024  # no case, and so not the run, may peak above this
TREE = ROOT  # where the children import `briefing` from (--tree)
CAP = 15 * 1024 * 1024  # the default max_bytes

# One fetch in a fresh interpreter; prints the outcome, the fetch's seconds, the process's peak
# resident memory, and how far the fetch itself raised it: Linux resets the peak (VmHWM) when
# "5" is written to clear_refs, so the imports' own peak does not hide the fetch's.
FETCH_CHILD = """
import json, resource, sys, time
from pathlib import Path
from briefing.errors import FetchError
from briefing.fetch.http import Fetcher, FetchPolicy

def kib(field):
    lines = Path("/proc/self/status").read_text().splitlines()
    return int(next(x for x in lines if x.startswith(field)).split()[1])

policy = FetchPolicy(allow_networks=("127.0.0.1/32",), host_delay=0.0, retries=0)
with Fetcher(policy=policy) as client:
    Path("/proc/self/clear_refs").write_text("5")
    before = kib("VmRSS:")
    started = time.perf_counter()
    try:
        outcome = "read %d bytes" % len(client.get(sys.argv[1], robots=False).body)
    except FetchError as exc:
        outcome = exc.reason
    seconds = time.perf_counter() - started
    growth = (kib("VmHWM:") - before) / 1024
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mib": peak, "growth_mib": growth}))
"""


@dataclass(frozen=True, slots=True)
class Result:
    """One case measured: what happened, how long it took, and its peak beside the limit."""

    case: str
    wire_bytes: int
    unpacked: str
    outcome: str
    seconds: float
    peak_mib: float  # the child's whole peak resident memory, interpreter and imports included
    growth_mib: float  # how far the case itself raised the peak above what was resident before
    limit_mib: int = MEMORY_LIMIT_MIB

    @property
    def ok(self) -> bool:
        return self.peak_mib < self.limit_mib and "Error" not in self.outcome


def fetch_in_child(name: str, body: bytes, encoding: str, unpacked: str) -> Result:
    """Serve `body` with `encoding` on 127.0.0.1 and fetch it in a child process."""
    headers = {"Content-Encoding": encoding, "Content-Type": "application/rss+xml"}
    server = _QuietServer("127.0.0.1", {"/bomb": fixed(200, body, headers)})
    with server.running():
        child = subprocess.run(
            [sys.executable, "-c", FETCH_CHILD, f"{server.base_url}/bomb"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=TREE,
        )
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["no output"])[-1]
        return Result(name, len(body), unpacked, f"child died: {last}", 0.0, 0.0, 0.0)
    r = json.loads(child.stdout)
    return Result(
        name, len(body), unpacked, r["outcome"], r["seconds"], r["peak_mib"], r["growth_mib"]
    )


class _QuietServer(FaultServer):
    """A fault server that does not print the resets of clients that stop reading on purpose."""

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet."""


def gzip_1g() -> Result:
    return fetch_in_child("gzip 1 GiB", gzip_bomb(), "gzip", "1 GiB")


def gzip_gzip_1g() -> Result:
    return fetch_in_child("gzip, gzip 1 GiB", double_gzip_bomb(), "gzip, gzip", "1 GiB")


def gzip_gzip_8g() -> Result:
    return fetch_in_child("gzip, gzip 8 GiB", double_gzip_bomb(8 * GIB), "gzip, gzip", "8 GiB")


def deflate_1g() -> Result:
    return fetch_in_child("deflate 1 GiB", deflate_bomb(), "deflate", "1 GiB")


def brotli_1g() -> Result:
    if not BROTLI:  # refused by name, so not worth measuring
        return Result("br 1 GiB", 0, "1 GiB", "br not accepted: skipped", 0.0, 0.0, 0.0)
    return fetch_in_child("br 1 GiB", brotli_bomb(), "br", "1 GiB")


def plain_body() -> Result:
    """A plain 1 MB body: the baseline the bombs are read against."""
    return fetch_in_child("plain 1 MB (baseline)", b"x" * 1_000_000, "identity", "1 MB")


# One edition rendered to PDF in a fresh interpreter, the first story's headline (or a summary
# sentence, or a failure's URL) replaced by a hostile text; the default limits (120 s, 3 GiB).
RENDER_CHILD = """
import dataclasses, json, resource, sys, time
from briefing.errors import RenderError
from briefing.models import Section
from briefing.render import render_html, render_pdf
from tests.render.test_render import make_briefing

field, text = sys.argv[1], sys.argv[2] * int(sys.argv[3])
briefing = make_briefing()
first, *rest = briefing.sections
story = first.stories[0]
if field == "url":
    failure = dataclasses.replace(briefing.failures[0], url="https://gazette.example/" + text)
    briefing = dataclasses.replace(briefing, failures=(failure,))
else:
    if field == "sentence":
        said = dataclasses.replace(story.summary[0], text=text)
        story = dataclasses.replace(story, summary=(said, *story.summary[1:]))
    else:
        story = dataclasses.replace(story, headline=text)
    first = Section(first.title, (story, *first.stories[1:]))
    briefing = dataclasses.replace(briefing, sections=(first, *rest))
started = time.perf_counter()
try:
    outcome = "PDF of %d bytes" % len(render_pdf(render_html(briefing)))
except RenderError as exc:
    outcome = "RenderError: %s" % exc
seconds = time.perf_counter() - started
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF,
           resource.RUSAGE_CHILDREN)) / 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mib": peak, "growth_mib": 0.0}))
"""


def render_in_child(name: str, field: str, unit: str, count: int) -> Result:
    """Render an edition with `unit * count` in `field` in a child process; time the PDF."""
    child = subprocess.run(
        [sys.executable, "-c", RENDER_CHILD, field, unit, str(count)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=TREE,
    )
    size = f"{len(unit) * count // 1000}k ch"
    if child.returncode != 0:
        last = (child.stderr.strip().splitlines() or ["no output"])[-1]
        return Result(name, 0, size, f"child died: {last}", 0.0, 0.0, 0.0)
    r = json.loads(child.stdout)
    return Result(name, 0, size, r["outcome"], r["seconds"], r["peak_mib"], 0.0)


def title_5k() -> Result:
    return render_in_child("title 5k, no space", "headline", "x", 5_000)


def title_30k() -> Result:
    return render_in_child("title 30k, no space", "headline", "x", 30_000)


def title_100k() -> Result:
    return render_in_child("title 100k, no space", "headline", "x", 100_000)


def title_cjk_100k() -> Result:
    return render_in_child("title 100k, CJK", "headline", "东京电力公司周五宣布", 10_000)


def sentence_100k() -> Result:
    return render_in_child("sentence 100k, no sp.", "sentence", "w", 100_000)


def url_100k() -> Result:
    return render_in_child("failure URL 100k", "url", "y", 100_000)


CASES: list[Callable[[], Result]] = [
    plain_body,
    gzip_1g,
    gzip_gzip_1g,
    gzip_gzip_8g,
    deflate_1g,
    brotli_1g,
    title_5k,
    title_30k,
    title_100k,
    title_cjk_100k,
    sentence_100k,
    url_100k,
]


def print_table(results: list[Result]) -> None:
    print(
        f"{'case':<22} {'wire':>9} {'unpacked':>8} {'time':>7} {'peak':>9} {'growth':>9} "
        f"{'limit':>8}  outcome"
    )
    for r in results:
        mark = "" if r.ok else "  <-- OVER"
        print(
            f"{r.case:<22} {r.wire_bytes:>9,} {r.unpacked:>8} {r.seconds:>6.3f}s "
            f"{r.peak_mib:>5.1f} MiB {r.growth_mib:>5.1f} MiB {r.limit_mib:>4} MiB  "
            f"{r.outcome}{mark}"
        )
    peak = max((r.peak_mib for r in results), default=0.0)
    print(f"whole run: peak {peak:.1f} MiB (limit {MEMORY_LIMIT_MIB} MiB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    parser.add_argument("--only", default="", help="run only the cases whose name holds this")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout children import")
    args = parser.parse_args()
    global TREE
    TREE = args.tree.resolve()
    state, started = machine(), time.perf_counter()
    cases = {case.__name__: case() for case in CASES if args.only in case.__name__}
    results = list(cases.values())
    print_table(results)
    seconds = time.perf_counter() - started
    print(f"{len(results)} cases in {seconds:.1f} s")
    figures = {
        **state,
        "limit_mib": MEMORY_LIMIT_MIB,
        "seconds": seconds,
        "peak_mib": max((r.peak_mib for r in results), default=0.0),
        "cases": {name: {**asdict(r), "ok": r.ok} for name, r in cases.items()},
    }
    documented = not args.only and TREE == ROOT  # not a part, nor another tree
    write_results(results_path("hostile", args, documented), figures)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
