"""Tests for briefing.stories.headline: the most representative title, without the site's name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from briefing.models import Article
from briefing.stories.headline import clean_title, story_headline


def article(aid: str, title: str, text: str, source: str) -> Article:
    return Article(
        id=aid,
        source=source,
        topic="world",
        url=f"https://example.org/{aid}",
        title=title,
        text=text,
        published=datetime(2022, 1, 21, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("title", "source", "clean"),
    [
        ("Talks end | Reuters", "Reuters", "Talks end"),
        (
            "Russia, U.S. Agree to Talk Security Demands Next Week - The Moscow Times",
            "The Moscow Times",
            "Russia, U.S. Agree to Talk Security Demands Next Week",
        ),
        (
            "Sputnik News: Lavrov meets Blinken in Geneva",
            "Sputnik News",
            "Lavrov meets Blinken in Geneva",
        ),
        ("WATCH: Quake hits eastern Taiwan", "CBC", "Quake hits eastern Taiwan"),
        ("Quake hits Taiwan — BBC News", "bbc.co.uk", "Quake hits Taiwan"),
        ("Russia - Ukraine", "", "Russia - Ukraine"),  # too little would be left
        ("  Lavrov   and Blinken meet ", "", "Lavrov and Blinken meet"),
    ],
)
def test_clean_title(title, source, clean):
    assert clean_title(title, source) == clean


def test_the_title_of_what_all_outlets_report_is_chosen():
    lead = "Russia expects a written response from the United States next week, Lavrov said."
    articles = [
        article("a", "Lavrov praises Geneva's chocolate | Outlet A", f"{lead}", "Outlet A"),
        article("b", "Russia expects written US response next week", f"{lead}", "Outlet B"),
        article("c", "Written response due next week, Russia says - C News", f"{lead}", "C News"),
    ]
    assert story_headline(articles) in {
        "Russia expects written US response next week",
        "Written response due next week, Russia says",
    }


def test_a_question_is_chosen_only_when_no_title_states_anything():
    lead = "Russia expects a written response from the United States next week."
    articles = [
        article("a", "Will Russia get a written response next week?", lead, "A"),
        article("b", "Talks in Geneva end", lead, "B"),
    ]
    assert story_headline(articles) == "Talks in Geneva end"
    assert story_headline(articles[:1]) == "Will Russia get a written response next week?"


def test_an_untitled_story_is_headed_by_its_first_sentence():
    text = "Health care is socialist is getting many new reads today thanks to some people on it."
    assert story_headline([article("a", "", text, "A")]) == (
        "Health care is socialist is getting many new reads today thanks to some people…"
    )
    assert story_headline([article("a", "", "Short and whole. More.", "A")]) == "Short and whole."
    assert story_headline([article("a", "", "", "A"), article("b", "", "", "B")]) == ""


@pytest.mark.parametrize(("language", "expected"), [("pt-pt", 0), ("", 1)])
def test_function_words_of_the_articles_language_do_not_choose_the_headline(
    language: str, expected: int
) -> None:
    """Outlets share "o", "que", "se", "de" whatever they report: in Portuguese they are stop
    words, not what the story is about. Undeclared, only English ones are known."""
    lead = "O Governo aprovou o orçamento, o que se sabe é que se fala de saúde."
    titles = ["Governo aprova orçamento", "O que se sabe e de que se fala"]
    articles = [
        dataclasses.replace(article(k, t, lead, k), language=language)
        for k, t in zip("ab", titles, strict=True)
    ]
    assert story_headline(articles) == titles[expected]
