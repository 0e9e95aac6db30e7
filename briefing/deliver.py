"""Delivery: the rendered edition by SMTP, at most once per edition and recipient.

Each recipient gets their own message (text and HTML alternatives, the PDF attached) with a
Message-ID derived from the edition's day and the address, and its state is committed to the
store before every step that matters:

    pending --MAIL/RCPT ok--> sending --250 after DATA--> sent
       |                         |
       | 4xx, refused, timeout   +-- connection lost before the reply --> uncertain (never resent
       |   (retried, bounded)    |   by itself: the server may have taken it, RFC 5321 §6.1)
       +-- 5xx, 535 ----------> failed                          +-- 4xx/5xx reply --> pending/failed

A rerun finds "sent" and "uncertain" and sends nothing to those recipients; one found in
"sending" was cut off by a crash and becomes "uncertain". Credentials are sent only inside TLS
verified against the system's CAs or the configured `ca_file`.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr
from html import escape
from pathlib import Path

from .config import EmailConfig
from .errors import DeliveryError
from .faults import checkpoint
from .models import Delivery, StoredEdition
from .store import Store

RETRY_DELAYS = (5.0, 30.0, 120.0)  # seconds between attempts: bounded, about 2.5 min in all
DONE = frozenset({"sent", "uncertain", "failed"})


class _Transient(Exception):
    """A failure worth another attempt: 4xx, a refused or dropped connection before DATA."""


class _Permanent(Exception):
    """A failure no retry will fix: 5xx, bad credentials, no TLS, an unverified certificate."""


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


def deliver_edition(
    store: Store,
    config: EmailConfig,
    edition: StoredEdition,
    *,
    title: str,
    retry_failed: bool = False,
    resend: bool = False,
    delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Delivery, ...]:
    """Send the edition to every recipient who has not had it; return each one's delivery."""
    pending = _pending(store, config, edition, retry_failed=retry_failed, resend=resend)
    last_error = ""
    for attempt in range(len(delays) + 1):
        if not pending:
            break
        if attempt:
            sleep(delays[attempt - 1])
        try:
            pending = _send_over_one_connection(store, config, edition, title, pending)
        except _Transient as exc:
            last_error = str(exc)
            pending = [_save(store, replace(d, detail=last_error)) for d in _still(store, pending)]
        except _Permanent as exc:
            for d in _still(store, pending):
                _save(store, replace(d, status="failed", detail=str(exc)))
            pending = []
    for d in pending:
        detail = f"temporary failure, gave up after {len(delays) + 1} attempts: {last_error}"
        _save(store, replace(d, status="pending", detail=detail))
    return tuple(store.deliveries(edition.day)[r] for r in config.to)


def _still(store: Store, pending: Sequence[Delivery]) -> list[Delivery]:
    """Those of `pending` the store still holds as pending: others were settled meanwhile."""
    now = store.deliveries(pending[0].day) if pending else {}
    return [now[d.recipient] for d in pending if now[d.recipient].status == "pending"]


def delivery_error(deliveries: Sequence[Delivery]) -> DeliveryError | None:
    """One clear error naming every recipient who did not get the edition, or None."""
    bad = [d for d in deliveries if d.status in ("failed", "pending")]
    if not bad:
        return None
    lines = "; ".join(f"{d.recipient}: {d.status}: {d.detail}" for d in bad)
    return DeliveryError(
        f"the {bad[0].day} edition was not delivered to {len(bad)} of {len(deliveries)} "
        f"recipient(s): {lines}",
    )


def _pending(
    store: Store, config: EmailConfig, edition: StoredEdition, *, retry_failed: bool, resend: bool
) -> list[Delivery]:
    known = store.deliveries(edition.day)
    pending: list[Delivery] = []
    for recipient in dict.fromkeys(config.to):
        d = known.get(recipient) or Delivery(
            edition.day, recipient, message_id(edition.day, recipient, config.sender), "pending"
        )
        if d.status == "sending":
            # A run died between DATA and the reply: the server may have the message.
            d = _save(store, replace(d, status="uncertain", detail="the sending run was cut off"))
        wanted = {"pending"} | ({"failed"} if retry_failed else set())
        if resend or d.status in wanted:
            pending.append(_save(store, replace(d, status="pending")))
    return pending


def _send_over_one_connection(
    store: Store, config: EmailConfig, edition: StoredEdition, title: str, pending: list[Delivery]
) -> list[Delivery]:
    """Send to each pending recipient in turn; return those still pending."""
    with _connect(config) as smtp:
        limit = int(smtp.esmtp_features.get("size", "0") or 0)
        for position, d in enumerate(pending):
            msg = _message_within(edition, d.recipient, config, title, limit)
            smaller = _without_pdf(edition, d.recipient, config, title)
            if not _send_one(store, smtp, config, d, msg, smaller):
                return pending[position + 1 :]  # the connection is gone; the rest wait
    return []


def _message_within(
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


def _without_pdf(
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


def _send_one(
    store: Store,
    smtp: smtplib.SMTP,
    config: EmailConfig,
    d: Delivery,
    data: bytes,
    smaller: bytes | None = None,
) -> bool:
    """One SMTP transaction; False when the connection was lost and must be made again."""
    sender = parseaddr(config.sender)[1]
    options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    _check(*smtp.mail(sender, options), step="MAIL FROM")
    code, reply = smtp.rcpt(d.recipient)
    answer: bytes | str = reply
    if code >= 500:
        _save(store, replace(d, status="failed", detail=_reply(code, reply, "RCPT TO")))
        smtp.rset()
        return True
    _check(code, reply, step="RCPT TO")
    d = _save(store, replace(d, status="sending", attempts=d.attempts + 1))
    try:
        code, answer = smtp.data(data)  # raises only when DATA itself is refused
    except smtplib.SMTPDataError as exc:
        code, answer = exc.smtp_code, exc.smtp_error
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        detail = f"connection lost after the message was sent, before the reply ({exc})"
        _save(store, replace(d, status="uncertain", detail=detail))
        return False
    if code == 250:
        checkpoint("accepted")  # the server has it; a crash now must not lead to a second copy
        _save(store, replace(d, status="sent", detail=_reply(code, answer)))
        return True
    # The server answered with a refusal: it did not take the message, so a retry is safe.
    detail = _reply(code, answer, "DATA")
    if code == 552 and smaller is not None:  # too large: the same message without its PDF
        d = _save(store, replace(d, status="pending", detail=detail))
        return _send_one(store, smtp, config, d, smaller)
    temporary = 400 <= code < 500
    _save(store, replace(d, status="pending" if temporary else "failed", detail=detail))
    if temporary:
        raise _Transient(detail)
    return True


def _check(code: int, reply: bytes | str, *, step: str) -> None:
    if 400 <= code < 500:
        raise _Transient(_reply(code, reply, step))
    if code >= 500:
        raise _Permanent(_reply(code, reply, step))


def _reply(code: int, reply: bytes | str, step: str = "") -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    where = f" at {step}" if step else ""
    return f"{code} {' '.join(text.split())}{where}"


def _save(store: Store, delivery: Delivery) -> Delivery:
    store.save_delivery(delivery, datetime.now(UTC))
    return delivery


def _connect(config: EmailConfig) -> smtplib.SMTP:
    """A connection, in TLS unless security is 'none', logged in if a user is configured."""
    user, password = _credentials(config)
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    host, port, timeout = config.smtp_host, config.smtp_port, config.timeout
    smtp: smtplib.SMTP | None = None
    try:
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        smtp.ehlo()
        if config.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise _Permanent(f"{host}:{port} does not offer STARTTLS; nothing was sent")
            smtp.starttls(context=context)
            smtp.ehlo()
        if user:
            smtp.login(user, password)
        return smtp
    except BaseException as exc:
        if smtp is not None:
            smtp.close()
        raise _classify(exc, host, port) from None


def _classify(exc: BaseException, host: str, port: int) -> BaseException:
    """Sort a connection-time failure into worth retrying or not; anything else passes."""
    where = f"{host}:{port}"
    if isinstance(exc, _Transient | _Permanent):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        return _Permanent(f"{where} refused the credentials ({reply})")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Permanent(f"{where}: certificate not trusted ({exc.verify_message}); see ca_file")
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = _Transient if 400 <= exc.smtp_code < 500 else _Permanent
        return kind(f"{where}: {_reply(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return _Transient(f"{where}: {exc or type(exc).__name__}")
    return exc


def _credentials(config: EmailConfig) -> tuple[str, str]:
    """The user and password from the environment variables the config names."""
    if not config.username_env:
        return "", ""
    values = []
    for name in (config.username_env, config.password_env):
        value = os.environ.get(name) if name else None
        if value is None:
            raise DeliveryError(
                f"the environment variable {name or '(password_env)'} is not set: [email] names "
                "the variables that hold the SMTP user name and password"
            )
        values.append(value)
    return values[0], values[1]
