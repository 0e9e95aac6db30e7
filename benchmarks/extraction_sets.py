"""The three extraction sets of ../shared/eval, their metrics and their folds.

- `scrapinghub`: the ScrapingHub benchmark's pages with human-checked text, scored with its
  word 4-gram shingles (mean precision over non-empty outputs, mean recall over non-empty
  truths, their harmonic mean);
- `trafilatura`: trafilatura's own evaluation pages, with segments that must and must not be in
  the text, scored as its evaluation does (whitespace-normalized substring matching, counts
  summed over the set);
- `readability`: Mozilla Readability's test pages, the text of its expected output scored with
  the shingle metric.

Pages are grouped by site, so no fold holds pages of a site another fold holds.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html

from briefing.fetch.http import Response

ROOT = Path(__file__).resolve().parent.parent
EVAL = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared")) / "eval"
SETS = ("scrapinghub", "trafilatura", "readability")
WORD = re.compile(r"\w+")
SPACE = re.compile(r"\s+")
ARCHIVED = re.compile(r"^/web/\d+[a-z_]*/(?:https?://)?([^/]+)")
NUMBERED = re.compile(r"-\d+$")
BLOCKS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "tr",
        "td",
        "th",
        "br",
        "section",
        "article",
        "pre",
        "blockquote",
        "figcaption",
        "table",
        "ul",
        "ol",
        "dd",
        "dt",
        "header",
        "footer",
    ]
)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of one set: its decoded HTML, its site and what its text should be."""

    set: str
    id: str
    group: str
    url: str
    html: str
    truth: str = ""  # the shingle sets' expected text
    wanted: tuple[str, ...] = field(default=())  # the segment set's `with`
    unwanted: tuple[str, ...] = field(default=())  # and its `without`

    @property
    def key(self) -> str:
        return f"{self.set}/{self.id}"


def available() -> bool:
    """Whether all three sets are there."""
    return all(
        (EVAL / d).is_dir()
        for d in ("extraction", "extraction-trafilatura", "extraction-readability")
    )


def load_sets(limit: int = 0) -> list[Page]:
    """Every page of the three sets (the first `limit` of each, when given)."""
    return (
        _scrapinghub()[: limit or None]
        + _trafilatura()[: limit or None]
        + _readability()[: limit or None]
    )


def _decode(path: Path) -> str:
    """The page as a download would decode it: its meta charset, else UTF-8."""
    return Response(url=str(path), status=200, body=gzip.decompress(path.read_bytes())).text()


def site_of(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or url.split("::")[-1].split("-")[0]
    archived = ARCHIVED.match(parts.path) if host == "web.archive.org" else None
    return (archived[1] if archived else host).lower().removeprefix("www.")


def _scrapinghub() -> list[Page]:
    data = EVAL / "extraction"
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            "scrapinghub",
            pid,
            site_of(item["url"]),
            item["url"],
            _decode(data / "html" / f"{pid}.html.gz"),
            truth=item["articleBody"],
        )
        for pid, item in sorted(truth.items())
    ]


def _trafilatura() -> list[Page]:
    data = EVAL / "extraction-trafilatura"
    items = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))
    return [
        Page(
            "trafilatura",
            item["file"],
            site_of(url),
            url if "://" in url else "",
            _decode(data / "html" / item["file"]),
            wanted=tuple(item["with"]),
            unwanted=tuple(item["without"]),
        )
        for url, item in sorted(items.items())
    ]


def _readability() -> list[Page]:
    data = EVAL / "extraction-readability"
    cases = sorted(p for p in data.iterdir() if (p / "source.html.gz").exists())
    return [
        Page(
            "readability",
            case.name,
            NUMBERED.sub("", case.name),  # nytimes-1 ... nytimes-5: one site
            "http://fakehost/test/page.html",  # the address Readability's tests give
            _decode(case / "source.html.gz"),
            truth=html_text(_decode(case / "expected.html.gz")),
        )
        for case in cases
    ]


def html_text(page: str) -> str:
    """The text of an HTML fragment, a line break around each block so words never join."""
    root = lxml.html.fromstring(page)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return str(root.text_content())


# --- Metrics: per page, so a fold's score is a sum over its pages ---


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """The benchmark's unit: a multiset of word 4-grams (a 1-3 token text is one shingle)."""
    tokens = WORD.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(page: Page, output: str) -> tuple[float, ...]:
    """What one output adds to its set's score.

    Shingle sets: (precision, has output, recall, has truth); the segment set: (tp, fp, fn).
    """
    if page.set == "trafilatura":
        text = SPACE.sub(" ", output).strip()
        tp = sum(SPACE.sub(" ", w).strip() in text for w in page.wanted) if text else 0
        fp = sum(SPACE.sub(" ", w).strip() in text for w in page.unwanted) if text else 0
        return (tp, fp, len(page.wanted) - tp)
    got, want = shingles(output), shingles(page.truth)
    tp = sum((got & want).values())
    has_got, has_want = bool(got), bool(want)
    precision = tp / sum(got.values()) if has_got else 0.0
    recall = tp / sum(want.values()) if has_want else 0.0
    return (precision, has_got, recall, has_want)


def set_score(name: str, counts: Iterable[Sequence[float]]) -> dict[str, float]:
    """Precision, recall and F1 of one set from its pages' counts."""
    totals = [sum(c) for c in zip(*counts, strict=True)]
    if not totals:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    if name == "trafilatura":
        tp, fp, fn = totals
        p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    else:
        p, r = totals[0] / max(totals[1], 1), totals[2] / max(totals[3], 1)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1}


def folds(pages: Sequence[Page], k: int, seed: int = 0) -> list[list[int]]:
    """k folds of page indices: each set's sites, shuffled, dealt to the smallest fold."""
    out: list[list[int]] = [[] for _ in range(k)]
    for name in SETS:
        groups: dict[str, list[int]] = {}
        for i, page in enumerate(pages):
            if page.set == name:
                groups.setdefault(page.group, []).append(i)
        ordered = sorted(groups.values(), key=lambda g: pages[g[0]].id)
        random.Random(seed).shuffle(ordered)
        ordered.sort(key=len, reverse=True)  # stable: sites of one size stay shuffled
        sizes = [0] * k
        for members in ordered:
            smallest = min(range(k), key=lambda f: (sizes[f], f))
            out[smallest].extend(members)
            sizes[smallest] += len(members)
    return out
