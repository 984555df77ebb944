"""Where partitions run: scheduler addresses, the embedded LocalCluster, an unreachable scheduler, the mappers."""
from __future__ import annotations

import pytest

from geotwin.twin.kernel.errors import Cancelled, GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.cluster import (
    dask_mapper,
    default_workers,
    open_client,
    scheduler_address,
    serial_mapper,
)

from .conftest import free_port


@pytest.mark.parametrize(("text", "address"), [
    ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
    ("10.0.0.5", "tcp://10.0.0.5:8786"),
    (" scheduler.example:9000 ", "tcp://scheduler.example:9000"),
    ("tls://[::1]:8786", "tls://[::1]:8786"),
])
def test_scheduler_addresses(text, address):
    assert scheduler_address(text) == address


@pytest.mark.parametrize("text", ["http://x:8786", "tcp://host:99999", "tcp://host:port", "a b", "tcp://"])
def test_a_malformed_scheduler_address_is_refused(text):
    with pytest.raises(GeoTwinError, match="not a Dask scheduler address"):
        scheduler_address(text)


def test_an_unreachable_scheduler_is_named(monkeypatch):
    from geotwin.twin.scale import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2)
    port = free_port()   # nothing listens there
    with pytest.raises(GeoTwinError, match=rf"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        open_client(f"127.0.0.1:{port}", None)


@pytest.mark.parametrize("workers", [0, -2])
def test_a_local_cluster_needs_a_worker(workers):
    with pytest.raises(GeoTwinError, match="the number of Dask workers must be at least 1"):
        open_client(None, workers)


def test_the_default_is_the_machines_cores():
    import os

    assert default_workers() == len(os.sched_getaffinity(0))


def test_the_real_cluster_runs_the_items_and_leaves_progress_to_the_caller(client, dask_scheduler):
    reporter = CollectingReporter()
    connected = open_client(dask_scheduler["address"], None, reporter)
    try:
        assert reporter.infos[0] == f"Dask scheduler {dask_scheduler['address']}: 2 workers"
        results = sorted(dask_mapper(connected, reporter)(abs, [-3, 1, -2, 5]))
    finally:
        connected.close()
    assert results == [1, 2, 3, 5]
    assert reporter.last_progress == 0.0   # the import, build and export map the partitions onto their own stages


def test_the_serial_mapper_runs_in_order_and_sees_a_cancel():
    assert list(serial_mapper()(len, ["ab", "", "xyz"])) == [2, 0, 3]

    class Stop(CollectingReporter):
        def is_cancelled(self):
            return True

    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        list(serial_mapper(Stop())(len, ["ab"]))
    assert list(dask_mapper(None)(len, [])) == []   # nothing to submit: no cluster needed
