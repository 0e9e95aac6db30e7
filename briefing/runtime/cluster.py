"""One way to reach a Dask scheduler, for every stage that sends work to a cluster."""

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
