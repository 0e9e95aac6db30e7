"""A summary does not depend on how busy the machine is (RELIABILITY 39): the search is bounded
by its number of sentences and of branch-and-bound nodes, never stopped by the clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from briefing.compose import coverage
from briefing.compose.coverage import Candidate, Settings, best_cover
from briefing.compose.summarize import summarize_story
from briefing.models import Story

from ..conftest import EVAL, ROOT, need

sys.path.insert(0, str(ROOT / "benchmarks"))
from ecb import to_article  # noqa: E402

TIME_LIMIT = 1  # scipy's milp status when a time (or iteration) limit stopped the search


def large_story() -> Story:
    """Every ECB+ article of three topics as one story: about 80 articles, 1,700 candidates."""
    data = need(EVAL / "clustering" / "documents.jsonl")
    docs = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line]
    topics = sorted({d["topic"] for d in docs})[:3]
    articles = tuple(to_article(d) for d in docs if d["topic"] in topics)
    return Story("large", "", "news", articles)


@contextmanager
def busy_machine() -> Iterator[None]:
    """A process spinning on every core while the block runs; each ended by its own handle."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


@pytest.fixture
def statuses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The status of every search the summarizer runs, recorded as it returns."""
    found: list[int] = []
    real = coverage.milp

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = real(*args, **kwargs)
        found.append(result.status)
        return result

    monkeypatch.setattr(coverage, "milp", recording)
    return found


def test_a_large_story_gets_the_same_summary_on_a_busy_machine(statuses: list[int]) -> None:
    story = large_story()
    assert len(story.articles) >= 60
    budgets = (60, 100)  # before the bounds, the 60-word search often ran into its 1 s limit
    alone = [summarize_story(story, words).summary for words in budgets]
    with busy_machine():
        busy = [summarize_story(story, words).summary for words in budgets]
    assert all(alone)
    assert busy == alone
    # The clock never stopped a search, and without any clock the summaries are the same.
    assert statuses and TIME_LIMIT not in statuses
    unlimited = Settings(time_limit=1e6)
    assert [summarize_story(story, words, unlimited).summary for words in budgets] == alone


def test_the_search_sees_only_the_most_valuable_candidates() -> None:
    weights = {f"w{i}": float(i) for i in range(60)}
    candidates = [
        Candidate(f"Sentence {i} says one thing only here.", 0, i, frozenset({f"w{i}"}))
        for i in range(60)
    ]
    settings = Settings(max_candidates=5, position_bonus=0.0, outlet_bonus=0.0)
    chosen = best_cover(candidates, weights, 60, settings)
    # The budget holds eight such sentences, but only the five worth most were searched.
    assert sorted(c.position for c in chosen) == [55, 56, 57, 58, 59]


def test_what_the_solver_prints_to_stdout_never_reaches_the_terminal(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """HiGHS 1.12 writes a debug line to the process's stdout from C++ now and then, whatever
    its options say; a run's output must not carry it. The line is written here as HiGHS does,
    to file descriptor 1, from inside the solver call."""
    real = coverage.milp
    line = b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n"

    def printing(*args, **kwargs):  # type: ignore[no-untyped-def]
        os.write(1, line)
        return real(*args, **kwargs)

    monkeypatch.setattr(coverage, "milp", printing)
    print("before", flush=True)
    summary = summarize_story(large_story(), 60).summary
    print("after", flush=True)
    assert summary
    assert capfd.readouterr().out == "before\nafter\n"
