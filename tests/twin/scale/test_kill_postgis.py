"""A worker killed mid-build with PostGIS as the shared store: Dask hands its cells to the other worker, and the
twin in PostGIS is complete and equals the single-process build into PostGIS, layer by layer, row by row."""
from __future__ import annotations

import importlib.util
import signal
import sqlite3
import uuid
from pathlib import Path

import psutil

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema.twin import KNOWN_SPECS
from geotwin.twin.scale.build import build_partitioned
from geotwin.twin.scale.cluster import dask_mapper
from geotwin.twin.store.open import open_store

_spec = importlib.util.spec_from_file_location("scale_compare", Path(__file__).with_name("compare.py"))
_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_compare)
frame_rows = _compare.frame_rows
LAYERS = ("buildings", "building_surfaces", "footprints", "links", "object_hashes", "sources", "height_report",
          "skipped_objects", "terrain")


def _drop(dsn: str, *schemas: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_worker_killed_mid_build_into_postgis_is_rescheduled_and_the_twin_equals_the_single_process_one(
        single, client, dask_scheduler, pg_dsn, tmp_path):
    tag = uuid.uuid4().hex[:10]
    scaled, reference = f"scale_kill_{tag}", f"scale_single_{tag}"
    killed: list[int] = []

    class KillOnce(CollectingReporter):
        def progress(self, percent):
            super().progress(percent)
            if percent > 0 and not killed:   # a cell is done, the others queued or running: kill a worker
                nanny = psutil.Process(dask_scheduler["workers"][1].pid)
                for child in nanny.children(recursive=True):
                    child.send_signal(signal.SIGKILL)
                    killed.append(child.pid)

    try:
        build_twin(open_store(pg_dsn, reference), BuildInputs(citymodel=[str(single["city"])]))
        reporter = KillOnce()
        store = open_store(pg_dsn, scaled)
        result = build_partitioned(store, [single["city"]], tmp_path / "work", dask_mapper(client, reporter),
                                   reporter, buildings_per_partition=40)
        assert killed, "no worker process was killed"
        assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == psutil.STATUS_ZOMBIE
        assert len(result.ran) == result.partitions >= 6 and result.buildings == 400
        with sqlite3.connect(single["city"]) as con:   # the input's rows, counted apart from the stores
            city = {layer: con.execute(f'SELECT count(*) FROM "{layer}"').fetchone()[0]
                    for layer in ("buildings", "building_surfaces", "footprints")}
        single_store = open_store(pg_dsn, reference)
        for layer in LAYERS:
            spec = KNOWN_SPECS[layer]
            rows = frame_rows(store.read(spec))
            assert rows == frame_rows(single_store.read(spec)), layer
            if layer in city:
                assert len(rows) == city[layer], layer
    finally:
        _drop(pg_dsn, scaled, reference)
        client.wait_for_workers(2, timeout=90)   # the nanny restarts the killed worker for the next tests
