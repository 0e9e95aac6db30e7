"""A readable label for each automatic topic: its heaviest terms, as its reports write them.

A section's vectors summed give its terms by weight. Numbers, days and months and headlines'
filler are passed over; a name holding terms already taken replaces them ('fc', 'utrecht': FC
Utrecht), and two terms the reports mostly write side by side become one phrase ('health care').
Each term is then written as the reports most often write it ('HP', 'New Zealand', 'Hit-and-run').
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np
from scipy import sparse

from ..models import Article
from ..text.dates import CALENDAR_NAMES
from ..text.sentences import CALENDAR_WORDS
from .headline import FILLER
from .vectors import Space, lead

LABEL_TERMS = 3
LABEL_TEXTS = 20  # a section's reports read for how its label's terms are written
PHRASE_WORDS = 2  # at most, in a label's term made of two ('health care')
COMPOUND_EXTRA = 16  # characters a label's term may gain to its hyphenated word ('-to-Text')
# Days and months say when, not what, in English and in the languages whose feed dates are
# read (feeddates.py); "march" (a protest) and "may" (a prime minister) stay.
_CALENDAR = (CALENDAR_WORDS - {"march"}) | CALENDAR_NAMES


def topic_labels(
    space: Space, groups: Sequence[tuple[int, ...]], articles: Sequence[Article] = ()
) -> list[str]:
    """A readable label for each group of two or more rows (else ""): its heaviest terms,
    written as the group's reports (`articles`, by row) most often write them."""
    n = space.vectors.shape[0]
    rows = [k for k, g in enumerate(groups) for _ in g]
    member = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, [i for g in groups for i in g])), shape=(len(groups), n)
    )
    totals = (member @ space.vectors).tocsr()
    labels = []
    for k, g in enumerate(groups):
        if len(g) < 2:
            labels.append("")
            continue
        texts = [_head(articles[i]) for i in g[:LABEL_TEXTS]] if articles else []
        terms = _label_terms(
            space.terms,
            totals.indices[totals.indptr[k] : totals.indptr[k + 1]],
            totals.data[totals.indptr[k] : totals.indptr[k + 1]],
            [t.lower().replace("-", " ") for t in texts],
        )
        labels.append(" · ".join(_distinct([_heading(written(t, texts)) for t in terms])))
    return labels


def _distinct(forms: list[str]) -> list[str]:
    """A label's written terms, each once: two terms written in one hyphenated word ('hit',
    'run': 'Hit-and-run') are one, and a term inside a longer one is the longer, in the
    first's place ('Hit-and-run', 'Hit-and-run driver')."""
    kept: list[str] = []
    for form in forms:
        low = form.lower()
        inside = [k for k, f in enumerate(kept) if _has(low, f.lower())]
        if any(_has(f.lower(), low) for f in kept) and not inside:
            continue
        if inside:
            kept[inside[0]] = form
            kept = [f for k, f in enumerate(kept) if k not in inside[1:]]
        else:
            kept.append(form)
    return kept


def _label_terms(
    terms: tuple[str, ...], columns: np.ndarray, weights: np.ndarray, texts: Sequence[str] = ()
) -> list[str]:
    """The first LABEL_TERMS distinct terms by weight, less numbers and the names of days and
    months (they say how much and when, not what) and headlines' filler ("says"); a name
    holding words already taken takes their place ('fc', 'utrecht', then 'fc utrecht': FC
    Utrecht), and so does a phrase the group's lowered `texts` mostly write two of its terms
    as ('care', 'health', then 'health care')."""
    label: list[str] = []
    for index in np.lexsort((columns, -weights))[: LABEL_TERMS * 4]:
        term = terms[columns[index]]
        if not any(c.isalpha() for c in term) or term in _CALENDAR or term in FILLER:
            continue  # a number ('6,000', '11.2') says how much, not what
        words = set(term.split())
        held = [t for t in label if t != term and set(t.split()) <= words]
        repeats = any(_overlap(term, words, t) for t in label)
        phrases = {} if repeats else {t: p for t in label if (p := _phrase(t, term, texts))}
        if held:  # looked for even once the label is full: a name frees the slots it fills
            at = label.index(held[0])
            label = [t for t in label if t not in held]
            label.insert(at, term)
        elif phrases:  # a term that makes a phrase with one taken joins it, full label or not
            first = next(iter(phrases))
            label[label.index(first)] = phrases[first]
        elif len(label) < LABEL_TERMS and not repeats:
            label.append(term)
    return label


def _phrase(taken: str, term: str, texts: Sequence[str]) -> str:
    """The two terms as one phrase ('health care'), in the order the texts write them next to
    each other, when two or more texts, and most of those that have both, so write them; else
    "". One text alone is no evidence ('Leonardo does', 'Safari refuse'), and a phrase of more
    than PHRASE_WORDS words is no label."""
    if not texts or len(taken.split()) + len(term.split()) > PHRASE_WORDS:
        return ""
    both = [t for t in texts if _has(t, taken) and _has(t, term)]
    for phrase in (f"{taken} {term}", f"{term} {taken}"):
        side_by_side = sum(_has(t, phrase) for t in both)
        if side_by_side >= 2 and 2 * side_by_side > len(both):
            return phrase
    return ""


def _has(text: str, term: str) -> bool:
    """Whether a lowered text holds the term as whole words."""
    return next(_whole_words(text, term), None) is not None


def _whole_words(low: str, term: str) -> Iterator[int]:
    """Where a lowered text holds the term as whole words, not inside a longer word."""
    at = low.find(term)
    while at >= 0:
        if not (_in_word(low, at - 1) or _in_word(low, at + len(term))):
            yield at
        at = low.find(term, at + 1)


def _heading(form: str) -> str:
    """A label's term with a capital, as a heading's words have: 'southern Iran' is 'Southern
    Iran'; a first word with a capital of its own ('iPhone X', 'eBay') is left as it is."""
    first = form.split(" ", 1)[0]
    return form if any(c.isupper() for c in first) else form[:1].upper() + form[1:]


def _overlap(term: str, words: set[str], taken: str) -> bool:
    """Whether a term repeats a label's: a word in common, its plural too ('elections' after
    'parliamentary election'), or one inside the other ('iphone')."""
    if term in taken or taken in term:
        return True
    return not {_singular(w) for w in words}.isdisjoint(_singular(w) for w in taken.split())


def _singular(word: str) -> str:
    """An English plural's '-s' dropped ('elections'); enough to tell a label's repeats."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _head(article: Article) -> str:
    return f"{article.title}\n{lead(article.text)}"


def written(term: str, texts: Sequence[str]) -> str:
    """A lowercased term as the texts most often write it ('HP', 'BlackBerry', 'New Zealand');
    capitalised when they only write it in lower case, or not at all. A term the texts mostly
    write inside one hyphenated word is that word: 'degree murder' in 'first-degree murder',
    'hit' in 'hit-and-run' (the terms were split at the hyphen).

    Terms are lowercased to be counted, but a label reads better in the reports' own hand: 'Hp'
    and 'Tsmc' are nobody's spelling. Plain string search on a lowered copy of each text (a
    pattern compiled for every label's every term would cost more than all the labels).
    """
    forms: Counter[str] = Counter()
    for text in texts:
        low = text.lower().replace("-", " ")  # 'New-Zealand' is found as 'new zealand'
        if len(low) != len(text):  # a letter whose lower case is longer: places would shift
            continue
        for at in _whole_words(low, term):
            forms[_compound(text, at, at + len(term))] += 1
    if forms:
        # The words most often written (a tie to the plain term), then their most frequent spelling
        words: dict[str, Counter[str]] = {}
        for form, count in forms.items():
            words.setdefault(form.lower().replace("-", " "), Counter())[form] = count
        chosen = max(words, key=lambda w: (words[w].total(), -len(w)))
        form = words[chosen].most_common(1)[0][0]
        if not form.islower():
            return form
        term = form
    # Each word's first letter only: str.title() would write '24th' as '24Th'.
    return " ".join(w[:1].upper() + w[1:] for w in term.split())


def _compound(text: str, start: int, end: int) -> str:
    """The text from start to end, taken on over hyphens to the whole word of letters it lies
    in ('hit' in 'Hit-and-run', 'degree murder' in 'first-degree murder'), when that word is
    short enough for a label (text without spaces, as Chinese is written, has no word end)."""
    first, last = start, end
    while first > 1 and text[first - 1] == "-" and text[first - 2].isalpha():
        first -= 1
        while first > 0 and text[first - 1].isalpha():
            first -= 1
    while last + 1 < len(text) and text[last] == "-" and text[last + 1].isalpha():
        last += 1
        while last < len(text) and text[last].isalpha():
            last += 1
    if last - first - (end - start) > COMPOUND_EXTRA:
        return text[start:end]
    return text[first:last]


def _in_word(text: str, at: int) -> bool:
    """Whether the character at `at` (if any) is a word character."""
    return 0 <= at < len(text) and (text[at].isalnum() or text[at] == "_")
