"""Summaries shared among worker processes, or a Dask cluster's workers, with one answer."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from ..config.values import LOCAL
from ..models import Section, Story
from ..runtime.cluster import dask_client
from ..runtime.workers import cpu_count, die_with_parent
from .coverage import load_dictionary
from .summarize import summarize_sections, summarize_story

SHARED_SUMMARIES = 8  # fewer stories than this are summarized here: a process costs more


def summarize_on(
    spec: str, sections: Sequence[Section], words: int, lead_words: int
) -> tuple[Section, ...]:
    """`summarize_sections`, shared among the executor's processes or workers.

    Each story is summarized on its own, as in one process, so the result is the one-process
    result. Here the stories are dealt out one at a time, largest first, to whichever process is
    free (one story can take ten times another); a cluster gets whole sections.
    """
    groups = _balanced(sections, cpu_count())
    if sum(len(s.stories) for s in sections) < SHARED_SUMMARIES or len(groups) < 2:
        return summarize_sections(sections, words, lead_words)
    if spec == LOCAL:
        return _summarized_here(sections, words, lead_words, len(groups))
    else:
        with dask_client(spec) as client:
            futures = [
                client.submit(summarize_sections, g, words, lead_words, pure=False) for g in groups
            ]
            done = client.gather(futures)
    by_title = {s.title: s for group in done for s in group}
    return tuple(by_title[s.title] for s in sections)


def _summarized_here(
    sections: Sequence[Section], words: int, lead_words: int, processes: int
) -> tuple[Section, ...]:
    """Every story summarized in a pool of forked processes, the largest stories first."""
    jobs = [
        (story, lead_words if rank == 0 else words)
        for section in sections
        for rank, story in enumerate(section.stories)
    ]
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0].articles))
    load_dictionary()  # once here, shared by the forked processes
    with summary_processes(processes) as pool:
        done = pool.map(_summarize_job, [jobs[i] for i in order], chunksize=1)
        summarized = dict(zip(order, done, strict=True))
    stories = iter(summarized[i] for i in range(len(jobs)))
    return tuple(
        replace(section, stories=tuple(next(stories) for _ in section.stories))
        for section in sections
    )


def summary_processes(processes: int) -> ProcessPoolExecutor:
    """A pool of forked processes that end with this one, however it ends."""
    fork = multiprocessing.get_context("fork")  # the summarizer is already imported
    return ProcessPoolExecutor(
        processes, mp_context=fork, initializer=die_with_parent, initargs=(os.getpid(),)
    )


def _summarize_job(job: tuple[Story, int]) -> Story:
    story, words = job
    return summarize_story(story, words)


def _balanced(sections: Sequence[Section], bins: int) -> list[tuple[Section, ...]]:
    """Sections in at most `bins` groups of about equal work (reports to read), largest first."""
    work = sorted(sections, key=lambda s: -sum(len(t.articles) for t in s.stories))
    groups: list[list[Section]] = [[] for _ in range(max(1, min(bins, len(sections))))]
    loads = [0] * len(groups)
    for section in work:
        lightest = loads.index(min(loads))
        groups[lightest].append(section)
        loads[lightest] += sum(len(t.articles) for t in section.stories)
    return [tuple(g) for g in groups if g]
