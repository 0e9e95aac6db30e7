"""Line breaks remembered within a render: the same pages, fewer calls to the line breaker."""

from __future__ import annotations

from typing import Any

import pytest
import weasyprint
from weasyprint.layout import inline

from briefing.render.lines import remembered_line_breaks
from briefing.render.pdf import typeset_pdf
from tests.test_render_columns import CONTENTS, _document, _layout


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every call that reaches WeasyPrint's own split_first_line."""
    calls: list[str] = []
    stock = inline.split_first_line

    def counted(  # the signature remembered_line_breaks checks for
        text: str,
        style: Any,
        context: Any,
        max_width: Any,
        justification_spacing: Any,
        is_line_start: bool = True,
        minimum: bool = False,
    ) -> Any:
        calls.append(text)
        return stock(text, style, context, max_width, justification_spacing, is_line_start, minimum)

    monkeypatch.setattr(inline, "split_first_line", counted)
    return calls


def test_the_pages_are_the_same_box_for_box_with_fewer_line_breaks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _counting(monkeypatch)
    html = _document(sections=2)
    stock = _layout(html)
    stock_calls = len(calls)
    calls.clear()
    with remembered_line_breaks() as swapped:
        assert swapped
        remembered = _layout(html)
    assert remembered == stock
    # Cards pushed to the next column are laid out twice; their lines are broken once.
    assert len(calls) < stock_calls


def test_the_contents_page_laid_out_again_reuses_its_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _counting(monkeypatch)
    stock = _layout(CONTENTS)
    stock_calls = len(calls)
    calls.clear()
    with remembered_line_breaks() as swapped:
        assert swapped and _layout(CONTENTS) == stock
    assert 0 < len(calls) < stock_calls


def test_the_pdf_is_byte_for_byte_weasyprints(monkeypatch: pytest.MonkeyPatch) -> None:
    html = CONTENTS.replace("</body>", _document(sections=2).split("<body>")[1])
    ours = typeset_pdf(html)[0]
    monkeypatch.setattr(weasyprint, "__version__", "71.0")  # every swap off
    assert typeset_pdf(html)[0] == ours


def test_the_swap_is_undone_nests_and_checks_the_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stock = inline.split_first_line
    with remembered_line_breaks() as swapped, remembered_line_breaks() as nested:
        assert swapped and not nested and inline.split_first_line is not stock
    assert inline.split_first_line is stock
    with pytest.raises(ValueError), remembered_line_breaks():
        raise ValueError("undone even when the layout fails")
    assert inline.split_first_line is stock
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with remembered_line_breaks() as swapped:
        assert not swapped and inline.split_first_line is stock
