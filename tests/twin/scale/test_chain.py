"""The partitioned chain against the single-process one: an NRW-style zip of LoD2 tiles imported and built in
partitions on a real Dask cluster (`dask scheduler` + two `dask worker`) and on a LocalCluster, a worker
killed mid-run, a broken tile, a changed tile, cancel, and PostGIS as the shared store."""
from __future__ import annotations

import importlib.util
import re
import shutil
import signal
import sqlite3
import time
import uuid
import zipfile
from pathlib import Path

import psutil
import pytest

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.errors import Cancelled, GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema import CITY_MODEL_LAYERS
from geotwin.twin.kernel.schema.twin import KNOWN_SPECS
from geotwin.twin.scale.build import StoredIds, build_partitioned
from geotwin.twin.scale.cluster import PartitionError, dask_mapper, open_client, serial_mapper
from geotwin.twin.scale.export import export_tiles
from geotwin.twin.scale.imports import PartitionsFailed, import_partition, import_partitioned
from geotwin.twin.store.open import open_store
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import Task, plan_export

from .conftest import rezip

_spec = importlib.util.spec_from_file_location("scale_compare", Path(__file__).with_name("compare.py"))
_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_compare)
table, frame_rows = _compare.table, _compare.frame_rows
TWIN_LAYERS_COMPARED = sorted(set(KNOWN_SPECS) - {"builds"})


def assert_same_city(a, b):
    for spec in CITY_MODEL_LAYERS:
        assert table(a, spec.name) == table(b, spec.name), spec.name


def assert_same_twin(a, b):
    assert sorted(gpkg.list_layers(a)) == sorted(gpkg.list_layers(b))
    for layer in TWIN_LAYERS_COMPARED:
        assert table(a, layer) == table(b, layer), layer


def test_import_in_partitions_on_a_real_cluster_equals_the_single_process_import(delivery, single, client, tmp_path):
    reporter = CollectingReporter()
    result = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work", dask_mapper(client,
                                reporter), reporter)
    assert result.partitions == len(delivery["tiles"]) == len(result.ran) >= 6
    assert result.buildings == 400 and result.duplicates == 0
    assert_same_city(tmp_path / "city.gpkg", single["city"])
    assert reporter.last_progress == 100.0


def test_a_worker_killed_mid_run_is_rescheduled_and_the_result_is_identical(delivery, single, client,
                                                                           dask_scheduler, tmp_path):
    killed = []

    class KillOnce(CollectingReporter):
        def progress(self, percent):
            super().progress(percent)
            if not killed:   # the first partition is done, the others are queued or running: kill a worker
                nanny = psutil.Process(dask_scheduler["workers"][0].pid)
                for child in nanny.children(recursive=True):
                    if "python" in child.name().lower() or "dask" in " ".join(child.cmdline()):
                        child.send_signal(signal.SIGKILL)
                        killed.append(child.pid)

    reporter = KillOnce()
    result = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work",
                                dask_mapper(client, reporter), reporter)
    assert killed, "no worker process was killed"
    assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == psutil.STATUS_ZOMBIE
    assert len(result.ran) == result.partitions
    assert_same_city(tmp_path / "city.gpkg", single["city"])
    client.wait_for_workers(2, timeout=90)   # the nanny restarts the killed worker for the next tests


def test_build_in_partitions_on_a_local_cluster_equals_the_single_process_twin(single, tmp_path):
    reporter = CollectingReporter()
    with open_client(None, 2, reporter) as client:
        result = build_partitioned(open_store(tmp_path / "twin.gpkg"), [single["city"]], tmp_path / "work",
                                   dask_mapper(client, reporter), reporter, buildings_per_partition=60)
    assert any(m.startswith("Dask LocalCluster: 2 worker processes") for m in reporter.infos)
    assert any(m.startswith("Dask dashboard") for m in reporter.infos)
    assert result.partitions >= 6 and len(result.ran) == result.partitions
    assert result.buildings == 400 and len(result.added) == 400
    assert_same_twin(tmp_path / "twin.gpkg", single["twin"])
    # the added ids are read from the store's changes when asked (no list of every id in the coordinator): the
    # ids of the single-process twin's buildings, sorted
    with sqlite3.connect(single["twin"]) as con:
        ids = sorted(r[0] for r in con.execute("SELECT id FROM buildings"))
    assert isinstance(result.added, StoredIds) and list(result.added) == ids and result.added == ids
    assert result.added[:3] == ids[:3] and result.added[-1] == ids[-1] and result.added[::150] == ids[::150]
    # a re-run with nothing changed builds nothing again and writes the same twin
    again = build_partitioned(open_store(tmp_path / "twin2.gpkg"), [single["city"]], tmp_path / "work",
                              serial_mapper(), buildings_per_partition=60)
    assert again.ran == [] and len(again.reused) == result.partitions
    assert_same_twin(tmp_path / "twin2.gpkg", single["twin"])


def test_buildings_with_parts_stay_whole_and_are_counted_once(shared_data, tmp_path):
    city = tmp_path / "hh.gpkg"
    import_citymodel([shared_data / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"], city)
    build_twin(open_store(tmp_path / "single.gpkg"), BuildInputs(citymodel=[str(city)]))
    result = build_partitioned(open_store(tmp_path / "twin.gpkg"), [city], tmp_path / "work", serial_mapper(),
                               buildings_per_partition=15)
    assert result.partitions >= 6
    part_of = [r for r in table(tmp_path / "twin.gpkg", "links") if "part_of" in r]
    assert len(part_of) > 10
    assert_same_twin(tmp_path / "twin.gpkg", tmp_path / "single.gpkg")


def test_a_building_beyond_the_halo_is_refused_by_name(single, tmp_path):
    with pytest.raises(PartitionsFailed, match=r"partitions failed \(cell_\d+_\d+: .*reaches beyond its partition's "
                                               r"halo of 0.01 m"):
        build_partitioned(open_store(tmp_path / "twin.gpkg"), [single["city"]], tmp_path / "work", serial_mapper(),
                          buildings_per_partition=5, halo=0.01)
    assert not (tmp_path / "twin.gpkg").exists()


def test_a_broken_tile_is_named_the_rest_completes_and_a_rerun_does_only_it(delivery, single, client, tmp_path):
    broken = delivery["tiles"][2]
    text = broken.read_text(encoding="utf-8")
    archive = rezip(delivery, tmp_path / "LoD2_NW.zip", {broken.name: text[: len(text) // 2]})
    with pytest.raises(PartitionsFailed, match=rf"1 of {len(delivery['tiles'])} import partitions failed "
                                               rf"\(.*LoD2_NW.zip!/LoD2/{broken.name}: "):
        import_partitioned([archive], tmp_path / "city.gpkg", tmp_path / "work", dask_mapper(client))
    assert not (tmp_path / "city.gpkg").exists()
    rezip(delivery, archive)   # the office delivers the tile again
    result = import_partitioned([archive], tmp_path / "city.gpkg", tmp_path / "work", dask_mapper(client))
    assert result.ran == [f"{archive}!/LoD2/{broken.name}"]
    assert len(result.reused) == len(delivery["tiles"]) - 1
    assert_same_city(tmp_path / "city.gpkg", single["city"])


def test_a_changed_tile_reimports_and_rebuilds_only_its_partitions(delivery, tmp_path):
    archive = rezip(delivery, tmp_path / "LoD2_NW.zip")
    work = tmp_path / "work"
    import_partitioned([archive], tmp_path / "city.gpkg", work, serial_mapper())
    first = build_partitioned(open_store(tmp_path / "twin.gpkg"), [tmp_path / "city.gpkg"], work, serial_mapper(),
                              buildings_per_partition=40)
    changed = delivery["tiles"][0]
    text = changed.read_text(encoding="utf-8")
    start = text.index("<bldg:measuredHeight")
    end = text.index("</bldg:measuredHeight>", start)
    edited = text[:start] + '<bldg:measuredHeight uom="m">99.500' + text[end:]
    rezip(delivery, archive, {changed.name: edited})
    again = import_partitioned([archive], tmp_path / "city.gpkg", work, serial_mapper())
    assert again.ran == [f"{archive}!/LoD2/{changed.name}"] and len(again.reused) == len(delivery["tiles"]) - 1
    second = build_partitioned(open_store(tmp_path / "twin.gpkg"), [tmp_path / "city.gpkg"], work, serial_mapper(),
                               buildings_per_partition=40)
    assert 0 < len(second.ran) < len([p for p in first.ran])
    assert len(second.modified) == 1 and second.added == second.removed == []
    # the same twin as a fresh single-process build of the new delivery
    import_citymodel([archive], tmp_path / "single_city.gpkg")
    build_twin(open_store(tmp_path / "single.gpkg"), BuildInputs(citymodel=[str(tmp_path / "single_city.gpkg")]))
    for layer in sorted(set(TWIN_LAYERS_COMPARED) - {"changes"}):
        drop = ("input_path", "input_checksum") if layer == "sources" else ()
        assert table(tmp_path / "twin.gpkg", layer, drop) == table(tmp_path / "single.gpkg", layer, drop), layer
    changes = table(tmp_path / "twin.gpkg", "changes")
    assert [r for r in changes if r[0] == 2 and r[1] == "buildings"] == [(2, "buildings", r[2], "modified")
                                                                           for r in changes
                                                                           if r[0] == 2 and r[1] == "buildings"]


def test_cancel_cancels_the_clusters_tasks(delivery, client, tmp_path):
    class CancelAfterFirst(CollectingReporter):
        def is_cancelled(self):
            return self.last_progress > 0

    reporter = CancelAfterFirst()   # one reporter, as QGIS and the command line give
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work",
                           dask_mapper(client, reporter), reporter)
    assert not (tmp_path / "city.gpkg").exists()

    def ours(dask_scheduler):
        return [str(k) for k, t in dask_scheduler.tasks.items()
                if "import_partition" in str(k) and t.state in ("processing", "queued", "waiting", "no-worker")]

    deadline = time.monotonic() + 20
    while client.run_on_scheduler(ours) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.run_on_scheduler(ours) == []


def test_a_task_that_raises_is_reported_with_its_partition(client):
    with pytest.raises(PartitionError, match=r"partition not-a-partition failed on the cluster: .*AttributeError|"
                                             r"partition not-a-partition failed on the cluster: .*has no attribute"):
        list(dask_mapper(client)(import_partition, ["not-a-partition"]))


def test_postgis_as_the_shared_store_holds_the_same_twin(single, client, pg_dsn, tmp_path):
    import psycopg

    schema = f"scale_{uuid.uuid4().hex[:10]}"
    store = open_store(pg_dsn, schema)
    try:
        result = build_partitioned(store, [single["city"]], tmp_path / "work", dask_mapper(client),
                                   buildings_per_partition=80)
        assert result.buildings == 400 and result.partitions >= 3
        reference = open_store(single["twin"])
        for layer in ("buildings", "building_surfaces", "footprints", "links", "object_hashes", "sources",
                      "height_report"):
            spec = KNOWN_SPECS[layer]
            assert frame_rows(store.read(spec)) == frame_rows(reference.read(spec)), layer
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_a_zip_member_the_import_partition_reads_is_named(delivery, tmp_path):
    with zipfile.ZipFile(delivery["zip"]) as zf:
        member = zf.namelist()[0]
    from geotwin.twin.scale.imports import ImportPartition

    outcome = import_partition(ImportPartition("k", str(delivery["zip"]), member + "-missing", str(tmp_path / "o.gpkg"),
                                               None, "highest", None, None))
    assert "There is no item named" in outcome.error and outcome.buildings == 0


# ------------------------------------------------------------------------------ 3D Tiles on the cluster

TILE_OPTIONS = ExportOptions(viewer=False, lod1_max_buildings=60)   # small LoD1 groups: several partitions


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of an export but its report (which names the partitions and timings)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != REPORT_NAME}


class Recording(CollectingReporter):
    """Keeps every progress value (a progress bar must never go back)."""

    def __init__(self):
        super().__init__()
        self.values = []

    def progress(self, percent):
        super().progress(percent)
        self.values.append(percent)


def _chain(archive, folder, mapper, reporter, per_partition=60):
    """import, build and export in partitions with ``mapper``; the export's result."""
    work = folder / "work"
    imported = import_partitioned([archive], folder / "city.gpkg", work, mapper, reporter)
    built = build_partitioned(open_store(folder / "twin.gpkg"), [folder / "city.gpkg"], work, mapper, reporter,
                              buildings_per_partition=per_partition)
    exported = export_tiles(folder / "twin.gpkg", folder / "tiles", TILE_OPTIONS, reporter, mapper,
                            partition_buildings=per_partition)
    return imported, built, exported


def _single_chain(archive, folder):
    """The single-process import, build and export of the same delivery."""
    import_citymodel([archive], folder / "single_city.gpkg")
    build_twin(open_store(folder / "single.gpkg"), BuildInputs(citymodel=[str(folder / "single_city.gpkg")]))
    return export_3dtiles(folder / "single.gpkg", folder / "single_tiles", TILE_OPTIONS)


def test_the_nrw_chain_in_partitions_on_a_real_cluster_gives_the_single_process_tiles(delivery, single, client,
                                                                                       tmp_path):
    """The zip of LoD2 tiles imported, built and exported in partitions on the real cluster: the twin equals the
    single-process twin, and every tile, tileset.json and the metadata schema equal the single-process export's
    byte for byte; each step's progress only goes forward."""
    steps = [Recording(), Recording(), Recording()]
    work = tmp_path / "work"
    imported = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", work, dask_mapper(client, steps[0]),
                                  steps[0])
    built = build_partitioned(open_store(tmp_path / "twin.gpkg"), [tmp_path / "city.gpkg"], work,
                              dask_mapper(client, steps[1]), steps[1], buildings_per_partition=60)
    exported = export_tiles(tmp_path / "twin.gpkg", tmp_path / "tiles", TILE_OPTIONS, steps[2],
                            dask_mapper(client, steps[2]), partition_buildings=60)
    assert imported.buildings == built.buildings == exported.summary.buildings == 400
    for layer in TWIN_LAYERS_COMPARED:   # the sources name the city model GeoPackage each twin was built from
        drop = ("input_path", "input_checksum") if layer == "sources" else ()
        assert table(tmp_path / "twin.gpkg", layer, drop) == table(single["twin"], layer, drop), layer
    reference = export_3dtiles(single["twin"], tmp_path / "reference", TILE_OPTIONS)
    partitions = exported.report["partitions"]
    assert len(partitions) >= 4 and sum(p["buildings"] for p in partitions) == 400
    assert _files(tmp_path / "tiles") == _files(reference.output) and reference.tiles == exported.tiles
    for step in steps:
        assert step.values == sorted(step.values) and step.values[-1] == 100.0, step.values
        assert len(step.values) >= 4


def test_a_changed_delivery_tile_reimports_rebuilds_and_retiles_only_its_partitions(delivery, client, tmp_path):
    """One delivery tile changed (a building's measured height): the import runs only its partition, the build
    only the cells of its buildings, the export re-tiles only the partitions holding the changed building and
    keeps every other tile file; the tiles equal a fresh single-process chain of the changed delivery."""
    archive = rezip(delivery, tmp_path / "LoD2_NW.zip")
    mapper = dask_mapper(client)
    _, _, first = _chain(archive, tmp_path, mapper, CollectingReporter())
    inodes = {p.relative_to(tmp_path): p.stat().st_ino for p in (tmp_path / "tiles" / "tiles").rglob("*")
              if p.is_file()}
    changed = delivery["tiles"][0]
    text = changed.read_text(encoding="utf-8")
    start = text.index("<bldg:measuredHeight")
    end = text.index("</bldg:measuredHeight>", start)
    rezip(delivery, archive, {changed.name: text[:start] + '<bldg:measuredHeight uom="m">99.500' + text[end:]})
    imported, built, again = _chain(archive, tmp_path, mapper, CollectingReporter())
    assert imported.ran == [f"{archive}!/LoD2/{changed.name}"]
    assert 0 < len(built.ran) < built.partitions and len(built.modified) == 1
    retiled = [p for p in again.report["partitions"] if not p["reused"]]
    assert len(retiled) == 1 < len(again.report["partitions"]), [p["name"] for p in retiled]
    assert 1 <= len(again.summary.rewritten) < again.tiles
    assert len(again.summary.reused) == again.tiles - len(again.summary.rewritten)
    kept = {p for p in (tmp_path / "tiles" / "tiles").rglob("*") if p.is_file()
            and inodes.get(p.relative_to(tmp_path)) == p.stat().st_ino}
    assert len(kept) == again.tiles - len(again.summary.rewritten)
    reference = _single_chain(archive, tmp_path)
    assert _files(tmp_path / "tiles") == _files(reference.output)
    assert first.tiles == again.tiles


def test_a_worker_killed_mid_export_is_rescheduled_and_the_tiles_are_identical(single, client, dask_scheduler,
                                                                              tmp_path):
    killed = []

    class KillOnce(CollectingReporter):
        def progress(self, percent):
            super().progress(percent)
            if percent > 20 and not killed:   # the first partition is done, the others queued or running
                nanny = psutil.Process(dask_scheduler["workers"][1].pid)
                for child in nanny.children(recursive=True):
                    child.send_signal(signal.SIGKILL)
                    killed.append(child.pid)

    reporter = KillOnce()
    result = export_tiles(single["twin"], tmp_path / "tiles", TILE_OPTIONS, reporter, dask_mapper(client, reporter),
                          partition_buildings=60)
    assert killed, "no worker process was killed"
    assert len(result.report["partitions"]) >= 4
    reference = export_3dtiles(single["twin"], tmp_path / "reference", TILE_OPTIONS)
    assert _files(tmp_path / "tiles") == _files(reference.output)
    client.wait_for_workers(2, timeout=90)


def test_a_failing_export_partition_is_named_the_rest_completes_and_the_output_is_kept(single, client, tmp_path):
    """A building deleted from the store after the plan: its partition fails on the cluster and is named, the
    others complete, the earlier export in the folder is left as it was; exported again, the partitions whose
    buildings are unchanged keep their tiles."""
    twin = tmp_path / "twin.gpkg"
    shutil.copy(single["twin"], twin)
    out = tmp_path / "tiles"
    export_tiles(twin, out, TILE_OPTIONS, CollectingReporter(), dask_mapper(client), partition_buildings=60)
    before = _files(out)
    plan = plan_export(twin, TILE_OPTIONS, partition_buildings=60, output=out)
    victim = plan.tasks[2]

    def delete_then_map(fn, tasks):
        tasks = list(tasks)
        if tasks and isinstance(tasks[0], Task):   # the partitions, after the plan (whose passes it maps too)
            with sqlite3.connect(twin) as con:
                con.execute("DELETE FROM buildings WHERE id = ?", (victim.ids[0],))
        return dask_mapper(client)(fn, tasks)

    with pytest.raises(GeoTwinError, match=rf"1 of {len(plan.tasks)} partitions failed; the output is unchanged: "
                                           rf"{re.escape(victim.name)} \({len(victim.ids)} buildings\) failed: "
                                           rf".*{re.escape(victim.ids[0])}"):
        export_tiles(twin, out, TILE_OPTIONS, CollectingReporter(), delete_then_map, partition_buildings=60)
    assert _files(out) == before
    again = export_tiles(twin, out, TILE_OPTIONS, CollectingReporter(), dask_mapper(client), partition_buildings=60)
    assert again.summary.buildings == 399
    assert 1 <= len([p for p in again.report["partitions"] if not p["reused"]]) < len(again.report["partitions"])


def test_cancel_cancels_the_export_tasks_on_the_cluster(single, client, tmp_path):
    class CancelAfterFirst(CollectingReporter):
        def is_cancelled(self):
            return self.last_progress > 20   # the plan is done and a partition finished

    reporter = CancelAfterFirst()
    with pytest.raises(Cancelled, match="cancelled by the user"):
        export_tiles(single["twin"], tmp_path / "tiles", TILE_OPTIONS, reporter, dask_mapper(client, reporter),
                     partition_buildings=30)
    assert not (tmp_path / "tiles").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["tiles.geotwin-work"]   # the finished partitions, kept to resume

    def ours(dask_scheduler):
        return [str(k) for k, t in dask_scheduler.tasks.items()
                if str(k).startswith("_Run-") and t.state in ("processing", "queued", "waiting", "no-worker")]

    deadline = time.monotonic() + 20
    while client.run_on_scheduler(ours) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.run_on_scheduler(ours) == []

    def executing(dask_worker):
        return dask_worker.state.executing_count

    while any(client.run(executing).values()) and time.monotonic() < deadline:   # cancelled tasks run to their end
        time.sleep(0.2)
    assert not any(client.run(executing).values())
    assert [p.name for p in tmp_path.iterdir()] == ["tiles.geotwin-work"]   # nor did a task still running leave
    # its tiles outside the work folder


def test_a_worker_killed_mid_build_is_rescheduled_and_the_twin_is_identical(single, client, dask_scheduler,
                                                                           tmp_path):
    killed = []

    class KillOnce(CollectingReporter):
        def progress(self, percent):
            super().progress(percent)
            if percent > 0 and not killed:   # a cell is done, the others queued or running
                nanny = psutil.Process(dask_scheduler["workers"][0].pid)
                for child in nanny.children(recursive=True):
                    child.send_signal(signal.SIGKILL)
                    killed.append(child.pid)

    reporter = KillOnce()
    result = build_partitioned(open_store(tmp_path / "twin.gpkg"), [single["city"]], tmp_path / "work",
                               dask_mapper(client, reporter), reporter, buildings_per_partition=40)
    assert killed, "no worker process was killed"
    assert len(result.ran) == result.partitions >= 6 and result.buildings == 400
    assert_same_twin(tmp_path / "twin.gpkg", single["twin"])
    client.wait_for_workers(2, timeout=90)


def test_a_tile_delivered_twice_merges_as_the_single_process_import_of_the_same_files(delivery, tmp_path):
    """The partitions whose buildings an earlier tile delivered are merged row by row without those buildings
    (the others copied whole inside SQLite): the same rows, skipped rows, spatial index and counts as one run."""
    again = tmp_path / "again" / "LoD2_again.gml"
    again.parent.mkdir()
    shutil.copyfile(delivery["tiles"][1], again)
    files = [*delivery["tiles"], again]
    import_citymodel(files, tmp_path / "single.gpkg")
    result = import_partitioned(files, tmp_path / "city.gpkg", tmp_path / "work", serial_mapper())
    tile_buildings = len(gpkg.read_table(tmp_path / "work" / "import" / "parts" / next(
        p.name for p in (tmp_path / "work" / "import" / "parts").iterdir() if "LoD2_again" in p.name), "buildings",
        ["id"], geometry=False)[1])
    assert result.duplicates == tile_buildings > 0
    # the layers the merge copies; not compared here: the skipped rows' line numbers (none: the partition of the
    # repeated tile does not know the earlier tile, and the merge does not read the lines)
    for layer in ("buildings", "building_surfaces", "footprints", "terrain"):
        assert table(tmp_path / "city.gpkg", layer) == table(tmp_path / "single.gpkg", layer), layer
    with sqlite3.connect(tmp_path / "city.gpkg") as con, sqlite3.connect(tmp_path / "single.gpkg") as one:
        for layer in ("buildings", "building_surfaces", "footprints"):
            assert con.execute(f"SELECT rtreecheck('rtree_{layer}_geom')").fetchone() == ("ok",)
            query = (f"SELECT (SELECT count(*) FROM rtree_{layer}_geom), (SELECT feature_count FROM gpkg_ogr_contents "
                     f"WHERE table_name = '{layer}'), (SELECT min_x || ' ' || max_y FROM gpkg_contents WHERE "
                     f"table_name = '{layer}')")
            assert con.execute(query).fetchone() == one.execute(query).fetchone(), layer
        skipped = "SELECT object_id, reason FROM skipped_objects"
        assert sorted(con.execute(skipped).fetchall()) == sorted(one.execute(skipped).fetchall())
        # the repeated tile's sources row counts its objects as skipped, as one run does
        sources = "SELECT source_file, object_count, skipped_count FROM sources"
        ours = sorted((Path(f).name, n, k) for f, n, k in con.execute(sources))
        theirs = sorted((Path(f).name, n, k) for f, n, k in one.execute(sources))
        assert ours == theirs
        assert ("LoD2_again.gml", 0, tile_buildings) in ours
