"""Named points of a run where a test may kill the process, to prove a crash loses nothing.

`BRIEFING_CRASH_AT=<name>` makes the run SIGKILL itself when it reaches that point: no cleanup,
no `finally`, exactly as a power cut or the OOM killer would end it. Unset, a checkpoint costs one
environment lookup.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "BRIEFING_CRASH_AT"
CHECKPOINTS = ("fetched", "storing", "rendered", "accepted")


def checkpoint(name: str) -> None:
    """Kill this process at once if the environment names this point."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
