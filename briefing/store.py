"""The SQLite store: feed validators and health, and every article already extracted.

It is what lets a second run send conditional requests and process only what is new. The store
refuses a file that is not ours, or is newer than this version, rather than write over it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .errors import StoreError
from .models import Article, FeedResult

SCHEMA_VERSION = 1
APPLICATION_ID = 0x42524946  # "BRIF": marks the file as a briefing store

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_status INTEGER,
    last_error TEXT,
    last_success TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    topic TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    published TEXT NOT NULL,
    author TEXT NOT NULL,
    site_name TEXT NOT NULL,
    language TEXT NOT NULL,
    origin TEXT NOT NULL,
    note TEXT NOT NULL,
    stored_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published);
"""

# Columns added after a table was first created: (table, column, declaration). Each is added
# once, when missing, so a store made by an older version gains them without losing a row.
# New tables go in SCHEMA above (CREATE TABLE IF NOT EXISTS); new columns go here.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = ()

ARTICLE_COLUMNS = (
    "id, url, source, topic, title, text, published, author, site_name, language, origin, note"
)


class Store:
    """One SQLite file; open with `open_store`, close when done (or use it as a context manager)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified stored for a feed, for a conditional request."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def save_feed_results(self, results: Sequence[FeedResult], now: datetime) -> None:
        """Record each feed's validators and health; a failure keeps the old validators."""
        with self._transaction():
            for result in results:
                self._save_feed_result(result, now.isoformat())

    def _save_feed_result(self, result: FeedResult, now: str) -> None:
        url, name = result.source.url, result.source.name
        if result.ok:
            self._db.execute(
                """INSERT INTO feeds (url, name, etag, last_modified, last_status, last_error,
                       last_success, failures, checked_at)
                   VALUES (?, ?, ?, ?, ?, NULL, ?, 0, ?)
                   ON CONFLICT (url) DO UPDATE SET name = excluded.name, etag = excluded.etag,
                       last_modified = excluded.last_modified, last_status = excluded.last_status,
                       last_error = NULL, last_success = excluded.last_success, failures = 0,
                       checked_at = excluded.checked_at""",
                (url, name, result.etag, result.last_modified, result.http_status, now, now),
            )
            return
        self._db.execute(
            """INSERT INTO feeds (url, name, last_status, last_error, failures, checked_at)
               VALUES (?, ?, ?, ?, 1, ?)
               ON CONFLICT (url) DO UPDATE SET name = excluded.name,
                   last_status = excluded.last_status, last_error = excluded.last_error,
                   failures = feeds.failures + 1, checked_at = excluded.checked_at""",
            (url, name, result.http_status, result.error, now),
        )

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these article ids are already stored."""
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

    def save_articles(self, articles: Sequence[Article], now: datetime) -> None:
        """Store new articles in one transaction; an id already stored is left as it was."""
        rows = [(*_article_row(a), now.isoformat()) for a in articles]
        with self._transaction():
            self._db.executemany(
                f"INSERT OR IGNORE INTO articles ({ARTICLE_COLUMNS}, stored_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def articles_between(self, start: datetime, end: datetime) -> tuple[Article, ...]:
        """Stored articles published in [start, end), oldest first."""
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE published >= ? AND published < ? "
            "ORDER BY published, id",
            (_utc(start), _utc(end)),
        )
        return tuple(_article_from_row(row) for row in rows)

    def feed_health(self) -> list[tuple[str, str, int, str | None, str | None]]:
        """(name, url, consecutive failures, last error, last success) for every feed seen."""
        rows = self._db.execute(
            "SELECT name, url, failures, last_error, last_success FROM feeds ORDER BY name"
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with self._db:
                yield
        except sqlite3.Error as exc:
            raise StoreError(f"could not write to the store: {exc}", path=self.path) from None


def open_store(path: Path) -> Store:
    """Open (or create) the store, refusing a file that is not a briefing store."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
        _prepare(connection, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"not a usable SQLite database ({exc})",
            path=path,
            hint="point 'database' in the config at a new file; this one was left untouched",
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot create the store: {exc.strerror}", path=path) from None
    return Store(connection, path)


def _prepare(connection: sqlite3.Connection, path: Path) -> None:
    app_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if tables and app_id != APPLICATION_ID:
        connection.close()
        raise StoreError(
            "this database was not made by briefing",
            path=path,
            hint="point 'database' in the config at a new file; this one was left untouched",
        )
    if version > SCHEMA_VERSION:
        connection.close()
        raise StoreError(
            f"the store is from a newer briefing (schema {version}; this one knows "
            f"{SCHEMA_VERSION})",
            path=path,
            hint="upgrade briefing",
        )
    # WAL lets a reader look while a run writes; FULL keeps committed rows through power loss.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    with connection:
        connection.executescript(SCHEMA)
        _add_columns(connection)
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _add_columns(connection: sqlite3.Connection) -> None:
    for table, column, declaration in ADDED_COLUMNS:
        existing = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column not in existing:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _article_row(article: Article) -> tuple[str, ...]:
    return (
        article.id,
        article.url,
        article.source,
        article.topic,
        article.title,
        article.text,
        _utc(article.published),
        article.author,
        article.site_name,
        article.language,
        article.origin,
        article.note,
    )


def _article_from_row(row: Sequence[str]) -> Article:
    (id_, url, source, topic, title, text, published, author, site, lang, origin, note) = row
    return Article(
        id=id_,
        url=url,
        source=source,
        topic=topic,
        title=title,
        text=text,
        published=datetime.fromisoformat(published),
        author=author,
        site_name=site,
        language=lang,
        origin=origin,
        note=note,
    )


def _utc(moment: datetime) -> str:
    """ISO text in UTC, so stored times sort and compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
