"""A PDF renderer started before the edition is ready, so WeasyPrint loads while the run goes on.

`render_pdf` forks its child from a parent that has imported WeasyPrint. In a one-shot run that
import (about 0.8 s of CPU) and the hyphenation dictionaries of the stories' languages (German
alone takes 0.7 s to parse) are then paid after the summaries, when nothing else is left to do.
A Typesetter forks its child as soon as the day's articles are known: the child loads both
while the parent clusters and summarizes, then waits for the HTML and typesets it under the
same limits as `render_pdf` (time from the moment the HTML is sent, memory, CPU).

    with Typesetter(languages) as typesetter:
        ...                                  # cluster, summarize, render the HTML
        pdf = typesetter.render(html)
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Iterable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from ..runtime.workers import die_with_parent
from .pdf import (
    MEMORY_MB,
    TIMEOUT,
    outcome,
    prepare,
    render_pdf,
    scratch_folder,
    typeset_in_child,
)


class Typesetter:
    """One PDF, typeset by a child process started (and warmed up) ahead of time."""

    def __init__(
        self, languages: Iterable[str] = (), *, timeout: float = TIMEOUT, memory_mb: int = MEMORY_MB
    ) -> None:
        self.languages = tuple(dict.fromkeys(["en", *(lang for lang in languages if lang)]))
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._child: BaseProcess | None = None
        self._html: Connection | None = None
        self._reply: Connection | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Typesetter:
        context = multiprocessing.get_context("fork")
        html_in, self._html = context.Pipe(duplex=False)
        self._reply, reply_out = context.Pipe(duplex=False)
        self._scratch = scratch_folder()
        self._child = context.Process(
            target=_wait_and_typeset,
            args=(html_in, reply_out, self.languages, self.memory_mb, self.timeout),
            kwargs={"scratch": self._scratch.name, "parent": os.getpid()},
            name="briefing-pdf",
            daemon=True,
        )
        self._child.start()
        html_in.close()
        reply_out.close()
        return self

    def __exit__(self, *exc: object) -> None:
        for end in (self._html, self._reply):
            if end is not None:
                end.close()
        if self._child is not None:
            if self._child.is_alive():
                self._child.kill()  # the run ended without a PDF, or the child outlived it
            self._child.join()
        if self._scratch is not None:
            self._scratch.cleanup()  # the child has ended: nothing writes there any more

    def render(self, html: str) -> bytes:
        """The HTML typeset as PDF; RenderError as from `render_pdf`. One call per Typesetter."""
        child, sender, receiver = self._child, self._html, self._reply
        if child is None or sender is None or receiver is None:
            raise RuntimeError("a Typesetter renders once, inside its `with` block")
        self._html = self._reply = None
        try:
            sender.send(html)
        except OSError:
            # The warm child is gone (killed, out of memory while loading): start afresh.
            receiver.close()
            return render_pdf(html, timeout=self.timeout, memory_mb=self.memory_mb)
        finally:
            sender.close()
        return outcome(child, receiver, self.timeout)


def _wait_and_typeset(
    html_in: Connection,
    sender: Connection,
    languages: tuple[str, ...],
    memory_mb: int,
    timeout: float,
    scratch: str | None = None,
    parent: int | None = None,
) -> None:
    """Run in the child: load WeasyPrint and the dictionaries, wait for the HTML, typeset it."""
    if parent is not None:
        die_with_parent(parent)
    _load(languages)
    try:
        html = html_in.recv()
    except (EOFError, OSError):
        return  # the run ended before it had an edition to typeset
    finally:
        html_in.close()
    typeset_in_child(sender, html, memory_mb, timeout, scratch)


def _load(languages: tuple[str, ...]) -> None:
    """What `render_pdf`'s parent prepares, and the dictionaries of the stories' languages."""
    import pyphen

    prepare()
    for lang in languages:
        if pyphen.language_fallback(lang.replace("-", "_")):
            pyphen.Pyphen(lang=lang)  # pyphen keeps each parsed dictionary for the process
