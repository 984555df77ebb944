"""Issue 13, flat memory: a merge packs each partition's R-tree entries into leaves as it comes (RtreeLeaves,
DirectLayers.pack) and builds only the levels above the leaves at the end.

Independent checks: the packed R-tree holds exactly the entries of one bulk load of the same entries (the shadow
tables differ: leaves per group), SQLite's rtreecheck passes, and every box query gives the entries a brute-force
test of the boxes gives (and the bulk-loaded tree gives); an empty group, a single leaf, a single group, groups of
one entry; the direct writer's GeoPackage, merged from partitions by copy_layer and by rows (a mixed partition),
holds the rows and entries of the GeoPackage written in one go, reads the same through GDAL with a bbox, and its
gathered entries stay at most one partition (counted, and the Python heap measured by tracemalloc).
"""
from __future__ import annotations

import sqlite3
import tracemalloc
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.gpkg import (
    GpkgWriter,
    RtreeLeaves,
    append_rows,
    bulk_index,
    gpkg_output,
    pack_pending,
    rtree_boxes,
)
from geotwin.twin.kernel.schema import LayerSpec

SURF = LayerSpec("surf", "PolygonZ", {"id": "str", "n": "int"})
NOTES = LayerSpec("notes", None, {"id": "str", "n": "int"})


def _group_boxes(groups: list[int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Entries in groups, each group a compact tile of its own (as a delivery tile), ids counted on."""
    rng = np.random.default_rng(seed)
    out, first = [], 1
    for k, n in enumerate(groups):
        x0, y0 = (k % 5) * 1000.0, (k // 5) * 1000.0
        xy = np.round(rng.uniform(0, 1000, (n, 2))) + (x0, y0)   # equal centres: ties
        w = rng.integers(0, 4, (n, 2))
        bounds = np.column_stack([xy[:, 0], xy[:, 0] + w[:, 0], xy[:, 1], xy[:, 1] + w[:, 1]]).astype(float)
        out.append((np.arange(first, first + n, dtype=np.int64), rtree_boxes(bounds)))
        first += n
    return out


def _query(con: sqlite3.Connection, rtree: str, box: tuple[float, float, float, float]) -> list[int]:
    return [r[0] for r in con.execute(f'SELECT id FROM "{rtree}" WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND '
                                      "miny <= ? ORDER BY id", box)]


def _brute(ids: np.ndarray, boxes: np.ndarray, box: tuple[float, float, float, float]) -> list[int]:
    hit = (boxes[:, 1] >= box[0]) & (boxes[:, 0] <= box[1]) & (boxes[:, 3] >= box[2]) & (boxes[:, 2] <= box[3])
    return sorted(ids[hit].tolist())


@pytest.mark.parametrize("groups", [[], [0], [30], [51], [52], [3, 0, 1, 1], [700, 0, 2_600, 40], [4_000] * 12])
def test_packed_groups_hold_the_entries_of_one_bulk_load_and_answer_every_query_alike(groups):
    parts = _group_boxes(groups, len(groups))
    packed, bulk = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    tree = RtreeLeaves("idx")
    for ids, boxes in parts:
        tree.write(packed, ids, boxes, step=1000)
    leaves = tree.leaves
    tree.finish(packed, step=1000)
    bulk.execute("CREATE VIRTUAL TABLE idx USING rtree(id, minx, maxx, miny, maxy)")
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    boxes = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, 4), dtype=np.float32)
    if len(ids):
        gpkg._load_rtree(bulk, "idx", ids, boxes)
    assert packed.execute("SELECT rtreecheck('idx')").fetchone() == ("ok",)
    assert leaves == sum(-(-n // 51) for n in groups)   # every group in leaves of its own
    everything = "SELECT * FROM idx ORDER BY id"
    assert packed.execute(everything).fetchall() == bulk.execute(everything).fetchall()
    assert len(packed.execute(everything).fetchall()) == sum(groups)
    rng = np.random.default_rng(7)
    for _ in range(60):
        x, y = rng.uniform(-100, 5100, 2)
        box = (x, x + rng.uniform(0, 800), y, y + rng.uniform(0, 800))
        assert _query(packed, "idx", box) == _brute(ids, boxes, box) == _query(bulk, "idx", box)
    if leaves <= 1:   # one leaf or none: the root holds the entries itself (depth 0)
        assert packed.execute("SELECT nodeno, substr(data, 1, 2) FROM idx_node").fetchall() == [(1, b"\0\0")]
    packed.close()
    bulk.close()


def _rows(n: int, seed: int, x0: float) -> tuple[list[dict], list]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 500, (n, 2)) + (x0, 0)
    geoms = [shapely.Polygon([(x, y, 1), (x + 9, y, 1), (x + 9, y + 6, 2), (x, y + 6, 2)]) for x, y in xy]
    if n > 3:
        geoms[3] = None
    return [{"id": f"s{seed}-{i}", "n": i} for i in range(n)], geoms


def _partitions(folder: Path, sizes: list[int]) -> list[tuple[Path, list[dict], list]]:
    """A GeoPackage per partition (the direct writer, as the workers write them), each a tile of its own."""
    out = []
    for k, n in enumerate(sizes):
        rows, geoms = _rows(n, k, 600.0 * k)
        path = folder / f"part{k}.gpkg"
        with gpkg_output(path, "EPSG:25832", direct=True) as writer:
            writer.ensure_layer(SURF)
            writer.ensure_layer(NOTES)
            writer.add_many(SURF, rows, geoms)
            writer.add_many(NOTES, rows[:5])
        out.append((path, rows, geoms))
    return out


def _merge(path: Path, parts: list[tuple[Path, list[dict], list]], by_rows: set[int],
           held: list[int] | None = None) -> None:
    """Merge as the partitioned import does: a layer copied whole, or (partitions ``by_rows``) added row by row."""
    with gpkg_output(path, "EPSG:25832", direct=True) as writer:
        writer.ensure_layer(SURF)
        writer.ensure_layer(NOTES)
        for k, (part, rows, geoms) in enumerate(parts):
            if k in by_rows or not writer.copy_layer(SURF, part):
                writer.add_many(SURF, rows, geoms)
            assert writer.copy_layer(NOTES, part)   # a layer without geometries: copied, no R-tree
            writer.pack_index()
            if held is not None:
                held.append(writer._direct._layers[SURF.name]["index"].count)


def _entries(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT rtreecheck('rtree_surf_geom')").fetchone() == ("ok",)
        return con.execute("SELECT * FROM rtree_surf_geom ORDER BY id").fetchall()


def _table(path: Path, name: str) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute(f'SELECT * FROM "{name}" ORDER BY fid').fetchall()


@pytest.mark.parametrize("by_rows", [set(), {2}, {0, 1, 2, 3}])   # copied; a mixed merge; all by rows
def test_a_merge_of_partitions_holds_the_rows_and_entries_of_one_write_and_gdal_reads_it(tmp_path, by_rows):
    parts = _partitions(tmp_path, [900, 0, 2_300, 60])
    _merge(tmp_path / "merged.gpkg", parts, by_rows)
    with gpkg_output(tmp_path / "one.gpkg", "EPSG:25832", direct=True) as writer:   # one bulk load
        writer.ensure_layer(NOTES)
        for _, rows, geoms in parts:
            writer.add_many(SURF, rows, geoms)
            writer.add_many(NOTES, rows[:5])
    merged, one = tmp_path / "merged.gpkg", tmp_path / "one.gpkg"
    assert _table(merged, "surf") == _table(one, "surf") and _table(merged, "notes") == _table(one, "notes")
    assert _entries(merged) == _entries(one) and len(_entries(merged)) == 900 - 1 + 2_300 - 1 + 60 - 1
    with sqlite3.connect(merged) as con:   # a leaf per 51 entries of each partition, no leaf shared by two
        leaves = con.execute("SELECT count(DISTINCT nodeno) FROM rtree_surf_geom_rowid").fetchone()[0]
        assert leaves == -(-899 // 51) + -(-2_299 // 51) + -(-59 // 51)
        assert con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rtree_notes%'").fetchall() == []
        assert con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'surf'").fetchone() == (
            3_260,)
    frame = pyogrio.read_dataframe(one, layer="surf", fid_as_index=True)
    bounds = shapely.bounds(frame.geometry.values)
    rng = np.random.default_rng(3)
    for _ in range(12):
        x, y = rng.uniform(-50, 2400), rng.uniform(-50, 450)
        box = (x, y, x + rng.uniform(5, 400), y + rng.uniform(5, 200))
        got = sorted(pyogrio.read_dataframe(merged, layer="surf", bbox=box, fid_as_index=True).index.tolist())
        hit = (bounds[:, 2] >= box[0]) & (bounds[:, 0] <= box[2]) & (bounds[:, 3] >= box[1]) & (
            bounds[:, 1] <= box[3])
        assert got == sorted(frame.index[hit].tolist())   # GDAL: the boxes' envelopes that meet the query
        assert got == sorted(pyogrio.read_dataframe(one, layer="surf", bbox=box, fid_as_index=True).index.tolist())


def test_a_merge_holds_one_partitions_entries_however_many_partitions(tmp_path, monkeypatch):
    parts = _partitions(tmp_path, [3_000] * 16)
    held: list[int] = []
    _merge(tmp_path / "counted.gpkg", parts, {2, 5}, held)
    assert held == [0] * 16   # each partition's entries packed when it is merged
    monkeypatch.setattr(gpkg.DirectLayers, "PACK_ENTRIES", 1_000)   # rows by rows: packed each 1,000 on the way
    _merge(tmp_path / "small.gpkg", parts[:2], {0, 1})
    with sqlite3.connect(tmp_path / "small.gpkg") as con:
        sizes = [r[0] for r in con.execute("SELECT count(*) FROM rtree_surf_geom_rowid GROUP BY nodeno")]
    assert len(sizes) == 2 * (-(-1_000 // 51) * 2 + -(-999 // 51)) and sum(sizes) == 2 * 2_999
    peaks = []
    for count in (4, 16):   # (after the merges above: caches and first-use allocations are made)
        tracemalloc.start()
        _merge(tmp_path / f"m{count}.gpkg", parts[:count], set())
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert _entries(tmp_path / "m16.gpkg") == _entries(tmp_path / "counted.gpkg")
    # four times the partitions: the 12 more partitions' entries, gathered (24 B each while held), would add 864 kB;
    # packed, their leaves' boxes add 16 B per 51 entries (12 kB): measured 16 kB more
    assert peaks[1] < peaks[0] + 100_000, peaks


def test_entries_appended_beyond_the_spill_before_the_first_partition_are_packed_from_the_file(tmp_path, monkeypatch):
    parts = _partitions(tmp_path, [700, 800])
    monkeypatch.setattr(gpkg, "RTREE_SPILL", 300)
    with gpkg_output(tmp_path / "spilled.gpkg", "EPSG:25832", direct=True) as writer:
        writer.add_many(SURF, parts[0][1], parts[0][2])   # not packed yet: beyond 300 entries in a file
        writer._flush(SURF.name)
        assert writer._direct._layers[SURF.name]["index"].spilled
        assert writer.copy_layer(SURF, parts[1][0])   # packs what came before (from the file), then the copy
        assert not writer._direct._layers[SURF.name]["index"].spilled
    assert not list(tmp_path.glob(".geotwin-rtree-*"))
    _merge(tmp_path / "plain.gpkg", parts, {0})
    assert _entries(tmp_path / "spilled.gpkg") == _entries(tmp_path / "plain.gpkg")
    assert _table(tmp_path / "spilled.gpkg", "surf") == _table(tmp_path / "plain.gpkg", "surf")


def _gdal_parts(path: Path, part: tuple[list[dict], list], append: bool = False) -> None:
    """GDAL (pyogrio) writes the part (its R-tree filled by its triggers, row by row), appended when ``append``."""
    writer = GpkgWriter(path, "EPSG:25832", batch_size=100)
    if append:
        writer.append_to([SURF.name])
    writer.add_many(SURF, *part)
    writer.close()


@pytest.mark.parametrize("case", ["packed", "gdal between", "one pack missed", "none set aside"])
def test_a_build_merge_packs_each_cell_and_gives_the_entries_of_the_bulk_index(tmp_path, case):
    """As the twin build's merge: the first cell written by GDAL, the others appended with index=False and packed
    (pack_pending) as each comes in; GDAL may append a cell row by row meanwhile (its R-tree answers for its own
    rows until then); bulk_index(leaves=) packs what is left and builds the levels above. The same entries, rows and
    contents as bulk_index reading them all (one bulk load), rtreecheck ok, and box queries as brute force."""
    parts = [_rows(n, k, 600.0 * k) for k, n in enumerate((400, 900, 30, 700, 120))]
    for name in ("read", "packed"):
        _gdal_parts(tmp_path / f"{name}.gpkg", parts[0])
    for k, part in enumerate(parts[1:], start=1):
        _gdal_parts(tmp_path / f"source{k}.gpkg", part)
    leaves = RtreeLeaves("", fresh=False)
    for k, part in enumerate(parts[1:], start=1):
        for name in ("read", "packed"):
            if case == "gdal between" and k == 2:   # a cell GDAL appends (its triggers insert into its R-tree)
                _gdal_parts(tmp_path / f"{name}.gpkg", part, append=True)
            elif case != "none set aside":
                assert append_rows(tmp_path / f"{name}.gpkg", tmp_path / f"source{k}.gpkg", SURF,
                                   index=False) == len(part[0])
        if case != "none set aside" and not (case == "one pack missed" and k == 4):
            pack_pending(tmp_path / "packed.gpkg", "surf", leaves)
        if case == "gdal between" and k == 3:   # GDAL's own tree answers for GDAL's rows beside the hanging leaves
            with sqlite3.connect(tmp_path / "packed.gpkg") as con:
                own = [r[0] for r in con.execute("SELECT id FROM rtree_surf_geom ORDER BY id")]
                # the 1st and 3rd cell's (fids 1-400, 1301-1330; the 4th row of each has no geometry)
                assert own == [i for i in range(1, 1331) if i <= 400 or i > 1300 if i not in (4, 1304)]
                assert con.execute("SELECT count(*) FROM rtree_surf_geom_rowid").fetchone()[0] == 399 + 899 + 29 + 699
    if case == "none set aside":   # nothing to do: the R-tree is GDAL's, as it was
        assert bulk_index(tmp_path / "packed.gpkg", "surf", leaves=leaves) is None and leaves.leaves == 0
        assert _entries_of(tmp_path / "packed.gpkg") == _entries_of(tmp_path / "read.gpkg")
        return
    count = bulk_index(tmp_path / "read.gpkg", "surf")
    assert bulk_index(tmp_path / "packed.gpkg", "surf", leaves=leaves) == count == sum(
        len(p[0]) - 1 for p in parts)   # one row without geometry each
    got, want = _entries_of(tmp_path / "packed.gpkg"), _entries_of(tmp_path / "read.gpkg")
    assert got == want
    assert _table(tmp_path / "packed.gpkg", "surf") == _table(tmp_path / "read.gpkg", "surf")
    with sqlite3.connect(tmp_path / "packed.gpkg") as con:
        assert con.execute("SELECT name FROM sqlite_master WHERE name LIKE 'geotwin_pending%'").fetchall() == []
        ids = np.array([e[0] for e in got])
        boxes = np.array([e[1:] for e in got])
        rng = np.random.default_rng(11)
        for _ in range(40):
            x, y = rng.uniform(-50, 3000), rng.uniform(-50, 550)
            box = (x, x + rng.uniform(5, 500), y, y + rng.uniform(5, 300))
            assert _query(con, "rtree_surf_geom", box) == _brute(ids, boxes, box)


def _entries_of(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT rtreecheck('rtree_surf_geom')").fetchone() == ("ok",)
        return con.execute("SELECT * FROM rtree_surf_geom ORDER BY id").fetchall()
