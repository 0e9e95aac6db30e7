"""The Dask path: the demo edition extracted on a Dask cluster is the edition made locally."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.config import parse_config
from briefing.demo import AS_OF, SITE, demo_config
from briefing.demo.server import serve
from briefing.pipeline import RunResult, generate

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local Dask cluster on 127.0.0.1, started by the test: one worker, two threads."""
    with distributed.LocalCluster(
        host="127.0.0.1",
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        dashboard_address=None,
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The demo site, served once, so both runs read the same URLs."""
    with serve(SITE) as server:
        yield server.base_url


def demo_edition(site: str, tmp_path: Path, executor: str) -> RunResult:
    data = demo_config(site, tmp_path / "out", tmp_path / "demo.db")
    data |= {"executor": executor, "formats": ["html"]}
    return generate(parse_config(data, SITE / "MANIFEST.toml"), as_of=AS_OF)


def test_the_dask_path_gives_the_local_briefing(tmp_path: Path, scheduler: str, site: str) -> None:
    host_port = scheduler.removeprefix("tcp://")
    with (
        distributed.Client(scheduler) as client,
        distributed.get_task_stream(client=client) as stream,
    ):
        on_dask = demo_edition(site, tmp_path / "dask", f"dask://{host_port}")
    extracted = [t for t in stream.data if "extract_remote" in str(t["key"])]
    assert len(extracted) == 5  # one task per article page, each done on the cluster
    local = demo_edition(site, tmp_path / "local", "processes")
    assert on_dask.briefing.stats.articles_new == local.briefing.stats.articles_new == 5
    assert on_dask.briefing.stats.fallbacks == 0
    # The same stories, the same articles in each (same text), the same summaries.
    assert on_dask.briefing.sections == local.briefing.sections
    assert [s.headline for s in on_dask.briefing.stories] == [
        s.headline for s in local.briefing.stories
    ]
    assert all(s.summary for s in on_dask.briefing.stories)
    assert on_dask.briefing.failures == local.briefing.failures == ()
