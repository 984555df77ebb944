"""The export plan's two passes over ``buildings`` in ranges of rows on a real Dask cluster (twin/tiles/planscan.py):
the same plan and the same tileset, byte for byte, as one range run in this process and as the single-process
export; duplicate ids across ranges skipped as a scan of the whole layer skips them; a range that fails, or a
layer that changes between the passes, named by its rows."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time

import pytest

import geotwin.twin.tiles.partitioned as partitioned
from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.cluster import dask_mapper
from geotwin.twin.scale.export import export_tiles
from geotwin.twin.store.open import open_store
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import plan_export
from geotwin.twin.tiles.planscan import EnuPass

BATCH, BATCHES = 25, 2   # ranges of 50 rows: the 400-building city in 8 ranges
OPTIONS = ExportOptions(viewer=True, implicit=True, leaf_max_buildings=20)


@pytest.fixture
def small_ranges(monkeypatch):
    monkeypatch.setattr(partitioned, "SCAN_BATCH", BATCH)
    monkeypatch.setattr(partitioned, "SCAN_RANGE_BATCHES", BATCHES)


def _timeless(value):
    """A report without its timings, its lists in a fixed order (a cluster's partitions finish in any order)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return sorted((_timeless(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _hashes(folder):
    """sha256 of every file of an export; the report without its timings (and its own size, which they change)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == REPORT_NAME:
                report = _timeless(json.loads(data))
                assert report["sizes"].pop("total_bytes") > report["sizes"]["content_bytes"]
                data = json.dumps(report, sort_keys=True).encode()
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


class _Recording(CollectingReporter):
    """Keeps every progress value; cancels once the first pass reported ``cancel_at`` of its ranges."""

    def __init__(self, cancel_at: int | None = None):
        super().__init__()
        self.values: list[float] = []
        self.cancel_at, self.cancelled = cancel_at, False

    def progress(self, percent):
        super().progress(percent)
        self.values.append(percent)
        self.cancelled = self.cancelled or (self.cancel_at is not None and 0 < percent < 10
                                            and len([v for v in self.values if 0 < v < 10]) >= self.cancel_at)

    def is_cancelled(self):
        return self.cancelled


def _plan_facts(plan):
    return {"tasks": [(t.name, t.packed, [(box, list(idx)) for box, idx in t.reads]) for t in plan.tasks],
            "skipped": plan.skipped, "types": plan.column_types, "square": plan.square, "buildings": plan.buildings,
            "origin": list(plan.frame_origin), "tiles": sorted(plan.tiles), "contents": sorted(plan.contents)}


def test_the_passes_on_a_real_cluster_give_the_same_plan_and_tileset(single, client, tmp_path, monkeypatch):
    city = single["city"]
    whole = plan_export(city, OPTIONS, partition_buildings=60)   # one range, in this process
    serial = export_tiles(city, tmp_path / "serial", OPTIONS, CollectingReporter(), map, partition_buildings=60)
    monkeypatch.setattr(partitioned, "SCAN_BATCH", BATCH)
    monkeypatch.setattr(partitioned, "SCAN_RANGE_BATCHES", BATCHES)
    assert len(open_store(city).row_ranges("buildings", BATCH * BATCHES)) == 8
    mapper = dask_mapper(client)
    assert _plan_facts(plan_export(city, OPTIONS, partition_buildings=60, mapper=mapper)) == _plan_facts(whole)
    reporter = _Recording()
    ranged = export_tiles(city, tmp_path / "ranged", OPTIONS, reporter, mapper, partition_buildings=60)
    assert len(ranged.report["partitions"]) == len(serial.report["partitions"]) >= 4
    assert _hashes(tmp_path / "ranged") == _hashes(tmp_path / "serial")
    assert reporter.values == sorted(reporter.values) and len([v for v in reporter.values if v <= 20]) >= 16
    single_export = export_3dtiles(city, tmp_path / "single", ExportOptions(viewer=False, implicit=True,
                                                                             leaf_max_buildings=20))
    tiles = {k: v for k, v in _hashes(tmp_path / "ranged").items() if k.startswith(("tiles/", "subtrees/"))}
    assert tiles and all(_hashes(single_export.output)[k] == v for k, v in tiles.items())


def _with_rows(city, tmp_path, rows_of):
    """A copy of ``city`` with rows appended: ``rows_of(frame)`` -> the rows (a frame of the buildings layer)."""
    gpkg = tmp_path / "city.gpkg"
    shutil.copy(city, gpkg)
    store = open_store(gpkg)
    spec = store.stored_spec("buildings")
    with store.transaction(store.crs()) as writer:
        writer.append(spec, rows_of(store.read(spec)))
    return gpkg


def test_duplicates_across_ranges_are_skipped_by_row_on_the_cluster(single, client, tmp_path, small_ranges):
    """A copy of the first range's first building in the last range (another range: the coordinator finds it in
    its table of ids and scans that range again without it) and an id twice within one range."""
    def extra(frame):
        rows = frame.iloc[[0, 1, 1]].copy()
        rows["id"] = [str(frame["id"].iloc[0]), "extra-building", "extra-building"]
        return rows
    gpkg = _with_rows(single["city"], tmp_path, extra)
    first = str(open_store(gpkg).read(open_store(gpkg).stored_spec("buildings"))["id"].iloc[0])
    plan = plan_export(gpkg, OPTIONS, mapper=dask_mapper(client))
    assert plan.skipped == [f"building row 401: duplicate id {first}", "building row 403: duplicate id extra-building"]
    ids = [b for t in plan.tasks for b in t.ids]
    assert plan.buildings == len(ids) == len(set(ids)) == 401 and "extra-building" in ids


def test_a_failing_range_is_named_by_its_rows(single, client, tmp_path, small_ranges):
    gpkg = tmp_path / "city.gpkg"
    source = open_store(single["city"])
    spec = source.stored_spec("buildings")
    frame = source.read(spec)
    frame.loc[136, "attributes"] = "{broken"   # row 137: in the range of rows 101..150
    bid = str(frame["id"].iloc[136])
    store = open_store(gpkg)
    with store.transaction(source.crs()) as writer:
        writer.replace(spec, frame)
    for mapper in (dask_mapper(client), map):
        with pytest.raises(InputError, match=rf"^buildings rows 101\.\.150: .*object {bid}: attributes is not valid "
                                             "JSON"):
            plan_export(gpkg, OPTIONS, mapper=mapper)


def _then(action):
    """A mapper that runs the first pass, then ``action()`` before the second (the ENU pass) in this process."""
    def mapper(fn, items):
        if isinstance(fn, EnuPass):
            action()
        return map(fn, items)
    return mapper


def test_a_layer_changed_or_gone_between_the_passes_is_named(single, tmp_path, small_ranges):
    gpkg = tmp_path / "city.gpkg"
    shutil.copy(single["city"], gpkg)

    def delete_a_row():
        with sqlite3.connect(gpkg) as con:
            con.execute("DELETE FROM buildings WHERE fid = (SELECT fid FROM buildings ORDER BY fid LIMIT 1 OFFSET 60)")
    with pytest.raises(GeoTwinError, match=r"the buildings layer changed while the export was planned \(buildings "
                                           r"rows 51\.\.100\): export again"):
        plan_export(gpkg, OPTIONS, mapper=_then(delete_a_row))
    with pytest.raises(GeoTwinError, match=r"^buildings rows 1\.\.50: .*city.gpkg: cannot read the twin"):
        plan_export(gpkg, OPTIONS, mapper=_then(gpkg.unlink))


def test_a_range_scanned_again_that_fails_is_named(single, tmp_path, small_ranges):
    """The coordinator scans a range with a duplicate of an earlier range again: the store gone by then is named
    with that range's rows."""
    gpkg = _with_rows(single["city"], tmp_path, lambda frame: frame.iloc[[0]].copy())

    def first_pass_then_gone(fn, items):
        results = list(map(fn, items))
        gpkg.unlink()
        return iter(results)
    with pytest.raises(GeoTwinError, match=r"^buildings rows 401\.\.401: .*city.gpkg: cannot read the twin"):
        plan_export(gpkg, OPTIONS, mapper=first_pass_then_gone)


def test_a_cancel_during_the_passes_cancels_the_clusters_tasks(single, client, small_ranges):
    from geotwin.twin.kernel.errors import Cancelled

    reporter = _Recording(cancel_at=1)
    with pytest.raises(Cancelled, match="cancelled by the user"):
        plan_export(single["city"], OPTIONS, reporter, mapper=dask_mapper(client, reporter))
    assert len([v for v in reporter.values if 0 < v < 10]) == 1   # nothing taken in after the cancel
    deadline = time.monotonic() + 10
    while [k for k in client.processing().values() for k in k if "scan_range" in str(k)] or \
            [k for k in client.who_has() if "scan_range" in str(k)]:   # the scheduler forgets them in a moment
        assert time.monotonic() < deadline, client.who_has()
        time.sleep(0.1)
