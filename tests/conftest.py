"""Shared fixtures: a real HTTP server on 127.0.0.1 and a client that can reach nothing else."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from briefing.fetch.http import Fetcher

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
EVAL = SHARED / "eval"


class LoopbackOnly(httpx.HTTPTransport):
    """A real transport that refuses any host but 127.0.0.0/8, so no test reaches the internet."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise httpx.ConnectError(f"test refused a non-loopback host: {host}", request=request)
        return super().handle_request(request)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(transport=LoopbackOnly()) as client:
        yield client


def need(path: Path) -> Path:
    """Skip the test cleanly when shared evaluation data is not beside the project."""
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path
