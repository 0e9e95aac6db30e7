"""Columns laid out in one pass: the same boxes as WeasyPrint's two, the same PDF."""

from __future__ import annotations

from typing import Any

import pytest
from weasyprint import HTML
from weasyprint.layout import block, column

from briefing.render.pdf import deny_all_fetcher, typeset_pdf, with_font_faces
from briefing.render.speedups import weasyprint_patched

TEXT = (
    "harbour bridge storm council ministers agreed overnight after talks collapsed "
    "in the capital while observers said the outcome remained uncertain for weeks"
)
WORDS = TEXT.split(" ")


def _paragraph(seed: int, words: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize()


def _cards(section: int, count: int) -> str:
    cards = []
    for n in range(count):
        seed = section * 31 + n
        cards.append(
            f'<article class="card" id="c{section}-{n}"><h3>{_paragraph(seed, 6)}</h3>'
            f"<p>{_paragraph(seed, 25 + (seed * 13) % 50)}.<a href='https://x.example/{n}'>"
            f"¹</a></p><p class='src'>Reported by <a href='https://y.example/'>y.example</a></p>"
            "</article>"
        )
    return "".join(cards)


def _document(sections: int) -> str:
    """Several pages of cards in two columns, the way the edition's stories are set."""
    body = "".join(
        f"<section><div class='start'><h2>Section {s}</h2>{_cards(s, 1)}</div>{_cards(s, 3)}"
        "</section>"
        for s in range(sections)
    )
    return f"""<html lang="en"><head><style>
      @page {{ size: A5; margin: 12mm; @bottom-center {{ content: counter(page) }} }}
      body {{ font: 9pt/1.4 "Charis SIL", serif; hyphens: auto }}
      main, .spanned {{ columns: 2; column-gap: 5mm; column-fill: auto; }}
      .card {{ break-inside: avoid; margin-bottom: 3mm }}
      .start {{ break-inside: avoid }}
      h2, h3 {{ break-after: avoid; font-family: Inter, sans-serif }}
      p {{ orphans: 2; widows: 2 }}
      .short {{ columns: 3; column-fill: auto }}
      .span {{ column-span: all }}
    </style></head><body>
      <h1>Heading</h1><div class="short"><p>{_paragraph(3, 30)}</p></div>
      <main>{body}</main>
      <div class="spanned">{_cards(8, 1)}<p class="span">{_paragraph(5, 20)}</p>{_cards(9, 2)}</div>
      <footer style="break-before: page">{_paragraph(1, 50)}</footer>
    </body></html>"""


def _layout(html: str) -> list[list[tuple[Any, ...]]]:
    """Every box of every page: its type, element, position, size and text."""
    document = HTML(string=with_font_faces(html), url_fetcher=deny_all_fetcher()).render()
    return [
        [
            (
                type(box).__name__,
                box.element_tag,
                round(box.position_x, 3),
                round(box.position_y, 3),
                round(box.width, 3) if isinstance(box.width, float) else box.width,
                round(box.height, 3) if isinstance(box.height, float) else box.height,
                getattr(box, "text", None),
            )
            for box in page._page_box.descendants()
        ]
        for page in document.pages
    ]


def test_one_pass_gives_the_same_pages_box_for_box() -> None:
    html = _document(sections=2)
    stock = _layout(html)
    with weasyprint_patched() as swapped:
        assert swapped
        one_pass = _layout(html)
    assert len(stock) >= 3  # several pages, so columns break across pages
    assert one_pass == stock


def test_balanced_columns_keep_weasyprints_layout() -> None:
    html = f"<main style='columns: 2; column-fill: balance'>{_cards(1, 2)}</main>"
    stock = _layout(html)
    with weasyprint_patched():
        assert _layout(html) == stock


def test_the_swap_lasts_only_while_the_block_runs() -> None:
    stock = block.columns_layout
    assert stock is column.columns_layout
    with weasyprint_patched() as swapped:
        assert swapped and block.columns_layout is not stock
        with weasyprint_patched() as nested:  # nesting leaves the outer swap in place
            assert not nested
    assert block.columns_layout is stock
    with pytest.raises(ValueError), weasyprint_patched():
        raise ValueError("restored even when the layout fails")
    assert block.columns_layout is stock


def test_the_pdf_is_byte_for_byte_weasyprints() -> None:
    html = _document(sections=2)
    stock = HTML(string=with_font_faces(html), url_fetcher=deny_all_fetcher()).write_pdf()
    assert typeset_pdf(html)[0] == stock
