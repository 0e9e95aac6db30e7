"""One clean line of text, whatever way the feed or the page wrote it."""

from __future__ import annotations

from briefing.extract import extract_page
from briefing.text.clean import clean_text, clean_text_unfolded

COMPOSED = "Le conseil a voté la fermeture du pont à la circulation dès le printemps prochain."
DECOMPOSED = COMPOSED.replace("é", "e\u0301").replace("à", "a\u0300").replace("è", "e\u0300")


def test_a_line_is_folded_unescaped_and_composed() -> None:
    assert DECOMPOSED != COMPOSED
    assert clean_text(f" Le\tconseil &amp;\x07\n {DECOMPOSED} ") == f"Le conseil & {COMPOSED}"


def test_unfolded_is_the_same_but_for_its_white_space() -> None:
    raw = f" Le\tconseil &amp;\x07&nbsp;\n {DECOMPOSED} "
    unfolded = clean_text_unfolded(raw)
    assert unfolded == f" Le\tconseil &\xa0\n {COMPOSED} "
    assert " ".join(unfolded.split()) == clean_text(raw)


def test_a_page_that_writes_its_accents_apart_gives_the_text_composed() -> None:
    body = "".join(f"<p>{DECOMPOSED} Paragraphe {i}.</p>" for i in range(4))
    page = f"<html><head><title>Pont</title></head><body><article>{body}</article></body></html>"
    paragraphs = extract_page(page, "https://example.org/pont", with_date=False).paragraphs
    assert paragraphs[0] == f"{COMPOSED} Paragraphe 0."
