"""One page for `briefing extract`: a saved file (plain or gzip) or a URL, read and extracted.

The page is decoded as a download would be (its meta charset, else UTF-8) and extracted in a
worker process under the same limits as a run, so a pathological file cannot hang the command.
"""

from __future__ import annotations

import gzip
import io
import zlib
from contextlib import nullcontext
from pathlib import Path

from ..errors import ExtractError
from ..fetch.http import Fetcher, Response
from .accounting import Dropped, account_page
from .page import Extraction
from .workers import Limits, PageJob, extract_pages

MAX_BYTES = 15 * 1024 * 1024  # the same cap as a download, after decompression


def extract_document(
    path_or_url: str, url: str | None = None, *, fetcher: Fetcher | None = None
) -> Extraction:
    """Extract a saved page or a URL's page; `url` says where a saved page came from."""
    page, where = load_document(path_or_url, url, fetcher=fetcher)
    return _extract(page, where or path_or_url)


def explain_document(
    path_or_url: str, url: str | None = None, *, fetcher: Fetcher | None = None
) -> tuple[Extraction, list[Dropped]]:
    """The extraction, and every paragraph of the page that did not reach its text, and why."""
    page, where = load_document(path_or_url, url, fetcher=fetcher)
    extraction = _extract(page, where or path_or_url)
    return extraction, account_page(page, extraction, where or path_or_url)


def load_document(
    path_or_url: str, url: str | None = None, *, fetcher: Fetcher | None = None
) -> tuple[str, str]:
    """The page as text, and where it came from (`url`, else the response's, else "")."""
    if path_or_url.startswith(("http://", "https://")):
        # A caller's fetcher stays open for them; one made here is closed here.
        with nullcontext(fetcher) if fetcher else Fetcher() as client:
            response = client.get(path_or_url, max_bytes=MAX_BYTES)
        return response.text(), url or response.url
    return read_saved_page(Path(path_or_url)), url or ""


def _extract(page: str, where: str) -> Extraction:
    found = extract_pages([PageJob("page", page, where)], workers=1, limits=Limits())["page"]
    if isinstance(found, str):
        raise ExtractError(found, url=where)
    return found


def read_saved_page(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """A saved page as text: gunzipped when it is gzip (never past `max_bytes`), then decoded."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read the file: {exc.strerror}", url=str(path)) from None
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, max_bytes, path)
    elif len(raw) > max_bytes:
        raise ExtractError(f"the page is larger than {max_bytes} bytes", url=str(path))
    return Response(url=str(path), status=200, body=raw).text()


def _gunzip(raw: bytes, max_bytes: int, path: Path) -> bytes:
    # Read one byte past the cap, so a gzip bomb is refused without being expanded.
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            body = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ExtractError(f"not a readable gzip file: {exc}", url=str(path)) from None
    if len(body) > max_bytes:
        raise ExtractError(f"the page is larger than {max_bytes} bytes unpacked", url=str(path))
    return body


def extraction_record(extraction: Extraction) -> dict[str, object]:
    """The extraction as `briefing extract --json` prints it."""
    return {
        "title": extraction.title,
        "text": "\n\n".join(extraction.paragraphs),
        "published": extraction.published.isoformat() if extraction.published else None,
        "author": extraction.author,
        "site": extraction.site_name,
        "language": extraction.language,
        "image": extraction.image,
        "removed": [{"text": text, "reason": reason} for text, reason in extraction.removed],
    }
