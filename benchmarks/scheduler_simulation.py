"""Simulate 400 days of the scheduler: restarts, suspends and two DST changes a year.

Usage: python benchmarks/scheduler_simulation.py [--days N] [--seed S] [--json PATH]

The real `Scheduler.tick` runs against a real store (in a temporary folder) with a simulated
clock; the run itself only records the edition as done. The process is up in random stretches
(restarts at random times, suspends of several hours, some whole days down); while up it ticks at
start-up, at the cron alarm and at every poll. A day is eligible when the process was up at some
moment between its scheduled time and the end of the catch-up; the goal is exactly one edition on
every eligible day and none on any other, with every ineligible day logged as missed when the
process next looked. Written to benchmarks/results/scheduler_simulation.json.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from briefing.config import parse_config  # noqa: E402
from briefing.deliver.schedule import Scheduler, last_fire_time  # noqa: E402
from briefing.models import StoredEdition  # noqa: E402
from briefing.store import open_store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record import results_path, write_results  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
POLL = timedelta(minutes=60)


def uptime(start: datetime, days: int, rng: random.Random) -> list[tuple[datetime, datetime]]:
    """Random stretches when the process runs: restarts, suspends, whole days down."""
    spans, moment, end = [], start, start + timedelta(days=days)
    while moment < end:
        up = timedelta(hours=rng.choice([2, 5, 11, 30, 80, 200]))
        spans.append((moment, min(moment + up, end)))
        down = timedelta(minutes=rng.choice([1, 20, 180, 600, 1500, 2900]))  # restart ... days
        moment = moment + up + down
    return spans


def simulate(days: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        data = {"timezone": "Europe/Berlin", "schedule": "30 2 * * *", "catch_up_hours": 6}
        config = parse_config({**data, "database": f"{folder}/b.db"}, Path(folder) / "f.toml")
        runs: Counter[date] = Counter()
        clock = {"now": datetime(2026, 1, 1, tzinfo=UTC)}

        def run(config: Any, as_of: datetime) -> None:
            day = as_of.astimezone(ZONE).date()
            runs[day] += 1
            with open_store(config.database) as store:
                store.save_edition(StoredEdition(day, as_of, as_of, "s", "h", "t"), as_of)
                store.mark_edition_done(day, as_of)

        spans = uptime(clock["now"], days, rng)
        eligible: set[date] = set()
        ticks = 0
        for start, stop in spans:
            scheduler = Scheduler(config, run=run, clock=lambda: clock["now"])  # a restart
            for moment in _tick_times(scheduler, start, stop):
                clock["now"] = moment
                scheduler.tick("sim")
                ticks += 1
            eligible |= _eligible_days(scheduler, start, stop, config.catch_up_hours)
        with open_store(config.database) as store:
            missed = {d for _, d, event, _ in store.run_log() if event == "missed"}
    all_days = {(datetime(2026, 1, 1) + timedelta(days=i)).date() for i in range(days)}
    ineligible = all_days - eligible
    return {
        "days": days,
        "restarts": len(spans),
        "ticks": ticks,
        "eligible days": len(eligible),
        "eligible days with exactly one edition": sum(1 for d in eligible if runs[d] == 1),
        "days with two or more": sum(1 for d in runs if runs[d] > 1),
        "editions on ineligible days": sum(runs[d] for d in ineligible),
        "ineligible days": len(ineligible),
        "ineligible days logged as missed": len({str(d) for d in ineligible} & missed),
    }


def _tick_times(scheduler: Scheduler, start: datetime, stop: datetime) -> list[datetime]:
    """Start-up, every poll, and every alarm of the cron trigger while the process is up."""
    times = {start}
    moment = start
    while moment + POLL < stop:
        moment += POLL
        times.add(moment)
    fire = scheduler.trigger.get_next_fire_time(None, start)
    while fire is not None and fire.astimezone(UTC) < stop:
        times.add(fire.astimezone(UTC))
        fire = scheduler.trigger.get_next_fire_time(
            None, fire.astimezone(UTC) + timedelta(seconds=1)
        )
    return sorted(times)


def _eligible_days(
    scheduler: Scheduler, start: datetime, stop: datetime, grace: float
) -> set[date]:
    """Days whose scheduled time plus the catch-up overlaps this stretch of uptime."""
    days = set()
    fire = last_fire_time(scheduler.trigger, start, timedelta(days=2))
    while fire is not None and fire.astimezone(UTC) < stop:
        if fire.astimezone(UTC) + timedelta(hours=grace) >= start:
            days.add(fire.astimezone(ZONE).date())
        fire = scheduler.trigger.get_next_fire_time(
            None, fire.astimezone(UTC) + timedelta(seconds=1)
        )
    return days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    args = parser.parse_args()
    started = time.monotonic()
    result = {"seed": args.seed, **simulate(args.days, args.seed)}
    for key, value in result.items():
        print(f"{key:>40}: {value}")
    print(f"{'seconds':>40}: {time.monotonic() - started:.1f}")
    write_results(results_path("scheduler_simulation", args), result)


if __name__ == "__main__":
    main()
