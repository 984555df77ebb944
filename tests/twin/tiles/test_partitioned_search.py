"""The partitioned export's search index (twin/tiles/partitioned.py, twin/tiles/search_index.py) on the sample
twin's city model and on Hamburg's LoD2 tile with building parts: the sharded index (search/) is the single export's
byte for byte, and a part is listed exactly when its building has no geometry of its own (checked against the GeoPackage), also
when the part and its building are tiled by different partitions."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import shapely

from geotwin.tests.twin.tiles.test_search_shards import index_files, listed_ids
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.examples import sample_twin
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles import partitioned
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import Failure, export_partitioned, plan_export
from geotwin.twin.tiles.resume import part_name, work_folder
from geotwin.twin.tiles.search_index import PART_SUFFIX, PARTS_DIR

HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"


def _options(**kw) -> ExportOptions:
    return ExportOptions(cesium_url="https://cesium.example/Cesium.js", **kw)


def _both(city: Path, tmp_path: Path, options: ExportOptions, partition: int) -> tuple[dict, dict, dict]:
    export_3dtiles(city, tmp_path / "single", options)
    parts = export_partitioned(city, tmp_path / "parts", options, partition_buildings=partition)
    kept = sorted(p.name for p in (tmp_path / "parts" / PARTS_DIR).iterdir())   # for the next export's reuse
    assert kept == sorted(f"{part_name(p['key'])}{PART_SUFFIX}" for p in parts.report["partitions"])
    return index_files(tmp_path / "single"), index_files(tmp_path / "parts"), parts.report


def test_the_sample_twins_index_in_partitions(tmp_path):
    single, parts, report = _both(sample_twin().city, tmp_path, _options(leaf_max_buildings=4), 5)
    assert parts == single
    assert len(listed_ids(tmp_path / "parts")) == 12 and report["search"]["buildings"] == 12
    assert len(parts) == report["search"]["shards"] + 1 >= 10


@pytest.fixture(scope="module")
def hamburg(shared_data, tmp_path_factory) -> Path:
    city = tmp_path_factory.mktemp("hamburg") / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], city, None, "highest", CollectingReporter())
    return city


def _stored(city: Path) -> list[tuple[str, str | None, int]]:
    with sqlite3.connect(city) as con:
        return con.execute("SELECT id, parent_id, geom IS NOT NULL FROM buildings").fetchall()


def _check_listed(city: Path, folder: Path, options: ExportOptions) -> None:
    """The index lists every tiled building but the parts of a building with geometry."""
    stored = _stored(city)
    with_geometry = {i for i, _, g in stored if g}
    tiled = {bid for t in plan_export(city, options, partition_buildings=20).tasks for bid in t.ids}
    listed = listed_ids(folder)
    assert listed == sorted({i for i, p, _ in stored if i in tiled and not (p and p in with_geometry)})
    assert len(listed) >= 20


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_building_parts_and_their_containers(hamburg, tmp_path, implicit):
    """Hamburg's parts belong to buildings without geometry (containers): each part is listed."""
    options = _options(lod1_max_buildings=20, implicit=implicit)
    single, parts, report = _both(hamburg, tmp_path, options, 20)
    assert parts == single and len(report["partitions"]) >= 2
    assert sum(1 for _, p, _ in _stored(hamburg) if p) >= 20
    _check_listed(hamburg, tmp_path / "parts", options)


def test_a_part_whose_building_is_tiled_by_another_partition(hamburg, tmp_path):
    """Buildings made parts of a building with geometry in another partition: left out, as the single export does
    (the partitions' rows keep their parents; the root resolves them over all partitions)."""
    city = tmp_path / "linked.gpkg"
    shutil.copy(hamburg, city)
    options = _options(lod1_max_buildings=20)
    tasks = [t for t in plan_export(city, options, partition_buildings=20).tasks if len(t.ids) >= 3]
    assert len(tasks) >= 2
    own = {i for i, p, g in _stored(city) if g and not p}
    first, second = ([b for b in t.ids if b in own] for t in tasks[:2])
    links = [(first[0], second[0]), (first[1], second[0]), (second[1], first[2])]   # (part, building)
    with sqlite3.connect(city) as con:   # the R-tree triggers (no geometry changes) set aside while it is updated
        triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND tbl_name = 'buildings'").fetchall()
        for name, _ in triggers:
            con.execute(f'DROP TRIGGER "{name}"')
        con.executemany("UPDATE buildings SET parent_id = ? WHERE id = ?", [(b, p) for p, b in links])
        for _, sql in triggers:
            con.execute(sql)
    single, parts, _ = _both(city, tmp_path, options, 20)
    assert parts == single
    listed = set(listed_ids(tmp_path / "parts"))
    assert not listed & {p for p, _ in links} and {b for _, b in links} <= listed
    _check_listed(city, tmp_path / "parts", options)


def _counting(monkeypatch) -> list[Path]:
    """Count the partitions' meshing: every call of ``read_export_data`` in the partitioned export."""
    calls: list[Path] = []
    real = partitioned.read_export_data

    def counted(gpkg, options, reporter):
        calls.append(Path(gpkg))
        return real(gpkg, options, reporter)

    monkeypatch.setattr(partitioned, "read_export_data", counted)
    return calls


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_exporting_again_reads_the_reused_partitions_rows_instead_of_meshing(tmp_path, monkeypatch):
    """Each partition's rows stay in the tileset with their sha256 in the report: an export into the same folder
    that reuses every partition meshes none and writes the same search index; a lost or changed rows file is made
    again from that partition's meshes, and only that one."""
    out, options = tmp_path / "tiles", _options(leaf_max_buildings=4, lod1_max_buildings=4)
    calls = _counting(monkeypatch)
    first = export_partitioned(sample_twin().city, out, options, partition_buildings=5)
    keys = [p["key"] for p in first.report["partitions"]]
    assert len(keys) == 3 and len(calls) == 3   # every partition meshed once
    index = index_files(out)
    rows = {k: out / PARTS_DIR / f"{part_name(k)}{PART_SUFFIX}" for k in keys}
    assert {p["key"]: p["summary"]["search"] for p in first.report["partitions"]} == \
        {k: _sha(f) for k, f in rows.items()}
    assert sum(json.loads(f.read_text(encoding="utf-8").splitlines()[0])["rows"] for f in rows.values()) == 12
    inodes = {k: f.stat().st_ino for k, f in rows.items()}

    calls.clear()
    again = export_partitioned(sample_twin().city, out, options, partition_buildings=5)
    assert calls == [] and all(p["reused"] for p in again.report["partitions"])
    assert index_files(out) == index and again.report["search"]["buildings"] == 12
    assert {k: f.stat().st_ino for k, f in rows.items()} == inodes   # the earlier files, linked

    rows[keys[0]].unlink()
    rows[keys[1]].write_text(rows[keys[1]].read_text(encoding="utf-8").replace("DEBW", "XX"), encoding="utf-8")
    third = export_partitioned(sample_twin().city, out, options, partition_buildings=5)
    assert len(calls) == 2 and all(p["reused"] for p in third.report["partitions"])
    assert index_files(out) == index
    assert {k: _sha(f) for k, f in rows.items()} == {p["key"]: p["summary"]["search"] for p in first.report["partitions"]}


def test_the_kept_message_counts_the_partition_folders_kept(tmp_path, monkeypatch):
    """A resumed export says how many partition folders it kept: one partition failed and a finished one lost its
    rows file (its digest still matches, but its folder cannot be kept): 1 of 3 kept, 2 meshed again."""
    out, options = tmp_path / "tiles", _options(leaf_max_buildings=4, lod1_max_buildings=4)
    failing: list[str] = []

    def fail_one(fn, tasks):
        for task in tasks:
            if not isinstance(task, partitioned.Task):   # the plan's passes over the rows (planscan)
                yield fn(task)
            elif not failing:
                failing.append(task.key)
                yield Failure(task.name, f"{task.name} failed: on purpose")
            else:
                yield fn(task)

    with pytest.raises(GeoTwinError, match=r"1 of 3 partitions failed; the output is unchanged: .* on purpose"):
        export_partitioned(sample_twin().city, out, options, CollectingReporter(), fail_one, partition_buildings=5)
    finished = sorted(json.loads((work_folder(out) / "manifest.json").read_text(encoding="utf-8"))["partitions"])
    assert len(finished) == 2 and failing[0] not in finished
    lost = finished[0]
    (work_folder(out) / "parts" / part_name(lost) / PARTS_DIR / f"{part_name(lost)}{PART_SUFFIX}").unlink()
    calls = _counting(monkeypatch)
    reporter = CollectingReporter()
    result = export_partitioned(sample_twin().city, out, options, reporter, partition_buildings=5)
    assert f"1 of 3 partition(s) kept from the unfinished export in {work_folder(out)}" in reporter.infos
    assert sorted(p["key"] for p in result.report["partitions"] if p["resumed"]) == [finished[1]]
    assert len(calls) == 2 and result.report["search"]["buildings"] == 12
    export_3dtiles(sample_twin().city, tmp_path / "single", options)
    assert index_files(out) == index_files(tmp_path / "single")


def _flattened(blob: bytes) -> bytes:
    """A GeoPackage geometry blob with every vertex moved onto its first: polygons without area."""
    start = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 7]   # header and envelope
    geom = shapely.from_wkb(bytes(blob[start:]))
    first = shapely.get_coordinates(geom, include_z=True)[0]
    flat = shapely.transform(geom, lambda xyz: xyz * 0 + first, include_z=True)
    return bytes(blob[:start]) + shapely.to_wkb(flat, output_dimension=3, byte_order=1)


def _files(folder: Path) -> dict[str, str]:
    """sha256 of every file of an export but its report and the partitions' search rows."""
    return {p.relative_to(folder).as_posix(): _sha(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "export_report.json" and PARTS_DIR not in p.parts}


@pytest.mark.parametrize("case", ["surfaces only", "no area", "no area, same partition"])
def test_a_parent_without_geometry_of_its_own_in_its_partition(tmp_path, case):
    """A building made the parent of a building of another partition (or of its own) and then given no usable
    geometry of its own in its partition: only surfaces (no geometry in ``buildings``: no box read finds its row,
    the partition failed), or polygons without area (dropped by its partition). Both exports list it and its part
    alike, byte for byte; from surfaces only, the same tiles too (a dropped building is known to change the
    tiles' column types: the plan typed the columns with its row, the single export without)."""
    city = tmp_path / "city.gpkg"
    shutil.copy(sample_twin().city, city)
    options = _options(leaf_max_buildings=4, lod1_max_buildings=4)
    tasks = plan_export(city, options, partition_buildings=5).tasks
    assert len(tasks) == 3
    parent = tasks[0].ids[0]
    part = tasks[0].ids[1] if case.endswith("same partition") else tasks[1].ids[0]
    with sqlite3.connect(city) as con:   # the R-tree triggers set aside while the rows are changed
        con.create_function("flattened", 1, _flattened)
        triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND tbl_name IN ('buildings', 'building_surfaces')").fetchall()
        for name, _ in triggers:
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute("UPDATE buildings SET parent_id = ? WHERE id = ?", (parent, part))
        if case == "surfaces only":
            con.execute("UPDATE buildings SET geom = NULL WHERE id = ?", (parent,))
        else:
            con.execute("UPDATE building_surfaces SET geom = flattened(geom) WHERE building_id = ?", (parent,))
        for _, sql in triggers:
            con.execute(sql)
    single, parts, report = _both(city, tmp_path, options, 5)
    assert parts == single
    listed = listed_ids(tmp_path / "parts")
    others = sorted(b for t in tasks for b in t.ids if b not in (parent, part))
    if case == "surfaces only":   # the parent is tiled from its surfaces and stands for its part
        assert listed == sorted([parent, *others]) and report["skipped"] == []
        assert _files(tmp_path / "parts") == _files(tmp_path / "single")   # every tile too
    else:                         # the parent is dropped: its part is listed in its place
        assert listed == sorted([part, *others])
        assert report["skipped"] == [f"building {parent}: no polygon with an area"]
