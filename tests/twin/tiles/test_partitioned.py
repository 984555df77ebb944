"""The partitioned 3D Tiles export (twin/tiles/partitioned.py) against the single-process export_3dtiles: the same
tiles byte for byte (explicit, implicit, 3D Tiles 1.0; GeoPackage and PostGIS stores; the generated district and
Hamburg's LoD2 tile with building parts), every building in exactly one LoD2 tile with the same geometry and
properties, a failing partition named, and memory that does not grow with the city as the single export's does."""
from __future__ import annotations

import collections
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pyogrio
import pytest

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.store import open_store
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import Task, export_partitioned, export_subtree, plan_export, write_root
from geotwin.twin.tiles.reader import Tile

BUILDINGS = 1500
PARTITION = 250
HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"


def _options(**kw) -> ExportOptions:
    """Small LoD1 groups so that the district's explicit tree has several partitions."""
    return ExportOptions(viewer=False, lod1_max_buildings=PARTITION, **kw)


def _files(folder: Path) -> dict[str, str]:
    """sha256 of every file of an export but its report."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != REPORT_NAME}


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    """The generated district's city model GeoPackage."""
    folder = tmp_path_factory.mktemp("partitioned")
    generated = generate_district(folder / "district", buildings=BUILDINGS, seed=3, formats=("citygml",))
    gpkg = folder / "citymodel.gpkg"
    import_citymodel([generated.path("citygml")], gpkg, None, "highest", CollectingReporter())
    return gpkg


@pytest.fixture(scope="module")
def hamburg(tmp_path_factory, shared_data) -> Path:
    gpkg = tmp_path_factory.mktemp("hamburg") / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], gpkg, None, "highest", CollectingReporter())
    return gpkg


def _written(result) -> dict:
    """The export_report.json an export wrote."""
    return json.loads((result.output / REPORT_NAME).read_text(encoding="utf-8"))


def _both(source, store, tmp_path: Path, options: ExportOptions, partition: int = PARTITION):
    single = export_3dtiles(source, tmp_path / "single", options)
    reporter = CollectingReporter()
    parts = export_partitioned(store, tmp_path / "parts", options, reporter, partition_buildings=partition)
    return single, parts


@pytest.mark.parametrize("options", [_options(), _options(implicit=True), _options(format="1.0")],
                         ids=["1.1", "1.1-implicit", "1.0"])
def test_the_same_tiles_byte_for_byte(district, tmp_path, options):
    single, parts = _both(district, district, tmp_path, options)
    names = [p["name"] for p in parts.report["partitions"]]
    assert len(names) >= 4, names
    if options.implicit:   # buildings across the borders above the partitions stay in the top tiles
        assert "top" in names
    a, b = _files(single.output), _files(parts.output)
    assert len([f for f in a if f.startswith("tiles/")]) == single.tiles == parts.tiles >= 8
    assert a == b   # every tile, tileset.json, the subtree files and the metadata schema
    assert (single.output / "tileset.json").read_bytes() == (parts.output / "tileset.json").read_bytes()
    assert parts.summary.buildings == single.summary.buildings == BUILDINGS
    # the partitioned export's returned report leaves out the per-tile lists: the written one has them
    assert "tiles" not in parts.report and "tiles" not in parts.report["incremental"]
    assert _written(parts)["incremental"]["tiles"].keys() == single.report["incremental"]["tiles"].keys()
    assert [t["uri"] for t in _written(parts)["tiles"]] == sorted(t["uri"] for t in single.report["tiles"])
    # the report counts every file of the tileset, itself too
    assert _written(parts)["sizes"]["total_bytes"] == sum(f.stat().st_size for f in parts.output.rglob("*")
                                                           if f.is_file()) == parts.summary.total_bytes
    assert sum(p["buildings"] for p in parts.report["partitions"]) == BUILDINGS


def test_building_parts_and_their_containers(hamburg, tmp_path):
    """Real LoD2 data (Hamburg) whose buildings have parts: the parts' containers travel with them."""
    single, parts = _both(hamburg, hamburg, tmp_path, ExportOptions(viewer=False, lod1_max_buildings=20), 20)
    assert single.report["containers"] >= 1 and parts.report["containers"] == single.report["containers"]
    assert len(parts.report["partitions"]) >= 2
    assert _files(single.output) == _files(parts.output)


def _leaf_features(folder: Path, report: dict) -> dict[str, tuple[str, dict, np.ndarray]]:
    """Building id -> (tile, properties, its vertices) of every building feature of the LoD2 tiles."""
    out: dict[str, tuple[str, dict, np.ndarray]] = {}
    seen: collections.Counter[str] = collections.Counter()
    for t in report["tiles"]:
        if t["kind"] != "lod2":
            continue
        tile = Tile.open(folder / t["uri"])
        table = tile.property_table()
        ids, positions = tile.feature_ids(), tile.positions()
        for row, bid in enumerate(table["id"]):
            seen[bid] += 1
            props = {k: v[row] for k, v in table.items()}
            out[bid] = (t["uri"], props, positions[ids == row])
    doubled = [b for b, n in seen.items() if n > 1]
    assert not doubled, f"buildings in more than one LoD2 tile: {doubled[:5]}"
    return out


def test_every_building_once_with_its_geometry_and_properties(district, tmp_path):
    single, parts = _both(district, district, tmp_path, _options(implicit=True))
    ids = set(pyogrio.read_dataframe(district, layer="buildings", read_geometry=False)["id"])
    a = _leaf_features(single.output, single.report)
    b = _leaf_features(parts.output, _written(parts))
    assert set(a) == set(b) == ids
    for bid in ids:
        (tile_a, props_a, verts_a), (tile_b, props_b, verts_b) = a[bid], b[bid]
        assert tile_a == tile_b and props_a == props_b
        assert verts_a.shape == verts_b.shape and len(verts_a) >= 4 and np.array_equal(verts_a, verts_b)


def test_a_postgis_store_exports_the_same_tiles(district, pg_dsn, tmp_path):
    """The city model copied into a PostGIS schema through the store interface (its own layers' columns):
    every worker reads it there; the tiles are those of the single export of the GeoPackage. (export_3dtiles
    itself reads a PostGIS store with the twin's columns only: a city model's tables lack ``origin``.)"""
    import psycopg

    from geotwin.twin.kernel.schema import CITY_MODEL_LAYERS

    schema = f"parts_{uuid.uuid4().hex[:8]}"
    source, target = open_store(district), open_store(pg_dsn, schema)
    try:
        with target.transaction(source.crs()) as writer:
            for spec in CITY_MODEL_LAYERS:
                writer.replace(spec, source.read(spec))
        single = export_3dtiles(district, tmp_path / "single", _options(implicit=True))
        parts = export_partitioned(target, tmp_path / "parts", _options(implicit=True), CollectingReporter(),
                                   partition_buildings=PARTITION)
        assert len(parts.report["partitions"]) >= 4 and "PostGIS" in parts.summary.source
        assert "password" not in json.dumps(parts.report)
        assert _files(single.output) == _files(parts.output)
        # exported again from PostGIS (rows read in the store's order, sorted by building): nothing rewritten
        again = export_partitioned(target, tmp_path / "parts", _options(implicit=True), CollectingReporter(),
                                   partition_buildings=PARTITION)
        assert all(p["reused"] for p in again.report["partitions"]) and again.summary.rewritten == []
        assert _files(single.output) == _files(again.output)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _delete_building(gpkg: Path, bid: str) -> None:
    with sqlite3.connect(gpkg) as con:
        con.execute("DELETE FROM buildings WHERE id = ?", (bid,))


def test_a_failing_partition_is_named_and_the_others_complete(district, tmp_path):
    """The store changes between the plan and one partition (a building of it deleted): that partition fails,
    is named, the others complete, and the output is left as it was."""
    gpkg = tmp_path / "city.gpkg"
    shutil.copy(district, gpkg)
    ran: list[str] = []

    def changing(fn, tasks):
        tasks = list(tasks)
        if not tasks or not isinstance(tasks[0], Task):   # the plan's passes over the rows (planscan)
            yield from map(fn, tasks)
            return
        _delete_building(gpkg, tasks[1].ids[0])
        for task in tasks:
            ran.append(task.name)
            yield fn(task)

    out = tmp_path / "tiles"
    with pytest.raises(GeoTwinError, match=r"1 of \d+ partitions failed; the output is unchanged: partition "
                                           r"[0-9/]+ \(\d+ buildings\) failed: .*city.gpkg: 1 building\(s\) of the plan are "
                                           r"not in the store") as err:
        export_partitioned(gpkg, out, _options(), CollectingReporter(), changing, partition_buildings=PARTITION)
    assert ran[1] in str(err.value) and len(ran) >= 4
    assert not out.exists() and list(tmp_path.glob(".tiles.*")) == []


def test_export_subtree_names_its_partition(district, tmp_path):
    gpkg = tmp_path / "city.gpkg"
    shutil.copy(district, gpkg)
    plan = plan_export(gpkg, _options(), partition_buildings=PARTITION)
    task = plan.tasks[0]
    _delete_building(gpkg, task.ids[-1])
    (tmp_path / "work").mkdir()
    with pytest.raises(GeoTwinError, match=rf"{task.name} \({len(task.ids)} buildings\) failed: .*e\.g\. "
                                           rf"{task.ids[-1]}"):
        export_subtree(str(gpkg), plan.shared(), task, tmp_path / "work")


def test_write_root_needs_every_partition(district, tmp_path):
    plan = plan_export(district, _options(), partition_buildings=PARTITION)
    work = tmp_path / "work"
    work.mkdir()
    first = export_subtree(plan.target, plan.shared(), plan.tasks[0], work)
    assert first.buildings == len(plan.tasks[0].ids) and first.fragment is not None
    with pytest.raises(GeoTwinError, match=r"no summary of partition [0-9/]+.*: every partition must be exported"):
        write_root(plan, [first], tmp_path / "tiles", work)
    assert not (tmp_path / "tiles").exists()


def test_what_the_partitioned_export_refuses(district, tmp_path, pg_dsn):
    with pytest.raises(GeoTwinError, match="one feature per building: export per-surface features"):
        export_partitioned(district, tmp_path / "a", ExportOptions(features="surface"))
    with pytest.raises(GeoTwinError, match="neither per-surface features nor implicit"):
        export_partitioned(district, tmp_path / "a", ExportOptions(format="1.0", implicit=True))
    twin = tmp_path / "twin.gpkg"
    shutil.copy(district, twin)
    store = open_store(twin)
    from geotwin.twin.kernel.schema.twin import KNOWN_SPECS

    with store.transaction(store.crs()) as writer:
        writer.replace(KNOWN_SPECS["sensors"], None)
    # an empty sensors layer (a twin built without sensors has one) is exported as the city model
    assert export_partitioned(twin, tmp_path / "empty", _options(), partition_buildings=PARTITION).tiles >= 8
    import pandas as pd
    from shapely.geometry import Point

    from geotwin.twin.store.frames import conform

    spec = KNOWN_SPECS["sensors"]
    frame = conform(pd.DataFrame([{"sensor_key": "s1", "sensor_id": "1", "geometry": Point(0, 0)}]), spec,
                    store.crs())
    with store.transaction(store.crs()) as writer:
        writer.replace(spec, frame)
    with pytest.raises(GeoTwinError, match=r"tiles the city model; the twin's sensors are tiled by export_3dtiles"):
        export_partitioned(twin, tmp_path / "a", _options())
    with pytest.raises(InputError, match=r"no 'buildings' layer: import a city model or build the twin"):
        export_partitioned(pg_dsn, tmp_path / "a", _options(), schema=f"empty_{uuid.uuid4().hex[:8]}")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(GeoTwinError, match="not empty and holds no earlier GeoTwin output"):
        export_partitioned(district, foreign, _options())
    assert not (tmp_path / "a").exists() and (foreign / "notes.txt").read_text() == "mine"


def test_an_earlier_export_is_replaced_and_its_square_kept(district, tmp_path):
    """Exporting again into the same folder: the earlier export (its report marks it as ours) is replaced."""
    out = tmp_path / "tiles"
    first = export_3dtiles(district, out, _options())
    again = export_partitioned(district, out, _options(), partition_buildings=PARTITION)
    assert again.report["incremental"]["square"] == first.report["incremental"]["square"]
    assert again.tiles == first.tiles and (out / "tileset.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiles"]


# ------------------------------------------------------------------------------------------------- memory

# VmHWM, not getrusage's ru_maxrss: Linux carries the forking parent's (pytest's) peak over into ru_maxrss
RSS_SCRIPT = """
import json, sys
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import export_partitioned
mode, source, output, partition = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
options = ExportOptions(viewer=False)
if mode == "single":
    result = export_3dtiles(source, output, options)
else:
    result = export_partitioned(source, output, options, partition_buildings=partition)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"buildings": result.summary.buildings, "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def _peak(mode: str, gpkg: Path, out: Path, partition: int) -> float:
    proc = subprocess.run([sys.executable, "-c", RSS_SCRIPT, mode, str(gpkg), str(out), str(partition)],
                          capture_output=True, text=True, cwd=ROOT, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_mb"])


def test_memory_grows_far_less_than_the_single_export(tmp_path):
    """Peak RSS of a fresh process exporting N and 4N generated buildings: the single export's grows with the
    city (its whole building table is in memory), the partitioned export's (partitions of at most 1500
    buildings) grows by less than a third of that."""
    n = 3000
    peaks: dict[tuple[str, int], float] = {}
    for size in (n, 4 * n):
        generated = generate_district(tmp_path / f"d{size}", buildings=size, seed=5, formats=("citygml",))
        gpkg = tmp_path / f"city{size}.gpkg"
        import_citymodel([generated.path("citygml")], gpkg, None, "highest", CollectingReporter())
        for mode in ("single", "partitioned"):
            peaks[mode, size] = _peak(mode, gpkg, tmp_path / f"{mode}{size}", 1000)
    single = peaks["single", 4 * n] - peaks["single", n]
    parts = peaks["partitioned", 4 * n] - peaks["partitioned", n]
    assert single > 25, peaks          # the single export holds every building: it grows measurably
    assert parts < single / 3, peaks


@pytest.fixture(scope="module")
def partitioned(district, tmp_path_factory) -> dict[str, Path]:
    """The district's partitioned exports, explicit and implicit: their tileset.json by name."""
    out = tmp_path_factory.mktemp("partitioned_tiles")
    tilesets = {}
    for name in ("explicit", "implicit"):
        result = export_partitioned(district, out / name, _options(implicit=name == "implicit"),
                                    partition_buildings=PARTITION)
        assert len(result.report["partitions"]) >= 4
        tilesets[name] = result.tileset
    return tilesets


@pytest.mark.parametrize("name", ["explicit", "implicit"])
def test_structure_of_the_partitioned_export(partitioned, name):
    """The checks of tests/twin/tiles/tiles_structure.py (what CI has where the official validator is not built)."""
    from geotwin.tests.twin.tiles import tiles_structure as ts

    folder = Path(partitioned[name]).parent
    assert ts.content_count(folder) >= 8
    assert ts.check_export(folder) == []


@pytest.mark.parametrize("name", ["explicit", "implicit"])
def test_official_validator_accepts_the_partitioned_export(partitioned, tmp_path, name):
    """The official 3D Tiles validator (scripts/validator.sh; skipped only when it is not built) on a
    partitioned export: 0 errors, 0 warnings."""
    from geotwin.tests.twin.tiles.test_validity import _issues, run_validator

    report = run_validator(partitioned[name], tmp_path / "report.json")
    assert (report["numErrors"], report["numWarnings"]) == (0, 0), "\n".join(_issues(report))


def test_partitions_run_in_other_processes(district, tmp_path):
    """The plan, the tasks and the summaries pickle: two worker processes (a process pool's map as the mapper,
    as a Dask client's would) give the same tileset as the single export."""
    from concurrent.futures import ProcessPoolExecutor

    single = export_3dtiles(district, tmp_path / "single", _options())
    with ProcessPoolExecutor(2) as pool:
        parts = export_partitioned(district, tmp_path / "parts", _options(), CollectingReporter(), pool.map,
                                   partition_buildings=PARTITION)
    assert len(parts.report["partitions"]) >= 4
    assert _files(single.output) == _files(parts.output)


def test_partitions_run_on_a_dask_local_cluster(district, tmp_path):
    """Two Dask workers (a real distributed.LocalCluster on loopback) run the partitions."""
    from distributed import Client, LocalCluster

    single = export_3dtiles(district, tmp_path / "single", _options(implicit=True))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        def dask_map(fn, tasks):
            return client.gather(client.map(fn, list(tasks), pure=False))

        parts = export_partitioned(district, tmp_path / "parts", _options(implicit=True), CollectingReporter(),
                                   dask_map, partition_buildings=PARTITION)
        workers = {w["id"] for w in client.scheduler_info()["workers"].values()}
    assert len(workers) == 2 and len(parts.report["partitions"]) >= 4
    assert _files(single.output) == _files(parts.output)


# ------------------------------------------------------------------------------------ exporting again

def _set_height(gpkg: Path, bid: str, height: float) -> None:
    """Rewrite the buildings layer with one building's measured height changed (as a rebuilt twin would)."""
    store = open_store(gpkg)
    spec = store.stored_spec("buildings")
    frame = store.read(spec)
    assert (frame["id"] == bid).sum() == 1
    frame.loc[frame["id"] == bid, "measured_height"] = height
    with store.transaction(store.crs()) as writer:
        writer.replace(spec, frame)


def _inodes(folder: Path) -> dict[str, int]:
    """The inodes of the tile files (the root's files are written anew by every export)."""
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in (folder / "tiles").rglob("*") if p.is_file()}


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_exporting_again_rewrites_only_the_partitions_whose_buildings_changed(district, tmp_path, implicit):
    """Unchanged: every partition reuses the earlier files (hard links, same inodes). One building changed:
    only its partition writes tiles, and only the tiles holding it; the result is byte for byte a fresh
    single-process export of the changed store."""
    city = tmp_path / "city.gpkg"
    shutil.copy(district, city)
    out = tmp_path / "tiles"
    options = _options(implicit=implicit)
    first = export_partitioned(city, out, options, partition_buildings=PARTITION)
    before, inodes = _files(out), _inodes(out)
    assert len(first.report["partitions"]) >= 4 and not any(p["reused"] for p in first.report["partitions"])

    again = export_partitioned(city, out, options, CollectingReporter(), partition_buildings=PARTITION)
    assert all(p["reused"] and p["rewritten"] == 0 for p in again.report["partitions"])
    assert again.summary.rewritten == [] and len(again.summary.reused) == first.tiles
    assert _files(out) == before and _inodes(out) == inodes   # the earlier tile files, linked

    plan = plan_export(city, options, partition_buildings=PARTITION, output=out)
    task = next(t for t in plan.tasks if t.key != "top")
    bid = task.ids[len(task.ids) // 2]
    _set_height(city, bid, 123.25)
    third = export_partitioned(city, out, options, CollectingReporter(), partition_buildings=PARTITION)
    changed = [p for p in third.report["partitions"] if not p["reused"]]
    assert [p["key"] for p in changed] == [task.key] and changed[0]["rewritten"] >= 1
    holding = {t["uri"] for t in _written(third)["tiles"] if t["uri"] in third.summary.rewritten}
    mine = {f"tiles/{n.key}.{plan.ext}" for r in task.roots for n in r.walk() if n.content}
    assert holding and holding <= mine and set(third.summary.rewritten) == holding
    now = _inodes(out)
    assert {f for f in now if now[f] != inodes.get(f)} == holding
    fresh = export_3dtiles(city, tmp_path / "fresh", options)
    assert _files(fresh.output) == _files(out)
    assert fresh.summary.buildings == third.summary.buildings == BUILDINGS


def test_a_partition_whose_earlier_files_are_gone_is_exported_again(district, tmp_path):
    """The earlier export lost a tile file (or it was changed on disk): its partition is not reused but encoded
    again; a changed option (compression off) changes every partition's digest."""
    out = tmp_path / "tiles"
    first = export_partitioned(district, out, _options(), partition_buildings=PARTITION)
    before = _files(out)
    victim = first.report["partitions"][1]
    lost = f"tiles/{victim['summary']['contents'][0]}.glb"
    (out / lost).unlink()
    again = export_partitioned(district, out, _options(), partition_buildings=PARTITION)
    redone = [p["key"] for p in again.report["partitions"] if not p["reused"]]
    assert redone == [victim["key"]] and lost in again.summary.rewritten
    assert _files(out) == before
    (out / lost).write_bytes(b"not the tile")
    third = export_partitioned(district, out, _options(), partition_buildings=PARTITION)
    assert [p["key"] for p in third.report["partitions"] if not p["reused"]] == [victim["key"]]
    assert _files(out) == before
    plain = export_partitioned(district, out, _options(compression=False), partition_buildings=PARTITION)
    assert not any(p["reused"] for p in plain.report["partitions"])
    assert _files(export_3dtiles(district, tmp_path / "plain", _options(compression=False)).output) == _files(out)


def test_partitions_respect_the_cap_and_tasks_stay_small(district):
    """The memory-relevant structure: every partition holds at most the cap (a worker's export peak follows its
    partition's size, about 12.7 kB per building plus ~150 MB), every building is in exactly one task, and a task
    pickles to about ten bytes per building (its ids compressed; what the plan and the scheduler hold and send)."""
    import pickle

    from geotwin.twin.tiles.partitioned import PARTITION_BUILDINGS

    assert PARTITION_BUILDINGS == 5_000   # measured: a 4,547-building partition peaks at 208 MB, 10,000 at 273 MB
    cap = 400
    plan = plan_export(district, _options(implicit=True), partition_buildings=cap)
    parts = [t for t in plan.tasks if t.key != "top"]
    assert len(parts) >= 3
    for task in parts:
        leaf = not any(r.children for r in task.roots)
        assert len(task.ids) <= cap or leaf, task.name
    ids = [b for t in plan.tasks for b in t.ids]
    expected = set(pyogrio.read_dataframe(district, layer="buildings", read_geometry=False)["id"])
    assert len(ids) == len(set(ids)) == len(expected) and set(ids) == expected
    per_building = len(pickle.dumps(plan.tasks)) / len(ids)
    assert 2 < per_building < 30, per_building


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_the_plan_holds_each_subtree_packed(district, implicit):
    """The coordinator holds every task from the plan to the root: each keeps its subtree pickled and compressed
    (``Task.tree``), no quadtree node in memory. What the tasks hold (traced as they are unpickled, the way the
    plan held them) is a few bytes per building, less than a quarter of their nodes unpacked, the packed
    subtrees an eighth; ``roots`` unpacks the same subtree as an independent copy each time (a worker's ``_local`` changes
    its copy; test_the_plan_cuts_the_whole_citys_quadtree compares the subtrees with the whole city's tree)."""
    import pickle
    import tracemalloc
    import zlib

    from geotwin.twin.tiles import quadtree

    plan = plan_export(district, _options(implicit=implicit, leaf_max_buildings=20), partition_buildings=120)
    data = pickle.dumps(plan.tasks)
    assert b"quadtree" not in data and len(plan.tasks) >= 8   # no Node pickled (its class would be named)
    tracemalloc.start()
    try:
        tasks = pickle.loads(data)
        held = tracemalloc.get_traced_memory()[0]
        roots = [t.roots for t in tasks]
        nodes = tracemalloc.get_traced_memory()[0] - held
    finally:
        tracemalloc.stop()
    trees = sum(len(t.tree) for t in tasks)
    assert all(isinstance(n, quadtree.Node) for r in roots for root in r for n in root.walk())
    assert sum(1 for r in roots for root in r for n in root.walk()) >= 2 * len(tasks)
    per_building = held / plan.buildings
    assert per_building < 30 and held < nodes / 4 and trees < nodes / 8, (per_building, held, nodes, trees)

    task = max((t for t in plan.tasks if t.key != "top"), key=lambda t: len(t.tree))
    first, second = task.roots, task.roots
    assert first is not second and first[0] is not second[0] and first[0].children
    same = pickle.dumps(pickle.loads(zlib.decompress(task.tree)))
    assert pickle.dumps(first) == pickle.dumps(second) == same
    lod2 = sorted(i for r in first for n in r.walk() if n.content == "lod2" for i in n.own.tolist())
    assert lod2 == list(range(len(task.ids)))   # each of its buildings in one LoD2 tile
    first[0].children, first[0].content, first[0].own = [], None, None
    assert pickle.dumps(task.roots) == same


def test_duplicate_ids_are_skipped_by_row_across_and_within_batches(district, tmp_path, monkeypatch):
    """The plan finds duplicate ids in its scratch SQLite file, not in a set of every id: a copy of a building
    of an earlier batch and a copy within one batch are both skipped by row number, the first row of an id kept."""
    import geotwin.twin.tiles.partitioned as partitioned
    from geotwin.twin.kernel.schema import BUILDINGS as LAYER

    gpkg = tmp_path / "city.gpkg"
    shutil.copy(district, gpkg)
    store = open_store(gpkg)
    spec = store.stored_spec(LAYER.name)
    frame = store.read(spec)
    first = str(frame["id"].iloc[0])
    extra = frame.iloc[[0, 1, 1]].copy()   # a copy of the first building, then a new id twice
    extra["id"] = [first, "extra-building", "extra-building"]
    with store.transaction(store.crs()) as writer:
        writer.append(spec, extra)
    monkeypatch.setattr(partitioned, "SCAN_BATCH", 100)   # the first building's batch is long gone
    plan = plan_export(gpkg, _options())
    assert plan.skipped == [f"building row {BUILDINGS + 1}: duplicate id {first}",
                            f"building row {BUILDINGS + 3}: duplicate id extra-building"]
    ids = [b for t in plan.tasks for b in t.ids]
    assert plan.buildings == len(ids) == len(set(ids)) == BUILDINGS + 1 and "extra-building" in ids


def _whole_tree(gpkg: Path, plan, options: ExportOptions):
    """The single export's quadtree of the whole city (every building's ENU box in memory, computed here from the
    buildings' vertices) and the ids sorted as its indices."""
    import shapely

    from geotwin.twin.kernel.heights import Georeferencer, resolve_height_model
    from geotwin.twin.tiles.buildings import Placement
    from geotwin.twin.tiles.export import export_tree
    from geotwin.twin.tiles.frame import georeference

    heights = resolve_height_model(plan.horizontal_crs, plan.vertical_crs, options.height_method)
    geo = Georeferencer(plan.horizontal_crs, heights)
    frame = pyogrio.read_dataframe(gpkg, layer="buildings", columns=["id"]).sort_values("id", ignore_index=True)
    xyz, index = shapely.get_coordinates(frame.geometry.values, include_z=True, return_index=True)
    enu = georeference(geo, plan.frame, np.nan_to_num(xyz))
    lo, hi = np.full((len(frame), 3), np.inf), np.full((len(frame), 3), -np.inf)
    np.minimum.at(lo, index, enu)
    np.maximum.at(hi, index, enu)
    root = export_tree(Placement(plan.frame, plan.frame_origin, lo, hi), plan.square, options)
    return root, list(frame["id"])


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_the_plan_cuts_the_whole_citys_quadtree(district, implicit):
    """The plan builds the tree above the partitions from SQL aggregates and each partition's subtree from its
    buildings alone: the same partitions, tiles and buildings per tile as the whole city's quadtree cut at the
    topmost tiles with at most the cap (or without children); the top task holds the tiles above them."""
    options = _options(implicit=implicit)
    cap = 120
    plan = plan_export(district, options, partition_buildings=cap)
    root, ids = _whole_tree(district, plan, options)
    limit = cap if implicit else max(cap, options.lod1_max_buildings)
    counts = {n.key: sum(len(m.own) for m in n.walk() if m.content) if implicit else len(n.buildings)
              for n in root.walk()}
    roots, stack = [], [root]
    while stack:
        node = stack.pop()
        if counts[node.key] <= limit or not node.children:
            roots.append(node)
        else:
            stack.extend(reversed(node.children))
    assert plan.partitions == [r.key for r in roots] and len(roots) >= 4

    def tiles(nodes, names):
        return [(n.key, n.content, n.x0, n.y0, n.size, sorted(names[i] for i in n.own) if n.content else None)
                for r in nodes for n in r.walk()]

    parts = {t.key: t for t in plan.tasks}
    for r in roots:
        task = parts[r.key]
        assert tiles(task.roots, task.ids) == tiles([r], ids), r.key
    below = {n.key for r in roots for n in r.walk()}
    top = [n for n in root.walk() if n.content and n.key not in below]
    assert bool(top) == implicit == ("top" in parts)   # explicit: no content above the partitions
    if implicit:
        assert tiles(parts["top"].roots, parts["top"].ids) == [(k, c, x, y, s, b) for n in top
                                                                 for k, c, x, y, s, b in tiles([n], ids)[:1]]
        nodes = list(root.walk())
        assert plan.tiles == {(n.level, n.x, n.y) for n in nodes}
        assert plan.contents == {(n.level, n.x, n.y) for n in nodes if n.content}
    assert [n.key for n in plan.top.walk()] == [n.key for n in root.walk() if n.key not in below or
                                                 n.key in plan.partitions]
    assert sorted(b for t in plan.tasks for b in t.ids) == ids


def test_a_partition_at_the_root_keeps_its_own_tile_in_the_report(district, tmp_path):
    """With one partition its tile is tileset.json's root, which gets the ENU transform and REPLACE; the report
    lists the partition's summary as the partition wrote it (a later export reuses partitions from the report:
    a copied transform would move the partition once it is no longer the root)."""
    result = export_partitioned(district, tmp_path / "tiles", _options(), partition_buildings=BUILDINGS)
    report = json.loads((tmp_path / "tiles" / REPORT_NAME).read_text(encoding="utf-8"))
    tileset = json.loads((tmp_path / "tiles" / "tileset.json").read_text(encoding="utf-8"))
    [part] = report["partitions"]
    fragment = part["summary"]["fragment"]
    assert part["key"] == "0/0/0" and part["buildings"] == result.summary.buildings == BUILDINGS
    assert "transform" not in fragment and len(tileset["root"]["transform"]) == 16
    assert tileset["root"]["refine"] == "REPLACE" and fragment.get("refine") != "REPLACE"
    assert {k: v for k, v in tileset["root"].items() if k not in ("transform", "refine")} == fragment
