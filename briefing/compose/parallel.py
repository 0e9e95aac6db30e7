"""Summaries shared among worker processes, or a Dask cluster's workers, with one answer."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..config.values import LOCAL
from ..models import Section, Story
from ..runtime.cluster import dask_client
from ..runtime.workers import Limits, WorkerPool, cpu_count
from .coverage import load_dictionary
from .summarize import summarize_sections, summarize_story

SHARED_SUMMARIES = 8  # fewer stories than this are summarized here: a process costs more
# A story takes well under a second to summarize; a minute is room for the largest on a loaded
# machine while still ending one that runs without end. The memory limit is extraction's default
# (1 GiB added per worker): a summary holds one story's articles, far less than a page parsed.
SUMMARY_LIMITS = Limits(seconds=60.0)

log = logging.getLogger(__name__)


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


def summarize_each(spec: str, budgets: Sequence[tuple[Story, int]]) -> tuple[Story, ...]:
    """Each story summarized within its own word budget, shared as `summarize_on` shares them."""
    processes = cpu_count()
    if len(budgets) < SHARED_SUMMARIES or processes < 2:
        return tuple(summarize_story(story, words) for story, words in budgets)
    if spec == LOCAL:
        return _pooled(budgets, processes)
    with dask_client(spec) as client:
        futures = [client.submit(summarize_story, s, w, pure=False) for s, w in budgets]
        return tuple(client.gather(futures))


def _summarized_here(
    sections: Sequence[Section], words: int, lead_words: int, processes: int
) -> tuple[Section, ...]:
    """Every story summarized in the worker pool, each section's first within `lead_words`."""
    budgets = [
        (story, lead_words if rank == 0 else words)
        for section in sections
        for rank, story in enumerate(section.stories)
    ]
    stories = iter(_pooled(budgets, processes))
    return tuple(
        replace(section, stories=tuple(next(stories) for _ in section.stories))
        for section in sections
    )


def _pooled(budgets: Sequence[tuple[Story, int]], processes: int) -> tuple[Story, ...]:
    """Every story summarized in the worker pool, the largest stories first.

    A story whose job fails, dies or runs out of time is summarized here instead: it is never
    lost, and its summary is the one this process would have made.
    """
    jobs = [_SummaryJob(str(n), story, budget) for n, (story, budget) in enumerate(budgets)]
    load_dictionary()  # once here, before the workers are forked, shared by them all
    with summary_workers(processes) as pool:
        # Queued largest first, each to whichever worker is free: one story can take ten times
        # another, and the largest last would leave the other workers idle waiting for it.
        for job in sorted(jobs, key=lambda j: -len(j.story.articles)):
            pool.submit(job)
        done = pool.results()
    return tuple(_summary(job, done[job.key]) for job in jobs)


def summary_workers(processes: int) -> WorkerPool[_SummaryJob, Story]:
    """The worker pool extraction and feed parsing use, summarizing one story per job."""
    return WorkerPool(_summarize_job, workers=processes, limits=SUMMARY_LIMITS, what="summary")


@dataclass(frozen=True, slots=True)
class _SummaryJob:
    """One story to summarize in a worker, within `words`, answered under `key`."""

    key: str
    story: Story
    words: int


def _summarize_job(job: _SummaryJob) -> Story | str:
    """Run in the worker: the story summarized, or why it could not be."""
    try:
        return summarize_story(job.story, job.words)
    except Exception as exc:  # the parent summarizes the story again, and logs why
        return f"{type(exc).__name__}: {exc}"


def _summary(job: _SummaryJob, outcome: Story | str) -> Story:
    if isinstance(outcome, str):
        log.warning("summary of %r made here: %s", job.story.headline, outcome)
        return summarize_story(job.story, job.words)
    return outcome


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
