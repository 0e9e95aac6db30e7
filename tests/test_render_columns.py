"""Fewer layout passes, the same boxes: one-pass columns, contents page numbers in two layouts."""

from __future__ import annotations

from typing import Any

import pytest
import weasyprint
from weasyprint import HTML
from weasyprint.layout import block, column, page

from briefing.render.columns import single_pass_columns
from briefing.render.pdf import deny_all_fetcher, typeset_pdf, with_font_faces
from briefing.render.targets import resolved_target_counters

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
    with single_pass_columns() as swapped:
        assert swapped
        one_pass = _layout(html)
    assert len(stock) >= 3  # several pages, so columns break across pages
    assert one_pass == stock


def test_balanced_columns_keep_weasyprints_layout() -> None:
    html = f"<main style='columns: 2; column-fill: balance'>{_cards(1, 2)}</main>"
    stock = _layout(html)
    with single_pass_columns():
        assert _layout(html) == stock


def test_the_swap_lasts_only_while_the_block_runs() -> None:
    stock = block.columns_layout
    assert stock is column.columns_layout
    with single_pass_columns() as swapped:
        assert swapped and block.columns_layout is not stock
        with single_pass_columns() as nested:  # nesting leaves the outer swap in place
            assert not nested
    assert block.columns_layout is stock
    with pytest.raises(ValueError), single_pass_columns():
        raise ValueError("restored even when the layout fails")
    assert block.columns_layout is stock


def test_an_unchecked_weasyprint_version_keeps_its_own_layout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with single_pass_columns() as swapped:
        assert not swapped
        assert block.columns_layout is column.columns_layout


CONTENTS = """<html lang="en"><head><style>
  @page { size: A6; margin: 10mm; @bottom-center { content: counter(page) " / " counter(pages) } }
  .contents { break-after: page }
  .contents a::before { content: target-counter(attr(href), page); display: inline-block;
                        width: 8mm }
  section { break-before: page }
</style></head><body>
  <ol class="contents">
    <li><a href="#one">One</a></li><li><a href="#two">Two</a></li>
    <li><a href="#three">Three</a></li>
  </ol>
  <section id="one">First.</section><p>Filler.</p>
  <section id="two">Second.</section><section><p>More.</p></section>
  <section id="three">Third.</section>
</body></html>"""


def _contents_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Collects the index of every page laid out (again) while the monkeypatch lasts."""
    laid_out: list[int] = []
    remake = page.remake_page

    def counted(index: int, *args: Any) -> Any:
        laid_out.append(index)
        return remake(index, *args)

    monkeypatch.setattr(page, "remake_page", counted)
    return laid_out


def test_contents_numbers_are_right_in_two_layouts_not_three(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laid_out = _contents_layouts(monkeypatch)
    stock = _layout(CONTENTS)
    stock_passes = laid_out.count(0)
    laid_out.clear()
    with resolved_target_counters() as swapped:
        assert swapped
        fixed = _layout(CONTENTS)
    assert (stock_passes, laid_out.count(0)) == (3, 2)
    assert fixed == stock
    numbers = [box[6] for box in fixed[0] if box[1] == "a::before" and box[6]]
    assert numbers == ["2", "3", "5"]  # the pages "one", "two" and "three" are on


def test_the_pdf_is_the_same_with_and_without_the_fewer_passes() -> None:
    cards = f"<main style='columns: 2; column-fill: auto'>{_cards(2, 6)}</main></body>"
    html = CONTENTS.replace("</body>", cards)
    stock = HTML(string=with_font_faces(html), url_fetcher=deny_all_fetcher()).write_pdf()
    assert typeset_pdf(html)[0] == stock


def test_the_target_swap_is_undone_and_checks_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.css.targets import TargetCollector

    stock = TargetCollector.collect_missing_counters
    with resolved_target_counters() as swapped, resolved_target_counters() as nested:
        assert swapped and not nested and TargetCollector.collect_missing_counters is not stock
    assert TargetCollector.collect_missing_counters is stock
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with resolved_target_counters() as swapped:
        assert not swapped and TargetCollector.collect_missing_counters is stock
