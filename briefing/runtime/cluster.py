"""One way to reach a Dask scheduler, for every stage that sends work to a cluster; and, on a
worker, its share of the cores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler before the run gives up


@contextmanager
def dask_client(spec: str) -> Iterator[Any]:
    """A dask.distributed Client of the scheduler `spec` names ("dask://HOST:PORT")."""
    from distributed import Client  # the optional extra; checked by config's executor_problem

    parts = urlsplit(spec)
    address = f"tcp://{parts.hostname}:{parts.port}"
    try:
        client = Client(  # type: ignore[no-untyped-call]  # distributed ships no types here
            address, timeout=CONNECT_TIMEOUT, set_as_default=False
        )
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({exc})",
            key="executor",
            hint='start the cluster first, or set executor = "processes"',
        ) from None
    try:
        yield client
    finally:
        client.close()  # type: ignore[no-untyped-call]


def worker_threads() -> int:
    """The threads of the Dask worker running this task, its share of the cores; else 1."""
    from distributed import get_worker  # only ever called on a worker, where Dask is installed

    try:
        return max(1, int(get_worker().state.nthreads))
    except ValueError:  # not inside a Dask task
        return 1


def leave_thread_slot() -> None:
    """Free the Dask worker's slot this task holds: it waits on the network, not on a core.

    The worker then starts another task beside it; the CPU work stays bounded by the sandbox
    pool, which has as many processes as the worker has threads. Nothing outside a worker.
    """
    from distributed import get_worker, secede

    try:
        get_worker()
    except ValueError:  # not inside a Dask task
        return
    secede()  # type: ignore[no-untyped-call]  # distributed ships no types here
