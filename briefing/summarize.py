"""Summarise each story from its own articles' sentences, each sentence credited to its outlet.

Extractive and multi-document: the articles' text is split into sentences (sentencex), poor
candidates are dropped (questions, fragments, subheadings, bare quotations, unbalanced quotes),
and each candidate is scored by how central it is to the story (cosine to the centroid of all
candidates), by how widely the other outlets report the same thing (for each other outlet, the
best cosine to one of its sentences, averaged over those outlets) and by how early it comes in
its article. The best are taken greedily within the word budget, skipping any too like one
already taken, and shown in the order of their articles' publication, then their place in the
article, so the summary reads as a report does.

Every summary sentence is a verbatim substring of the article it names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sentencex import segment
from sklearn.feature_extraction.text import TfidfVectorizer

from briefing.models import Article, Section, Sentence, Story

# Measured with benchmarks/eval_summary.py (centrality alone 0.675, support alone 0.58, position
# alone 0.61 weighted coverage; this mix about 0.69).
CENTRAL_WEIGHT = 0.5
SUPPORT_WEIGHT = 0.3
POSITION_WEIGHT = 0.2
MAX_SIMILARITY = 0.5  # above this cosine, a candidate repeats a sentence already chosen
MIN_WORDS = 6
MAX_WORDS = 80  # longer "sentences" are usually failed splits of several

_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'’ -]{1,30}[A-Z.](?:,\s*[A-Z][\w.'’ ]{1,25})?"
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
    r"\s*(?:\([^)]{1,30}\))?\s*(?:[-–—]+|:)\s+(?=[A-Z\"“‘'])"
)
_GLUED = re.compile(r"^([A-Z][a-z]{2,})([A-Z][a-z]{2,})(?=[ ,])", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z]+")
_TERMINAL = re.compile(r"[.!][\"”’')\]]*$")
_QUOTES = re.compile(r"[\"“”]")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sentence that may go into the summary, and where it came from."""

    text: str
    article: int  # index into the story's articles
    position: int  # order among its article's candidates

    @property
    def words(self) -> int:
        return len(self.text.split())


def summarize_sections(
    sections: Sequence[Section], words: int = 60, lead_words: int = 100
) -> tuple[Section, ...]:
    """Summarise every story; the first (top-ranked) story of each section gets `lead_words`.

    Each section's first story is its headline story, shown first and larger, so it earns the
    longer summary; the rest share the shorter budget.
    """
    return tuple(
        replace(
            section,
            stories=tuple(
                summarize_story(story, lead_words if rank == 0 else words)
                for rank, story in enumerate(section.stories)
            ),
        )
        for section in sections
    )


def summarize_story(story: Story, words: int = 60) -> Story:
    """The story with its summary: the best sentences of its articles within `words` words."""
    candidates = story_candidates(story.articles)
    if not candidates:
        return replace(story, summary=())
    if len(story.articles) == 1:
        chosen = _lead(candidates, words)
    else:
        chosen = _select(candidates, _scores(candidates, story.articles), words)
    ordered = sorted(
        chosen, key=lambda c: (story.articles[c.article].published, c.article, c.position)
    )
    return replace(story, summary=tuple(_sentence(c, story.articles) for c in ordered))


def _sentence(candidate: _Candidate, articles: Sequence[Article]) -> Sentence:
    article = articles[candidate.article]
    return Sentence(candidate.text, article.id, article.source, article.url)


def story_candidates(articles: Sequence[Article]) -> list[_Candidate]:
    """The acceptable sentences of all the articles, in article then text order."""
    vocabulary = Counter(w for a in articles for w in _WORD.findall(a.text))
    candidates: list[_Candidate] = []
    for index, article in enumerate(articles):
        good = [s for s in split_sentences(article.text, vocabulary) if acceptable(s)]
        candidates.extend(_Candidate(s, index, pos) for pos, s in enumerate(good))
    return candidates


def split_sentences(text: str, vocabulary: Counter[str] | None = None) -> list[str]:
    """Sentences of a text, each a verbatim substring of it, without the opening dateline."""
    vocabulary = vocabulary if vocabulary is not None else Counter(_WORD.findall(text))
    sentences: list[str] = []
    for line in unglue(text, vocabulary).splitlines():
        if not sentences:  # a dateline only opens the text
            line = _DATELINE.sub("", line, count=1)
        sentences.extend(s.strip() for s in segment("en", line) if s.strip())
    return sentences


def unglue(text: str, vocabulary: Counter[str]) -> str:
    """Break a caption or credit glued to the paragraph after it: 'SputnikRussian Foreign ...'.

    Only a word opening a line is split (where extraction glues a credit to the next paragraph),
    and only when it occurs once and its second half is a word seen elsewhere. It is split at a
    line break, as the halves belong to separate texts. Names such as 'YouTube', 'McDonald',
    '#DoctorWho' or 'LiveNation.com' fail these tests and are kept.
    """

    def split(match: re.Match[str]) -> str:
        glued, left, right = match.group(0), match.group(1), match.group(2)
        if vocabulary[glued] <= 1 and vocabulary[right] > 0:
            return f"{left}\n{right}"
        return glued

    return _GLUED.sub(split, text)


def acceptable(sentence: str) -> bool:
    """Whether a sentence can stand alone in a summary."""
    words = sentence.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return False
    if not _TERMINAL.search(sentence) or not sentence[0].isupper() and sentence[0] not in '"“':
        return False  # a subheading, a question, a byline, or a piece of a broken sentence
    if len(_QUOTES.findall(sentence)) % 2:
        return False  # a quotation cut in two by the splitter or by the page
    outside = _QUOTED.sub(" ", sentence).split()
    return len(outside) >= 2  # a bare quotation does not say who said it


def _scores(candidates: list[_Candidate], articles: Sequence[Article]) -> np.ndarray:
    """Centrality, support from other outlets and position, combined into one score each."""
    vectors = _vectors(candidates)
    centroid = vectors.mean(axis=0)
    norm = np.linalg.norm(centroid)
    central = vectors @ (centroid / norm) if norm else np.zeros(len(candidates))
    outlets = [articles[c.article].source for c in candidates]
    support = _support(vectors @ vectors.T, outlets)
    position = np.array([1.0 / np.sqrt(1 + c.position) for c in candidates])
    return CENTRAL_WEIGHT * central + SUPPORT_WEIGHT * support + POSITION_WEIGHT * position


def _support(sims: np.ndarray, outlets: list[str]) -> np.ndarray:
    """For each sentence, the mean over the other outlets of its best match in that outlet.

    A mean over outlets, not the single best match: one syndicated copy repeating a sentence
    is one outlet's word, while a fact that most outlets report is the story's core.
    """
    names = np.array(outlets)
    columns = []
    for outlet in sorted(set(outlets)):
        mine = names == outlet
        best = np.where(mine[None, :], sims, 0.0).max(axis=1)
        columns.append(np.where(mine, np.nan, best))
    if len(columns) < 2:
        return np.zeros(len(outlets))
    return np.nan_to_num(np.nanmean(np.array(columns), axis=0))


def _vectors(candidates: list[_Candidate]) -> np.ndarray:
    """Dense L2-normalised TF-IDF rows (a story has tens of sentences, not thousands)."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    try:
        return vectorizer.fit_transform([c.text for c in candidates]).toarray()
    except ValueError:  # nothing but stop words
        return np.zeros((len(candidates), 1))


def _select(candidates: list[_Candidate], scores: np.ndarray, words: int) -> list[_Candidate]:
    """Best-first within the budget, skipping near-repeats of what is already chosen."""
    vectors = _vectors(candidates)
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    used = 0
    for i in order:
        size = candidates[i].words
        if used + size > words:
            continue
        if chosen and max(float(vectors[i] @ vectors[j]) for j in chosen) > MAX_SIMILARITY:
            continue
        chosen.append(i)
        used += size
    # The budget may only be broken by a best sentence that is longer than the whole budget.
    return [candidates[i] for i in chosen] or [candidates[order[0]]]


def _lead(candidates: list[_Candidate], words: int) -> list[_Candidate]:
    """A single article's opening sentences that fit, in order (a long one is skipped)."""
    chosen: list[_Candidate] = []
    used = 0
    for candidate in candidates:
        if used + candidate.words > words:
            continue
        chosen.append(candidate)
        used += candidate.words
    return chosen or candidates[:1]
