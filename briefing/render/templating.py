"""The Jinja2 environments every template is rendered in, and their escaping and link filters.

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
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote
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

from ..config.loading import BUNDLED_TEMPLATES
from ..errors import RenderError
from ..models import Briefing
from .filters import (
    ALSO_SHOWN,
    direction,
    font_language,
    format_moment,
    format_span,
    language,
    local_time,
    long_date,
    more_reports,
    no_orphan,
    other_title,
    outlets,
    safe_url,
    short_date,
    story_news,
    superscript,
)
from .fit import fit_briefing, shown_url

TEMPLATE_DIR = BUNDLED_TEMPLATES  # declared with the template_dir setting that overrides it

# C0 controls (bar tab and newline) and DEL break lxml and the PDF text layer (RELIABILITY 29).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A comma with a letter right after it: "Patio,Fireplace,Dishwasher" is one word to a line
# breaker, which then cuts it anywhere ("Hardwo-od" on paper); after the comma is better.
_GLUED_COMMA = re.compile(r"(?<=,)(?=[^\W\d_])")
# A short word of hyphen-joined parts ("Russia-US", "Hit-and-run"); a longer one may still break.
_COMPOUND = re.compile(r"(?<![\w-])(?=[\w-]{3,24}(?![\w-]))\w+(?:-\w+)+")
# Characters that mean something to Markdown or to the HTML a Markdown viewer lets through.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
# ...and what means something only at the start of a line: a heading, a quote, a list item.
# A list's number is escaped at its delimiter ("2018\. A year"): CommonMark escapes punctuation
# only, so "\2018. A year" would show its backslash.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)(#|>|[-+=])|^(\s*\d+)(?=[.)])")


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
    env.filters["no_orphan"] = no_orphan
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
        iso=lambda when: local_time(when, zone).isoformat(timespec="minutes"),
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


def anchor(key: str) -> str:
    """A stable, always-valid element id for a story or section key."""
    return "s-" + hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:12]


def zone_of(name: str) -> tzinfo:
    """The briefing's time zone, or a RenderError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RenderError(f"unknown timezone {name!r}") from exc
