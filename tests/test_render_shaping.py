"""Text shaped once: the same PDF as WeasyPrint's, with no layout rebuilt for drawing."""

from __future__ import annotations

from typing import Any

import pytest
import weasyprint
from weasyprint import HTML
from weasyprint.text.line_break import Layout

from briefing.render.pdf import deny_all_fetcher, with_font_faces
from briefing.render.shaping import shaped_once

# Plain paragraphs, and the cases that keep WeasyPrint's own sequence: preserved newlines,
# justified text (its spacing changes the layout's attributes) and a ::first-line style.
MIXED = """<html lang="en"><head><style>
  @page { size: A6; margin: 8mm }
  body { font: 9pt "Charis SIL", serif; hyphens: auto }
  pre { white-space: pre-wrap; font-family: Inter }
  .justified { text-align: justify }
  .first::first-line { font-weight: 600 }
</style></head><body>
  <h1>Heading</h1>
  <p>Harbour bridge storm council ministers agreed overnight after talks collapsed in the
  capital while observers said the outcome remained uncertain for weeks to come.</p>
  <pre>line one
line two\r\nline three\u2029after a separator</pre>
  <p class="justified">Justified text spreads its words over the whole measure of the line, so
  its spacing is known only after the line is broken, and drawing uses another layout.</p>
  <p class="first">A first line in another weight, then the rest of the paragraph as usual,
  long enough to need a second and a third line here.</p>
</body></html>"""


def _pdf(html: str) -> bytes:
    document = HTML(string=with_font_faces(html), url_fetcher=deny_all_fetcher())
    return document.write_pdf()


def test_the_pdf_is_byte_for_byte_weasyprints(monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilt: list[Any] = []
    reactivate = Layout.reactivate

    def counted(self: Any, style: Any) -> None:
        rebuilt.append(self.text)
        reactivate(self, style)

    monkeypatch.setattr(Layout, "reactivate", counted)
    stock = _pdf(MIXED)
    stock_rebuilt = len(rebuilt)
    with shaped_once() as swapped:
        assert swapped
        rebuilt.clear()
        ours = _pdf(MIXED)
    assert ours == stock
    # Drawing rebuilt layouts only for the justified lines.
    assert 0 < len(rebuilt) < stock_rebuilt
    justified = " ".join(MIXED.split('class="justified">')[1].split("</p>")[0].split())
    assert all(text.strip() in justified for text in rebuilt)


def test_the_swap_is_undone_nests_and_checks_the_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stock = (Layout.set_text, Layout.deactivate, Layout.reactivate)
    with shaped_once() as swapped, shaped_once() as nested:
        assert swapped and not nested
        assert (Layout.set_text, Layout.deactivate, Layout.reactivate) != stock
    assert (Layout.set_text, Layout.deactivate, Layout.reactivate) == stock
    with pytest.raises(ValueError), shaped_once():
        raise ValueError("undone even when drawing fails")
    assert (Layout.set_text, Layout.deactivate, Layout.reactivate) == stock
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with shaped_once() as swapped:
        assert not swapped and Layout.reactivate is stock[2]
