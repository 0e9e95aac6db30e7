"""The PDF's source: Lexbor's tree is tinyhtml5's, and the lean user-agent sheet changes nothing."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
import tinyhtml5
import weasyprint
from weasyprint import HTML

from briefing.render import render_html
from briefing.render.pdf import deny_all_fetcher, typeset_pdf, with_font_faces
from briefing.render.source import html_tree, lean_user_agent_sheet, source_document
from tests.big_edition import big_edition
from tests.test_render import make_briefing
from tests.test_render_outputs import hostile_briefing

# Markup where parsers that skip parts of HTML5's tree construction go wrong.
TRICKY = (
    "<p>one<p>two<div>three</div>",
    "<table>stray<tr><td>cell</table>after",
    "<b><i>bold</b>italic</i><p>x<b>y<p>z</b>",
    "<ul><li>a<li>b</ul><dl><dt>t<dd>d</dl>",
    "<p>open<section>closes the p</section><article><h3>h<p>p</article>",
    "<!-- a comment --><title>t</title><body attr=1 ATTR=2><input disabled>&amp;&nbsp;&#8288;",
    "<select><option>a<option>b</select><pre>\n\nkept</pre><textarea>\n x</textarea>",
    "<noscript><p>n</p></noscript><a href=x><div>block in a</div></a>",
)


def _tinyhtml5(html: str) -> bytes:
    return ElementTree.tostring(tinyhtml5.parse(html, namespace_html_elements=False))


@pytest.mark.parametrize("markup", TRICKY)
def test_lexbor_builds_tinyhtml5s_tree(markup: str) -> None:
    assert ElementTree.tostring(html_tree(markup)) == _tinyhtml5(markup)


def test_lexbor_builds_tinyhtml5s_tree_for_the_editions() -> None:
    # Nothing is fetched here: the hostile edition's canary address is only text.
    for briefing in (make_briefing(), big_edition(), hostile_briefing("http://127.0.0.1:9")):
        html = with_font_faces(render_html(briefing))
        assert ElementTree.tostring(html_tree(html)) == _tinyhtml5(html)


def test_foreign_content_and_templates_are_left_to_weasyprint() -> None:
    for markup in ("<p>x<svg><circle r=1 /></svg>", "<template><b>t</b></template>", "<MATH>"):
        document = source_document(markup, None)
        assert ElementTree.tostring(document.etree_element) == _tinyhtml5(markup)


def test_the_pdf_is_the_same_as_weasyprints_own(monkeypatch: pytest.MonkeyPatch) -> None:
    html = render_html(make_briefing())
    ours = typeset_pdf(html)[0]
    # WeasyPrint's own parser and user-agent sheet, through the same typeset_pdf.
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert typeset_pdf(html)[0] == ours


def test_the_lean_sheet_only_where_notes_and_list_items_are_not_styled() -> None:
    plain = source_document("<p>x</p>", None)
    assert plain.ua_sheet is lean_user_agent_sheet(notes=True, markers=True) is not None
    stock = HTML(string="<p>x</p>")._ua_stylesheets()
    assert plain._ua_stylesheets() == [plain.ua_sheet] != stock
    notes = source_document('<p>x<span style="float: footnote">n</span></p>', None)
    assert notes.ua_sheet is lean_user_agent_sheet(notes=False, markers=True)
    both = source_document("<style>b { display: list-item } i { float: footnote }</style>", None)
    assert both.ua_sheet is None and both._ua_stylesheets() == stock


def test_a_footnote_is_typeset_as_weasyprint_does() -> None:
    html = (
        "<style>@page { size: A7 } .fn { float: footnote } li { display: list-item }</style>"
        "<p>Text<span class='fn'>The note.</span> more.</p><ol><li>a</li><li>b</li></ol>"
    )
    fetcher = deny_all_fetcher()
    stock = HTML(string=with_font_faces(html), url_fetcher=fetcher).write_pdf()
    assert typeset_pdf(html)[0] == stock


def test_an_unchecked_weasyprint_version_gets_its_own_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    document = source_document("<p>x</p>", None)
    assert type(document) is HTML
