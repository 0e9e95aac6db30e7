"""The cyclic garbage collector is paused while a PDF is typeset, and left as it was found."""

from __future__ import annotations

import gc

import pytest

from briefing.render.pdf import cyclic_gc_paused, typeset_pdf


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), cyclic_gc_paused():
        raise ValueError("restored even when the render fails")
    assert gc.isenabled()


def test_a_caller_that_turned_it_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_typesetting_leaves_the_collector_on() -> None:
    pdf, _ = typeset_pdf("<p>Hello.</p>")
    assert pdf.startswith(b"%PDF") and gc.isenabled()
