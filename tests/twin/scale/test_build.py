"""twin/scale/build.py: the partitioned build's CRS. Its cells are cut in the city model's CRS, so a CRS
parameter naming another one is refused by name (a build in one process transforms instead), and the CRS used is
reported in the result."""
from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing

import pandas as pd
import pytest

from geotwin.twin.build import BuildInputs
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.gpkg import list_layers, write_frame
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema import SKIPPED
from geotwin.twin.scale.build import build_twin_scaled
from geotwin.twin.scale.cluster import serial_mapper
from geotwin.twin.store.open import open_store

HAMBURG = "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"


@pytest.fixture(scope="module")
def hamburg(tmp_path_factory, shared_data):
    city = tmp_path_factory.mktemp("scale-crs") / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], city)
    return city


def test_a_crs_parameter_other_than_the_city_models_is_refused(hamburg, tmp_path):
    inputs = BuildInputs(citymodel=[str(hamburg)])
    with pytest.raises(InputError, match=r"hamburg.gpkg: the partitioned build keeps the city model's CRS "
                                         r"EPSG:25832 and cannot transform it into EPSG:31467 \(the CRS parameter\)"):
        build_twin_scaled(open_store(tmp_path / "twin.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                          crs="EPSG:31467")
    assert not (tmp_path / "twin.gpkg").exists() and not (tmp_path / "work").exists()


@pytest.mark.parametrize("crs", [None, "EPSG:25832", "25832"])
def test_the_city_models_crs_is_used_and_reported(hamburg, tmp_path, crs):
    reporter = CollectingReporter()
    store = open_store(tmp_path / "twin.gpkg")
    result = build_twin_scaled(store, BuildInputs(citymodel=[str(hamburg)]), tmp_path / "work", serial_mapper(),
                               reporter, buildings_per_partition=20, crs=crs)
    assert result.crs == "EPSG:25832" == store.crs()
    assert result.buildings == 46 and len(result.added) == 46 + 72   # the published tile: buildings + parts
    assert any(m.endswith("the twin's CRS is EPSG:25832") for m in reporter.infos)


def _tables(path) -> dict[str, list[tuple]]:
    """Every table's rows in feature id order (rowid), without the build's time stamps."""
    with closing(sqlite3.connect(path)) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                           "'gpkg_metadata%' AND name NOT IN ('builds', 'gpkg_contents')")]
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names}


def test_a_cell_that_cannot_be_staged_is_merged_cell_by_cell_with_the_same_rows(hamburg, tmp_path):
    """The merge gathers the cells' object hashes, changes and links in a staging file as they come in; a cell whose
    links lack a column ends the staging, and every cell is copied one by one instead: the same twin, but for that
    column of the cell's links (empty), and the staging file is gone."""
    inputs = BuildInputs(citymodel=[str(hamburg)])
    first = build_twin_scaled(open_store(tmp_path / "a.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                              buildings_per_partition=20)
    cells = sorted((tmp_path / "work" / "build" / "parts").glob("*.gpkg"))
    counts = []
    for cell in cells:
        with closing(sqlite3.connect(cell)) as con:
            counts.append(con.execute("SELECT count(*) FROM links").fetchone()[0])
    tampered = cells[-1]   # not the first cell the merge takes (cell_0_0), and it has links
    assert len(cells) >= 3 and counts[-1] > 0 and sum(counts) > counts[-1]
    with closing(sqlite3.connect(tampered)) as con:
        mine = set(con.execute("SELECT from_id, to_id FROM links").fetchall())
        con.execute("ALTER TABLE links DROP COLUMN relation")
        con.commit()
    second = build_twin_scaled(open_store(tmp_path / "b.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                               buildings_per_partition=20)
    assert (second.buildings, len(second.added)) == (first.buildings, len(first.added)) == (46, 118)
    assert not (tmp_path / "work" / "build" / "staging.sqlite").exists()
    a, b = _tables(tmp_path / "a.gpkg"), _tables(tmp_path / "b.gpkg")
    assert set(a) == set(b) and len(a) > 30
    assert {n for n in a if a[n] != b[n]} == {"links"}
    assert len(b["links"]) == len(a["links"]) == sum(counts)
    at = 5   # fid, from_id, from_layer, to_id, to_layer, relation, ...
    assert [r[:at] + r[at + 1:] for r in b["links"]] == [r[:at] + r[at + 1:] for r in a["links"]]   # same order
    assert [r[at] is None for r in b["links"]] == [(r[1], r[3]) in mine for r in b["links"]]
    assert all(r[at] for r in a["links"])


def test_a_first_cell_that_cannot_be_copied_is_written_the_usual_way_with_the_same_index(hamburg, tmp_path):
    """The merge creates the per-building layers empty and copies every cell's rows into them by SQL, the first
    cell's R-tree entries one by one (as GDAL writing its rows inserts them); a first cell whose buildings lack a
    column is written the usual way (read, then appended by GDAL) instead: the same twin, R-trees included, but for
    that column of the cell's buildings (empty), the layer's feature count, which GDAL's append into a layer it
    wrote without rows leaves unknown (NULL; counted when read), and the order of the AUTOINCREMENT counters."""
    inputs = BuildInputs(citymodel=[str(hamburg)])
    build_twin_scaled(open_store(tmp_path / "a.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                      buildings_per_partition=20)
    folder = tmp_path / "work" / "build" / "parts"
    merged = []   # the cells the merge takes, in its order (row by row)
    for cell in sorted(folder.glob("*.gpkg"), key=lambda p: tuple(int(v) for v in p.stem.split("_")[:0:-1])):
        with closing(sqlite3.connect(cell)) as con:
            if con.execute("SELECT count(*) FROM buildings").fetchone()[0]:
                merged.append(cell)
    first = merged[0]
    with closing(sqlite3.connect(first)) as con:
        mine = {r[0] for r in con.execute("SELECT id FROM buildings")}
        assert all(r[0] for r in con.execute("SELECT object_class FROM buildings"))
        con.execute("ALTER TABLE buildings DROP COLUMN object_class")
        con.commit()
    build_twin_scaled(open_store(tmp_path / "b.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                      buildings_per_partition=20)
    a, b = _tables(tmp_path / "a.gpkg"), _tables(tmp_path / "b.gpkg")
    assert len(merged) >= 2 and 0 < len(mine) < len(a["buildings"]) and len(a) > 30
    # the R-trees' nodes are equal; the AUTOINCREMENT counters too, the buildings' noted after the other two layers'
    assert {n for n in a if a[n] != b[n]} == {"buildings", "gpkg_ogr_contents", "sqlite_sequence"}
    assert sorted(r[1:] for r in a["sqlite_sequence"]) == sorted(r[1:] for r in b["sqlite_sequence"])
    at = 4   # fid, geom, id, parent_id, object_class, ...
    assert [r[:at] + r[at + 1:] for r in b["buildings"]] == [r[:at] + r[at + 1:] for r in a["buildings"]]
    assert [r[at] is None for r in b["buildings"]] == [r[2] in mine for r in b["buildings"]]
    counts = [dict(a["gpkg_ogr_contents"]), dict(b["gpkg_ogr_contents"])]
    assert counts[0]["buildings"] == len(a["buildings"]) == 46 + 72 and counts[1]["buildings"] is None
    assert counts[1] | {"buildings": len(a["buildings"])} == counts[0] and counts[0]["building_surfaces"] > 0


def test_a_layer_read_whole_with_rows_is_written_after_the_cells_as_it_always_was(hamburg, tmp_path):
    """The merge reads the layers it takes whole from the inputs (skipped objects, terrain) once the first cell is in,
    and creates the empty ones then; a layer with rows, and every layer after it, is written after the cells, so the
    rows' AUTOINCREMENT counters are noted in the order they always were (after the object hashes and changes of
    the per-building layers, before the sources), and the layers' tables are created in their order."""
    city = tmp_path / "city.gpkg"
    shutil.copyfile(hamburg, city)
    rows = pd.DataFrame({"source_file": ["LoD2_576_5950_1_HH.xml"] * 2, "line": [7, 9], "object_id": ["S1", "S2"],
                         "reason": ["an unsupported object", "no geometry"]})
    write_frame(city, SKIPPED, rows, append="skipped_objects" in list_layers(city))
    build_twin_scaled(open_store(tmp_path / "twin.gpkg"), BuildInputs(citymodel=[str(city)]), tmp_path / "work",
                      serial_mapper(), buildings_per_partition=20)
    twin = _tables(tmp_path / "twin.gpkg")
    assert [r[1:] for r in twin["skipped_objects"]] == rows.to_records(index=False).tolist()
    assert [r[0] for r in twin["sqlite_sequence"]] == ["buildings", "building_surfaces", "footprints", "object_hashes",
                                                      "changes", "skipped_objects", "sources", "links",
                                                      "height_report", "builds"]
    assert [r[0] for r in twin["gpkg_ogr_contents"]][:7] == ["object_hashes", "changes", "buildings",
                                                            "building_surfaces", "footprints", "skipped_objects",
                                                            "terrain"]
    assert sorted(r[2] for r in twin["object_hashes"] if r[1] == "skipped_objects") == ["S1", "S2"]
