"""Issue 13, flat memory: the R-tree bulk load of a merge keeps its entries on disk beyond ``RTREE_SPILL``.

Independent checks: the R-tree built from spilled entries (sorted by SQLite, one slice at a time in memory) has
exactly the shadow tables (nodes, rowids, parents) of the in-memory bulk load of the same entries, and of the
GeoPackages the direct writer and ``bulk_index`` write without spilling; SQLite's rtreecheck passes; the temporary
files are gone afterwards, also when the write fails; the Python heap of a spilled load grows with the square root
of the number of entries, not with the number (tracemalloc at 50,000 and 200,000 entries).
"""
from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import shapely

from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.gpkg import RtreeEntries, append_rows, bulk_index, gpkg_output, rtree_boxes, write_frame
from geotwin.twin.kernel.schema import LayerSpec

SURF = LayerSpec("surf", "PolygonZ", {"id": "str", "n": "int"})


def _boxes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Entries with many equal centres (coordinates rounded to metres): the ties decide the order."""
    rng = np.random.default_rng(seed)
    xy = np.round(rng.uniform(0, 800, (n, 2)))
    bounds = np.column_stack([xy[:, 0], xy[:, 0] + rng.integers(0, 3, n), xy[:, 1], xy[:, 1] + rng.integers(0, 3, n)])
    return rng.permutation(n).astype(np.int64) + 1, rtree_boxes(bounds.astype(float))


def _shadow(con: sqlite3.Connection, rtree: str) -> list:
    return [con.execute(f'SELECT * FROM "{rtree}_{t}" ORDER BY 1').fetchall() for t in ("node", "rowid", "parent")]


def _load(ids: np.ndarray, boxes: np.ndarray, folder: Path, spill: int, chunk: int = 997) -> tuple[bool, list]:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE idx USING rtree(id, minx, maxx, miny, maxy)")
    entries = RtreeEntries(folder, spill)
    for start in range(0, len(ids), chunk):
        entries.add(ids[start:start + chunk], boxes[start:start + chunk])
    spilled = entries.spilled
    entries.load(con, "idx")
    entries.close()
    assert con.execute("SELECT rtreecheck('idx')").fetchone() == ("ok",)
    return spilled, _shadow(con, "idx")


@pytest.mark.parametrize("n", [52, 2_700, 40_000])   # two levels, three levels, a few slices
def test_spilled_entries_give_the_same_rtree_as_the_in_memory_bulk_load(tmp_path, n):
    ids, boxes = _boxes(n, n)
    memory_spilled, memory = _load(ids, boxes, tmp_path, spill=10 ** 9)
    disk_spilled, disk = _load(ids, boxes, tmp_path, spill=51)
    assert (memory_spilled, disk_spilled) == (False, True)
    assert disk == memory
    assert sorted(r[0] for r in disk[1]) == sorted(ids.tolist())   # every entry once
    assert list(tmp_path.iterdir()) == []                           # the temporary file is removed


def _rows(n: int) -> tuple[list[dict], list]:
    rng = np.random.default_rng(n)
    xy = rng.uniform(0, 3000, (n, 2))
    geoms = [shapely.Polygon([(x, y, 1), (x + 9, y, 1), (x + 9, y + 6, 2), (x, y + 6, 2)]) for x, y in xy]
    geoms[3] = None
    return [{"id": f"s{i}", "n": i} for i in range(n)], geoms


def _direct(path: Path, parts: list[tuple[list[dict], list]]) -> None:
    with gpkg_output(path, "EPSG:25832", direct=True) as writer:
        for rows, geoms in parts:
            writer.add_many(SURF, rows, geoms)


def test_the_direct_writer_spills_its_index_and_writes_the_same_geopackage(tmp_path, monkeypatch):
    parts = [_rows(3_000), _rows(2_500)]
    _direct(tmp_path / "memory" / "a.gpkg", parts)
    monkeypatch.setattr(gpkg, "RTREE_SPILL", 400)
    _direct(tmp_path / "disk" / "a.gpkg", parts)
    with sqlite3.connect(tmp_path / "memory" / "a.gpkg") as one, sqlite3.connect(tmp_path / "disk" / "a.gpkg") as two:
        assert _shadow(two, "rtree_surf_geom") == _shadow(one, "rtree_surf_geom")
        assert two.execute("SELECT rtreecheck('rtree_surf_geom')").fetchone() == ("ok",)
        assert two.execute("SELECT count(*) FROM rtree_surf_geom").fetchone() == (5_498,)   # a row of each without geometry
        assert two.execute("SELECT * FROM surf ORDER BY fid").fetchall() == one.execute(
            "SELECT * FROM surf ORDER BY fid").fetchall()
    assert sorted(p.name for p in (tmp_path / "disk").iterdir()) == ["a.gpkg"]


def test_a_failed_write_leaves_no_spilled_entries_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(gpkg, "RTREE_SPILL", 100)
    rows, geoms = _rows(3_000)
    with pytest.raises(RuntimeError, match="stop"):
        with gpkg_output(tmp_path / "a.gpkg", "EPSG:25832", direct=True) as writer:
            writer.add_many(SURF, rows, geoms)
            writer.add_many(SURF, rows, geoms)   # past the batch of 5,000: written, its index entries spilled
            assert any(p.name.startswith(".geotwin-rtree-") for p in tmp_path.rglob("*"))
            raise RuntimeError("stop")
    assert list(tmp_path.rglob("*")) == []


def test_bulk_index_spills_and_builds_the_same_rtree(tmp_path, monkeypatch):
    import geopandas as gpd

    def frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:25832")

    for name, spill in (("memory", 10 ** 9), ("disk", 300)):
        monkeypatch.setattr(gpkg, "RTREE_SPILL", spill)
        folder = tmp_path / name
        folder.mkdir()
        write_frame(folder / "a.gpkg", SURF, frame(*_rows(1_500)), append=False)
        write_frame(folder / "b.gpkg", SURF, frame(*_rows(2_200)), append=False)
        assert append_rows(folder / "a.gpkg", folder / "b.gpkg", SURF, index=False) == 2_200
        assert bulk_index(folder / "a.gpkg", "surf") == 3_698
        assert sorted(p.name for p in folder.iterdir()) == ["a.gpkg", "b.gpkg"]
    with sqlite3.connect(tmp_path / "memory" / "a.gpkg") as one, sqlite3.connect(tmp_path / "disk" / "a.gpkg") as two:
        assert _shadow(two, "rtree_surf_geom") == _shadow(one, "rtree_surf_geom")
        assert two.execute("SELECT rtreecheck('rtree_surf_geom')").fetchone() == ("ok",)


def _traced_peak(n: int, folder: Path) -> int:
    ids, boxes = _boxes(n, 7)
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE idx USING rtree(id, minx, maxx, miny, maxy)")
    tracemalloc.start()
    try:
        entries = RtreeEntries(folder, 2_000)
        for start in range(0, n, 1_000):
            entries.add(ids[start:start + 1_000], boxes[start:start + 1_000])
        entries.load(con, "idx")
        entries.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        con.close()


def test_a_spilled_load_holds_a_bounded_python_heap_however_many_entries(tmp_path):
    """The in-memory load holds about 67 bytes per entry at its peak (tracemalloc, 200,000 entries); the spilled
    one a slice of the sorted entries (about the square root of 51 x their number) and the level above the leaves
    (16 bytes per 51 entries): at 4x the entries its peak grows about 2x, and stays far below the in-memory cost."""
    small, large = _traced_peak(50_000, tmp_path), _traced_peak(200_000, tmp_path)
    assert large < 12 * 200_000, large          # < 12 B per entry (measured: about 7)
    assert large < 3 * small, (small, large)    # 4x the entries: < 3x the peak (measured: about 2x)
