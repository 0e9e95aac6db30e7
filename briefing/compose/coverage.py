"""Concept coverage: the set of sentences that covers most concept weight within a word budget.

The objective of Gillick and Favre's summariser ("A scalable global model for summarization",
2009): maximise the total weight of the distinct concepts the chosen sentences contain, subject
to their total length. Solved with HiGHS (scipy.optimize.milp) over at most `max_candidates`
sentences, those worth most on their own, and at most `node_limit` branch-and-bound nodes: bounds
on the work itself, so the same story gets the same summary on an idle or a busy machine (the
time limit only guards against pathological input, and a story of a hundred articles is searched
as fast as one of ten). If the solver fails, a greedy pass with length-normalised gains stands
in. Each outlet the summary draws on counts as one more concept (`outlet_bonus`), so of two
near-equal choices the one from more sources wins.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from lemminflect import getAllLemmas
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..text.sentences import CALENDAR_WORDS, has_cjk, word_count, words_of


@dataclass(frozen=True, slots=True)
class Settings:
    """How summaries are made; the defaults were chosen by benchmarks/summaries.py."""

    kind: str = "words"  # concepts: "words", "pairs" (adjacent content words) or "both"
    min_support: int = 2  # outlets that must use a concept for it to count
    per_article: int = 12  # candidates from the opening of each article
    position_bonus: float = 2.0  # a lead sentence's bonus, in concept weight (n-th: 1 / n)
    decay: float = 0.75  # a concept first used in an outlet's n-th sentence counts 1 / n ** decay
    trim: bool = True  # cut datelines, short asides and closing "he said"s
    exact: bool = True  # integer programming; else the greedy pass
    phrases_once: bool = True  # two sentences sharing a two-word phrase are never both taken
    time_limit: float = 20.0  # a guard against pathological input only: the bounds above bind
    outlet_bonus: float = 1.0  # gain, in concept weight, for each outlet the summary draws on
    when: bool = True  # saying when ('on Friday', 'next week') is one concept, however it is said
    max_candidates: int = 40  # the search's sentences, the most valuable alone: bounds its work
    node_limit: int = 10  # branch-and-bound nodes: a bound on work that no machine load moves
    lemmas: bool = True  # words by dictionary form ('stole': 'steal'); else the crude stem only


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that may go into the summary, where it came from, and what it covers."""

    text: str
    article: int  # index into the story's articles
    position: int  # order among its article's candidates
    concepts: frozenset[str] = frozenset()
    phrases: frozenset[str] = frozenset()  # lowercase two-word phrases: what repeats a fact
    outlet: str = ""  # the outlet of its article: a summary drawing on several is preferred

    @property
    def words(self) -> int:
        return word_count(self.text)


WHEN = "@when"  # the concept of a sentence that says when
_DAYS = CALENDAR_WORDS | {"today", "tonight", "yesterday", "tomorrow"}
_SPANS = frozenset({"week", "weekend", "month", "year", "night", "morning", "evening"})


def concepts_of(tokens: list[str], settings: Settings) -> frozenset[str]:
    """Content words (by dictionary form: `base`) and pairs of adjacent content words of a
    token list, and `WHEN` if it says when.

    Outlets date an event differently ('on Friday', 'today', 'late on the 21st'), so no one
    word carries the 'when' of a story: as one concept, used by every outlet, it weighs what a
    summary that never says when would lack.
    """
    content = [
        base(t) if settings.lemmas else _stem(t)
        for t in tokens
        if t not in ENGLISH_STOP_WORDS and _meaningful(t)
    ]
    found: set[str] = set()
    if settings.kind in ("words", "both"):
        found.update(content)
    if settings.kind in ("pairs", "both"):
        found.update(f"{a} {b}" for a, b in zip(content, content[1:], strict=False))
    if settings.when and says_when(tokens):
        found.add(WHEN)
    return frozenset(found)


def says_when(tokens: list[str]) -> bool:
    """Whether lowercase tokens name a day or month, or a span ('next week', 'last night')."""
    return any(t in _DAYS for t in tokens) or any(
        a in ("next", "last", "this") and b in _SPANS
        for a, b in zip(tokens, tokens[1:], strict=False)
    )


# An amount with its unit: '$2.8 billion', '€40m', '15%', '3.5 percent', '200 million'.
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d[\d,.]*\d(?:\s?(?:million|billion|trillion|bn|m)\b)?"
    r"|[$€£¥]\s?\d(?:\s?(?:million|billion|trillion|bn|m)\b)?"
    r"|\b\d[\d,.]*\s?(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b)",
    re.IGNORECASE,
)


def phrases_of(text: str) -> frozenset[str]:
    """Pairs of adjacent lowercase content words ('written response'), and amounts with their
    unit ('$2.8 billion'): the wording of a fact.

    Capitalised words are left out: names and 'Lavrov said' recur in every sentence of a story
    without repeating its facts. A script without capitals (Arabic, Chinese) has none to leave.
    Two sentences giving one amount ('earned $2.8 billion in the quarter', 'earned $2.8
    billion, or $2.53 a share') state one fact twice; a bare number (a year, a count) may not.
    """
    found = {_amount(m.group()) for m in _AMOUNT.finditer(text)}
    for chunk in re.split(r"[^\w\s'’-]", text):
        words = words_of(chunk) if has_cjk(chunk) else chunk.split()
        found.update(
            f"{_stem(a)} {_stem(b)}"
            for a, b in zip(words, words[1:], strict=False)
            if _plain(a) and _plain(b)
        )
    return frozenset(found)


def _amount(text: str) -> str:
    """An amount as a phrase of its own: '$2.8 billion' and '2.8 billion' alike, '15 percent'
    as '15%'."""
    key = re.sub(r"[\s$€£¥]", "", text.lower()).replace("percent", "%")
    return "#" + key


def _plain(word: str) -> bool:
    """A word in lower case, or in a script without case, that is no English stop word."""
    lower = word.islower() or not any(c.lower() != c.upper() for c in word)
    return word.isalpha() and lower and word not in ENGLISH_STOP_WORDS


def _meaningful(token: str) -> bool:
    """A word of two letters or more, or a number."""
    return len(token) > 1 or token.isdigit()


@lru_cache(maxsize=65_536)
def base(token: str) -> str:
    """A lowercase word's dictionary form, its verb's where it can be one, else its crude stem.

    Outlets word one action in different tenses ('stole', 'has stolen', 'stealing'), and an
    irregular form or a dropped 'e' ('charged' beside 'charge') escapes a suffix stripper, so
    the action split into several concepts weighs less than what every outlet reported. The
    verb's form comes first, as the crude stem does ('shooting': 'shoot', joining 'shot'); a
    word that is itself one of several forms offered stays as it is ('wound' could be 'wind',
    'ground' 'grind': no guess beats none), and a word lemminflect's dictionary lacks (a name,
    a number) keeps the crude stem.
    """
    lemmas = getAllLemmas(token)
    for pos in ("VERB", "NOUN", "ADJ", "ADV", "PROPN"):
        if pos in lemmas:
            forms = lemmas[pos]
            return token if len(forms) > 1 and token in forms else forms[0].lower()
    return _stem(token)


def load_dictionary() -> None:
    """Load lemminflect's tables now (about 35 MB, 0.4 s), not at the first word.

    Called before forking summary workers: loaded once in the parent, the tables are shared by
    the children's pages instead of loaded again in each.
    """
    getAllLemmas("said")


def _stem(token: str) -> str:
    """A crude stem, enough to join 'attacked', 'attacking', 'attacks' and 'attack'."""
    for suffix, keep in (("ies", 4), ("ing", 4), ("ed", 4), ("es", 4), ("s", 3)):
        if token.endswith(suffix) and len(token) - len(suffix) >= keep:
            if suffix == "s" and token.endswith(("ss", "us", "is")):
                return token
            return token[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return token


def best_cover(
    candidates: list[Candidate], weights: Mapping[str, float], budget: int, settings: Settings
) -> list[Candidate]:
    """The candidates covering the most concept weight within `budget` words.

    When no candidate fits, the best one alone is taken: a summary one sentence too long beats
    none.
    """
    fitting = _undominated([c for c in candidates if c.words <= budget], weights, settings)
    if not fitting:
        return [max(candidates, key=lambda c: (_value(c, weights, settings), -c.position))]
    fitting = _most_valuable(fitting, weights, settings)
    chosen = _exact(fitting, weights, budget, settings) if settings.exact else None
    if chosen is None:
        chosen = _greedy(fitting, weights, budget, settings)
    return chosen


def _undominated(
    candidates: list[Candidate], weights: Mapping[str, float], settings: Settings
) -> list[Candidate]:
    """The candidates, less any that says nothing that another, no longer, does not say.

    Without this a second copy of a sentence (a wire story in two outlets) could still be
    chosen for its position bonus, though its concepts are already covered. With an outlet
    bonus, only a sentence of the same outlet dominates: another outlet's brings its bonus.
    """
    useful = [frozenset(k for k in c.concepts if weights.get(k, 0.0) > 0) for c in candidates]

    # Only candidates that may dominate each other are compared: with an outlet bonus, those of
    # one outlet, so a story of a hundred outlets costs a hundred small comparisons, not one big.
    def rival_key(candidate: Candidate) -> str:
        return candidate.outlet if settings.outlet_bonus > 0 else ""

    rivals: dict[str, list[int]] = {}
    for i, candidate in enumerate(candidates):
        rivals.setdefault(rival_key(candidate), []).append(i)

    def dominates(j: int, i: int) -> bool:
        if j == i or not useful[i] <= useful[j] or candidates[j].words > candidates[i].words:
            return False
        same = useful[i] == useful[j] and candidates[j].words == candidates[i].words
        return not same or j < i  # of two equals, the first is kept

    return [
        c
        for i, c in enumerate(candidates)
        if not any(dominates(j, i) for j in rivals[rival_key(c)])
    ]


def _most_valuable(
    candidates: list[Candidate], weights: Mapping[str, float], settings: Settings
) -> list[Candidate]:
    """At most `max_candidates` of the candidates, those worth most on their own, in their order.

    The search's work grows steeply with its sentences: bounded here, a story of a hundred
    articles is searched as fast as one of ten, and the time limit is never what stops it, so
    a busy machine gets the same summary as an idle one. Ties go to the earlier candidate.
    """
    if len(candidates) <= settings.max_candidates:
        return candidates
    ranked = sorted(
        range(len(candidates)), key=lambda i: (-_value(candidates[i], weights, settings), i)
    )
    return [candidates[i] for i in sorted(ranked[: settings.max_candidates])]


def _repeats(candidates: list[Candidate]) -> list[tuple[int, int]]:
    """Pairs of candidates that word a fact alike: they share a phrase ('written response')."""
    return [
        (i, j)
        for i, a in enumerate(candidates)
        for j in range(i + 1, len(candidates))
        if a.phrases & candidates[j].phrases
    ]


def _bonus(candidate: Candidate, settings: Settings) -> float:
    """Preference for coming early in the article: 1, 1/2, 1/3 ... times the setting."""
    return settings.position_bonus / (1 + candidate.position)


def _value(candidate: Candidate, weights: Mapping[str, float], settings: Settings) -> float:
    """A candidate's worth on its own."""
    return sum(weights.get(k, 0.0) for k in candidate.concepts) + _bonus(candidate, settings)


def _exact(
    candidates: list[Candidate], weights: Mapping[str, float], budget: int, settings: Settings
) -> list[Candidate] | None:
    """The optimal selection by integer programming, or None if the solver gives up."""
    concepts = sorted({k for c in candidates for k in c.concepts if weights.get(k, 0.0) > 0})
    # An outlet is a concept of its own, held by its sentences, worth the outlet bonus.
    outlets = sorted({c.outlet for c in candidates}) if settings.outlet_bonus > 0 else []
    index = {k: i for i, k in enumerate([*concepts, *(("outlet", o) for o in outlets)])}
    n, m = len(candidates), len(index)
    # Variables: one 0/1 per sentence, then one per concept (covered or not). A concept counts
    # only if some chosen sentence holds it: c_k - sum(x_j for j holding k) <= 0.
    rows, cols, vals = [], [], []
    for j, candidate in enumerate(candidates):
        held = [*candidate.concepts, ("outlet", candidate.outlet)]
        for k in held:
            if k in index:
                rows.append(index[k])
                cols.append(j)
                vals.append(-1.0)
    link = sparse.coo_matrix((vals, (rows, cols)), shape=(m, n + m)).tolil()
    link[:, n:] = sparse.identity(m)
    length = np.concatenate([[c.words for c in candidates], np.zeros(m)])
    gain = np.concatenate(
        [
            [_bonus(c, settings) for c in candidates],
            [weights[k] for k in concepts],
            [settings.outlet_bonus] * len(outlets),
        ]
    )
    # A fact said twice in other words is still said twice: x_i + x_j <= 1 for alike pairs.
    repeats = _repeats(candidates)
    apart = sparse.lil_matrix((max(1, len(repeats)), n + m))
    for row, (i, j) in enumerate(repeats):
        apart[row, i] = apart[row, j] = 1.0
    with _solver_quiet():
        result = milp(
            -gain,
            constraints=[
                LinearConstraint(
                    sparse.vstack([length, link.tocsr()]), -np.inf, [budget] + [0] * m
                ),
                LinearConstraint(apart.tocsr(), -np.inf, 1),
            ],
            integrality=np.concatenate([np.ones(n), np.zeros(m)]),
            bounds=Bounds(0, 1),
            options={
                "time_limit": settings.time_limit,
                "node_limit": settings.node_limit,
                "mip_rel_gap": 0.01,
            },
        )
    if result.x is None:
        return None
    return [c for j, c in enumerate(candidates) if result.x[j] > 0.5]


@contextmanager
def _solver_quiet() -> Iterator[None]:
    """The process's stdout sent to /dev/null while HiGHS solves.

    HiGHS 1.12 (in SciPy 1.17) prints a debug line from C++ straight to stdout now and then,
    whatever its output options say ("HighsMipSolverData::transformNewIntegerFeasibleSolution
    tmpSolver.run();", ERGO-Code/HiGHS#2783): it landed in the middle of a run's progress.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (AttributeError, OSError, ValueError):  # no stdout to keep quiet
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _greedy(
    candidates: list[Candidate], weights: Mapping[str, float], budget: int, settings: Settings
) -> list[Candidate]:
    """Repeatedly the candidate with the most new weight per word that still fits."""
    chosen: list[int] = []
    covered: set[str] = set()
    drawn_on: set[str] = set()
    used = 0
    apart = {pair for i, j in _repeats(candidates) for pair in ((i, j), (j, i))}
    while True:
        best, best_gain = -1, 0.0
        for index, candidate in enumerate(candidates):
            if index in chosen or used + candidate.words > budget:
                continue
            if any((index, j) in apart for j in chosen):
                continue
            new = sum(weights.get(k, 0.0) for k in candidate.concepts - covered)
            if candidate.outlet not in drawn_on:
                new += settings.outlet_bonus
            gain = (new + _bonus(candidate, settings)) / candidate.words
            if gain > best_gain:
                best, best_gain = index, gain
        if best < 0:
            return [candidates[i] for i in chosen]
        chosen.append(best)
        covered |= candidates[best].concepts
        drawn_on.add(candidates[best].outlet)
        used += candidates[best].words
