"""Summaries in the worker pool: a story whose job crashes, fails or runs out of time is
summarized in the parent instead, so the edition is the one-process edition all the same."""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import replace

import pytest

from briefing.compose import parallel
from briefing.compose.summarize import summarize_sections
from briefing.models import Section, Story
from briefing.runtime.workers import Limits

from ..big_edition import big_edition

SUMMARIZE = parallel._summarize_job


def failing(job: parallel._SummaryJob) -> Story | str:
    """Run in the worker: the first story kills it, the second fails, the third never ends."""
    if job.key == "0":
        os.kill(os.getpid(), signal.SIGKILL)
    if job.key == "1":
        return "ValueError: no sentences"
    if job.key == "2":
        time.sleep(60)
    return SUMMARIZE(job)


def test_a_story_whose_job_fails_is_summarized_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(parallel, "SHARED_SUMMARIES", 1)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)
    # Long beside a real summary's time even on a loaded machine: only the sleeper passes it.
    monkeypatch.setattr(parallel, "SUMMARY_LIMITS", Limits(seconds=5.0))
    monkeypatch.setattr(parallel, "_summarize_job", failing)
    sections = tuple(
        Section(s.title, tuple(replace(t, summary=()) for t in s.stories[:3]))
        for s in big_edition().sections[:3]
    )
    with caplog.at_level(logging.WARNING, logger=parallel.__name__):
        shared = parallel.summarize_on("processes", sections, 30, 50)
    assert shared == summarize_sections(sections, 30, 50)
    assert all(story.summary for s in shared for story in s.stories)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "summary worker died" in said
    assert "ValueError: no sentences" in said
    assert "summary took longer than 5 s" in said
    assert len(caplog.records) == 3
