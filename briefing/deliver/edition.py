"""The day's edition as a thing that is kept and sent: made by the pipeline, stored, delivered.

`run_edition` is what the scheduler and `briefing generate --send` do: make the edition, keep it
in the store (so a crash after rendering does not make it twice), send it to each recipient who
has not had it, and mark it done once every recipient has an outcome. An edition not worth
sending (no stories, most feeds failed) is neither kept nor sent, and the day is not done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ..config import Config
from ..errors import DeliveryError
from ..fetch.http import Fetcher
from ..models import Delivery, StoredEdition
from ..pipeline import Progress, RunResult, generate
from ..render import render_email
from ..store import Store, open_store
from .outcomes import withheld_deliveries, withheld_reason
from .send import deliver_edition


@dataclass(frozen=True, slots=True)
class EditionResult:
    """A run that made and (if asked) sent the day's edition: the run, and each delivery."""

    run: RunResult
    deliveries: tuple[Delivery, ...] = ()


def run_edition(
    config: Config,
    *,
    as_of: datetime | None = None,
    send: bool = True,
    since_last_edition: bool = False,
    retry_failed: bool = True,
    output_dir: Path | None = None,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
) -> EditionResult:
    """Make the edition, keep it in the store, send it to whoever has not had it, mark it done."""
    result = generate(
        config,
        as_of=as_of,
        output_dir=output_dir,
        fetcher=fetcher,
        progress=progress,
        since_last_edition=since_last_edition,
    )
    edition = stored_edition(result, config.template_dir)
    email = config.email if send else None
    withheld = withheld_reason(result.briefing) if email is not None else ""
    with open_store(config.database) as store:
        if email is not None and withheld:  # not kept: a later, better run is the one sent
            return EditionResult(result, withheld_deliveries(store, email, edition.day, withheld))
        store.save_edition(edition, datetime.now(UTC))
        deliveries: tuple[Delivery, ...] = ()
        if send and config.email is not None:
            deliveries = send_edition(store, config, edition.day, retry_failed=retry_failed)
        else:
            store.mark_edition_done(edition.day, datetime.now(UTC))
    return EditionResult(result, deliveries)


def send_edition(
    store: Store, config: Config, day: date, *, retry_failed: bool = True, resend: bool = False
) -> tuple[Delivery, ...]:
    """Send a stored edition; it is done once every recipient has an outcome."""
    edition = store.edition(day)
    if edition is None or config.email is None:
        raise DeliveryError(f"no edition of {day} is stored, or no [email] is configured")
    deliveries = deliver_edition(
        store, config.email, edition, title=config.title, retry_failed=retry_failed, resend=resend
    )
    if all(d.status in ("sent", "uncertain", "failed") for d in deliveries):
        store.mark_edition_done(day, datetime.now(UTC))
    return deliveries


def stored_edition(result: RunResult, template_dir: Path | None = None) -> StoredEdition:
    """The rendered edition as the store keeps it: window, email body, where the PDF is."""
    briefing = result.briefing
    body = render_email(briefing, template_dir=template_dir)
    pdf = next((str(p) for p in result.outputs if p.suffix == ".pdf"), "")
    return StoredEdition(
        day=briefing.edition,
        window_start=briefing.window_start,
        window_end=briefing.window_end,
        subject=body.subject,
        html=body.html,
        text=body.text,
        pdf_path=pdf,
    )
