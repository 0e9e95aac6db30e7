"""Appeals to the reader, found by a learned model: donations, memberships, sign-ups, "support us".

A phrase list written from a few outlets does not travel to the next one, so the second pass
also asks a model trained on labelled paragraphs of many outlets (`benchmarks/train_appeals.py`,
corpus in `benchmarks/data/appeals/`). It scores in two steps:

1. the paragraph's own text, linear: its words, word pairs, the character n-grams of its
   words and how many of its words ask for money, membership or a sign-up in any of eight
   languages (`APPEAL_STEMS`), counted and divided by its number of words to the power `pool`
   (the features scikit-learn is handed, `analyze`);
2. its context: that text score, its neighbours' scores, its position and its length
   (`context_features`), read twice. A linear step says whether the paragraph is sure to be an
   appeal; boosted trees (`Forest`) say whether it belongs to an appeal box, the lines whose own
   words say little beside a pitch.

A paragraph goes only when the linear step is sure of it, or when it sits in an unbroken run
of lines the trees hold likely beside a sure one (an appeal box and its buttons): a report's
sentence that merely reads like an appeal among the article's paragraphs is the linear step's
to judge, and it is the more cautious there (docs/appeals.md). The weights and trees ship as a
gzip JSON table, not a pickle, and are read once per process.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import operator
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("appeals-model.json.gz")
FORMAT = 3  # of the model table: 2 added the appeal-box trees ("box"), 3 APPEAL_WORD
# A paragraph is judged by its first words: an appeal says what it is early (its first 400
# removed as many appeals out of fold, docs/appeals.md).
MAX_WORDS = 60
HEAD_CHARS = 8 * MAX_WORDS  # a long paragraph's first words are looked for here first
CHAR_SIZES = (3, 4, 5)  # character n-grams inside each word, spelling variants and inflections
WORD_CACHE = 200_000  # words whose weight sums are kept, per process
RUN = 8  # an appeal box reaches at most this many paragraphs either side of a sure one
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def words_of(text: str) -> list[str]:
    """The paragraph's first words, lowercased, digits as 0 ("$25,000" and "$10" read alike)."""
    if len(text) > HEAD_CHARS:  # a long paragraph: its head is read, if it holds enough words
        words = _WORD.findall(_DIGIT.sub("0", text[:HEAD_CHARS].lower()))
        if len(words) > MAX_WORDS:  # one more than needed: the last one needed is whole
            return words[:MAX_WORDS]
    return _WORD.findall(_DIGIT.sub("0", text.lower()))[:MAX_WORDS]


def word_grams(word: str) -> list[str]:
    """The character n-grams of " word ", in the order its features list them."""
    padded = f" {word} "
    return [padded[i : i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1)]


# What an appeal asks for, in eight languages (en, de, fr, es, pt, it, pl, nl), as the beginnings
# of the words that ask it: six meanings, each translated into every language. Any of them
# adds one shared feature, so that its weight, learned on the corpus's many English and German
# appeals, also reads an appeal in a language the corpus holds few of ("Apoie o 247",
# "Soutenez-nous"): out of fold by outlet, 0.9544 -> 0.9602 of the appeals in the article texts
# removed, 0.9973 -> 0.9977 of the article's words kept (docs/appeals.md). Brands (PayPal,
# Patreon) are one word in every language and need no entry.
APPEAL_STEMS = {
    "donate": "donat donor spend donac donar doaç doar doador donazion darowizn doneer",
    "support": "support unterstütz soutien souten apoy apoi sosten sostien sosteg wspier wspar"
    " wesprzyj steun",
    "subscribe": "subscri abonn suscri suscrí assin abbon prenumer subskryp",
    "member": "member mitglied membre adhér adhés adher socio miembro afili sóci membro członk"
    " lidmaatschap",
    "newsletter": "newsletter bolet infolettre biuletyn nieuwsbrief",
    "register": "regist anmeld inscri inscríb cadastr inscrev iscriv rejestr zarejestr aanmeld",
}
APPEAL_WORD = "k appeal word"  # the shared feature's name
_APPEAL_STEM = re.compile("|".join(sorted({s for v in APPEAL_STEMS.values() for s in v.split()})))


def is_appeal_word(word: str) -> bool:
    """Whether a (lowercased) word begins as one of APPEAL_STEMS."""
    return _APPEAL_STEM.match(word) is not None


def word_features(word: str) -> list[str]:
    """One word's features: itself, the character n-grams of " word ", and APPEAL_WORD when it
    begins as a word that asks for money, membership or a sign-up."""
    features = [f"w {word}", *(f"c{gram}" for gram in word_grams(word))]
    return [*features, APPEAL_WORD] if is_appeal_word(word) else features


def word_scale(words: int, pool: float) -> float:
    """What a paragraph's feature counts are multiplied by: 1 / words ** pool."""
    return 1.0 / math.pow(max(1, words), pool)


def analyze(text: str) -> list[str]:
    """The paragraph's features, repeats counted: its words', and its word pairs.

    A paragraph's feature vector is these counts divided by its number of words, so its score
    is the mean of its words' weights plus its pairs': each word's sum is computed once and
    kept. Training hands this very function to scikit-learn, so both see the same features.
    """
    words = words_of(text)
    features = [f for w in words for f in word_features(w)]
    return features + [f"b {a} {b}" for a, b in zip(words, words[1:], strict=False)]


CONTEXT_NAMES = (
    "score",
    "before",
    "after",
    "max near",
    "first",
    "last",
    "from start",
    "from end",
    "log words",
    "no end stop",
)


def context_features(scores: Sequence[float], paragraphs: Sequence[str]) -> list[list[float]]:
    """Per paragraph: its text score, its neighbours', where it stands and how long it is."""
    n = len(scores)
    rows = []
    for i, (score, text) in enumerate(zip(scores, paragraphs, strict=True)):
        before = scores[i - 1] if i > 0 else 0.0
        after = scores[i + 1] if i + 1 < n else 0.0
        near = max(scores[max(0, i - 2) : i + 3])
        words = len(text.split())
        rows.append(
            [
                score,
                before,
                after,
                near,
                float(i == 0),
                float(i == n - 1),
                min(i, 5) / 5,
                min(n - 1 - i, 5) / 5,
                math.log1p(words),
                float(not text.rstrip().endswith((".", '"', "”", "!", "?", "»"))),
            ]
        )
    return rows


@dataclass(frozen=True, slots=True, eq=False)
class Forest:
    """Regression trees whose leaves' values sum, with `bias`, to a logit.

    Each array is (trees, nodes). A row goes left where its feature is at most the threshold,
    as in scikit-learn; a leaf leads to itself, so every row takes `depth` steps in every tree
    at once.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    bias: float
    depth: int

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """One logit per row of context features (float32, as scikit-learn's trees read them)."""
        trees = np.arange(self.feature.shape[0])
        at = np.arange(len(rows))[:, None]
        node = np.zeros((len(rows), len(trees)), dtype=np.intp)
        for _ in range(self.depth):
            go_left = rows[at, self.feature[trees, node]] <= self.threshold[trees, node]
            node = np.where(go_left, self.left[trees, node], self.right[trees, node])
        logits: np.ndarray = self.bias + self.value[trees, node].sum(axis=1)
        return logits


def forest_from_json(table: dict[str, object]) -> Forest:
    """Trees from the model table's "box" entry.

    A tree is five lists by node: `feature` (-1 at a leaf), `threshold`, `left`, `right` and
    `value` (a leaf's share of the logit).
    """
    names, trees, bias = table["names"], table["trees"], table["bias"]
    assert isinstance(trees, list) and isinstance(names, list) and isinstance(bias, int | float)
    if names != list(CONTEXT_NAMES):  # the trees would read the wrong columns
        raise ValueError(
            f"the appeal model's trees read {', '.join(map(str, names))}, "
            f"not {', '.join(CONTEXT_NAMES)}"
        )
    width = max((len(t["feature"]) for t in trees), default=1)
    shape = (max(len(trees), 1), width)
    feature = np.zeros(shape, dtype=np.intp)
    threshold = np.full(shape, np.inf)
    left = np.tile(np.arange(width), (shape[0], 1))  # every node a leaf to itself, at first
    right = left.copy()
    value = np.zeros(shape)
    for i, tree in enumerate(trees):
        for j, f in enumerate(tree["feature"]):
            value[i, j] = tree["value"][j]
            if f >= 0:
                feature[i, j], threshold[i, j] = f, tree["threshold"][j]
                left[i, j], right[i, j] = tree["left"][j], tree["right"][j]
    if feature.max() >= len(CONTEXT_NAMES):
        raise ValueError("the appeal model's trees test a context feature it does not have")
    return Forest(feature, threshold, left, right, value, float(bias), _depth(left, right))


def _depth(left: np.ndarray, right: np.ndarray) -> int:
    """The steps from a root to the deepest leaf, over all trees."""
    deepest = 0
    for lefts, rights in zip(left.tolist(), right.tolist(), strict=True):
        level, depth = {0}, 0
        while level := {c for n in level for c in (lefts[n], rights[n]) if c != n}:
            depth += 1
            if depth > len(lefts):  # a node leads back up: a damaged table, not a tree
                raise ValueError("the appeal model's trees hold a loop")
        deepest = max(deepest, depth)
    return deepest


@dataclass(frozen=True, slots=True)
class AppealModel:
    """The text step, the context's linear step and trees, and the thresholds chosen for them."""

    text_weights: InitVar[dict[str, float]]  # by feature name, as `analyze` names them
    text_bias: float
    context_weights: tuple[float, ...]
    context_bias: float
    sure: float  # a paragraph the linear step scores this much goes on its own
    likely: float  # one the trees (`box`) score this much goes in an unbroken run beside it
    pool: float = 1.0  # the words' sum is divided by (number of words) ** pool
    box: Forest | None = None  # which lines go with a sure one; None: the linear step says
    _own: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    _by_gram: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    _by_pair: dict[tuple[str, str], float] = field(default_factory=dict, compare=False, repr=False)
    _by_word: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    _appeal_word: float = field(default=0.0, compare=False, repr=False)

    def __post_init__(self, text_weights: dict[str, float]) -> None:
        # Kept by kind, without the names' prefixes: a word first met is then weighed with no
        # name built for it or its n-grams, and a pair is looked up by (word, word).
        own, by_gram, by_pair = self._own, self._by_gram, self._by_pair
        for name, weight in text_weights.items():
            kind = name[0]
            if kind == "c":
                by_gram[name[1:]] = float(weight)
            elif kind == "w":
                own[name[2:]] = float(weight)
            elif kind == "b":
                _, first, second = name.split(" ")
                by_pair[first, second] = float(weight)
        object.__setattr__(self, "_appeal_word", float(text_weights.get(APPEAL_WORD, 0.0)))

    def text_scores(self, paragraphs: Sequence[str]) -> list[float]:
        """The text model's decision value for each paragraph (a logit)."""
        return [self._text_score(p) for p in paragraphs]

    def _text_score(self, paragraph: str) -> float:
        words = words_of(paragraph)
        if not words:
            return self.text_bias
        # Lookups by map() run in C: words and pairs are almost all of the second pass's lookups.
        try:
            total = sum(map(self._by_word.__getitem__, words))
        except KeyError:  # a word not seen yet in this process
            total = sum(map(self._word_weight, words))
        pairs = zip(words, words[1:], strict=False)
        total += sum(map(self._by_pair.get, pairs, itertools.repeat(0.0)))
        return self.text_bias + total * word_scale(len(words), self.pool)

    def _word_weight(self, word: str) -> float:
        """The sum of one word's feature weights, kept for the next paragraph."""
        value = self._by_word.get(word)
        if value is None:  # in `word_features` order, from the same start: the same sum
            grams = map(self._by_gram.get, word_grams(word), itertools.repeat(0.0))
            value = sum(grams, self._own.get(word, 0.0))
            if self._appeal_word and is_appeal_word(word):
                value += self._appeal_word
            if len(self._by_word) < WORD_CACHE:
                self._by_word[word] = value
        return value

    def scores(self, paragraphs: Sequence[str]) -> list[float]:
        """The probability that each paragraph is an appeal, in its context (the linear step)."""
        return self.probabilities(context_features(self.text_scores(paragraphs), paragraphs))

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The linear step's probability for each row of `context_features`."""
        return [_sigmoid(self.context_bias + _dot(self.context_weights, row)) for row in rows]

    def box_probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The trees' probability that each row's paragraph is part of an appeal box."""
        if self.box is None or not rows:
            return self.probabilities(rows)
        logits = self.box.logits(np.array(rows, dtype=np.float32))
        return [_sigmoid(x) for x in logits.tolist()]


def appeal_flags(
    model: AppealModel, scores: Sequence[float], box: Sequence[float] | None = None
) -> list[bool]:
    """Which paragraphs go: the sure ones (`scores`), and the likely ones (`box`, or `scores`
    when not given) in an unbroken run beside one."""
    box = scores if box is None else box
    sure = [s >= model.sure for s in scores]
    flags = list(sure)
    n = len(scores)
    for i in (i for i in range(n) if sure[i]):  # an appeal box: its pitch, its lines, its buttons
        for step in (-1, 1):
            j = i + step
            while 0 <= j < n and abs(j - i) <= RUN and box[j] >= model.likely:
                flags[j] = True
                j += step
    # Never the whole text: one the model would empty is a short post it cannot tell from an
    # appeal box (alone, a paragraph is both first and last, which weigh most), not an article.
    return [False] * n if all(flags) else flags


def appeal_reasons(paragraphs: Sequence[str], model: AppealModel | None = None) -> list[str | None]:
    """ "appeal (model 0.97)" for each paragraph the model removes, None for the others."""
    model = model if model is not None else current_model()
    if model is None or not paragraphs:
        return [None] * len(paragraphs)
    rows = context_features(model.text_scores(paragraphs), paragraphs)
    scores = model.probabilities(rows)
    if all(s < model.sure for s in scores):  # nothing sure, no box: the trees are not asked
        return [None] * len(paragraphs)
    box = model.box_probabilities(rows)
    return [  # the probability that decided: the linear step's if sure, else the trees'
        f"appeal (model {s if s >= model.sure else b:.2f})" if flag else None
        for s, b, flag in zip(scores, box, appeal_flags(model, scores, box), strict=True)
    ]


def model_from_json(data: dict[str, object]) -> AppealModel:
    """The model from its JSON table (as `benchmarks/train_appeals.py` writes it)."""
    if data.get("format") != FORMAT:  # an older one lacks the box trees or APPEAL_WORD
        raise ValueError(f"the appeal model table is format {data.get('format')}, not {FORMAT}")
    text, context, limits, box = data["text"], data["context"], data["thresholds"], data["box"]
    assert isinstance(text, dict) and isinstance(context, dict) and isinstance(limits, dict)
    assert isinstance(box, dict)
    if len(context["weights"]) != len(CONTEXT_NAMES):  # scores would silently drop features
        raise ValueError(
            f"the appeal model has {len(context['weights'])} context weights, "
            f"not one for each of {', '.join(CONTEXT_NAMES)}"
        )
    return AppealModel(
        text_weights=text["weights"],
        text_bias=float(text["bias"]),
        context_weights=tuple(float(v) for v in context["weights"]),
        context_bias=float(context["bias"]),
        sure=float(limits["sure"]),
        likely=float(limits["likely"]),
        pool=float(text.get("pool", 1.0)),
        box=forest_from_json(box),
    )


def read_model(path: Path) -> AppealModel:
    """A model file: gzip JSON."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return model_from_json(json.load(stream))


@lru_cache(maxsize=1)
def _shipped() -> AppealModel | None:
    # Read once per process: a forked worker inherits it from its parent when it was read there.
    return read_model(MODEL_PATH) if MODEL_PATH.exists() else None


_override: list[AppealModel | None] = []


def current_model() -> AppealModel | None:
    """The model in use: the shipped one, unless a benchmark installed another (or none)."""
    return _override[-1] if _override else _shipped()


@contextmanager
def installed(model: AppealModel | None) -> Iterator[None]:
    """Use `model` (None: no model) in this process for the block, as benchmarks compare them."""
    _override.append(model)
    try:
        yield
    finally:
        _override.pop()


def _dot(weights: Sequence[float], row: Sequence[float]) -> float:
    # A plain sum, as training's numpy dot: fsum over a generator took twice as long.
    total: float = sum(map(operator.mul, weights, row))
    return total


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
