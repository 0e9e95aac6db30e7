"""A newspaper's desk for a story (World, Politics, Business, ...), by a learned linear model.

Trained by `benchmarks/train_desks.py` on real news whose URL names its desk (corpus in
`benchmarks/data/desks/`): a multinomial logistic regression over the words (and their
character 4-grams) of an article's title and lead. The weights ship as a gzip JSON table
(feature -> one weight per desk), not a pickle, and are read once per process; scoring needs no
scikit-learn, only `features` below, which training hands to scikit-learn too, so both see the
same features.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..models import Article

MODEL_PATH = Path(__file__).with_name("desks-model.json.gz")
LEAD_WORDS = 40  # an article's desk shows in its title and first sentences
CHAR = 4  # letters per character n-gram
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")

# A desk's name as a section title, by the edition's language; English where none is given.
DESK_NAMES = {
    "world": {
        "en": "World",
        "de": "Ausland",
        "fr": "Monde",
        "es": "Internacional",
        "pt": "Mundo",
        "it": "Esteri",
        "sk": "Zahraničie",
        "cs": "Zahraničí",
    },
    "politics": {
        "en": "Politics",
        "de": "Politik",
        "fr": "Politique",
        "es": "Política",
        "pt": "Política",
        "it": "Politica",
        "sk": "Politika",
        "cs": "Politika",
    },
    "business": {
        "en": "Business",
        "de": "Wirtschaft",
        "fr": "Économie",
        "es": "Economía",
        "pt": "Economia",
        "it": "Economia",
        "sk": "Ekonomika",
        "cs": "Ekonomika",
    },
    "technology": {
        "en": "Technology",
        "de": "Technik",
        "fr": "Technologie",
        "es": "Tecnología",
        "pt": "Tecnologia",
        "it": "Tecnologia",
        "sk": "Technológie",
        "cs": "Technologie",
    },
    "science": {
        "en": "Science",
        "de": "Wissenschaft",
        "fr": "Sciences",
        "es": "Ciencia",
        "pt": "Ciência",
        "it": "Scienza",
        "sk": "Veda",
        "cs": "Věda",
    },
    "health": {
        "en": "Health",
        "de": "Gesundheit",
        "fr": "Santé",
        "es": "Salud",
        "pt": "Saúde",
        "it": "Salute",
        "sk": "Zdravie",
        "cs": "Zdraví",
    },
    "sport": {
        "en": "Sport",
        "de": "Sport",
        "fr": "Sport",
        "es": "Deportes",
        "pt": "Desporto",
        "it": "Sport",
        "sk": "Šport",
        "cs": "Sport",
    },
    "culture": {
        "en": "Culture",
        "de": "Kultur",
        "fr": "Culture",
        "es": "Cultura",
        "pt": "Cultura",
        "it": "Cultura",
        "sk": "Kultúra",
        "cs": "Kultura",
    },
}


def desk_name(desk: str, language: str = "") -> str:
    """The desk's section title in the language ("pt-PT" reads as "pt"), else in English."""
    names = DESK_NAMES[desk]
    return names.get(language[:2].lower(), names["en"])


def features(title: str, text: str) -> list[str]:
    """An article's features: its title's words (marked, a title says more than a lead), the
    words of title and lead together, and the character 4-grams of " word " (inflections and
    compounds of many languages: "Fußballspiel", "futebolista"); lowercased, digits as 0.

    Tried by outlet-grouped folds on an earlier corpus (189 articles): the 4-grams raised the
    held-out accuracy from 0.43 to 0.47; word pairs lowered it.
    """
    head = _words(title)
    words = head + _words(text)[:LEAD_WORDS]
    grams = [
        f"c{p[i : i + CHAR]}" for p in (f" {w} " for w in words) for i in range(len(p) - CHAR + 1)
    ]
    return [f"t:{w}" for w in head] + words + grams


def _words(text: str) -> list[str]:
    return _WORD.findall(_DIGIT.sub("0", text.lower()))


@dataclass(frozen=True, slots=True)
class DeskModel:
    """The desks, a bias and a weight per feature for each, and the confidence that names one."""

    desks: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    sure: float  # the probability above which a desk is given, chosen by cross-validation

    def probabilities(self, title: str, text: str) -> dict[str, float]:
        """Each desk's probability for one article (a softmax of the linear scores).

        Features count once each, as scikit-learn's binary counts do: a word said twice
        says no more of the desk."""
        scores = list(self.bias)
        for feature in set(features(title, text)):
            for i, w in enumerate(self.weights.get(feature, ())):
                scores[i] += w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {d: e / total for d, e in zip(self.desks, exps, strict=True)}


def model_from_json(raw: dict[str, object]) -> DeskModel:
    """The model from its JSON table."""
    weights = raw["weights"]
    assert isinstance(weights, dict)
    return DeskModel(
        desks=tuple(raw["desks"]),  # type: ignore[arg-type]
        bias=tuple(raw["bias"]),  # type: ignore[arg-type]
        weights={f: tuple(w) for f, w in weights.items()},
        sure=float(raw["sure"]),  # type: ignore[arg-type]
    )


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> DeskModel:
    """The shipped model, read once per process."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return model_from_json(json.load(stream))


def story_desk(articles: Sequence[Article], model: DeskModel | None = None) -> tuple[str, float]:
    """The desk of a story's reports together (their probabilities averaged), and how sure."""
    model = model or load_model()
    if not articles:
        return "", 0.0
    total: Counter[str] = Counter()
    for article in articles:
        total.update(model.probabilities(article.title, article.text))
    desk, mass = max(total.items(), key=lambda kv: (kv[1], kv[0]))
    return desk, mass / len(articles)


def shared_desk(groups: Sequence[Sequence[Article]], model: DeskModel | None = None) -> str:
    """The desk every story (its reports) sits in with confidence, or "" when one does not."""
    model = model or load_model()
    found = {story_desk(articles, model) for articles in groups}
    desks = {desk for desk, sure in found if sure >= model.sure}
    if len(desks) != 1 or any(sure < model.sure for _, sure in found):
        return ""
    return desks.pop()
