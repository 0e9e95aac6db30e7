"""The store's schema, and the checks and upgrades made when a file is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..errors import StoreError

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
CREATE TABLE IF NOT EXISTS rendered_editions (
    place TEXT PRIMARY KEY,
    inputs TEXT NOT NULL,
    briefing TEXT NOT NULL,
    outputs TEXT NOT NULL,
    saved_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kept_summaries (
    key TEXT PRIMARY KEY,
    summary TEXT NOT NULL,
    made_at TEXT NOT NULL,
    used_at TEXT NOT NULL
) WITHOUT ROWID;
"""

# Columns added after a table was first created: (table, column, declaration). Each is added
# once, when missing, so a store made by an older version gains them without losing a row.
# New tables go in SCHEMA above (CREATE TABLE IF NOT EXISTS); new columns go here.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("feeds", "next_fetch", "TEXT"),  # not to be asked before: Retry-After, max-age, ttl
    ("feeds", "entries", "INTEGER"),  # entries in the last successful read
    # The window start the items of the last full read were taken for; NULL when they were not
    # taken (`feeds check --fetch`). A run that wants older items asks without validators.
    ("feeds", "read_since", "TEXT"),
    # the feed item's category tags, a JSON list: the outlet's filing, read when sections are made
    ("articles", "categories", "TEXT NOT NULL DEFAULT '[]'"),
)


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
