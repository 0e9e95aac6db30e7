"""The filters that read a story for its card: its outlets, further reports, news, language and
direction, and the dates and URLs a card shows."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, tzinfo
from typing import NamedTuple
from urllib.parse import urlsplit

from ..models import Article, Story
from ..stories.headline import clean_title, opening
from ..text.sentences import HAN, HANGUL, KANA

_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_HAN = re.compile(f"[{HAN}]")
_KANA = re.compile(f"[{KANA}]")
_HANGUL = re.compile(f"[{HANGUL}]")
# Common characters written one way in Simplified Chinese and another in Traditional.
_SIMPLIFIED = frozenset("这个们时来说国为会对发经过还进么见关长门问间东车书电学马鸟鱼头实点现体报")
_TRADITIONAL = frozenset("這個們時來說國為會對發經過還進麼見關長門問間東車書電學馬鳥魚頭實點現體報")


class Outlet(NamedTuple):
    """One outlet of a story card: its marker number, name and the URL of its article."""

    number: int
    name: str
    url: str


# A card names this many of a story's further reports: the web page folds the rest under
# "N more reports", the PDF and the e-mail (no folding there) count them; Markdown and text
# list them all.
ALSO_SHOWN = 2


class Report(NamedTuple):
    """A report of a story that its card does not otherwise link to."""

    title: str
    number: int  # its outlet's marker number
    outlet: str
    url: str


class News(NamedTuple):
    """What a card says of a story's life across editions: its mark and what is new."""

    mark: str  # "Developing", "Returning" or "" for a story new today
    new_reports: int  # reports not in any earlier edition
    new_outlets: tuple[str, ...]
    previous: date | None  # the last edition that showed the story
    previous_stem: str  # that edition's file name without its suffix: each format adds its own

    @property
    def previous_file(self) -> str:
        """That edition's HTML file, beside this one."""
        return f"{self.previous_stem}.html" if self.previous_stem else ""


def outlets(story: Story) -> tuple[Outlet, ...]:
    """The story's outlets in order of first report, each with its earliest article's URL, or
    with the URL of its article whose title is the headline: the headline is not a link, and
    the outlet named under it should lead to the report it reads."""
    first_url: dict[str, str] = {}
    headline = " ".join(story.headline.split())
    for article in sorted(story.articles, key=lambda a: a.published):
        first_url.setdefault(article.source, article.url)
    for article in story.articles:
        if clean_title(article.title, article.source) == headline:
            first_url[article.source] = article.url
            break
    # A sentence from an outlet missing from the articles still needs a marker number.
    for sentence in story.summary:
        first_url.setdefault(sentence.source, sentence.url)
    return tuple(Outlet(n, name, url) for n, (name, url) in enumerate(first_url.items(), 1))


def story_news(story: Story) -> News:
    """The card's "Developing"/"Returning" mark and what is new since the last edition."""
    status = getattr(story, "status", "new")
    mark = {"developing": "Developing", "returning": "Returning"}.get(status, "")
    new_ids = set(getattr(story, "new_article_ids", ()))
    new = [a for a in story.articles if a.id in new_ids]
    previous = getattr(story, "previous_edition", None)
    # The file name pipeline.edition_stem gives; built from a date, so it is always safe.
    stem = f"briefing-{previous.isoformat()}" if previous else ""
    outlets_new = tuple(dict.fromkeys(a.source for a in new))
    return News(mark, len(new), outlets_new, previous if mark else None, stem)


def other_title(story: Story) -> Article | None:
    """For a card without a summary: the first article whose title says more than the headline
    (a story of one untitled report, or of one title, has none to show twice)."""
    headline = " ".join(story.headline.split())
    for article in story.articles:
        if article.title.strip() and clean_title(article.title, article.source) != headline:
            return article
    return None


def more_reports(story: Story) -> tuple[Report, ...]:
    """The story's reports its card does not link to yet, oldest first, each once.

    A card links each outlet's first report, the report each summary sentence came from and,
    without a summary, the title line; an outlet's second piece on the event (the analysis
    after the news, the next post of a series) would otherwise be out of the reader's reach.
    """
    cited = outlets(story)
    numbers = {o.name: o.number for o in cited}
    # A story of one outlet has no sentence markers (templates), so no sentence links its report.
    marked = {s.url for s in story.summary} if len(cited) > 1 else set()
    linked = {o.url for o in cited} | marked
    other = None if story.summary else other_title(story)
    if other is not None:
        linked.add(other.url)
    articles = sorted(story.articles, key=lambda a: (a.published, a.id))
    # "Analysis:", "Live:" tell a further report from the first: its label stays.
    titles = {
        a.id: clean_title(a.title, a.source, keep_label=True) or opening(a.text) for a in articles
    }
    # A copy under another address (the same outlet, the same title) is not another report.
    seen = {(a.source, titles[a.id].casefold()) for a in articles if a.url in linked}
    reports = []
    for article in articles:
        key = (article.source, titles[article.id].casefold())
        if article.url in linked or key in seen or not key[1] or not safe_url(article.url):
            continue
        linked.add(article.url)
        seen.add(key)
        number = numbers[article.source]
        reports.append(Report(titles[article.id], number, article.source, article.url))
    return tuple(reports)


def language(story: Story) -> str:
    """The language tag shared by the story's articles, when they name a valid one; for
    Chinese, Japanese or Korean, one the fonts are chosen by (`font_language`)."""
    tags = {a.language.strip() for a in story.articles if a.language}
    tag = tags.pop() if len(tags) == 1 else ""
    tag = tag if _LANGUAGE_TAG.fullmatch(tag) else ""
    return font_language(story.headline + " ".join(s.text for s in story.summary[:2]), tag)


def font_language(text: str, declared: str = "") -> str:
    """The language tag to set `text` in: the declared one, made precise for Chinese, or for
    undeclared text written mostly in Chinese, Japanese or Korean characters, theirs.

    One character is drawn differently in Chinese, Japanese and Korean, and the fonts are
    chosen by the tag: fontconfig knows "zh-cn" and "zh-tw" but not "zh" or "zh-Hans", so
    such text (feeds seldom declare a language, or just "zh") was set in Japanese forms.
    """
    base, _, region = declared.lower().partition("-")
    if base == "zh":
        if region in ("cn", "sg", "tw", "hk", "mo"):
            return declared
        return {"hans": "zh-CN", "hant": "zh-TW"}.get(region) or _chinese(text)
    if declared:
        return declared
    sample = text[:400]  # enough to tell
    letters = sum(1 for c in sample if c.isalpha())
    han, kana = len(_HAN.findall(sample)), len(_KANA.findall(sample))
    if han + kana and 2 * (han + kana) >= letters:
        return "ja" if kana else _chinese(sample)
    hangul = len(_HANGUL.findall(sample))
    return "ko" if hangul and 2 * hangul >= letters else ""


def _chinese(text: str) -> str:
    """'zh-TW' for text with more Traditional than Simplified forms, else 'zh-CN'."""
    traditional = sum(1 for c in text[:400] if c in _TRADITIONAL)
    simplified = sum(1 for c in text[:400] if c in _SIMPLIFIED)
    return "zh-TW" if traditional > simplified else "zh-CN"


def direction(story: Story) -> str:
    """'rtl' for a story written mostly in a right-to-left script (Arabic, Hebrew, ...), else ''.

    Told by the letters themselves (their Unicode bidirectional class), since a feed seldom
    declares its language: a paragraph laid out left to right puts an Arabic sentence's full
    stop and its markers at the wrong end and aligns it on the wrong side.
    """
    text = (story.headline + " ".join(s.text for s in story.summary[:2]))[:400]  # enough to tell
    classes = [unicodedata.bidirectional(c) for c in text if c.isalpha()]
    rtl = sum(1 for c in classes if c in ("R", "AL"))
    return "rtl" if rtl > len(classes) - rtl else ""


def short_date(day: date) -> str:
    """'22 January 2022'."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def superscript(number: int) -> str:
    """'12' as '¹²': a marker that is text, not a nested box (cheaper to lay out in the PDF)."""
    return str(number).translate(_SUPERSCRIPT)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def long_date(day: date) -> str:
    """'Saturday 22 January 2022' (English names whatever the locale)."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_moment(when: datetime, zone: tzinfo) -> str:
    """'21 Jan 2022, 13:55' in the given zone."""
    local = local_time(when, zone)
    return f"{local.day} {_MONTHS[local.month - 1][:3]} {local.year}, {local:%H:%M}"


def format_span(start: datetime, end: datetime, zone: tzinfo) -> str:
    """'21 Jan 2022, 13:55 – 15:30'; the day is repeated only when the span crosses midnight."""
    first, last = local_time(start, zone), local_time(end, zone)
    if (first.date(), first.strftime("%H:%M")) == (last.date(), last.strftime("%H:%M")):
        return format_moment(first, zone)
    tail = f"{last:%H:%M}" if first.date() == last.date() else format_moment(last, zone)
    return f"{format_moment(first, zone)} – {tail}"


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def local_time(when: datetime, zone: tzinfo) -> datetime:
    """The datetime in `zone`; a naive one is taken to be UTC, as the stores keep it."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone)


def safe_url(url: object) -> str | None:
    """Return the URL if it is an absolute http(s) URL with a host, else None (render no href)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    # Browsers ignore tabs, newlines and backslashes in URLs; refusing them closes that trick.
    if not url or _URL_FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    return url


def no_orphan(text: str) -> str:
    """The text with its last two words joined by a no-break space: a title never ends on a line
    holding one word ('talks' alone under 'Demo Briefing: Russia-US security')."""
    head, space, last = text.rstrip().rpartition(" ")
    return f"{head}\u00a0{last}" if space and head.strip() else text
