"""Stop words in each article's own language, so a feed in Portuguese or German is not one story.

The vectors drop scikit-learn's English stop words for every article. An article in another
language keeps its own function words ("que", "esta", "der", "und"); among English reports they
are rare, so they weigh as much as a name, and every report of a Portuguese feed looks like
every other. So each article's language is told by the stop words it uses (the language whose
list covers most of its tokens, English when none does better: the way stop lists are known to
tell languages apart), and the words of that language's list are dropped too; `similarity`
then counts each word's idf among the reports of its language. The lists, 33 languages, come
from the `stop-words` package; English reports are read exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import stop_words
from scipy import sparse

ENGLISH = "english"
# Per block: its vocabulary (term -> column) and its (row, column, count) entries.
Counted = tuple[Mapping[str, int], np.ndarray, np.ndarray, np.ndarray]


@lru_cache(maxsize=1)
def _lists() -> tuple[tuple[str, frozenset[str]], ...]:
    """Every language's stop words, English first, the rest by name."""
    names = sorted(set(stop_words.AVAILABLE_LANGUAGES) - {ENGLISH})
    return tuple((name, frozenset(stop_words.get_stop_words(name))) for name in [ENGLISH, *names])


@lru_cache(maxsize=64)
def of_language(code: str) -> frozenset[str]:
    """The stop words of a language named by its code ("pt-pt", "de"); none for an unknown one."""
    try:
        return frozenset(stop_words.get_stop_words(code.split("-")[0].lower()))
    except stop_words.StopWordError:
        return frozenset()


def languages(n: int, blocks: Sequence[Counted]) -> np.ndarray:
    """Each row's language, as an index into the lists (0 for English or when nothing tells)."""
    lists = _lists()
    votes = np.zeros((n, len(lists)))
    for vocabulary, rows, cols, counts in blocks:
        counted = sparse.csr_matrix((counts, (rows, cols)), shape=(n, max(len(vocabulary), 1)))
        votes += (counted @ _membership(vocabulary)).toarray()
    best = votes.argmax(axis=1)
    # A tie goes to English: a short English title shares "in" or "do" with many languages.
    return np.where(votes[np.arange(n), best] > votes[:, 0], best, 0)


def foreign(
    vocabulary: Mapping[str, int], rows: np.ndarray, cols: np.ndarray, language: np.ndarray
) -> np.ndarray:
    """Which (row, column) entries are stop words of their row's language, English rows aside."""
    other = language[rows] > 0
    if other.any():
        width = max(len(vocabulary), 1)
        member = _membership(vocabulary).tocoo()
        stop = member.col.astype(np.int64) * width + member.row
        keys = language[rows[other]].astype(np.int64) * width + cols[other]
        other[other] = np.isin(keys, stop)
    found: np.ndarray = other
    return found


def _membership(vocabulary: Mapping[str, int]) -> sparse.csr_matrix:
    """A (term, language) matrix: 1 where the vocabulary's term is on that language's list."""
    terms, langs = [], []
    for index, (_, words) in enumerate(_lists()):
        found = [vocabulary[w] for w in words if w in vocabulary]
        terms += found
        langs += [index] * len(found)
    shape = (max(len(vocabulary), 1), len(_lists()))
    return sparse.csr_matrix((np.ones(len(terms)), (terms, langs)), shape=shape)
