"""`briefing generate` beside the script a user would write, on the same local site, cold and warm.

The 119 real article pages of `../shared/eval/extraction/html/` are served again and again under
distinct URLs, each with its own headline and date, in F feeds on up to 50 loopback hosts
(127.0.0.2 ..., each its own host to the fetcher, so the per-host cap and delay apply as on the
web), each answer `--latency` late (`pipeline_site.py`). Entries are dated in the 20 hours
before the servers started, so every run takes the clock's time, as a user's does.

Both contenders run as a user runs them, each a process of its own, in fresh folders:
`briefing generate --config feeds.toml` (HTML and PDF, the default formats) and
`benchmarks/user_script.py` (feedparser, 8 fetch threads, trafilatura in 2 processes, Jinja2,
WeasyPrint; no clustering, no summaries). Cold: nothing stored. Warm: the same command again a
few seconds later (the other contender's run in between), with the clock's time; every feed
answers 304; the script re-renders its whole PDF, `briefing` reuses its edition when nothing it
holds changed. The runs are interleaved (A B A B, who goes first alternating by round) so the
load of the machine falls on both alike; medians over the rounds, and the ratio of medians.

Per run: wall time, CPU of the process tree (wait4), peak memory of the process tree (sum of PSS,
sampled once a second; pages a forked worker shares with its parent counted once), and the CPU
other processes took meanwhile (from /proc/stat), as the machine's load.

    .venv/bin/python benchmarks/pipeline.py [--sizes 1000:20:3,5000:200:1] [--latency 0.02]
        [--json benchmarks/results/pipeline.json] [--profile DIR] [--alone]
        [--executor processes|dask|dask://HOST:PORT]

`--sizes` lists articles:feeds:rounds. `--profile DIR` adds one cold `briefing generate` per
size under pyinstrument (the main process; workers are not sampled). `--executor` is the
`executor` setting of briefing's side: `dask://HOST:PORT` names a running cluster, `dask`
starts one here as `cluster.py` does (a scheduler and 2 single-threaded workers), whose CPU is
then counted beside the process tree's (`cpu_workers_s`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cluster import cluster, session_cpu
from pipeline_site import MAX_HOSTS, PAGES, edition_path, plan, run_hosts
from record import with_earlier_sizes

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "pipeline.json"
TOPICS = ("World", "Politics", "Business", "Technology", "Science", "Culture")
GOALS = {"cold": 0.7, "warm": 0.4}  # at most this share of the script's time, at 1,000
Executor = tuple[str, int | None]  # the setting, and the session of workers started here


class MemoryWatch:
    """Samples the memory of a process and all its descendants.

    The sum of RSS (statm, cheap) ten times a second: an upper bound, as pages a forked worker
    shares with its parent count in both. PSS (smaps_rollup, which walks every mapping and costs
    milliseconds a process) once a second: shared pages counted once, the figure reported.
    """

    def __init__(self, root: int) -> None:
        self.root = root
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
        tree = _tree(self.root)
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


def cpu_busy() -> float:
    """Seconds of CPU the whole machine has spent busy since boot (all cores, /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run(command: list[str], cwd: Path, workers_sid: int | None = None) -> dict[str, object]:
    """One process, to its end: wall, its tree's CPU and peak memory, and the others' CPU.

    With `workers_sid`, the CPU the cluster's workers (that session) spent meanwhile too.
    """
    on_workers = session_cpu(workers_sid) if workers_sid else 0.0
    busy = cpu_busy()
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with MemoryWatch(child.pid) as memory:
        out = child.stdout.read() if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{out[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    workers = session_cpu(workers_sid) - on_workers if workers_sid else 0.0
    others = max(0.0, cpu_busy() - busy - cpu - workers)
    done = [line for line in out.splitlines() if line.startswith("Done:")]
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 2),
        **({"cpu_workers_s": round(workers, 2)} if workers_sid else {}),
        "peak_pss_mb": round(memory.peak_pss / 1024, 1),
        "peak_rss_sum_mb": round(memory.peak_rss / 1024, 1),
        "others_cores": round(others / wall, 2),  # cores' worth of CPU others used meanwhile
        "summary": done[-1] if done else "",
    }


def setup(
    scratch: Path, n: int, feeds: int, ports: list[int], executor: str = "processes"
) -> tuple[Path, Path]:
    """The two contenders' folders: briefing's feeds.toml, the script's list of feed URLs."""
    _, per_feed, hosts = plan(n, feeds)
    urls = [
        f"http://127.0.0.{k % hosts + 2}:{ports[k % hosts]}/{edition_path(n, feeds)}/feed{k}.xml"
        for k in range(feeds)
    ]
    ours, script = scratch / "briefing", scratch / "script"
    ours.mkdir(parents=True)
    script.mkdir(parents=True)
    lines = [
        f'title = "Benchmark edition, {n} articles"',
        f'executor = "{executor}"',
        "[defaults]",
        f"max_articles = {per_feed}",  # every entry, as the script reads them all
        "[fetch]",
        'allow_networks = ["127.0.0.0/24"]',
    ]
    for k, url in enumerate(urls):
        lines += ["[[feeds]]", f'name = "Outlet {k + 1}"', f'url = "{url}"']
        lines.append(f'topic = "{TOPICS[k % len(TOPICS)]}"')
    (ours / "feeds.toml").write_text("\n".join(lines) + "\n")
    (script / "feeds.txt").write_text("\n".join(urls) + "\n")
    return ours, script


def commands(ours: Path, script: Path) -> dict[str, list[str]]:
    return {
        "briefing": [sys.executable, "-m", "briefing", "generate", "--config", "feeds.toml"],
        "script": [sys.executable, str(HERE / "user_script.py"), "feeds.txt", str(script)],
    }


def one_round(
    n: int, feeds: int, ports: list[int], order: list[str], executor: Executor
) -> dict[str, object]:
    """Cold then warm, each contender in `order` (briefing, the script or both) in turn."""
    spec, sid = executor
    with tempfile.TemporaryDirectory(prefix="briefing-race-") as scratch:
        ours, script = setup(Path(scratch), n, feeds, ports, spec)
        cwd = {"briefing": ours, "script": script}
        command = commands(ours, script)
        sids = {"briefing": sid, "script": None}
        figures: dict[str, object] = {"first": order[0]}
        for who in order:
            figures[f"{who}_cold"] = run(command[who], cwd[who], sids[who])
        written = _written(ours)
        for who in order:
            figures[f"{who}_warm"] = run(command[who], cwd[who], sids[who])
        # The PDF left as it was: the warm run did not render the edition again.
        figures["warm_rendered_again"] = _written(ours) != written
        return figures


def _written(folder: Path) -> dict[str, int]:
    """When each of the edition's files was last written."""
    return {p.name: p.stat().st_mtime_ns for p in (folder / "output").glob("briefing-*")}


def profile(n: int, feeds: int, ports: list[int], folder: Path, executor: str) -> None:
    """One cold run of `briefing generate` under pyinstrument, its report in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefing-profile-") as scratch:
        ours, _ = setup(Path(scratch), n, feeds, ports, executor)
        report = folder / f"cold-{n}.txt"
        command = [sys.executable, "-m", "pyinstrument", "-i", "0.005", "-o", str(report)]
        run([*command, "-m", "briefing", "generate", "--config", "feeds.toml"], ours)


def summary(n: int, feeds: int, rounds: list[dict[str, object]]) -> dict[str, object]:
    """Medians over the rounds, the ratios of medians, and each round's own ratios."""
    median: dict[str, float] = {}
    cpu: dict[str, float] = {}  # the process tree's, which the machine's load disturbs far less
    for key in ("briefing_cold", "script_cold", "briefing_warm", "script_warm"):
        if key in rounds[0]:
            median[key] = round(statistics.median(r[key]["wall_s"] for r in rounds), 3)  # type: ignore[index]
            cpu[key] = round(statistics.median(r[key]["cpu_s"] for r in rounds), 2)  # type: ignore[index]
    raced = "script_cold" in median
    ratio = {p: round(median[f"briefing_{p}"] / median[f"script_{p}"], 3) for p in GOALS if raced}
    paired = {
        p: [round(r[f"briefing_{p}"]["wall_s"] / r[f"script_{p}"]["wall_s"], 3) for r in rounds]  # type: ignore[index]
        for p in GOALS
        if raced
    }
    peak = max(r["briefing_cold"]["peak_pss_mb"] for r in rounds)  # type: ignore[index]
    script_peak = max(r["script_cold"]["peak_pss_mb"] for r in rounds) if raced else 0  # type: ignore[index]
    others = [r[k]["others_cores"] for r in rounds for k in r if isinstance(r[k], dict)]  # type: ignore[index]
    return {
        "n": n,
        "feeds": feeds,
        "hosts": plan(n, feeds)[2],
        "median_wall_s": median,
        "median_cpu_s": cpu,
        "ratio": ratio,
        "ratio_by_round": paired,
        "briefing_cold_ms_per_article": round(1000 * median["briefing_cold"] / n, 2),
        "briefing_cold_peak_pss_mb": peak,
        **({"script_cold_peak_pss_mb": script_peak} if raced else {}),
        "others_cores_median": round(statistics.median(others), 2),
        "rounds": rounds,
    }


def report(size: dict[str, object]) -> str:
    m, r = size["median_wall_s"], size["ratio"]
    assert isinstance(m, dict) and isinstance(r, dict)
    race = ""
    if r:
        race = (
            f"; the script cold {m['script_cold']:.1f} s, warm {m['script_warm']:.2f} s; ratios "
            f"cold {r['cold']:.2f} (goal {GOALS['cold']}), warm {r['warm']:.2f} (goal "
            f"{GOALS['warm']})"
        )
    return (
        f"N={size['n']:,} ({size['feeds']} feeds, {size['hosts']} hosts), medians of "
        f"{len(size['rounds'])}: briefing cold {m['briefing_cold']:.1f} s, warm "  # type: ignore[arg-type]
        f"{m['briefing_warm']:.2f} s{race}; CPU of the process trees (median) "
        f"{_cpus(size['median_cpu_s'])}; briefing cold "
        f"{size['briefing_cold_ms_per_article']} ms/article, peak "
        f"{size['briefing_cold_peak_pss_mb']:.0f} MB; others used "
        f"{size['others_cores_median']} cores meanwhile (median)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000:20:3,5000:200:1", help="articles:feeds:rounds")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds each answer waits")
    parser.add_argument("--json", type=Path, default=RESULTS, help="write the figures here")
    parser.add_argument("--profile", type=Path, help="pyinstrument one cold run into this folder")
    parser.add_argument("--alone", action="store_true", help="briefing only, without the script")
    parser.add_argument(
        "--executor",
        default="processes",
        help='briefing\'s executor: "processes", "dask://HOST:PORT", or "dask" (one started here)',
    )
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"skipped: {PAGES} is not available")
        return 0
    sizes = [tuple(int(x) for x in s.split(":")) for s in args.sizes.split(",") if s.strip()]
    queue: Queue[list[int]] = multiprocessing.Queue()
    stop = multiprocessing.Event()
    anchor = datetime.now(UTC)
    servers = multiprocessing.Process(target=run_hosts, args=(args.latency, queue, stop, anchor))
    servers.start()
    results = []
    load_before = os.getloadavg()
    stack = contextlib.ExitStack()
    try:
        ports = queue.get(timeout=60)
        executor = stack.enter_context(_executor(args.executor))
        print(
            f"{len(list(PAGES.glob('*.html.gz')))} real pages, up to {MAX_HOSTS} hosts, "
            f"{args.latency * 1000:.0f} ms latency, {os.cpu_count()} cores, executor "
            f"{executor[0]}, load average {load_before[0]:.2f}",
            flush=True,
        )
        for n, feeds, count in sizes:
            load_at = round(os.getloadavg()[0], 2)
            rounds = []
            for k in range(count):
                order = ["briefing", "script"][:: 1 if k % 2 == 0 else -1]
                contenders = ["briefing"] if args.alone else order
                rounds.append(one_round(n, feeds, ports, contenders, executor))
                print(f"  N={n:,} round {k + 1}: {_brief(rounds[-1])}", flush=True)
            # Each size keeps the load it ran under: a later run may measure another size.
            load = [load_at, round(os.getloadavg()[0], 2)]
            results.append(summary(n, feeds, rounds) | {"load_average_before_after": load})
            print(report(results[-1]), flush=True)
            if args.profile:
                profile(n, feeds, ports, args.profile, executor[0])
    finally:
        stack.close()  # the cluster started here, if one was
        stop.set()
        servers.join(timeout=10)
    figures = {
        "latency_s": args.latency,
        "cores": os.cpu_count(),
        "executor": args.executor,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "goals": GOALS,
        "sizes": results,
    }
    save(args.json, figures)
    return 0


@contextlib.contextmanager
def _executor(spec: str) -> Iterator[Executor]:
    """The executor setting for briefing's side; "dask" starts a local cluster for the block."""
    if spec != "dask":
        yield spec, None
        return
    with (
        tempfile.TemporaryDirectory(prefix="briefing-race-cluster-") as folder,
        cluster(Path(folder), workers=2) as (address, sid),
    ):
        yield f"dask://{address}", sid


def save(path: Path, figures: dict[str, object]) -> None:
    """Write the figures; sizes measured by an earlier run and not by this one are kept."""
    sizes = figures["sizes"]
    assert isinstance(sizes, list)
    figures["sizes"] = with_earlier_sizes(path, sizes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=1) + "\n")


def _cpus(cpu: object) -> str:
    assert isinstance(cpu, dict)
    return ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in cpu.items())


def _brief(figures: dict[str, object]) -> str:
    walls = {k: v["wall_s"] for k, v in figures.items() if isinstance(v, dict)}
    return ", ".join(f"{k} {v:.2f} s" for k, v in walls.items()) + (
        "" if not figures["warm_rendered_again"] else " (briefing's warm run rendered again)"
    )


if __name__ == "__main__":
    sys.exit(main())
