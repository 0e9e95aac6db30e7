"""HTML to PDF with WeasyPrint: bundled fonts only, nothing fetched, in a child process with limits.

WeasyPrint's own advice for untrusted input is a custom URL fetcher plus OS limits: layout bugs
can loop for ever and huge values can eat memory (RELIABILITY 20, 45-47). So the typesetting runs
in a forked child under a wall-clock limit (the parent kills it), an address-space limit and a CPU
limit (`resource.setrlimit`), and its fetcher refuses every URL but the bundled font files.
For speed the child is forked from a parent that has already imported WeasyPrint (`prepare`,
0.75 s of CPU each render does not pay), and it lays the stories' columns out in one pass instead
of WeasyPrint's two (`speedups.py`, a third of the 60-story edition's time; docs/rendering.md).

WeasyPrint copies the document's fonts into a temporary folder that only its finaliser removes,
and a child process ends without running finalisers: each render would leave 1.8 MB behind. So
the child's temporary files go into a folder the parent makes and removes once the child has
ended, however it ended (`scratch_folder`).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import resource
import tempfile
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..errors import RenderError
from ..runtime.workers import die_with_parent
from .speedups import weasyprint_checked, weasyprint_patched

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"

# (family, style, weight, file): the PDF's faces. Screens use the same family names with
# fallbacks instead, so the HTML stays one small file with no font URLs in it.
BUNDLED_FONTS = (
    ("Charis SIL", "normal", 400, "CharisSIL-Regular.ttf"),
    ("Charis SIL", "italic", 400, "CharisSIL-Italic.ttf"),
    ("Inter", "normal", 600, "Inter-SemiBold.otf"),
)

TIMEOUT = 120.0  # seconds; a normal edition takes one or two
MEMORY_MB = 3072  # address space of the child; a 60-story edition renders within 512 MB


def render_pdf(html: str, *, timeout: float = TIMEOUT, memory_mb: int = MEMORY_MB) -> bytes:
    """Typeset the HTML as PDF in a child process; RenderError if it fails or passes a limit."""
    prepare()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    with scratch_folder() as scratch:
        child = context.Process(
            target=typeset_in_child,
            args=(sender, html, memory_mb, timeout, scratch),
            kwargs={"parent": os.getpid()},
            name="briefing-pdf",
            daemon=True,
        )
        child.start()
        sender.close()
        return outcome(child, receiver, timeout)


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A folder for a child's temporary files, removed with all in it when the block ends."""
    return tempfile.TemporaryDirectory(prefix="briefing-pdf-", ignore_cleanup_errors=True)


def outcome(child: BaseProcess, receiver: Connection, timeout: float) -> bytes:
    """Wait for the child's PDF; kill it past the time limit; RenderError if there is no PDF."""
    timed_out = False
    try:
        reply = _receive(receiver, timeout)
    finally:
        receiver.close()
        if child.is_alive():
            timed_out = True
            child.kill()
        child.join()
    if reply is None and timed_out:
        raise RenderError(f"PDF rendering took longer than {timeout:g} s and was stopped")
    if reply is None:
        # Killed by a signal (e.g. SIGXCPU at the CPU limit) or crashed inside a C library.
        raise RenderError(f"PDF rendering stopped: the renderer ended with {child.exitcode}")
    kind, payload = reply
    if kind == "error":
        raise RenderError(f"PDF rendering failed: {payload}")
    pdf: bytes = payload
    return pdf


@functools.cache
def prepare() -> None:
    """Import WeasyPrint and load the hyphenation dictionary once, in the parent.

    Each child is forked with them already in memory, so a render does not pay about a second
    for them every time (the import alone is ~0.6 s of CPU here).
    """
    import pyphen

    weasyprint_checked()  # imports WeasyPrint; an unchecked version is logged once, here
    pyphen.Pyphen(lang="en")


def _receive(receiver: Connection, timeout: float) -> tuple[str, Any] | None:
    """The child's one message, or None when it did not come in time (or the child died)."""
    try:
        if not receiver.poll(timeout):
            return None
        reply: tuple[str, Any] = receiver.recv()
    except (EOFError, OSError):
        return None
    return reply


def typeset_in_child(
    sender: Connection,
    html: str,
    memory_mb: int,
    timeout: float,
    scratch: str | None = None,
    parent: int | None = None,
) -> None:
    """Run in the child: set the limits, typeset, send ("pdf", bytes) or ("error", text).

    Temporary files go to `scratch`, which the parent removes (see the module's docstring). A
    child forked for this alone names its `parent`, and ends with it.
    """
    if parent is not None:
        die_with_parent(parent)
    if scratch is not None:
        tempfile.tempdir = scratch  # this process's module: the parent's is untouched
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    used = resource.getrusage(resource.RUSAGE_SELF)  # a child that prepared itself has used some
    cpu = int(used.ru_utime + used.ru_stime + timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        pdf, _ = typeset_pdf(html)
        sender.send(("pdf", pdf))
    except MemoryError:
        sender.send(("error", f"it needed more than {memory_mb} MB of memory"))
    except Exception as exc:  # WeasyPrint raises many types; every one means "no PDF".
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def typeset_pdf(html: str) -> tuple[bytes, tuple[str, ...]]:
    """Typeset in this process: the PDF and every URL the fetcher refused (for tests and tools)."""
    from weasyprint import HTML  # imported only here, not for HTML-only runs

    fetcher = deny_all_fetcher()
    document = HTML(string=with_font_faces(html), base_url=None, url_fetcher=fetcher)
    with weasyprint_patched():
        pdf = document.write_pdf()
    if not pdf:
        raise RenderError("PDF rendering produced no output")
    return pdf, tuple(fetcher.refused)


def font_faces() -> str:
    """@font-face rules pointing at the bundled fonts, for the PDF only."""
    rules = []
    for family, style, weight, filename in BUNDLED_FONTS:
        uri = (FONT_DIR / filename).as_uri()
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-style: {style}; '
            f'font-weight: {weight}; src: url("{uri}"); }}'
        )
    return "\n".join(rules)


def with_font_faces(html: str) -> str:
    """Insert the @font-face rules before </head>, ahead of the page's own styles' use of them."""
    style = f"<style>\n{font_faces()}\n</style>\n"
    match = re.search(r"</head\s*>", html, flags=re.IGNORECASE)
    if match is None:
        return style + html
    return html[: match.start()] + style + html[match.start() :]


def _allowed_files() -> frozenset[Path]:
    return frozenset((FONT_DIR / f).resolve() for *_, f in BUNDLED_FONTS)


def deny_all_fetcher() -> Any:
    """A WeasyPrint URLFetcher that serves the bundled fonts and data: URIs and refuses all else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DenyAllFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses every URL but the bundled font files (exact paths) and inline data: URIs."""

        def __init__(self, allowed: frozenset[Path]) -> None:
            # No timeout matters: nothing here ever touches the network.
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.allowed = allowed
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(url2pathname(unquote(parts.path))).resolve()
                if path in self.allowed:
                    return URLFetcherResponse(url, path.read_bytes(), {}, 200)
            self.refused.append(url)
            raise ValueError(f"briefing refuses to fetch {url!r}")

    return DenyAllFetcher(_allowed_files())
