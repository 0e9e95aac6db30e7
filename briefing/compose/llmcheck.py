"""Checking an LLM's answer against the story it summarises, after making it plain text.

The answer is first reduced to plain text: no tag, no markdown link or image, no URL or web
address survives (article text reaches the model, so the answer may carry what someone planted
there). Then each sentence must cite at least one of the numbered sentences the prompt gave, the
names and numbers in it must occur in the articles it cites, and the whole must fit the budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sentencex import segment

from ..models import Article

# Words that may open a sentence without occurring in its sources.
OPENERS = frozenset(
    "a an the in on at as after before while when meanwhile however also but and both "  # noqa: SIM905
    "it its he she they this that these those there then earlier later separately".split()
)

_TAG_BLOCK = re.compile(r"<\s*(script|style)\b.*?(?:<\s*/\s*\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"<[^<>]*>|<[!/?a-zA-Z][^<>]*$")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(
    r"\b(?:[a-z][a-z0-9+.-]*://|www\.|(?:mailto|javascript|vbscript|data):(?=\S))\S*", re.I
)
_ADDRESS = re.compile(
    r"\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,24}/\S*|\b[\w-]{2,}(?:\.[\w-]+)*\.[a-z]{2,24}\b"
)
_MARKUP_CHARS = re.compile(r"[<>*`#|~]+")
_LABEL = re.compile(r"^\s*(?:summary|here is (?:the|a) summary[^:\n]*)\s*:\s*", re.I)
_CITE_LIST = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)+)\s*\]")
_CITE_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_CITE = re.compile(r"\[(\d+)\]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered sentence of the prompt, and the article (by index) it comes from."""

    number: int
    text: str
    article: int


@dataclass(frozen=True, slots=True)
class Checked:
    """A checked answer: its sentences with their citations, or the first problem found."""

    sentences: tuple[tuple[str, tuple[int, ...]], ...] = ()
    problem: str = ""


def check_answer(
    answer: str, sources: Sequence[Source], articles: Sequence[Article], words: int
) -> Checked:
    """The answer's sentences with their citations if every check passes, else the problem."""
    sentences = answer_sentences(plain_text(answer))
    if not sentences:
        return Checked(problem="the answer holds no sentence")
    facts = [_Facts(f"{a.title}\n{a.text}") for a in articles]
    for number, (text, cites) in enumerate(sentences, start=1):
        problem = _check_sentence(text, cites, sources, facts)
        if problem:
            return Checked(problem=f"sentence {number} {problem}: {_short(text)!r}")
    total = sum(len(text.split()) for text, _ in sentences)
    if total > words:
        return Checked(problem=f"{total} words, over the budget of {words}")
    return Checked(sentences=tuple(sentences))


def _check_sentence(
    text: str, cites: tuple[int, ...], sources: Sequence[Source], facts: Sequence[_Facts]
) -> str:
    if not cites:
        return "cites no source"
    wrong = [n for n in cites if not 1 <= n <= len(sources)]
    if wrong:
        return f"cites [{wrong[0]}], but only 1 to {len(sources)} were given"
    cited = [facts[i] for i in dict.fromkeys(sources[n - 1].article for n in cites)]
    for number in _NUMBER.findall(text):
        if not any(_number(number) in f.numbers for f in cited):
            return f"has the number {number}, which its sources do not"
    for word, opening in _names(text):
        if not any(f.knows(word, opening=opening) for f in cited):
            return f"names '{word}', which its sources do not"
    return ""


class _Facts:
    """The words and numbers of one article, to check a sentence that cites it against."""

    def __init__(self, text: str) -> None:
        self.words = {w for t in _WORD.findall(text) for w in _parts(t)}
        self.words |= {a.replace(".", "") for a in _DOTTED.findall(text)}  # U.S. also as US
        self.lower = {w.lower() for w in self.words}
        self.numbers = {_number(n) for n in _NUMBER.findall(text)}

    def knows(self, word: str, *, opening: bool) -> bool:
        """Whether the article has the name; a sentence's first word may be a common word."""
        if word in self.words:
            return True
        return opening and (word.lower() in OPENERS or word.lower() in self.lower)


def _names(text: str) -> list[tuple[str, bool]]:
    """The capitalised words of a sentence, each with whether it opens the sentence (and may
    be capitalised only for that); single letters (the U and S of "U.S.") are left out."""
    words = [w for t in _WORD.findall(text) for w in _parts(t)]
    return [(w, i == 0) for i, w in enumerate(words) if w[0].isupper() and len(w) > 1]


def _parts(token: str) -> list[str]:
    token = re.sub(r"['’]s$", "", token).strip("'’")
    return [p for p in token.split("-") if p]


def _number(text: str) -> str:
    return text.replace(",", "").rstrip(".")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_text(answer: str) -> str:
    """The answer with every tag, markdown link or image, URL and web address taken out."""
    text = _TAG_BLOCK.sub(" ", answer)
    text = _TAG.sub(" ", text)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _ADDRESS.sub(" ", text)
    text = _MARKUP_CHARS.sub(" ", text)
    return _LABEL.sub("", text)


def answer_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Each sentence of a (plain) answer, without its citations, and the numbers it cites."""
    text = _CITE_LIST.sub(
        lambda m: "".join(f"[{n.strip()}]" for n in re.split(r"[,;]", m[1])), text
    )
    text = _CITE_AFTER_STOP.sub(r"\2\1", text)  # "... week. [2]" cites as "... week [2]."
    found: list[tuple[str, tuple[int, ...]]] = []
    for line in text.splitlines():
        for piece in segment("en", line):
            cites = tuple(int(n) for n in _CITE.findall(piece))
            clean = " ".join(_CITE.sub(" ", piece).replace("[", " ").replace("]", " ").split())
            clean = re.sub(r"\s+([.,;:!?])", r"\1", clean).strip(" -–—")
            if _WORD.search(clean):
                found.append((clean, cites))
    return found
