"""The one subject every story of a group names: a section's name a reader can trust.

An automatic topic gathers stories whose words overlap, and its heaviest terms ("Oscar ·
Director · Nominees") describe some of its stories, not all: a report on a trafficked cannabis
farmer sat under that label. A name is given to a section only when every one of its stories
names it in a title (a person, a party, a country, a company: what the report is about, where a
lead names places and times in passing: 'GMT', 'May'), written as a name
(capitalised wherever the reports write it, so "global" and "moon" are no names); otherwise
there is none, and the stories go to the plain section of their feeds' topic.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Article, Story
from ..text.dates import CALENDAR_NAMES
from ..text.sentences import CALENDAR_WORDS
from .labels import LABEL_TEXTS, _whole_words, written
from .vectors import find_names, lead

_CALENDAR = CALENDAR_WORDS | CALENDAR_NAMES


def shared_subject(stories: Sequence[Story]) -> str:
    """The name every story's titles give, as its titles and leads write it; "" when none does
    or there are fewer than two stories. Among several, the one most reports name, then the
    longest ('Donald Trump' over 'Trump' when both are everywhere)."""
    if len(stories) < 2:
        return ""
    titles = [[a.title for a in s.articles[:LABEL_TEXTS]] for s in stories]
    named = [set().union(*(_names(t) for t in story_titles)) for story_titles in titles]
    texts = [_head(a) for s in stories for a in s.articles[:LABEL_TEXTS]]
    common = {t for t in set.intersection(*named) if not _written_lower(t, texts)}
    if not common:
        return ""
    best = max(common, key=lambda t: (sum(_written(t, h) for h in texts), len(t), t))
    return written(best, texts)


def _head(article: Article) -> str:
    return f"{article.title}\n{lead(article.text)}"


def _names(title: str) -> set[str]:
    """The names of a title, lowercased; its first word counts (headlines open with names:
    'Lorde: Israeli fans sue ...'), numbers and days do not."""
    found = {n.replace("_", " ") for n in find_names(f"- {title}")}
    return {n for n in found if any(c.isalpha() for c in n) and n not in _CALENDAR}


def _written(term: str, text: str) -> bool:
    """Whether the text names the term, in any case."""
    return next(_whole_words(text.lower(), term), None) is not None


def _written_lower(term: str, texts: Sequence[str]) -> bool:
    """Whether some text writes the term in lower case: a word, not a name."""
    return any(next(_whole_words(t, term), None) is not None for t in texts)
