"""The labelled appeals corpus (benchmarks/data/appeals/) keeps the form its readers rely on.

The appeal classifier trains and is scored on it, and a hold-out set is checked against its URLs,
so a malformed line, an unsorted URL list or a seed report slipping in would spoil both quietly.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "benchmarks" / "data" / "appeals"
SEEDS = ROOT.parent / "shared" / "seeds"
LABELS = {"appeal", "article", "other"}


def read_pages(folder: Path) -> list[dict[str, object]]:
    with gzip.open(folder / "pages.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def pages() -> list[dict[str, object]]:
    return read_pages(CORPUS)


def paragraphs(page: dict[str, object]) -> list[dict[str, str]]:
    found = page["paragraphs"]
    assert isinstance(found, list)
    return found


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def test_every_page_has_the_declared_form(pages: list[dict[str, object]]) -> None:
    for page in pages:
        assert set(page) == {"url", "outlet", "language", "source", "paragraphs"}, page["url"]
        host = urlsplit(str(page["url"])).hostname or ""
        outlet = str(page["outlet"])
        assert outlet and (host == outlet or host.endswith("." + outlet)), page["url"]
        assert paragraphs(page), page["url"]
        for p in paragraphs(page):
            assert p["label"] in LABELS, (page["url"], p)
            assert p["text"] and p["text"] == " ".join(p["text"].split()), (page["url"], p)


def test_a_paragraph_is_kept_once_per_outlet(pages: list[dict[str, object]]) -> None:
    seen = Counter((str(page["outlet"]), p["text"]) for page in pages for p in paragraphs(page))
    twice = [key for key, n in seen.items() if n > 1]
    assert not twice, twice[:3]


def test_the_url_list_is_every_page_sorted(pages: list[dict[str, object]]) -> None:
    listed = (CORPUS / "urls.txt").read_text().splitlines()
    assert listed == sorted({str(page["url"]) for page in pages})


def test_the_sizes_reach_what_the_classifier_was_promised(
    pages: list[dict[str, object]],
) -> None:
    labels = Counter(p["label"] for page in pages for p in paragraphs(page))
    assert len({page["outlet"] for page in pages}) >= 150
    assert labels["appeal"] >= 2000
    assert labels["article"] >= 10000


def test_the_readme_counts_are_the_files(pages: list[dict[str, object]]) -> None:
    labels = Counter(p["label"] for page in pages for p in paragraphs(page))
    outlets = len({page["outlet"] for page in pages})
    row = (
        f"| all | {len(pages)} | {outlets} | {labels['appeal']} | {labels['article']} "
        f"| {labels['other']} |"
    )
    assert row in (CORPUS / "README.md").read_text()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed reports are not beside the checkout")
def test_no_seed_report_is_in_it(pages: list[dict[str, object]]) -> None:
    # The reports would come in as article paragraphs; the rest is each site's furniture.
    seeds = [shingles(p.read_text()) for p in sorted(SEEDS.iterdir()) if p.is_file()]
    for page in pages:
        text = shingles(" ".join(p["text"] for p in paragraphs(page) if p["label"] == "article"))
        for seed in seeds:
            assert len(text & seed) <= 0.2 * max(1, len(seed)), page["url"]


def test_the_translations_have_their_declared_form() -> None:
    """Four tab-separated fields, a header, one row per distinct translation, in the order the
    build writes, so training reads the same rows in the same order everywhere."""
    with gzip.open(CORPUS / "translations.tsv.gz", "rt", encoding="utf-8") as f:
        header, *lines = f.read().splitlines()
    assert header.split("\t") == ["language", "english", "text", "package"]
    rows = [tuple(line.split("\t")) for line in lines]
    assert all(len(r) == 4 and all(field.strip() == field and field for field in r) for r in rows)
    assert rows == sorted(set(rows))
    assert {r[0] for r in rows} == {"de", "es", "fr", "it", "nl", "pl", "pt"}
    # placeholders stay English in every language, and tags are not text: they were taken out
    assert not any(re.search(r"%\(\w+\)s|\{\w*\}|<[a-z/][^<>]*>", r[1] + r[2]) for r in rows)
