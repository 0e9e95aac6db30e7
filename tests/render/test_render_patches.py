"""The WeasyPrint patch behind one switch and one version: the same edition with it as without."""

from __future__ import annotations

import dataclasses
import io
import logging
from typing import Any

import pytest
import weasyprint
from pypdf import PdfReader
from weasyprint.layout import block, column

from briefing.render import render_html, speedups
from briefing.render.pdf import typeset_pdf
from briefing.render.speedups import SWITCH, weasyprint_patched
from tests.big_edition import big_edition


def _pages_and_text(pdf: bytes) -> tuple[int, list[str]]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return len(pages), [page.extract_text() for page in pages]


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per page of columns the patch lays out itself."""
    calls: list[int] = []
    stock = speedups._lay_out_columns

    def counted(*args: Any) -> Any:
        calls.append(1)
        return stock(*args)

    monkeypatch.setattr(speedups, "_lay_out_columns", counted)
    return calls


def test_an_edition_has_the_same_pages_and_text_with_and_without_the_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    edition = big_edition()
    # Two sections: pages of columns that break across pages, in a few seconds.
    html = render_html(dataclasses.replace(edition, sections=edition.sections[:2]))
    calls = _counting(monkeypatch)
    monkeypatch.delenv(SWITCH, raising=False)
    patched = _pages_and_text(typeset_pdf(html)[0])
    patched_calls = len(calls)
    monkeypatch.setenv(SWITCH, "0")
    stock = _pages_and_text(typeset_pdf(html)[0])
    assert patched_calls >= 3 and len(calls) == patched_calls  # on, then off
    assert stock[0] >= 3
    assert patched == stock


@pytest.mark.parametrize("value", ["0", "off", "False", " no "])
def test_the_switch_turns_the_patch_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(SWITCH, value)
    with weasyprint_patched() as swapped:
        assert not swapped and block.columns_layout is column.columns_layout


def test_the_patch_is_on_by_default_and_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in (None, "1", "yes"):
        if value is None:
            monkeypatch.delenv(SWITCH, raising=False)
        else:
            monkeypatch.setenv(SWITCH, value)
        with weasyprint_patched() as swapped:
            assert swapped and block.columns_layout is not column.columns_layout
    assert block.columns_layout is column.columns_layout


def test_an_unchecked_weasyprint_keeps_its_own_layout_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    speedups._checked.cache_clear()
    with caplog.at_level(logging.WARNING, logger=speedups.__name__):
        for _ in range(2):
            with weasyprint_patched() as swapped:
                assert not swapped and block.columns_layout is column.columns_layout
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "WeasyPrint 71.0" in warnings[0]  # once, not every render


def test_a_changed_signature_keeps_weasyprints_own_layout(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    monkeypatch.setattr(column, "columns_layout", lambda context, box: None)
    with caplog.at_level(logging.WARNING, logger=speedups.__name__), weasyprint_patched() as on:
        assert not on
    assert any("not the version" in r.getMessage() for r in caplog.records)
