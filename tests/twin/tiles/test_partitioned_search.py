"""The partitioned export's search index (twin/tiles/partitioned.py, twin/tiles/search_index.py) on the sample
twin's city model and on Hamburg's LoD2 tile with building parts: search.json is the single export's byte for byte,
and a part is listed exactly when its building has no geometry of its own (checked against the GeoPackage), also
when the part and its building are tiled by different partitions."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.examples import sample_twin
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.partitioned import export_partitioned, plan_export
from geotwin.twin.tiles.search_index import PARTS_DIR, SEARCH_FILE

HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"


def _options(**kw) -> ExportOptions:
    return ExportOptions(cesium_url="https://cesium.example/Cesium.js", **kw)


def _both(city: Path, tmp_path: Path, options: ExportOptions, partition: int) -> tuple[bytes, bytes, dict]:
    export_3dtiles(city, tmp_path / "single", options)
    parts = export_partitioned(city, tmp_path / "parts", options, partition_buildings=partition)
    assert not (tmp_path / "parts" / PARTS_DIR).exists()
    return (tmp_path / "single" / SEARCH_FILE).read_bytes(), (tmp_path / "parts" / SEARCH_FILE).read_bytes(), \
        parts.report


def test_the_sample_twins_index_in_partitions(tmp_path):
    single, parts, report = _both(sample_twin().city, tmp_path, _options(leaf_max_buildings=4), 5)
    assert parts == single
    assert len(json.loads(parts)["rows"]) == 12 and report["search"]["buildings"] == 12


@pytest.fixture(scope="module")
def hamburg(shared_data, tmp_path_factory) -> Path:
    city = tmp_path_factory.mktemp("hamburg") / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], city, None, "highest", CollectingReporter())
    return city


def _stored(city: Path) -> list[tuple[str, str | None, int]]:
    with sqlite3.connect(city) as con:
        return con.execute("SELECT id, parent_id, geom IS NOT NULL FROM buildings").fetchall()


def _check_listed(city: Path, index: bytes, options: ExportOptions) -> None:
    """The index lists every tiled building but the parts of a building with geometry."""
    stored = _stored(city)
    with_geometry = {i for i, _, g in stored if g}
    tiled = {bid for t in plan_export(city, options, partition_buildings=20).tasks for bid in t.ids}
    listed = [r[0] for r in json.loads(index)["rows"]]
    assert listed == sorted({i for i, p, _ in stored if i in tiled and not (p and p in with_geometry)})
    assert len(listed) >= 20


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicit"])
def test_building_parts_and_their_containers(hamburg, tmp_path, implicit):
    """Hamburg's parts belong to buildings without geometry (containers): each part is listed."""
    options = _options(lod1_max_buildings=20, implicit=implicit)
    single, parts, report = _both(hamburg, tmp_path, options, 20)
    assert parts == single and len(report["partitions"]) >= 2
    assert sum(1 for _, p, _ in _stored(hamburg) if p) >= 20
    _check_listed(hamburg, parts, options)


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
    listed = {r[0] for r in json.loads(parts)["rows"]}
    assert not listed & {p for p, _ in links} and {b for _, b in links} <= listed
    _check_listed(city, parts, options)
