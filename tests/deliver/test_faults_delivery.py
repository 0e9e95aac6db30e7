"""Delivery faults through real boundaries: the CLI, the demo site and SMTP servers on 127.0.0.1.

An edition not worth sending is withheld and recorded for no one; a server that closes the
connection between messages costs no recipient their edition; one mailbox spelt twice gets one
copy; and each outcome has its own exit code.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result

from briefing.cli import main
from briefing.deliver import address_key, withheld_reason
from briefing.demo import AS_OF as DEMO_AS_OF
from briefing.demo import SITE, demo_config
from briefing.demo.server import serve
from briefing.errors import (
    AlreadyRunningError,
    ConfigError,
    DeliveryError,
    DeliveryUncertainError,
    EditionWithheldError,
    RenderError,
    StoreError,
)
from briefing.models import Briefing, RunStats, Section, Story
from briefing.store import open_store

from ..smtpsink import Sink, free_port, smtp_server
from ..store.test_crash import toml
from .test_deliver import make_edition

SENDER = "briefing@example.org"


def write_config(folder: Path, base_url: str, port: int, to: list[str], dead: int = 0) -> Path:
    """The demo feeds (the first `dead` of them at a port nobody answers), mailed without TLS."""
    data = demo_config(base_url, folder / "out", folder / "briefing.db")
    data["formats"] = ["html"]  # the PDF is tested elsewhere; here it would only cost time
    nobody = free_port()
    for n, feed in enumerate(data["feeds"][:dead]):  # type: ignore[index]
        feed["url"] = f"http://127.0.0.1:{nobody}/feed-{n}.xml"
    data["email"] = {
        "to": to,
        "from": SENDER,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "none",
        "timeout": 5.0,
    }
    path = folder / "feeds.toml"
    path.write_text(toml(data), encoding="utf-8")
    return path


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def generate_and_send(config: Path) -> Result:
    return cli("generate", "--send", "--as-of", DEMO_AS_OF.isoformat(), "--config", str(config))


def send(config: Path, day: str = "2026-11-23") -> Result:
    return cli("send", "--date", day, "--config", str(config))


def stored_deliveries(config: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(config.parent / "briefing.db") as db:
        return list(db.execute("SELECT recipient, status FROM deliveries ORDER BY recipient"))


def store_edition(config: Path) -> None:
    """Keep a rendered 2026-11-23 edition in the config's store, as `generate --send` would."""
    with open_store(config.parent / "briefing.db") as store:
        store.save_edition(make_edition(config.parent), datetime.now(UTC))


def no_traceback(result: Result) -> None:
    assert isinstance(result.exception, SystemExit | None), result.exc_info
    assert "Traceback" not in result.output


@dataclass
class ClosingSink(Sink):
    """A sink that closes the connection right after chosen replies, as a busy server may."""

    close_after_messages: set[int] = field(default_factory=set)  # after the Nth message's 250
    close_after_refusal: bool = False  # after a 550 to RCPT, before the client's RSET

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) in self.close_after_messages:
            self.close_after_messages.discard(len(self.messages))
            asyncio.get_running_loop().call_soon(server.transport.close)  # once replied
        return reply

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = await super().handle_RCPT(server, session, envelope, address, options)
        if reply.startswith("550") and self.close_after_refusal:
            self.close_after_refusal = False
            asyncio.get_running_loop().call_soon(server.transport.close)
        return reply


@contextmanager
def plain_smtp(sink: Sink) -> Iterator[int]:
    """Serve `sink` on 127.0.0.1 without TLS or AUTH; yield its port."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_offline_edition_is_withheld_then_the_good_one_is_sent_once(tmp_path: Path) -> None:
    with serve(SITE) as site, smtp_server(tmp_path, starttls=False) as (sink, port, _):
        offline = write_config(tmp_path, site.base_url, port, ["ann@example.org"], dead=5)
        withheld = generate_and_send(offline)
        stored_after_withheld = stored_deliveries(offline)
        online = write_config(tmp_path, site.base_url, port, ["ann@example.org"])
        sent = generate_and_send(online)
        again = cli("send", "--date", DEMO_AS_OF.date().isoformat(), "--config", str(online))
    assert withheld.exit_code == EditionWithheldError.exit_code, withheld.output
    assert "5 of 5 feeds failed" in withheld.output
    assert "ann@example.org: nothing to send" in withheld.output
    assert stored_after_withheld == []  # nobody is recorded as having the day's edition
    assert sent.exit_code == 0, sent.output
    assert "ann@example.org: sent 250" in sent.output
    assert again.exit_code == 0, again.output
    assert f"ann@example.org: already sent ({DEMO_AS_OF.date()})" in again.output
    assert ": sent" not in again.output  # nothing went out in that run
    (message,) = sink.to("ann@example.org")
    assert b"Geneva" in message and b"No stories" not in message


def test_edition_made_while_most_feeds_failed_is_withheld(tmp_path: Path) -> None:
    with serve(SITE) as site, smtp_server(tmp_path, starttls=False) as (sink, port, _):
        config = write_config(tmp_path, site.base_url, port, ["ann@example.org"], dead=3)
        result = generate_and_send(config)
    assert result.exit_code == EditionWithheldError.exit_code, result.output
    assert "3 of 5 feeds failed" in result.output
    assert sink.messages == [] and stored_deliveries(config) == []


def briefing_with(feeds: int, failed: int, stories: int) -> Briefing:
    now = datetime(2026, 11, 23, 6, tzinfo=UTC)
    story = Story(id="s", headline="Talks", topic="World", articles=())
    section = Section(title="World", stories=(story,) * stories)
    stats = RunStats(feeds=feeds, feeds_failed=failed, stories=stories)
    return Briefing("M", now.date(), now, now, now, "UTC", (section,), stats=stats)


@pytest.mark.parametrize(
    ("feeds", "failed", "stories", "withheld"),
    [(4, 2, 3, False), (5, 3, 3, True), (4, 0, 0, True), (1, 0, 1, False)],
)
def test_worth_sending_is_stories_and_at_least_half_the_feeds(
    feeds: int, failed: int, stories: int, withheld: bool
) -> None:
    assert bool(withheld_reason(briefing_with(feeds, failed, stories))) is withheld


def test_server_closing_between_messages_costs_no_recipient(tmp_path: Path) -> None:
    sink = ClosingSink(close_after_messages={1})
    to = ["ann@example.org", "bob@example.org", "cat@example.org"]
    with plain_smtp(sink) as port:
        config = write_config(tmp_path, "http://127.0.0.1:9", port, to)
        store_edition(config)
        result = send(config)
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert [len(sink.to(r)) for r in to] == [1, 1, 1]
    assert sink.connections == 2  # the rest went over a fresh connection, in the same run
    assert stored_deliveries(config) == [(r, "sent") for r in to]


def test_server_closing_after_a_refusal_before_rset_costs_no_one_else(tmp_path: Path) -> None:
    sink = ClosingSink(refuse={"bob@example.org"}, close_after_refusal=True)
    to = ["ann@example.org", "bob@example.org", "cat@example.org"]
    with plain_smtp(sink) as port:
        config = write_config(tmp_path, "http://127.0.0.1:9", port, to)
        store_edition(config)
        result = send(config)
    no_traceback(result)
    assert result.exit_code == DeliveryError.exit_code, result.output
    assert "bob@example.org: failed: 550" in result.output
    assert [len(sink.to(r)) for r in to] == [1, 0, 1]


def test_one_mailbox_spelt_in_two_cases_gets_one_copy(tmp_path: Path) -> None:
    to = ["a@example.org", "A@Example.org", "bob@EXAMPLE.org", "bob@example.org"]
    with smtp_server(tmp_path, starttls=False) as (sink, port, _):
        config = write_config(tmp_path, "http://127.0.0.1:9", port, to)
        store_edition(config)
        first = send(config)
        respelt = write_config(tmp_path, "http://127.0.0.1:9", port, ["A@EXAMPLE.ORG"])
        second = send(respelt)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert len(sink.messages) == 2
    assert sorted(r for _, rcpts, _ in sink.messages for r in rcpts) == [
        "a@example.org",  # the first spelling is the one used
        "bob@EXAMPLE.org",
    ]
    assert first.output.count(": sent 250") == 2
    assert "a@example.org: already sent (2026-11-23)" in second.output  # as it was sent
    assert ": sent" not in second.output


def test_address_key_folds_case() -> None:
    assert address_key("Ann@Example.ORG") == address_key("ann@example.org")
    assert address_key(" ann@example.org ") == address_key("ann@example.org")
    assert address_key("ann@example.org") != address_key("bob@example.org")


def test_uncertain_delivery_exits_with_its_own_code(tmp_path: Path) -> None:
    with smtp_server(tmp_path, starttls=False) as (sink, port, _):
        config = write_config(tmp_path, "http://127.0.0.1:9", port, ["ann@example.org"])
        store_edition(config)
        sink.data_script = ["drop"]
        first = send(config)
        rerun = send(config)
    assert first.exit_code == DeliveryUncertainError.exit_code, first.output
    assert "ann@example.org: uncertain" in first.output
    assert rerun.exit_code == DeliveryUncertainError.exit_code  # still unknown: still said
    assert len(sink.to("ann@example.org")) == 1


def test_every_outcome_has_its_own_exit_code() -> None:
    codes = [
        0,  # all sent, or already sent
        ConfigError.exit_code,
        StoreError.exit_code,
        RenderError.exit_code,
        DeliveryError.exit_code,  # failed or pending
        AlreadyRunningError.exit_code,
        DeliveryUncertainError.exit_code,
        EditionWithheldError.exit_code,
    ]
    assert len(set(codes)) == len(codes)
    assert issubclass(DeliveryUncertainError, DeliveryError)
    assert issubclass(EditionWithheldError, DeliveryError)
