"""What a run tells its user while it waits: the price of politeness on one busy site."""

from __future__ import annotations

from briefing.config import parse_config
from briefing.models import Entry
from briefing.pipeline import _politeness_note

from .conftest import ROOT


def entries(host: str, n: int) -> list[Entry]:
    return [
        Entry(f"{host}{k}", "Feed", "World", f"http://{host}/{k}", "", "", None) for k in range(n)
    ]


def test_one_site_whose_pages_take_long_by_its_delay_is_named() -> None:
    config = parse_config({"feeds": [{"name": "A", "url": "http://a.example/feed"}]}, ROOT / "x")
    busy = entries("a.example", 1000) + entries("b.example", 10)
    assert _politeness_note(config, busy) == " (1000 from a.example: at least 100 s, 0.1 s apart)"
    spread = [e for h in range(20) for e in entries(f"h{h}.example", 50)]
    assert _politeness_note(config, spread) == ""  # 1,000 pages on 20 sites: 5 s each
