"""E-mail delivery against a real SMTP server on 127.0.0.1: STARTTLS, AUTH, scripted faults."""

from __future__ import annotations

import email
import io
from datetime import UTC, date, datetime
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from briefing.cli import main
from briefing.config import parse_config
from briefing.deliver import deliver_edition, delivery_error, message_id
from briefing.deliver.edition import run_edition, send_edition
from briefing.demo import AS_OF as DEMO_AS_OF
from briefing.demo import SITE, demo_config
from briefing.demo.server import serve
from briefing.errors import ConfigError
from briefing.models import StoredEdition
from briefing.store import open_store

from ..smtpsink import PASSWORD, USER, smtp_server

DAY = date(2026, 11, 23)
NO_WAIT: dict[str, Any] = {"delays": (0.01, 0.02, 0.04)}


def make_config(tmp: Path, port: int, ca_file: Path | None, **email_keys: Any) -> Any:
    table: dict[str, Any] = {
        "to": ["ann@example.org", "bob@example.org"],
        "from": "Briefing <briefing@example.org>",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "starttls",
        "username_env": "TEST_SMTP_USER",
        "password_env": "TEST_SMTP_PASSWORD",
        **({"ca_file": str(ca_file)} if ca_file else {}),
        "timeout": 5.0,
        **email_keys,
    }
    table = {k: v for k, v in table.items() if v is not None}
    data = {"title": "Morning", "database": str(tmp / "b.db"), "email": table}
    return parse_config(data, tmp / "feeds.toml")


def tiny_pdf(pages: int = 1, padding: int = 0) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_edition(tmp: Path, pdf: bytes | None = None, subject: str = "Morning · 3 stories") -> Any:
    path = tmp / "briefing-2026-11-23.pdf"
    path.write_bytes(pdf if pdf is not None else tiny_pdf())
    now = datetime(2026, 11, 23, 6, tzinfo=UTC)
    return StoredEdition(
        day=DAY,
        window_start=now,
        window_end=now,
        subject=subject,
        html="<html><body><h1>Morning</h1><p>Geneva talks.</p></body></html>",
        text="Morning\n\nGeneva talks.\n",
        pdf_path=str(path),
    )


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)


def send(config: Any, edition: Any, **options: Any) -> Any:
    with open_store(config.database) as store:
        return deliver_edition(store, config.email, edition, title=config.title, **options)


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=default_policy)


def test_message_over_starttls_and_auth_has_text_html_and_a_pdf_pypdf_opens(
    tmp_path: Path,
) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca)
        deliveries = send(config, make_edition(tmp_path, tiny_pdf(pages=2)), **NO_WAIT)
    assert [d.status for d in deliveries] == ["sent", "sent"]
    assert sink.auth_with_tls == [True, True] or sink.auth_with_tls == [True]
    msg = parse(sink.to("ann@example.org")[0])
    assert msg["To"] == "ann@example.org"
    assert msg["Message-ID"] == message_id(DAY, "ann@example.org", config.email.sender)
    body = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert body is not None and "Geneva talks." in body.get_content()
    assert html is not None and "<h1>Morning</h1>" in html.get_content()
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    assert len(PdfReader(io.BytesIO(pdfs[0].get_content())).pages) == 2


def test_second_run_sends_nothing(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca)
        edition = make_edition(tmp_path)
        send(config, edition, **NO_WAIT)
        again = send(config, edition, **NO_WAIT)
        again_with_failed = send(config, edition, retry_failed=True, **NO_WAIT)
    assert len(sink.messages) == 2
    assert [d.status for d in again] == ["sent", "sent"]
    assert [d.attempts for d in again_with_failed] == [1, 1]
    assert sink.connections == 1  # nothing pending: the reruns did not even connect


def test_server_dropping_after_data_is_uncertain_and_never_resent(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca, to=["ann@example.org"])
        sink.data_script = ["drop"]
        first = send(config, make_edition(tmp_path), **NO_WAIT)
        second = send(config, make_edition(tmp_path), retry_failed=True, **NO_WAIT)
    assert first[0].status == "uncertain"
    assert "before the reply" in first[0].detail
    assert second[0].status == "uncertain"
    assert len(sink.to("ann@example.org")) == 1
    assert delivery_error(second) is None  # reported as uncertain, not as a failure


@pytest.mark.parametrize("reply", ["451 4.3.0 try again later", "421 4.3.2 closing, busy"])
def test_temporary_replies_are_retried(tmp_path: Path, reply: str) -> None:
    slept: list[float] = []
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca, to=["ann@example.org"])
        sink.data_script = [reply, reply]
        deliveries = send(config, make_edition(tmp_path), sleep=slept.append, delays=(1, 2, 4))
    assert deliveries[0].status == "sent"
    assert deliveries[0].attempts == 3
    assert slept == [1, 2]  # backoff between attempts
    assert len(sink.to("ann@example.org")) == 1


def test_refused_connection_is_retried_then_reported_and_left_pending(tmp_path: Path) -> None:
    from ..smtpsink import free_port

    slept: list[float] = []
    config = make_config(tmp_path, free_port(), None)
    deliveries = send(config, make_edition(tmp_path), sleep=slept.append, delays=(1, 2, 4))
    assert [d.status for d in deliveries] == ["pending", "pending"]
    assert slept == [1, 2, 4]  # bounded: three waits, four attempts
    error = delivery_error(deliveries)
    assert error is not None and "gave up after 4 attempts" in str(error)


def test_bad_credentials_535_are_reported_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    slept: list[float] = []
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca)
        deliveries = send(config, make_edition(tmp_path), sleep=slept.append)
    assert [d.status for d in deliveries] == ["failed", "failed"]
    assert "refused the credentials (535" in deliveries[0].detail
    assert slept == [] and sink.messages == []
    assert "wrong" not in str(delivery_error(deliveries))  # the password is never shown


def test_refused_recipient_550_is_reported_and_the_other_is_sent(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca)
        sink.refuse = {"bob@example.org"}
        deliveries = send(config, make_edition(tmp_path), **NO_WAIT)
    status = {d.recipient: (d.status, d.detail) for d in deliveries}
    assert status["ann@example.org"][0] == "sent"
    assert status["bob@example.org"][0] == "failed"
    assert status["bob@example.org"][1].startswith("550")
    error = delivery_error(deliveries)
    assert error is not None and "bob@example.org: failed: 550" in str(error)


def test_no_starttls_offered_means_no_credentials_and_no_message(tmp_path: Path) -> None:
    with smtp_server(tmp_path, starttls=False) as (sink, port, ca):
        config = make_config(tmp_path, port, ca)
        deliveries = send(config, make_edition(tmp_path), **NO_WAIT)
    assert {d.status for d in deliveries} == {"failed"}
    assert "does not offer STARTTLS" in deliveries[0].detail
    assert sink.auth_with_tls == [] and sink.messages == []


def test_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, _ca):
        config = make_config(tmp_path, port, None)  # the system CAs do not know the test CA
        deliveries = send(config, make_edition(tmp_path), **NO_WAIT)
    assert {d.status for d in deliveries} == {"failed"}
    assert "certificate not trusted" in deliveries[0].detail
    assert sink.auth_with_tls == []


def test_pdf_larger_than_server_size_is_left_out_with_a_note(tmp_path: Path) -> None:
    with smtp_server(tmp_path, size=40_000) as (sink, port, ca):
        config = make_config(tmp_path, port, ca, to=["ann@example.org"])
        big = tiny_pdf(padding=60_000)
        deliveries = send(config, make_edition(tmp_path, big), **NO_WAIT)
    assert deliveries[0].status == "sent"
    msg = parse(sink.to("ann@example.org")[0])
    assert not [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    text = msg.get_body(("plain",))
    assert text is not None and "larger than the mail server accepts" in text.get_content()


def test_subject_template_collapses_newlines_and_encodes_non_ascii(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(
            tmp_path, port, ca, to=["ann@example.org"], subject="{title}: {subject}"
        )
        edition = make_edition(tmp_path, subject="Zürich\r\nBcc: evil@example.org  talks")
        send(config, edition, **NO_WAIT)
    raw = sink.to("ann@example.org")[0]
    msg = parse(raw)
    assert msg["Subject"] == "Morning: Zürich Bcc: evil@example.org talks"
    assert msg["Bcc"] is None
    header = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in header.lower() and "Zürich".encode() not in header


@pytest.mark.parametrize(
    ("keys", "complaint"),
    [
        ({"to": ["not-an-address"]}, "is not an e-mail address"),
        ({"to": ["a@example.org\r\nBcc: x@example.org"]}, "is not an e-mail address"),
        ({"to": []}, "names no recipient"),
        ({"security": "ssl"}, "unknown security"),
        ({"security": "none", "smtp_host": "mail.example.org"}, "only for a server on this"),
        ({"security": "none"}, "credentials are never sent without TLS"),
        ({"smtp_prot": 25}, "did you mean 'smtp_port'"),
    ],
)
def test_email_table_is_validated_at_load(tmp_path: Path, keys: dict, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        make_config(tmp_path, 25, None, **keys)


def test_the_real_edition_goes_out_with_its_pdf_then_send_finds_nothing_to_do(
    tmp_path: Path,
) -> None:
    with serve(SITE) as site, smtp_server(tmp_path) as (sink, port, ca):
        data = demo_config(site.base_url, tmp_path / "out", tmp_path / "b.db")
        data["email"] = {
            "to": ["ann@example.org"],
            "from": "briefing@example.org",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "ca_file": str(ca),
            "username_env": "TEST_SMTP_USER",
            "password_env": "TEST_SMTP_PASSWORD",
        }
        config = parse_config(data, tmp_path / "feeds.toml")
        result = run_edition(config, as_of=DEMO_AS_OF)
        with open_store(config.database) as store:
            again = send_edition(store, config, result.run.briefing.edition)
    assert [d.status for d in result.deliveries] == [d.status for d in again] == ["sent"]
    (raw,) = sink.to("ann@example.org")
    msg = parse(raw)
    text = msg.get_body(("plain",))
    assert text is not None and "Geneva" in text.get_content()
    (pdf,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    reader = PdfReader(io.BytesIO(pdf.get_content()))
    assert "Geneva" in "".join(page.extract_text() for page in reader.pages)


def test_send_command_reports_each_recipient_and_exits_5_on_a_refusal(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca)
        with open_store(config.database) as store:
            store.save_edition(make_edition(tmp_path), datetime.now(UTC))
        sink.refuse = {"bob@example.org"}
        path = tmp_path / "feeds.toml"
        path.write_text(
            f'database = "b.db"\n[email]\nto = ["ann@example.org", "bob@example.org"]\n'
            f'from = "briefing@example.org"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
            f'ca_file = "{ca}"\nusername_env = "TEST_SMTP_USER"\n'
            f'password_env = "TEST_SMTP_PASSWORD"\n'
        )
        result = CliRunner().invoke(main, ["send", "--date", "2026-11-23", "--config", str(path)])
        rerun = CliRunner().invoke(main, ["send", "--date", "2026-11-23", "--config", str(path)])
    assert result.exit_code == 5
    assert "ann@example.org: sent" in result.output
    assert "bob@example.org: failed: 550" in result.output
    assert rerun.exit_code == 5 and len(sink.to("ann@example.org")) == 1


def test_a_552_refusal_of_the_pdf_sends_the_message_without_it(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as (sink, port, ca):
        config = make_config(tmp_path, port, ca, to=["ann@example.org"])
        sink.data_script = ["552 5.3.4 message too big for this system"]
        deliveries = send(config, make_edition(tmp_path), **NO_WAIT)
    assert deliveries[0].status == "sent"
    (raw,) = sink.to("ann@example.org")
    msg = parse(raw)
    assert not list(msg.iter_attachments())
    text = msg.get_body(("plain",))
    assert text is not None and "refused the message with the PDF attached" in text.get_content()
