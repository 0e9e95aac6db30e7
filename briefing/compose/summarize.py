"""Summarise each story from its own articles' sentences, each sentence credited to its outlet.

Extractive and multi-document, after Gillick and Favre's concept-coverage method (ICSI, TAC
2008-09). The story's concepts are its content words by dictionary form ('stole' and 'stealing'
are 'steal'), each weighted by how many of the story's outlets use it, an outlet counting
1 / n ** 0.75 for a word it first uses in its n-th sentence (title first): what most outlets put
at the top weighs most. The summary is
the set of sentences covering the greatest total concept weight within the word budget, found by
a small integer programme whose work is bounded by its size, not the clock
(`compose/coverage.py`). A concept counts once however many chosen sentences carry it, so a fact
already said earns nothing the second time; two sentences that word a fact alike ('written
response') are never both taken; a small bonus for coming early in its article leans towards
the lead, and another for each outlet drawn on towards a summary of several. Saying when ('on
Friday', 'next week') is one concept, however each outlet words it.
Measured in benchmarks/summaries.py.

Candidates are the first sentences of each article (its title first, when the title is itself
a sentence of prose: `article_sentences`) that can stand alone
(`briefing.text.sentences.acceptable`) and, in a story of several outlets, do not point back at what
came before them in their article ('He said ...', '... shared the sentiment'), trimmed of
datelines, short asides and closing "he said"s (`trim`): each summary sentence's words occur in
order in the article it names. They are shown in the order of their articles' publication, then
their place in the article, so the summary reads as a report does, but for its first sentence,
which must stand alone ('According to the minister, ...' cannot open it: no minister is named
yet). A story from one outlet gets its article's first sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time, timedelta
from itertools import islice

from ..models import Article, Section, Sentence, Story
from ..text.sentences import (
    acceptable,
    opens_with_reference,
    split_sentences,
    trim,
    unglue,
    words_of,
)
from .coverage import Candidate, Settings, best_cover, concepts_of, phrases_of

__all__ = [
    "Settings",
    "acceptable",
    "split_sentences",
    "story_candidates",
    "summarize_sections",
    "summarize_story",
    "unglue",
]


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


def summarize_story(story: Story, words: int = 60, settings: Settings | None = None) -> Story:
    """The story with its summary: the sentences covering most of what its outlets agree on."""
    settings = settings or Settings()
    sentences = [article_sentences(a) for a in story.articles]
    candidates = _not_the_headline(story_candidates(story.articles, settings, sentences), story)
    if not candidates:
        return replace(story, summary=())
    if len({a.source for a in story.articles}) == 1:
        chosen = _lead(candidates, words)
    else:
        weights = concept_weights(story.articles, settings, sentences)
        # A sentence pointing back ('He ...') would point at another outlet's sentence here.
        standalone = [c for c in candidates if not opens_with_reference(c.text)] or candidates
        chosen = best_cover(standalone, weights, words, settings)
    ordered = sorted(
        chosen, key=lambda c: (*_when(story.articles[c.article]), c.article, c.position)
    )
    if len({a.source for a in story.articles}) > 1:  # one outlet's follows its own headline
        ordered = _opening_first(ordered)
    return replace(story, summary=tuple(_sentence(c, story.articles) for c in ordered))


def _when(article: Article) -> tuple[date, bool, time]:
    """When an article was published, for ordering its sentences: a page that gave only a date is
    stamped at midnight, which is not when it was written, so within that day it follows the
    reports whose time is known rather than opening the summary."""
    stamp = article.published
    dated_only = stamp.time() == time(0, 0) and stamp.utcoffset() in (None, timedelta(0))
    return stamp.date(), dated_only, stamp.time()


# A sentence that names a role and not its holder, or attributes to one: 'According to the
# minister, ...', 'The spokesman said ...'. Its article named the holder before; a summary
# opening with it has named no one.
_UNNAMED_ROLE = re.compile(
    r"^(?:According to|Speaking to \w+,)\s+(?:the|him|her|them)\b"
    r"|^(?:The|This|That)\s+(?:\w+\s+)?(?:minister|president|official|officials|"
    r"spokes(?:man|woman|person)|diplomat|company|ministry|agency|senator|premier|chancellor|"
    r"secretary)\b(?!\s+of\b)"
)


def leans_back(text: str) -> bool:
    """Whether a sentence needs one before it: it points back ('He ...', 'This ...': see
    `opens_with_reference`) or names a role whose holder it does not ('the minister')."""
    return opens_with_reference(text) or bool(_UNNAMED_ROLE.match(text))


def _opening_first(ordered: list[Candidate]) -> list[Candidate]:
    """The sentences in their order, but for the first that stands alone, moved to the front
    when the first leans on one before it; unchanged when none stands alone."""
    for at, candidate in enumerate(ordered):
        if not leans_back(candidate.text):
            return [candidate, *ordered[:at], *ordered[at + 1 :]]
    return ordered


def _not_the_headline(candidates: list[Candidate], story: Story) -> list[Candidate]:
    """The candidates but for the headline itself, shown above the summary already: an untitled
    post's headline is its first sentence ("It was a boring NBA postseason, for the most."),
    which the summary then opened with again."""
    shown = " ".join(story.headline.split())
    return [c for c in candidates if " ".join(c.text.split()) != shown]


def _sentence(candidate: Candidate, articles: Sequence[Article]) -> Sentence:
    article = articles[candidate.article]
    return Sentence(candidate.text, article.id, article.source, article.url)


def story_candidates(
    articles: Sequence[Article],
    settings: Settings | None = None,
    sentences: Sequence[list[str]] | None = None,
) -> list[Candidate]:
    """The acceptable sentences of all the articles, trimmed, in article then text order."""
    settings = settings or Settings()
    sentences = sentences or [article_sentences(a) for a in articles]
    candidates: list[Candidate] = []
    for index, split in enumerate(sentences):
        # Only the first `per_article` acceptable sentences are candidates: the rest of a long
        # article is never tested (about a quarter of this function's time at 1,000 articles).
        good = islice((s for s in split if acceptable(s)), settings.per_article)
        for position, text in enumerate(good):
            shown = trim(text) if settings.trim else text
            concepts = concepts_of(words_of(shown), settings)
            phrases = phrases_of(shown) if settings.phrases_once else frozenset()
            outlet = articles[index].source
            candidates.append(Candidate(shown, index, position, concepts, phrases, outlet))
    return candidates


def concept_weights(
    articles: Sequence[Article], settings: Settings, sentences: Sequence[list[str]]
) -> dict[str, float]:
    """Each concept's weight: the number of the story's outlets whose text uses it.

    Outlets, not articles: an outlet's second report (or a wire copy under its name) repeating
    a phrase is still one outlet's word. Concepts used by fewer than `min_support` outlets
    weigh nothing, which keeps one report's side details out of the summary.
    """
    by_outlet: dict[str, dict[str, float]] = {}
    for article, split in zip(articles, sentences, strict=True):
        best = by_outlet.setdefault(article.source, {})
        # A title read as the first sentence is in `split` already.
        lines = [article.title] if article.title.strip() and not _titled(article, split) else []
        for position, text in enumerate([*lines, *split]):
            score = 1.0 / (1 + position) ** settings.decay
            for concept in concepts_of(words_of(text), settings):
                if best.get(concept, 0.0) < score:
                    best[concept] = score
    counts: dict[str, float] = {}
    support: dict[str, int] = {}
    for best in by_outlet.values():
        for concept, score in best.items():
            counts[concept] = counts.get(concept, 0.0) + score
            support[concept] = support.get(concept, 0) + 1
    floor = min(settings.min_support, len(by_outlet))
    return {c: n for c, n in counts.items() if support[c] >= floor}


def article_sentences(article: Article) -> list[str]:
    """The article's sentences, its title first when the title is itself a sentence of prose.

    Some sources give an article's opening sentence as its title (a feed item without a
    headline, a wire digest, ECB+'s older texts): such a title, a whole sentence that could
    stand alone, is the article's lead, and leaving it out would lose the report's best
    sentence. A headline ('Russia, US agree to keep talking') fails `acceptable` and stays out,
    as does a title cut short ('...') or one the text opens with anyway.
    """
    title = article.title.strip()
    sentences = split_sentences(article.text, language=article.language)
    if not title or not acceptable(title) or title.endswith("..."):
        return sentences
    if article.text.lstrip().startswith(title.rstrip(".!")):
        return sentences
    return [title, *sentences]


def _titled(article: Article, split: Sequence[str]) -> bool:
    """Whether `split` opens with the article's title (see `article_sentences`)."""
    return bool(split) and split[0] == article.title.strip()


def _lead(candidates: list[Candidate], words: int) -> list[Candidate]:
    """A single article's opening sentences that fit, in order (a long one is skipped)."""
    chosen: list[Candidate] = []
    used = 0
    for candidate in candidates:
        if candidate.article != candidates[0].article or used + candidate.words > words:
            continue
        chosen.append(candidate)
        used += candidate.words
    return chosen or candidates[:1]
