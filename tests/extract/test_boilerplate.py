"""What the page says about itself (its declared titles, its links) and the rules that use it."""

from __future__ import annotations

import re

import pytest

from briefing.extract import boilerplate, page_hints, strip_boilerplate

BODY = "The council voted on Tuesday to close the old bridge to cars from next spring."


def page(head: str, body: str = "<h1>Lorem</h1>") -> str:
    return f"<html><head>{head}</head><body>{body}<p>{BODY}</p></body></html>"


def test_the_declared_titles_are_read_from_the_head_only() -> None:
    hints = page_hints(
        page(
            "<title>Bridge to close &amp; reopen | The Courier</title>"
            "<meta content='Bridge to close' property='og:title'>"
            '<meta name="description" content="Not a title">',
            body="<svg><title>An icon</title></svg>",
        )
    )
    assert hints.declared == ("bridge to close reopen the courier", "bridge to close")


def test_a_heading_that_repeats_the_declared_title_goes() -> None:
    hints = page_hints(page("<title>Bridge to close - The Courier</title>"))
    kept, removed = strip_boilerplate(["Bridge to close", BODY], hints, rules={"headline"})
    assert kept == [BODY] and removed == [("Bridge to close", "headline")]


def test_a_site_name_before_the_declared_title_is_allowed() -> None:
    headline = "Illegal crossings at the eastern border double in a year"
    hints = page_hints(page(f"<title>Federal Police News: {headline}</title>"))
    kept, _ = strip_boilerplate([headline, BODY], hints, rules={"headline"})
    assert kept == [BODY]


def test_a_heading_the_page_does_not_declare_stays() -> None:
    # Readability keeps such a heading: the page's only h1, its <title> about something else.
    hints = page_hints(page("<title>RTL Test</title>"))
    kept, removed = strip_boilerplate(["Lorem", BODY], hints)
    assert kept == ["Lorem", BODY] and removed == []


def test_a_paragraph_that_opens_with_the_title_words_is_not_a_headline() -> None:
    first = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor."
    hints = page_hints(page("<title>Lorem ipsum dolor sit amet – My website</title>"))
    kept, _ = strip_boilerplate([first, BODY], hints, rules={"headline"})
    assert kept == [first, BODY]


def test_a_declared_title_matches_its_heading_however_its_accents_are_written() -> None:
    # The head spells "é" as "e" and a combining accent, the body as one letter.
    hints = page_hints(page("<title>Le pont ferme\u0301 - Le Courrier</title>"))
    kept, removed = strip_boilerplate(["Le pont fermé", BODY], hints, rules={"headline"})
    assert kept == [BODY] and removed == [("Le pont fermé", "headline")]


def test_the_links_are_read_once_asked_and_only_those_of_two_words_or_more() -> None:
    hints = page_hints(
        page(
            "<title>Bridge</title>",
            body='<a href="/a">Why the <b>bridge</b> &amp; tunnel close</a>'
            '<a href="/b">Newsletters</a><a href="/c">Why the bridge &amp; tunnel close</a>',
        )
    )
    assert hints.links == frozenset({"why the bridge tunnel close"})
    line = "Why the bridge & tunnel close"
    kept, removed = strip_boilerplate([BODY, line], hints, rules={"related links"})
    assert kept == [BODY] and removed == [(line, "related links")]


@pytest.mark.parametrize(
    ("low", "expected"),
    [
        ("comments are moderated", True),
        ("(comments) are approved first", True),
        ("nocomments are moderated", False),  # inside a word: no note
        ("x_comments policy", False),
        ("écomments policy", False),
        ("nocomments here. comments are moderated", True),  # a later one starts a word
        ("1comments approved", False),
    ],
)
def test_the_comments_note_starts_a_word_as_a_leading_word_boundary_would(
    low: str, expected: bool
) -> None:
    pattern = re.compile(r"\b" + boilerplate._COMMENTS_NOTE.pattern)
    assert bool(pattern.search(low)) is expected
    assert boilerplate._comments_note(low) is expected
