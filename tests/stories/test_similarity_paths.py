"""The fast paths of briefing.stories.vectors give exactly what the straightforward ways give.

On real texts (the seed reports, and each of their paragraphs as an article of its own, so
terms are shared across many rows): the vectors built by one sort of (article, term) keys equal
those of a Counter per article, and the names found are those the plain lookbehind found.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize

from briefing.models import Article
from briefing.stories import vectors as similarity

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
# The names pattern as it was first written: a lookbehind tried at every position.
PLAIN_NAME = re.compile(
    r"(?<!\w)(?:(?![A-Z]['’](?:m|ve|ll|d)\b)[A-Z][\w'’]+(?:[ -][A-Z][\w'’]+)*|\d[\d,.]*\d|\d)\b"
)


def real_articles() -> list[Article]:
    """Each seed whole, and each of its paragraphs as an article titled by its first words."""
    when = datetime(2022, 1, 21, 12, tzinfo=UTC)
    articles = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        articles.append((path.stem, lines[0], "\n".join(lines[1:])))
        for k, line in enumerate(lines[1:]):
            articles.append((f"{path.stem}-{k}", " ".join(line.split()[:8]), line))
    return [
        _article(key, title, text, f"s{i % 7}", when)
        for i, (key, title, text) in enumerate(articles)
    ]


def _article(key: str, title: str, text: str, source: str, when: datetime) -> Article:
    return Article(key, source, "world", f"https://example.org/{key}", title, text, when)


def reference_space(articles: list[Article]) -> sparse.csr_matrix:
    """The blocks the plain way: a Counter per article, a sorted vocabulary, loops."""
    blocks = []
    weights = (similarity.HEAD_WEIGHT, similarity.BODY_WEIGHT, similarity.NAME_WEIGHT)
    for block, weight in enumerate(weights):
        counts = [Counter(similarity.article_tokens(a)[block]) for a in articles]
        terms = sorted({t for c in counts for t in c} - similarity._STOP)
        column = {t: j for j, t in enumerate(terms)}
        df = Counter(t for c in counts for t in c if t in column)
        n = len(articles)
        rows, cols, data = [], [], []
        for i, c in enumerate(counts):
            for term, count in c.items():
                if term in column:
                    idf = math.log((1.0 + n) / (1.0 + df[term])) + 1.0
                    rows.append(i)
                    cols.append(column[term])
                    data.append((1.0 + math.log(count)) * idf)
        matrix = sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64).astype(np.float32), (rows, cols)),
            shape=(n, len(terms)),
        )
        blocks.append(weight * normalize(matrix))
    return normalize(sparse.hstack(blocks, format="csr"))


def test_vectors_equal_a_counter_per_article_on_real_texts() -> None:
    articles = real_articles()
    assert len(articles) > 40
    fast = similarity.article_space(articles).vectors
    slow = reference_space(articles)
    assert fast.shape == slow.shape
    assert np.array_equal(fast.indptr, slow.indptr)
    assert np.array_equal(fast.indices, slow.indices)
    np.testing.assert_allclose(fast.data, slow.data, rtol=1e-6, atol=0)


def test_vectors_do_not_depend_on_the_order_articles_come_in() -> None:
    articles = real_articles()
    order = np.random.default_rng(5).permutation(len(articles))
    first = similarity.article_space(articles).vectors
    shuffled = similarity.article_space([articles[i] for i in order]).vectors
    assert (first[order] != shuffled).nnz == 0


def plain_find_names(text: str) -> list[str]:
    """Names as first written: a word character put before every line and sentence opening,
    so the plain pattern skips each opening's first word."""
    for opening in ("\n", ". ", "! ", "? "):
        text = text.replace(opening, opening + "\u00aa")
    found = PLAIN_NAME.findall("\u00aa" + text)
    return [f.replace(" ", "_").lower() for f in found]


def test_names_pattern_finds_what_the_plain_lookbehind_found() -> None:
    texts = [f"{a.title}\n{a.text}" for a in real_articles()]
    texts += ["Ünal met Anna in 2022; _Bob and x9 Y 3.5, É Ab", "٣ and 12,000 at 7 p.m.", ""]
    # Edges of the branches: a digit glued to letters, lone capitals and digits, trailing
    # separators, apostrophes, hyphens, a letter that is a word character ('ª'), and openings
    # of lines and sentences next to each other.
    texts += ["3M and A1 or B, 7. 1,2, 3.x O'Neil AB-Cd a-Bc \u00aaNew York \u00aa7 ok"]
    texts += ["x.\nNew York Times. Police said! Ali ? Bob Cat\n\n2020 was"]
    texts += ["Foo. \nBar", "Foo.  Bar", "U.S. Army and U.S. Navy"]
    texts += ["so I’m, I've, I’ll, I'd and I’dx, Ivan's and O’Mara"]
    for text in texts:
        assert similarity.find_names(text) == plain_find_names(text)
