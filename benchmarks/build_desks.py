"""Build the desk corpus of benchmarks/data/desks/ from real pages and feed items, labelled by URL.

    python benchmarks/build_desks.py

News URLs carry their desk in the path (theguardian.com/world/..., /sport/, spiegel.de/wirtschaft/,
elpais.com/deportes/). `SEGMENTS` in `briefing.stories.desks` maps such path words, per language,
to a small fixed set of desks: a labelling rule for the data, not the classifier (which learns
from the titles and leads); the same table reads a report's filing when an edition is made.
A URL whose path names no desk, or two different ones, is left out; a feed item's <category>
tags are read the same way when its URL names none. At most PER_OUTLET articles per outlet.

Sources: the labelled pages of benchmarks/data/appeals/pages.jsonl.gz (their `article`
paragraphs; titles from the pages' HTML in ../shared/eval where it is there), the other pages of
../shared/eval/extraction-trafilatura (their `with` segments), the ECB+ articles
of ../shared/eval/clustering, and the items of
every feed of ../shared/eval/feeds except the feeds `real_day.py` judges (so the real day is
never read in training). Writes desks.jsonl.gz: url, outlet, language, desk, title, text (first
LEAD_WORDS words), sorted by url; gzip without a time, so the same inputs give the same bytes.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import feedparser

from briefing.stories.desks import filed_desk as desk_of
from briefing.stories.desks import tagged_desk

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
OUT = ROOT / "benchmarks" / "data" / "desks" / "desks.jsonl.gz"
APPEALS = ROOT / "benchmarks" / "data" / "appeals" / "pages.jsonl.gz"
LEAD_WORDS = 80
PER_OUTLET = 25
# the feeds real_day.py judges: kept out of the corpus
HELD_OUT_FEEDS = {
    "rss-parser/test/input/guardian.rss",
    "rsparser/Tests/RSParserTests/Resources/livemint.xml",
    "rsparser/Tests/RSParserTests/Resources/aktuality.rss",
    "rss-parser/test/input/encoding.rss",
}
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def outlet_of(url: str) -> str:
    host = urlparse(url).netloc.lower().removeprefix("www.")
    return (
        ".".join(host.split(".")[-3:])
        if host.endswith((".co.uk", ".com.br"))
        else ".".join(host.split(".")[-2:])
    )


def clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def lead(text: str) -> str:
    return " ".join(text.split()[:LEAD_WORDS])


def page_titles() -> dict[str, str]:
    """URL -> the <title> of its page, for the pages of ../shared/eval that have one."""
    titles: dict[str, str] = {}
    truth = json.loads((EVAL / "extraction" / "ground-truth.json").read_text())
    for key, item in truth.items():
        titles[item["url"]] = _html_title(EVAL / "extraction" / "html" / f"{key}.html.gz")
    evaldata = json.loads((EVAL / "extraction-trafilatura" / "evaldata.json").read_text())
    for url, item in evaldata.items():
        titles[url] = _html_title(EVAL / "extraction-trafilatura" / "html" / item["file"])
    return titles


def _html_title(path: Path) -> str:
    if not path.exists():
        return ""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as stream:
        found = _TITLE.search(stream.read())
    return clean(found.group(1)) if found else ""


def from_pages() -> list[dict[str, str]]:
    titles = page_titles()
    rows = []
    with gzip.open(APPEALS, "rt", encoding="utf-8") as stream:
        for line in stream:
            page = json.loads(line)
            desk = desk_of(page["url"])
            text = " ".join(p["text"] for p in page["paragraphs"] if p["label"] == "article")
            if desk and text:
                title = titles.get(page["url"], "")
                rows.append(_row(page["url"], page.get("language") or "", desk, title, text))
    return rows


def from_feeds() -> list[dict[str, str]]:
    rows = []
    for line in (EVAL / "feeds" / "index.tsv").read_text().splitlines()[1:]:
        path = line.split("\t")[0]
        if path in HELD_OUT_FEEDS or not path.endswith((".xml", ".rss", ".atom", ".rdf")):
            continue
        parsed = feedparser.parse(str(EVAL / "feeds" / path))
        language = str(parsed.feed.get("language", ""))[:2].lower()
        for entry in parsed.entries:
            url = str(entry.get("link", ""))
            tags = [str(t.get("term") or "") for t in entry.get("tags") or []]
            desk = desk_of(url) or tagged_desk(tags)  # as a run files it: one table for both
            title = clean(str(entry.get("title", "")))
            text = clean(str(entry.get("summary", "")))
            if desk and title:
                rows.append(_row(url, language, desk, title, text))
    return rows


def from_trafilatura() -> list[dict[str, str]]:
    """The pages of ../shared/eval/extraction-trafilatura whose URL names a desk: their title,
    and the segments the article must hold as its text (pages the appeal corpus lacks)."""
    rows = []
    evaldata = json.loads((EVAL / "extraction-trafilatura" / "evaldata.json").read_text())
    for url, item in sorted(evaldata.items()):
        desk = desk_of(url)
        if desk:
            title = _html_title(EVAL / "extraction-trafilatura" / "html" / item["file"])
            rows.append(_row(url, "", desk, title, " ".join(item["with"])))
    return rows


def capped(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """At most PER_OUTLET articles of each outlet (the first by URL): one podcast's hundreds of
    tagged episodes would teach its words, not a desk's."""
    kept: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r["url"]):
        seen[row["outlet"]] = seen.get(row["outlet"], 0) + 1
        if seen[row["outlet"]] <= PER_OUTLET:
            kept.append(row)
    return kept


def from_ecb() -> list[dict[str, str]]:
    """The ECB+ articles whose URL names a desk: first line the headline, the rest the text."""
    rows = []
    for line in (EVAL / "clustering" / "documents.jsonl").read_text().splitlines():
        doc = json.loads(line)
        url = doc.get("url") or ""
        desk = desk_of(url)
        title, _, text = doc["text"].partition("\n")
        if desk:
            rows.append(_row(url, "en", desk, title.strip(), text))
    return rows


def _row(url: str, language: str, desk: str, title: str, text: str) -> dict[str, str]:
    return {
        "url": url,
        "outlet": outlet_of(url),
        "language": language,
        "desk": desk,
        "title": title,
        "text": lead(text),
    }


def main() -> None:
    found = from_trafilatura() + from_feeds() + from_ecb() + from_pages()  # later ones win
    rows = {r["url"]: r for r in capped(list({r["url"]: r for r in found}.values()))}
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as stream:
        for url in sorted(rows):
            stream.write((json.dumps(rows[url], ensure_ascii=False) + "\n").encode())
    OUT.write_bytes(buffer.getvalue())
    counts: dict[str, int] = {}
    for r in rows.values():
        counts[r["desk"]] = counts.get(r["desk"], 0) + 1
    outlets = len({r["outlet"] for r in rows.values()})
    print(f"{len(rows)} articles, {outlets} outlets -> {OUT}: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
