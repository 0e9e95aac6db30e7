"""Render stage: a `Briefing` becomes one self-contained HTML page and a print-quality PDF.

Everything here treats the briefing's text and URLs as hostile: Jinja2 escapes every value,
hrefs pass `safe_url`, and WeasyPrint gets a fetcher that refuses every URL except the fonts
bundled in `briefing/fonts/` (and inline `data:` URIs), so a story can never make the PDF read
a local file or reach the network.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup

from briefing.errors import DeliveryError, RenderError
from briefing.models import Briefing, Story

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
PAGE_SIZES = ("A4", "Letter")
FORMATS = ("html", "pdf")

# (family, style, weight, file): the PDF's faces. Screens use the same family names with
# fallbacks instead, so the HTML stays one small file with no font URLs in it.
BUNDLED_FONTS = (
    ("Charis SIL", "normal", 400, "CharisSIL-Regular.ttf"),
    ("Charis SIL", "italic", 400, "CharisSIL-Italic.ttf"),
    ("Inter", "normal", 600, "Inter-SemiBold.otf"),
)

# C0 controls (bar tab and newline) and DEL break lxml and the PDF text layer (RELIABILITY 29).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")


class Outlet(NamedTuple):
    """One outlet of a story card: its marker number, name and the URL of its article."""

    number: int
    name: str
    url: str


def render_html(
    briefing: Briefing, *, template_dir: Path | None = None, page_size: str = "A4"
) -> str:
    """Render the edition as one self-contained HTML page (CSS inline, no external fetches)."""
    if page_size not in PAGE_SIZES:
        raise RenderError(f"page size {page_size!r} is not one of {', '.join(PAGE_SIZES)}")
    folder = template_dir or TEMPLATE_DIR
    env = _environment(folder, _zone(briefing.timezone))
    try:
        template = env.get_template("briefing.html")
        return template.render(briefing=briefing, page_size=page_size)
    except TemplateError as exc:
        name = getattr(exc, "name", None) or "briefing.html"
        raise RenderError(f"template failed: {exc}", path=folder / name) from exc


def render_pdf(html: str) -> bytes:
    """Typeset the HTML as PDF with WeasyPrint, fetching nothing but the bundled fonts."""
    # Imported here so that HTML-only runs and the CLI's --help do not pay for WeasyPrint.
    from weasyprint import HTML

    try:
        document = HTML(
            string=_with_font_faces(html), base_url=None, url_fetcher=deny_all_fetcher()
        )
        pdf = document.write_pdf()
    except Exception as exc:  # WeasyPrint raises many types; every one means "no PDF".
        raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc
    if not pdf:
        raise RenderError("PDF rendering produced no output")
    return pdf


def write_outputs(
    briefing: Briefing, html: str | None, pdf: bytes | None, out_dir: Path, stem: str
) -> tuple[Path, ...]:
    """Write `<stem>.html` and `<stem>.pdf` (those given) atomically; return the paths written."""
    if not stem or Path(stem).name != stem or stem in {".", ".."}:
        raise DeliveryError(f"output name {stem!r} is not a plain file name", path=out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DeliveryError(f"cannot create the output folder: {exc}", path=out_dir) from exc
    written = []
    if html is not None:
        # Lone surrogates from odd feeds must not abort the write (RELIABILITY 44).
        data = html.encode("utf-8", errors="replace")
        written.append(_write_atomic(out_dir / f"{stem}.html", data))
    if pdf is not None:
        written.append(_write_atomic(out_dir / f"{stem}.pdf", pdf))
    return tuple(written)


def render(
    briefing: Briefing,
    out_dir: Path,
    stem: str,
    formats: Iterable[str] = FORMATS,
    template_dir: Path | None = None,
    page_size: str = "A4",
) -> tuple[Path, ...]:
    """Render the briefing in the given formats and write them to `out_dir`."""
    wanted = tuple(formats)
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise RenderError(f"formats must be some of {', '.join(FORMATS)}; got {wanted!r}")
    html = render_html(briefing, template_dir=template_dir, page_size=page_size)
    pdf = render_pdf(html) if "pdf" in wanted else None
    return write_outputs(briefing, html if "html" in wanted else None, pdf, out_dir, stem)


# --- Jinja2 environment and filters ------------------------------------------------------


def _environment(folder: Path, zone: tzinfo) -> Environment:
    """A strict, always-escaping environment whose date filters use the briefing's zone."""
    # autoescape=True, not select_autoescape(): escaping must not depend on file names.
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_clean_text,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        safe_url=safe_url,
        anchor=anchor,
        outlets=outlets,
        long_date=long_date,
        span=lambda start, end: format_span(start, end, zone),
        moment=lambda when: format_moment(when, zone),
        iso=lambda when: _local(when, zone).isoformat(timespec="minutes"),
    )
    return env


def _clean_text(value: object) -> object:
    """Drop control characters from every printed value, keeping Markup as Markup."""
    if isinstance(value, str):
        cleaned = _CONTROL_CHARS.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


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
    """The story's outlets in order of first report, each with its earliest article's URL."""
    first_url: dict[str, str] = {}
    for article in sorted(story.articles, key=lambda a: a.published):
        first_url.setdefault(article.source, article.url)
    # A sentence from an outlet missing from the articles still needs a marker number.
    for sentence in story.summary:
        first_url.setdefault(sentence.source, sentence.url)
    return tuple(Outlet(n, name, url) for n, (name, url) in enumerate(first_url.items(), 1))


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


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RenderError(f"unknown timezone {name!r}") from exc


# --- WeasyPrint: fonts and the deny-all fetcher -----------------------------------------


def _font_faces() -> str:
    """@font-face rules pointing at the bundled fonts, for the PDF only."""
    rules = []
    for family, style, weight, filename in BUNDLED_FONTS:
        uri = (FONT_DIR / filename).as_uri()
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-style: {style}; '
            f'font-weight: {weight}; src: url("{uri}"); }}'
        )
    return "\n".join(rules)


def _with_font_faces(html: str) -> str:
    """Insert the @font-face rules before </head>, ahead of the page's own styles' use of them."""
    style = f"<style>\n{_font_faces()}\n</style>\n"
    match = re.search(r"</head\s*>", html, flags=re.IGNORECASE)
    if match is None:
        return style + html
    return html[: match.start()] + style + html[match.start() :]


def _allowed_files() -> frozenset[Path]:
    return frozenset((FONT_DIR / f).resolve() for *_, f in BUNDLED_FONTS)


def deny_all_fetcher():
    """A WeasyPrint URLFetcher that serves the bundled fonts and data: URIs and refuses all else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DenyAllFetcher(URLFetcher):
        """Refuses every URL but the bundled font files (exact paths) and inline data: URIs."""

        def __init__(self, allowed: frozenset[Path]) -> None:
            # No timeout matters: nothing here ever touches the network.
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.allowed = allowed
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(url2pathname(unquote(parts.path))).resolve()
                if path in self.allowed:
                    return URLFetcherResponse(url, path.read_bytes(), {}, 200)
            self.refused.append(url)
            raise ValueError(f"briefing refuses to fetch {url!r}")

    return DenyAllFetcher(_allowed_files())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, data: bytes) -> Path:
    """Write via a temp file in the same folder, fsync, then os.replace: never a torn file."""
    tmp_name = ""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private; an edition is meant to be read like any other file.
        os.chmod(tmp_name, 0o666 & ~_umask())
        os.replace(tmp_name, path)
    except OSError as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise DeliveryError(f"cannot write output: {exc.strerror or exc}", path=path) from exc
    return path
