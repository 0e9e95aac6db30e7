"""Progress kept as it is made: each article is stored when done, so a killed run is not redone.

A real `briefing generate` process reads a feed of 20 slow pages on 127.0.0.1 and is SIGKILLed
once some articles are in its SQLite file. Those articles must be there after the kill, the
feed's validators must not be (a 304 would hide the rest), and the rerun must ask the server
only for the pages still missing.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

from briefing.extract import extract_articles, fingerprint
from briefing.extract.articles import FLUSH_SECONDS
from briefing.fetch.http import Fetcher
from briefing.store import open_store

from .extract.test_extract import SITE_NOTE, SOURCE, entry, site_page
from .fault_server import Behaviour, FaultHandler, fault_server, slow, with_validators
from .store.test_crash import finish, integrity, start

PAGES = 18  # pages the server gives after DELAY
GONE = 2  # pages that answer 404 after DELAY: their feed text is stored in their place
DELAY = 0.2
# A letter per entry: feed texts alike but for their numbers are a template, and dropped.
CREWS = [chr(ord("A") + n) for n in range(PAGES + GONE)]
PUBLISHED = "Sat, 22 Jan 2022 10:00:00 GMT"  # inside the window of test_crash's AS_OF


def page(n: int) -> bytes:
    words = " ".join(f"Fact {i} of dispatch {n} about the harbour works." for i in range(30))
    return (
        f"<html><body><article><h1>Dispatch {n}</h1><p>{words}</p></article></body></html>".encode()
    )


def feed(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Dispatch {n}</title><link>{base}{path}</link><guid>{base}/g{n}</guid>"
        f"<pubDate>{PUBLISHED}</pubDate><description>Crew {CREWS[n]} reports that the "
        f"harbour works go on through the winter.</description></item>"
        for n, path in enumerate(paths)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour</title>'
        f"<link>{base}/</link><description>x</description>{items}</channel></rss>"
    ).encode()


def slow_404(handler: FaultHandler) -> None:
    time.sleep(DELAY)
    handler.answer(404, b"gone")


def config(folder: Path, base: str) -> Path:
    path = folder / "feeds.toml"
    path.write_text(
        'formats = ["html"]\n'
        "[fetch]\nallow_networks = ['127.0.0.1/32']\nhost_delay = 0\n"
        f'[[feeds]]\nname = "Harbour"\nurl = "{base}/feed.xml"\n',
        encoding="utf-8",
    )
    return path


def stored_urls(database: Path) -> set[str]:
    """The article URLs in the store; none while the file or its tables are not made yet."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            return {row[0] for row in db.execute("SELECT url FROM articles")}
    except sqlite3.Error:
        return set()


def kill_once_stored(pid: int, database: Path, enough: int, within: float = 30.0) -> set[str]:
    """SIGKILL the run as soon as `enough` articles are stored; the URLs stored by then."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len(stored_urls(database)) < enough:
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    return stored_urls(database)


def test_a_killed_run_keeps_its_articles_and_the_rerun_reads_only_the_rest(
    tmp_path: Path,
) -> None:
    paths = [f"/p{n}.html" for n in range(PAGES)] + [f"/gone{n}.html" for n in range(GONE)]
    behaviours: dict[str, Behaviour] = {f"/p{n}.html": slow(page(n), DELAY) for n in range(PAGES)}
    behaviours |= {f"/gone{n}.html": slow_404 for n in range(GONE)}
    with fault_server("127.0.0.1", behaviours) as server:
        server.behaviours["/feed.xml"] = with_validators(feed(server.base_url, paths))
        path = config(tmp_path, server.base_url)
        database = tmp_path / "briefing.db"
        pid = start(path, None)
        kept = kill_once_stored(pid, database, enough=4)
        code, err = finish({"run": pid}, {"run": path})["run"]
        assert code == -signal.SIGKILL, f"the run ended before it was killed: {code} {err}"
        # Killed midway: some articles stored, not all, and no validator that would hide the rest.
        assert 4 <= len(kept) < len(paths), kept
        assert integrity(database) == "ok"
        with sqlite3.connect(database) as db:
            assert db.execute("SELECT etag FROM feeds WHERE etag IS NOT NULL").fetchall() == []
        before = dict(server.requests)
        pid = start(path, None)
        code, err = finish({"rerun": pid}, {"rerun": path})["rerun"]
        assert code == 0, err
        asked = {p: n - before.get(p, 0) for p, n in server.requests.items()}
    kept_paths = {url.removeprefix(server.base_url) for url in kept}
    assert {p for p in paths if asked.get(p)} == set(paths) - kept_paths
    assert all(asked.get(p, 0) <= 1 for p in paths), asked
    assert asked["/feed.xml"] == 1
    assert stored_urls(database) == {server.base_url + p for p in paths}
    with sqlite3.connect(database) as db:
        origins = dict(db.execute("SELECT origin, count(*) FROM articles GROUP BY origin"))
    assert origins == {"page": PAGES, "feed": GONE}


def test_articles_are_stored_while_others_are_still_being_read(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    """Each batch is committed while later pages are still on their way, not once at the end."""
    count = 6
    behaviours: dict[str, Behaviour] = {
        f"/p{n}.html": slow(page(n), FLUSH_SECONDS * n / 2, {"Content-Type": "text/html"})
        for n in range(count)
    }
    seen: list[int] = []
    with fault_server("127.0.0.1", behaviours) as server, open_store(tmp_path / "b.db") as store:
        database = tmp_path / "b.db"
        entries = [replace(entry(f"{server.base_url}/p{n}.html"), id=f"e{n}") for n in range(count)]
        articles, failures = extract_articles(
            entries,
            [SOURCE],
            fetcher,
            store=store,
            progress=lambda _: seen.append(len(stored_urls(database))),
        )
    assert len(articles) == count and not failures
    # The last page arrives seconds after the first: by then earlier articles were committed.
    assert seen[-1] >= 2, seen
    assert len(stored_urls(database)) == count


def test_boilerplate_learned_late_in_a_run_is_dropped_from_articles_stored_early(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    """The first pages of a site are stored before its repeated note is known; the store ends
    as one batch would have left it: the note dropped everywhere, each page counted once."""
    behaviours: dict[str, Behaviour] = {
        f"/r{n}.html": slow(site_page(n), 0.4 * n, {"Content-Type": "text/html"}) for n in range(4)
    }
    with fault_server("127.0.0.1", behaviours) as server, open_store(tmp_path / "b.db") as store:
        entries = [replace(entry(f"{server.base_url}/r{n}.html"), id=f"e{n}") for n in range(4)]
        articles, _ = extract_articles(entries, [SOURCE], fetcher, store=store)
        assert len(articles) == 4 and all(SITE_NOTE not in a.text for a in articles)
        with sqlite3.connect(tmp_path / "b.db") as db:
            texts = [row[0] for row in db.execute("SELECT text FROM articles")]
        assert len(texts) == 4 and all(SITE_NOTE not in t for t in texts)
        counts = store.site_paragraph_counts("127.0.0.1", [fingerprint(SITE_NOTE)])
        health = store.extraction_health()["Outlet"]
    assert counts == {fingerprint(SITE_NOTE): 4}
    assert (health.articles, health.fallbacks, health.failures) == (4, 0, 0)
