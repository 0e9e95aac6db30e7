"""The SQLite store: feed validators and health, and every article already extracted.

It is what lets a second run send conditional requests and process only what is new. The store
refuses a file that is not ours, or is newer than this version, rather than write over it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .errors import StoreError
from .faults import checkpoint
from .models import (
    Article,
    Delivery,
    ExtractionHealth,
    FeedHealth,
    FeedResult,
    PastStory,
    StoredEdition,
    Story,
)

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
CREATE INDEX IF NOT EXISTS articles_url ON articles (url);
CREATE TABLE IF NOT EXISTS editions (
    day TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    pdf_path TEXT NOT NULL,
    status TEXT NOT NULL,
    rendered_at TEXT NOT NULL,
    done_at TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    day TEXT NOT NULL,
    recipient TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (day, recipient)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    day TEXT,
    event TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS site_paragraphs (
    site TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (site, fingerprint)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS extraction_health (
    feed TEXT PRIMARY KEY,
    articles INTEGER NOT NULL DEFAULT 0,
    fallbacks INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_reason TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT NOT NULL,
    edition TEXT NOT NULL,
    headline TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (id, edition)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stories_edition ON stories (edition);
CREATE TABLE IF NOT EXISTS story_articles (
    story TEXT NOT NULL,
    edition TEXT NOT NULL,
    article TEXT NOT NULL,
    new INTEGER NOT NULL,
    PRIMARY KEY (story, edition, article)
) WITHOUT ROWID;
"""

# Columns added after a table was first created: (table, column, declaration). Each is added
# once, when missing, so a store made by an older version gains them without losing a row.
# New tables go in SCHEMA above (CREATE TABLE IF NOT EXISTS); new columns go here.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("feeds", "next_fetch", "TEXT"),  # not to be asked before: Retry-After, max-age, ttl
    ("feeds", "entries", "INTEGER"),  # entries in the last successful read
)

EDITION_COLUMNS = "day, window_start, window_end, subject, html, text, pdf_path, status"
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

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these article URLs are already stored."""
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # stay under SQLite's variable limit
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk)
            found.update(row[0] for row in rows)
        return found

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
            checkpoint("storing")  # a kill here must roll the whole batch back

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

    def save_feed_schedule(self, results: Sequence[FeedResult]) -> None:
        """Record when each fetched feed may be asked again, and how many entries it gave."""
        with self._transaction():
            for r in results:
                if r.skipped:
                    continue
                entries = len(r.entries) if r.ok and not r.not_modified else None
                self._db.execute(
                    "UPDATE feeds SET next_fetch = ?, entries = coalesce(?, entries) "
                    "WHERE url = ?",
                    (_utc(r.next_fetch) if r.next_fetch else None, entries, r.source.url),
                )

    def feed_states(self) -> dict[str, FeedHealth]:
        """What is known of every feed ever fetched, by URL."""
        rows = self._db.execute(
            "SELECT url, name, last_status, last_error, last_success, failures, entries, "
            "next_fetch, checked_at FROM feeds"
        )
        return {row[0]: _health_from_row(row) for row in rows}

    def articles_since(
        self, start: datetime, end: datetime, collected_after: str
    ) -> tuple[Article, ...]:
        """Articles published in [start, end), plus older ones first stored after a moment."""
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE published < ? "
            "AND (published >= ? OR stored_at > ?) ORDER BY published, id",
            (_utc(end), _utc(start), collected_after),
        )
        return tuple(_article_from_row(row) for row in rows)

    def save_edition(self, edition: StoredEdition, now: datetime) -> None:
        """Keep a rendered edition; one already done stays done."""
        with self._transaction():
            self._db.execute(
                """INSERT INTO editions (day, window_start, window_end, subject, html, text,
                       pdf_path, status, rendered_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'rendered', ?)
                   ON CONFLICT (day) DO UPDATE SET window_start = excluded.window_start,
                       window_end = excluded.window_end, subject = excluded.subject,
                       html = excluded.html, text = excluded.text, pdf_path = excluded.pdf_path,
                       rendered_at = excluded.rendered_at""",
                (
                    edition.day.isoformat(),
                    _utc(edition.window_start),
                    _utc(edition.window_end),
                    edition.subject,
                    edition.html,
                    edition.text,
                    edition.pdf_path,
                    now.isoformat(),
                ),
            )

    def edition(self, day: date) -> StoredEdition | None:
        """The stored edition of a day, if one was rendered."""
        row = self._db.execute(
            f"SELECT {EDITION_COLUMNS} FROM editions WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return _edition_from_row(row) if row else None

    def previous_edition(self, day: date) -> tuple[StoredEdition, str] | None:
        """The latest edition before `day`, and when it was rendered."""
        row = self._db.execute(
            f"SELECT {EDITION_COLUMNS}, rendered_at FROM editions WHERE day < ? "
            "ORDER BY day DESC LIMIT 1",
            (day.isoformat(),),
        ).fetchone()
        return (_edition_from_row(row[:8]), row[8]) if row else None

    def mark_edition_done(self, day: date, now: datetime) -> None:
        """Record that the day's edition is made and every recipient has an outcome."""
        with self._transaction():
            self._db.execute(
                "UPDATE editions SET status = 'done', done_at = ? WHERE day = ?",
                (now.isoformat(), day.isoformat()),
            )

    def edition_done(self, day: date) -> bool:
        """Whether the day's edition is done: the scheduler's one truth of 'done today'."""
        row = self._db.execute(
            "SELECT 1 FROM editions WHERE day = ? AND status = 'done'", (day.isoformat(),)
        ).fetchone()
        return row is not None

    def deliveries(self, day: date) -> dict[str, Delivery]:
        """Every recipient's delivery of a day's edition, by address."""
        rows = self._db.execute(
            "SELECT day, recipient, message_id, status, detail, attempts FROM deliveries "
            "WHERE day = ?",
            (day.isoformat(),),
        )
        return {
            r[1]: Delivery(date.fromisoformat(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows
        }

    def save_delivery(self, delivery: Delivery, now: datetime) -> None:
        """Record a recipient's delivery state, committed before the next SMTP step."""
        with self._transaction():
            self._db.execute(
                """INSERT INTO deliveries (day, recipient, message_id, status, detail, attempts,
                       updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (day, recipient) DO UPDATE SET message_id = excluded.message_id,
                       status = excluded.status, detail = excluded.detail,
                       attempts = excluded.attempts, updated_at = excluded.updated_at""",
                (
                    delivery.day.isoformat(),
                    delivery.recipient,
                    delivery.message_id,
                    delivery.status,
                    delivery.detail,
                    delivery.attempts,
                    now.isoformat(),
                ),
            )

    def log_run(self, now: datetime, day: date | None, event: str, reason: str) -> None:
        """Keep a scheduler event (ran, missed, failed, stopped) with its reason."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO runs (at, day, event, reason) VALUES (?, ?, ?, ?)",
                (now.isoformat(), day.isoformat() if day else None, event, reason),
            )

    def run_log(self) -> list[tuple[str, str | None, str, str]]:
        """(at, day, event, reason) of every scheduler event, oldest first."""
        rows = self._db.execute("SELECT at, day, event, reason FROM runs ORDER BY id")
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def site_paragraph_counts(self, site: str, fingerprints: Sequence[str]) -> dict[str, int]:
        """In how many stored articles of a site each of these paragraph fingerprints occurs."""
        counts: dict[str, int] = {}
        for start in range(0, len(fingerprints), 500):  # stay under SQLite's variable limit
            chunk = list(fingerprints[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT fingerprint, articles FROM site_paragraphs "
                f"WHERE site = ? AND fingerprint IN ({marks})",
                (site, *chunk),
            )
            counts.update((row[0], row[1]) for row in rows)
        return counts

    def learn_site_paragraphs(self, site: str, articles: Sequence[Sequence[str]]) -> None:
        """Count each article's paragraph fingerprints once; forget one-offs after 30 days."""
        now = datetime.now(UTC)
        rows = [(site, fp, _utc(now)) for prints in articles for fp in set(prints)]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO site_paragraphs (site, fingerprint, articles, last_seen) "
                "VALUES (?, ?, 1, ?) ON CONFLICT (site, fingerprint) DO UPDATE SET "
                "articles = articles + 1, last_seen = excluded.last_seen",
                rows,
            )
            self._db.execute(
                "DELETE FROM site_paragraphs WHERE articles = 1 AND last_seen < ?",
                (_utc(now - timedelta(days=30)),),
            )

    def record_extraction(self, outcomes: Sequence[tuple[str, bool, bool, str]]) -> None:
        """Add (feed, fell back to feed text, failed, reason) outcomes to each feed's health."""
        now = _utc(datetime.now(UTC))
        with self._transaction():
            self._db.executemany(
                "INSERT INTO extraction_health (feed, articles, fallbacks, failures, last_reason,"
                " updated_at) VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT (feed) DO UPDATE SET "
                "articles = articles + 1, fallbacks = fallbacks + excluded.fallbacks, "
                "failures = failures + excluded.failures, last_reason = CASE "
                "WHEN excluded.last_reason = '' THEN last_reason ELSE excluded.last_reason END, "
                "updated_at = excluded.updated_at",
                [(feed, int(back), int(failed), why, now) for feed, back, failed, why in outcomes],
            )

    def extraction_health(self) -> dict[str, ExtractionHealth]:
        """How often each feed's articles fell back to the feed's text or failed, by feed name."""
        rows = self._db.execute(
            "SELECT feed, articles, fallbacks, failures, last_reason FROM extraction_health"
        )
        return {row[0]: ExtractionHealth(*row) for row in rows}

    def save_stories(self, edition: date, stories: Sequence[Story]) -> None:
        """Record the stories an edition showed, each with every report it has had so far.

        Saving an edition again replaces what was saved for it, so a rerun is idempotent.
        """
        day = edition.isoformat()
        with self._transaction():
            self._db.execute("DELETE FROM stories WHERE edition = ?", (day,))
            self._db.execute("DELETE FROM story_articles WHERE edition = ?", (day,))
            for story in stories:
                self._save_story(day, story)

    def _save_story(self, day: str, story: Story) -> None:
        earlier = self._db.execute(
            "SELECT article FROM story_articles WHERE story = ? AND edition = "
            "(SELECT max(edition) FROM stories WHERE id = ? AND edition < ?)",
            (story.id, story.id, day),
        )
        new = set(story.new_article_ids)
        ids = {row[0]: 0 for row in earlier} | {a.id: int(a.id in new) for a in story.articles}
        self._db.execute(
            "INSERT INTO stories (id, edition, headline, status) VALUES (?, ?, ?, ?)",
            (story.id, day, story.headline, story.status),
        )
        self._db.executemany(
            "INSERT INTO story_articles (story, edition, article, new) VALUES (?, ?, ?, ?)",
            [(story.id, day, aid, flag) for aid, flag in sorted(ids.items())],
        )

    def recent_stories(self, before: date, days: int) -> tuple[PastStory, ...]:
        """Stories shown in the `days` before an edition, each as its latest edition left it."""
        rows = self._db.execute(
            "SELECT s.id, s.headline, s.edition FROM stories s WHERE s.edition >= ? "
            "AND s.edition = (SELECT max(edition) FROM stories t WHERE t.id = s.id "
            "AND t.edition < ?) ORDER BY s.edition, s.id",
            ((before - timedelta(days=days)).isoformat(), before.isoformat()),
        ).fetchall()
        columns = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
        past = []
        for id_, headline, day in rows:
            found = self._db.execute(
                f"SELECT {columns} FROM story_articles sa JOIN articles a ON a.id = sa.article "
                "WHERE sa.story = ? AND sa.edition = ? ORDER BY a.published, a.id",
                (id_, day),
            )
            articles = tuple(_article_from_row(row) for row in found)
            past.append(PastStory(id_, headline, date.fromisoformat(day), articles))
        return tuple(p for p in past if p.articles)

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


def _health_from_row(row: Sequence[object]) -> FeedHealth:
    url, name, status, error, success, failures, entries, next_fetch, checked = row
    return FeedHealth(
        url=str(url),
        name=str(name),
        status=status if isinstance(status, int) else None,
        last_error=str(error) if error else None,
        last_success=_moment(success),
        failures=int(failures or 0),  # type: ignore[call-overload]
        entries=entries if isinstance(entries, int) else None,
        next_fetch=_moment(next_fetch),
        checked_at=_moment(checked),
    )


def _moment(value: object) -> datetime | None:
    """A stored ISO time as an aware datetime (UTC when the text has no offset)."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _edition_from_row(row: Sequence[str]) -> StoredEdition:
    day, start, end, subject, html, text, pdf_path, status = row
    return StoredEdition(
        day=date.fromisoformat(day),
        window_start=datetime.fromisoformat(start),
        window_end=datetime.fromisoformat(end),
        subject=subject,
        html=html,
        text=text,
        pdf_path=pdf_path,
        status=status,
    )
