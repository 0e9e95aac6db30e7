"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from briefing.errors import FetchError
from briefing.http import USER_AGENT, Fetcher
from briefing.server import Canned, serve


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


def test_server_error_is_retried_once(site: Path, fetcher: Fetcher) -> None:
    canned = {"/flaky": Canned(503, b"busy")}
    with serve(site, canned) as server, pytest.raises(FetchError, match="HTTP 503"):
        fetcher.get(f"{server.base_url}/flaky")
    assert server.requests["/flaky"] == 2


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
    with pytest.raises(FetchError, match="connection failed"):
        fetcher.get("http://127.0.0.1:9/feed.xml", timeout=3)


def test_sends_an_honest_user_agent(site: Path, fetcher: Fetcher, tmp_path: Path) -> None:
    seen: list[str] = []

    import briefing.server as server_module

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
    assert seen == [USER_AGENT] and USER_AGENT.startswith("briefing/")
