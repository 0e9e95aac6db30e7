"""Article vectors and a sparse graph of each article's nearest neighbours, in about linear time.

Each article becomes a sparse TF-IDF vector in three weighted blocks: the head (title and lead),
the body, and the names and numbers anywhere in it. No n-by-n product is ever formed: each
article looks up others only through its own most telling terms (its top-weighted terms, leaving
out terms no other article has and terms so common that their posting lists would make the
lookup quadratic), keeps the best of those candidates by that partial score, and only for them
is the exact cosine computed. The cost grows with the number of articles times the (bounded)
candidates each one keeps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from .models import Article

HEAD_WEIGHT = 1.0
BODY_WEIGHT = 0.6
NAME_WEIGHT = 0.6
LEAD_WORDS = 40
MAX_CHARS = 20_000  # a report's first 20,000 characters say what it is about; caps huge inputs
NEIGHBOURS = 30
FLOOR = 0.05
PROBE_TERMS = 24  # terms per article used to look up candidates
MAX_POSTING = 100  # a term in more articles than this is too common to find neighbours by
CANDIDATES = 60  # candidates per article whose exact similarity is computed
PAIR_CHUNK = 50_000

# Capitalised phrases not opening a sentence, and numbers: names, places, counts, dates.
_NAME = re.compile(
    r"(?<![.!?]\s)(?<!^)\b([A-Z][\w'’]+(?:[ -][A-Z][\w'’]+)*|\d[\d,.]*\d|\d)\b", re.MULTILINE
)


@dataclass(frozen=True, slots=True)
class Space:
    """Article vectors (rows, L2-normalised) and a readable name for every column."""

    vectors: sparse.csr_matrix
    terms: tuple[str, ...]


def article_space(articles: Sequence[Article]) -> Space:
    """Rows of TF-IDF: head, body and names blocks, weighted, side by side, normalised."""
    texts = [a.text[:MAX_CHARS] for a in articles]
    heads = [f"{a.title}\n{lead(t)}" for a, t in zip(articles, texts, strict=True)]
    names = [" ".join(find_names(f"{a.title}\n{t}")) for a, t in zip(articles, texts, strict=True)]
    blocks = [
        _tfidf(heads, HEAD_WEIGHT),
        _tfidf(texts, BODY_WEIGHT),
        _tfidf(names, NAME_WEIGHT, token_pattern=r"\S+", lowercase=False),
    ]
    matrix = normalize(sparse.hstack([b[0] for b in blocks]).tocsr())
    return Space(matrix, tuple(t for b in blocks for t in b[1]))


def _tfidf(
    texts: list[str], weight: float, **options: object
) -> tuple[sparse.csr_matrix, list[str]]:
    """One weighted TF-IDF block and its terms; no vocabulary at all gives zero columns."""
    options = {"sublinear_tf": True, "stop_words": "english", "min_df": 1, **options}
    vectorizer = TfidfVectorizer(**options, dtype=np.float32)  # type: ignore[call-overload]
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32), []
    terms = [t.replace("_", " ") for t in vectorizer.get_feature_names_out()]
    return weight * matrix, terms


def lead(text: str) -> str:
    """The first words of the text: where a report says what happened."""
    return " ".join(text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])


def find_names(text: str) -> list[str]:
    """Capitalised phrases not opening a sentence, and numbers, as single lowercased tokens."""
    return [m.replace(" ", "_").lower() for m in _NAME.findall(text)]


def neighbour_graph(vectors: sparse.csr_matrix, times: np.ndarray, gap: float) -> sparse.csr_matrix:
    """Exact cosine for each row's best candidates, kept above the floor and within the time gap."""
    rows, cols = candidate_pairs(vectors)
    close = np.abs(times[rows] - times[cols]) <= gap
    rows, cols = rows[close], cols[close]
    sims = pair_similarity(vectors, rows, cols)
    keep = sims >= FLOOR
    rows, cols, sims = rows[keep], cols[keep], sims[keep]
    rows, cols, sims = np.concatenate([rows, cols]), np.concatenate([cols, rows]), np.tile(sims, 2)
    top = _top_per_row(rows, cols, sims, NEIGHBOURS)
    n = vectors.shape[0]
    graph = sparse.coo_matrix((sims[top], (rows[top], cols[top])), shape=(n, n)).tocsr()
    # Symmetric: an edge kept by either end is kept for both.
    return graph.maximum(graph.T).tocsr()


def candidate_pairs(vectors: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs (i < j) worth an exact look: found through shared telling terms."""
    n = vectors.shape[0]
    # A term in one article finds nothing; one in too many finds everything: probe with the rest.
    df = np.bincount(vectors.indices, minlength=vectors.shape[1])
    useful = vectors.copy()
    useful.data[(df[useful.indices] < 2) | (df[useful.indices] > MAX_POSTING)] = 0.0
    useful.eliminate_zeros()
    probe = _top_terms(useful, PROBE_TERMS)
    partial = (probe @ probe.T).tocoo()
    off = partial.row != partial.col
    rows, cols, data = partial.row[off], partial.col[off], partial.data[off]
    top = _top_per_row(rows, cols, data, CANDIDATES)
    low, high = np.minimum(rows[top], cols[top]), np.maximum(rows[top], cols[top])
    keys = np.unique(low.astype(np.int64) * n + high)
    return (keys // n).astype(np.int64), (keys % n).astype(np.int64)


def _top_terms(vectors: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Each row cut to its k largest weights."""
    coo = vectors.tocoo()
    keep = _top_per_row(coo.row, coo.col, coo.data, k)
    return sparse.csr_matrix(
        (coo.data[keep], (coo.row[keep], coo.col[keep])), shape=vectors.shape, dtype=np.float32
    )


def _top_per_row(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, k: int) -> np.ndarray:
    """Indices of each row's k largest values (data >= 0); ties go to the lower column."""
    if len(rows) == 0:
        return np.arange(0)
    # Two single-key sorts are much faster than a three-key lexsort: first by (row, column),
    # then stably by row + a fraction that falls as the value grows.
    base = np.argsort(rows.astype(np.int64) * (int(cols.max()) + 1) + cols, kind="stable")
    top = float(data.max()) or 1.0
    key = rows[base] + (1.0 - data[base].astype(np.float64) / (top * (1 + 1e-9))) * 0.999
    order = base[np.argsort(key, kind="stable")]
    ordered = rows[order]
    starts = np.searchsorted(ordered, ordered, side="left")
    return order[(np.arange(len(order)) - starts) < k]


def pair_similarity(vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cosine of each listed pair of rows, in chunks so memory stays bounded."""
    out = np.empty(len(rows), dtype=np.float64)
    for start in range(0, len(rows), PAIR_CHUNK):
        stop = start + PAIR_CHUNK
        product = vectors[rows[start:stop]].multiply(vectors[cols[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
    return out
