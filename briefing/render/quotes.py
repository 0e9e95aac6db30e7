"""Typographic quotes: straight ' and " turned into the curly ones of the text's language.

Outlets mix them: one sentence of a summary is set with “ ” and the next with " ", which reads
as two hands in one paragraph. Each straight quote is told opening or closing by what stands
before it (the start, a space, an opening bracket or dash opens; anything else closes), and a
single quote between two letters or before a decade ('90s) is an apostrophe. Only the text a
reader sees goes through here (fit.py), never a URL or a template's markup.
"""

from __future__ import annotations

from typing import NamedTuple


class Marks(NamedTuple):
    """A language's quotation marks: double opening and closing, single opening and closing."""

    open2: str
    close2: str
    open1: str
    close1: str


ENGLISH = Marks("“", "”", "‘", "’")
# Languages whose quotes are not the English ones (French with its narrow no-break spaces).
_MARKS = {
    "de": Marks("„", "“", "‚", "‘"),
    "fr": Marks("«\u202f", "\u202f»", "‘", "’"),  # a single quote is mostly an apostrophe
}
APOSTROPHE = "’"
# After these, a quote opens: a space, the start of a bracket, a dash, another opening quote.
_OPENERS = frozenset("([{<‘“„‚«‹—–-/")


def marks_for(language: str) -> Marks:
    """The quotation marks of a language tag ('de-AT': German's), English's by default."""
    return _MARKS.get(language.lower().partition("-")[0], ENGLISH)


def typographic_quotes(text: str, language: str = "") -> str:
    """The text with each straight quote made curly by its context, in the language's marks."""
    if "'" not in text and '"' not in text:
        return text
    marks = marks_for(language)
    out: list[str] = []
    for at, char in enumerate(text):
        if char not in "'\"":
            out.append(char)
            continue
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        opens = not before or before.isspace() or before in _OPENERS or before in "'\""
        if char == '"':
            out.append(marks.open2 if opens and after and not after.isspace() else marks.close2)
        elif (before.isalnum() and after.isalpha()) or (opens and after.isdigit()):
            out.append(APOSTROPHE)  # don't, O'Brien, rock'n'roll; the '90s
        elif opens and after and not after.isspace():
            out.append(marks.open1)
        else:
            out.append(marks.close1)
    return "".join(out)
