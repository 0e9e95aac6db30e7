"""Extraction's workers are forked with the appeal model and jusText's stop words already read."""

from __future__ import annotations

import pytest
from trafilatura import external

from briefing.extract import appeals
from briefing.extract.page import Extraction
from briefing.extract.workers import PageJob, WorkerPool


def _what_the_worker_holds(page: str, url: str, with_date: bool) -> Extraction:
    """Run in the worker before anything there reads either: what it was forked with."""
    model = appeals._shipped.cache_info().currsize
    held = f"model={model} stopwords={external.JT_STOPLIST is not None}"
    return Extraction(held, ("text",), None, "", "", "")


def test_workers_are_forked_with_the_model_and_stop_words_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    appeals._shipped.cache_clear()
    monkeypatch.setattr(external, "JT_STOPLIST", None)
    with WorkerPool(workers=1, extractor=_what_the_worker_holds) as pool:
        answer = pool.run(PageJob("a", "<p>page</p>", "http://127.0.0.1/a"))
    assert isinstance(answer, Extraction)
    assert answer.title == "model=1 stopwords=True"
