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
"sending" was cut off by a crash and becomes "uncertain". A connection lost before DATA, even
between two messages, costs nothing: the recipients not yet sent go over a fresh one, at once if
the lost one had carried messages, else after the next wait. Credentials are sent only inside
TLS verified against the system's CAs or the configured `ca_file`.

An edition with no stories, or made while most feeds failed, is withheld: nobody is sent it and
nothing is recorded, so a later, better edition of the day still reaches everyone. Two spellings
of one address (`ann@example.org`, `Ann@Example.ORG`) are one recipient, sent the first spelling.
"""

from .message import compose_message, email_subject, message_id
from .outcomes import (
    address_key,
    delivery_error,
    delivery_problem,
    recipients,
    withheld_deliveries,
    withheld_reason,
)
from .send import RETRY_DELAYS, deliver_edition

__all__ = [
    "RETRY_DELAYS",
    "address_key",
    "compose_message",
    "deliver_edition",
    "delivery_error",
    "delivery_problem",
    "email_subject",
    "message_id",
    "recipients",
    "withheld_deliveries",
    "withheld_reason",
]
