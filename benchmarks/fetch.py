"""The feed stage at scale: 200 feeds of 25 entries on 20 hosts, each host answering with latency.

Twenty servers listen on 127.0.0.1 ... 127.0.0.20 (each its own host to the fetcher), in a child
process so the figures below are the fetcher's own. The cold run fetches and parses every feed
into a fresh store; the warm run asks again with the stored ETags and every feed answers 304.
Reported: wall time, peak memory of this process, and the most requests any one host had in
flight at once (the cap is [fetch] per_host, 2 by default). Each round starts from an empty
store; the medians of the rounds are written to benchmarks/results/fetch.json (or --json PATH),
with the load average at the start.

    .venv/bin/python benchmarks/fetch.py [--latency 0.05] [--workers 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline_site import answer
from record import machine, results_path, write_results

from briefing.config import Config, parse_config
from briefing.fetch.feeds import fetch_feeds, waiting_results
from briefing.fetch.http import Fetcher, policy_for
from briefing.store import open_store

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

HOSTS = 20
FEEDS = 200
ENTRIES = 25


def feed_body(host: int, number: int) -> bytes:
    """One RSS feed of ENTRIES items, each with its own link and date."""
    base = f"http://127.0.0.{host}"
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    items = "".join(
        f"<item><title>Feed {number} story {i} about the talks</title>"
        f"<link>{base}/{number}/story-{i}.html</link><guid>{base}/{number}/{i}</guid>"
        f"<pubDate>{(start - timedelta(minutes=7 * i)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate><description>&lt;p&gt;Paragraph {i} of feed {number}, with a few more "
        f"words so the entry is not empty.&lt;/p&gt;</description></item>"
        for i in range(ENTRIES)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}</title>'
        f"<link>{base}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


class Host(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, number: int, latency: float) -> None:
        super().__init__((f"127.0.0.{number}", 0), Handler)
        self.number = number
        self.latency = latency
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: Host
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/stats":
            self._send(200, json.dumps({"peak": self.server.peak}).encode(), "")
            return
        with self.server.lock:
            self.server.active += 1
            self.server.peak = max(self.server.peak, self.server.active)
        try:
            time.sleep(self.server.latency)
            number = int(self.path.strip("/").removesuffix(".xml").removeprefix("feed"))
            etag = f'"f{number}"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", etag)
            else:
                self._send(200, feed_body(self.server.number, number), etag)
        finally:
            with self.server.lock:
                self.server.active -= 1

    def _send(self, status: int, body: bytes, etag: str) -> None:
        answer(self, status, body, "application/rss+xml", etag)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def run_hosts(latency: float, ports: Queue[list[int]], stop: Event) -> None:
    hosts = [Host(n, latency) for n in range(1, HOSTS + 1)]
    for host in hosts:
        threading.Thread(target=host.serve_forever, daemon=True).start()
    ports.put([h.server_address[1] for h in hosts])
    stop.wait()


def host_peaks(ports: list[int]) -> list[int]:
    peaks = []
    for n, port in enumerate(ports, start=1):
        with urllib.request.urlopen(f"http://127.0.0.{n}:{port}/stats", timeout=5) as answer:
            peaks.append(json.loads(answer.read())["peak"])
    return peaks


def one_run(config: Config, label: str) -> dict[str, float]:
    """One fetch of every due feed into the config's store: wall seconds and failures."""
    started = time.monotonic()
    with open_store(config.database) as store, Fetcher(policy=policy_for(config.fetch)) as f:
        due, _ = waiting_results(config.feeds, store.feed_states(), datetime.now(UTC))
        results = fetch_feeds(due, f, store.validators, workers=config.workers)
        store.save_feed_results(results, datetime.now(UTC))
        store.save_feed_schedule(results)
    wall = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    failed = sum(1 for r in results if r.error)
    unchanged = sum(1 for r in results if r.not_modified)
    entries = sum(len(r.entries) for r in results)
    print(
        f"{label}: {len(results)} feeds in {wall:.2f} s, {entries} entries, {unchanged} unchanged "
        f"(304), {failed} failed; peak RSS so far {peak:.0f} MB",
        flush=True,
    )
    return {"wall": wall, "failed": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each answer waits")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="cold and warm runs, each fresh")
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    args = parser.parse_args()
    started = machine()
    ports_queue: Queue[list[int]] = multiprocessing.Queue()
    stop = multiprocessing.Event()
    child = multiprocessing.Process(target=run_hosts, args=(args.latency, ports_queue, stop))
    child.start()
    try:
        ports = ports_queue.get(timeout=20)
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"RSS before fetching (interpreter and libraries): {baseline:.0f} MB")
        rounds = [one_round(ports, args) for _ in range(args.rounds)]
        peaks = host_peaks(ports)
    finally:
        stop.set()
        child.join(timeout=10)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_host = rounds[0]["per_host"]
    figures = {
        **started,
        "feeds": FEEDS,
        "entries": ENTRIES,
        "hosts": HOSTS,
        "latency_s": args.latency,
        "workers": args.workers,
        "per_host": per_host,
        "rounds": args.rounds,
        "cold_s": [r["cold"]["wall"] for r in rounds],
        "warm_s": [r["warm"]["wall"] for r in rounds],
        "cold_median_s": statistics.median(r["cold"]["wall"] for r in rounds),
        "warm_median_s": statistics.median(r["warm"]["wall"] for r in rounds),
        "failed": sum(r["cold"]["failed"] + r["warm"]["failed"] for r in rounds),
        "rss_before_mb": round(baseline),
        "peak_rss_mb": round(rss),
        "most_at_once_on_one_host": max(peaks),
    }
    print(f"peak RSS of the fetching process: {rss:.0f} MB")
    print(f"most concurrent requests any host saw: {max(peaks)} (cap {per_host})")
    warm = figures["warm_median_s"]
    print(f"warm run goal (< 2 s): {'met' if warm < 2 else 'NOT met'} (median {warm:.2f} s)")
    documented = (args.latency, args.workers) == (0.05, 8)
    write_results(results_path("fetch", args, documented), figures)
    return 0 if max(peaks) <= per_host and not figures["failed"] else 1


def one_round(ports: list[int], args: argparse.Namespace) -> dict[str, Any]:
    """A cold and a warm run of every feed into a fresh store."""
    with tempfile.TemporaryDirectory() as scratch:
        feeds = [
            {
                "name": f"Feed {i}",
                "url": f"http://127.0.0.{i % HOSTS + 1}:{ports[i % HOSTS]}/feed{i}.xml",
                "topic": "World",
            }
            for i in range(FEEDS)
        ]
        data = {
            "database": str(Path(scratch) / "bench.db"),
            "workers": args.workers,
            "defaults": {"max_articles": ENTRIES},
            "fetch": {"allow_networks": ["127.0.0.0/27"]},
            "feeds": feeds,
        }
        config = parse_config(data, Path(scratch) / "feeds.toml")
        print(
            f"{FEEDS} feeds x {ENTRIES} entries on {HOSTS} hosts, {args.latency * 1000:.0f} ms "
            f"latency, workers {config.workers}, per_host {config.fetch.per_host}, "
            f"host_delay {config.fetch.host_delay} s",
            flush=True,
        )
        cold = one_run(config, "cold")
        warm = one_run(config, "warm")
    return {"cold": cold, "warm": warm, "per_host": config.fetch.per_host}


if __name__ == "__main__":
    sys.exit(main())
