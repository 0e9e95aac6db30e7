"""One recipient's message: its subject, Message-ID, text and HTML parts and the PDF."""

from __future__ import annotations

import hashlib
import re
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr
from html import escape
from pathlib import Path

from ..config import EmailConfig
from ..models import StoredEdition


def message_id(day: object, recipient: str, sender: str) -> str:
    """The same Message-ID for the same edition and recipient, on every run and every machine."""
    digest = hashlib.sha256(f"{day}|{recipient.lower()}".encode()).hexdigest()[:24]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "briefing.invalid"
    return f"<briefing.{day}.{digest}@{domain}>"


def email_subject(template: str, edition: StoredEdition, title: str) -> str:
    """The subject from the config's template (or the renderer's), on one line."""
    subject = edition.subject
    if template:
        subject = template.format(subject=subject, title=title, date=edition.day.isoformat())
    # CR or LF from a feed title would break the header (RELIABILITY 62); the email package
    # encodes whatever is not ASCII as RFC 2047 words when the message is serialized.
    return " ".join(subject.split())


def compose_message(
    edition: StoredEdition,
    recipient: str,
    config: EmailConfig,
    title: str,
    pdf: bytes | None,
    note: str,
) -> EmailMessage:
    """One recipient's message: text and HTML alternatives, the PDF attached when given."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = email_subject(config.subject, edition, title)
    msg["From"] = config.sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(edition.day, recipient, config.sender)
    msg["Auto-Submitted"] = "auto-generated"
    text, html = edition.text, edition.html
    if note:
        text = f"{note}\n\n{text}"
        html = re.sub(r"(<body[^>]*>)", rf"\1<p><em>{escape(note)}</em></p>", html, count=1)
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    if pdf is not None:
        name = f"briefing-{edition.day.isoformat()}.pdf"
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return msg


def message_within(
    edition: StoredEdition, recipient: str, config: EmailConfig, title: str, limit: int
) -> bytes:
    """The message, without its PDF (and saying so) if it would exceed the server's SIZE."""
    pdf, note = _pdf(edition)
    data = compose_message(edition, recipient, config, title, pdf, note).as_bytes()
    if limit and pdf is not None and len(data) > limit:
        note = (
            f"The PDF ({len(pdf) / 1e6:.1f} MB) is larger than the mail server accepts "
            f"({limit / 1e6:.1f} MB), so it is not attached; it is at {edition.pdf_path}."
        )
        data = compose_message(edition, recipient, config, title, None, note).as_bytes()
    return data


def message_without_pdf(
    edition: StoredEdition, recipient: str, config: EmailConfig, title: str
) -> bytes | None:
    """The message without its PDF, for a server that refuses it as too large (552)."""
    if _pdf(edition)[0] is None:
        return None
    note = (
        "The mail server refused the message with the PDF attached as too large, so it is "
        f"not attached; it is at {edition.pdf_path}."
    )
    return compose_message(edition, recipient, config, title, None, note).as_bytes()


def _pdf(edition: StoredEdition) -> tuple[bytes | None, str]:
    if not edition.pdf_path:
        return None, ""
    try:
        return Path(edition.pdf_path).read_bytes(), ""
    except OSError as exc:
        return None, f"The PDF could not be attached ({exc.strerror})."
