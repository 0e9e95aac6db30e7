"""The warm PDF renderer: the same PDF as a fresh child, the same limits, nothing left running."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pyphen
import pytest
from pypdf import PdfReader

from briefing.errors import RenderError
from briefing.render import Typesetter, render_html, render_pdf
from briefing.render.typesetter import _load

from ..render.test_render import make_briefing


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, no-break spaces (the masthead keeps its title on one line) as spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return text.replace("\xa0", " ")


def test_a_warm_typesetter_makes_the_pdf_a_fresh_child_makes() -> None:
    html = render_html(make_briefing())
    with Typesetter(["en-us", "de"]) as typesetter:
        time.sleep(0.2)  # the parent goes on with other work while the child loads
        pdf = typesetter.render(html)
    assert pdf.startswith(b"%PDF-")
    assert "Morning Briefing" in pdf_text(pdf)
    assert pdf_text(pdf) == pdf_text(render_pdf(html))


def test_its_time_limit_runs_from_the_moment_the_html_is_sent() -> None:
    with Typesetter(timeout=0.5) as typesetter:
        time.sleep(1.0)  # waiting longer than the limit before the HTML comes costs nothing
        started = time.monotonic()
        with pytest.raises(RenderError, match="longer than"):
            typesetter.render("<p>" + "word " * 20000 + "</p>")
    assert time.monotonic() - started < 10


def test_its_memory_limit_is_a_render_error() -> None:
    with Typesetter(memory_mb=64) as typesetter, pytest.raises(RenderError):
        typesetter.render("<p>x</p>")


def test_a_run_that_ends_without_a_pdf_leaves_no_child() -> None:
    typesetter = Typesetter()
    with typesetter:
        child = typesetter._child
        assert child is not None and child.is_alive()
    assert not child.is_alive()


def test_it_renders_once_and_only_inside_its_block() -> None:
    with pytest.raises(RuntimeError):
        Typesetter().render("<p>x</p>")
    with Typesetter() as typesetter:
        typesetter.render("<p>one</p>")
        with pytest.raises(RuntimeError):
            typesetter.render("<p>two</p>")


def test_a_dead_warm_child_falls_back_to_a_fresh_one() -> None:
    with Typesetter() as typesetter:
        assert typesetter._child is not None
        typesetter._child.kill()
        typesetter._child.join()
        pdf = typesetter.render(render_html(make_briefing()))
    assert "Morning Briefing" in pdf_text(pdf)


def test_the_dictionaries_layout_asks_for_are_parsed_ahead() -> None:
    wanted = Path(pyphen.LANGUAGES[pyphen.language_fallback("de")])
    pyphen.hdcache.pop(wanted, None)
    _load(("de", "not-a-language", "en-us"))
    assert wanted in pyphen.hdcache


def test_no_render_leaves_temporary_files_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint copies the fonts to a temporary folder only its finaliser removes, and a child
    ends without finalisers: the parent removes the child's folder, even when it killed it."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the children fork with it
    html = render_html(make_briefing())
    assert render_pdf(html).startswith(b"%PDF-")
    with Typesetter() as typesetter:
        assert typesetter.render(html).startswith(b"%PDF-")
    with Typesetter(timeout=0.5) as typesetter, pytest.raises(RenderError, match="longer than"):
        typesetter.render(html.replace("</body>", "<p>" + "word " * 20000 + "</p></body>"))
    assert list(tmp_path.iterdir()) == []
