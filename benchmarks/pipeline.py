"""The whole `generate` path at 100 to 5,000 articles: real pages, many feeds, many hosts, latency.

The 119 real article pages of `../shared/eval/extraction/html/` are served again and again under
distinct URLs, each with its own headline (the page's <title> is rewritten per URL) and date,
through feeds of 25 entries; the feeds and their pages are spread over up to 50 loopback hosts
(127.0.0.2 ... 127.0.0.51, each its own host to the fetcher, so the per-host cap and delay apply
as on the web), each answer delayed by `--latency`. One host never serves the same page twice,
so no site's "repeated boilerplate" is made of whole articles. The servers run in their own
process; each size runs in a fresh interpreter (as `briefing generate` would), so its peak
memory is its own:

- cold: an empty store, every feed and page downloaded, extracted, stored, clustered,
  summarized and rendered to HTML and PDF;
- warm: the same run again; every feed answers 304 and nothing is new.

Per stage, the wall time spent in it (nested stages are not counted twice; page downloads and
extraction run one after the other), total wall and CPU time (this process and its children),
peak memory of the process tree (sum of PSS, so pages shared with forked workers count once; the
sum of RSS beside it counts them in every process) and articles per second.

    .venv/bin/python benchmarks/pipeline.py [--sizes 100,1000,5000] [--latency 0.05]
        [--json PATH] [--profile DIR]

With PYTHONPATH set to an export of an earlier commit (`git archive HEAD | tar -x -C DIR`), the
same benchmark measures that code: how the before/after figures in the README were made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pipeline_site import AS_OF, MAX_HOSTS, PAGES, PER_FEED, plan, run_hosts

TOPICS = ("World", "Politics", "Business", "Technology", "Science", "Culture")
STAGES = (
    "fetch feeds",
    "fetch pages",
    "extract",
    "store",
    "cluster",
    "summarize",
    "render HTML",
    "render PDF",
    "other",
)


# --- one size, in its own interpreter ----------------------------------------------------------


class StageClock:
    """Wall and CPU time per stage, each stage's own: a nested stage is not counted twice.

    CPU is this process's (all threads) plus that of children reaped meanwhile: extraction
    workers when the pool closes, the PDF renderer when it returns.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.wall = dict.fromkeys(STAGES, 0.0)
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self._stack: list[tuple[str, float, float]] = []

    def wrap(self, stage: str, function):  # type: ignore[no-untyped-def]
        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread() is not threading.main_thread():
                return function(*args, **kwargs)
            self._switch()
            self._stack.append((stage, time.perf_counter(), cpu_seconds()))
            try:
                return function(*args, **kwargs)
            finally:
                self._switch()
                self._stack.pop()
                if self._stack:
                    outer = self._stack[-1][0]
                    self._stack[-1] = (outer, time.perf_counter(), cpu_seconds())

        return timed

    def _switch(self) -> None:
        """Charge the innermost open stage with the time since it last started counting."""
        if self._stack:
            stage, wall, cpu = self._stack[-1]
            self.wall[stage] += time.perf_counter() - wall
            self.cpu[stage] += cpu_seconds() - cpu
            self._stack[-1] = (stage, time.perf_counter(), cpu_seconds())


def instrument(clock: StageClock) -> None:
    """Put the stage clock around the functions `generate` calls; the path itself is unchanged."""
    import briefing.extract.articles as articles
    import briefing.pipeline as pipeline
    import briefing.render as render
    from briefing.store import Store

    pipeline._fetch = clock.wrap("fetch feeds", pipeline._fetch)
    if not hasattr(pipeline, "summarize_on"):  # the code before the executor, for comparison
        _instrument_before(clock, articles, pipeline)
        _instrument_rest(clock, pipeline, render, Store)
        return
    import briefing.extract.executor as executor
    import briefing.extract.workers as workers

    # Downloads hand each page to extraction at once: "fetch pages" is downloading while the
    # workers extract, "extract" the wait for the pages still being extracted after the last.
    articles._fetch_pages = clock.wrap("fetch pages", articles._fetch_pages)
    workers.WorkerPool.results = clock.wrap("extract", workers.WorkerPool.results)
    workers.WorkerPool.__exit__ = clock.wrap("extract", workers.WorkerPool.__exit__)  # reaped
    executor.DaskPool.results = clock.wrap("extract", executor.DaskPool.results)
    articles._drop_site_boilerplate = clock.wrap("extract", articles._drop_site_boilerplate)
    for name in ("cluster_stories", "mute_stories", "group_topics", "trim_sections"):
        setattr(pipeline, name, clock.wrap("cluster", getattr(pipeline, name)))
    pipeline.summarize_on = clock.wrap("summarize", pipeline.summarize_on)
    _instrument_rest(clock, pipeline, render, Store)


def _instrument_rest(clock: StageClock, pipeline, render, Store) -> None:  # type: ignore[no-untyped-def]  # noqa: N803
    for name in ("render_html", "render_markdown", "render_text"):
        setattr(render, name, clock.wrap("render HTML", getattr(render, name)))
    pipeline.write_archive = clock.wrap("render HTML", pipeline.write_archive)
    pipeline.number_edition = clock.wrap("render HTML", pipeline.number_edition)
    render.render_pdf = clock.wrap("render PDF", render.render_pdf)
    # The warm renderer (typesetter.py) is timed from the HTML sent to the PDF back.
    render.Typesetter.render = clock.wrap("render PDF", render.Typesetter.render)
    for name in (
        "save_articles",
        "articles_between",
        "articles_since",
        "known_ids",
        "known_urls",
        "recent_stories",
        "save_stories",
        "save_feed_results",
        "save_feed_schedule",
        "record_extraction",
        "site_paragraph_counts",
        "learn_site_paragraphs",
        "feed_states",
    ):
        setattr(Store, name, clock.wrap("store", getattr(Store, name)))
    pipeline.open_store = clock.wrap("store", pipeline.open_store)


def _instrument_before(clock: StageClock, articles, pipeline) -> None:  # type: ignore[no-untyped-def]
    articles._fetch_pages = clock.wrap("fetch pages", articles._fetch_pages)
    articles.extract_pages = clock.wrap("extract", articles.extract_pages)
    articles._drop_site_boilerplate = clock.wrap("extract", articles._drop_site_boilerplate)
    for name in ("cluster_stories", "mute_stories", "group_topics"):
        setattr(pipeline, name, clock.wrap("cluster", getattr(pipeline, name)))
    pipeline.summarize_sections = clock.wrap("summarize", pipeline.summarize_sections)


class MemoryWatch:
    """Samples the memory of this process and all its descendants.

    The sum of RSS (statm, cheap) ten times a second: an upper bound, as pages a forked worker
    shares with its parent count in both. PSS (smaps_rollup, which walks every mapping and costs
    milliseconds a process) once a second: shared pages counted once, the figure reported.
    """

    def __init__(self) -> None:
        self.peak_pss = 0
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(pss=True)

    def _run(self) -> None:
        ticks = 0
        while not self._stop.wait(0.1):
            ticks += 1
            self._sample(pss=ticks % 10 == 0)

    def _sample(self, pss: bool) -> None:
        tree = _tree(os.getpid())
        self.peak_rss = max(self.peak_rss, sum(_rss_kb(pid) for pid in tree))
        if pss:
            self.peak_pss = max(self.peak_pss, sum(_rollup(pid).get("Pss", 0) for pid in tree))


def _rss_kb(pid: int) -> int:
    try:
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return resident * os.sysconf("SC_PAGE_SIZE") // 1024


def _tree(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                queue += [int(c) for c in task.read_text().split()]
    return found


def _rollup(pid: int) -> dict[str, int]:
    """kB figures of /proc/PID/smaps_rollup (nothing if the process is gone)."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    except OSError:
        return {}
    fields = {}
    for line in lines:
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            fields[name] = int(rest.split()[0])
    return fields


def cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def one_size(n: int, ports: list[int], scratch: Path, profile: Path | None) -> dict[str, object]:
    """Cold then warm `generate` for n articles; the figures of each."""
    clock = StageClock()
    instrument(clock)
    from briefing.config import parse_config
    from briefing.pipeline import generate

    feeds, hosts = plan(n)
    data = {
        "title": f"Benchmark edition, {n} articles",
        "output_dir": str(scratch / "out"),
        "database": str(scratch / "briefing.db"),
        "fetch": {"allow_networks": ["127.0.0.0/24"]},
        "feeds": [
            {
                "name": f"Outlet {k + 1}",
                "url": f"http://127.0.0.{k % hosts + 2}:{ports[k % hosts]}/{n}/feed{k}.xml",
                "topic": TOPICS[k % len(TOPICS)],
            }
            for k in range(feeds)
        ],
    }
    config = parse_config(data, scratch / "feeds.toml")
    runs: dict[str, object] = {"n": n, "feeds": feeds, "hosts": hosts}
    for label in ("cold", "warm"):
        clock.reset()
        cpu = cpu_seconds()
        profiler = _profiler(profile if label == "cold" else None)
        with MemoryWatch() as memory:
            started = time.perf_counter()
            result = generate(config, as_of=AS_OF)
            wall = time.perf_counter() - started
        _save_profile(profiler, profile, n)
        stages, stage_cpu = dict(clock.wall), dict(clock.cpu)
        stages["other"] = max(0.0, wall - sum(stages.values()))
        stage_cpu["other"] = max(0.0, cpu_seconds() - cpu - sum(stage_cpu.values()))
        stats = result.briefing.stats
        pdf = next(p for p in result.outputs if p.suffix == ".pdf")
        runs[label] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu_seconds() - cpu, 3),
            "stages_s": {k: round(v, 3) for k, v in stages.items()},
            "stages_cpu_s": {k: round(v, 3) for k, v in stage_cpu.items()},
            "peak_pss_mb": round(memory.peak_pss / 1024, 1),
            "peak_rss_sum_mb": round(memory.peak_rss / 1024, 1),
            "articles": stats.articles,
            "articles_new": stats.articles_new,
            "fallbacks": stats.fallbacks,
            "failed": stats.articles_failed + stats.feeds_failed,
            "feeds_unchanged": stats.feeds_unchanged,
            "stories": stats.stories,
            "pdf_pages": _pages(pdf),
            "pdf_kb": round(pdf.stat().st_size / 1024),
            "articles_per_s": round(stats.articles / wall, 1),
            "ms_per_article": round(1000 * wall / max(1, stats.articles), 2),
        }
    return runs


def _profiler(profile: Path | None):  # type: ignore[no-untyped-def]
    if profile is None:
        return None
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    return profiler


def _save_profile(profiler, profile: Path | None, n: int) -> None:  # type: ignore[no-untyped-def]
    if profiler is None or profile is None:
        return
    profiler.stop()
    profile.mkdir(parents=True, exist_ok=True)
    (profile / f"cold-{n}.txt").write_text(profiler.output_text(unicode=False, show_all=False))
    (profile / f"cold-{n}.html").write_text(profiler.output_html())


def _pages(pdf: Path) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return 0
    return len(PdfReader(pdf).pages)


# --- the driver --------------------------------------------------------------------------------


def table(results: list[dict[str, object]], stages_key: str = "stages_s") -> str:
    """The figures as a Markdown table: wall seconds per stage, or CPU seconds per stage."""
    head = ["N", "run", *STAGES, "total", "cpu", "peak MB", "art/s", "ms/art", "stories", "pages"]
    rows = [head, ["---"] * len(head)]
    for r in results:
        for label in ("cold", "warm"):
            run = r[label]
            assert isinstance(run, dict)
            stages = run[stages_key]
            rows.append(
                [
                    f"{r['n']:,}",
                    label,
                    *(f"{stages[s]:.2f}" for s in STAGES),
                    f"**{run['wall_s']:.2f}**",
                    f"{run['cpu_s']:.1f}",
                    f"{run['peak_pss_mb']:.0f}",
                    f"{run['articles_per_s']:.0f}",
                    f"{run['ms_per_article']:.1f}",
                    str(run["stories"]),
                    str(run["pdf_pages"]),
                ]
            )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="article counts, e.g. 100,1000")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each answer waits")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--profile", type=Path, help="pyinstrument the cold runs into this folder")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"skipped: {PAGES} is not available")
        return 0
    if args.child:
        with tempfile.TemporaryDirectory(prefix="briefing-bench-") as scratch:
            runs = one_size(args.child, json.loads(args.ports), Path(scratch), args.profile)
        print(json.dumps(runs))
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    servers = multiprocessing.Process(target=run_hosts, args=(args.latency, queue, stop))
    servers.start()
    results = []
    try:
        ports = queue.get(timeout=60)
        print(
            f"{len(list(PAGES.glob('*.html.gz')))} real pages, {PER_FEED} entries a feed, up to "
            f"{MAX_HOSTS} hosts, {args.latency * 1000:.0f} ms latency, {os.cpu_count()} cores",
            flush=True,
        )
        for n in sizes:
            results.append(run_child(n, ports, args.profile))
            cold, warm = results[-1]["cold"], results[-1]["warm"]
            print(
                f"N={n:,}: cold {cold['wall_s']:.1f} s ({cold['stories']} stories, "
                f"{cold['pdf_pages']} pages, {cold['failed']} failed, peak "
                f"{cold['peak_pss_mb']:.0f} MB), warm {warm['wall_s']:.2f} s",
                flush=True,
            )
    finally:
        stop.set()
        servers.join(timeout=10)
    print("Wall seconds per stage:")
    print(table(results))
    print("\nCPU seconds per stage (this process and its children):")
    print(table(results, "stages_cpu_s"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"latency_s": args.latency, "runs": results}, indent=1))
    return 0


def run_child(n: int, ports: list[int], profile: Path | None) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", str(n), "--ports", json.dumps(ports)]
    if profile is not None:
        command += ["--profile", str(profile)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run at N={n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
