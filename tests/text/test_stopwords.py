"""Reports in other languages: their own stop words dropped, their words weighed among their own.

The feeds are real (the test suite of the rss-parser project, MIT, LICENSE-rss-parser): Jornal
de Notícias in Portuguese, heise developer in German, beside Livemint in English. Only the feeds'
own summaries are read, as when no page can be had: short texts, where shared function words
weigh most.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefing.fetch.http import Response
from briefing.fetch.parse import parse_feed
from briefing.models import Article, FeedSource
from briefing.stories.cluster import cluster_stories
from briefing.stories.vectors import article_space
from briefing.text.stopwords import of_language

from ..conftest import FIXTURES

NOW = datetime(2018, 1, 3, 12, tzinfo=UTC)


def feed_articles(name: str, outlet: str) -> list[Article]:
    """The articles of a fixture feed, from its entries' own text."""
    body = (FIXTURES / "feeds" / name).read_bytes()
    url = f"http://127.0.0.1/{name}"
    entries = parse_feed(
        Response(url=url, status=200, body=body, content_type="application/xml"),
        FeedSource(outlet, url, "News", max_articles=100),
    )
    assert entries
    return [
        Article(
            id=e.id,
            source=outlet,
            topic="News",
            url=e.url,
            title=e.title,
            text=e.summary,
            published=e.published or NOW,
        )
        for e in entries
    ]


def weight(text: str, term: str, others: list[str]) -> float:
    """The weight of a body term in the first of some texts' vectors."""
    articles = [
        Article(id=str(k), source=str(k), topic="t", url="", title="", text=t, published=NOW)
        for k, t in enumerate([text, *others])
    ]
    space = article_space(articles)
    columns = [k for k, t in enumerate(space.terms) if t == term and k < space.names_from]
    return float(sum(space.vectors[0, k] for k in columns))


ENGLISH = [
    "Three people die as floods sweep through the valley after days of rain.",
    "The council said the new bridge would open to traffic next spring.",
]


@pytest.mark.parametrize(
    ("text", "term", "kept"),
    [
        # German function words go in German, and stay words in English.
        ("Die Regierung und die Opposition streiten über den Haushalt der Stadt.", "die", False),
        ("Die Regierung und die Opposition streiten über den Haushalt der Stadt.", "und", False),
        (
            "Die Regierung und die Opposition streiten über den Haushalt der Stadt.",
            "regierung",
            True,
        ),
        ("Two climbers die on the mountain as storms close the pass.", "die", True),
        ("O governo disse que esta quarta-feira vai aprovar o orçamento do país.", "que", False),
        ("O governo disse que esta quarta-feira vai aprovar o orçamento do país.", "governo", True),
        # Too little to tell a language by: read as English, as before.
        ("Stars in Davos", "davos", True),
    ],
)
def test_each_report_drops_the_stop_words_of_its_own_language(text, term, kept) -> None:
    assert (weight(text, term, ENGLISH) > 0) is kept


def test_a_feed_in_another_language_is_not_one_story_of_everything() -> None:
    articles = (
        feed_articles("livemint.xml", "Mint")
        + feed_articles("jn.rss", "JN")
        + feed_articles("heise.atom", "heise")
    )
    stories = cluster_stories(articles)
    home = {a.title: s.id for s in stories for a in s.articles}

    def together(a: str, b: str) -> bool:
        return (
            home[next(t for t in home if t.startswith(a))]
            == home[next(t for t in home if t.startswith(b))]
        )

    # Reports of different events that share little but their language's common words.
    assert not together("Der Pragmatische Architekt", "Ungewisse Zukunft des MySQLDumper")
    assert not together("Apache Software Foundation bekommt", "Facebook schließt Parse")
    assert not together("Acidente com autocarro", "Entraram em Portugal com malas")
    assert not together("PSP deteve mais de 800", "Daniela Ruah declara-se")
    # The same event told twice still makes one story, in Portuguese as in English.
    assert together("Erros na leitura levam EDP", "Primeira página em 60 segundos: Erros")
    assert together("Pais de utentes apresentam lista", "Mãe de utente é a nova presidente")
    assert together("FDI inflows record 1st decline", "FDI inflows contract")
    largest = max(len(s.articles) for s in stories)
    assert largest <= 4, [a.title for s in stories for a in s.articles if len(s.articles) > 4]


def test_an_english_report_weighs_the_same_whatever_other_languages_the_day_holds() -> None:
    english = feed_articles("livemint.xml", "Mint")
    alone = article_space(english)
    mixed = article_space(
        english + feed_articles("jn.rss", "JN") + feed_articles("heise.atom", "h")
    )

    def weights(space, row: int) -> dict[tuple[bool, str], float]:
        vector = space.vectors[row].tocoo()
        return {
            (k >= space.names_from, space.terms[k]): round(float(v), 6)
            for k, v in zip(vector.col, vector.data, strict=True)
        }

    for row in range(len(english)):
        assert weights(mixed, row) == weights(alone, row)


def test_stop_words_of_a_declared_language() -> None:
    assert {"que", "de"} <= of_language("pt-PT")
    assert "und" in of_language("de")
    assert of_language("xx-yy") == frozenset()
