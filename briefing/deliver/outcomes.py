"""Who gets the edition and what became of it: recipients, withheld editions, the run's error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from ..config import EmailConfig
from ..errors import DeliveryError, DeliveryUncertainError, EditionWithheldError
from ..models import Briefing, Delivery
from ..store import Store
from .message import message_id

DONE = frozenset({"sent", "uncertain", "failed"})
# Of two stored rows for one mailbox (kept before addresses were compared by `address_key`),
# the one furthest along is the truth: any "sent" means the mailbox has the edition.
PRECEDENCE = ("sent", "uncertain", "sending", "failed", "pending")


def address_key(address: str) -> str:
    """The address as mail servers compare it: case does not matter, in the domain or before it."""
    # RFC 5321 §2.4 lets a server treat the local part's case as significant, but says relying on
    # that impedes interoperability; servers fold it, so two spellings are one mailbox. The
    # address is still sent as written.
    return address.strip().lower()


def recipients(config: EmailConfig) -> tuple[str, ...]:
    """The configured recipients, each mailbox once, in the spelling first given."""
    first: dict[str, str] = {}
    for recipient in config.to:
        first.setdefault(address_key(recipient), recipient)
    return tuple(first.values())


def withheld_reason(briefing: Briefing) -> str:
    """Why the edition is not worth mailing (no stories, most feeds failed); '' when it is."""
    stats = briefing.stats
    failed = f"{stats.feeds_failed} of {stats.feeds} feeds failed"
    if not briefing.stories:
        return f"the {briefing.edition} edition has no stories ({failed})"
    if 2 * stats.feeds_failed > stats.feeds:
        return f"the {briefing.edition} edition was made while {failed}"
    return ""


def withheld_deliveries(
    store: Store, config: EmailConfig, day: date, reason: str
) -> tuple[Delivery, ...]:
    """Each recipient's standing when the edition is withheld: an earlier outcome, or nothing."""
    known = known_deliveries(store, day)
    standing = []
    for recipient in recipients(config):
        d = known.get(address_key(recipient))
        if d is None or d.status not in DONE:
            # Never stored: "withheld" records nothing, so a later edition still goes out.
            d = Delivery(day, recipient, message_id(day, recipient, config.sender), "withheld")
        standing.append(replace(d, detail=reason) if d.status == "withheld" else d)
    return tuple(standing)


def known_deliveries(store: Store, day: date) -> dict[str, Delivery]:
    """The stored deliveries of a day by `address_key`, the furthest along for each mailbox."""
    known: dict[str, Delivery] = {}
    for d in store.deliveries(day).values():
        held = known.get(address_key(d.recipient))
        if held is None or _rank(d) < _rank(held):
            known[address_key(d.recipient)] = d
    return known


def _rank(d: Delivery) -> int:
    return PRECEDENCE.index(d.status) if d.status in PRECEDENCE else len(PRECEDENCE)


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


def delivery_problem(deliveries: Sequence[Delivery]) -> DeliveryError | None:
    """The error a run's deliveries end in: failed or pending, else withheld, else uncertain."""
    error = delivery_error(deliveries)
    withheld = [d for d in deliveries if d.status == "withheld"]
    uncertain = [d for d in deliveries if d.status == "uncertain"]
    if error is None and withheld:
        return EditionWithheldError(
            f"withheld: {withheld[0].detail}; nothing was sent to {len(withheld)} recipient(s)"
        )
    if error is None and uncertain:
        names = ", ".join(d.recipient for d in uncertain)
        return DeliveryUncertainError(
            f"the {uncertain[0].day} edition may or may not have reached {names}: the server "
            "took the message but never confirmed it; if it did not arrive, "
            "`briefing send --resend` sends it again"
        )
    return error
