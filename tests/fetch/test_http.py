"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefing import __version__
from briefing.demo.server import Canned, serve
from briefing.errors import FetchError
from briefing.fetch.guard import AddressGuard
from briefing.fetch.http import RETRIES, RETRY_PAUSE, USER_AGENT, Fetcher, FetchPolicy, user_agent
from briefing.fetch.politeness import cache_until, retry_after, ttl_until


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "page.html").write_text("<html><body>hello __BASE__</body></html>")
    return tmp_path


def test_get_returns_body_validators_and_replaced_base(site: Path, fetcher: Fetcher) -> None:
    with serve(site) as server:
        response = fetcher.get(f"{server.base_url}/page.html")
    assert response.status == 200
    assert response.text() == f"<html><body>hello {server.base_url}</body></html>"
    assert response.etag and response.last_modified


def test_conditional_get_gives_304_without_body(site: Path, fetcher: Fetcher) -> None:
    with serve(site) as server:
        first = fetcher.get(f"{server.base_url}/page.html")
        second = fetcher.get(f"{server.base_url}/page.html", etag=first.etag)
        third = fetcher.get(f"{server.base_url}/page.html", last_modified=first.last_modified)
    assert (second.status, second.body) == (304, b"")
    assert third.not_modified


def test_http_error_is_a_fetch_error_with_the_url(site: Path, fetcher: Fetcher) -> None:
    with serve(site) as server, pytest.raises(FetchError) as info:
        fetcher.get(f"{server.base_url}/missing.html")
    assert info.value.status == 404
    assert info.value.url.endswith("/missing.html")
    assert server.requests["/missing.html"] == 1  # a 404 is not retried


def test_server_error_is_retried_with_bounded_backoff(site: Path, fetcher: Fetcher) -> None:
    canned = {"/flaky": Canned(503, b"busy")}
    started = time.monotonic()
    with serve(site, canned) as server, pytest.raises(FetchError, match="HTTP 503"):
        fetcher.get(f"{server.base_url}/flaky")
    assert server.requests["/flaky"] == 1 + RETRIES
    assert time.monotonic() - started >= RETRY_PAUSE * 3  # backoff 0.5 s, then 1 s


def test_body_over_the_cap_is_refused(site: Path, fetcher: Fetcher) -> None:
    (site / "big.html").write_bytes(b"x" * 50_000)
    with serve(site) as server, pytest.raises(FetchError, match="larger than 10000 bytes"):
        fetcher.get(f"{server.base_url}/big.html", max_bytes=10_000)


def test_cap_counts_decompressed_bytes(site: Path, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)  # about 2 KB on the wire
    canned = {"/bomb": Canned(200, bomb, (("Content-Encoding", "gzip"),))}
    with serve(site, canned) as server, pytest.raises(FetchError, match="larger than"):
        fetcher.get(f"{server.base_url}/bomb", max_bytes=100_000)


def test_redirects_are_followed_and_capped(site: Path, fetcher: Fetcher) -> None:
    canned = {f"/hop{i}": Canned(302, b"", (("Location", f"/hop{i + 1}"),)) for i in range(9)}
    canned["/hop9"] = Canned(302, b"", (("Location", "/page.html"),))
    canned["/to-file"] = Canned(302, b"", (("Location", "file:///etc/passwd"),))
    with serve(site, canned) as server:
        ok = fetcher.get(f"{server.base_url}/hop6")
        with pytest.raises(FetchError, match="more than 5 redirects"):
            fetcher.get(f"{server.base_url}/hop0")
        with pytest.raises(FetchError, match="only http and https"):
            fetcher.get(f"{server.base_url}/to-file")
    assert ok.url.endswith("/page.html")


def test_non_http_urls_are_refused_before_any_request(fetcher: Fetcher) -> None:
    for url in ("file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)"):
        with pytest.raises(FetchError, match="only http and https"):
            fetcher.get(url)


def test_refused_connection_is_a_fetch_error(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="connection refused"):
        fetcher.get("http://127.0.0.1:9/feed.xml", timeout=3)


def test_sends_an_honest_user_agent(site: Path, fetcher: Fetcher, tmp_path: Path) -> None:
    seen: list[str] = []

    import briefing.demo.server as server_module

    original = server_module._Handler.do_GET

    def spy(handler: server_module._Handler) -> None:
        seen.append(handler.headers.get("User-Agent", ""))
        original(handler)

    server_module._Handler.do_GET = spy  # type: ignore[method-assign]
    try:
        with serve(site) as server:
            fetcher.get(f"{server.base_url}/page.html")
    finally:
        server_module._Handler.do_GET = original  # type: ignore[method-assign]
    assert seen == [USER_AGENT, USER_AGENT]  # robots.txt, then the page
    assert USER_AGENT.startswith("briefing/")
    assert user_agent("https://news.example/about") == (
        f"briefing/{__version__} (daily news briefing generator; +https://news.example/about)"
    )


def test_robots_txt_is_honoured_for_pages_but_not_feeds(site: Path, fetcher: Fetcher) -> None:
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    (site / "private").mkdir()
    (site / "private" / "page.html").write_text("<p>no</p>")
    with serve(site) as server:
        with pytest.raises(FetchError, match="robots.txt disallows"):
            fetcher.get(f"{server.base_url}/private/page.html")
        feed = fetcher.get(f"{server.base_url}/private/page.html", robots=False)
        fetcher.get(f"{server.base_url}/page.html")
    assert feed.status == 200
    assert server.requests["/robots.txt"] == 1  # read once per site


def _eight_requests(site: Path, policy: FetchPolicy, pause: float) -> tuple[int, list[float]]:
    """Eight requests at once to one host: the most the server saw at a time, and their starts."""
    active = 0
    peak = 0
    starts: list[float] = []
    lock = threading.Lock()

    import briefing.demo.server as server_module

    original = server_module._Handler.do_GET

    def counting(handler: server_module._Handler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            starts.append(time.monotonic())
        time.sleep(pause)
        # Counted out before the answer is sent: once the client has it, it may start the next
        # request, and a busy machine could let that one in before this thread counts out.
        with lock:
            active -= 1
        original(handler)

    server_module._Handler.do_GET = counting  # type: ignore[method-assign]
    try:
        with serve(site) as server, Fetcher(policy=policy) as client:
            url = f"{server.base_url}/page.html"
            threads = [
                threading.Thread(target=client.get, args=(url,), kwargs={"robots": False})
                for _ in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        server_module._Handler.do_GET = original  # type: ignore[method-assign]
    return peak, starts


def test_per_host_cap(site: Path) -> None:
    """Never more than `per_host` requests at once to one host."""
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), per_host=2, host_delay=0.0)
    peak, _ = _eight_requests(site, policy, pause=0.2)
    assert peak == 2


def test_host_delay(site: Path) -> None:
    """Requests to one host start `host_delay` apart, however many may run at once."""
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), per_host=8, host_delay=0.15)
    _, starts = _eight_requests(site, policy, pause=0.0)
    assert len(starts) == 8
    # Eight starts 0.15 s apart span at least 1.05 s; the server sees each a little after the
    # client sent it, so one late arrival is allowed for.
    assert max(starts) - min(starts) >= 6 * 0.15


def test_guard_refuses_every_non_public_address_unless_allowed() -> None:
    guard = AddressGuard(["10.1.0.0/16"])
    refused = [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
    ]
    for text in refused:
        assert not guard.permits(ipaddress.ip_address(text)), text
    for text in ("93.184.216.34", "2606:4700::1111", "10.1.2.3", "::ffff:10.1.2.3"):
        assert guard.permits(ipaddress.ip_address(text)), text


def test_politeness_headers() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert retry_after("120", now) == now + timedelta(seconds=120)
    assert retry_after("Mon, 23 Nov 2026 13:00:00 GMT", now) == now + timedelta(hours=1)
    assert retry_after("999999999", now) == now + timedelta(hours=12)  # capped
    assert retry_after("soon", now) is None
    assert cache_until("public, max-age=600", None, now) == now + timedelta(minutes=10)
    assert cache_until("no-cache, max-age=600", None, now) is None
    assert cache_until(None, "Mon, 23 Nov 2026 12:30:00 GMT", now) == now + timedelta(minutes=30)
    assert cache_until(None, "0", now) is None
    assert ttl_until("60", now) == now + timedelta(hours=1)
