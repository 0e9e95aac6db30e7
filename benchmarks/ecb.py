"""The ECB+ sample as briefing's records: shared by the clustering and summary benchmarks."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

from briefing.extract.boilerplate import strip_boilerplate
from briefing.models import Article

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIEFING_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "eval" / "clustering" / "documents.jsonl"
FIXED_TIME = datetime(2024, 1, 1, 12, tzinfo=UTC)


class Document(TypedDict):
    """One line of documents.jsonl."""

    doc_id: str
    topic: int
    subcorpus: str
    event_cluster: str
    url: str | None
    text: str
    n_tokens: int


def load_documents(path: Path) -> list[Document]:
    """The benchmark's documents, one dict per line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def as_extracted(doc: Document) -> Document:
    """The document with its text as the pipeline would give it to clustering: the headline
    line, then the rest after the boilerplate pass (which drops date and byline lines)."""
    lines = [line for line in doc["text"].splitlines() if line.strip()]
    kept, _removed = strip_boilerplate(lines[1:])
    return {**doc, "text": "\n".join(lines[:1] + kept)}


def cut_to(doc: Document, words: int) -> Document:
    """The document as a feed's summary gives it: the headline line, then its first words."""
    lines = [line for line in doc["text"].splitlines() if line.strip()]
    body = " ".join(" ".join(lines[1:]).split()[:words])
    return {**doc, "text": "\n".join(lines[:1] + [body])}


def to_article(doc: Document) -> Article:
    """An Article from a document: first line as title, the rest as text, one fixed time."""
    lines = [line for line in doc["text"].splitlines() if line.strip()]
    title, body = (lines[0], lines[1:]) if len(lines) > 1 else ("", lines)
    return Article(
        id=doc["doc_id"],
        source=_outlet(doc),
        topic="news",  # the gold topic is what we measure against, so it must not leak in
        url=doc.get("url") or "",
        title=title,
        text="\n".join(body),
        published=FIXED_TIME,
    )


def _outlet(doc: Document) -> str:
    """The host of the document's URL, or its id when there is none."""
    url = doc.get("url") or ""
    return url.split("/")[2] if "://" in url else doc["doc_id"]


def reading_options(parser: argparse.ArgumentParser) -> None:
    """The options every ECB+ benchmark reads its documents by: where, and cut how short."""
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--words", type=int, help="each text cut to its headline and first N words (a summary)"
    )


def read_documents(args: argparse.Namespace) -> list[Document] | None:
    """The documents as the options ask (as extracted, when a benchmark offers that, then cut);
    None, said on standard output, when the data is not there."""
    if not args.data.exists():
        print(f"skipped: {args.data} not found")
        return None
    docs = load_documents(args.data)
    if getattr(args, "as_extracted", False):
        docs = [as_extracted(d) for d in docs]
    if args.words is not None:
        docs = [cut_to(d, args.words) for d in docs]
    return docs
