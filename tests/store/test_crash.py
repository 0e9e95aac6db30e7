"""The crash matrix: SIGKILL a real `briefing generate --send` process at each step, rerun.

Each scenario has its own store, output folder and recipient; the demo site and one SMTP sink
serve them all, and the scenarios run side by side to keep the test short. After the kill and
after the rerun the store must pass `PRAGMA integrity_check`; after the rerun every article of
the site must be stored and each recipient must hold exactly one message.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

from briefing.cli import main
from briefing.demo import SITE, demo_config
from briefing.demo.server import serve
from briefing.faults import CHECKPOINTS, CRASH_ENV

from ..smtpsink import smtp_server

AS_OF = "2022-01-22T12:00:00+00:00"


def toml(data: dict[str, Any]) -> str:
    """Just enough TOML for a config: JSON spells these strings, numbers and lists the same."""
    lines = [f"{k} = {json.dumps(v)}" for k, v in data.items() if not isinstance(v, dict | list)]
    lines += [f"formats = {json.dumps(data['formats'])}"]
    for name, table in data.items():
        if isinstance(table, dict):
            lines += [f"[{name}]"] + [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    for feed in data["feeds"]:
        lines += ["[[feeds]]"] + [f"{k} = {json.dumps(v)}" for k, v in feed.items()]
    return "\n".join(lines) + "\n"


def scenario(tmp: Path, point: str, base_url: str, port: int) -> Path:
    folder = tmp / point
    folder.mkdir()
    data = demo_config(base_url, folder / "out", folder / "briefing.db")
    data["formats"] = ["html"]  # the PDF is tested elsewhere; here it would only cost time
    data["email"] = {
        "to": [f"{point}@example.org"],
        "from": "briefing@example.org",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "security": "none",
        "timeout": 10.0,
    }
    path = folder / "feeds.toml"
    path.write_text(toml(data), encoding="utf-8")
    return path


def start(config: Path, crash_at: str | None) -> int:
    """Fork a real process that runs the CLI's `generate --send`; return its pid.

    Forked rather than spawned, so the child does not spend seconds importing the libraries:
    it is still its own process, and SIGKILL ends it with no cleanup at all.
    """
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        os.environ.pop(CRASH_ENV, None)
        if crash_at:
            os.environ[CRASH_ENV] = crash_at
        log = os.open(config.parent / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        args = ["generate", "--send", "--as-of", AS_OF, "--config", str(config)]
        try:
            main(args, standalone_mode=False)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os._exit(code)


def finish(pids: dict[str, int], configs: dict[str, Path]) -> dict[str, tuple[int, str]]:
    codes = {point: os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for point, pid in pids.items()}
    return {p: (c, (configs[p].parent / "stderr.txt").read_text()) for p, c in codes.items()}


def integrity(database: Path) -> str:
    with sqlite3.connect(database) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def stored(database: Path, query: str) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return list(db.execute(query))


def test_sigkill_at_each_step_then_rerun_loses_nothing_and_sends_once(tmp_path: Path) -> None:
    manifest = tomllib.loads((SITE / "MANIFEST.toml").read_text(encoding="utf-8"))
    site_articles = len(manifest["feeds"])  # one report per outlet in the bundled site
    with serve(SITE) as site, smtp_server(tmp_path, starttls=False) as (sink, port, _):
        configs = {p: scenario(tmp_path, p, site.base_url, port) for p in CHECKPOINTS}
        crashed = finish({p: start(c, p) for p, c in configs.items()}, configs)
        for point, (code, err) in crashed.items():
            assert code == -signal.SIGKILL, f"{point} was not killed: {code} {err}"
            assert integrity(configs[point].parent / "briefing.db") == "ok"
        reran = finish({p: start(c, None) for p, c in configs.items()}, configs)
    for point, (code, err) in reran.items():
        database = configs[point].parent / "briefing.db"
        # Killed between the server's 250 and our record of it, the rerun cannot know the message
        # arrived: it says so with the uncertain exit code (7); every other rerun ends done (0).
        assert code == (7 if point == "accepted" else 0), f"rerun after {point}: {code} {err}"
        assert integrity(database) == "ok"
        urls = stored(database, "SELECT url FROM articles")
        assert len(urls) == site_articles, f"after {point}: {urls}"
        assert len(sink.to(f"{point}@example.org")) == 1, f"after {point}"
        statuses = stored(database, "SELECT status FROM deliveries")
        # Killed between the server's 250 and our record of it: we cannot know it arrived.
        assert statuses == [("uncertain",)] if point == "accepted" else [("sent",)]
        assert stored(database, "SELECT status FROM editions") == [("done",)]
