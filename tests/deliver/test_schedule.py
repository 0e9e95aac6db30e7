"""The scheduler: real APScheduler triggers, a controlled clock, the real store as the truth."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from briefing.config import parse_config
from briefing.deliver.edition import run_edition
from briefing.deliver.schedule import (
    AlreadyRunningError,
    ChildRun,
    RunTimeoutError,
    Scheduler,
    cron_trigger,
    decide,
    instance_lock,
)
from briefing.demo import SITE, demo_config
from briefing.demo.server import serve
from briefing.models import Article, StoredEdition
from briefing.store import open_store

from ..conftest import ROOT

BERLIN = ZoneInfo("Europe/Berlin")
MANIFEST = tomllib.loads((SITE / "MANIFEST.toml").read_text(encoding="utf-8"))


def config_for(tmp: Path, **top: Any) -> Any:
    data = {"timezone": "Europe/Berlin", "database": str(tmp / "b.db"), **top}
    return parse_config(data, tmp / "feeds.toml")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeRun:
    """Stands in for a whole run: records the edition as done in the real store."""

    def __init__(self) -> None:
        self.calls: list[datetime] = []

    def __call__(self, config: Any, as_of: datetime) -> None:
        self.calls.append(as_of)
        day = as_of.astimezone(config.tz).date()
        now = datetime.now(UTC)
        with open_store(config.database) as store:
            store.save_edition(StoredEdition(day, as_of, as_of, "s", "<p>h</p>", "t"), now)
            store.mark_edition_done(day, now)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_decide_catches_up_within_the_grace_and_reports_a_miss_after(tmp_path: Path) -> None:
    config = config_for(tmp_path, schedule="0 6 * * *", catch_up_hours=6)
    trigger = cron_trigger(config)
    done: set = set()
    early = decide(at(2026, 11, 23, 5, 59), trigger, config, done.__contains__)
    late = decide(at(2026, 11, 23, 9, 30), trigger, config, done.__contains__)
    too_late = decide(at(2026, 11, 23, 12, 1), trigger, config, done.__contains__)
    assert not early.run and str(early.day) == "2026-11-22"  # yesterday's time, long gone
    assert late.run and str(late.day) == "2026-11-23" and "catching up 3.5 h late" in late.reason
    assert not too_late.run and too_late.reason.startswith("missed: scheduled at 2026-11-23 06:00")
    done.add(late.day)
    assert not decide(at(2026, 11, 23, 10, 0), trigger, config, done.__contains__).run


def test_restart_after_the_trigger_time_catches_up_once_with_the_real_pipeline(
    tmp_path: Path,
) -> None:
    with serve(SITE) as server:
        data = demo_config(server.base_url, tmp_path / "out", tmp_path / "b.db")
        data.update(formats=["html"], timezone="Europe/Berlin", schedule="0 6 * * *")
        config = parse_config(data, tmp_path / "feeds.toml")
        runs: list[datetime] = []

        def real_run(config: Any, as_of: datetime) -> None:
            runs.append(as_of)
            run_edition(config, as_of=as_of, since_last_edition=True)

        clock = Clock(at(2022, 1, 22, 5, 0))  # polls before the trigger collect, nothing more
        Scheduler(config, run=real_run, clock=clock).poll()
        with open_store(config.database) as store:
            collected = store.articles_between(at(2021, 11, 1), clock.now)
        assert len(collected) == len(MANIFEST["feeds"]) and runs == []
        clock.now = at(2022, 1, 22, 5, 59)  # stopped before the trigger ...
        Scheduler(config, run=real_run, clock=clock).tick("start-up")
        for hour, minute in ((9, 30), (9, 31), (11, 0)):  # ... restarted after it, and again
            clock.now = at(2022, 1, 22, hour, minute)
            Scheduler(config, run=real_run, clock=clock).tick("start-up")
    assert runs == [at(2022, 1, 22, 9, 30)]
    with open_store(config.database) as store:
        edition = store.edition(runs[0].date())
        assert edition is not None and edition.status == "done"
        assert "Geneva" in edition.html  # the real edition, built from the demo site
        events = [(day, event) for _, day, event, _ in store.run_log()]
    assert events.count(("2022-01-22", "ran")) == 1


def test_the_morning_edition_holds_what_was_collected_since_the_previous_one(
    tmp_path: Path,
) -> None:
    with serve(SITE) as server:
        data = demo_config(server.base_url, tmp_path / "out", tmp_path / "b.db")
        config = parse_config({**data, "formats": ["html"]}, tmp_path / "feeds.toml")
        first_end = datetime(2022, 1, 21, 16, tzinfo=UTC)
        first = run_edition(config, as_of=first_end, since_last_edition=True)
        late = Article(
            id="late-1",
            source="Late Wire",
            topic="World",
            url="https://late.example/1",
            title="Late wire report on the Geneva talks",
            text="A report published before the first edition but collected after it.",
            published=first_end - timedelta(hours=2),
        )
        with open_store(config.database) as store:
            store.save_articles([late], datetime.now(UTC))
        second = run_edition(config, as_of=first_end + timedelta(days=1), since_last_edition=True)
    assert first.run.briefing.window_start == first_end - timedelta(hours=config.window_hours)
    assert second.run.briefing.window_start == first_end  # where the previous edition ended
    assert [a.id for s in second.run.briefing.stories for a in s.articles] == ["late-1"]


def test_restart_after_the_catch_up_runs_nothing_and_logs_why(tmp_path: Path) -> None:
    config = config_for(tmp_path, catch_up_hours=6)
    run = FakeRun()
    Scheduler(config, run=run, clock=Clock(at(2026, 11, 23, 12, 30))).tick("start-up")
    assert run.calls == []
    with open_store(config.database) as store:
        missed = [r for r in store.run_log() if r[1] == "2026-11-23"]
    assert [r[2] for r in missed] == ["missed"]
    assert "past the catch-up of 6:00:00" in missed[0][3]


def test_a_start_after_days_down_logs_every_missed_day(tmp_path: Path) -> None:
    config = config_for(tmp_path, catch_up_hours=6)
    run = FakeRun()
    Scheduler(config, run=run, clock=Clock(at(2026, 11, 20, 6, 0))).tick("alarm")
    Scheduler(config, run=run, clock=Clock(at(2026, 11, 23, 13, 0))).tick("start-up")
    with open_store(config.database) as store:
        missed = sorted(day for _, day, event, _ in store.run_log() if event == "missed")
    assert len(run.calls) == 1
    assert missed == ["2026-11-21", "2026-11-22", "2026-11-23"]


def test_five_restarts_in_a_day_give_one_briefing(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    run = FakeRun()
    for hour, minute in ((6, 0), (6, 1), (7, 15), (9, 45), (11, 59)):
        clock = Clock(at(2026, 11, 23, hour, minute))
        Scheduler(config, run=run, clock=clock).tick("start-up")
    assert len(run.calls) == 1


@pytest.mark.parametrize(
    ("day", "kind"), [((2026, 3, 29), "does not exist"), ((2026, 10, 25), "happens twice")]
)
def test_a_daylight_saving_day_runs_exactly_once(tmp_path: Path, day: tuple, kind: str) -> None:
    """02:30 Berlin on these days {kind}: polls every 30 minutes for two days, one run a day."""
    config = config_for(tmp_path, schedule="30 2 * * *", catch_up_hours=2)
    run = FakeRun()
    clock = Clock(datetime(*day, tzinfo=BERLIN) - timedelta(days=1))
    scheduler = Scheduler(config, run=run, clock=clock)
    end = clock.now + timedelta(days=2)
    while clock.now < end:
        scheduler.tick("poll")
        clock.now = (clock.now.astimezone(UTC) + timedelta(minutes=30)).astimezone(BERLIN)
    days = [c.astimezone(BERLIN).date() for c in run.calls]
    assert len(days) == len(set(days)) == 2
    assert datetime(*day).date() in days


def test_real_background_scheduler_fires_its_cron_trigger_and_runs_once(tmp_path: Path) -> None:
    config = config_for(tmp_path, catch_up_hours=0, poll_minutes=0.01)
    run = FakeRun()
    polls: list[datetime] = []
    every_second = CronTrigger(second="*", timezone=BERLIN)
    scheduler = Scheduler(config, run=run, trigger=every_second, poll=lambda c, t: polls.append(t))
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.serve, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not run.calls and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.5)  # two or three more alarms: each finds the edition done
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert len(run.calls) == 1
    assert len(polls) >= 2  # the interval job collects between editions


def test_a_second_instance_is_refused_at_once(tmp_path: Path) -> None:
    database = tmp_path / "b.db"
    refused = pytest.raises(AlreadyRunningError, match=rf"already running .*pid {os.getpid()}")
    with instance_lock(database), refused, instance_lock(database):
        pass
    with instance_lock(database):  # released: the next one gets it
        pass


def _cli(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "briefing", *args, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def schedule_config(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "feeds.toml"
    path.write_text('schedule = "0 6 * * *"\ncatch_up_hours = 0\nfeeds = []\n')
    yield path


def test_a_second_scheduler_exits_at_once_and_sigterm_stops_the_first(
    schedule_config: Path,
) -> None:
    first = _cli(schedule_config, "schedule")
    assert first.stderr is not None
    assert "briefing schedule:" in first.stderr.readline()  # the first holds the lock now
    second = _cli(schedule_config, "schedule")
    refused = " ".join(second.communicate(timeout=30)[1].split())  # rich wraps long lines
    assert second.returncode == 6
    assert f"another briefing is already running on {schedule_config.parent}" in refused
    assert f"pid {first.pid}" in refused
    first.send_signal(signal.SIGTERM)
    _, rest = first.communicate(timeout=20)
    assert first.returncode == 0, rest
    assert "stopped" in rest
    with instance_lock(schedule_config.parent / "briefing.db"):  # the lock was let go
        pass


def test_a_hung_run_is_stopped_at_its_deadline(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/feed.xml"
        config = config_for(
            tmp_path,
            run_deadline_minutes=0.05,
            feeds=[{"name": "Hangs", "url": url, "timeout": 60.0}],
            fetch={"allow_networks": ["127.0.0.1/32"]},
        )
        started = time.monotonic()
        with pytest.raises(RunTimeoutError, match="deadline of 0.05 min"):
            ChildRun(stop_grace=1.0).run(config, datetime.now(UTC))
    assert time.monotonic() - started < 15


def test_the_guides_systemd_unit_is_valid(tmp_path: Path) -> None:
    """The unit the deployment guide offers passes systemd's own check, with its command found."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    unit = re.search(r"```ini\n(\[Unit\].*?)```", guide, re.S)
    assert unit is not None, "docs/deployment.md has no systemd unit"
    command = Path(sys.executable).parent / "briefing"
    path = tmp_path / "briefing.service"
    path.write_text(unit.group(1).replace("/srv/briefing/.venv/bin/briefing", str(command)))
    checked = subprocess.run(
        [analyze, "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    # An unknown key or a bad value is only a warning on stderr; either fails this test.
    assert (checked.returncode, checked.stderr.strip()) == (0, ""), checked.stderr
