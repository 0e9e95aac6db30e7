"""WeasyPrint 70 with its one costly repeat removed: columns laid out once. One switch, one version.

WeasyPrint 70 lays out every page of a multi-column box twice: a first pass fills each column at
the full height left on the page, to learn whether the content fits and, for `column-fill:
balance`, how tall balanced columns must be; then it throws those boxes away and lays the same
columns out again at the height it chose. For `column-fill: auto` the height it chooses is always
that full height, so the second pass repeats the first exactly. The edition's stories run in such
columns: without the first pass the 60-story edition's PDF takes about a quarter less CPU time
(docs/rendering.md has the figures, and those of the patches measured and dropped).

`weasyprint_patched()` swaps in a layout that does only the second pass, for the case where that
is provably the same: `column-fill: auto`, a column count and no column width, no `column-span`,
no set height, no relative positioning and no footnotes. Every other multi-column box gets
WeasyPrint's own function. The swap lasts only while the block runs; tests compare both layouts
box by box, and the PDF byte for byte.

It patches a private function, so it applies only where it was checked: WeasyPrint 70 (the
version pyproject.toml pins) with the same `columns_layout` signature. Any other version gets
WeasyPrint's own layout and a logged warning. `BRIEFING_WEASYPRINT_PATCHES=0` turns it off.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

SWITCH = "BRIEFING_WEASYPRINT_PATCHES"  # "0" (or "false", "no", "off") turns the patch off
# The WeasyPrint major version whose `columns_layout` (layout/column.py) this mirrors.
CHECKED_MAJOR = "70"
_SIGNATURE = (
    "context, box, bottom_space, skip_stack, containing_block, page_is_empty, absolute_boxes, "
    "fixed_boxes, adjoining_margins, first_letter_style, first_line_style"
)


def patches_on() -> bool:
    """Whether the switch allows the patch (it does unless set to 0, false, no or off)."""
    return os.environ.get(SWITCH, "1").strip().lower() not in ("0", "false", "no", "off")


def weasyprint_checked() -> bool:
    """Whether the installed WeasyPrint is the one the patch was written for; warns once if not."""
    import weasyprint
    from weasyprint.layout import column

    parameters = ", ".join(inspect.signature(column.columns_layout).parameters)
    return _checked(weasyprint.__version__, parameters == _SIGNATURE)


@functools.cache
def _checked(version: str, same_signature: bool) -> bool:
    """The version check, its warning logged once per version."""
    if version.split(".")[0] == CHECKED_MAJOR and same_signature:
        return True
    log.warning(
        "WeasyPrint %s is not the version the PDF speed-up was written for (%s.x): "
        "PDFs are typeset without it, about a third slower",
        version,
        CHECKED_MAJOR,
    )
    return False


@contextmanager
def weasyprint_patched() -> Iterator[bool]:
    """While the block runs, lay out `column-fill: auto` columns once; yields whether it could
    (switched on, a checked WeasyPrint, and not already swapped by an enclosing block)."""
    if not (patches_on() and weasyprint_checked()):
        yield False
        return
    from weasyprint.layout import block, column

    stock = column.columns_layout
    if block.columns_layout is not stock:  # already swapped (nested use): leave it alone
        yield False
        return
    block.columns_layout = _one_pass(stock)
    try:
        yield True
    finally:
        block.columns_layout = stock


def _one_pass(stock: Any) -> Any:
    """WeasyPrint's `columns_layout`, doing only its final pass where that gives the same boxes."""

    def columns_layout(
        context: Any,
        box: Any,
        bottom_space: float,
        skip_stack: Any,
        containing_block: Any,
        page_is_empty: bool,
        absolute_boxes: list[Any],
        fixed_boxes: list[Any],
        adjoining_margins: list[Any],
        first_letter_style: Any,
        first_line_style: Any,
    ) -> Any:
        args = (context, box, bottom_space, skip_stack, containing_block, page_is_empty)
        rest = (absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style)
        if not _plain_auto_columns(context, box):
            return stock(*args, *rest, first_line_style)
        return _lay_out_columns(*args, *rest, first_line_style)

    return columns_layout


def _plain_auto_columns(context: Any, box: Any) -> bool:
    """True when the stock layout's first pass cannot change what its second pass makes."""
    style = box.style
    return bool(
        box.children
        and style["column_fill"] == "auto"
        and style["column_width"] == "auto"
        and style["column_count"] != "auto"
        and style["height"] == "auto"
        and style["position"] != "relative"
        and context.current_footnote_area.height == "auto"
        and not (context.footnotes or context.current_page_footnotes or context.reported_footnotes)
        and all(child.style["column_span"] != "all" for child in box.children)
    )


def _lay_out_columns(
    context: Any,
    box: Any,
    bottom_space: float,
    skip_stack: Any,
    containing_block: Any,
    page_is_empty: bool,
    absolute_boxes: list[Any],
    fixed_boxes: list[Any],
    adjoining_margins: list[Any],
    first_letter_style: Any,
    first_line_style: Any,
) -> Any:
    """The columns of one page: each filled in turn, down to the page's bottom space.

    This is the last loop of WeasyPrint's `columns_layout` with the column height it would have
    chosen (all the height left), so the boxes, the resume point and the box height are its own.
    """
    from weasyprint.layout.block import block_box_layout, block_level_width, collapse_margin
    from weasyprint.layout.column import _create_column_box
    from weasyprint.layout.percent import percentage

    context.in_column = True
    box = box.copy_with_children(box.children)
    box.position_y += collapse_margin(adjoining_margins)
    block_level_width(box, containing_block)
    style = box.style
    if style["column_gap"] == "normal":
        gap = style["font_size"]  # 1em, as WeasyPrint reads `normal`
    else:
        gap = percentage(style["column_gap"], style, box.width)
    count = style["column_count"]
    width = max(0, box.width - (count - 1) * gap) / count

    skip = next(iter(skip_stack)) if skip_stack else 0
    children = [child.copy() for child in box.children[skip:]]
    column_skip = {0: skip_stack[skip]} if skip_stack else None
    top = box.content_box_y()
    columns: list[Any] = []
    next_page = {"break": "any", "page": None}
    for index in range(count):
        column_box = _create_column_box(box, containing_block, children, width, top)
        column_box.position_x += index * (width + gap)
        new_column, column_skip, column_next_page, _, _, _ = block_box_layout(
            context, column_box, bottom_space, column_skip, containing_block, page_is_empty,
            absolute_boxes, fixed_boxes, None, first_letter_style, first_line_style,
            discard=False, max_lines=None,
        )  # fmt: skip
        if new_column is None:
            context.in_column = False
            return None, (0, None), {"break": "any", "page": None}, [], False
        next_page = column_next_page
        columns.append(new_column)
        if column_skip is None:
            break

    height = max(column.margin_height() for column in columns)
    for column in columns:
        column.height = height
    box.children = columns
    _set_height(box, min(context.page_bottom - top - bottom_space, height))
    resume_at = None
    if column_skip:
        (child_skip,) = column_skip
        resume_at = {skip + child_skip: column_skip[child_skip]}
    context.in_column = False
    return box, resume_at, next_page, [], False


def _set_height(box: Any, height: float) -> None:
    """The multi-column box's height, and its last columns stretched to a min-height, as stock."""
    difference = 0.0
    if box.height == "auto":
        box.height = height
    else:
        difference = box.height - height
    if box.min_height != "auto" and box.min_height > box.height:
        difference += box.min_height - box.height
        box.height = box.min_height
    for child in box.children:
        child.height += difference
