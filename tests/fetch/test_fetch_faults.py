"""The fetch and feed stages against a misbehaving server on 127.0.0.1 and a canary on 127.0.0.2.

Only 127.0.0.1/32 is allowed, as a user running a feed on their own machine would write it; the
canary must see no request at all, whatever the feeds and redirects point at.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from briefing.errors import FetchError
from briefing.fetch.feeds import fetch_feed, fetch_feeds, waiting_results
from briefing.fetch.http import Fetcher, FetchPolicy
from briefing.models import FeedSource
from briefing.store import open_store

from ..fault_server import (
    FaultHandler,
    FaultServer,
    bomb,
    drip,
    endless,
    fail_then,
    fault_server,
    fixed,
    redirect_to,
    rss,
    silence,
    with_validators,
)

ALLOW = ("127.0.0.1/32",)


def blowup_feed(value_bytes: int = 20_000, references: int = 2_000) -> bytes:
    """The quadratic-blowup feed: one long entity referenced many times (40 MB if expanded)."""
    entity = "A" * value_bytes
    refs = "&a;" * references
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{entity}">]>'
        f'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        f"<link>http://127.0.0.1/a</link><description>{refs}</description></item>"
        f"</channel></rss>"
    ).encode()


@pytest.fixture
def canary() -> Iterator[FaultServer]:
    with fault_server("127.0.0.2", {"/secret": fixed(200, b"secret")}) as server:
        yield server


@pytest.fixture
def guarded() -> Iterator[Fetcher]:
    with Fetcher(policy=FetchPolicy(allow_networks=ALLOW, host_delay=0.0)) as client:
        yield client


def faults(canary: FaultServer) -> dict[str, object]:
    secret = f"{canary.base_url}/secret"
    return {
        "/drip": drip,
        "/silence": silence,
        "/endless": endless,
        "/bomb": bomb,
        "/loop": redirect_to("/loop"),
        "/to-canary": redirect_to(secret),
        "/429": fixed(429, b"slow down", {"Retry-After": "3600"}),
        "/html": fixed(200, b"<html><body><p>Not a feed</p></body></html>", {}),
        "/blowup": fixed(200, blowup_feed(), {"Content-Type": "application/rss+xml"}),
        "/surrogate": fixed(
            200,
            rss("http://127.0.0.1", ["http://127.0.0.1/a"]).replace(
                b"Story 0", b"Story &#xD800; 0"
            ),
            {"Content-Type": "application/rss+xml"},
        ),
    }


def test_every_fault_gives_its_status_and_the_run_goes_on(
    canary: FaultServer, guarded: Fetcher
) -> None:
    expected = {
        "/drip": "timed out",
        "/silence": "timed out",
        "/endless": "body larger than 1000000 bytes",
        "/bomb": "body larger than 1000000 bytes",
        "/loop": "more than 5 redirects",
        "/to-canary": "refused to connect to 127.0.0.2",
        "/429": "HTTP 429 (the site asked us to wait until",
        "/html": "not a feed",
        "/blowup": "feed rejected: entity 'a' holds 20000 bytes",
    }
    behaviours = {**faults(canary), "/500-then-200": None, "/good": None}
    with fault_server("127.0.0.1", {}) as server:
        good = rss(server.base_url, [f"{server.base_url}/a", f"{server.base_url}/b"])
        behaviours["/500-then-200"] = fail_then(500, fixed(200, good))
        behaviours["/good"] = fixed(200, good, {"Content-Type": "application/rss+xml"})
        server.behaviours.update(behaviours)  # type: ignore[arg-type]
        sources = [
            FeedSource(path, f"{server.base_url}{path}", "W", timeout=1.5, max_bytes=1_000_000)
            for path in behaviours
        ]
        started = time.monotonic()
        results = fetch_feeds(sources, guarded, lambda url: (None, None), workers=12)
        elapsed = time.monotonic() - started
    by_path = {r.source.name: r for r in results}
    for path, message in expected.items():
        assert by_path[path].error and message in by_path[path].error, (path, by_path[path])
    assert by_path["/good"].ok and len(by_path["/good"].entries) == 2
    assert by_path["/500-then-200"].ok and server.requests["/500-then-200"] == 2
    assert by_path["/surrogate"].ok and "\ufffd" in by_path["/surrogate"].entries[0].title
    assert server.requests["/429"] == 1  # an hour's wait is honoured between runs, not slept
    assert by_path["/429"].next_fetch and by_path["/429"].next_fetch > datetime.now(UTC)
    assert server.requests["/loop"] == 6  # the first request and five redirects
    assert sum(canary.requests.values()) == 0
    assert elapsed < 8  # every fault bounded by its deadline, all in parallel


def test_slow_drip_and_silence_stop_at_the_total_deadline(guarded: Fetcher) -> None:
    with fault_server("127.0.0.1", {"/drip": drip, "/silence": silence}) as server:
        for path in ("/drip", "/silence"):
            started = time.monotonic()
            with pytest.raises(FetchError, match="timed out"):
                guarded.get(f"{server.base_url}{path}", timeout=1.0)
            assert time.monotonic() - started < 1.5, path


def test_redirect_to_another_loopback_address_never_reaches_it(
    canary: FaultServer, guarded: Fetcher
) -> None:
    port = canary.server_address[1]
    spellings = [
        f"http://127.0.0.2:{port}/secret",
        f"http://2130706434:{port}/secret",  # 127.0.0.2 as one decimal number
        f"http://127.2:{port}/secret",
        f"http://[::ffff:127.0.0.2]:{port}/secret",
        f"http://0x7f000002:{port}/secret",
    ]
    behaviours = {f"/r{i}": redirect_to(url) for i, url in enumerate(spellings)}
    with fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        for path in behaviours:
            with pytest.raises(FetchError) as info:
                guarded.get(f"{server.base_url}{path}", timeout=3)
            assert not info.value.transient
        for url in spellings:
            with pytest.raises(FetchError):
                guarded.get(url, timeout=3)
    assert sum(canary.requests.values()) == 0


def test_a_name_resolving_to_a_refused_address_is_never_connected(
    canary: FaultServer, guarded: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: whatever the name said before, the address connected to is checked."""
    real = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host == "news.example":
            return real("127.0.0.2", *args, **kwargs)  # type: ignore[arg-type]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(FetchError, match="refused to connect to news.example"):
        guarded.get(f"http://news.example:{canary.server_address[1]}/secret", timeout=3)
    assert sum(canary.requests.values()) == 0


def test_feed_whose_links_point_at_private_addresses(canary: FaultServer, guarded: Fetcher) -> None:
    port = canary.server_address[1]
    links = [
        f"http://127.0.0.2:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]/x",
        "http://0.0.0.0/x",
        "http://100.64.0.1/x",
    ]
    with fault_server("127.0.0.1", {}) as server:
        server.behaviours["/feed"] = fixed(200, rss(server.base_url, links))
        result = fetch_feed(FeedSource("F", f"{server.base_url}/feed", "W"), guarded)
        assert result.ok and len(result.entries) == len(links)
        for entry in result.entries:  # the article stage's downloads go through the same guard
            with pytest.raises(FetchError, match="refused to connect"):
                guarded.get(entry.url, timeout=2)
    assert sum(canary.requests.values()) == 0


def test_quadratic_blowup_is_refused_in_bounded_memory() -> None:
    feed = blowup_feed(value_bytes=1000, references=13_000)  # small entity, 13 MB if expanded
    with fault_server("127.0.0.1", {}) as server:
        server.behaviours["/a"] = fixed(200, blowup_feed())
        server.behaviours["/b"] = fixed(200, feed)
        with Fetcher(policy=FetchPolicy(allow_networks=ALLOW, respect_robots=False)) as client:
            tracemalloc.start()
            try:
                first = fetch_feed(FeedSource("A", f"{server.base_url}/a", "W"), client)
                second = fetch_feed(FeedSource("B", f"{server.base_url}/b", "W"), client)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    assert first.error and "feed rejected" in first.error
    assert second.error and "would expand the feed" in second.error
    assert peak < 20 * 1024 * 1024  # refused from a byte scan: nothing is expanded


def test_304_and_retry_after_are_honoured_between_runs(tmp_path: Path, guarded: Fetcher) -> None:
    with fault_server("127.0.0.1", {}) as server, open_store(tmp_path / "b.db") as store:
        feed = rss(server.base_url, [f"{server.base_url}/a"])
        server.behaviours.update(
            {
                "/etag": with_validators(feed),
                "/429": fixed(429, b"", {"Retry-After": "600"}),
                "/cached": fixed(200, feed, {"Cache-Control": "max-age=900"}),
            }
        )
        sources = [
            FeedSource(p, f"{server.base_url}{p}", "W") for p in ("/etag", "/429", "/cached")
        ]
        first = fetch_feeds(sources, guarded, store.validators)
        store.save_feed_results(first, datetime.now(UTC))
        store.save_feed_schedule(first)
        due, waiting = waiting_results(sources, store.feed_states(), datetime.now(UTC))
        second = fetch_feeds(due, guarded, store.validators)
        later = waiting_results(
            sources, store.feed_states(), datetime.now(UTC) + timedelta(hours=1)
        )
    assert [s.name for s in due] == ["/etag"]
    assert second[0].not_modified and second[0].http_status == 304
    assert waiting[f"{server.base_url}/cached"].not_modified
    still_failing = waiting[f"{server.base_url}/429"]
    assert still_failing.error and "HTTP 429" in still_failing.error  # reported, not forgotten
    assert "failed runs in a row: 1" in still_failing.error
    assert server.requests["/429"] == 1 and server.requests["/cached"] == 1
    assert len(later[0]) == 3  # an hour on, every feed is due again


def test_tls_certificate_is_verified(tmp_path: Path, guarded: Fetcher) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    with fault_server("127.0.0.1", {"/": fixed(200, b"hello")}) as server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        with pytest.raises(FetchError, match="TLS certificate could not be verified"):
            guarded.get(f"https://127.0.0.1:{server.server_address[1]}/", timeout=3)


def test_a_run_reads_feeds_and_articles_through_the_guard(
    canary: FaultServer, tmp_path: Path
) -> None:
    """The pipeline builds its fetcher from [fetch]: a private link is refused, the canary is
    never asked, the allowed server's article is read, and a second run asks with validators."""
    from briefing.config import parse_config
    from briefing.pipeline import collect

    port = canary.server_address[1]
    page = b"<html><body><article>" + b"<p>" + b"A sentence of the story. " * 60 + b"</p>"
    with fault_server("127.0.0.1", {}) as server:
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        links = [f"{server.base_url}/story", f"http://127.0.0.2:{port}/secret"]
        feed = rss(server.base_url, links).replace(
            b"</guid>", f"</guid><pubDate>{now}</pubDate>".encode()
        )
        server.behaviours.update(
            {
                "/feed": with_validators(feed),
                "/story": fixed(
                    200, page + b"</article></body></html>", {"Content-Type": "text/html"}
                ),
            }
        )
        data = {
            "database": str(tmp_path / "b.db"),
            "fetch": {"allow_networks": list(ALLOW), "host_delay": 0.0},
            "feeds": [{"name": "Local", "url": f"{server.base_url}/feed"}],
        }
        config = parse_config(data, tmp_path / "feeds.toml")
        first = collect(config)
        second = collect(config)
    assert first.feeds == 1 and first.feeds_failed == 0 and first.articles_new == 1
    assert first.articles_failed == 1  # the private link: refused, and the feed has no text
    assert second.feeds_unchanged == 1 and second.articles_new == 0
    assert server.requests["/story"] == 1 and server.requests["/feed"] == 2
    assert sum(canary.requests.values()) == 0


def test_a_short_retry_after_is_waited_for_within_the_request(guarded: Fetcher) -> None:
    def busy_once(handler: FaultHandler) -> None:
        if handler.server.requests["/busy"] == 1:
            handler.answer(503, b"busy", {"Retry-After": "1"})
        else:
            handler.answer(200, b"ok")

    with fault_server("127.0.0.1", {"/busy": busy_once}) as server:
        started = time.monotonic()
        response = guarded.get(f"{server.base_url}/busy", timeout=5, robots=False)
        waited = time.monotonic() - started
    assert response.body == b"ok" and server.requests["/busy"] == 2
    assert waited >= 0.9  # the second the site asked for (its date has whole seconds)


@contextmanager
def tls_server(ca: trustme.CA, behaviours: dict[str, object]) -> Iterator[FaultServer]:
    """A fault server on 127.0.0.1 speaking TLS with a certificate from `ca`."""
    with fault_server("127.0.0.1", behaviours) as server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        yield server


def test_a_private_ca_is_trusted_and_https_never_drops_to_http(tmp_path: Path) -> None:
    """With [fetch] ca_file, a server of that CA is read; its redirect to plain http is not
    followed, and the plain server it points to is never asked."""
    from briefing.config import load_config
    from briefing.fetch.http import policy_for

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with fault_server("127.0.0.1", {"/plain": fixed(200, b"over plain http")}) as plain:
        behaviours = {"/": fixed(200, b"hello"), "/down": redirect_to(f"{plain.base_url}/plain")}
        with tls_server(ca, behaviours) as server:
            base = f"https://127.0.0.1:{server.server_address[1]}"
            (tmp_path / "feeds.toml").write_text(
                '[fetch]\nallow_networks = ["127.0.0.1/32"]\nca_file = "ca.pem"\n'
                f'[[feeds]]\nname = "A"\nurl = "{base}/"\n',
                encoding="utf-8",
            )
            config = load_config(tmp_path / "feeds.toml")
            with Fetcher(policy=policy_for(config.fetch)) as trusting:
                assert trusting.get(f"{base}/", timeout=3).body == b"hello"
                with pytest.raises(FetchError, match="from https to plain http"):
                    trusting.get(f"{base}/down", timeout=3, retries=0)
    assert plain.requests["/plain"] == 0


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_a_bad_ca_file_is_a_config_error(tmp_path: Path, content: str | None) -> None:
    from briefing.config import load_config
    from briefing.errors import ConfigError

    if content is not None:
        (tmp_path / "ca.pem").write_text(content, encoding="utf-8")
    (tmp_path / "feeds.toml").write_text(
        '[fetch]\nca_file = "ca.pem"\n[[feeds]]\nname = "A"\nurl = "https://example.org/f"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="ca_file") as raised:
        load_config(tmp_path / "feeds.toml")
    assert "fetch.ca_file" in str(raised.value) and "feeds.toml" in str(raised.value)


def test_a_hung_name_lookup_is_cut_at_the_deadline(
    guarded: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name server that never answers costs the download its deadline, not more."""
    real = socket.getaddrinfo
    answered = threading.Event()

    def hung(host: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if host == "slow.example":
            answered.wait(10)  # released when the test ends
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    with fault_server("127.0.0.1", {"/": fixed(200, b"hello")}) as server:
        port = server.server_address[1]
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out"):
            guarded.get(f"http://slow.example:{port}/", timeout=0.5, retries=0, robots=False)
        assert time.monotonic() - started < 2.0
        answered.set()
        # The same lookup machinery still answers names that resolve.
        assert guarded.get(f"http://localhost:{port}/", timeout=3).body == b"hello"
