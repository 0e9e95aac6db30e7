"""Sending: each recipient's SMTP transaction, its state committed before every step."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parseaddr

from ..config import EmailConfig
from ..faults import checkpoint
from ..models import Delivery, StoredEdition
from ..store import Store
from .message import message_id, message_within, message_without_pdf
from .outcomes import address_key, known_deliveries, recipients
from .smtp import Permanent, Transient, check, close_politely, connect, reply_text, reset

RETRY_DELAYS = (5.0, 30.0, 120.0)  # seconds between attempts: bounded, about 2.5 min in all


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
    tried = {address_key(d.recipient) for d in pending}
    _send_with_retries(store, config, edition, title, pending, delays, sleep)
    known = known_deliveries(store, edition.day)
    keys = [address_key(r) for r in recipients(config)]
    return tuple(replace(known[k], this_run=k in tried) for k in keys)


def _send_with_retries(
    store: Store,
    config: EmailConfig,
    edition: StoredEdition,
    title: str,
    pending: list[Delivery],
    delays: Sequence[float],
    sleep: Callable[[float], None],
) -> None:
    """Connect until every recipient has an outcome, waiting only after a fruitless attempt."""
    failures, last_error = 0, ""
    while pending:
        before = len(pending)
        try:
            pending = _send_over_one_connection(store, config, edition, title, pending)
        except Transient as exc:
            last_error = str(exc)
            pending = [_save(store, replace(d, detail=last_error)) for d in _still(store, pending)]
        except Permanent as exc:
            for d in _still(store, pending):
                _save(store, replace(d, status="failed", detail=str(exc)))
            return
        if len(pending) < before:
            continue  # the connection carried messages before it went: a new one may carry more
        failures += 1
        if failures > len(delays):
            break
        sleep(delays[failures - 1])
    for d in pending:
        detail = f"temporary failure, gave up after {len(delays) + 1} attempts: {last_error}"
        _save(store, replace(d, status="pending", detail=detail))


def _still(store: Store, pending: Sequence[Delivery]) -> list[Delivery]:
    """Those of `pending` the store still holds as pending: others were settled meanwhile."""
    now = known_deliveries(store, pending[0].day) if pending else {}
    keys = [address_key(d.recipient) for d in pending]
    return [now[k] for k in keys if now[k].status == "pending"]


def _pending(
    store: Store, config: EmailConfig, edition: StoredEdition, *, retry_failed: bool, resend: bool
) -> list[Delivery]:
    known = known_deliveries(store, edition.day)
    pending: list[Delivery] = []
    for recipient in recipients(config):
        d = known.get(address_key(recipient)) or Delivery(
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
    smtp = connect(config)
    try:
        limit = int(smtp.esmtp_features.get("size", "0") or 0)
        for position, d in enumerate(pending):
            msg = message_within(edition, d.recipient, config, title, limit)
            smaller = message_without_pdf(edition, d.recipient, config, title)
            if not _send_one(store, smtp, config, d, msg, smaller):
                return pending[position + 1 :]  # the connection is gone; the rest wait
        return []
    finally:
        close_politely(smtp)


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
    try:
        check(*smtp.mail(sender, options), step="MAIL FROM")
        code, reply = smtp.rcpt(d.recipient)
    except (smtplib.SMTPException, OSError) as exc:
        # Before DATA the server has nothing of this message: sending it again is safe.
        raise Transient(f"connection lost before the message was sent ({exc})") from None
    answer: bytes | str = reply
    if code >= 500:
        _save(store, replace(d, status="failed", detail=reply_text(code, reply, "RCPT TO")))
        return reset(smtp)
    check(code, reply, step="RCPT TO")
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
        _save(store, replace(d, status="sent", detail=reply_text(code, answer)))
        return True
    # The server answered with a refusal: it did not take the message, so a retry is safe.
    detail = reply_text(code, answer, "DATA")
    if code == 552 and smaller is not None:  # too large: the same message without its PDF
        d = _save(store, replace(d, status="pending", detail=detail))
        return _send_one(store, smtp, config, d, smaller)
    temporary = 400 <= code < 500
    _save(store, replace(d, status="pending" if temporary else "failed", detail=detail))
    if temporary:
        raise Transient(detail)
    return True


def _save(store: Store, delivery: Delivery) -> Delivery:
    store.save_delivery(delivery, datetime.now(UTC))
    return delivery
