"""Cancel inside a twin store transaction: a PostGIS statement the server is running is cancelled with
connection.cancel(), a large GeoPackage layer is written in chunks that see the cancel, and either way the
store is left exactly as it was."""
from __future__ import annotations

import time
import uuid

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geotwin.twin.kernel.errors import Cancelled
from geotwin.twin.kernel.progress import CollectingReporter, Reporter
from geotwin.twin.kernel.schema import LayerSpec
from geotwin.twin.store import open_store
from geotwin.twin.store.base import StoreWriter

SPEC = LayerSpec("cancel_probe", "MultiPolygonZ", {"id": "str", "height": "float"}, "a probe layer")


def _frame(n: int) -> gpd.GeoDataFrame:
    boxes = [shapely.MultiPolygon([shapely.force_3d(shapely.box(i, 0, i + 1, 1), 5.0)]) for i in range(n)]
    return gpd.GeoDataFrame(pd.DataFrame({"id": [f"b{i}" for i in range(n)], "height": [float(i) for i in range(n)]}),
                            geometry=gpd.GeoSeries(boxes, crs="EPSG:25832"))


class CancelAfterChecks(Reporter):
    """Cancelled after ``n`` cancel checks (deterministic, whatever the machine's speed)."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def is_cancelled(self) -> bool:
        self.calls += 1
        return self.calls > self.n


def test_a_large_gpkg_layer_is_written_in_chunks_and_read_back_whole(tmp_path):
    rows = 2 * StoreWriter.ROWS_PER_CHECK + 7
    store = open_store(tmp_path / "twin.gpkg")
    with store.transaction("EPSG:25832") as writer:
        writer.replace(SPEC, _frame(rows))
    back = store.read(SPEC)
    assert len(back) == rows and list(back["id"]) == [f"b{i}" for i in range(rows)]
    assert back.geometry.iloc[-1].bounds == (rows - 1, 0, rows, 1)


def test_a_cancel_between_chunks_leaves_the_gpkg_as_it_was(tmp_path):
    path = tmp_path / "twin.gpkg"
    store = open_store(path)
    with store.transaction("EPSG:25832") as writer:
        writer.replace(SPEC, _frame(10))
    before = path.read_bytes()
    reporter = CancelAfterChecks(2)          # the copy of the old twin and the first chunk pass, the second not
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        with store.transaction("EPSG:25832", reporter) as writer:
            writer.replace(SPEC, _frame(3 * StoreWriter.ROWS_PER_CHECK))
    assert reporter.calls == 3 and path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["twin.gpkg"]


def test_a_running_postgis_statement_is_cancelled_within_a_second(pg_dsn):
    import psycopg

    schema = f"cancel_{uuid.uuid4().hex[:8]}"
    store = open_store(pg_dsn, schema)
    try:
        with store.transaction("EPSG:25832") as writer:
            writer.replace(SPEC, _frame(10))
        reporter = CollectingReporter(cancel_after=0.5)
        began = time.monotonic()
        with pytest.raises(Cancelled, match="cancelled by the user"):
            with store.transaction("EPSG:25832", reporter) as writer:
                writer.replace(SPEC, _frame(20))
                writer.conn.execute("SELECT pg_sleep(60)")   # a statement as long as a huge index build
        took = time.monotonic() - began
        assert took < 3.0, took                               # cancelled at ~0.5 s, not after 60 s
        back = store.read(SPEC)
        assert list(back["id"]) == [f"b{i}" for i in range(10)]    # the transaction was rolled back
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' "
                                "AND state = 'active'").fetchone()[0] == 0
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_cancel_during_a_postgis_copy_rolls_back(pg_dsn):
    import psycopg

    schema = f"cancel_{uuid.uuid4().hex[:8]}"
    store = open_store(pg_dsn, schema)
    try:
        with store.transaction("EPSG:25832") as writer:
            writer.replace(SPEC, _frame(10))
        reporter = CancelAfterChecks(1)       # the first block of rows is sent, then the cancel
        with pytest.raises(Cancelled, match="^cancelled by the user$"):
            with store.transaction("EPSG:25832", reporter) as writer:
                writer.replace(SPEC, _frame(2 * StoreWriter.ROWS_PER_CHECK))
        assert list(store.read(SPEC)["id"]) == [f"b{i}" for i in range(10)]
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
