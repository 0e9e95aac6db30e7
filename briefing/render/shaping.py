"""Text shaped once: the line Pango laid out for the layout is the line drawn.

WeasyPrint 70 breaks a text box's line with a Pango layout, then drops the layout's Pango objects
(`Layout.deactivate`) and keeps only its text. To draw the box it builds them again
(`Layout.reactivate`: a new Pango context, font description and layout, the text set again) and
switches the layout to single-paragraph mode, which makes Pango itemize and shape the line anew.
On the 60-story edition that is one shaping in three and about a tenth of the render's CPU time.

`shaped_once()` keeps the layout's Pango objects, and sets single-paragraph mode when the text is
set rather than at drawing, wherever that mode cannot change the result: text without paragraph
separators (newline, carriage return, U+2029), which is all text once white space has collapsed.
Drawing then finds the line already shaped. A layout is rebuilt as before when it is drawn with
another style than it was laid out with, or with justification spacing (which changes its text
attributes), and text with separators keeps WeasyPrint's own sequence.

Only while the block runs, and only on the WeasyPrint version this was checked against; the PDF
is byte for byte the same (tested). The cost is memory: each text box keeps its Pango layout
until the document is dropped (a few MB for the edition).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from briefing.render.columns import CHECKED_MAJOR

# The characters Pango treats as paragraph separators (pango_find_paragraph_boundary).
_SEPARATORS = re.compile("[\n\r\u2029]")
_SIGNATURES = {
    "set_text": "self, text, justify",
    "deactivate": "self",
    "reactivate": "self, style",
}


@contextmanager
def shaped_once() -> Iterator[bool]:
    """While the block runs, text boxes are drawn from the Pango layout that broke their line;
    yields whether it could (a known WeasyPrint, not already swapped)."""
    import weasyprint
    from weasyprint.text.ffi import pango
    from weasyprint.text.line_break import Layout

    stock = {name: getattr(Layout, name) for name in _SIGNATURES}
    known = weasyprint.__version__.split(".")[0] == CHECKED_MAJOR and all(
        ", ".join(inspect.signature(stock[name]).parameters) == signature
        for name, signature in _SIGNATURES.items()
    )
    if not known or getattr(stock["set_text"], "briefing_fix", False):
        yield False
        return

    def set_text(self: Any, text: str, justify: bool = False) -> None:
        # Drawing asks for single-paragraph mode; asking now, before the text is shaped, spares
        # a second shaping later. Without separators the mode changes nothing.
        single = _SEPARATORS.search(text) is None
        pango.pango_layout_set_single_paragraph_mode(self.layout, single)
        stock["set_text"](self, text, justify)

    def deactivate(self: Any) -> None:
        """Keep the Pango objects: drawing uses them."""

    def reactivate(self: Any, style: Any) -> None:
        kept = getattr(self, "style", None) is style and not self.justification_spacing
        if kept and _SEPARATORS.search(self.text) is None:
            return  # the layout is still there, shaped, with the attributes drawing would set
        stock["reactivate"](self, style)

    set_text.briefing_fix = True  # type: ignore[attr-defined]
    Layout.set_text, Layout.deactivate, Layout.reactivate = set_text, deactivate, reactivate
    try:
        yield True
    finally:
        for name, function in stock.items():
            setattr(Layout, name, function)
