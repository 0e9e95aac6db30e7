"""Hostile bodies, network failures and per-feed networks, through real servers on 127.0.0.1.

Compression bombs are fetched in a child process under a 1 GiB address-space limit: each must end
as a FetchError at the size cap, never as a MemoryError. Every network failure we can produce on
loopback must say what happened. A feed's own `allow_networks` opens those networks to that feed
and its articles, and to no other feed.
"""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import brotli
import pytest
import trustme

from briefing.config import parse_config
from briefing.errors import ConfigError, FetchError
from briefing.fetch.decoding import ACCEPT_ENCODING
from briefing.fetch.http import Fetcher, FetchPolicy
from briefing.pipeline import collect, generate

from ..bombs import GIB, brotli_bomb, deflate_bomb, double_gzip_bomb, gzip_bomb
from ..fault_server import FaultHandler, fault_server, fixed, rss, silence

ROOT = Path(__file__).resolve().parents[2]
ALLOW = ("127.0.0.1/32",)
CAP = 15 * 1024 * 1024
ADDRESS_SPACE = GIB  # the child's RLIMIT_AS: one bomb unpacked in memory would not fit

BOMBS = {
    "/gzip": (gzip_bomb(), "gzip"),
    "/gzip-gzip": (double_gzip_bomb(), "gzip, gzip"),
    "/gzip-gzip-8g": (double_gzip_bomb(8 * GIB), "gzip, gzip"),
    "/deflate": (deflate_bomb(), "deflate"),
    "/br": (brotli_bomb(), "br"),
}

# Fetches each URL in a fresh interpreter whose address space is capped before the first request.
CHILD = """
import json, resource, sys
from briefing.errors import FetchError
from briefing.fetch.http import Fetcher, FetchPolicy
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcomes = {}
with Fetcher(policy=FetchPolicy(allow_networks=("127.0.0.1/32",), host_delay=0.0)) as client:
    for url in sys.argv[2:]:
        try:
            outcomes[url] = "ok %d" % len(client.get(url, robots=False).body)
        except FetchError as exc:
            outcomes[url] = exc.reason
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcomes": outcomes, "growth_mib": (peak_kib - before_kib) / 1024}))
"""


def encoded(body: bytes, encoding: str) -> object:
    return fixed(200, body, {"Content-Encoding": encoding, "Content-Type": "application/xml"})


@pytest.fixture
def guarded() -> Iterator[Fetcher]:
    with Fetcher(policy=FetchPolicy(allow_networks=ALLOW, host_delay=0.0, retries=0)) as client:
        yield client


def test_bombs_stop_at_the_cap_under_a_memory_limit() -> None:
    behaviours = {path: encoded(body, enc) for path, (body, enc) in BOMBS.items()}
    with fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        urls = [f"{server.base_url}{path}" for path in BOMBS]
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(ADDRESS_SPACE), *urls],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "MemoryError" not in child.stderr
    report = json.loads(child.stdout)
    for url in urls:
        assert report["outcomes"][url] == f"body larger than {CAP} bytes once decompressed", url
    # What the fetches added to the interpreter: the cap and a few steps, not the bombs.
    assert report["growth_mib"] < 200, report


def test_legitimate_encodings_decode_whole(guarded: Fetcher) -> None:
    feed = rss("http://127.0.0.1", [f"http://127.0.0.1/{i}" for i in range(200)])
    zlib_wrapped = zlib.compress(feed)
    raw_deflate = zlib_wrapped[2:-4]
    behaviours = {
        "/gzip": encoded(gzip.compress(feed), "gzip"),
        "/gzip-gzip": encoded(gzip.compress(gzip.compress(feed)), "gzip, gzip"),
        "/x-gzip": encoded(gzip.compress(feed), "x-gzip"),
        "/two-members": encoded(gzip.compress(feed[:900]) + gzip.compress(feed[900:]), "gzip"),
        "/deflate": encoded(zlib_wrapped, "deflate"),
        "/raw-deflate": encoded(raw_deflate, "Deflate"),
        "/br": encoded(brotli.compress(feed), "br"),
        "/br-gzip": encoded(gzip.compress(brotli.compress(feed)), "br, gzip"),
        "/identity": encoded(feed, "identity"),
        "/plain": fixed(200, feed),
    }
    with fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        for path in behaviours:
            assert guarded.get(f"{server.base_url}{path}").body == feed, path


def test_a_body_just_over_the_cap_is_refused_and_one_at_it_kept(guarded: Fetcher) -> None:
    body = bytes(100_000)
    behaviours = {"/gzip-gzip": encoded(gzip.compress(gzip.compress(body)), "gzip, gzip")}
    with fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        url = f"{server.base_url}/gzip-gzip"
        assert guarded.get(url, max_bytes=100_000).body == body
        with pytest.raises(FetchError, match="body larger than 99999 bytes once decompressed"):
            guarded.get(url, max_bytes=99_999)


def test_encodings_we_cannot_bound_are_refused_by_name(guarded: Fetcher) -> None:
    body = gzip.compress(b"<rss/>")
    behaviours = {
        "/zstd": encoded(b"\x28\xb5\x2f\xfd", "zstd"),
        "/compress": encoded(b"\x1f\x9d", "compress"),
        "/stacked": encoded(
            gzip.compress(gzip.compress(gzip.compress(body))), "gzip, " * 3 + "gzip"
        ),
        "/broken": encoded(b"this is not gzip", "gzip"),
    }
    expected = {
        "/zstd": "content encoding 'zstd' cannot be decoded safely",
        "/compress": "content encoding 'compress' cannot be decoded safely",
        "/stacked": "4 stacked content encodings (at most 3)",
        "/broken": "body could not be decompressed",
    }
    with fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        for path, reason in expected.items():
            with pytest.raises(FetchError, match=reason.replace("(", r"\(").replace(")", r"\)")):
                guarded.get(f"{server.base_url}{path}")


def test_we_ask_only_for_encodings_we_decode_with_a_cap(guarded: Fetcher) -> None:
    asked: list[str] = []

    def record(handler: FaultHandler) -> None:
        asked.append(handler.headers.get("Accept-Encoding", ""))
        handler.answer(200, b"ok")

    with fault_server("127.0.0.1", {"/": record}) as server:
        guarded.get(f"{server.base_url}/")
    assert asked == [ACCEPT_ENCODING] == ["gzip, deflate, br"]


def test_robots_txt_bomb_is_cut_at_its_own_cap() -> None:
    """robots.txt goes through the same decoding: a bomb there is no rules, not a crash."""
    page = fixed(200, b"<html><p>page</p></html>", {"Content-Type": "text/html"})
    behaviours = {"/robots.txt": encoded(double_gzip_bomb(), "gzip, gzip"), "/page": page}
    policy = FetchPolicy(allow_networks=ALLOW, host_delay=0.0)
    with Fetcher(policy=policy) as client, fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        assert client.get(f"{server.base_url}/page").body.startswith(b"<html>")
    assert server.requests["/robots.txt"] == 1


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reset(handler: FaultHandler) -> None:
    """Close the connection with a TCP reset instead of an answer."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def hang_up(handler: FaultHandler) -> None:
    """Read the request, then close the connection without a word."""
    handler.close_connection = True


def half_body(handler: FaultHandler) -> None:
    """Promise 1,000 bytes, send 10, hang up."""
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    handler.wfile.write(b"<rss>half ")
    handler.close_connection = True


def test_network_failures_say_what_happened(guarded: Fetcher) -> None:
    behaviours = {"/reset": reset, "/hang-up": hang_up, "/half": half_body, "/silence": silence}
    with fault_server("127.0.0.1", behaviours) as server:  # type: ignore[arg-type]
        base = server.base_url
        cases = {
            f"http://127.0.0.1:{closed_port()}/feed": "connection refused",
            f"{base}/reset": "connection reset by the server",
            f"{base}/hang-up": "connection closed by the server before it answered",
            f"{base}/half": "connection closed by the server before the body was complete",
            f"{base}/silence": "timed out waiting for the server",
            f"https://127.0.0.1:{server.server_address[1]}/x": "TLS handshake failed",
        }
        reasons = {}
        for url in cases:
            with pytest.raises(FetchError) as caught:
                guarded.get(url, timeout=1.0)
            reasons[url] = caught.value.reason
    for url, reason in cases.items():
        assert reasons[url].startswith(reason), (url, reasons[url])
    assert len({r.split(" (")[0] for r in reasons.values()}) == len(cases)  # all distinct


def test_an_untrusted_certificate_is_named_and_not_retried() -> None:
    ca = trustme.CA()
    policy = FetchPolicy(allow_networks=ALLOW, host_delay=0.0)  # retries on: must not be used
    with Fetcher(policy=policy) as client, fault_server("127.0.0.1", {"/": fixed(200)}) as server:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        with pytest.raises(FetchError, match="connection refused"):  # the client is made
            client.get(f"http://127.0.0.1:{closed_port()}/", retries=0)
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            client.get(f"https://127.0.0.1:{server.server_address[1]}/", timeout=3)
        elapsed = time.monotonic() - started
    assert caught.value.reason.startswith("TLS certificate could not be verified (")
    assert "issuer certificate" in caught.value.reason  # OpenSSL's own words: an unknown CA
    assert not caught.value.transient and elapsed < 0.4  # asked once: no 0.5 s backoff


def test_an_invalid_name_is_not_found_without_asking_the_network(
    guarded: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_lookups(*args: object, **kwargs: object) -> object:
        raise AssertionError("a .invalid name was looked up")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookups)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        guarded.get("http://feeds.example.invalid/rss.xml", timeout=5, retries=2)
    assert caught.value.reason == "name not found: feeds.example.invalid"
    assert not caught.value.transient and time.monotonic() - started < 0.5


def test_a_run_with_every_feed_failed_asks_whether_the_machine_is_offline(
    tmp_path: Path,
) -> None:
    data = {
        "database": str(tmp_path / "b.db"),
        "fetch": {"host_delay": 0.0, "retries": 0},
        "feeds": [
            {"name": "A", "url": "http://a.example.invalid/feed"},
            {"name": "B", "url": f"http://127.0.0.1:{closed_port()}/feed"},
        ],
        "formats": ["html"],
        "output_dir": str(tmp_path / "out"),
    }
    result = generate(parse_config(data, tmp_path / "feeds.toml"))
    line = result.summary_line()
    assert "2 feeds (2 failed" in line and line.endswith(
        "every feed failed: is this machine offline?"
    )


def test_a_feeds_own_networks_are_open_to_it_and_its_articles_only(tmp_path: Path) -> None:
    """Feed "Own" may reach 127.0.0.0/8: its feed and its page on 127.0.0.2 are read. Feed
    "Near" may reach 127.0.0.1 only: its feed is read, its link to 127.0.0.2 is refused. Feed
    "Other" may reach nothing private: it is refused before a byte is sent."""
    story = b"<html><body><article><p>" + b"A sentence of the story. " * 60 + b"</p></article>"
    page = fixed(200, story + b"</body></html>", {"Content-Type": "text/html"})
    now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")

    def dated(feed: bytes) -> object:
        body = feed.replace(b"</guid>", f"</guid><pubDate>{now}</pubDate>".encode())
        return fixed(200, body, {"Content-Type": "application/rss+xml"})

    with (
        fault_server("127.0.0.2", {"/own-story": page, "/near-story": page}) as far,
        fault_server("127.0.0.1", {}) as server,
    ):
        server.behaviours.update(
            {
                "/own": dated(rss(f"{server.base_url}/own", [f"{far.base_url}/own-story"])),
                "/near": dated(rss(f"{server.base_url}/near", [f"{far.base_url}/near-story"])),
                "/other": dated(rss(server.base_url, [f"{server.base_url}/x"])),
            }
        )
        data = {
            "database": str(tmp_path / "b.db"),
            "fetch": {"host_delay": 0.0, "retries": 0},
            "defaults": {"allow_networks": ["127.0.0.1/32"]},
            "feeds": [
                {"name": "Own", "url": f"{server.base_url}/own", "allow_networks": ["127.0.0.0/8"]},
                {"name": "Near", "url": f"{server.base_url}/near"},
                {"name": "Other", "url": f"{server.base_url}/other", "allow_networks": []},
            ],
        }
        config = parse_config(data, tmp_path / "feeds.toml")
        outcome = collect(config)
    by_name = {f.name: f.allow_networks for f in config.feeds}
    assert by_name == {"Own": ("127.0.0.0/8",), "Near": ("127.0.0.1/32",), "Other": ()}
    assert outcome.feeds == 3 and outcome.feeds_failed == 1
    assert server.requests["/other"] == 0  # refused at connect time
    assert far.requests["/own-story"] == 1 and far.requests["/near-story"] == 0
    assert outcome.articles_new == 1


def test_a_connection_kept_for_one_feed_is_never_lent_to_another() -> None:
    """The guard checks at connect time; a kept-alive connection opened for an allowed request
    must not carry a later request that is not allowed there."""
    policy = FetchPolicy(host_delay=0.0, retries=0, respect_robots=False)
    with (
        Fetcher(policy=policy) as client,
        fault_server("127.0.0.1", {"/": fixed(200, b"ok")}) as server,
    ):
        assert client.get(f"{server.base_url}/", allow=("127.0.0.0/8",)).body == b"ok"
        with pytest.raises(FetchError, match="refused to connect to 127.0.0.1.*not a public"):
            client.get(f"{server.base_url}/")
        assert client.get(f"{server.base_url}/", allow=("127.0.0.1/32",)).body == b"ok"
    assert server.requests["/"] == 2


def test_a_feeds_allow_networks_is_checked_when_the_config_is_read(tmp_path: Path) -> None:
    for where in ("defaults", "feed"):
        data: dict[str, object] = {"feeds": [{"url": "http://10.1.2.3/feed"}]}
        if where == "defaults":
            data["defaults"] = {"allow_networks": ["10.1.0.0/16", "intranet"]}
        else:
            data["feeds"] = [{"url": "http://10.1.2.3/feed", "allow_networks": ["intranet"]}]
        with pytest.raises(ConfigError, match="'intranet' in 'allow_networks' is not a network"):
            parse_config(data, tmp_path / "feeds.toml")
