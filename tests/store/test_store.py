"""The SQLite store, in a real file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefing.config import parse_config
from briefing.errors import StoreError
from briefing.models import Article, FeedResult, FeedSource
from briefing.store import open_store
from briefing.store.renders import edition_key
from briefing.store.schema import APPLICATION_ID, SCHEMA, SCHEMA_VERSION

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
SOURCE = FeedSource("Outlet", "https://example.org/feed", "World")


def article(n: int, hours_ago: float) -> Article:
    return Article(
        id=f"a{n}",
        source="Outlet",
        topic="World",
        url=f"https://example.org/{n}",
        title=f"Title {n}",
        text=f"Text {n} \u00e9\u4e2d",
        published=NOW - timedelta(hours=hours_ago),
    )


def test_articles_round_trip_and_window(tmp_path: Path) -> None:
    with open_store(tmp_path / "b.db") as store:
        store.save_articles([article(1, 1), article(2, 30), article(3, 0.5)], NOW)
        store.save_articles([article(1, 1)], NOW)  # stored once only
        inside = store.articles_between(NOW - timedelta(hours=24), NOW)
        assert [a.id for a in inside] == ["a1", "a3"]
        assert inside[0] == article(1, 1)
        assert store.known_ids(["a1", "a2", "zz"]) == {"a1", "a2"}


def test_feed_validators_and_health(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    ok = FeedResult(SOURCE, http_status=200, etag='"v1"', last_modified="Mon, 01 Jan 2024")
    failed = FeedResult(SOURCE, error="HTTP 500", http_status=500)
    with open_store(path) as store:
        store.save_feed_results([ok], NOW)
        store.save_feed_results([failed], NOW)
        store.save_feed_results([failed], NOW)
    with open_store(path) as store:  # survives reopening
        assert store.validators(SOURCE.url) == ('"v1"', "Mon, 01 Jan 2024")
        assert store.feed_health() == [("Outlet", SOURCE.url, 2, "HTTP 500", NOW.isoformat())]
        assert store.validators("https://other.example/") == (None, None)


def test_durable_settings(tmp_path: Path) -> None:
    with open_store(tmp_path / "b.db") as store:
        db = store._db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_foreign_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (body TEXT)")
        other.execute("INSERT INTO notes VALUES ('keep me')")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not made by briefing"):
        open_store(path)
    assert path.read_bytes() == before


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        open_store(path)
    assert path.read_bytes() == b"this is not a database at all" * 100


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer briefing"):
        open_store(path)


def test_a_store_made_before_articles_had_categories_gains_them_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    """An older file's articles table has no `categories`: opening adds it, every row kept."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    with db:
        db.executescript(SCHEMA)  # the tables as an older version made them
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("a1", "https://example.org/1", "Outlet", "World", "Title 1", "Text 1 \u00e9\u4e2d",
             (NOW - timedelta(hours=1)).isoformat(), "", "", "", "page", "", NOW.isoformat()),
        )  # fmt: skip
    db.close()
    assert "categories" not in _columns(path, "articles")
    tagged = replace(article(2, 2), categories=("Mundo", "Economia"))
    with open_store(path) as store:
        store.save_articles([tagged], NOW)
    assert "categories" in _columns(path, "articles")
    with open_store(path) as store:  # and again: the column is added once
        kept = store.articles_between(NOW - timedelta(hours=24), NOW)
    assert kept == (tagged, article(1, 1))


def _columns(path: Path, table: str) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def test_an_editions_key_covers_its_articles_categories(tmp_path: Path) -> None:
    """Sections read the categories: an edition whose articles' tags changed is made again."""
    config = parse_config({}, tmp_path / "feeds.toml")
    plain = [article(1, 1)]
    tagged = [replace(article(1, 1), categories=("Desporto",))]
    assert edition_key(config, plain, (), (), ()) != edition_key(config, tagged, (), (), ())
    assert edition_key(config, tagged, (), (), ()) == edition_key(config, tagged, (), (), ())
