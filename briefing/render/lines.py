"""Line breaks remembered within one render: text laid out again is not broken into lines again.

WeasyPrint 70 lays some text out more than once. A story card that does not fit in what is left
of a column (`break-inside: avoid`) is laid out until it overflows, thrown away and laid out again
at the top of the next column, at the same width; and the contents page is laid out a second
time once its page numbers are known. Each time, every line of that text goes through
`split_first_line`, which shapes the text with Pango (several times per line, to find the break
and try hyphenation) and returns the first line's layout and metrics. On the 60-story edition one
call in ten repeats an earlier one exactly.

`split_first_line` is a function of its arguments: the text, the computed style (not changed
once computed), the available width, the justification spacing and two flags (the layout context
only lends it its hyphenation dictionaries). So `remembered_line_breaks()` keeps its results for
the length of one render and returns the same metrics for the same arguments, with a copy of
the (deactivated) `Layout`, which holds only the line's text and settings: drawing rebuilds its
Pango objects from them. The cache keeps each style object alive, so an `id()` is never reused
for another style while the cache lasts.
Only on the WeasyPrint version this was checked against; the pages are the same box for box.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from briefing.render.columns import CHECKED_MAJOR

_SIGNATURE = "text, style, context, max_width, justification_spacing, is_line_start, minimum"


@contextmanager
def remembered_line_breaks() -> Iterator[bool]:
    """While the block runs, repeated `split_first_line` calls of line layout reuse the first
    result; yields whether it could (a known WeasyPrint, not already swapped)."""
    import weasyprint
    from weasyprint.layout import inline

    stock = inline.split_first_line
    parameters = ", ".join(inspect.signature(stock).parameters)
    known = weasyprint.__version__.split(".")[0] == CHECKED_MAJOR and parameters == _SIGNATURE
    if not known or getattr(stock, "briefing_cache", None) is not None:
        yield False
        return
    cache: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...]]] = {}

    def split_first_line(
        text: str,
        style: Any,
        context: Any,
        max_width: float | None,
        justification_spacing: float,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> tuple[Any, ...]:
        key = (text, id(style), max_width, justification_spacing, is_line_start, minimum)
        hit = cache.get(key)
        if hit is not None and hit[0] is style:
            layout, *metrics = hit[1]
            return (copy.copy(layout), *metrics)  # a box's own Layout, as without the cache
        result: tuple[Any, ...] = stock(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
        cache[key] = (style, result)
        return result

    split_first_line.briefing_cache = cache  # type: ignore[attr-defined]
    inline.split_first_line = split_first_line
    try:
        yield True
    finally:
        inline.split_first_line = stock
        cache.clear()
