"""Where the workers are: a local cluster started here, or a running Dask scheduler."""

from __future__ import annotations

import os
import re
from typing import Any

from distributed import Client

#: ``local``, ``local:N``, or an address a Dask scheduler listens on.
SCHEDULER_FORMS = "local, local:N (N worker processes) or tcp://HOST:PORT"

#: Seconds to wait for a running scheduler to answer, and then for its first worker.
TIMEOUT = 30.0

_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx|inproc)://\S+$")


def cores() -> int:
    """The CPU cores this process may run on (the default number of local workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_scheduler(spec: str) -> tuple[str, Any]:
    """``("local", workers)`` or ``("address", address)`` for a ``--scheduler`` value; a
    ``ValueError`` that lists the accepted forms otherwise."""
    text = spec.strip()
    if text == "local":
        return "local", cores()
    if text.startswith("local:"):
        count = text[len("local:"):]
        if count.isdigit() and int(count) >= 1:
            return "local", int(count)
        raise ValueError(f"--scheduler {spec!r}: the number of local workers must be a positive "
                         f"integer (e.g. local:2); accepted: {SCHEDULER_FORMS}")
    if _ADDRESS.match(text):
        return "address", text
    raise ValueError(f"--scheduler {spec!r} is not a scheduler; accepted: {SCHEDULER_FORMS}")


def connect(scheduler: str = "local", *, timeout: float | None = None,
            **local_options: Any) -> Client:
    """A Dask client: ``"local"`` / ``"local:N"`` starts a cluster of N worker processes here
    (one thread each; N defaults to the cores), an address connects to a running scheduler
    and waits until it has a worker (``timeout`` seconds each, default `TIMEOUT`).  Closing the client stops a local cluster it started.

    ``local_options`` go to ``distributed.LocalCluster`` (``memory_limit="2GiB"``, ...).
    """
    kind, where = parse_scheduler(scheduler)
    timeout = TIMEOUT if timeout is None else timeout
    if kind == "local":
        options = {"n_workers": where, "threads_per_worker": 1, "processes": True,
                   **local_options}
        if "dashboard_address" not in options:
            # No dashboard; the scheduler's HTTP endpoint (metrics) on any free port rather
            # than 8787, which another cluster may hold.
            options["dashboard_address"] = None
            options["scheduler_kwargs"] = {"dashboard_address": ":0",
                                           **options.get("scheduler_kwargs", {})}
        return Client(**options)
    if local_options:
        raise TypeError(f"{', '.join(sorted(local_options))}: options of a local cluster; a "
                        f"running scheduler ({where}) has its own workers")
    try:
        client = Client(where, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {where} within {timeout:g} s "
                              f"({exc}); is dask-scheduler running there?") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        client.close()
        raise ConnectionError(f"the Dask scheduler at {where} has no workers after {timeout:g} s; "
                              f"start some with: dask worker {where}") from None
    return client
