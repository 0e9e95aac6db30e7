"""The Jinja2 environments and the filters every template uses: links, anchors, dates, outlets.

Two kinds of environment, both escaping every printed value by default:
- HTML (pages, email): Jinja2's autoescape, always on whatever a template's file name is;
- text (Markdown, plain text): a `finalize` hook escapes Markdown syntax and inline HTML, so a
  headline can never become a link, an image or a tag when a viewer renders the Markdown.
A folder named in the config is searched before the bundled templates, so a user overrides
exactly the templates they copy there and inherits the rest.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)
from markupsafe import Markup, escape

from briefing.errors import RenderError
from briefing.headline import clean_title, opening
from briefing.models import Article, Briefing, Story
from briefing.render.fit import fit_briefing, shown_url
from briefing.sentences import HAN, HANGUL, KANA

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"

# C0 controls (bar tab and newline) and DEL break lxml and the PDF text layer (RELIABILITY 29).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A comma with a letter right after it: "Patio,Fireplace,Dishwasher" is one word to a line
# breaker, which then cuts it anywhere ("Hardwo-od" on paper); after the comma is better.
_GLUED_COMMA = re.compile(r"(?<=,)(?=[^\W\d_])")
# A short word of hyphen-joined parts ("Russia-US", "Hit-and-run"); a longer one may still break.
_COMPOUND = re.compile(r"(?<![\w-])(?=[\w-]{3,24}(?![\w-]))\w+(?:-\w+)+")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# Characters that mean something to Markdown or to the HTML a Markdown viewer lets through.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# ...and what means something only at the start of a line: a heading, a quote, a list item.
# A list's number is escaped at its delimiter ("2018\. A year"): CommonMark escapes punctuation
# only, so "\2018. A year" would show its backslash.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)(#|>|[-+=])|^(\s*\d+)(?=[.)])")


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


def html_environment(template_dir: Path | None, zone: tzinfo) -> Environment:
    """A strict, always-escaping environment for HTML templates."""
    # autoescape=True, not select_autoescape(): escaping must not depend on file names.
    env = Environment(
        loader=_loader(template_dir),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_clean_text,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    _add_filters(env, zone)
    env.filters["breakable"] = breakable
    env.filters["compounds_whole"] = compounds_whole
    env.filters["shown_url"] = shown_url
    return env


def compounds_whole(text: object) -> Markup:
    """The text escaped, each short hyphenated word ('Russia-US', 'Hit-and-run') kept on one
    line: a title broken after 'Russia-' reads as a word cut in two."""
    plain = _CONTROL_CHARS.sub("", str(text))
    out, at = [], 0
    for match in _COMPOUND.finditer(plain):
        out += [escape(plain[at : match.start()]), Markup('<span class="compound">')]
        out += [escape(match.group()), Markup("</span>")]
        at = match.end()
    out.append(escape(plain[at:]))
    return Markup("").join(out)


def breakable(text: object) -> Markup:
    """The text escaped, with a line break allowed after each comma glued to the next word."""
    parts = _GLUED_COMMA.split(_CONTROL_CHARS.sub("", str(text)))
    return Markup("<wbr>").join(parts)  # join escapes each part


def text_environment(template_dir: Path | None, zone: tzinfo, *, markdown: bool) -> Environment:
    """A strict environment for Markdown (escaping its syntax) or plain text (cleaning only)."""
    env = Environment(
        loader=_loader(template_dir),
        autoescape=False,
        undefined=StrictUndefined,
        finalize=_escape_markdown if markdown else _clean_text,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
    )
    _add_filters(env, zone)
    env.filters.update(md_link=markdown_link, md_url=markdown_url)
    return env


def render_template(env: Environment, name: str, **context: Any) -> str:
    """Render one template, turning any template failure into a RenderError naming the file."""
    # The one door a briefing's text comes in by, for every format: fitted here (fit.py), with
    # break points only where there is a layout (HTML, and the PDF made from it).
    breaks = env.autoescape is True
    for key, value in context.items():
        if isinstance(value, Briefing):
            context[key] = fit_briefing(value, breaks=breaks)
    try:
        return env.get_template(name).render(**context)
    except TemplateError as exc:
        failed = getattr(exc, "name", None) or name
        raise RenderError(f"template {failed} failed: {exc}", path=Path(failed)) from exc


def _loader(template_dir: Path | None) -> BaseLoader:
    bundled = FileSystemLoader(TEMPLATE_DIR)
    if template_dir is None:
        return bundled
    if not template_dir.is_dir():
        raise RenderError("template folder not found", path=template_dir)
    return ChoiceLoader([FileSystemLoader(template_dir), bundled])


def _add_filters(env: Environment, zone: tzinfo) -> None:
    filters: dict[str, Callable[..., Any]] = dict(
        safe_url=safe_url,
        anchor=anchor,
        outlets=outlets,
        long_date=long_date,
        short_date=short_date,
        sup=superscript,
        news=story_news,
        language=language,
        lang_of=font_language,
        other_title=other_title,
        more_reports=more_reports,
        direction=direction,
        span=lambda start, end: format_span(start, end, zone),
        moment=lambda when: format_moment(when, zone),
        iso=lambda when: _local(when, zone).isoformat(timespec="minutes"),
    )
    env.filters.update(filters)
    env.globals["also_shown"] = ALSO_SHOWN


def _clean_text(value: object) -> object:
    """Drop control characters from every printed value, keeping Markup as Markup."""
    if isinstance(value, str):
        cleaned = _CONTROL_CHARS.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def _escape_markdown(value: object) -> object:
    """Backslash-escape Markdown syntax in every printed value that is not marked safe."""
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    text = _CONTROL_CHARS.sub("", str(value))
    # Line breaks inside a value would let it start a heading or a list: fold them.
    text = re.sub(r"\s*\n\s*", " ", text)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    """A backslash before a heading's, quote's or bullet's mark, or after a list item's number."""
    if match.group(3) is not None:
        return match.group(3) + "\\"
    return match.group(1) + "\\" + match.group(2)


def markdown_link(text: object, url: object) -> Markup:
    """`[text](url)` when the URL is safe, else the escaped text alone."""
    label = str(_escape_markdown(text))
    href = markdown_url(url)
    return Markup(f"[{label}]({href})" if href else label)


def markdown_url(url: object) -> str:
    """A safe http(s) URL with the characters that would end a Markdown link percent-encoded."""
    href = safe_url(url)
    if href is None:
        return ""
    return quote(href, safe="/:?#=&%;@+,$!*'~-._")


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


def anchor(key: str) -> str:
    """A stable, always-valid element id for a story or section key."""
    return "s-" + hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:12]


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
    linked = {o.url for o in cited} | {s.url for s in story.summary}
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
    local = _local(when, zone)
    return f"{local.day} {_MONTHS[local.month - 1][:3]} {local.year}, {local:%H:%M}"


def format_span(start: datetime, end: datetime, zone: tzinfo) -> str:
    """'21 Jan 2022, 13:55 – 15:30'; the day is repeated only when the span crosses midnight."""
    first, last = _local(start, zone), _local(end, zone)
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


def _local(when: datetime, zone: tzinfo) -> datetime:
    """The datetime in `zone`; a naive one is taken to be UTC, as the stores keep it."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone)


def zone_of(name: str) -> tzinfo:
    """The briefing's time zone, or a RenderError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RenderError(f"unknown timezone {name!r}") from exc
