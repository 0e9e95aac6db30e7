"""What a page hides is dropped before trafilatura or its fallbacks read it (Readability's test)."""

from __future__ import annotations

from lxml import etree
from trafilatura.utils import load_html

from briefing.extract.page import OPTIONS, Options, drop_hidden, extract_page, run_trafilatura

STORY = "".join(
    f"<p>Paragraph {i} of the council story: the bridge will close to cars next spring, "
    "officials said on Tuesday.</p>"
    for i in range(3)
)
TEASERS = "".join(
    f"<p>Hidden teaser number {i} about another matter entirely, with words enough to count.</p>"
    for i in range(12)
)


def page(body: str) -> str:
    return f"<html><head><title>Bridge to close</title></head><body>{body}</body></html>"


def test_hidden_other_stories_stay_out_of_the_text() -> None:
    # trafilatura's own extractor skips them, but its fallback takes the longer hidden text.
    html = page(f"<article>{STORY}</article><div style='display:none'>{TEASERS}</div>")
    kept = run_trafilatura(html, "http://127.0.0.1/a", False, Options(hidden=True))
    assert "Hidden teaser" in str(kept.text)
    assert not OPTIONS.hidden
    extraction = extract_page(html, "http://127.0.0.1/a", with_date=False)
    text = "\n".join(extraction.paragraphs)
    assert "council story" in text and "Hidden teaser" not in text


def test_each_way_of_hiding_is_seen_and_the_text_around_stays() -> None:
    tree = load_html(
        page(
            "<p>Shown <span hidden>one</span>before <b style='Visibility : Hidden'>two</b>after"
            " <i style='color: red; DISPLAY:none'>three</i>end <em aria-hidden='true'>four</em>"
            "<img class='fallback-image' aria-hidden='true' alt=''> <u aria-hidden='false'>five</u>"
            f"</p>{STORY}"
        )
    )
    assert drop_hidden(tree) == 4
    text = " ".join(tree.xpath("//body/p[1]")[0].text_content().split())
    assert text == "Shown before after end five"
    assert len(tree.xpath("//img[@class='fallback-image']")) == 1


def test_a_body_hidden_behind_an_open_dialog_is_kept() -> None:
    # Saved with a consent dialog open: the whole article sits in an aria-hidden wrapper.
    html = page(
        f"<div aria-hidden='true'><article>{STORY * 3}</article></div>"
        "<div role='dialog'><p>We value your privacy. Accept all cookies?</p></div>"
        "<script>var consent = 'not yet given, and a long script line besides';</script>"
    )
    tree = load_html(html)
    assert drop_hidden(tree) == 0
    assert "council story" in etree.tostring(tree, encoding="unicode")
    text = "\n".join(extract_page(html, "http://127.0.0.1/a", with_date=False).paragraphs)
    assert "council story" in text
