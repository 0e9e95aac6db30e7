"""A newspaper's desk for a story (World, Politics, Business, ...): where its outlet filed it,
else a learned linear model.

An outlet's URL paths name its desks (`SEGMENTS`: /world/, /sport/, /wirtschaft/, ...), and so
do its feed items' category tags ("Mundo", "Desporto") where the URL names none; a story most of
whose reports are filed under one desk is on it (`story_filing`). For the others, the
model, trained by `benchmarks/train_desks.py` on real news whose URL names its desk (corpus in
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

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
    # the desk's path words hold the environment and climate too (/environment/, /umwelt/)
    "science": {
        "en": "Science and environment",
        "de": "Wissenschaft und Umwelt",
        "fr": "Sciences et environnement",
        "es": "Ciencia y medio ambiente",
        "pt": "Ciência e ambiente",
        "it": "Scienza e ambiente",
        "sk": "Veda a životné prostredie",
        "cs": "Věda a životní prostředí",
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


# Path words -> desk, in English, German, French, Spanish, Portuguese, Italian, Dutch, Polish,
# Czech and Slovak: how outlets file their reports (theguardian.com/world/..., /sport/,
# spiegel.de/wirtschaft/, elpais.com/deportes/). One table labels the model's training data
# (benchmarks/build_desks.py) and reads a report's filing at run time (`filed_desk`).
# A region in a path is World's own sub-desk (/world/europe/); as a feed item's tag it names a
# place, foreign or home as the outlet's home is: `tagged_desk` leaves it out.
REGIONS = "europe asia africa americas middleeast middle-east"
SEGMENTS = {
    # foreign news only: an outlet's home desks ("uk-news", "us-news") are its home news
    "world": f"world international intl {REGIONS} ausland international monde internacional "
    "mundo esteri buitenland swiat zahranici svet zahranicie",
    "politics": "politics politik politique politica política politiek polityka politika "
    "election elections wahl",
    "business": "business money markets economy economics finance wirtschaft finanzen geld "
    "economie économie economia economía negocios mercados dinheiro economie gospodarka "
    "ekonomika biznes companies",
    "technology": "technology tech technik digital netzwelt computer tecnologia tecnología "
    "technologie tecnologie techniek gadgets internet games gaming",
    "science": "science wissenschaft wissen sciences ciencia ciência scienza wetenschap nauka "
    "veda space environment umwelt klima climate",
    "health": "health gesundheit sante santé salud saude saúde salute gezondheid zdrowie "
    "zdravie zdravi medizin",
    "sport": "sport sports sportnews football soccer fussball fußball futbol fútbol futebol "
    "calcio deportes desporto esporte tennis cricket rugby nfl nba mlb golf f1 formula1 "
    "fotbal voetbal",
    "culture": "culture kultur cultura cultuur kultura arts art music film movies books "
    "stage tv-and-radio entertainment kino musik literatur cine libros musica música "
    "espectaculos spettacoli celebrity",
}
DESK_OF = {word: desk for desk, words in SEGMENTS.items() for word in words.split()}
_TAG_DESK = {word: desk for word, desk in DESK_OF.items() if word not in REGIONS.split()}


def filed_under(url: str) -> tuple[str, ...]:
    """The path words of the URL that name a desk, in order; the last part (the slug) is left
    out, and only whole parts count: "meme-money-meme-problems" names no desk."""
    parts = urlparse(url).path.lower().strip("/").split("/")[:-1]
    return tuple(p for p in parts if p in DESK_OF)


def filed_desk(url: str) -> str:
    """The one desk the URL's path words name, or "" (none, or two different ones)."""
    desks = {DESK_OF[p] for p in filed_under(url)}
    return desks.pop() if len(desks) == 1 else ""


def tagged_desk(categories: Iterable[str]) -> str:
    """The one desk a feed item's category tags name, each read whole as a path word is
    ("Mundo", "Desporto"; "World news" names none, nor does a region, "Americas": the
    Guardian's story of a family in Missouri, in its US edition, is home news), or "" (none,
    or two different ones)."""
    desks = {_TAG_DESK.get(c.strip().lower(), "") for c in categories} - {""}
    return desks.pop() if len(desks) == 1 else ""


def report_filing(article: Article) -> tuple[str, tuple[str, ...]]:
    """The desk a report's outlet filed it under, and where it says so: its URL's path words
    ("/sport/"), or, when the URL names no desk, its feed item's category tags ("'Desporto'");
    "", () when neither names one (two different desks name none)."""
    words = filed_under(article.url)
    if words:
        desk = filed_desk(article.url)
        return (desk, tuple(f"/{w}/" for w in words)) if desk else ("", ())
    desk = tagged_desk(article.categories)
    tags = tuple(f"'{c}'" for c in article.categories if _TAG_DESK.get(c.strip().lower()) == desk)
    return (desk, tags) if desk else ("", ())


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


def story_filing(articles: Sequence[Article]) -> tuple[str, tuple[str, ...]]:
    """The desk most of a story's reports are filed under (more than half, `report_filing`),
    and the path words or tags that say so; "", () when there is none.

    A report whose URL names no desk is filed too, under one the table does not know (a home
    desk, "us-news"; comment): it counts against every desk. Counting only the reports that
    name one put a story of four State of the Union reports, one of them filed under /culture/,
    in Culture on the real day (`benchmarks/real_day.py`)."""
    filed = [report_filing(a) for a in articles]
    counts = Counter(desk for desk, _ in filed if desk)
    if not counts:
        return "", ()
    desk, n = counts.most_common(1)[0]
    if 2 * n <= len(articles):
        return "", ()
    return desk, tuple(dict.fromkeys(w for d, words in filed if d == desk for w in words))


def shared_desk(groups: Sequence[Sequence[Article]], model: DeskModel | None = None) -> str:
    """The desk every story (its reports) sits in with confidence, or "" when one does not."""
    model = model or load_model()
    found = {story_desk(articles, model) for articles in groups}
    desks = {desk for desk, sure in found if sure >= model.sure}
    if len(desks) != 1 or any(sure < model.sure for _, sure in found):
        return ""
    return desks.pop()
