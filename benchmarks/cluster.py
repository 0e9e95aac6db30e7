"""`briefing generate` on a Dask cluster beside the local executor, on one machine, cold.

The site is `pipeline_site.py`'s: the 119 real pages of `../shared/eval/extraction/html/` under
distinct URLs, in F feeds on up to 50 loopback hosts, each answer `--latency` late. The cluster
is started here as an operator starts one (`dask scheduler`; `dask worker --nworkers 2
--nthreads 1`, each worker under its nanny), unless `--executor dask://HOST:PORT` names one.

Each round runs `briefing generate` twice in fresh folders, once with `executor = "processes"`
and once with the cluster, who goes first alternating by round, so the machine's load falls on
both alike (the machine is shared: medians over rounds, and the ratio of medians). HTML only:
the PDF would add the same time to both and hide the difference. Per run: wall time; CPU of the
coordinator's process tree (wait4) and of every process of the workers' session (utime and
stime of the living, cutime and cstime of those they reaped), whose ratio is the share of the
work done on the workers; the articles read and how many fell back to the feed's text.

    .venv/bin/python benchmarks/cluster.py [--sizes 1000:20:3,5000:200:1] [--latency 0.02]
        [--executor dask://HOST:PORT] [--json benchmarks/results/cluster.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline_site import MAX_HOSTS, PAGES, edition_path, plan, run_hosts
from record import with_earlier_sizes

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "cluster.json"
DASK = Path(sys.executable).with_name("dask")
GOAL = 1.2  # the cluster path's wall time at most this many times the local executor's
TICKS = os.sysconf("SC_CLK_TCK")
_DONE = re.compile(r"(\d+) articles \((\d+) new, (\d+) fell back")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def cluster(folder: Path, workers: int) -> Iterator[tuple[str, int]]:
    """A scheduler and `workers` single-threaded workers: the address, and the workers' session."""
    port = free_port()
    scheduler = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port)]
    worker = [str(DASK), "worker", f"tcp://127.0.0.1:{port}", "--nworkers", str(workers)]
    worker += ["--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
    started = []
    try:
        for command, log in ((scheduler + ["--no-dashboard"], "scheduler"), (worker, "workers")):
            with (folder / f"{log}.log").open("wb") as out:
                started.append(
                    subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
                )
            time.sleep(2)  # the scheduler listens before the workers look for it
        _wait_for_workers(f"tcp://127.0.0.1:{port}", workers)
        yield f"127.0.0.1:{port}", started[1].pid
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def _wait_for_workers(address: str, workers: int) -> None:
    from distributed import Client  # the benchmark's own optional import

    with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call]
        client.wait_for_workers(workers, timeout=120)


def session_cpu(sid: int) -> float:
    """CPU seconds of every process in session `sid`, with the children each has reaped."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / TICKS


def setup(folder: Path, n: int, feeds: int, ports: list[int], executor: str) -> Path:
    hosts = plan(n, feeds)[2]
    lines = [
        f'title = "Cluster benchmark, {n} articles"',
        f'executor = "{executor}"',
        'formats = ["html"]',
        "[defaults]",
        f"max_articles = {plan(n, feeds)[1]}",  # every entry of a feed, not the newest 30
        "[fetch]",
        'allow_networks = ["127.0.0.0/24"]',
    ]
    for k in range(feeds):
        host = f"127.0.0.{k % hosts + 2}:{ports[k % hosts]}"
        url = f"http://{host}/{edition_path(n, feeds)}/feed{k}.xml"
        lines += ["[[feeds]]", f'name = "Outlet {k + 1}"', f'url = "{url}"', 'topic = "World"']
    folder.mkdir(parents=True)
    (folder / "feeds.toml").write_text("\n".join(lines) + "\n")
    return folder


def run(folder: Path, workers_sid: int | None) -> dict[str, object]:
    """One cold `briefing generate`: wall time, CPU here and on the workers, what it read."""
    before = session_cpu(workers_sid) if workers_sid else 0.0
    started = time.monotonic()
    command = [sys.executable, "-m", "briefing", "generate", "--config", "feeds.toml"]
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    workers = (session_cpu(workers_sid) - before) if workers_sid else 0.0
    here = usage.ru_utime + usage.ru_stime
    done = _DONE.search(out)
    return {
        "wall_s": round(wall, 3),
        "exit": process.returncode,
        "cpu_here_s": round(here, 2),
        "cpu_workers_s": round(workers, 2),
        "share_on_workers": round(workers / (workers + here), 3) if workers + here else 0.0,
        "articles": int(done.group(1)) if done else None,
        "fell_back": int(done.group(3)) if done else None,
        "last_line": (out.strip().splitlines() or err.strip().splitlines() or [""])[-1][:300],
    }


def one_round(
    n: int, feeds: int, ports: list[int], spec: str, sid: int | None, first: str
) -> dict[str, object]:
    order = [first, "dask" if first == "local" else "local"]
    figures: dict[str, object] = {"first": first}
    with tempfile.TemporaryDirectory(prefix="briefing-cluster-") as scratch:
        for who in order:
            executor = spec if who == "dask" else "processes"
            folder = setup(Path(scratch) / who, n, feeds, ports, executor)
            figures[who] = run(folder, sid if who == "dask" else None)
    return figures


def summary(n: int, feeds: int, rounds: list[dict[str, object]]) -> dict[str, object]:
    walls = {w: [r[w]["wall_s"] for r in rounds] for w in ("local", "dask")}  # type: ignore[index]
    median = {w: round(statistics.median(v), 3) for w, v in walls.items()}
    shares = [r["dask"]["share_on_workers"] for r in rounds]  # type: ignore[index]
    return {
        "n": n,
        "feeds": feeds,
        "hosts": plan(n, feeds)[2],
        "median_wall_s": median,
        "ratio": round(median["dask"] / median["local"], 3),
        "ratio_by_round": [
            round(d / lo, 3) for d, lo in zip(walls["dask"], walls["local"], strict=True)
        ],
        "share_on_workers_median": round(statistics.median(shares), 3),
        "goal": GOAL,
        "rounds": rounds,
    }


def report(size: dict[str, object]) -> str:
    m = size["median_wall_s"]
    assert isinstance(m, dict)
    return (
        f"N={size['n']:,} ({size['feeds']} feeds, {size['hosts']} hosts), medians of "
        f"{len(size['rounds'])}: local {m['local']:.1f} s, cluster {m['dask']:.1f} s, ratio "  # type: ignore[arg-type]
        f"{size['ratio']:.2f} (goal at most {GOAL}); {size['share_on_workers_median']:.0%} of "
        "the CPU spent on the workers"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000:20:3,5000:200:1", help="articles:feeds:rounds")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds each answer waits")
    parser.add_argument("--executor", help="dask://HOST:PORT of a running cluster")
    parser.add_argument("--workers", type=int, default=2, help="worker processes to start")
    parser.add_argument("--json", type=Path, default=RESULTS, help="write the figures here")
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"skipped: {PAGES} is not available")
        return 0
    sizes = [tuple(int(x) for x in s.split(":")) for s in args.sizes.split(",") if s.strip()]
    # SIGTERM unwinds like Ctrl-C: the cluster and the site are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    queue: Queue[list[int]] = multiprocessing.Queue()
    stop = multiprocessing.Event()
    anchor = datetime.now(UTC)
    servers = multiprocessing.Process(target=run_hosts, args=(args.latency, queue, stop, anchor))
    servers.start()
    load_before = os.getloadavg()
    results = []
    try:
        ports = queue.get(timeout=60)
        with contextlib.ExitStack() as stack:
            if args.executor:
                spec, sid = args.executor, None
            else:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                address, sid = stack.enter_context(cluster(folder, args.workers))
                spec = f"dask://{address}"
            print(
                f"{MAX_HOSTS} hosts, {args.latency * 1000:.0f} ms latency, {os.cpu_count()} "
                f"cores, cluster {spec}, load average {load_before[0]:.2f}",
                flush=True,
            )
            for n, feeds, count in sizes:
                load_at = round(os.getloadavg()[0], 2)
                rounds = []
                for k in range(count):
                    first = ("local", "dask")[k % 2]
                    rounds.append(one_round(n, feeds, ports, spec, sid, first))
                    print(f"  N={n:,} round {k + 1}: {_brief(rounds[-1])}", flush=True)
                results.append(summary(n, feeds, rounds) | {"load_average_at_start": load_at})
                print(report(results[-1]), flush=True)
                write(args, load_before, results)  # each size as it is done: 5,000 takes long
    finally:
        stop.set()
        servers.join(timeout=10)
    write(args, load_before, results)
    return 0


def write(
    args: argparse.Namespace,
    load_before: tuple[float, float, float],
    results: list[dict[str, object]],
) -> None:
    figures = {
        "latency_s": args.latency,
        "cores": os.cpu_count(),
        "workers": args.workers,
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "sizes": with_earlier_sizes(args.json, results),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=1) + "\n")


def _brief(figures: dict[str, object]) -> str:
    parts = []
    for who in ("local", "dask"):
        f = figures[who]
        assert isinstance(f, dict)
        parts.append(
            f"{who} {f['wall_s']:.1f} s (exit {f['exit']}, {f['articles']} articles, "
            f"{f['fell_back']} fell back, {f['share_on_workers']:.0%} on workers)"
        )
    return "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
