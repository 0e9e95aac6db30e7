"""A full-size edition for render tests and the render benchmark: 60 stories in 8 sections.

Built from real reports: the ECB+ articles in the shared evaluation data when they are there (each
labelled event becomes a story, its articles' outlets the story's outlets), else the bundled demo
pages, whose sentences are dealt out into 60 stories. Nothing here depends on clustering or
summarizing: the render stage is tested on a fixed, realistic input.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from briefing.models import (
    Article,
    Briefing,
    Failure,
    Filtered,
    RunStats,
    Section,
    Sentence,
    Story,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
ECB = SHARED / "eval" / "clustering" / "documents.jsonl"
DEMO_SITE = ROOT / "briefing" / "demo" / "site"

SECTIONS = (
    "World", "Politics", "Crime and Justice", "Disasters", "Business",
    "Technology", "Sport", "Culture",
)  # fmt: skip
STORIES = 60
START = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
_DATE_LINE = re.compile(
    r"\b(19|20)\d\d\b|\b\d{1,2}\s?:\s?\d\d\b|GMT|updated|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
    r"Nov|Dec)[a-z]*\.?\s+\d",
    re.IGNORECASE,
)


def big_edition() -> Briefing:
    """The 60-story, 8-section edition, from ECB+ when present, else from the demo pages."""
    groups = _ecb_groups() if ECB.exists() else _demo_groups()
    stories = [_story(n, lines_by_doc) for n, lines_by_doc in enumerate(groups[:STORIES])]
    by_section: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_section[story.topic].append(story)
    sections = tuple(
        Section(name, tuple(sorted(by_section[name], key=lambda s: -len(s.sources))))
        for name in SECTIONS
        if by_section[name]
    )
    outlets = {a.source for s in stories for a in s.articles}
    return Briefing(
        title="The Daily Briefing",
        edition=date(2026, 11, 23),
        generated=datetime(2026, 11, 23, 6, 0, 30, tzinfo=UTC),
        window_start=START,
        window_end=START + timedelta(days=1),
        timezone="Europe/Berlin",
        sections=sections,
        failures=_failures(),
        stats=RunStats(
            feeds=len(outlets) + 3,
            feeds_failed=3,
            articles=sum(len(s.articles) for s in stories),
            stories=len(stories),
            outlets=len(outlets),
        ),
        number=128,
        filtered=(
            Filtered("Transfer rumours round-up", "muted: 'transfer rumours'", "", "Sport Wire"),
            Filtered("Horoscope for Monday", "muted: 'horoscope'", "https://daily.example/h", ""),
        ),
    )


# (url, lines) per article, articles grouped by story.
Group = list[tuple[str, list[str]]]


def _ecb_groups() -> list[Group]:
    """One group per ECB+ event; the largest events are halved until there are 60."""
    events: dict[str, Group] = defaultdict(list)
    for line in ECB.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        lines = [_tidy(t) for t in doc["text"].split("\n") if t.strip()]
        # Some ECB articles have no URL: they get a stand-in outlet of their own.
        url = (
            doc.get("url") or f"https://wire-{doc['doc_id'].split('_')[0]}.example/{doc['doc_id']}"
        )
        events[doc["event_cluster"]].append((url, lines))
    groups = [events[key] for key in sorted(events, key=_event_order)]
    while len(groups) < STORIES:
        groups.sort(key=len, reverse=True)
        big = groups.pop(0)
        groups += [big[: len(big) // 2], big[len(big) // 2 :]]
    return groups


def _event_order(key: str) -> tuple[int, str]:
    topic, _, rest = key.partition("_")
    return (int(topic) if topic.isdigit() else 0, rest)


def _demo_groups() -> list[Group]:
    """Sentences of the five demo pages dealt into 60 groups of one to five articles."""
    pages = []
    for path in sorted(DEMO_SITE.glob("*/*.html")):
        text = re.sub(
            r"<[^>]+>", " ", " ".join(re.findall(r"<p[^>]*>(.*?)</p>", path.read_text(), re.S))
        )
        sentences = [_tidy(s) for s in re.split(r"(?<=[.!?])\s+", html.unescape(text))]
        pages.append(
            (f"https://{path.parent.name}.example/{path.stem}", [s for s in sentences if s])
        )
    groups = []
    for n in range(STORIES):
        size = 1 + n % 5
        group = []
        for k in range(size):
            url, sentences = pages[(n + k) % len(pages)]
            start = (n * 3 + k) % max(1, len(sentences) - 4)
            group.append((f"{url}?story={n}", sentences[start : start + 4]))
        groups.append(group)
    return groups


def _tidy(text: str) -> str:
    """Undo ECB+'s tokenization: 'high - speed' -> 'high-speed', '7: 15' -> '7:15'."""
    text = re.sub(r"(?<=\w) - (?=\w)", "-", text.strip())
    text = re.sub(r"(?<=\d)([:.]) (?=\d)", r"\1", text)
    text = text.replace("``", "“").replace("''", "”")
    text = re.sub(r" ([’'])\s?s\b", r"\1s", text)
    text = re.sub(r"\s+([,.;:!?%])", r"\1", text)
    return re.sub(r"\s+", " ", text)


def _story(n: int, group: Group) -> Story:
    topic = SECTIONS[n % len(SECTIONS)]
    articles = tuple(_article(n, k, url, lines, topic) for k, (url, lines) in enumerate(group))
    budget = 100 if n < len(SECTIONS) else 60
    return Story(
        id=f"story-{n:02d}",
        headline=_headline(group),
        topic=topic,
        articles=articles,
        summary=_summary(articles, group, budget),
    )


def _article(n: int, k: int, url: str, lines: list[str], topic: str) -> Article:
    host = urlsplit(url).hostname or "unknown.example"
    return Article(
        id=f"a-{n:02d}-{k:02d}",
        source=host.removeprefix("www."),
        topic=topic,
        url=url,
        title=lines[0] if lines else host,
        text="\n".join(lines),
        published=START + timedelta(minutes=17 * n + 9 * k),
    )


def _headline(group: Group) -> str:
    """A headline-like line (short, no date) from the story's articles, else a first sentence."""
    for _, lines in group:
        for line in lines[:2]:
            words = line.split()
            fits = 3 <= len(words) <= 16 and line[0].isalnum() and not line.endswith(".")
            if fits and not _DATE_LINE.search(line):
                return line
    first = group[0][1][0] if group and group[0][1] else "Untitled"
    words = first.rstrip(".").split()
    return " ".join(words[:14]) + ("…" if len(words) > 14 else "")


def _summary(articles: tuple[Article, ...], group: Group, budget: int) -> tuple[Sentence, ...]:
    """Sentences taken in turn from each article until the word budget is spent."""
    pools = [
        [
            s
            for s in lines[1:]
            if 10 <= len(s.split()) <= 45 and not _DATE_LINE.match(s) and s[0].isalnum()
        ]
        for _, lines in group
    ]
    chosen: list[Sentence] = []
    words = 0
    for depth in range(4):
        for article, pool in zip(articles, pools, strict=True):
            if depth < len(pool) and words + len(pool[depth].split()) <= budget:
                chosen.append(Sentence(pool[depth], article.id, article.source, article.url))
                words += len(pool[depth].split())
    return tuple(chosen)


def _failures() -> tuple[Failure, ...]:
    return (
        Failure("feed", "Gazette", "https://gazette.example/rss", "HTTP 503 Service Unavailable"),
        Failure("feed", "Harbour Times", "https://harbour.example/feed", "timed out after 20 s"),
        Failure("feed", "Local Radio", "https://radio.example/atom.xml", "not a feed (text/html)"),
        Failure(
            "article",
            "Markets close higher after rate decision",
            "https://markets.example/2026/11/22/close",
            "page too large (over 15 MiB)",
        ),
    )
