"""The demo edition: five real reports, served from 127.0.0.1, through the real pipeline.

The bundled site (one feed and one article page per outlet, with each site's furniture) is
served by a local HTTP server, and `generate` runs against it exactly as against the web, as of
22 January 2022, with a window wide enough to hold all five reports. It needs no network, yet
its links lead to the reports where their outlets published them (addresses.py).
"""

from __future__ import annotations

import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

from ..config import parse_config
from ..fetch.http import Fetcher, policy_for
from ..pipeline import Progress, RunResult, generate
from .addresses import PublicAddresses, SiteTransport
from .server import serve

SITE = Path(__file__).resolve().parent / "site"
AS_OF = datetime(2022, 1, 22, 12, 0, tzinfo=UTC)
WINDOW_HOURS = 24 * 35  # back to mid-December 2021, when the talks were first announced


def _manifest_feeds() -> list[dict[str, str]]:
    feeds: list[dict[str, str]] = tomllib.loads(
        (SITE / "MANIFEST.toml").read_text(encoding="utf-8")
    )["feeds"]
    return feeds


def public_addresses() -> PublicAddresses:
    """Each outlet's folder and seed page with the public address it stands for."""
    links = []
    for feed in _manifest_feeds():
        links += [(feed["path"].split("/")[0] + "/", feed["site"]), (feed["page"], feed["url"])]
    return PublicAddresses.of(links)


def demo_config(base_url: str, output_dir: Path, database: Path) -> dict[str, object]:
    """The demo's config as TOML data: one feed per outlet of the bundled site."""
    feeds = [
        {"name": f["name"], "url": f"{base_url}/{f['path']}", "topic": f["topic"]}
        for f in _manifest_feeds()
    ]
    return {
        "title": "Demo Briefing: Russia-US security talks",
        "timezone": "UTC",
        "window_hours": WINDOW_HOURS,
        "output_dir": str(output_dir),
        "database": str(database),
        "feeds": feeds,
        # The bundled site is served on this machine; the address guard refuses loopback
        # unless the config allows it.
        "fetch": {"allow_networks": ["127.0.0.1/32"]},
    }


def run_demo(output_dir: Path, *, progress: Progress | None = None) -> RunResult:
    """Serve the bundled site on 127.0.0.1 and make the demo edition into `output_dir`.

    The site is served under its outlets' public addresses, and the fetcher's requests for them
    go to the local server: the edition links to the reports, and nothing leaves the machine.
    """
    addresses = public_addresses()
    with (
        tempfile.TemporaryDirectory(prefix="briefing-demo-") as scratch,
        serve(SITE, addresses=addresses) as server,
    ):
        # A fresh store each time: the demo always shows a first run, whatever the port.
        data = demo_config(server.base_url, output_dir.resolve(), Path(scratch) / "demo.db")
        config = parse_config(data, SITE / "MANIFEST.toml")
        transport = SiteTransport(server.base_url, addresses)
        with Fetcher(transport=transport, policy=policy_for(config.fetch)) as fetcher:
            return generate(config, as_of=AS_OF, fetcher=fetcher, progress=progress)
