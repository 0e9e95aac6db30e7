"""The long-running scheduler: one edition a day, at the configured time, exactly once.

APScheduler (3.x) is only the alarm clock. Whether today's edition is done lives in the SQLite
store, so it survives restarts: at every alarm, at start-up and at every poll, `decide` looks at
the latest scheduled time and the store, and runs the edition only if it is not done and the
scheduled time is at most `catch_up_hours` ago. Five restarts in a morning therefore give one
edition, and a daylight-saving day (a time that does not exist, or exists twice) gives one too.

Each edition runs in a child process with a deadline: a hung run is stopped, so the next day is
never blocked, and it ends with the scheduler if that is killed. Between editions the feeds are
polled and new articles stored. The lock file next to the store (`lock.py`), held while the
scheduler runs, keeps a second scheduler or any other run from working beside the first.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from ..config import Config
from ..errors import AlreadyRunningError as AlreadyRunningError  # raised by instance_lock
from ..errors import BriefingError, RunTimeoutError
from ..pipeline import collect
from ..runtime.lock import SCHEDULE, instance_lock
from ..runtime.workers import die_with_parent
from ..store import Store, open_store
from .edition import run_edition

log = logging.getLogger("briefing.deliver.schedule")

ON_TIME = timedelta(minutes=1)  # an alarm this late still counts as on time, whatever the grace
MAX_ATTEMPTS = 3  # runs of one day's edition before the scheduler stops trying
STOP_GRACE = 10.0  # seconds a stopped run gets to unwind before it is killed
LOOK_BACK = timedelta(days=7)  # how far back a start-up names the editions its downtime cost


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether to make an edition now, which day's, and why (logged either way)."""

    run: bool
    day: date | None
    reason: str
    scheduled: datetime | None = None


def cron_trigger(config: Config) -> CronTrigger:
    """The config's cron line as an APScheduler trigger in the config's time zone."""
    return CronTrigger.from_crontab(config.schedule, timezone=config.tz)


def last_fire_time(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest time at or before `now` that the trigger fires, within `lookback`."""
    now = now.astimezone(UTC)
    step = timedelta(minutes=1)
    while True:  # widen the look back until it holds a fire time: few steps for any cron line
        moment = trigger.get_next_fire_time(None, now - min(step, lookback))
        if moment is not None and moment.astimezone(UTC) <= now:
            break
        if step >= lookback:
            return None
        step *= 8
    last = None
    while moment is not None and moment.astimezone(UTC) <= now:
        last = moment
        # Asked in UTC: a wall-clock step would find the repeated hour of a DST day twice.
        moment = trigger.get_next_fire_time(None, moment.astimezone(UTC) + timedelta(seconds=1))
    return last


def fire_times(trigger: BaseTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every time the trigger fires in [start, end)."""
    times = []
    moment = trigger.get_next_fire_time(None, start.astimezone(UTC))
    while moment is not None and moment.astimezone(UTC) < end.astimezone(UTC):
        times.append(moment)
        moment = trigger.get_next_fire_time(None, moment.astimezone(UTC) + timedelta(seconds=1))
    return times


def decide(
    now: datetime,
    trigger: BaseTrigger,
    config: Config,
    done: Callable[[date], bool],
    attempts: Callable[[date], int] = lambda day: 0,
) -> Decision:
    """Should the edition run at `now`? Pure but for the two store look-ups passed in."""
    catch_up = timedelta(hours=config.catch_up_hours)
    fired = last_fire_time(trigger, now, catch_up + timedelta(hours=26))
    if fired is None:
        return Decision(False, None, "no scheduled time in the last day")
    day = fired.astimezone(config.tz).date()
    late = now.astimezone(UTC) - fired.astimezone(UTC)
    at = f"{fired.astimezone(config.tz):%Y-%m-%d %H:%M %Z}"
    if done(day):
        return Decision(False, day, f"the {day} edition is done", fired)
    if late > max(catch_up, ON_TIME):
        reason = f"missed: scheduled at {at}, {_hours(late)} ago, past the catch-up of {catch_up}"
        return Decision(False, day, reason, fired)
    if attempts(day) >= MAX_ATTEMPTS:
        return Decision(False, day, f"gave up: {MAX_ATTEMPTS} runs of the {day} edition failed")
    kind = "scheduled" if late <= ON_TIME else f"catching up {_hours(late)} late"
    return Decision(True, day, f"{kind}: the edition of {at}", fired)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def edition_as_of(decision: Decision, now: datetime, config: Config) -> datetime:
    """The edition's end: now, unless a catch-up crossed midnight (then the scheduled time)."""
    assert decision.scheduled is not None and decision.day is not None
    local = now.astimezone(config.tz)
    return local if local.date() == decision.day else decision.scheduled


class Scheduler:
    """Runs editions when `decide` says so, and polls the feeds in between."""

    def __init__(
        self,
        config: Config,
        *,
        run: Callable[[Config, datetime], None] | None = None,
        poll: Callable[[Config, datetime], object] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        trigger: BaseTrigger | None = None,
    ) -> None:
        self.config = config
        self.trigger = trigger or cron_trigger(config)
        self._child = ChildRun() if run is None else None
        self._run = run or self._child.run  # type: ignore[union-attr]
        self._poll = poll or collect
        self._clock = clock
        self._missed: set[date] = set()
        self._looked_back = False

    def tick(self, why: str) -> Decision:
        """Look at the clock and the store; make the edition if it is due and not done."""
        now = self._clock()
        with open_store(self.config.database) as store:
            failed = lambda day: _failed_runs(store, day)  # noqa: E731 - read in decide only
            decision = decide(now, self.trigger, self.config, store.edition_done, failed)
            if not self._looked_back:  # after downtime, name every day it cost, not only the last
                self._looked_back = True
                self._note_earlier_misses(store, now, decision)
            if not decision.run:
                self._note_missed(store, now, decision)
                return decision
            log.info("%s: running (%s)", why, decision.reason)
            store.log_run(now, decision.day, "started", decision.reason)
        try:
            self._run(self.config, edition_as_of(decision, now, self.config))
        except Exception as exc:  # noqa: BLE001 - any failure is logged and retried later
            self._log(decision.day, "failed", f"{type(exc).__name__}: {exc}", logging.ERROR)
        else:
            self._log(decision.day, "ran", decision.reason, logging.INFO)
        return decision

    def poll(self) -> None:
        """Catch up or retry the edition if it is due, then collect new articles."""
        self.tick("poll")
        try:
            stats = self._poll(self.config, self._clock())
            log.info("poll: %s", stats)
        except Exception as exc:  # noqa: BLE001 - a failed poll must not stop the scheduler
            self._log(None, "poll failed", f"{type(exc).__name__}: {exc}", logging.WARNING)

    def serve(self, stop: threading.Event) -> None:
        """Run until `stop` is set: the edition on its trigger, polls on their interval."""
        scheduler = BackgroundScheduler(
            timezone=self.config.tz,
            executors={"default": ThreadPoolExecutor(max_workers=1)},  # one job at a time
            # The store decides what is late, so APScheduler must never drop a late alarm.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
        scheduler.add_job(self.tick, self.trigger, args=("alarm",), id="edition")
        scheduler.add_job(self.poll, "interval", minutes=self.config.poll_minutes, id="poll")
        scheduler.add_job(self.tick, args=("start-up",), id="start-up")  # runs at once
        scheduler.start()
        try:
            stop.wait()
        finally:
            log.info("stopping")
            if self._child is not None:
                self._child.stop()  # a run in progress stops between steps
            scheduler.shutdown(wait=True)

    def run_now(self) -> None:
        """`--run-now`: make today's edition at once, unless the store says it is done."""
        now = self._clock()
        day = now.astimezone(self.config.tz).date()
        with open_store(self.config.database) as store:
            if store.edition_done(day):
                log.info("run-now: the %s edition is done; nothing to do", day)
                return
            store.log_run(now, day, "started", "run now, as asked")
        try:
            self._run(self.config, now.astimezone(self.config.tz))
        except Exception as exc:  # noqa: BLE001 - logged; the scheduler goes on
            self._log(day, "failed", f"{type(exc).__name__}: {exc}", logging.ERROR)
        else:
            self._log(day, "ran", "run now, as asked", logging.INFO)

    def _note_missed(self, store: Store, now: datetime, decision: Decision) -> None:
        if decision.reason.startswith(("missed", "gave up")) and decision.day not in self._missed:
            assert decision.day is not None
            self._missed.add(decision.day)
            store.log_run(now, decision.day, "missed", decision.reason)
            log.warning("%s", decision.reason)

    def _note_earlier_misses(self, store: Store, now: datetime, latest: Decision) -> None:
        previous = store.previous_edition(latest.day) if latest.day else None
        if latest.scheduled is None or previous is None:
            return  # a first start has missed nothing
        start = max(latest.scheduled.astimezone(UTC) - LOOK_BACK, previous[0].window_end)
        for fired in fire_times(self.trigger, start, latest.scheduled.astimezone(UTC)):
            day = fired.astimezone(self.config.tz).date()
            if not store.edition_done(day):
                at = f"{fired.astimezone(self.config.tz):%Y-%m-%d %H:%M %Z}"
                reason = f"missed: scheduled at {at}, while briefing was not running"
                self._note_missed(store, now, Decision(False, day, reason, fired))

    def _log(self, day: date | None, event: str, reason: str, level: int) -> None:
        log.log(level, "%s %s: %s", event, day or "", reason)
        with open_store(self.config.database) as store:
            store.log_run(self._clock(), day, event, reason)


def _failed_runs(store: Store, day: date) -> int:
    return sum(1 for _, d, event, _ in store.run_log() if d == str(day) and event == "failed")


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its time %s", event.job_id, event.scheduled_run_time)
    else:
        log.error("job %s failed: %s", event.job_id, event.exception)


class ChildRun:
    """Runs one edition in a child process, stopped at the deadline or when asked."""

    def __init__(self, stop_grace: float = STOP_GRACE) -> None:
        self._process: Any = None
        self._stop_grace = stop_grace

    def run(self, config: Config, as_of: datetime) -> None:
        """Make and send the edition in a child; raise if it fails or passes its deadline."""
        context = multiprocessing.get_context("spawn")
        receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(config, as_of, send, os.getpid()))
        self._process.start()
        send.close()
        deadline = config.run_deadline_minutes * 60
        self._process.join(deadline)
        stopped = self._process.is_alive()
        if stopped:
            self.stop()
        outcome = _answer(receive)
        code, self._process = self._process.exitcode, None
        if stopped:
            raise RunTimeoutError(f"the run passed its deadline of {deadline / 60:g} min")
        if outcome[0] != "ok":
            how = f" (exit {code})" if code else ""  # a run that said why ended normally
            raise BriefingError(f"the run failed{how}: {outcome[1]}")

    def stop(self) -> None:
        """Ask the running child to stop (SIGTERM), then kill it if it does not."""
        process = self._process
        if process is None or not process.is_alive():
            return
        process.terminate()
        process.join(self._stop_grace)
        if process.is_alive():
            process.kill()
            process.join()


def _answer(receive: Any) -> tuple[str, str]:
    """What the child said, or why it said nothing (it was killed or crashed)."""
    try:
        if receive.poll():
            return receive.recv()  # type: ignore[no-any-return]
    except EOFError:
        pass
    return ("error", "the run ended without an answer")


def _child(config: Config, as_of: datetime, answer: Any, parent: int) -> None:
    die_with_parent(parent)  # a scheduler killed outright must not leave an edition running
    # SIGTERM unwinds like an exception: open transactions roll back, files stay whole.
    signal.signal(signal.SIGTERM, _raise_exit)
    try:
        result = run_edition(
            config,
            as_of=as_of,
            send=config.email is not None,
            since_last_edition=True,
            retry_failed=False,
        )
        problems = "; ".join(
            f"{d.recipient}: {d.status} ({d.detail})"
            for d in result.deliveries
            if d.status != "sent"
        )
        # As `generate` exits 9: the edition is written and sent, and the run is logged as failed.
        lost = result.run.lost_on_cluster
        if lost is not None:
            said = f"ExecutorError: {lost.url}: {lost.reason}"
            problems = f"{said}; {problems}" if problems else said
        answer.send(("error", problems) if problems else ("ok", result.run.summary_line()))
    except BaseException as exc:
        answer.send(("error", f"{type(exc).__name__}: {exc}"))
        raise


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def serve_forever(config: Config, *, run_now: bool = False) -> None:
    """`briefing schedule`: hold the lock, stop cleanly on SIGTERM or SIGINT."""
    stop = threading.Event()
    with instance_lock(config.database, purpose=SCHEDULE):
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            scheduler = Scheduler(config)
            if run_now:
                scheduler.run_now()
            scheduler.serve(stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
