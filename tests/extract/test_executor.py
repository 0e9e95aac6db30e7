"""The executor setting and the worker pool that takes pages while they are being downloaded."""

from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

import pytest

from briefing.config import parse_config
from briefing.errors import ConfigError
from briefing.extract import Extraction, Limits, PageJob, extract_page
from briefing.extract.executor import executor_problem, open_executor
from briefing.extract.workers import WorkerPool

SITE = Path(__file__).resolve().parents[2] / "briefing" / "demo" / "site"
PAGES = sorted(SITE.glob("*/*.html"))


def jobs() -> list[PageJob]:
    return [
        PageJob(f"{p.parent.name}-{n}", p.read_text(encoding="utf-8"), f"http://x/{n}/{p.name}")
        for n in range(3)
        for p in PAGES
    ]


def test_pages_submitted_from_many_threads_give_what_one_process_gives() -> None:
    wanted = jobs()
    with WorkerPool(workers=2) as pool:
        # Downloads hand pages over from their own threads, at their own pace.
        threads = [
            threading.Thread(target=lambda part=part: [pool.submit(j) for j in part])
            for part in (wanted[0::3], wanted[1::3], wanted[2::3])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results = pool.results()
    assert set(results) == {j.key for j in wanted}
    for job in wanted:
        found = results[job.key]
        assert isinstance(found, Extraction)
        assert found == extract_page(job.page, job.url)


def test_extraction_starts_before_the_last_page_arrives(tmp_path: Path) -> None:
    log = tmp_path / "started.txt"

    def noting(page: str, url: str, with_date: bool = True) -> Extraction:
        with log.open("a") as out:  # written in the worker process
            out.write(f"{url} {time.time()}\n")
        return extract_page(page, url, with_date)

    first, *rest = jobs()
    with WorkerPool(workers=1, extractor=noting) as pool:
        pool.submit(first)
        time.sleep(1.0)
        last_submitted = time.time()
        for job in rest:
            pool.submit(job)
        results = pool.results()
    started = dict(line.split() for line in log.read_text().splitlines())
    assert float(started[first.url]) < last_submitted  # a pool waiting for all would not
    assert len(results) == len(rest) + 1
    assert all(isinstance(r, Extraction) for r in results.values())


def test_a_hanging_page_in_the_stream_costs_that_page_only() -> None:
    def hang(page: str, url: str, with_date: bool = True) -> Extraction:
        if "hang" in url:
            time.sleep(60)
        return extract_page(page, url, with_date)

    good = jobs()[:2]
    slow = PageJob("slow", good[0].page, "http://x/hang")
    with WorkerPool(workers=1, limits=Limits(seconds=1.0), extractor=hang) as pool:
        for job in (good[0], slow, good[1]):
            pool.submit(job)
        results = pool.results()
    assert results["slow"] == "extraction took longer than 1 s and was stopped"
    assert all(isinstance(results[j.key], Extraction) for j in good)


def test_leaving_the_pool_early_drops_pages_quickly() -> None:
    started = time.monotonic()
    with WorkerPool(workers=1) as pool:
        for job in jobs():
            pool.submit(job)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("processes", None),
        ("threads", "unknown executor 'threads'"),
        ("dask://", "executor 'dask://' names no host and port"),
        ("dask://scheduler", "executor 'dask://scheduler' names no host and port"),
    ],
)
def test_executor_values(value: str, problem: str | None) -> None:
    assert executor_problem(value) == problem


def test_dask_executor_without_dask_installed_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "distributed" else real(name, *a),
    )
    with pytest.raises(ConfigError) as caught:
        parse_config({"executor": "dask://127.0.0.1:8786"}, tmp_path / "feeds.toml")
    assert caught.value.key == "executor"
    assert "pip install 'briefing[dask]'" in str(caught.value)
    assert "needs Dask" in str(caught.value)


def test_unknown_executor_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"executor": "threads"}, tmp_path / "feeds.toml")
    assert caught.value.key == "executor"
    assert parse_config({}, tmp_path / "feeds.toml").executor == "processes"


def test_unreachable_dask_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("briefing.runtime.cluster.CONNECT_TIMEOUT", 1.0)
    with (
        pytest.raises(ConfigError, match="cannot reach the Dask scheduler"),
        open_executor("dask://127.0.0.1:9", limits=Limits()),
    ):
        pass
