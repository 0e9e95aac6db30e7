"""A PDF that one story cannot cost: when typesetting fails, the stories to blame are found by
halving, and the edition is typeset again without them.

Each attempt typesets the edition with only some of its stories, under a time limit of its share
of `render_timeout` T (plus a floor, since even one story pays for the masthead and the fonts).
A part that fails is halved again, down to single stories; a part that passes is cleared. A
story that hangs costs T/2 + T/4 + ... plus a floor per halving (about 180 s for 60 stories at
T = 120 s); the search gives up after that plus 2T, so with the first attempt and the last the
PDF takes at most 4T and that chain (about 11 minutes), and far less when a story fails fast.

Only a story that fails alone is blamed. When every part passes (an edition too big as a whole),
or the edition fails even without any story (its masthead or footer), there is no PDF: a
RenderError, as before.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..errors import RenderError
from ..models import Briefing, Failure, Section, Story

# Every attempt may take this long (or the whole limit, when that is shorter) whatever its share:
# a story alone typesets in well under a second.
FLOOR = 10.0
STAGE = "pdf"  # the stage named in the footer's "What could not be read"

Typeset = Callable[[Briefing, float], bytes]  # the edition and a time limit -> PDF, or RenderError


def make_pdf(
    briefing: Briefing,
    html: str,
    first: Callable[[str], bytes],
    typeset: Typeset,
    timeout: float,
) -> tuple[bytes | None, tuple[Failure, ...], str]:
    """The edition's PDF from its HTML by `first`, or if that fails, without the stories to
    blame (`salvage_pdf`); with a note for each story left out, or why there is no PDF."""
    try:
        return first(html), (), ""
    except RenderError as failure:
        try:
            pdf, notes = salvage_pdf(briefing, failure, typeset, timeout)
        except RenderError as exc:
            return None, (), f"no PDF was written: {exc}"
    return pdf, notes, ""


def salvage_pdf(
    briefing: Briefing, failure: RenderError, typeset: Typeset, timeout: float
) -> tuple[bytes, tuple[Failure, ...]]:
    """The PDF without the stories that make `failure`, and a note for each story left out."""
    search = _Search(briefing, typeset, timeout)
    if search.fails(()) is not None:
        raise RenderError(f"{failure.message} (even without its stories)")
    blamed = search.culprits(briefing.stories, failure.message)
    if not blamed:
        raise failure
    notes = tuple(left_out(story, why) for story, why in blamed)
    gone = {id(story) for story, _ in blamed}
    kept = [s for s in briefing.stories if id(s) not in gone]
    return typeset(noted(only(briefing, kept), notes), timeout), notes


def left_out(story: Story, why: str) -> Failure:
    """The footer's note of a story the PDF leaves out, and why."""
    url = story.articles[0].url if story.articles else ""
    return Failure(STAGE, story.headline, url, f"left out of the PDF: {why}")


def noted(briefing: Briefing, notes: Sequence[Failure]) -> Briefing:
    """The briefing with these notes in its footer (after the feeds' and articles' failures)."""
    return replace(briefing, failures=briefing.failures + tuple(notes))


def only(briefing: Briefing, stories: Sequence[Story]) -> Briefing:
    """The edition with just these stories, each in its section; sections left empty go."""
    keep = {id(s) for s in stories}
    sections = (
        Section(s.title, tuple(t for t in s.stories if id(t) in keep)) for s in briefing.sections
    )
    return replace(briefing, sections=tuple(s for s in sections if s.stories))


class _Search:
    """Attempts at parts of one edition, each within its share of the time, all within one limit."""

    def __init__(self, briefing: Briefing, typeset: Typeset, timeout: float) -> None:
        self.briefing = briefing
        self.typeset = typeset
        self.timeout = timeout
        self.floor = min(FLOOR, timeout / 2)
        self.total = max(len(briefing.stories), 1)
        self.deadline = time.monotonic() + self.limit()

    def limit(self) -> float:
        """Seconds the whole search may take: what halving down to one failing story may cost,
        each step at its share, and twice the PDF's limit for all the attempts that pass."""
        levels = math.ceil(math.log2(self.total)) if self.total > 1 else 0
        steps = (self.floor + self.timeout / 2**level for level in range(1, levels + 1))
        total: float = 2 * self.timeout + sum(min(step, self.timeout) for step in steps)
        return total

    def fails(self, stories: Sequence[Story]) -> str | None:
        """Why the edition of just these stories cannot be typeset in its share; None if it can."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RenderError(
                f"PDF rendering failed, and no story to blame was found in {self.limit():.0f} s"
            )
        share = self.floor + self.timeout * len(stories) / self.total
        try:
            self.typeset(only(self.briefing, stories), min(share, self.timeout, left))
        except RenderError as exc:
            return exc.message
        return None

    def culprits(self, stories: Sequence[Story], why: str) -> list[tuple[Story, str]]:
        """Among stories known to fail together (for `why`), each that fails alone, and why."""
        if len(stories) == 1:
            return [(stories[0], why)]
        half = len(stories) // 2
        found = []
        for part in (stories[:half], stories[half:]):
            reason = self.fails(part)
            if reason is not None:
                found += self.culprits(part, reason)
        return found
