"""What keeps a run fast as the day grows: downloads in turns by host, a bounded edition, reruns
that reuse the edition already written, and the store's JSON of a Briefing."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from briefing.compose.parallel import summarize_on
from briefing.compose.sections import story_rank
from briefing.compose.summarize import summarize_sections
from briefing.config import parse_config
from briefing.demo import AS_OF, SITE, demo_config
from briefing.demo.server import serve
from briefing.extract.articles import extract_articles, in_turns_by_host
from briefing.fetch.http import Fetcher
from briefing.models import Briefing, Entry, FeedSource, Section
from briefing.pipeline import RunResult, generate
from briefing.store.codec import from_json, to_json


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(SITE) as server:
        yield server.base_url


def edition(site: str, folder: Path, **settings: object) -> RunResult:
    data = demo_config(site, folder / "out", folder / "demo.db") | {"formats": ["html"]}
    return generate(parse_config(data | settings, SITE / "MANIFEST.toml"), as_of=AS_OF)


@pytest.fixture(scope="module")
def cold(site: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """The demo edition made once; the tests below run again on it in order."""
    folder = tmp_path_factory.mktemp("cold")
    return edition(site, folder), folder


def copy_of(folder: Path, tmp_path: Path) -> Path:
    shutil.copytree(folder, tmp_path / "copy")
    return tmp_path / "copy"


# --- reruns with nothing new ---------------------------------------------------------------


def test_a_rerun_with_nothing_new_reuses_the_edition_written(
    site: str, cold: tuple[RunResult, Path]
) -> None:
    first, folder = cold
    html = first.outputs[0]
    written = html.stat().st_mtime_ns
    again = edition(site, folder)
    assert again.outputs == (html,)
    assert html.stat().st_mtime_ns == written  # not written again
    assert again.briefing.sections == first.briefing.sections
    assert again.briefing.generated == first.briefing.generated  # the edition on disk
    stats = again.briefing.stats
    assert (stats.feeds_unchanged, stats.articles_new, stats.articles) == (5, 0, 5)
    assert "5 unchanged" in again.summary_line() and "0 new" in again.summary_line()


def test_a_changed_output_file_is_rendered_again(site: str, cold: tuple[RunResult, Path]) -> None:
    cold[0].outputs[0].write_text("edited by hand", encoding="utf-8")
    again = edition(site, cold[1])
    assert "Lavrov" in again.outputs[0].read_text(encoding="utf-8")


def test_a_changed_setting_renders_again(site: str, cold: tuple[RunResult, Path]) -> None:
    # Last of the three on the first run's own folder: the key covers the store's path too.
    again = edition(site, cold[1], title="Another title")
    assert "Another title" in again.outputs[0].read_text(encoding="utf-8")


def test_a_briefing_survives_the_store_json(cold: tuple[RunResult, Path]) -> None:
    briefing = cold[0].briefing
    assert from_json(to_json(briefing), Briefing) == briefing


# --- a bounded edition ----------------------------------------------------------------------


def test_max_stories_keeps_the_best_ranked_and_counts_the_rest(
    site: str, cold: tuple[RunResult, Path], tmp_path: Path
) -> None:
    everything = cold[0].briefing
    assert len(everything.stories) == 3
    best = sorted(everything.stories, key=story_rank)[:2]
    trimmed = edition(site, copy_of(cold[1], tmp_path), max_stories=2)
    assert [s.id for s in trimmed.briefing.stories] == [s.id for s in best]
    assert trimmed.briefing.stats.stories == 2
    left = [f for f in trimmed.briefing.filtered if "more stor" in f.subject]
    assert [f.subject for f in left] == ["1 more story in World"]
    assert "1 more story in World" in trimmed.outputs[0].read_text(encoding="utf-8")
    assert from_json(to_json(trimmed.briefing), Briefing) == trimmed.briefing


# --- downloads in turns by host ---------------------------------------------------------------


def entry(url: str, n: int) -> Entry:
    return Entry(f"e{n}", "Feed", "World", url, f"Title {n}", "", None)


def test_entries_are_taken_in_turns_by_host() -> None:
    urls = ["http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://c/1", "http://b/2"]
    order = in_turns_by_host([entry(u, n) for n, u in enumerate(urls)])
    assert [urls[i] for i in order] == [
        "http://a/1",
        "http://b/1",
        "http://c/1",
        "http://a/2",
        "http://b/2",
        "http://a/3",
    ]


class _Slow(BaseHTTPRequestHandler):
    starts: list[tuple[str, float]] = []

    def do_GET(self) -> None:  # noqa: N802
        self.starts.append((self.server.server_address[0], time.monotonic()))  # type: ignore[arg-type]
        time.sleep(0.3)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_a_busy_site_does_not_hold_up_the_others(fetcher: Fetcher) -> None:
    hosts = [ThreadingHTTPServer((f"127.0.0.{n}", 0), _Slow) for n in (1, 2)]
    for host in hosts:
        threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        a, b = (
            f"http://127.0.0.{n}:{h.server_address[1]}" for n, h in zip((1, 2), hosts, strict=True)
        )
        # Feed order: all of one site, then the other.
        entries = [entry(f"{a}/{n}.html", n) for n in range(8)] + [entry(f"{b}/x.html", 8)]
        source = FeedSource("Feed", a, "World", full_text=True, timeout=10)
        extract_articles(entries, [source], fetcher, workers=4)
    finally:
        for host in hosts:
            host.shutdown()
            host.server_close()
    first_b = min(t for host, t in _Slow.starts if host == "127.0.0.2")
    last_a = max(t for host, t in _Slow.starts if host == "127.0.0.1")
    # In feed order, site b waited behind the eight pages of site a (two at a time).
    assert first_b < last_a - 0.5


# --- summaries on every core ----------------------------------------------------------------


def test_summaries_shared_among_processes_are_the_summaries_made_here(
    cold: tuple[RunResult, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("briefing.compose.parallel.SHARED_SUMMARIES", 1)
    monkeypatch.setattr("briefing.compose.parallel.cpu_count", lambda: 2)
    stories = [replace(s, summary=()) for s in cold[0].briefing.stories]
    # A section of two: its second story gets the shorter budget wherever it is summarized.
    sections = (
        Section("Pair", tuple(stories[:2])),
        *(Section(f"Section {n}", (story,)) for n, story in enumerate(stories[2:])),
    )
    shared = summarize_on("processes", sections, 30, 50)
    assert shared == summarize_sections(sections, 30, 50)
    assert [s.title for s in shared] == [s.title for s in sections]
    assert all(story.summary for s in shared for story in s.stories)
