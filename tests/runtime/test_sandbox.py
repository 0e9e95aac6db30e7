"""Work under limits in worker processes: the generic pool, and feeds parsed inside it."""

from __future__ import annotations

import faulthandler
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import briefing.fetch.feeds as feeds
from briefing.demo.server import Canned, serve
from briefing.fetch.feeds import fetch_feeds
from briefing.fetch.http import Fetcher
from briefing.models import FeedResult, FeedSource
from briefing.runtime.workers import Limits, WorkerPool

RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
ITEM = (
    "<item><title>Item {n}</title><link>https://example.org/{n}</link>"
    "<guid>https://example.org/{n}</guid><description>Text {n}.</description></item>"
)


def rss(items: int, words: int = 0) -> bytes:
    """A feed of `items` items; the first one's description `words` words long."""
    long = "<p>" + "word " * words + "</p>"
    first = f"<item><title>Long</title><link>https://example.org/l</link><description><![CDATA[{long}]]></description></item>"
    return RSS.format(items=first + "".join(ITEM.format(n=n) for n in range(items))).encode()


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    what: str


def misbehave(job: Job) -> str:
    """A task that answers, hangs, eats memory or dies, as its job says."""
    if job.what == "hang":
        time.sleep(60)
    if job.what == "hog":
        return str(len(bytearray(2 * 1024**3)))
    if job.what == "crash":
        faulthandler.disable()  # pytest's handler would print the child's stack
        os.kill(os.getpid(), signal.SIGSEGV)
    return f"done {job.key} in {os.getpid()}"


def test_each_job_pays_for_its_own_fault_and_the_rest_go_on() -> None:
    jobs = [Job("a", "ok"), Job("h", "hang"), Job("m", "hog"), Job("c", "crash"), Job("b", "ok")]
    limits = Limits(seconds=1.0, memory_mb=256)
    with WorkerPool[Job, str](misbehave, workers=2, limits=limits, what="testing") as pool:
        for job in jobs:
            pool.submit(job)
        results = pool.results()
    assert results["h"] == "testing took longer than 1 s and was stopped"
    assert results["c"].startswith("the testing worker died")
    assert results["m"].startswith("the testing worker died")  # MemoryError, uncaught by the task
    assert results["a"].startswith("done a in ") and results["b"].startswith("done b in ")
    assert str(os.getpid()) not in results["a"]  # it ran in a worker, not here


def test_run_answers_each_thread_its_own_job() -> None:
    with WorkerPool[Job, str](misbehave, workers=2, what="testing") as pool:
        with ThreadPoolExecutor(8) as threads:
            answers = list(threads.map(lambda n: pool.run(Job(str(n), "ok")), range(40)))
        assert pool.results() == {}  # every answer went to the thread that asked
    assert [a.split()[1] for a in answers] == [str(n) for n in range(40)]


PARSE = feeds._parse_job


def hang_on_slow_feeds(job: feeds._ParseJob) -> FeedResult:
    if "slow" in job.source.url:
        time.sleep(60)
    return PARSE(job)


def sources(base: str, *paths: str) -> list[FeedSource]:
    return [FeedSource(p, f"{base}/{p}", "World", timeout=5, max_bytes=50_000_000) for p in paths]


def test_a_feed_that_hangs_its_parser_costs_that_feed(
    fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(feeds, "_parse_job", hang_on_slow_feeds)
    monkeypatch.setattr(feeds, "PARSE_LIMITS", Limits(seconds=1.0, memory_mb=512))
    canned = {"/good": Canned(200, rss(3)), "/slow": Canned(200, rss(3))}
    with serve(tmp_path, canned) as server:
        good, slow = fetch_feeds(sources(server.base_url, "good", "slow"), fetcher, no_validators)
    assert good.ok and len(good.entries) == 4
    assert slow.error == "parsing took longer than 1 s and was stopped"


def test_a_feed_too_big_for_the_parsers_memory_is_refused_alone(
    fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Real feedparser in a real worker under a real address-space limit.
    monkeypatch.setattr(feeds, "PARSE_LIMITS", Limits(seconds=30.0, memory_mb=4))
    canned = {"/good": Canned(200, rss(3)), "/huge": Canned(200, rss(3, words=2_000_000))}
    with serve(tmp_path, canned) as server:
        good, huge = fetch_feeds(sources(server.base_url, "good", "huge"), fetcher, no_validators)
    assert good.ok and len(good.entries) == 4
    # Python's MemoryError, or a C library aborting on a failed allocation: the feed, alone.
    assert huge.error is not None
    assert huge.error == "the feed needed more than 4 MB to parse" or huge.error.startswith(
        "the parsing worker died"
    )


def no_validators(url: str) -> tuple[None, None]:
    return None, None
