"""Article vectors and a sparse graph of each article's nearest neighbours, in about linear time.

Each article becomes a sparse TF-IDF vector in three weighted blocks: the head (title and lead),
the body, and the names and numbers anywhere in it. Each text is read once: one pass of a word
pattern and one of a name pattern give all three blocks' tokens (counted for all articles at
once by one sort of (article, term) keys), and the blocks' TF-IDF (sublinear tf, smoothed idf,
each block L2-normalised) is computed on the sparse counts. No n-by-n product is ever formed:
each article looks up others only through its own most telling terms (its top-weighted terms,
leaving out terms no other article has and terms so common that their posting lists would make
the lookup quadratic), keeps the best of those candidates by that partial score, and only for
them is the exact cosine computed. The cost grows with the number of articles times the
(bounded) candidates each one keeps.

`within_groups` re-weights the vectors inside given groups of articles (the sections): a term
shared by the whole group says what the group is about, not which event an article reports, so
it loses its weight; what only some of the group share (names, places, numbers) keeps it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

from ..models import Article
from ..text import stopwords as stopwords
from ..text.sentences import HAN, HANGUL, KANA, has_cjk, words_of

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
PAIR_CHUNK = 10_000  # pairs per step: the rows it gathers stay small enough to be fast
# Within a group, a term's weight is scaled by (1 - share of the group that has it) ** this:
# chosen with the held-out sweep of benchmarks/clustering.py (0.5, 1 and 2 were measured).
GROUP_POWER = 0.5

_WORD = re.compile(r"\w\w+")  # scikit-learn's default token pattern, without its \b (same tokens)
# Capitalised phrases and numbers: names, places, counts, dates (see `find_names`). The
# pattern opens with a character class, so the engine scans for the next capital or digit in
# C instead of trying the pattern at every position; look-behinds then ask that the character
# before it is no word character (a word's start) and that it does not open a line or a
# sentence (a capital there says nothing: "Police said" gives nothing, and "New York Times
# reported" gives "york_times"); the branches go on from the capital or the digit. "I’m",
# "I’ve", "I’ll" and "I’d" are capitalised but name nobody: every first-person post has them.
_NAME = re.compile(
    r"[A-Z\d](?<!\w[A-Z\d])(?<!\n[A-Z\d])(?<![.!?] [A-Z\d])"
    r"(?:(?<=[A-Z])(?!['’](?:m|ve|ll|d)\b)[\w'’]+(?:[ -][A-Z][\w'’]+)*|(?<=\d)(?:[\d,.]*\d)?)\b"
)
# The word pattern splits "we’ll", "I’ve" and "didn’t" at the apostrophe: what is left of the
# contraction says nothing ("don" and "won" stay: a name, a verb).
_FRAGMENTS = frozenset(
    ("ll", "ve", "didn", "doesn", "isn", "wasn", "aren", "hasn", "haven", "couldn", "wouldn")
    + ("shouldn", "weren")
)
_STOP = frozenset(ENGLISH_STOP_WORDS) | _FRAGMENTS
SCRIPT_CHARS = 200  # of the text, after the title, read to tell its script
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Letters of other scripts: Greek to Sinhala and Thai, kana, Han, Hangul (punctuation aside).
_NON_LATIN = re.compile(f"[\u0370-\u0e7f{KANA}{HAN}{HANGUL}]")
_HANGUL = re.compile(f"[{HANGUL}]")
_CJK_KEY, _HANGUL_KEY = 1 << 20, 1 << 21  # beyond any block key
_BLOCKS = 3


@dataclass(frozen=True, slots=True)
class Space:
    """Article vectors (rows, L2-normalised) and a readable name for every column."""

    vectors: sparse.csr_matrix
    terms: tuple[str, ...]
    names_from: int = 0  # the first column of the names block (names and numbers)


def article_space(articles: Sequence[Article]) -> Space:
    """Rows of TF-IDF: head, body and names blocks, weighted, side by side, normalised."""
    vocabularies = [_vocabulary() for _ in range(_BLOCKS)]
    ids: list[list[np.ndarray]] = [[] for _ in range(_BLOCKS)]
    lengths = np.zeros((_BLOCKS, len(articles)), dtype=np.int64)
    for row, article in enumerate(articles):
        for block, found in enumerate(article_tokens(article)):
            # Each token becomes its term's id at once (dict lookups in C), so the article's
            # token strings are freed and only 8 bytes a token are kept.
            lookup = map(vocabularies[block].__getitem__, found)
            ids[block].append(np.fromiter(lookup, dtype=np.int64, count=len(found)))
            lengths[block, row] = len(found)
    n = len(articles)
    counted = [
        (vocabularies[b], *_count(n, vocabularies[b], np.concatenate(ids[b]), lengths[b]))
        for b in range(_BLOCKS)
    ]
    language = stopwords.languages(n, counted[:2])  # told by the words, not by the names
    blocks = [
        _tfidf(n, counted[b], language, weight)
        for b, weight in enumerate((HEAD_WEIGHT, BODY_WEIGHT, NAME_WEIGHT))
    ]
    matrix = unit_rows(sparse.hstack([b[0] for b in blocks], format="csr"))
    names_from = blocks[0][0].shape[1] + blocks[1][0].shape[1]
    return Space(matrix, tuple(t for b in blocks for t in b[1]), names_from)


def _vocabulary() -> defaultdict[str, int]:
    """A term -> column mapping that gives a new term the next column (looked up in C)."""
    vocabulary: defaultdict[str, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__
    return vocabulary


def article_tokens(article: Article) -> tuple[list[str], list[str], list[str]]:
    """An article's head words, body words and names, in order: one pass of each pattern.

    Stop words are still in: they are dropped with their columns, once for all articles.
    """
    text = article.text[:MAX_CHARS]
    head = f"{article.title}\n{lead(text)}".lower()
    words = _cjk_words if has_cjk(head) else _WORD.findall
    return (words(head), words(text.lower()), find_names(f"{article.title}\n{text}"))


def _cjk_words(text: str) -> list[str]:
    """Chinese and Japanese put no spaces between words: each pair of neighbouring characters
    is a term (as `sentences.words_of` reads them), the rest words as elsewhere."""
    return [t for t in words_of(text) if len(t) > 1]


def _count(
    n: int, vocabulary: dict[str, int], ids: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (row, term) of one block and how often the row has it, sorted by row then term.

    `ids` are all rows' token ids one after another, lengths[i] of them row i's: one sort of
    (row, id) keys counts them all, cheaper than a Counter per article and a lookup per
    counted term.
    """
    width = max(len(vocabulary), 1)
    keys, counts = np.unique(np.repeat(np.arange(n), lengths) * width + ids, return_counts=True)
    return keys // width, keys % width, counts


def _tfidf(
    n: int, counted: stopwords.Counted, language: np.ndarray, weight: float
) -> tuple[sparse.csr_matrix, list[str]]:
    """One block: sublinear tf times smoothed idf, rows L2-normalised and weighted; its terms.

    Stop words are dropped here: English ones from every row, another language's from the rows
    in it (`stopwords`). Columns are put in the terms' sorted order, so a column's place never
    depends on which article came first; the CSR rows come out sorted by column, so the matrix
    is the same whatever order the counts were made in.
    """
    vocabulary, rows, ids, counts = counted
    terms = sorted(t for t in vocabulary if t not in _STOP)
    order = np.full(len(vocabulary), -1, dtype=np.int64)
    order[[vocabulary[t] for t in terms]] = np.arange(len(terms))
    indices = order[ids]
    kept = (indices >= 0) & ~stopwords.foreign(vocabulary, rows, ids, language)
    rows = rows[kept]
    indices = indices[kept]
    data = 1.0 + np.log(counts[kept].astype(np.float64))
    data *= _idf(language, rows, indices, len(terms))
    matrix = sparse.csr_matrix((data.astype(np.float32), (rows, indices)), shape=(n, len(terms)))
    return weight * unit_rows(matrix), [t.replace("_", " ") for t in terms]


def _idf(language: np.ndarray, rows: np.ndarray, indices: np.ndarray, width: int) -> np.ndarray:
    """Each entry's smoothed idf, among the articles of its row's language.

    How telling a word is depends on the reports it is read among: in a day of English news a
    Portuguese feed's "feira" (in every weekday's name) is rare, but among the Portuguese
    reports it is in nearly all of them, and there it must weigh as little as "Wednesday" does.
    """
    present, local = np.unique(language, return_inverse=True)  # languages present, as 0..k-1
    keys = local[rows] * width + indices
    df = np.bincount(keys, minlength=len(present) * width)[keys]
    n = np.bincount(local)[local[rows]]
    weights: np.ndarray = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return weights


def unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to length 1; a matrix without columns as it is (scikit-learn refuses one:
    a day without one name or number has an empty names block)."""
    return normalize(matrix) if matrix.shape[1] else matrix


def lead(text: str) -> str:
    """The first words of the text: where a report says what happened."""
    return " ".join(text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])


def find_names(text: str) -> list[str]:
    """Capitalised phrases not opening a sentence, and numbers, as single lowercased tokens."""
    found = _NAME.findall("\n" + text)  # the text's first word opens a line too
    return "\0".join(found).replace(" ", "_").lower().split("\0") if found else []


def within_groups(
    vectors: sparse.csr_matrix, group: np.ndarray, power: float = GROUP_POWER
) -> sparse.csr_matrix:
    """Rows re-weighted inside their groups (group[i] is row i's group), then normalised.

    A term's weight is scaled by (1 - share of the group's rows that have it) ** power: a
    term the whole group shares gets none, and a term only this row has in its group is dropped,
    as it links it to nothing there. What is left is what sets some of the group apart.
    """
    coo = vectors.tocoo()
    size = np.bincount(group)
    keys = group[coo.row].astype(np.int64) * vectors.shape[1] + coo.col
    _, where, df = np.unique(keys, return_inverse=True, return_counts=True)
    df = df[where]
    share = np.clip(1.0 - df / size[group[coo.row]], 0.0, 1.0)
    scale = np.where(df > 1, share**power, 0.0)
    scaled = sparse.csr_matrix(
        ((coo.data * scale).astype(np.float32), (coo.row, coo.col)), shape=vectors.shape
    )
    scaled.eliminate_zeros()
    return unit_rows(scaled)


def neighbour_graph(
    vectors: sparse.csr_matrix, times: np.ndarray, gap: float, scripts: np.ndarray | None = None
) -> sparse.csr_matrix:
    """Exact cosine for each row's best candidates, kept above the floor, within the time gap
    and, given each row's script (`scripts_of`), within one script."""
    rows, cols = candidate_pairs(vectors)
    close = np.abs(times[rows] - times[cols]) <= gap
    if scripts is not None:
        # Reports in two scripts share only numbers and borrowed words: a poll's "18" once put
        # a Chinese forum post in a section of Slovak politics.
        close &= scripts[rows] == scripts[cols]
    rows, cols = rows[close], cols[close]
    sims = pair_similarity(vectors, rows, cols)
    keep = sims >= FLOOR
    rows, cols, sims = rows[keep], cols[keep], sims[keep]
    rows, cols, sims = np.concatenate([rows, cols]), np.concatenate([cols, rows]), np.tile(sims, 2)
    top = top_per_row(rows, cols, sims, NEIGHBOURS)
    n = vectors.shape[0]
    graph = sparse.coo_matrix((sims[top], (rows[top], cols[top])), shape=(n, n)).tocsr()
    # Symmetric: an edge kept by either end is kept for both.
    return graph.maximum(graph.T).tocsr()


def scripts_of(articles: Sequence[Article]) -> np.ndarray:
    """Each article's script, told by the letters of its title and first words: 0 for the
    Latin alphabet (and for text with too few letters to tell), else a key for its script."""
    return np.array(
        [_script(f"{a.title} {a.text[:SCRIPT_CHARS]}") for a in articles], dtype=np.int64
    )


def _script(text: str) -> int:
    """0 for mostly Latin letters; else the 128-code-point block most of the others are in
    (Greek, Cyrillic, Arabic, Devanagari, Kannada, ... each has its own), one key for Chinese
    and Japanese, whose Han characters are shared."""
    if text.isascii():
        return 0
    other = _NON_LATIN.findall(text)
    if len(other) <= len(_LATIN.findall(text)):
        return 0
    return Counter(map(_block, other)).most_common(1)[0][0]


def _block(letter: str) -> int:
    if _HANGUL.match(letter):
        return _HANGUL_KEY
    return _CJK_KEY if letter >= "\u3040" else ord(letter) >> 7


def candidate_pairs(vectors: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Unique pairs (i < j) worth an exact look: found through shared telling terms."""
    n = vectors.shape[0]
    # A term in one article finds nothing; one in too many finds everything: probe with the rest.
    df = np.bincount(vectors.indices, minlength=vectors.shape[1])
    useful = vectors.copy()
    useful.data[(df[useful.indices] < 2) | (df[useful.indices] > MAX_POSTING)] = 0.0
    useful.eliminate_zeros()
    probe = _top_terms(useful, PROBE_TERMS)
    product = (probe @ probe.T).tocsr()
    product.sort_indices()  # (row, column) order: top_per_row then needs one sort, not two
    partial = product.tocoo()
    off = partial.row != partial.col
    rows, cols, data = partial.row[off], partial.col[off], partial.data[off]
    top = top_per_row(rows, cols, data, CANDIDATES)
    low, high = np.minimum(rows[top], cols[top]), np.maximum(rows[top], cols[top])
    keys = np.sort(low.astype(np.int64) * n + high)
    keys = keys[np.diff(keys, prepend=-1) != 0]  # each pair once
    return (keys // n).astype(np.int64), (keys % n).astype(np.int64)


def _top_terms(vectors: sparse.csr_matrix, k: int) -> sparse.csr_matrix:
    """Each row cut to its k largest weights."""
    coo = vectors.tocoo()
    keep = top_per_row(coo.row, coo.col, coo.data, k)
    return sparse.csr_matrix(
        (coo.data[keep], (coo.row[keep], coo.col[keep])), shape=vectors.shape, dtype=np.float32
    )


def top_per_row(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, k: int) -> np.ndarray:
    """Indices of each row's k largest values (data >= 0); ties go to the lower column."""
    if len(rows) == 0:
        return np.arange(0)
    # Two single-key sorts are much faster than a three-key lexsort: first by (row, column)
    # (skipped when the entries come so ordered, as from a sorted CSR matrix), then stably by
    # row and falling value.
    position = rows.astype(np.int64) * (int(cols.max()) + 1) + cols
    if np.all(position[1:] > position[:-1]):
        order = np.argsort(_by_row_largest_first(rows, data), kind="stable")
    else:
        base = np.argsort(position, kind="stable")
        order = base[np.argsort(_by_row_largest_first(rows[base], data[base]), kind="stable")]
    ordered = rows[order]
    firsts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    starts = np.repeat(firsts, np.diff(np.append(firsts, len(ordered))))
    return order[(np.arange(len(order)) - starts) < k]


def _by_row_largest_first(rows: np.ndarray, data: np.ndarray) -> np.ndarray:
    """A key that sorts by row, then by value from the largest (data >= 0)."""
    if data.dtype == np.float32 and int(rows.max()) < 2**31:
        # The bits of a float32 >= 0, read as an integer, rise with its value: one int64 key
        # per entry, row in the high half, exact for every value (+ 0 turns -0.0 into 0.0).
        bits = (data + np.float32(0)).view(np.uint32).astype(np.int64)
        return (rows.astype(np.int64) << 32) | (0xFFFFFFFF - bits)
    top = float(data.max()) or 1.0
    return rows + (1.0 - data.astype(np.float64) / (top * (1 + 1e-9))) * 0.999


def pair_similarity(vectors: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cosine of each listed pair of rows, in chunks so memory stays bounded."""
    out = np.empty(len(rows), dtype=np.float64)
    for start in range(0, len(rows), PAIR_CHUNK):
        stop = start + PAIR_CHUNK
        product = vectors[rows[start:stop]].multiply(vectors[cols[start:stop]])
        out[start:stop] = np.asarray(product.sum(axis=1)).ravel()
    return out
