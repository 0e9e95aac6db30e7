"""A story's headline: the one of its articles' titles that says most of what they share.

Each outlet's words are taken from its title and its lead (first 50 words); a word weighs
the share of the story's outlets that use it. A title scores the total weight of its content
words over the square root of their number, so a title made of what every outlet reports beats
one with a single outlet's angle, without the longest title winning for its length. Stop words
are English ones and those of the languages the articles declare. Titles are cleaned of the
site's name ("Talks end | Reuters", "... - The Moscow Times") and of labels such as "WATCH:"
before they are compared, and a question is taken only when no title states anything.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ..models import Article
from ..text.sentences import split_sentences, words_of
from ..text.stopwords import of_language

# The lead: about its first two sentences. Counted in words, not split into sentences, which
# costs more than all the rest of choosing a headline.
LEAD_WORDS = 50
# RSS lets an item go without a title (Scripting News posts so): a story of such items is
# headed, as feed readers show them, by its first sentence, cut at this many words.
UNTITLED_WORDS = 14
# Words headlines use of every story: they tell no story, and no topic, from another.
FILLER = frozenset({"says", "said", "say", "new"})
_STOP = frozenset(ENGLISH_STOP_WORDS | FILLER)
_SEPARATOR = r"\s+[|\-–—:·•]\s+"
_SEPARATOR_RE = re.compile(_SEPARATOR)
_HEAD_RE = re.compile(r"^(.+?)\s*[|\-–—:·•]\s+")
_SITE_REST = re.compile(r"\.?\w*")  # 'Reuters.com' is Reuters too
_GENERIC_SUFFIX = re.compile(_SEPARATOR + r"[A-Z][\w.&'’]*(?: [A-Z][\w.&'’]*){0,4}$")
_LABEL = re.compile(
    r"^(?:WATCH|VIDEO|LIVE|BREAKING|EXCLUSIVE|UPDATE(?: \d+)?|OPINION|ANALYSIS|PHOTOS?)"
    r"\s*(?:[-:–—|]\s*)",
    re.IGNORECASE,
)


def clean_title(title: str, source: str = "", *, keep_label: bool = False) -> str:
    """A title without the site's name around it or (unless `keep_label`) a label before it.

    The outlet's own name is cut wherever it sits at either end; any other capitalised tail
    of up to five words after ' | ' or ' - ' is cut only if at least two words are left.
    """
    title = " ".join(title.split())
    if not keep_label:
        title = _LABEL.sub("", title, count=1)
    if source.strip():
        title = _without_site_name(title, " ".join(source.split()).lower().removeprefix("the "))
    cleaned = _GENERIC_SUFFIX.sub("", title)
    # 'Russia - Ukraine' is not 'Russia': keep the original when too little would be left.
    return cleaned if len(cleaned.split()) >= 2 else title


def _without_site_name(title: str, name: str) -> str:
    """The title less the outlet's name after its last separator or before its first.

    Plain string comparison, not a pattern built from the name: a day's feeds name thousands
    of outlets, and compiling a pattern for each costs more than all the rest of this.
    """
    separators = list(_SEPARATOR_RE.finditer(title))
    if separators:
        last = separators[-1]
        tail = title[last.end() :].lower().removeprefix("the ")
        if tail.startswith(name) and _SITE_REST.fullmatch(tail[len(name) :]):
            title = title[: last.start()]
    head = _HEAD_RE.match(title)
    if head and head.group(1).lower().removeprefix("the ") == name:
        title = title[head.end() :]
    return title


def story_headline(articles: Sequence[Article]) -> str:
    """The most representative of the articles' titles, cleaned; when none has one, the
    first article's opening sentence; '' when there is no text either."""
    titles = [(clean_title(a.title, a.source), a) for a in articles if a.title.strip()]
    if not titles:
        return next(filter(None, (opening(a.text) for a in articles)), "")
    if len(titles) < 2:
        return titles[0][0]
    stop = _stop_words(articles)
    weight = _word_weights(articles, stop)

    def score(item: tuple[str, Article]) -> tuple[bool, float]:
        words = _content(item[0], stop)
        # Over the square root of its length: between the mean (short titles of one shared
        # word win) and the sum (the longest title wins).
        # fsum: exact, so the set's order (which varies with the string hash seed) cannot
        # tip a tie between near-copies one way in one run and the other way in the next.
        shared = math.fsum(weight.get(w, 0.0) for w in words) / len(words) ** 0.5 if words else 0.0
        return (not item[0].rstrip().endswith("?"), shared)

    return max(titles, key=score)[0]  # max keeps the first of equals: the earliest article


def opening(text: str) -> str:
    """A text's first sentence, cut with an ellipsis after UNTITLED_WORDS words."""
    first = next(iter(split_sentences(text[:2000])), "")
    words = first.split()
    return " ".join(words[:UNTITLED_WORDS]) + "…" if len(words) > UNTITLED_WORDS else first


def _stop_words(articles: Sequence[Article]) -> frozenset[str]:
    """English stop words, and those of every other language the articles declare: "de" and
    "que" would otherwise weigh in a Portuguese story as if every outlet chose them."""
    declared = (a.language.split("-")[0].lower() for a in articles if a.language)
    return _with_languages(frozenset(declared) - {"en"})


@lru_cache(maxsize=64)
def _with_languages(codes: frozenset[str]) -> frozenset[str]:
    return _STOP.union(*(of_language(code) for code in codes))


def _content(text: str, stop: frozenset[str]) -> set[str]:
    """The distinct content words of a text, lowercased."""
    # Set operations first (in C), then the digit test on the few distinct words left.
    words = set(words_of(text)).difference(stop)
    return {w for w in words if not w.isdigit()}


def _word_weights(articles: Sequence[Article], stop: frozenset[str]) -> dict[str, float]:
    """Each word's share of the outlets whose title or lead uses it."""
    by_outlet: dict[str, set[str]] = {}
    for article in articles:
        lead = " ".join(article.text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
        words = _content(f"{article.title} {lead}", stop)
        by_outlet.setdefault(article.source, set()).update(words)
    counts = Counter(w for words in by_outlet.values() for w in words)
    return {w: n / len(by_outlet) for w, n in counts.items()}
