"""The Dask path on a cluster started as an operator starts one: the local edition, or exit 9.

`dask scheduler` and `dask worker --nworkers 2 --nthreads 1` run as processes of their own,
each worker under its nanny (a daemonic process, where `multiprocessing` may start no child).
The pages are downloaded and extracted on the workers; the edition must be the one the local
path makes, with no page falling back to its feed's text.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.config import parse_config
from briefing.deliver.schedule import Scheduler
from briefing.demo import AS_OF, SITE, demo_config
from briefing.demo.server import serve
from briefing.extract import executor
from briefing.models import Briefing
from briefing.pipeline import RunResult, generate
from briefing.store import open_store

from ..conftest import need
from .dask_cluster import PAGES, dask_cluster, distributed, farm_toml, news_farm

FARM_AS_OF = datetime(2026, 11, 23, 12, tzinfo=UTC)
DELAY = 0.4  # seconds between two requests to a host: long beside the timing's jitter
# Loaded by each worker before it takes work: this machine cannot start a process.
NO_FORK = """
import errno, os

def refuse_fork():
    raise BlockingIOError(errno.EAGAIN, "fork refused on this worker")

os.fork = refuse_fork
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dask_cluster(tmp_path_factory.mktemp("cluster")) as address:
        yield address


def on_cluster(address: str, make: object) -> tuple[RunResult, list[dict[str, object]]]:
    """The run `make` makes, and the tasks the cluster ran meanwhile."""
    with (
        distributed.Client(f"tcp://{address}") as client,
        distributed.get_task_stream(client=client) as stream,
    ):
        result: RunResult = make()  # type: ignore[operator]
    return result, stream.data


def same_edition(dask: Briefing, local: Briefing) -> None:
    """The same stories, the same articles in each (same text), the same summaries."""
    assert dask.sections == local.sections
    assert [s.summary for s in dask.stories] == [s.summary for s in local.stories]
    assert any(s.summary for s in dask.stories)
    assert dask.failures == local.failures == ()


def test_the_demo_made_on_a_cluster_is_the_local_edition(tmp_path: Path, cluster: str) -> None:
    def demo(folder: Path, executor: str) -> RunResult:
        data = demo_config(site, folder / "out", folder / "demo.db")
        data |= {"executor": executor, "formats": ["html"]}
        return generate(parse_config(data, SITE / "MANIFEST.toml"), as_of=AS_OF)

    with serve(SITE) as server:
        site = server.base_url
        dask, tasks = on_cluster(cluster, lambda: demo(tmp_path / "dask", f"dask://{cluster}"))
        local = demo(tmp_path / "local", "processes")
    read = [t for t in tasks if "read_on_worker" in str(t["key"])]
    assert read and all(t["status"] == "OK" for t in read)  # the pages were read on workers
    assert dask.briefing.stats.articles_new == local.briefing.stats.articles_new == 5
    assert dask.briefing.stats.fallbacks == 0
    same_edition(dask.briefing, local.briefing)


def test_a_farm_of_real_pages_read_on_the_cluster(
    tmp_path: Path, cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    need(PAGES)
    monkeypatch.setattr(executor, "BATCH", 2)  # each site's 3 pages in 2 batches, one at a time

    def farm(folder: Path, spec: str) -> RunResult:
        folder.mkdir()
        toml = farm_toml(sites, folder, spec, host_delay=DELAY)
        (folder / "feeds.toml").write_text(toml)
        config = parse_config(tomllib.loads(toml), folder / "feeds.toml")
        return generate(config, as_of=FARM_AS_OF)

    with news_farm(4, 3, FARM_AS_OF) as sites:
        dask, tasks = on_cluster(cluster, lambda: farm(tmp_path / "dask", f"dask://{cluster}"))
        on_workers = [[r for r in s.requests if r[0] != "/feed.xml"] for s in sites]
        local = farm(tmp_path / "local", "processes")
    read = [t for t in tasks if "read_on_worker" in str(t["key"])]
    assert len(read) == 8 and len({t["worker"] for t in read}) == 2  # both workers took pages
    assert dask.briefing.stats.articles_new == local.briefing.stats.articles_new == 12
    assert dask.briefing.stats.fallbacks == local.briefing.stats.fallbacks == 0
    same_edition(dask.briefing, local.briefing)
    for requests in on_workers:  # the host's delay between the starts, across the workers
        starts = sorted(start for _, start, _ in requests)
        assert len(starts) >= 4  # robots.txt and three pages
        # As the server saw them: a request can reach it late on a loaded machine.
        assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.6 * DELAY, requests


def test_workers_that_cannot_read_any_page_fail_the_run(tmp_path: Path) -> None:
    need(PAGES)
    preload = tmp_path / "no_fork.py"
    preload.write_text(NO_FORK)
    with (
        dask_cluster(tmp_path, workers=1, preload=preload) as address,
        news_farm(2, 2, FARM_AS_OF) as sites,
    ):
        (tmp_path / "feeds.toml").write_text(farm_toml(sites, tmp_path, f"dask://{address}"))
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "briefing",
                "generate",
                "--config",
                "feeds.toml",
                "--as-of",
                FARM_AS_OF.isoformat(),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        # The scheduler's run (a child process, as `briefing schedule` makes it) is logged as
        # failed with the same cause, not as "ran": a scheduled edition degrades no more quietly.
        (tmp_path / "scheduled").mkdir()
        scheduled = parse_config(
            tomllib.loads(farm_toml(sites, tmp_path / "scheduled", f"dask://{address}")),
            tmp_path / "scheduled" / "feeds.toml",
        )
        Scheduler(scheduled, clock=lambda: FARM_AS_OF).run_now()
        with open_store(scheduled.database) as store:
            log = [(event, reason) for _, _, event, reason in store.run_log()]
    assert run.returncode == 9, run.stdout + run.stderr
    last = run.stderr.strip().splitlines()[-1]  # one line: the cluster, the share, the cause
    assert last == (
        f"error: dask://{address}: 4 of 4 pages could not be read on the cluster; first error: "
        "BlockingIOError: [Errno 11] fork refused on this worker"
    )
    edition = (tmp_path / "out" / "briefing-2026-11-23.html").read_text()
    assert "4 of 4 pages could not be read on the cluster" in edition  # What could not be read
    assert log[0][0] == "started" and log[-1][0] == "failed", log
    cause = f"ExecutorError: dask://{address}: 4 of 4 pages could not be read on the cluster"
    assert log[-1][1].startswith(f"BriefingError: the run failed: {cause}"), log
