"""Sentences of real news text: split, judged fit to stand alone in a summary, and trimmed.

Splitting is sentencex's (it knows abbreviations such as U.S., Gen. and Jan., and keeps a
quotation of several sentences whole) done paragraph by paragraph, after two repairs that page
extraction calls for: a dateline opening the text ("MOSCOW (Reuters) -") is dropped, and a photo
credit glued to the paragraph after it ("SputnikRussian Foreign Minister ...") is split off.

The rule that keeps summaries traceable: a summary sentence is a sentence of its article, or one
with whole spans taken out by `trim` (a dateline, a short parenthesis, a closing "he said"), so
its words occur in order in the article (`derived_from`). Nothing is reworded or added.
"""

from __future__ import annotations

import re
from collections import Counter

from sentencex import segment

MIN_WORDS = 6
MAX_WORDS = 80  # longer "sentences" are usually failed splits of several
MAX_ASIDE_WORDS = 8  # a longer parenthesis carries content of its own

_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'’ -]{1,30}[A-Z.](?:,\s*[A-Z][\w.'’ ]{1,25})?"
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
    r"\s*(?:\([^)]{1,30}\))?\s*(?:[-–—]+|:)\s+(?=[A-Z\"“‘'])"
)
# Only an agency in parentheses marks a dateline inside a text ("Geneva: talks" may be prose).
_AGENCY_DATELINE = re.compile(
    r"^[A-Z][A-Za-z.'’ ,-]{1,40}\((?:Reuters|AP|AFP|Sputnik|TASS|Bloomberg|dpa|UPI|Xinhua)\)"
    r"\s*(?:[-–—]+|:)\s+(?=[A-Z\"“‘'])"
)
_GLUED = re.compile(r"^([A-Z][a-z]{2,})([A-Z][a-z]{2,})(?=[ ,])", re.MULTILINE)
# The names of days and months, less "may" (a verb first): what says when, for the summaries'
# "when" concept and for keeping topic labels to what happened.
CALENDAR_WORDS = frozenset(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    + ("january", "february", "march", "april", "june", "july", "august", "september")
    + ("october", "november", "december")
)
_WORD = re.compile(r"[A-Za-z]+")
_TERMINAL = re.compile(r"[.!。！．][\"”’')\]」』]*$")
# Chinese and Japanese put no spaces between words. For lengths and budgets two of their
# characters count as a word; for comparing texts, each pair of neighbouring characters is one.
# The code points of each script, as character-class ranges (shared with similarity, templating).
KANA = "\u3040-\u30ff"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HANGUL = "\u1100-\u11ff\uac00-\ud7af"
_CJK_CHARS = KANA + HAN
_CJK = re.compile(f"[{_CJK_CHARS}]")
_TOKEN = re.compile(f"[{_CJK_CHARS}]+|(?:(?![{_CJK_CHARS}])\\w)+")
_QUOTES = re.compile(r"[\"“”]")
_PROMPT = re.compile(
    r"^(?:Hit the jump|Click (?:here|the link)|Read (?:more|on)|Scroll down|Sign up|Subscribe|"
    r"Follow us|Like us|Share this|Watch the video|See (?:more|also|the gallery))\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "after",
        "before",
        "over",
        "under",
    ]
)
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_BYLINE = re.compile(
    r"^(?:By|BY|Written by|Reporting by|Editing by|Additional reporting by|Photo|Photos|Image|"
    r"Picture|Credit|Credits|File photo|Photograph|Source|Read more|Related|Watch|WATCH)\b[:\s]"
)
_CREDIT = re.compile(
    r"(?:/\s*(?:[A-Z][\w.&-]*\s?){1,3}|\b(?:Getty Images|AP Photo|AFP|Shutterstock|EPA-EFE))\.?$"
)
_SAYING = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|asked|stated|states|noted|notes|wrote|writes|"
    r"explained|stressed|warned|declared|insisted|argued|recalled|according to|quoted|"
    r"announced|replied|continued|urged|claimed|acknowledged|admitted|called|described)\b",
    re.IGNORECASE,
)
_ASIDE = re.compile(r"\s+\(([^()]{1,80})\)(?=[\s,.;:])")
_TAIL = re.compile(
    r",\s+(?:he|she|they)\s+(?:said|added|says|noted|stressed|explained)"
    r"(?:\s+on\s+[A-Z][a-z]+day)?(?=\.$)"
)


def split_sentences(
    text: str, vocabulary: Counter[str] | None = None, language: str = ""
) -> list[str]:
    """Sentences of a text, each a verbatim substring of it, without the opening dateline;
    split by the rules of `language` (a tag such as "de-DE") where `segmenter_language` takes it."""
    vocabulary = vocabulary if vocabulary is not None else Counter(_WORD.findall(text))
    code = segmenter_language(language)
    sentences: list[str] = []
    for line in unglue(text, vocabulary).splitlines():
        if not sentences:  # a dateline only opens the text
            line = _DATELINE.sub("", line, count=1)
        pieces = [s.strip() for s in segment(code, line) if s.strip()]
        sentences.extend(rejoin(line, pieces, initials=code != "en"))
    return sentences


# The languages whose own sentencex rules split news text at least as well as its English ones,
# as measured on the pages of the extraction sets ("am 28. März", "bzw." stay whole in German).
# Left out: Polish, whose rules end a sentence at "2021 r." and "ok. 50%", and those not
# measured. sentencex reads only a bare lowercase code: "de-DE" would get its default rules.
SEGMENTER_LANGUAGES = frozenset({"de", "fr", "es", "it", "pt"})


def segmenter_language(tag: str) -> str:
    """The sentencex code for a language tag ("de-DE", "pt_BR", "FR"): "en" unless listed."""
    code = tag.strip().replace("_", "-").split("-")[0].lower()
    return code if code in SEGMENTER_LANGUAGES else "en"


# Where sentencex ends a sentence too soon: after a title ("said Ms. Mendes", French "a dit
# M. Caldwell"), inside a number written with a space ("magnitude 4. 6"), or after a time
# followed by its day ("p.m. Friday"). Other languages' rules also end one after an initial
# ("Estado de S. Paulo"), which English rules keep apart from "Plan B. The".
_TITLE_END = re.compile(
    r"\b(?:Ms|Mrs|Mr|Messrs|Dr|Prof|Rev|Sen|Rep|Gov|Gen|Col|Maj|Capt|Lt|Sgt|Cpl|Det|Insp|Cmdr|Adm)"
    r"\.$|(?<![\w.])(?:M|MM|Mme|Mlle)\.$"
)
_INITIAL_END = re.compile(r"(?<![\w.])[A-Z]\.$")
_SHORT_NUMBER_END = re.compile(r"(?<![\d,.])\d{1,2}\.$")  # "4." of "4. 6", not "in 2010."
_TIME_END = re.compile(r"\b[ap]\.\s?m\.$")
_DAY_START = re.compile(r"^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|^[a-z]")


def rejoin(line: str, pieces: list[str], *, initials: bool = False) -> list[str]:
    """The pieces of a line, with those a false sentence end separated joined again.

    A joined sentence is the span of the line from its first piece to its last, so it stays a
    verbatim substring. A piece not found in the line (never expected) is kept as it is. With
    `initials`, an initial before a capitalised word ("S. Paulo") is no end either.
    """
    spans: list[tuple[int, int]] = []  # where each sentence so far lies in the line
    joined: list[str] = []
    cursor = 0
    for piece in pieces:
        start = line.find(piece, cursor)
        if start < 0:
            joined.append(piece)
            spans.append((-1, -1))
            continue
        cursor = start + len(piece)
        previous = joined[-1] if joined else ""
        if previous and spans[-1][0] >= 0 and _false_end(previous, piece, initials):
            spans[-1] = (spans[-1][0], cursor)
            joined[-1] = line[spans[-1][0] : cursor]
            continue
        joined.append(piece)
        spans.append((start, cursor))
    return joined


def _false_end(previous: str, piece: str, initials: bool = False) -> bool:
    """Whether the sentence `previous` ended too soon, given the `piece` after it."""
    return bool(
        _TITLE_END.search(previous)
        or (initials and _INITIAL_END.search(previous) and piece[:1].isupper())
        or (_SHORT_NUMBER_END.search(previous) and piece[:1].isdigit())
        or (_TIME_END.search(previous) and _DAY_START.match(piece))
    )


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
    """Whether a sentence can stand alone in a summary.

    Refused: fragments (too short or too long, no closing full stop, a lowercase start: a
    subheading, a timestamp or a piece of a broken sentence), questions, bylines and photo
    credits, prompts to the reader ('Hit the jump for more'), timestamps and headlines,
    quotations cut in two, and quotations that do not say who speaks.
    """
    if not MIN_WORDS <= word_count(sentence) <= MAX_WORDS:
        return False
    first = sentence[0]
    opens = first.isupper() or _caseless(first) or first in '"“'  # Arabic, Chinese: no capitals
    if not _TERMINAL.search(sentence) or not opens:
        return False
    if "?" in sentence or "？" in sentence or "؟" in sentence:  # a quoted question asks
        return False
    if _BYLINE.match(sentence) or _CREDIT.search(sentence.rstrip(".")):
        return False
    if _PROMPT.match(sentence) or not _prose(sentence):
        return False
    return speaker_named(sentence)


def _prose(sentence: str) -> bool:
    """Whether the sentence reads as prose: not a timestamp ('Aug. 05, 2013 | 2: 47 p. m.')
    nor a headline with every word capitalised ('Obama Restores Species Protections!').
    """
    words = [w for w in _WORD.findall(sentence) if len(w) > 1]
    if len(words) < 4:
        return _caseless_script(sentence)  # no capitals to tell a headline by
    content = [w for w in words if w.lower() not in _STOP]
    return not all(w[0].isupper() for w in content)


def speaker_named(sentence: str) -> bool:
    """False for a quotation cut in two, or one without a verb of saying outside the quotes."""
    if len(_QUOTES.findall(sentence)) % 2:
        return False
    quoted = [q.group(0)[1:-1].split() for q in _QUOTED.finditer(sentence)]
    if all(_a_name(words) for words in quoted):  # none, or titles: "The Hunger Games", "Ano Novo"
        return True
    outside = _QUOTED.sub(" ", sentence)
    return len(outside.split()) >= 2 and bool(_SAYING.search(outside))


def _a_name(words: list[str]) -> bool:
    """Whether quoted words are a name or a title (up to four, each capitalised), not speech."""
    return 0 < len(words) <= 4 and all(w[0].isupper() or not w[0].isalpha() for w in words)


_REFERENCE = re.compile(
    r"^[\"“‘']?(?:He|She|They|It|His|Her|Their|Its|Him|Them|This|These|Those|That|Such|"
    r"The (?:two|three|four|five|latter|former|same|other|others)|Meanwhile|However|In turn|"
    r"Instead|But|And|Still|Yet|Also|Likewise|Similarly|Nevertheless|Nonetheless|Moreover|"
    r"Furthermore|In addition|Besides|Previously|Otherwise|Even so|As a result|Therefore|Thus|"
    r"Others|Another|Both)\b"
    r"|^(?:\S+\s+){1,4}(?:also|too|again|then)\b"  # "The minister also said ...": more of before
    r"|^(?:\S+\s+){1,4}in turn\b"  # "Blinken, in turn, described ...": answers the one before
)
# "Blinken, according to Lavrov, shared the sentiment": agreeing with what was said before.
_AGREEING = re.compile(
    r"\b(?:shared|echoed|seconded|agreed with|endorsed|repeated|welcomed)\s+"
    r"(?:the|that|this|these|those|such)\s+(?:same\s+)?(?:sentiments?|views?|assessments?|"
    r"positions?|ideas?|remarks?|comments?|statements?|notion|points?|concerns?|calls?|stance|"
    r"opinions?|feelings?|messages?|words|hopes?)\b"
    r"|,\s*too\.[\"”’']?$|\bas well\.[\"”’']?$"
)


_PRONOUN_SPEAKER = re.compile(
    r"[\"”’],?\s+(?:he|she|they)\s+(?:said|says|added|told|noted|stressed|insisted|warned)\b"
    r"|\b(?:[Hh]e|[Ss]he|[Tt]hey)\s+(?:said|says|added|told \w+)[,:]?\s+[\"“]"
)


def opens_with_reference(sentence: str) -> bool:
    """Whether the sentence points back: 'He ...', 'This ...', 'However, ...', 'The minister
    also ...', 'Blinken, in turn, ...', '... shared the sentiment', '..., too.', or a quotation
    whose speaker is only 'he' or 'she'.

    Out of its article, such a sentence points at whatever the summary said before it: in a
    summary of several reports, often someone else.
    """
    return bool(
        _REFERENCE.match(sentence)
        or _PRONOUN_SPEAKER.search(sentence)
        or _AGREEING.search(sentence)
    )


def trim(sentence: str) -> str:
    """The sentence without what a summary can spare: a dateline, a short aside, 'he said'.

    Each cut removes a whole span, so the words left occur in order in the source. Nothing is
    cut from a quotation, and a closing 'he said' is kept after one (it names the speaker).
    """
    trimmed = _AGENCY_DATELINE.sub("", sentence, count=1)
    if not _QUOTES.search(trimmed):
        trimmed = _TAIL.sub("", trimmed)
        trimmed = _ASIDE.sub(_drop_aside, trimmed)
    return trimmed if len(trimmed.split()) >= MIN_WORDS else sentence


def _drop_aside(match: re.Match[str]) -> str:
    """A short parenthesis goes; a long one, a year or a party-and-state tag stays."""
    inner = match.group(1)
    if len(inner.split()) > MAX_ASIDE_WORDS or re.fullmatch(r"[RDI]-[A-Z][\w.]*", inner):
        return match.group(0)
    return ""


def words_of(text: str) -> list[str]:
    """Lowercased word tokens (\\w+), as summaries are compared with their sources; a run of
    Chinese or Japanese characters gives each pair of neighbours (a lone one, itself)."""
    if not has_cjk(text):
        return re.findall(r"\w+", text.lower())
    tokens: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if _CJK.match(token) and len(token) > 1:
            tokens.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            tokens.append(token)
    return tokens


def has_cjk(text: str) -> bool:
    """Whether the text holds Chinese or Japanese characters."""
    return bool(_CJK.search(text))


def word_count(text: str) -> int:
    """Words by white space, two Chinese or Japanese characters counting as one more."""
    words = len(text.split())
    return words if text.isascii() else words + len(_CJK.findall(text)) // 2


def _caseless(char: str) -> bool:
    """A letter of a script without capitals (Arabic, Hebrew, Devanagari, Chinese, ...)."""
    return char.isalpha() and char.lower() == char.upper()


def _caseless_script(text: str) -> bool:
    """Whether most of a text's letters are of scripts without capitals."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if _caseless(c)) * 2 > len(letters)


def derived_from(sentence: str, source: str) -> bool:
    """Whether the sentence's words occur in order, as whole words, in the source text."""
    remaining = iter(words_of(source))
    return all(word in remaining for word in words_of(sentence))
