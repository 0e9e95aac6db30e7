"""`beyond_one_word` against a plain reading of its rule, and its memory when a common word is
held by many names (each (pair, word) once spread to every name holding it took 2 GB at 50,000
articles)."""

from __future__ import annotations

import random
import tracemalloc

import numpy as np
import pytest
from scipy import sparse

from briefing.stories.cluster import beyond_one_word, token_ids
from briefing.stories.vectors import Space

WORDS = ("county", "donald", "trump", "tower", "new", "york", "fire", "lake")
NAMES = ("donald trump", "trump tower", "new york", "york county", "new york county", "lake fire")


def reference(vectors: np.ndarray, terms: list[str], i: int, j: int) -> float:
    """The rule read plainly: the pair's shared total, less its strongest shared thing, where a
    shared word goes with the strongest shared name holding it (the first such column on a tie)."""
    shared: dict[str, float] = {}
    for column, term in enumerate(terms):
        product = float(vectors[i, column] * vectors[j, column])
        if product:
            shared[term] = shared.get(term, 0.0) + product
    order = list(dict.fromkeys(terms))  # a word's number: the order it first appears in
    things: dict[str, float] = {}
    for term, value in shared.items():
        holders = [n for n in shared if " " in n and term in n.split()]
        holders.sort(key=lambda n: (-shared[n], order.index(n)))
        target = holders[0] if holders else term
        things[target] = things.get(target, 0.0) + value
    return sum(shared.values()) - max(max(things.values(), default=0.0), 0.0)


@pytest.mark.parametrize("seed", range(6))
def test_beyond_one_word_is_the_rule_read_plainly(seed: int) -> None:
    rng = random.Random(seed)
    # Two blocks share terms ('trump' in the head and the body is one word); weights from a
    # small set, so two names often tie.
    terms = [*WORDS, *NAMES, *WORDS[:4], *NAMES[:3]]
    dense = np.array(
        [[rng.choice((0.0, 0.0, 0.5, 1.0)) for _ in terms] for _ in range(8)], dtype=np.float32
    )
    space = Space(sparse.csr_matrix(dense), tuple(terms))
    pairs = [(i, j) for i in range(8) for j in range(8) if i != j]
    rows, cols = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    found = beyond_one_word(space.vectors, rows, cols, token_ids(space))
    expected = [reference(dense, terms, i, j) for i, j in pairs]
    assert found == pytest.approx(expected, abs=1e-6)


def test_a_word_many_names_hold_costs_no_memory_per_name() -> None:
    names = [f"place{k} county" for k in range(3_000)]
    terms = ("county", "fire", *names)
    dense = np.zeros((2, len(terms)), dtype=np.float32)
    dense[:, :2] = 0.5  # both share 'county' and 'fire', and no name holding 'county'
    dense[0, 2], dense[1, 3] = 1.0, 1.0
    space = Space(sparse.csr_matrix(dense), terms)
    words = token_ids(space)
    rows, cols = np.zeros(20_000, dtype=np.int64), np.ones(20_000, dtype=np.int64)
    tracemalloc.start()
    try:
        found = beyond_one_word(space.vectors, rows, cols, words)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == pytest.approx(np.full(20_000, 0.25))  # 'county' and 'fire', less one
    # Spreading each (pair, 'county') to the 3,000 names holding it took 1.6 GB here.
    assert peak < 40 * 2**20
