"""The one exception tree of `briefing`.

    BriefingError               anything the library raises on purpose
     +-- ConfigError            the config file is missing or invalid (.path, .key, .line)
     +-- FetchError             one HTTP download failed (.url); caught per feed or article
     |    +-- RetryLater        the site asked us to come back at .retry_at (429/503 Retry-After)
     +-- ExtractError           one page yielded no article text (.url); caught per article
     +-- StoreError             the SQLite store cannot be opened or is not ours (.path)
     +-- RenderError            a template or the PDF could not be rendered (.path)
     +-- DeliveryError          an output could not be written or sent (.path)
     |    +-- DeliveryUncertainError  the server may have the message: not resent (exit 7)
     |    +-- EditionWithheldError    the edition is not worth sending: nothing sent (exit 8)
     +-- AlreadyRunningError    another briefing process holds the store's lock (exit 6)
     +-- RunTimeoutError        a scheduled run passed its deadline and was stopped
     +-- ExecutorError          the executor (a Dask cluster) failed for too many pages (exit 9)

Fetch and extraction errors never stop a run: the pipeline turns them into `Failure` records.
Config, store, render and delivery errors do stop it; the CLI turns each into one message and an
exit code.

Exit codes: 0 done (every recipient sent, now or before), 1 any other error, 2 config, 3 store,
4 render, 5 delivery failed or still pending, 6 already running, 7 delivery uncertain, 8 edition
withheld, 9 the executor failed for too many pages (the edition is written, those pages from their
feeds' text). When recipients' outcomes differ, the first of 5, 8, 7 that applies is the code.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


class BriefingError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(BriefingError):
    """Raised when the configuration file is missing, not TOML, or breaks the settings table."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        key: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = str(path) if path else "config"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.key = key
        self.line = line


class FetchError(BriefingError):
    """Raised when one download fails: refused, timed out, too large or an HTTP error status."""

    def __init__(
        self, message: str, *, url: str, status: int | None = None, transient: bool = False
    ) -> None:
        super().__init__(f"{url}: {message}")
        self.reason = message
        self.url = url
        self.status = status
        self.transient = transient  # worth one retry: a timeout, a refused connection, 429, 5xx


class ExtractError(BriefingError):
    """Raised when a downloaded page holds no article text that can be used."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{url}: {message}")
        self.reason = message
        self.url = url


class StoreError(BriefingError):
    """Raised when the SQLite store cannot be opened, is corrupt, or belongs to something else."""

    exit_code = 3

    def __init__(self, message: str, *, path: Path, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint=hint)
        self.path = path


class RenderError(BriefingError):
    """Raised when a template fails or WeasyPrint cannot make the PDF."""

    exit_code = 4

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class DeliveryError(BriefingError):
    """Raised when an output file cannot be written or the briefing cannot be sent."""

    exit_code = 5

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class DeliveryUncertainError(DeliveryError):
    """Raised when a server may have taken a message but never said so; it is not sent again."""

    exit_code = 7


class EditionWithheldError(DeliveryError):
    """Raised when the edition is not worth sending (no stories, most feeds failed)."""

    exit_code = 8


class RetryLater(FetchError):
    """A 429 or 503 with Retry-After: not to be asked again before `.retry_at`."""

    def __init__(self, message: str, *, url: str, status: int, retry_at: datetime) -> None:
        super().__init__(message, url=url, status=status, transient=True)
        self.retry_at = retry_at


class AlreadyRunningError(BriefingError):
    """Raised when another briefing process holds the lock next to the store."""

    exit_code = 6


class RunTimeoutError(BriefingError):
    """Raised when a scheduled run passes its deadline and is stopped."""


class ExecutorError(BriefingError):
    """Raised once the edition is written, when the executor failed for too many of its pages.

    A cluster whose workers cannot read pages would otherwise pass for pages that fell back to
    their feed's text: the run ends with the first error and exit 9 instead of exit 0.
    """

    exit_code = 9
