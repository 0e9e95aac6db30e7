"""Desks: a story is on the desk its outlets filed it under (the URL's path words), else the
model's; the package scores as scikit-learn does, and the model names a section only for a desk
every story of an automatic topic is confidently in."""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, datetime

import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from briefing.compose.sections import Place, auto_places
from briefing.models import Article, Story
from briefing.stories.desks import (
    MODEL_PATH,
    DeskModel,
    desk_name,
    features,
    filed_desk,
    filed_under,
    load_model,
    report_filing,
    shared_desk,
    story_filing,
    tagged_desk,
)

from ..conftest import ROOT, need

CORPUS = ROOT / "benchmarks" / "data" / "desks" / "desks.jsonl.gz"


def _rows() -> list[dict[str, str]]:
    with gzip.open(need(CORPUS), "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def test_package_scores_equal_scikit_learns() -> None:
    """Trained on a sample of the corpus, the package's probabilities are scikit-learn's."""
    rows = _rows()[::2]
    docs = [(r["title"], r["text"]) for r in rows]
    vectorizer = CountVectorizer(analyzer=lambda d: features(*d), binary=True)
    x = vectorizer.fit_transform(docs)
    fitted = LogisticRegression(C=4.0, max_iter=2000).fit(x, [r["desk"] for r in rows])
    names = vectorizer.get_feature_names_out()
    model = DeskModel(
        desks=tuple(str(d) for d in fitted.classes_),
        bias=tuple(float(b) for b in fitted.intercept_),
        weights={str(n): tuple(float(w) for w in fitted.coef_[:, i]) for i, n in enumerate(names)},
        sure=0.5,
    )
    held = _rows()[1::2][:40]
    expected = fitted.predict_proba(vectorizer.transform([(r["title"], r["text"]) for r in held]))
    for row, probs in zip(held, expected, strict=True):
        got = model.probabilities(row["title"], row["text"])
        assert [got[d] for d in model.desks] == pytest.approx(list(probs), abs=1e-9)


def test_shipped_model_is_small_and_reads() -> None:
    assert MODEL_PATH.stat().st_size < 2_000_000
    model = load_model()
    assert set(model.desks) >= {"world", "politics", "business", "sport", "culture"}
    assert 0.0 < model.sure < 1.0


# A model of two desks whose every weight is a word: enough to say which story is where.
TOY = DeskModel(
    desks=("business", "sport"),
    bias=(0.0, 0.0),
    weights={"goal": (-3.0, 3.0), "match": (-3.0, 3.0), "shares": (3.0, -3.0)},
    sure=0.9,
)
WHEN = datetime(2018, 1, 31, 12, tzinfo=UTC)


def _story(sid: str, title: str, language: str = "en", topic: str = "t1", path: str = "") -> Story:
    url = f"https://x.test/{path}{sid}"
    article = Article(sid, "Outlet", "News", url, title, "", WHEN, language=language)
    return Story(sid, title, "News", (article,), auto_topic=topic)


def _reports(*paths: str, tags: tuple[str, ...] = ()) -> list[Article]:
    return [
        Article(
            f"r{k}",
            "Outlet",
            "News",
            f"https://x.test/{p}slug-{k}",
            "A title",
            "",
            WHEN,
            categories=tags,
        )
        for k, p in enumerate(paths)
    ]


def test_shared_desk_needs_every_story_sure() -> None:
    both = [_story("a", "A goal in the match").articles, _story("b", "Late goal").articles]
    assert shared_desk(both, TOY) == "sport"
    assert shared_desk([*both, _story("c", "Shares fall").articles], TOY) == ""
    assert shared_desk([*both, _story("d", "A day in the city").articles], TOY) == ""


def test_a_topic_in_one_desk_is_named_after_it_in_the_editions_language() -> None:
    stories = [_story("a", "Golo no jogo: goal", "pt-PT"), _story("b", "O match", "pt")]
    assert {sid: p.title for sid, p in auto_places(stories, TOY).items()} == {
        "a": "Desporto",
        "b": "Desporto",
    }
    assert "desk model" in auto_places(stories, TOY)["a"].why
    assert desk_name("sport") == "Sport"


def test_a_topic_split_between_desks_keeps_its_plain_section() -> None:
    stories = [_story("a", "A goal"), _story("b", "Shares fall")]
    assert auto_places(stories, TOY) == {}


@pytest.mark.parametrize(
    ("url", "desk"),
    [
        ("https://www.theguardian.com/football/live/2018/jan/31/tottenham-v-united-live", "sport"),
        ("https://www.theguardian.com/tv-and-radio/2018/jan/30/glee-actor-mark-salling", "culture"),
        (
            "https://www.livemint.com/news/world/nia-to-join-sri-lanka-bombings-probe-1.html",
            "world",
        ),
        ("https://www.spiegel.de/wirtschaft/unternehmen/a-1.html", "business"),
        # an outlet's home desk and its comment name no desk; nor do a slug's words
        ("https://www.theguardian.com/us-news/2018/jan/31/fbi-nunes-memo", ""),
        ("https://www.livemint.com/news/india/us-takes-india-off-watchlist-1.html", ""),
        ("https://www.theguardian.com/commentisfree/2018/jan/31/sport-money-and-me", ""),
        ("https://www.aktuality.sk/clanok/856577/analytici-goldman-sachs/", ""),
        ("https://example.org/sport/music/two-desks", ""),  # two desks: none
        ("", ""),
    ],
)
def test_a_url_files_its_report_under_the_desk_its_whole_path_words_name(
    url: str, desk: str
) -> None:
    assert filed_desk(url) == desk


def test_a_story_is_on_the_desk_most_of_its_reports_are_filed_under() -> None:
    assert story_filing(_reports("sport/", "football/live/")) == (
        "sport",
        ("/sport/", "/football/"),
    )
    assert story_filing(_reports("world/", "world/", "us-news/")) == ("world", ("/world/",))
    # one late-night TV piece among four State of the Union reports does not make it Culture
    assert story_filing(_reports("us-news/", "culture/", "us-news/", "commentisfree/")) == ("", ())
    assert story_filing(_reports("world/", "us-news/")) == ("", ())  # half is not most
    assert story_filing(_reports("us-news/")) == ("", ())
    assert filed_under("https://x.test/world/europe/slug") == ("world", "europe")


def test_the_outlets_filing_comes_before_the_model_and_one_story_makes_a_section() -> None:
    """The model (TOY) would put both in Business; their outlet filed one under /sport/: that
    one is Sport, alone in its section, and the other is left to the model, alone too (a topic
    of one story is no evidence), so it stays in its feeds' plain section."""
    stories = [_story("a", "Shares fall", path="sport/"), _story("b", "Shares rise")]
    places = auto_places(stories, TOY)
    assert places == {"a": Place("Sport", "filed under /sport/ by its outlet")}
    stories = [_story("a", "Shares fall", path="sport/"), *(_story(s, "Shares") for s in "bc")]
    assert {sid: p.title for sid, p in auto_places(stories, TOY).items()} == {
        "a": "Sport",
        "b": "Business",
        "c": "Business",
    }


def test_the_training_labels_and_the_run_time_filing_are_one_table() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import build_desks

    assert build_desks.desk_of is filed_desk
    rows = _rows()
    assert rows and all(filed_desk(r["url"]) in ("", r["desk"]) for r in rows)


@pytest.mark.parametrize(
    ("tags", "desk"),
    [
        (("Mundo",), "world"),  # Jornal de Notícias files its items so
        (("Desporto",), "sport"),
        (("Tecnologia", "Apple"), "technology"),
        (("Nacional",), ""),  # home news names no desk
        (("World news", "US news"), ""),  # a tag is read whole, as a path word is
        (("Americas", "US immigration"), ""),  # a place, foreign or home as the outlet's is
        (("Sport", "Culture"), ""),  # two desks: none
        ((), ""),
    ],
)
def test_a_feed_items_tags_name_its_desk_when_they_name_one(
    tags: tuple[str, ...], desk: str
) -> None:
    assert tagged_desk(tags) == desk


def test_a_reports_tags_file_it_only_when_its_url_names_no_desk() -> None:
    (by_tag,) = _reports("inovacao/interior/", tags=("Tecnologia",))
    assert report_filing(by_tag) == ("technology", ("'Tecnologia'",))
    (by_url,) = _reports("mundo/interior/", tags=("Desporto",))
    assert report_filing(by_url) == ("world", ("/mundo/",))  # the URL's filing comes first
    (two,) = _reports("sport/music/", tags=("Desporto",))
    assert report_filing(two) == ("", ())  # a URL naming two desks names none, tags or not
    # a story of reports filed by tags, by URL, and by neither: the most is enough
    reports = [*_reports("inovacao/", "inovacao/", tags=("Tecnologia",)), *_reports("tech/")]
    assert story_filing([*reports, *_reports("nacional/")]) == (
        "technology",
        ("'Tecnologia'", "/tech/"),
    )
    assert story_filing(_reports("nacional/", "inovacao/", tags=("Nacional",))) == ("", ())
