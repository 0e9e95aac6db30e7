"""The one subject every story of a group names: a section's name a reader can trust.

An automatic topic gathers stories whose words overlap, and its heaviest terms ("Oscar ·
Director · Nominees") describe some of its stories, not all: a report on a trafficked cannabis
farmer sat under that label. A name is given to a section only when every one of its stories
names it in a title (a person, a party, a country, a company: what the report is about, where a
lead names places and times in passing: 'GMT', 'May'), written as a name
(capitalised wherever the reports write it, so "global" and "moon" are no names); otherwise
there is none, and the stories go to the plain section of their feeds' topic. A subject that
is part of a longer name every title writes around it takes the whole name: "Union" is "State
of the Union" when each title naming it writes that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Article, Story
from ..text.dates import CALENDAR_NAMES
from ..text.sentences import CALENDAR_WORDS
from .labels import LABEL_TEXTS, _whole_words, written
from .vectors import find_names, lead

_CALENDAR = CALENDAR_WORDS | CALENDAR_NAMES
_PLAIN = re.compile(r"\w+(?:['’-]\w+)*")  # a word with no punctuation around it


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
    return _whole_name(written(best, texts), [t for story in titles for t in story])


def _whole_name(name: str, titles: Sequence[str]) -> str:
    """The name with the words every title naming it writes around it, as far as they run
    unbroken from a capitalised word to a capitalised word ("State of the Union" for "Union"
    in "at State of the Union" and "Trump's State of the Union address"); else the name."""
    befores: list[list[str]] = []
    afters: list[list[str]] = []
    for title in titles:
        if len(title.lower()) != len(title):  # a letter whose lower case is longer
            continue
        for at in _whole_words(title.lower(), name.lower()):
            befores.append(title[:at].split()[::-1])
            afters.append(title[at + len(name) :].split())
    if not befores:
        return name
    head = _shared_run(befores)[::-1]
    tail = _shared_run(afters)
    while head and not head[0][:1].isupper():
        head.pop(0)
    while tail and not tail[-1][:1].isupper():
        tail.pop()
    return " ".join([*head, name, *tail])


def _shared_run(runs: Sequence[Sequence[str]]) -> list[str]:
    """The plain words every run opens with, the same in each."""
    shared = []
    for words in zip(*runs, strict=False):
        if len(set(words)) != 1 or not _PLAIN.fullmatch(words[0]):
            break
        shared.append(words[0])
    return shared


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
