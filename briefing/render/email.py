"""The edition as an email body: a subject line, an HTML part mail clients show, a text part.

Delivery (SMTP, the PDF as an attachment) is another stage's work; this only writes the words.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..models import Briefing, EmailBody
from .filters import long_date
from .fit import TITLE, fit_text
from .templating import (
    html_environment,
    render_template,
    text_environment,
    zone_of,
)

_WHITESPACE = re.compile(r"\s+")


def render_email(briefing: Briefing, *, template_dir: Path | None = None) -> EmailBody:
    """The edition as an email: one-line subject, inline-styled table HTML, and plain text."""
    zone = zone_of(briefing.timezone)
    subject = email_subject(briefing)
    html = render_template(
        html_environment(template_dir, zone), "email.html", briefing=briefing, subject=subject
    )
    text = render_text(briefing, template_dir=template_dir)
    return EmailBody(subject=subject, html=html, text=text)


def render_text(briefing: Briefing, *, template_dir: Path | None = None) -> str:
    """The edition as plain text, lines wrapped at 72 characters (also the `text` format)."""
    env = text_environment(template_dir, zone_of(briefing.timezone), markdown=False)
    return _tidy(render_template(env, "briefing.txt", briefing=briefing))


def email_subject(briefing: Briefing) -> str:
    """'Daily Briefing · Saturday 22 January 2022 · 3 stories', on one line whatever the title."""
    count = len(briefing.stories)
    stories = f"{count} {'story' if count == 1 else 'stories'}"
    title = fit_text(briefing.title, TITLE, breaks=False)
    subject = f"{title} · {long_date(briefing.edition)} · {stories}"
    # A CR or LF taken from the title would break the header (RELIABILITY 62).
    return _WHITESPACE.sub(" ", subject).strip()


def _tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return tidy + "\n"
