"""Feed dates written in another language: "Seg, 24 Set 2018 19:42:40 -0300", "mer, 16 nov 2022".

RSS asks for RFC 822 dates, whose day and month names are English, but Portuguese, Italian,
Spanish, French, German and Dutch outlets write them in their own. feedparser gives up on such a
date, and an undated entry is then dated when it is read: a day's lag for a daily reader, a
wrong edition for a late one. feedparser takes extra date parsers for such cases (it has its
own for Korean, Greek and Hungarian dates); this one translates the month, drops the day's name
(it only repeats the date) and leaves the rest to the standard library's RFC 822 parser.
"""

from __future__ import annotations

import calendar
import re
import time
import unicodedata
from email.utils import parsedate_tz

import feedparser

# Each month's name in Portuguese, Spanish, Italian, French, German and Dutch.
_MONTHS = (
    "janeiro enero gennaio janvier januar januari",
    "fevereiro febrero febbraio février februar februari",
    "março marzo mars märz maart",
    "abril aprile avril april",
    "maio mayo maggio mai mei",
    "junho junio giugno juin juni",
    "julho julio luglio juillet juli",
    "agosto août augustus",
    "setembro septiembre setiembre settembre septembre september",
    "outubro octubre ottobre octobre oktober",
    "novembro noviembre novembre november",
    "dezembro diciembre dicembre décembre dezember december",
)
# Each day's name in the same languages ("feira" ends the Portuguese ones: "segunda-feira").
_DAYS = (
    "segunda terça quarta quinta sexta sábado domingo feira",
    "lunes martes miércoles jueves viernes",
    "lunedì martedì mercoledì giovedì venerdì sabato domenica",
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag",
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
)
# Those names, for what says when and not what (topic labels); less "mars" and "augustus",
# a planet and an emperor too.
CALENDAR_NAMES = frozenset(" ".join(_MONTHS + _DAYS).split()) - {"mars", "augustus"}
_SHORT = {"mrt": 3, "mrz": 3}  # Dutch and German abbreviations that are no name's beginning
# RFC 822's own names, spelled out: the calendar module's follow the locale.
_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_EN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DATE = re.compile(
    r"^\s*(?:(?P<day>[^\W\d_]+)\.?,?\s+)?(?P<date>\d{1,2})\.?\s+(?P<month>[^\W\d_]+)\.?,?\s+"
    r"(?P<rest>\d{2,4}\b.*)$"
)


def _folded(word: str) -> str:
    """Lower case without accents: 'Fév' and 'fev' are one abbreviation."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if c.isascii())


_NAMES = tuple((k + 1, _folded(name)) for k, names in enumerate(_MONTHS) for name in names.split())


def month_number(word: str) -> int | None:
    """The month a non-English name or abbreviation (3 letters or more) names, if only one."""
    token = _folded(word)
    if token in _SHORT:
        return _SHORT[token]
    if len(token) < 3:
        return None
    found = {month for month, name in _NAMES if name.startswith(token)}
    return found.pop() if len(found) == 1 else None


def localized_rfc822(value: str) -> time.struct_time | None:
    """The date in UTC, or None when it is not an RFC 822 date with a foreign name (then
    feedparser's own parsers, tried after this one, read it as before)."""
    match = _DATE.match(value)
    if not match:
        return None
    head = match["month"].lower()[:3]
    day = (match["day"] or "").lower()[:3]
    english = _EN_MONTHS.index(head) + 1 if head in _EN_MONTHS else None
    if english and (not day or day in _EN_DAYS):
        return None  # plain RFC 822: feedparser's own
    number = english or month_number(match["month"])
    if number is None:
        return None
    parsed = parsedate_tz(f"{match['date']} {_EN_MONTHS[number - 1]} {match['rest']}")
    if parsed is None:
        return None
    return time.gmtime(calendar.timegm(parsed[:9]) - (parsed[9] or 0))


def register() -> None:
    """Let feedparser try this parser on every date (it tries the last registered first)."""
    feedparser.registerDateHandler(localized_rfc822)
