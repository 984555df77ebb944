"""Rows copied between GeoPackages inside SQLite (gpkg.append_rows, GpkgWriter.copy_layer) against writing the same
rows with GDAL (pyogrio) or with the direct writer.

Independent checks: every row (fid, values, geometry blob), R-tree entry, feature count, extent and the schema
(triggers restored) equals what GDAL's append, or the direct writer given all rows at once, writes; SQLite's
rtreecheck passes; the cases append_rows cannot copy leave the target untouched and say so.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
import shapely

from geotwin.twin.kernel.gpkg import (
    GpkgWriter,
    RtreeEntries,
    append_layers,
    append_rows,
    bulk_index,
    gather_pending,
    gpkg_output,
    read_frame,
    write_frame,
)
from geotwin.twin.kernel.schema import LayerSpec
from geotwin.twin.store.frames import empty

SURF = LayerSpec("surf", "PolygonZ", {"id": "str", "kind": "str", "n": "int", "area": "float", "ok": "bool",
                                      "extra": "json"})
PLAIN = LayerSpec("plain", None, {"id": "str", "line": "int"})


def _rows(start: int, n: int) -> tuple[list[dict], list]:
    rng = np.random.default_rng(start)
    rows, geoms = [], []
    for i in range(start, start + n):
        x, y, z = rng.uniform(400000, 410000), rng.uniform(5400000, 5410000), rng.uniform(0, 80)
        ring = np.array([[x, y, z], [x + 10.123456789, y, z + 1], [x + 10, y + 7.7, z + 2.5], [x, y + 7, z]])
        geoms.append(shapely.Polygon(ring))
        rows.append({"id": f"s{i}", "kind": "roof" if i % 3 else "wall", "n": None if i % 7 == 0 else i,
                     "area": float("nan") if i % 11 == 0 else i / 3, "ok": i % 2 == 0,
                     "extra": {"k": i} if i % 5 else None})
    geoms[4] = None
    geoms[8] = shapely.from_wkt("POLYGON Z EMPTY")
    return rows, geoms


def _gdal(path: Path, *parts: tuple[list[dict], list]) -> None:
    """GDAL (pyogrio) writes the parts one after the other, the later ones appended."""
    writer = GpkgWriter(path, "EPSG:25832", batch_size=100)
    for rows, geoms in parts:
        writer.add_many(SURF, rows, geoms)
        writer.add_many(PLAIN, [{"id": r["id"], "line": k} for k, r in enumerate(rows)])
        writer.close()


def _dump(path: Path) -> dict:
    con = sqlite3.connect(path)
    try:
        out = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY fid').fetchall() for t in ("surf", "plain")}
        out["contents"] = con.execute("SELECT table_name, min_x, min_y, max_x, max_y FROM gpkg_contents "
                                      "ORDER BY table_name").fetchall()
        out["counts"] = con.execute("SELECT * FROM gpkg_ogr_contents ORDER BY table_name").fetchall()
        out["schema"] = sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE "
                                           "'sqlite_autoindex%'").fetchall(), key=lambda r: r[1])
        out["rtree"] = sorted(con.execute('SELECT * FROM "rtree_surf_geom"').fetchall())
        out["rtreecheck"] = con.execute("SELECT rtreecheck('rtree_surf_geom')").fetchone()[0]
        return out
    finally:
        con.close()


def _same_as_gdal(ours: dict, gdal: dict) -> None:
    for key in gdal:
        if key != "contents":
            assert ours[key] == gdal[key], key
    assert ours["rtreecheck"] == "ok"
    # GDAL prints an appended extent with 15 significant digits: equal to 1e-12 relative (see test_gpkg_direct)
    for mine, theirs in zip(ours["contents"], gdal["contents"]):
        assert mine[0] == theirs[0]
        assert mine[1:] == theirs[1:] or mine[1:] == pytest.approx(theirs[1:], rel=1e-12, abs=0)


def test_append_rows_writes_what_gdals_append_writes(tmp_path):
    first, second = _rows(0, 300), _rows(1000, 250)
    _gdal(tmp_path / "gdal.gpkg", first, second)
    _gdal(tmp_path / "target.gpkg", first)
    _gdal(tmp_path / "source.gpkg", second)
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "source.gpkg", SURF) == 250
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "source.gpkg", PLAIN) == 250
    ours, gdal = _dump(tmp_path / "target.gpkg"), _dump(tmp_path / "gdal.gpkg")
    _same_as_gdal(ours, gdal)
    assert len(ours["surf"]) == 550 and len(ours["rtree"]) == 546   # none for the NULL and empty ones (2 a part)
    assert ("surf", 550) in ours["counts"]
    # GDAL reads it through the index: a window's features are those whose envelope meets it
    frame = read_frame(tmp_path / "target.gpkg", "surf")
    window = (401000, 5402000, 405000, 5406000)
    hits = read_frame(tmp_path / "target.gpkg", "surf", bbox=window)
    bounds = shapely.bounds(np.asarray(frame.geometry.values, dtype=object))   # NaN for NULL and empty
    meets = (bounds[:, 2] >= window[0]) & (bounds[:, 0] <= window[2]) & (bounds[:, 3] >= window[1]) & (
        bounds[:, 1] <= window[3])
    assert 0 < len(hits) < 550 and set(hits["id"]) == set(frame["id"][meets])


def test_a_layer_gdal_wrote_without_rows_counts_the_rows_appended_to_it(tmp_path):
    """GDAL leaves the feature count of a layer written without rows unknown (NULL) and writes it with the first
    rows: append_rows into such a layer with geometries (the merge of a partitioned build creates its layers empty)
    counts the rows it copies, as GDAL's write of the same rows does; a table without geometries keeps its unknown
    count, as before."""
    rows = _rows(0, 120)
    _gdal(tmp_path / "gdal.gpkg", rows)
    _gdal(tmp_path / "source.gpkg", rows)
    target = tmp_path / "target.gpkg"
    for spec in (SURF, PLAIN):
        write_frame(target, spec, empty(spec, "EPSG:25832"), append=False)

    def counts():
        with closing(sqlite3.connect(target)) as con:
            return dict(con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents").fetchall())

    assert counts() == {"surf": None, "plain": None}
    assert append_rows(target, tmp_path / "source.gpkg", SURF) == append_rows(target, tmp_path / "source.gpkg",
                                                                               PLAIN) == 120
    ours, gdal = _dump(target), _dump(tmp_path / "gdal.gpkg")
    assert ours["surf"] == gdal["surf"] and ours["plain"] == gdal["plain"] and ours["rtree"] == gdal["rtree"]
    assert counts() == {"surf": 120, "plain": None} and ("surf", 120) in gdal["counts"]
    assert append_rows(target, tmp_path / "source.gpkg", SURF) == 120 and counts()["surf"] == 240   # known: added


@pytest.mark.parametrize("index", [True, False])
def test_layers_appended_in_one_connection_are_what_appending_each_writes(tmp_path, index):
    """append_layers (the source attached once, one commit) against append_rows layer by layer: every row, R-tree
    entry (after bulk_index when they wait), count, extent and the schema equal; a layer the source lacks is None
    and left untouched, the others appended."""
    first, second = _rows(0, 300), _rows(1000, 250)
    for name in ("one.gpkg", "each.gpkg"):
        _gdal(tmp_path / name, first)
    _gdal(tmp_path / "source.gpkg", second)
    missing = LayerSpec("missing", None, {"id": "str"})
    write_frame(tmp_path / "one.gpkg", missing, empty(missing, None), append=False)
    assert append_layers(tmp_path / "one.gpkg", tmp_path / "source.gpkg", [SURF, missing, PLAIN], index) == [
        250, None, 250]
    assert [append_rows(tmp_path / "each.gpkg", tmp_path / "source.gpkg", spec, index=index) for spec in (SURF, PLAIN)
            ] == [250, 250]
    if not index:
        assert bulk_index(tmp_path / "one.gpkg", "surf") == bulk_index(tmp_path / "each.gpkg", "surf") == 546
    one, each = _dump(tmp_path / "one.gpkg"), _dump(tmp_path / "each.gpkg")
    assert one["schema"] != each["schema"] and len(read_frame(tmp_path / "one.gpkg", "missing")) == 0
    one["schema"] = [r for r in one["schema"] if "missing" not in r[1]]
    one["counts"] = [r for r in one["counts"] if r[0] != "missing"]
    one["contents"] = [r for r in one["contents"] if r[0] != "missing"]
    assert one == each and len(one["surf"]) == 550 and one["rtreecheck"] == "ok"


def test_appends_without_index_then_bulk_index_give_gdals_index(tmp_path):
    """Four parts appended with index=False (the R-tree entries set aside), then one bulk build: the same rows,
    R-tree entries, schema (triggers, extension rows), feature count as GDAL appending the parts; rtreecheck passes,
    the side table is gone, and GDAL's window queries through both files' indexes give the same features."""
    parts = [_rows(k * 1000, n) for k, n in enumerate((400, 900, 30, 700))]
    _gdal(tmp_path / "gdal.gpkg", *parts)
    _gdal(tmp_path / "target.gpkg", parts[0])
    for k, part in enumerate(parts[1:]):
        _gdal(tmp_path / f"source{k}.gpkg", part)
        assert append_rows(tmp_path / "target.gpkg", tmp_path / f"source{k}.gpkg", SURF, index=False) == len(part[0])
        assert append_rows(tmp_path / "target.gpkg", tmp_path / f"source{k}.gpkg", PLAIN, index=False) == len(
            part[0])
    with sqlite3.connect(tmp_path / "target.gpkg") as con:   # the appended entries wait outside the R-tree
        assert con.execute('SELECT count(*) FROM "rtree_surf_geom"').fetchone()[0] == 398
    assert bulk_index(tmp_path / "target.gpkg", "surf") == 2030 - 8   # none for the NULL and empty ones (2 a part)
    assert bulk_index(tmp_path / "target.gpkg", "surf") is None and bulk_index(tmp_path / "target.gpkg", "plain") is None
    ours, gdal = _dump(tmp_path / "target.gpkg"), _dump(tmp_path / "gdal.gpkg")
    _same_as_gdal(ours, gdal)   # schema equal: no side table is left, the triggers are GDAL's
    rng, found = np.random.default_rng(7), 0
    for _ in range(40):
        x, y = rng.uniform(399000, 410000), rng.uniform(5399000, 5410000)
        window = (x, y, x + rng.uniform(1, 3000), y + rng.uniform(1, 3000))
        hits = read_frame(tmp_path / "target.gpkg", "surf", bbox=window)
        theirs = read_frame(tmp_path / "gdal.gpkg", "surf", bbox=window)
        assert sorted(hits["id"]) == sorted(theirs["id"])
        found += len(hits)
    assert found > 100


def test_append_rows_with_a_filter_and_constants_writes_what_gdal_writes_of_those_rows(tmp_path):
    first, second = _rows(0, 120), _rows(500, 200)
    kept = [(r | {"n": 99}, g) for r, g in zip(*second) if r["kind"] == "roof"]
    _gdal(tmp_path / "gdal.gpkg", first, ([r for r, _ in kept], [g for _, g in kept]))
    _gdal(tmp_path / "target.gpkg", first)
    _gdal(tmp_path / "source.gpkg", second)
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "source.gpkg", SURF, ("kind", "roof"), {"n": 99}) == len(
        kept)
    ours, gdal = _dump(tmp_path / "target.gpkg"), _dump(tmp_path / "gdal.gpkg")
    for key in ("surf", "rtree", "schema", "rtreecheck"):
        assert ours[key] == gdal[key], key
    assert ("surf", 120 + len(kept)) in ours["counts"]


def test_append_rows_refuses_what_it_cannot_copy_and_leaves_the_target_untouched(tmp_path):
    rows = _rows(0, 60)
    _gdal(tmp_path / "target.gpkg", rows)
    before = (tmp_path / "target.gpkg").read_bytes()
    _gdal(tmp_path / "gap.gpkg", _rows(100, 30))
    with sqlite3.connect(tmp_path / "gap.gpkg") as con:   # a deleted row: the fids have a gap
        con.execute("DELETE FROM surf WHERE fid = 10")
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "gap.gpkg", SURF) is None
    write_frame(tmp_path / "unindexed.gpkg", SURF, read_frame(tmp_path / "gap.gpkg", "surf"), append=False,
                spatial_index=False)
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "unindexed.gpkg", SURF) is None
    wider = LayerSpec("surf", "PolygonZ", dict(SURF.fields) | {"height": "float"})   # a column the source lacks
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "gap.gpkg", wider) is None
    assert append_rows(tmp_path / "target.gpkg", tmp_path / "gap.gpkg", LayerSpec("none", None, {"id": "str"})) is None
    assert (tmp_path / "target.gpkg").read_bytes() == before


def _direct(path: Path, *parts: tuple[list[dict], list]) -> None:
    with gpkg_output(path, "EPSG:25832", batch_size=100, kind="test", direct=True) as writer:
        writer.ensure_layer(PLAIN)
        for rows, geoms in parts:
            writer.add_many(SURF, rows, geoms)


def test_copy_layer_writes_what_the_direct_writer_writes_of_all_rows(tmp_path):
    first, second, queued = _rows(0, 200), _rows(1000, 150), _rows(2000, 40)
    _direct(tmp_path / "all.gpkg", first, queued, second)
    _direct(tmp_path / "a.gpkg", first)
    _direct(tmp_path / "b.gpkg", second)
    with gpkg_output(tmp_path / "merged.gpkg", "EPSG:25832", batch_size=100, kind="test", direct=True) as writer:
        writer.ensure_layer(PLAIN)
        assert writer.copy_layer(SURF, tmp_path / "a.gpkg")
        writer.add_many(SURF, *queued)   # queued rows are written before the next copy's
        assert writer.copy_layer(SURF, tmp_path / "b.gpkg")
        assert writer.copy_layer(PLAIN, tmp_path / "b.gpkg")   # an empty layer
        assert writer.counts["surf"] == 390
    ours, reference = _dump(tmp_path / "merged.gpkg"), _dump(tmp_path / "all.gpkg")
    assert {k: v for k, v in ours.items()} == reference   # extents too: each rounded once, as in one write
    assert ours["rtreecheck"] == "ok" and len(ours["surf"]) == 390


def test_copy_layer_declines_without_the_direct_writer_or_on_a_gap(tmp_path):
    _direct(tmp_path / "a.gpkg", _rows(0, 30))
    writer = GpkgWriter(tmp_path / "gdal.gpkg", "EPSG:25832")
    assert not writer.copy_layer(SURF, tmp_path / "a.gpkg")
    with sqlite3.connect(tmp_path / "a.gpkg") as con:
        con.execute("DELETE FROM surf WHERE fid = 3")
    with gpkg_output(tmp_path / "merged.gpkg", "EPSG:25832", kind="test", direct=True) as direct:
        assert not direct.copy_layer(SURF, tmp_path / "a.gpkg")
        assert direct.counts.get("surf", 0) == 0
    with sqlite3.connect(tmp_path / "merged.gpkg") as con:
        assert con.execute("SELECT count(*) FROM surf").fetchone() == (0,)


def test_a_new_writer_appends_to_the_layers_it_is_told_exist(tmp_path):
    """GpkgWriter.append_to (what the LoRaWAN uplink store uses): a second writer's rows follow the first's, and the
    file equals the one a single writer wrote both parts into; ``layers`` names what a writer queued."""
    first, second = _rows(0, 40), _rows(40, 30)
    _gdal(tmp_path / "one.gpkg", first, second)
    _gdal(tmp_path / "two.gpkg", first)
    writer = GpkgWriter(tmp_path / "two.gpkg", "EPSG:25832", batch_size=100)
    assert writer.layers == []
    writer.append_to(["surf", "plain"])
    writer.add_many(SURF, *second)
    writer.add_many(PLAIN, [{"id": r["id"], "line": k} for k, r in enumerate(second[0])])
    assert writer.layers == ["surf", "plain"]
    writer.close()
    got, want = _dump(tmp_path / "two.gpkg"), _dump(tmp_path / "one.gpkg")
    assert len(got["surf"]) == 70 and [r[1] for r in got["plain"]] == [f"s{i}" for i in range(70)]
    assert got == want


def _rtree_tables(path: Path) -> dict:
    with sqlite3.connect(path) as con:
        return {t: con.execute(f'SELECT * FROM "rtree_surf_geom_{t}" ORDER BY 1').fetchall()
                for t in ("node", "rowid", "parent")}


@pytest.mark.parametrize("gathered", ["all", "one missed"])
def test_entries_gathered_between_appends_give_the_same_r_tree_as_reading_them_at_the_end(tmp_path, gathered):
    """gather_pending after every append_rows(index=False), then bulk_index with those entries: the same R-tree
    (every node, rowid and parent row) as bulk_index reading the entries itself; entries that miss a part (fewer
    than the R-tree and the side table hold) are read again, with the same result."""
    parts = [_rows(k * 1000, n) for k, n in enumerate((400, 900, 30, 700))]
    for name in ("read", "gathered"):
        _gdal(tmp_path / f"{name}.gpkg", parts[0])
    entries, after = RtreeEntries(tmp_path), None
    for k, part in enumerate(parts[1:]):
        _gdal(tmp_path / f"source{k}.gpkg", part)
        for name in ("read", "gathered"):
            assert append_rows(tmp_path / f"{name}.gpkg", tmp_path / f"source{k}.gpkg", SURF, index=False) == len(
                part[0])
        if gathered == "all" or k != 2:   # a skipped call is caught up by the next one: the last one is missed
            after = gather_pending(tmp_path / "gathered.gpkg", "surf", entries, after)
    assert entries.count == (2030 - 8 if gathered == "all" else 2030 - 8 - 700 + 2)
    assert bulk_index(tmp_path / "read.gpkg", "surf") == 2030 - 8
    assert bulk_index(tmp_path / "gathered.gpkg", "surf", entries=entries) == 2030 - 8
    assert _rtree_tables(tmp_path / "gathered.gpkg") == _rtree_tables(tmp_path / "read.gpkg")
    _same_as_gdal(_dump(tmp_path / "gathered.gpkg"), _dump(tmp_path / "read.gpkg"))
    assert gather_pending(tmp_path / "gathered.gpkg", "plain", entries, 5) == 5   # no geometry: nothing to gather


def test_rows_staged_in_a_plain_sqlite_table_append_as_from_the_geopackage(tmp_path):
    """append_rows(table=) from a plain SQLite file's table of the layer's columns: the same rows and feature count
    as from the GeoPackage's layer; a layer with geometries is not copied from a differently named table."""
    rows = _rows(0, 300)
    _gdal(tmp_path / "a.gpkg", rows)
    _gdal(tmp_path / "b.gpkg", rows)
    _gdal(tmp_path / "source.gpkg", _rows(1000, 250))
    with sqlite3.connect(tmp_path / "staging.sqlite") as con:
        con.execute('CREATE TABLE staged (fid INTEGER PRIMARY KEY, "id", "line")')
        con.execute("ATTACH DATABASE ? AS part", (str(tmp_path / "source.gpkg"),))
        con.execute('INSERT INTO staged ("id", "line") SELECT "id", "line" FROM part.plain ORDER BY fid')
    assert append_rows(tmp_path / "a.gpkg", tmp_path / "source.gpkg", PLAIN) == 250
    assert append_rows(tmp_path / "b.gpkg", tmp_path / "staging.sqlite", PLAIN, table="staged") == 250
    assert _dump(tmp_path / "b.gpkg") == _dump(tmp_path / "a.gpkg")
    assert append_rows(tmp_path / "b.gpkg", tmp_path / "source.gpkg", SURF, table="plain") is None
    assert append_rows(tmp_path / "b.gpkg", tmp_path / "staging.sqlite", PLAIN, table="missing") is None
