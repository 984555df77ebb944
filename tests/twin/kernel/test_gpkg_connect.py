"""The kernel's SQLite connections (gpkg.sqlite_uri, connect_ro, connect, connect_rw) and the GeoTwin marker in
folders whose names an unquoted ``file:{path}?mode=ro`` URI cuts off (``#``, ``?``) or decodes (``%20``).

Independent checks: the same GeoPackage written into a plain folder and into an odd one reads back the same rows,
CRS, layers and marker; the unquoted URI of the odd path does not open the file (the bug these helpers fix)."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import shapely

from geotwin.twin.kernel.gpkg import (
    SqliteError,
    check_gpkg,
    connect,
    connect_ro,
    connect_rw,
    gpkg_marker,
    gpkg_output,
    gpkg_tables,
    layer_crs,
    layer_names,
    legacy_twin,
    mark_gpkg,
    read_table,
    sqlite_uri,
)
from geotwin.twin.kernel.schema import LayerSpec

TREES = LayerSpec("trees", "Point", {"tree_id": "str", "species": "str", "height": "float"})
ODD = ["a#b?c%20 ü", "100% sicher", "q?mode=rw&x=1", "#anfang", "Grünfläche Ödland", "zwei  Leerzeichen"]
ROWS = [("T1", "Linde", 18.5, (456500.0, 5429500.0)), ("T2", "Ahorn", None, (456510.25, 5429501.5)),
        ("T3", "Eiche", 9.0, None)]


def _write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gpkg_output(path, "EPSG:25832", kind="trees") as out:
        for tree_id, species, height, xy in ROWS:
            out.add(TREES, {"tree_id": tree_id, "species": species, "height": height},
                    None if xy is None else shapely.Point(*xy))
    return path


def _contents(path: Path) -> tuple:
    names, rows, geoms = read_table(path, "trees")
    return (layer_names(path), gpkg_tables(path), layer_crs(path, "trees"), names, rows,
            [None if g is None else (g.x, g.y) for g in geoms], gpkg_marker(path)["kind"])


@pytest.mark.parametrize("folder", ODD)
def test_odd_folder_names_read_the_same_geopackage(tmp_path, folder):
    plain = _write(tmp_path / "plain" / "trees.gpkg")
    odd = _write(tmp_path / folder / "trees.gpkg")
    expected = (["trees"], ["trees"], "EPSG:25832", ["tree_id", "species", "height"],
                [(t, s, h) for t, s, h, _ in ROWS], [xy for *_, xy in ROWS], "trees")
    assert _contents(plain) == expected
    assert _contents(odd) == expected
    with closing(connect(odd)) as con:
        assert con.execute("SELECT count(*) FROM trees").fetchone()[0] == 3
    assert check_gpkg(odd, "trees", legacy_twin) == "ours"


@pytest.mark.parametrize("folder, message, stray", [
    ("a#b?c%20 ü", "no such table: trees", "a"),                  # cut at '#': a new empty database "a" instead
    ("q?mode=rw&x=1", "unable to open database file", None),      # cut at '?': "q" with mode=rw, which is absent
])
def test_the_unquoted_uri_misses_the_file(tmp_path, folder, message, stray):
    odd = _write(tmp_path / folder / "trees.gpkg")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(sqlite3.OperationalError, match=message):
        with closing(sqlite3.connect(f"file:{odd}?mode=ro", uri=True)) as con:   # what the sensors did before
            con.execute("SELECT count(*) FROM trees").fetchone()
    after = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(set(after) - set(before)) == ([stray] if stray else [])
    with closing(connect_ro(odd)) as con:
        assert con.execute("SELECT count(*) FROM trees").fetchone()[0] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == after     # the helper creates nothing


def test_the_uri_quotes_every_special_character(tmp_path):
    path = tmp_path / "a#b?c%20 ü" / "t.gpkg"
    uri = sqlite_uri(path)
    assert uri == path.resolve().as_uri() + "?mode=ro"
    assert uri.startswith("file:///") and uri.count("?") == 1 and "#" not in uri and " " not in uri
    assert "/a%23b%3Fc%2520%20%C3%BC/t.gpkg?mode=ro" in uri
    assert sqlite_uri("relative.gpkg", "rwc") == (Path.cwd() / "relative.gpkg").as_uri() + "?mode=rwc"
    with pytest.raises(ValueError, match="not an SQLite open mode: 'memory'"):
        sqlite_uri(path, "memory")


def test_read_only_refuses_writes_and_missing_files(tmp_path):
    odd = _write(tmp_path / "a#b?c%20 ü" / "trees.gpkg")
    with closing(connect_ro(odd)) as con, pytest.raises(sqlite3.OperationalError, match="readonly database"):
        con.execute("DELETE FROM trees")
    missing = tmp_path / "a#b?c%20 ü" / "missing.gpkg"
    with pytest.raises(SqliteError, match="unable to open database file"):
        connect_ro(missing)
    assert not missing.exists()       # read-only never creates a file
    text = tmp_path / "a#b?c%20 ü" / "notes.gpkg"
    text.write_text("kein GeoPackage", encoding="utf-8")
    with pytest.raises(SqliteError, match="file is not a database"):
        connect(text)


def test_read_write_updates_a_spatially_indexed_layer_in_an_odd_folder(tmp_path):
    odd = _write(tmp_path / "a#b?c%20 ü" / "trees.gpkg")
    with closing(connect_rw(odd)) as con:
        # GDAL's R-tree update trigger calls ST_IsEmpty and ST_MinX ... ST_MaxY: the move reaches the index
        con.execute("UPDATE trees SET geom = (SELECT geom FROM trees WHERE tree_id = 'T2') WHERE tree_id = 'T1'")
        con.execute("UPDATE trees SET height = 20.0 WHERE tree_id = 'T3'")
        con.commit()
        boxes = con.execute("SELECT t.tree_id, r.minx, r.miny, r.maxx, r.maxy FROM trees t JOIN rtree_trees_geom r "
                            "ON r.id = t.fid ORDER BY t.tree_id").fetchall()
        empty = con.execute("SELECT ST_IsEmpty(geom), ST_MinX(geom) FROM trees WHERE tree_id = 'T3'").fetchone()
    # the R-tree holds float32 boxes rounded outwards: compare with the float32 neighbours of the coordinates
    assert [b[0] for b in boxes] == ["T1", "T2"]
    for _, minx, miny, maxx, maxy in boxes:
        assert minx <= 456510.25 <= maxx and miny <= 5429501.5 <= maxy
        assert maxx - minx < 0.1 and maxy - miny < 1.0
    assert empty == (1, None)
    assert read_table(odd, "trees", columns=["height"], geometry=False)[1] == [(18.5,), (None,), (20.0,)]


def test_the_marker_is_written_and_read_in_an_odd_folder(tmp_path):
    path = tmp_path / "q?mode=rw&x=1" / "out.gpkg"
    path.parent.mkdir()
    assert check_gpkg(path, "islands", legacy_twin) == "new"
    sqlite3.connect(path).close()
    assert (gpkg_marker(path), gpkg_tables(path), check_gpkg(path, "islands", legacy_twin)) == (None, [], "empty")
    mark_gpkg(path, "islands")
    assert gpkg_marker(path)["kind"] == "islands"
    assert check_gpkg(path, "islands", legacy_twin) == "ours"
    assert not (tmp_path / "q").exists()     # nothing was created where the unquoted name would point
