"""The desk model: the package scores as scikit-learn does, and names a section only for a desk
every story of an automatic topic is confidently in."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from briefing.compose.sections import auto_places
from briefing.models import Article, Story
from briefing.stories.desks import (
    MODEL_PATH,
    DeskModel,
    desk_name,
    features,
    load_model,
    shared_desk,
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


def _story(sid: str, title: str, language: str = "en", topic: str = "t1") -> Story:
    article = Article(
        sid, "Outlet", "News", f"https://x.test/{sid}", title, "", WHEN, language=language
    )
    return Story(sid, title, "News", (article,), auto_topic=topic)


def test_shared_desk_needs_every_story_sure() -> None:
    both = [_story("a", "A goal in the match").articles, _story("b", "Late goal").articles]
    assert shared_desk(both, TOY) == "sport"
    assert shared_desk([*both, _story("c", "Shares fall").articles], TOY) == ""
    assert shared_desk([*both, _story("d", "A day in the city").articles], TOY) == ""


def test_a_topic_in_one_desk_is_named_after_it_in_the_editions_language() -> None:
    stories = [_story("a", "Golo no jogo: goal", "pt-PT"), _story("b", "O match", "pt")]
    assert auto_places(stories, TOY) == {"a": "Desporto", "b": "Desporto"}
    assert desk_name("sport") == "Sport"


def test_a_topic_split_between_desks_keeps_its_plain_section() -> None:
    stories = [_story("a", "A goal"), _story("b", "Shares fall")]
    assert auto_places(stories, TOY) == {}
