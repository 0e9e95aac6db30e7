"""Contents page numbers (`target-counter(attr(href), page)`) resolved in two layouts, not three.

WeasyPrint 70 files such a counter under the anchor name `None`, because it reads the name from
the unresolved `attr()` token, and the same slip aliases the list of counters missing from the
box itself to the target's list. So the number is never updated when its target is laid out;
it is updated only because the page holding it looks like it needs page counters of its own,
which makes WeasyPrint lay that page out again whenever its counters change: once when the total
page count becomes known (numbers still zero) and once more after (numbers right). For the
edition that was the contents page laid out three times.

`resolved_target_counters()` files the counter under the anchor the `attr()` names, and leaves
the box's own missing counters empty, as WeasyPrint means to; then the page is laid out again
once, when its targets are found. Only while the block runs, and only on the WeasyPrint version
this was checked against; the PDF is byte for byte the same (tested).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from briefing.render.columns import CHECKED_MAJOR

_SIGNATURE = (
    "self, parent_box, css_token, parse_again_function, missing_counters, missing_target_counters"
)


@contextmanager
def resolved_target_counters() -> Iterator[bool]:
    """While the block runs, `target-counter(attr(...))` is filed under its anchor; yields if so."""
    import weasyprint
    from weasyprint.css.targets import TargetCollector

    stock = TargetCollector.collect_missing_counters
    parameters = ", ".join(inspect.signature(stock).parameters)
    known = weasyprint.__version__.split(".")[0] == CHECKED_MAJOR and parameters == _SIGNATURE
    if not known or getattr(stock, "briefing_fix", False):  # unknown, or already swapped
        yield False
        return

    def collect_missing_counters(
        self: Any,
        parent_box: Any,
        css_token: str,
        parse_again: Any,
        missing_counters: list[str],
        missing_target_counters: dict[Any, list[str]],
    ) -> Any:
        anchor = _attr_anchor(parent_box) if None in missing_target_counters else None
        if css_token == "content" and anchor is not None:
            names = missing_target_counters[None]
            missing_target_counters = {anchor: names}
            if missing_counters is names:  # the alias, not counters the box itself lacks
                missing_counters = []
        return stock(
            self, parent_box, css_token, parse_again, missing_counters, missing_target_counters
        )

    collect_missing_counters.briefing_fix = True  # type: ignore[attr-defined]
    TargetCollector.collect_missing_counters = collect_missing_counters
    try:
        yield True
    finally:
        TargetCollector.collect_missing_counters = stock


def _attr_anchor(box: Any) -> str | None:
    """The anchor a box's `target-counter(attr(name), ...)` points at ("#id" -> "id"), if any."""
    content = box.style["content"]
    if not isinstance(content, tuple | list) or box.element is None:
        return None
    for kind, value in content:
        if kind in ("target-counter()", "target-counters()") and value[0][0] == "attr()":
            target = box.element.get(value[0][1][0], "")
            if target.startswith("#") and len(target) > 1:
                return unquote(target[1:])  # as WeasyPrint reads a fragment
    return None
