"""Where partitions run: an embedded Dask ``LocalCluster`` on this machine's cores, or an existing cluster.

``open_client(scheduler, workers)`` gives a ``distributed.Client``; ``dask_mapper(client, reporter)`` turns
it into a *mapper*: ``mapper(fn, items)`` runs the picklable top-level function ``fn`` over the picklable
``items`` on the cluster and yields the results as they complete. ``serial_mapper(reporter)`` is the same
in this process (the builtin ``map`` with cancel checks), for small inputs and for tests.

A worker that dies mid-run costs nothing but time: the scheduler hands its tasks to another worker (up
to ``distributed.scheduler.allowed-failures`` times, three by default). A task that raises is reported
with the partition it ran (``str(item)``), and the other tasks are cancelled. A cancel of the reporter
cancels the cluster's tasks within about a quarter of a second.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import math
import multiprocessing
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ..kernel.errors import Cancelled, GeoTwinError
from ..kernel.memory import release_memory
from ..kernel.progress import Reporter
from .threads import worker_environ

Client = Any   # distributed.Client (distributed has no type information for mypy --strict)
T = TypeVar("T")
R = TypeVar("R")
Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]
"""``mapper(fn, items)`` -> iterator over ``fn(item)`` for every item (in completion order for Dask)."""

_SCHEDULER = re.compile(r"^(?:(tcp|tls|inproc|ucx|ws|wss)://)?([A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:]+\])(?::(\d{1,5}))?$")
_POLL_SECONDS = 0.25
_THREADS_EVERY = 5.0     # seconds between asking the scheduler how many threads the cluster has
WINDOW_PER_THREAD = 4    # tasks pending per worker thread at most (the rest wait in the coordinator)
WINDOW_MIN = 8
CONNECT_TIMEOUT = 10


class PartitionError(GeoTwinError):
    """A partition's task failed on the cluster (not a bad input, which its runner reports as an outcome)."""


def scheduler_address(text: str) -> str:
    """Normalise a Dask scheduler address to the form Dask takes (``tcp://host:8786``).

    Args:
        text: ``host``, ``host:port`` or ``protocol://host[:port]``.

    Returns:
        ``protocol://host:port`` (tcp and 8786 by default).

    Raises:
        GeoTwinError: ``text`` is no address, or its port is outside 1..65535.

    Example:
        >>> scheduler_address("10.0.0.5"), scheduler_address(" tls://sched.example:9000 ")
        ('tcp://10.0.0.5:8786', 'tls://sched.example:9000')
        >>> scheduler_address("10.0.0.5:70000")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: not a Dask scheduler address: '10.0.0.5:70000' (expected e.g. tcp://10.0.0.5:8786)
    """
    match = _SCHEDULER.match(text.strip())
    if not match or (match.group(3) and not 0 < int(match.group(3)) < 65536):
        raise GeoTwinError(f"not a Dask scheduler address: {text!r} (expected e.g. tcp://10.0.0.5:8786)")
    protocol, host, port = match.group(1) or "tcp", match.group(2), match.group(3) or "8786"
    return f"{protocol}://{host}:{port}"


def default_workers() -> int:
    """Count the cores this process may use (the LocalCluster's default worker count).

    Returns:
        At least 1.

    Example:
        >>> default_workers() == max(1, len(os.sched_getaffinity(0)))
        True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _python_for_workers() -> None:
    """Inside QGIS ``sys.executable`` is QGIS itself: the worker processes need a Python interpreter."""
    if os.path.basename(sys.executable).lower().startswith("python"):
        return
    from ...bim.workers import python_executable

    python = python_executable()
    if python is None:
        raise GeoTwinError("no Python interpreter found for the Dask worker processes: set GEOTWIN_PYTHON")
    multiprocessing.set_executable(python)


def open_client(scheduler: str | None, workers: int | None, reporter: Reporter | None = None) -> Client:
    """Open a Dask client: to a scheduler, or to an embedded LocalCluster.

    With ``scheduler`` empty, a ``LocalCluster`` of ``workers`` processes (default: this machine's cores) with one
    thread each is started, without the workers' statistical profiling (its history grows with their busy time).
    Close the client (``client.close()`` or ``with``) to stop an embedded cluster. The dashboard link is reported
    when the dashboard runs (it needs bokeh).

    Args:
        scheduler: the scheduler's address (``tcp://host:8786``), or empty/None for a local cluster.
        workers: local worker processes (None: the cores).
        reporter: receives the cluster's description.

    Returns:
        The connected client.

    Raises:
        GeoTwinError: the scheduler cannot be reached (naming it).

    Example:
        >>> with open_client(None, 1) as client:
        ...     len(client.scheduler_info()["workers"])
        1
    """
    reporter = reporter or Reporter()
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError as err:
        raise GeoTwinError("the partitioned run needs Dask distributed: python3 -m pip install distributed "
                           f"({err})") from None
    if scheduler and scheduler.strip():
        address = scheduler_address(scheduler)
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise GeoTwinError(f"cannot reach the Dask scheduler at {address}: {err}") from None
        count = len(client.scheduler_info().get("workers", {}))
        reporter.info(f"Dask scheduler {address}: {count} workers")
    else:
        if workers is not None and (isinstance(workers, bool) or workers < 1):
            raise GeoTwinError(f"the number of Dask workers must be at least 1, got {workers!r}")
        count = workers or default_workers()
        _python_for_workers()
        # no statistical profiling on the workers: its history grows with their busy time (0.2 MB a second on a
        # simple stack, kept for an hour), not with what they hold (tests/twin/scale/test_flat_memory.py); one BLAS
        # thread per worker unless the user set more (threads.py), in the environment before the worker starts
        config: Any = importlib.import_module("dask").config
        spawn = {**(config.get("distributed.nanny.pre-spawn-environ", default=None) or {}), **worker_environ()}
        with config.set({"distributed.worker.profile.enabled": False, "distributed.nanny.pre-spawn-environ": spawn}):
            client = distributed.Client(n_workers=count, threads_per_worker=1, processes=True, memory_limit=0,
                                        dashboard_address=":0", silence_logs=logging.ERROR)
        reporter.info(f"Dask LocalCluster: {count} worker processes, one thread each")
    if _has_dashboard():
        reporter.info(f"Dask dashboard: {client.dashboard_link}")
    else:
        reporter.info("Dask dashboard: not running here (it needs bokeh)")
    return client


def _has_dashboard() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def serial_mapper(reporter: Reporter | None = None) -> Mapper:
    """Give the mapper that runs every item in this process, in order, checking for a cancel before each.

    Args:
        reporter: checked for a cancel, and told the share of items done.

    Returns:
        ``mapper(fn, items)``, an iterator of the results in order.

    Example:
        >>> list(serial_mapper()(len, ["ab", "c"]))
        [2, 1]
    """
    reporter = reporter or Reporter()

    def mapper(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            reporter.check()
            yield fn(item)

    return mapper


def dask_mapper(client: Client, reporter: Reporter | None = None) -> Mapper:
    """Give the mapper that submits ``fn`` over the items, yielding results as they complete.

    The tasks are started in the items' order (each has a lower Dask priority than the one before), so a caller
    that merges the results in that order can merge each as soon as those before it are in.

    Progress is the caller's (it knows what share of its run the partitions are): ``reporter`` is asked for a
    cancel, which cancels the outstanding tasks and raises Cancelled; a task that raises cancels the others
    and raises PartitionError naming its item (``str(item)``). A lost worker's tasks are rescheduled by Dask.

    Args:
        client: a connected Dask client.
        reporter: progress and cancel.

    Returns:
        ``mapper(fn, items)``, an iterator of the results in completion order.

    Example:
        >>> with open_client(None, 1) as client:
        ...     sorted(dask_mapper(client)(abs, [-3, 2]))
        [2, 3]
    """
    reporter = reporter or Reporter()

    def mapper(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return _run(client, reporter, Releasing(fn), list(items))

    return mapper


class Releasing:
    """``fn`` that gives the worker's free C heap back to the system after each item (``release_memory``): a
    worker's RSS then follows its largest partition, not the fragmentation of all it ran (pickles by value).

    Example:
        >>> Releasing(abs)(-3), Releasing(abs).__name__
        (3, 'abs')
    """

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)

    def __call__(self, item: Any) -> Any:
        try:
            return self.fn(item)
        finally:
            release_memory()


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    """An item's task: ``fn`` (scattered to the workers) on ``item``."""
    return fn(item)


class _Window:
    """The items' tasks on the cluster, submitted in order and at most ``limit`` at a time: a task's item is held
    by the in-process scheduler until it is done (pickled; the export's 535 tasks of a 1,000,000-building city
    about 12 MB), so only the tasks the workers are about to run are handed over. ``limit`` follows the
    cluster's threads (``WINDOW_PER_THREAD`` each, asked again at most every ``_THREADS_EVERY`` seconds)."""

    def __init__(self, client: Client, fn: Callable[[Any], Any], items: list[Any]) -> None:
        self.client, self.items = client, items
        self.token = uuid.uuid4().hex[:12]
        self.name = getattr(fn, "__name__", type(fn).__name__)   # a function, or a callable object (the export)
        # ``fn`` goes to every worker once (scattered, broadcast), and each item's task names it: submitted with
        # each item, the in-process scheduler held a copy of it per pending task (the export's shared plan: about
        # 1.2 MB each, +646 MB for the 535 tasks of a 1,000,000-building export). Broadcast, not one task the
        # items depend on: every worker holds it, so the items spread over the workers instead of following it
        self.shared = client.scatter(fn, broadcast=True, hash=False)
        self.which: dict[str, int] = {}
        self.pending: set[Any] = set()
        self.next = 0
        self.limit, self.asked = 0, -math.inf

    def fill(self) -> None:
        """Submit the next items until ``limit`` are pending; in the items' order (the callers merge in that
        order as results come in), each with a lower priority than the one before."""
        if time.monotonic() - self.asked >= _THREADS_EVERY:
            threads = sum(self.client.nthreads().values())
            self.limit, self.asked = max(WINDOW_MIN, WINDOW_PER_THREAD * threads), time.monotonic()
        while self.next < len(self.items) and len(self.pending) < self.limit:
            i = self.next
            future = self.client.submit(_call, self.shared, self.items[i], key=f"{self.name}-{self.token}-{i}",
                                        pure=False, retries=0, priority=len(self.items) - i)
            self.which[future.key] = i
            self.pending.add(future)
            self.next += 1

    def ready(self) -> list[tuple[Any, Any]]:
        """The finished tasks (done, failed or cancelled) with their items, in the items' order."""
        done = sorted((f for f in self.pending if f.done()), key=lambda f: self.which[f.key])
        self.pending.difference_update(done)
        return [(f, self.items[self.which.pop(f.key)]) for f in done]

    def cancel(self) -> None:
        self.client.cancel([*self.pending, self.shared])


def _run(client: Client, reporter: Reporter, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
    if not items:
        return
    window = _Window(client, fn, items)
    try:
        window.fill()
        while window.pending:
            if reporter.is_cancelled():
                raise Cancelled()
            ready = window.ready()
            if not ready:
                # not distributed.wait(timeout=...): every call that times out leaves its waiters behind (about
                # 2.4 kB per pending future, four times a second: the coordinator grew by 0.9 GB over the
                # 1,000,000-building import, tests/twin/scale/test_flat_memory.py)
                time.sleep(_POLL_SECONDS)
                continue
            for future, item in ready:
                if future.status in ("error", "cancelled"):
                    error = future.exception() if future.status == "error" else future.status
                    raise PartitionError(f"partition {item} failed on the cluster: {error}")
                # finished, or "lost" in between (its worker died after it was done): result() waits for the
                # scheduler to compute it again
                result = future.result()
                future.release()
                window.fill()   # the next items before the merge: the workers stay busy while the caller merges
                yield result
    finally:
        window.cancel()


def wants_cluster(scheduler: str | None, workers: int | None) -> bool:
    """Say whether a run goes to Dask: a scheduler is named, or two or more local workers are asked for.

    Args:
        scheduler: the scheduler's address, or empty/None.
        workers: local worker processes (0 and 1 keep the single-process run).

    Returns:
        True for a run on Dask.

    Example:
        >>> wants_cluster("", 1), wants_cluster("", 2), wants_cluster("tcp://10.0.0.5:8786", 0)
        (False, True, True)
        >>> wants_cluster(None, None)
        False
    """
    return bool(scheduler and scheduler.strip()) or (workers or 0) >= 2


@contextlib.contextmanager
def cluster_mapper(scheduler: str | None, workers: int | None, reporter: Reporter) -> Iterator[Mapper]:
    """Give a Dask mapper on ``open_client(scheduler, workers)``; the client (and an embedded cluster) is closed after.

    Args:
        scheduler: the scheduler's address, or empty for a local cluster.
        workers: local worker processes.
        reporter: progress, cancel and the cluster's description.

    Yields:
        The mapper (see dask_mapper).

    Example:
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> with cluster_mapper("", 1, Reporter()) as mapper:
        ...     sorted(mapper(abs, [-1, 2]))
        [1, 2]
    """
    client = open_client(scheduler, workers, reporter)
    try:
        yield dask_mapper(client, reporter)
    finally:
        client.close()
