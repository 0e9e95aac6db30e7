"""Render stage: a `Briefing` becomes the outputs the config asks for, from one set of templates.

Outputs: `html` (one self-contained page), `pdf` (print quality), `markdown`, `text`, and
`email` (a .eml with an HTML and a text part; `render_email` gives the same body to delivery).
Beside them, `write_archive` keeps `index.html` and an Atom feed of every edition in the folder.

Everything here treats the briefing's text and URLs as hostile: Jinja2 escapes every value
(Markdown has its own escaping), hrefs pass `safe_url`, HTML from feeds passes `clean_html`,
and WeasyPrint runs in a child process under time and memory limits with a fetcher that refuses
every URL but the bundled fonts, so a story can never make the PDF read a local file or reach the
network. Nor can one item cost the edition: its text is fitted before any template sees it
(`fit.py`: overlong fields cut, unbreakable runs given break points), a story the PDF still fails
on is left out of the PDF alone (`salvage.py`), and when no PDF can be made the other formats
are written all the same.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import replace
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from ..errors import RenderError
from ..models import Briefing, EmailBody, Rendered
from .archive import edition_number, number_edition, write_archive
from .email import email_subject, render_email, render_text
from .files import write_atomic, write_files
from .filters import format_moment, format_span, long_date, safe_url
from .pdf import MEMORY_MB, TIMEOUT, deny_all_fetcher, render_pdf, typeset_pdf
from .salvage import make_pdf, noted
from .sanitize import clean_html
from .templating import (
    TEMPLATE_DIR,
    html_environment,
    render_template,
    text_environment,
    zone_of,
)
from .typesetter import Typesetter

__all__ = [
    "EmailBody",
    "FORMATS",
    "MEMORY_MB",
    "PAGE_SIZES",
    "TEMPLATE_DIR",
    "TIMEOUT",
    "Typesetter",
    "clean_html",
    "deny_all_fetcher",
    "edition_number",
    "email_subject",
    "format_moment",
    "format_span",
    "long_date",
    "number_edition",
    "render",
    "render_edition",
    "render_email",
    "render_html",
    "render_markdown",
    "render_pdf",
    "render_text",
    "safe_url",
    "typeset_pdf",
    "write_archive",
    "write_atomic",
    "write_outputs",
]

PAGE_SIZES = ("A4", "Letter")
# Each format and the extension of its file; the order is the order files are written in.
FORMATS = {"html": ".html", "pdf": ".pdf", "markdown": ".md", "text": ".txt", "email": ".eml"}


def render_html(
    briefing: Briefing, *, template_dir: Path | None = None, page_size: str = "A4"
) -> str:
    """Render the edition as one self-contained HTML page (CSS inline, no external fetches)."""
    if page_size not in PAGE_SIZES:
        raise RenderError(f"page size {page_size!r} is not one of {', '.join(PAGE_SIZES)}")
    env = html_environment(template_dir, zone_of(briefing.timezone))
    return render_template(env, "briefing.html", briefing=briefing, page_size=page_size)


def render_markdown(briefing: Briefing, *, template_dir: Path | None = None) -> str:
    """Render the edition as Markdown; every value is escaped so it stays text in any viewer."""
    env = text_environment(template_dir, zone_of(briefing.timezone), markdown=True)
    text = render_template(env, "briefing.md", briefing=briefing)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n") + "\n"


def email_message(body: EmailBody) -> bytes:
    """The email body as a MIME message (text and HTML alternatives), without any addresses."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = body.subject
    message.set_content(body.text)
    message.add_alternative(body.html, subtype="html")
    return message.as_bytes()


def render(
    briefing: Briefing,
    out_dir: Path,
    stem: str,
    formats: Iterable[str] = ("html", "pdf"),
    template_dir: Path | None = None,
    page_size: str = "A4",
    *,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY_MB,
    typesetter: Typesetter | None = None,
) -> tuple[Path, ...]:
    """Render the briefing in the given formats and write `<stem>.<ext>` files to `out_dir`.

    A `typesetter` started earlier makes the PDF (its limits apply); else a child forked now.
    RenderError when the PDF cannot be made at all, once every other file is written.
    """
    rendered = render_edition(
        briefing,
        out_dir,
        stem,
        formats,
        template_dir,
        page_size,
        timeout=timeout,
        memory_mb=memory_mb,
        typesetter=typesetter,
    )
    if rendered.pdf_error:
        raise RenderError(rendered.pdf_error)
    return rendered.paths


def render_edition(
    briefing: Briefing,
    out_dir: Path,
    stem: str,
    formats: Iterable[str] = ("html", "pdf"),
    template_dir: Path | None = None,
    page_size: str = "A4",
    *,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY_MB,
    typesetter: Typesetter | None = None,
) -> Rendered:
    """Write the edition in every format asked for; a story the PDF fails on costs only itself.

    That story stays in the other formats, with a note in the footer of each (and of the PDF),
    and is counted in the stats. When even the edition without it fails, every other format is
    still written and `pdf_error` says why there is no PDF.
    """
    wanted = tuple(dict.fromkeys(formats))
    unknown = sorted(set(wanted) - set(FORMATS))
    if unknown or not wanted:
        raise RenderError(f"formats must be some of {', '.join(FORMATS)}; got {wanted!r}")
    html = render_html(briefing, template_dir=template_dir, page_size=page_size)
    pdf, pdf_error = None, ""
    if "pdf" in wanted:

        def typeset(part: Briefing, limit: float) -> bytes:
            page = render_html(part, template_dir=template_dir, page_size=page_size)
            return render_pdf(page, timeout=limit, memory_mb=memory_mb)

        first = (
            typesetter.render
            if typesetter is not None
            else functools.partial(render_pdf, timeout=timeout, memory_mb=memory_mb)
        )
        pdf, notes, pdf_error = make_pdf(briefing, html, first, typeset, timeout)
        if notes:
            briefing = counted(noted(briefing, notes), len(notes))
            html = render_html(briefing, template_dir=template_dir, page_size=page_size)
    files: dict[str, str | bytes] = {}
    for name in FORMATS:
        if name not in wanted:
            continue
        if name == "html":
            files[stem + ".html"] = html
        elif name == "pdf" and pdf is not None:
            files[stem + ".pdf"] = pdf
        elif name == "markdown":
            files[stem + ".md"] = render_markdown(briefing, template_dir=template_dir)
        elif name == "text":
            files[stem + ".txt"] = render_text(briefing, template_dir=template_dir)
        elif name == "email":
            files[stem + ".eml"] = email_message(render_email(briefing, template_dir=template_dir))
    return Rendered(briefing, write_files(out_dir, files), pdf_error)


def counted(briefing: Briefing, left_out: int) -> Briefing:
    """The briefing with the stories its PDF left out counted in its stats."""
    return replace(briefing, stats=replace(briefing.stats, left_out_of_pdf=left_out))


def write_outputs(
    briefing: Briefing, html: str | None, pdf: bytes | None, out_dir: Path, stem: str
) -> tuple[Path, ...]:
    """Write `<stem>.html` and `<stem>.pdf` (those given) atomically; return the paths written."""
    files: dict[str, str | bytes] = {}
    if html is not None:
        files[f"{stem}.html"] = html
    if pdf is not None:
        files[f"{stem}.pdf"] = pdf
    return write_files(out_dir, files)
