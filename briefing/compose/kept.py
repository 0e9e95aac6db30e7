"""Summaries kept from earlier runs: a story whose reports did not change keeps its summary.

A story's summary depends on its headline, its articles (each whole: ids, titles, texts, dates),
its word budget, the summarizer's settings and the summarizer itself. The key is a digest of all
of them; the summarizer is named by this version and the source of the modules that make a
summary, so an edited summarizer never serves an old summary. On a day's second run, most
stories are what they were an hour ago; only a story that gained, lost or changed a report is
summarized again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..models import Section, Story
from ..store import open_store
from ..text import clean, sentences
from . import coverage, summarize
from .parallel import summarize_each
from .summarize import Settings


def summarize_kept(
    database: Path, spec: str, sections: Sequence[Section], words: int, lead_words: int
) -> tuple[Section, ...]:
    """`summarize_on`, less the stories whose summary the store keeps from an earlier run."""
    budgets = [
        (story, lead_words if rank == 0 else words)
        for section in sections
        for rank, story in enumerate(section.stories)
    ]
    keys = [summary_key(story, budget) for story, budget in budgets]
    with open_store(database) as store:
        kept = store.kept_summaries(keys)
    made = iter(
        summarize_each(spec, [b for b, k in zip(budgets, keys, strict=True) if k not in kept])
    )
    done = [
        replace(story, summary=kept[key]) if key in kept else next(made)
        for (story, _), key in zip(budgets, keys, strict=True)
    ]
    fresh = {k: s.summary for k, s in zip(keys, done, strict=True) if k not in kept}
    with open_store(database) as store:
        store.keep_summaries(fresh, used=kept)
    stories = iter(done)
    return tuple(
        replace(section, stories=tuple(next(stories) for _ in section.stories))
        for section in sections
    )


def summary_key(story: Story, words: int) -> str:
    """A digest of everything the story's summary is made from."""
    digest = hashlib.sha256(f"{summarizer()}|{words}|{story.headline}".encode())
    for article in story.articles:
        digest.update(f"|{article!r}".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def summarizer() -> str:
    """This version of the summarizer: the version, its settings and its modules' source."""
    digest = hashlib.sha256(f"{__version__}|{Settings()!r}".encode())
    for module in (summarize, coverage, sentences, clean):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()
