"""Build the labelled paragraph corpus of benchmarks/data/appeals/ from the evaluation sets.

Every page becomes its paragraphs in reading order (block-level text from the HTML), each labelled
`appeal`, `article` or `other` (benchmarks/data/appeals/README.md has the rules). The article
paragraphs come from the human-checked texts beside each page; among the rest, the patterns of
appeals_rules.py propose `appeal`, and the decisions read by hand in review.tsv override any
proposal. Run: .venv/bin/python scripts/appeals_corpus.py
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import trafilatura
from lxml import etree
from tld import get_fld

sys.path.insert(0, str(Path(__file__).resolve().parent))
from appeals_feeds import capped, feed_items, propose_feed_label  # noqa: E402
from appeals_rules import detect_language, propose_label  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "appeals"
EVAL = ROOT.parent / "shared" / "eval"
# trafilatura's texts of its own set take minutes; kept between runs outside the repository.
CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "appeals-trafilatura-cache.json"

# Text in these is never shown to a reader, or is not prose (forms, vector art).
SKIP = {
    "script", "style", "noscript", "template", "svg", "head", "iframe", "select", "option",
    "textarea", "input", "canvas", "object", "math", "datalist", "map",
}  # fmt: skip
# A reader sees each of these as its own line; a button is a paragraph of its own too.
BLOCK = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article",
    "header", "footer", "nav", "aside", "ul", "ol", "table", "tr", "td", "th", "form", "figure",
    "figcaption", "main", "dd", "dt", "dl", "pre", "address", "button", "br", "hr", "caption",
    "fieldset", "legend", "details", "summary", "body", "html", "center", "label", "tbody",
}  # fmt: skip
UTF8 = lxml.html.HTMLParser(encoding="utf-8")
HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@dataclass(frozen=True, slots=True)
class Page:
    """One page's paragraphs with their labels, as written to pages.jsonl.gz."""

    url: str
    outlet: str
    language: str
    source: str
    paragraphs: tuple[tuple[str, str], ...]

    def record(self) -> dict[str, object]:
        paragraphs = [{"text": t, "label": lab} for t, lab in self.paragraphs]
        return {
            "url": self.url,
            "outlet": self.outlet,
            "language": self.language,
            "source": self.source,
            "paragraphs": paragraphs,
        }


def squash(text: str) -> str:
    return " ".join(text.split())


def html_blocks(html: str | bytes) -> list[str]:
    """The page's text as a reader sees it: one string per block-level element."""
    root = parse(html)
    if root is None:
        return []
    out: list[str] = []
    buf: list[str] = []
    _walk(root, out, buf)
    _flush(out, buf)
    return out


def parse(html: str | bytes) -> etree._Element | None:
    """The page's tree; the evaluation pages are UTF-8 whatever their head says."""
    data = html.encode() if isinstance(html, str) else html
    try:
        return lxml.html.fromstring(data, parser=UTF8)
    except (etree.ParserError, ValueError):
        return None


def _flush(out: list[str], buf: list[str]) -> None:
    text = squash("".join(buf))
    buf.clear()
    if re.search(r"\w", text):
        out.append(text)


def _walk(el: etree._Element, out: list[str], buf: list[str]) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    hidden = el.get("hidden") is not None or bool(HIDDEN.search(el.get("style") or ""))
    if tag and tag not in SKIP and not hidden:
        block = tag in BLOCK
        if block:
            _flush(out, buf)
        buf.append(el.text or "")
        for child in el:
            _walk(child, out, buf)
        if block:
            _flush(out, buf)
    buf.append(el.tail or "")


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class Gold:
    """A human-checked article text, asked whether a page's paragraph belongs to it."""

    def __init__(self, text: str) -> None:
        toks = tokens(text)
        self.shingles = {tuple(toks[i : i + 4]) for i in range(max(1, len(toks) - 3))}
        self.lines = {" ".join(tokens(line)) for line in re.split(r"\n+", text)}
        self.joined = " " + " ".join(toks) + " "

    def share(self, paragraph: str) -> float:
        """Share of the paragraph's word 4-grams found in the text (short ones: whole lines)."""
        toks = tokens(paragraph)
        if len(toks) < 4:
            return 1.0 if " ".join(toks) in self.lines else 0.0
        grams = [tuple(toks[i : i + 4]) for i in range(len(toks) - 3)]
        return sum(g in self.shingles for g in grams) / len(grams)


def outlet_of(url: str) -> str:
    domain = get_fld(url, fail_silently=True)
    return str(domain).lower() if domain else ""


def label_blocks(blocks: list[str], gold: Gold) -> list[tuple[str, str]]:
    """Article where the human text holds the paragraph; the rest proposed by the rules.

    A paragraph half in and half out of the human text (a block that mixes the article with a
    box around it, or a headline with the site's name) is left out: no label would be right."""
    labelled = []
    for text in blocks:
        share = gold.share(text)
        if 0.3 < share < 0.7:
            continue
        labelled.append((text, propose_label(text, share >= 0.7)))
    return labelled


def read_gz(path: Path) -> bytes:
    with gzip.open(path) as f:
        return f.read()


def scrapinghub_pages() -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    truth = json.loads((EVAL / "extraction" / "ground-truth.json").read_text())
    for key, item in sorted(truth.items()):
        html = read_gz(EVAL / "extraction" / "html" / f"{key}.html.gz")
        yield (
            item["url"],
            "eval-extraction",
            label_blocks(html_blocks(html), Gold(item["articleBody"])),
        )


def readability_pages() -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    for case in sorted((EVAL / "extraction-readability").iterdir()):
        source = case / "source.html.gz"
        if not source.exists():
            continue
        html = read_gz(source)
        url = page_url(html)
        if not url:
            continue
        expected = "\n".join(html_blocks(read_gz(case / "expected.html.gz")))
        yield url, "eval-readability", label_blocks(html_blocks(html), Gold(expected))


def trafilatura_pages() -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """trafilatura's set gives only human segments, so its article text stands in for the
    human text on the pages where it holds every `with` segment; paragraphs holding a `without`
    segment are taken out of the article."""
    data = json.loads((EVAL / "extraction-trafilatura" / "evaldata.json").read_text())
    cache = _extraction_cache()
    for url, item in sorted(data.items()):
        path = EVAL / "extraction-trafilatura" / "html" / item["file"]
        if not path.exists():
            continue
        html = read_gz(path)
        if item["file"] not in cache:
            cache[item["file"]] = trafilatura.extract(html, include_comments=False) or ""
        text = cache[item["file"]]
        if text and item["with"] and all(w in text for w in item["with"]):
            labelled = label_blocks(html_blocks(html), Gold(text))
            yield url, "eval-trafilatura", _without(labelled, item["without"])
    CACHE.write_text(json.dumps(cache))


def _without(labelled: list[tuple[str, str]], without: list[str]) -> list[tuple[str, str]]:
    """A paragraph that is mostly a segment the humans marked as not the article is not
    `article`, whatever trafilatura kept; a short segment inside a long paragraph (a name, a
    rubric's word) tells nothing about it."""
    return [
        (text, propose_label(text, False) if _mostly(text, without) else label)
        for text, label in labelled
    ]


def _mostly(text: str, segments: list[str]) -> bool:
    return any(s in text and 2 * len(s) >= len(text) for s in segments)


def _extraction_cache() -> dict[str, str]:
    return json.loads(CACHE.read_text()) if CACHE.exists() else {}


def feed_pages() -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """Items with at least three paragraphs: a feed's full content, not its teaser."""
    found = (
        (outlet_of(link), link, html_blocks(f"<div>{html}</div>")) for link, html in feed_items()
    )
    for _outlet, link, blocks in capped(b for b in found if len(b[2]) >= 3):
        yield link, "eval-feeds", [(t, propose_feed_label(t)) for t in blocks]


def page_url(html: bytes) -> str:
    """The page's own address, from its canonical link or og:url (the cases carry no other)."""
    root = parse(html)
    if root is None:
        return ""
    found = root.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    urls = [str(u) for u in found if str(u).startswith("http")]
    return urls[0] if urls else ""


def load_review() -> dict[tuple[str, str, str], str]:
    """Labels read by hand: (outlet or '*', proposed label, paragraph text) -> label read."""
    review: dict[tuple[str, str, str], str] = {}
    path = DATA / "review.tsv"
    if path.exists():
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                outlet, proposed, label, text = line.split("\t", 3)
                review[(outlet, proposed, text)] = label
    return review


def apply_review(
    paragraphs: Iterable[tuple[str, str]], outlet: str, review: dict[tuple[str, str, str], str]
) -> list[tuple[str, str]]:
    """A reading overrides a proposal only for the label it was read under: an `other` read
    for a teaser never turns the same words inside a human-checked article into `other`."""
    out = []
    for text, label in paragraphs:
        read = review.get((outlet, label, text), review.get(("*", label, text), label))
        out.append((text, read))
    return out


def dedupe(pages: list[Page]) -> list[Page]:
    """Identical paragraphs within one outlet kept once; the same text on two outlets kept."""
    seen: set[tuple[str, str]] = set()
    out = []
    for page in pages:
        kept = []
        for text, label in page.paragraphs:
            if (page.outlet, text) not in seen:
                seen.add((page.outlet, text))
                kept.append((text, label))
        if kept:
            out.append(Page(page.url, page.outlet, page.language, page.source, tuple(kept)))
    return out


def extra_pages() -> Iterator[Page]:
    """Pages collected elsewhere (stored public pages, feeds), already labelled and read."""
    for path in sorted(DATA.glob("collected-*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                paragraphs = tuple((p["text"], p["label"]) for p in rec["paragraphs"])
                yield Page(rec["url"], rec["outlet"], rec["language"], rec["source"], paragraphs)


def build() -> list[Page]:
    review = load_review()
    seeds = {squash(p.read_text()) for p in (EVAL.parent / "seeds").glob("*") if p.is_file()}
    pages = []
    for url, source, labelled in [
        *scrapinghub_pages(),
        *readability_pages(),
        *trafilatura_pages(),
        *feed_pages(),
    ]:
        if not any(lab == "article" for _, lab in labelled):
            continue
        outlet = outlet_of(url)
        if not outlet:
            continue
        article = " ".join(t for t, lab in labelled if lab == "article")
        if any(article[:200] in s for s in seeds):
            continue
        paragraphs = tuple(apply_review(labelled, outlet, review))
        language = detect_language(article) or detect_language(" ".join(t for t, _ in labelled))
        pages.append(Page(url, outlet, language, source, paragraphs))
    pages.extend(
        Page(
            p.url,
            p.outlet,
            p.language,
            p.source,
            tuple(apply_review(p.paragraphs, p.outlet, review)),
        )
        for p in extra_pages()
    )
    return dedupe(pages)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write(pages: list[Page]) -> None:
    lines = "".join(json.dumps(p.record(), ensure_ascii=False) + "\n" for p in pages)
    write_atomic(DATA / "pages.jsonl.gz", gzip.compress(lines.encode(), mtime=0))
    urls = "".join(u + "\n" for u in sorted({p.url for p in pages}))
    write_atomic(DATA / "urls.txt", urls.encode())


def counts(pages: list[Page]) -> dict[str, object]:
    labels = Counter(lab for p in pages for _, lab in p.paragraphs)
    by_lang = Counter((p.language, lab) for p in pages for _, lab in p.paragraphs)
    return {
        "pages": len(pages),
        "outlets": len({p.outlet for p in pages}),
        "labels": dict(labels),
        "languages": {f"{k[0]}/{k[1]}": v for k, v in sorted(by_lang.items())},
        "sources": dict(Counter(p.source for p in pages)),
    }


def counts_table(pages: list[Page]) -> str:
    """The README's table: paragraphs per language and label, pages and outlets."""
    rows = [
        "| language | pages | outlets | appeal | article | other |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    by_lang: dict[str, list[Page]] = {}
    for page in pages:
        by_lang.setdefault(page.language or "?", []).append(page)
    for lang, group in [*sorted(by_lang.items(), key=lambda kv: -len(kv[1])), ("all", pages)]:
        labels = Counter(lab for p in group for _, lab in p.paragraphs)
        outlets = len({p.outlet for p in group})
        rows.append(
            f"| {lang} | {len(group)} | {outlets} | {labels['appeal']} | {labels['article']} "
            f"| {labels['other']} |"
        )
    sources = Counter(p.source for p in pages)
    rows.append("")
    rows.append(
        "Pages by source: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())) + "."
    )
    return "\n".join(rows)


def write_readme_counts(pages: list[Page]) -> None:
    path = DATA / "README.md"
    if not path.exists():
        return
    text = path.read_text()
    start, end = "<!-- counts -->", "<!-- /counts -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = f"{head}{start}\n{counts_table(pages)}\n{end}{tail}"
        write_atomic(path, text.encode())


if __name__ == "__main__":
    sys.setrecursionlimit(20000)
    DATA.mkdir(parents=True, exist_ok=True)
    built = build()
    write(built)
    write_readme_counts(built)
    print(json.dumps(counts(built), indent=1))
