"""The direct GeoPackage writer (rows by sqlite3, R-tree built in bulk) against GDAL's own writing of the same rows.

Independent checks: every table, row, geometry blob (header and envelope included), extent and feature count equals
what pyogrio/GDAL writes for the same input; every R-tree entry is the geometry's envelope rounded outwards to
float32 (what SQLite's R-tree stores); GDAL reports and uses the index, and its triggers keep it current on edits;
QGIS sees the spatial index.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import shapely

from geotwin.tests.paths import SHARED_DATA
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.gpkg import GpkgWriter, column_values, gpkg_output, str_order
from geotwin.twin.kernel.schema import LayerSpec

DATA = SHARED_DATA if SHARED_DATA.exists() else Path("/work/shared/data")
HAMBURG = DATA / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"

SURFACES = LayerSpec("surf", "PolygonZ", {"id": "str", "n": "int", "area": "float", "ok": "bool", "extra": "json"})
OUTLINES = LayerSpec("outline", "MultiPolygon", {"id": "str"})
POINTS = LayerSpec("pts", "Point", {"id": "str"})
PLAIN = LayerSpec("plain", None, {"id": "str", "line": "int"})


def _rows(n: int, rng: np.random.Generator) -> tuple[list[dict], list]:
    rows, geoms = [], []
    for i in range(n):
        x, y, z = rng.uniform(400000, 410000), rng.uniform(5400000, 5410000), rng.uniform(0, 80)
        ring = np.array([[x, y, z], [x + 10.123456789, y, z + 1], [x + 10, y + 7.7, z + 2.5], [x, y + 7, z]])
        geoms.append(shapely.Polygon(ring) if i % 3 else shapely.to_wkb(shapely.Polygon(ring)))
        rows.append({"id": f"s{i}", "n": None if i % 7 == 0 else i, "area": float("nan") if i % 11 == 0 else i / 3,
                     "ok": i % 2 == 0, "extra": {"k": i} if i % 5 else None})
    geoms[4] = None
    geoms[8] = shapely.from_wkt("POLYGON Z EMPTY")
    return rows, geoms


def _write(path: Path, direct: bool) -> None:
    rng = np.random.default_rng(7)
    rows, geoms = _rows(1200, rng)
    outlines = [shapely.MultiPolygon([shapely.box(i, i, i + 2.5, i + 1.25), shapely.box(i + 5, i, i + 6, i + 3)])
                for i in range(300)]
    with gpkg_output(path, "EPSG:25832", batch_size=500, direct=direct) as writer:
        writer.ensure_layer(PLAIN)
        writer.add_many(SURFACES, rows, geoms)
        writer.add_many(OUTLINES, [{"id": str(i)} for i in range(300)], outlines)
        writer.add_many(POINTS, [{"id": str(i)} for i in range(50)],
                        [shapely.Point(i, 2 * i, 3.5) for i in range(50)])
        writer.add(PLAIN, {"id": "a", "line": 3})


def _dump(path: Path) -> dict:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY table_name")]
        out = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY fid').fetchall() for t in tables}
        out["contents"] = con.execute("SELECT table_name, data_type, min_x, min_y, max_x, max_y, srs_id "
                                      "FROM gpkg_contents ORDER BY table_name").fetchall()
        out["counts"] = con.execute("SELECT * FROM gpkg_ogr_contents ORDER BY table_name").fetchall()
        out["columns"] = con.execute("SELECT * FROM gpkg_geometry_columns ORDER BY table_name").fetchall()
        out["extensions"] = con.execute("SELECT * FROM gpkg_extensions ORDER BY table_name, extension_name").fetchall()
        out["schema"] = sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE "
                                           "'sqlite_autoindex%'").fetchall(), key=lambda r: r[1])
        out["rtree"] = {t: sorted(con.execute(f'SELECT * FROM "rtree_{t}_geom"').fetchall())
                        for t in tables if t != "plain"}
        out["rtreecheck"] = {t: con.execute(f"SELECT rtreecheck('rtree_{t}_geom')").fetchone()[0]
                             for t in tables if t != "plain"}
        return out
    finally:
        con.close()


def test_direct_writes_what_gdal_writes(tmp_path):
    _write(tmp_path / "gdal.gpkg", direct=False)
    _write(tmp_path / "direct.gpkg", direct=True)
    gdal, direct = _dump(tmp_path / "gdal.gpkg"), _dump(tmp_path / "direct.gpkg")
    assert set(gdal) == set(direct)
    for key in gdal:
        if key != "contents":
            assert direct[key] == gdal[key], key
    # GDAL's extent after appends is printed with 15 significant digits, the direct one with SQLite's %.18g
    # (as GDAL prints a layer's first extent): equal to 1e-9 relative
    assert [r[:2] + r[6:] for r in direct["contents"]] == [r[:2] + r[6:] for r in gdal["contents"]]
    for ours, theirs in zip(direct["contents"], gdal["contents"]):
        assert ours[2:6] == theirs[2:6] or ours[2:6] == pytest.approx(theirs[2:6], rel=1e-12, abs=0)
    assert len(direct["surf"]) == 1200 and direct["counts"][-1] == ("surf", 1200)
    assert len(direct["rtree"]["surf"]) == 1198  # no entry for the NULL and the empty geometry
    assert set(direct["rtreecheck"].values()) == {"ok"}   # SQLite's own structural check of the packed trees
    with sqlite3.connect(tmp_path / "direct.gpkg") as con:   # two levels: 24 leaves under the root
        assert con.execute("SELECT count(*) FROM rtree_surf_geom_node").fetchone() == (25,)
        window = (401000, 405000, 5402000, 5406000)
        hits = {r[0] for r in con.execute("SELECT id FROM rtree_surf_geom WHERE maxx >= ? AND minx <= ? AND "
                                          "maxy >= ? AND miny <= ?", window)}
    brute = {r[0] for r in direct["rtree"]["surf"] if r[2] >= window[0] and r[1] <= window[1]
             and r[4] >= window[2] and r[3] <= window[3]}
    assert hits == brute and 0 < len(hits) < 1198


def _float32_outwards(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SQLite's R-tree storage of a box (rtreeValueDown/Up): float32, and where that is not outside the double,
    the double scaled by 1 -/+ 2^-23 towards outside, then float32."""
    towards, away = 1.0 - 1.0 / 8388608.0, 1.0 + 1.0 / 8388608.0
    lo, hi = low.astype(np.float32), high.astype(np.float32)
    lo = np.where(lo > low, (low * np.where(low < 0, away, towards)).astype(np.float32), lo)
    hi = np.where(hi < high, (high * np.where(high < 0, towards, away)).astype(np.float32), hi)
    assert (lo <= low).all() and (hi >= high).all()
    return lo.astype(np.float64), hi.astype(np.float64)


@pytest.fixture(scope="module")
def hamburg_gpkg(tmp_path_factory):
    out = tmp_path_factory.mktemp("direct") / "hamburg.gpkg"
    import_citymodel([HAMBURG], out)
    return out


@pytest.mark.parametrize("layer", ["buildings", "building_surfaces", "footprints"])
def test_rtree_is_each_geometry_envelope(hamburg_gpkg, layer):
    import pyogrio

    everything = pyogrio.read_dataframe(hamburg_gpkg, layer=layer, fid_as_index=True)
    frame = everything[everything.geometry.notna()]   # parents whose geometry is in their parts have none
    bounds = shapely.bounds(frame.geometry.values)
    minx, maxx = _float32_outwards(bounds[:, 0], bounds[:, 2])
    miny, maxy = _float32_outwards(bounds[:, 1], bounds[:, 3])
    expected = sorted(zip(frame.index.tolist(), minx.tolist(), maxx.tolist(), miny.tolist(), maxy.tolist()))
    with sqlite3.connect(hamburg_gpkg) as con:
        stored = sorted(con.execute(f'SELECT * FROM "rtree_{layer}_geom"').fetchall())
        contents = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                               (layer,)).fetchone()
        count = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?", (layer,)).fetchone()
    assert len(stored) == len(frame) > 90
    assert stored == expected
    # printed by SQLite's %.18g as GDAL does (16 significant digits)
    assert contents == pytest.approx((bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(),
                                      bounds[:, 3].max()), rel=1e-15, abs=0)
    assert count == (len(everything),)


def test_gdal_uses_the_index_and_its_triggers_keep_it(hamburg_gpkg, tmp_path):
    from osgeo import ogr

    path = tmp_path / "edit.gpkg"
    path.write_bytes(Path(hamburg_gpkg).read_bytes())
    ds = ogr.Open(str(path), 1)
    layer = ds.GetLayerByName("footprints")
    assert layer.TestCapability(ogr.OLCFastSpatialFilter)
    assert ds.ExecuteSQL("SELECT HasSpatialIndex('footprints', 'geom')").GetNextFeature().GetField(0) == 1
    geoms = {f.GetFID(): shapely.from_wkb(bytes(f.GetGeometryRef().ExportToIsoWkb())) for f in layer}
    x0, y0, x1, y1 = shapely.total_bounds(list(geoms.values()))
    box = shapely.box(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    layer.SetSpatialFilterRect(*box.bounds)
    found = {f.GetFID() for f in layer}
    assert found == {fid for fid, g in geoms.items() if g.intersects(box)} and 0 < len(found) < len(geoms)
    layer.SetSpatialFilter(None)
    victim = min(found)
    assert layer.DeleteFeature(victim) == 0
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt("MULTIPOLYGON (((1 2, 3 2, 3 4, 1 2)))"))
    assert layer.CreateFeature(feature) == 0
    new = feature.GetFID()
    ds = layer = None
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM rtree_footprints_geom WHERE id = ?", (victim,)).fetchone() == (0,)
        assert con.execute("SELECT minx, maxx, miny, maxy FROM rtree_footprints_geom WHERE id = ?",
                           (new,)).fetchone() == (1.0, 3.0, 2.0, 4.0)


def test_qgis_sees_the_spatial_index(hamburg_gpkg, qgis_app):
    from qgis.core import QgsFeatureSource, QgsVectorLayer

    layer = QgsVectorLayer(f"{hamburg_gpkg}|layername=building_surfaces", "surfaces", "ogr")
    assert layer.isValid()
    assert layer.hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresent
    assert layer.featureCount() > 100
    del layer


def test_str_order_groups_neighbours():
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 1000, (5000, 2))
    boxes = np.column_stack([centres[:, 0], centres[:, 0] + 1, centres[:, 1], centres[:, 1] + 1])
    order = str_order(boxes, node=50)
    assert sorted(order.tolist()) == list(range(5000))
    nodes = boxes[order][: 5000 // 50 * 50].reshape(-1, 50, 4)
    packed = ((nodes[:, :, 1].max(1) - nodes[:, :, 0].min(1)) * (nodes[:, :, 3].max(1) - nodes[:, :, 2].min(1)))
    shuffled = boxes.reshape(-1, 50, 4)
    loose = ((shuffled[:, :, 1].max(1) - shuffled[:, :, 0].min(1))
             * (shuffled[:, :, 3].max(1) - shuffled[:, :, 2].min(1)))
    assert packed.mean() < loose.mean() / 20   # STR nodes are compact, arrival order is not
    assert str_order(np.zeros((0, 4))).tolist() == []


def test_column_values_follow_gdal():
    assert column_values("int", [1, None, 2.7, float("nan"), True]) == [1, None, 2, None, 1]
    assert column_values("float", [1, None, float("nan"), "2.5"]) == [1.0, None, None, 2.5]
    assert column_values("bool", [0, 3, None]) == [0, 1, None]
    assert column_values("str", ["a", 5, None]) == ["a", "5", None]
    assert column_values("json", [{"a": "ä"}, "x", None]) == ['{"a": "ä"}', "x", None]


def test_a_failed_run_leaves_no_file(tmp_path):
    out = tmp_path / "x.gpkg"
    with pytest.raises(RuntimeError, match="boom"), gpkg_output(out, "EPSG:25832", direct=True) as writer:
        writer.add(OUTLINES, {"id": "a"}, shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]))
        writer._flush(OUTLINES.name)
        raise RuntimeError("boom")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert isinstance(GpkgWriter, type)


def test_prepared_wkb_from_arrays_is_what_gdal_writes(tmp_path):
    from geotwin.twin.citymodel.geometry import building_envelopes, multipolygon_wkb_z, polygons_wkb_z

    rng = np.random.default_rng(11)
    rings = [[rng.uniform(0, 1000, (int(rng.integers(3, 9)), 3)) + [450000, 5400000, 0]] for _ in range(60)]
    rings[5].append(rings[5][0][:3] * 0.999 + 0.3)   # a polygon with a hole
    wkb, env = polygons_wkb_z(rings)
    counts = [6] * 10
    whole = building_envelopes(env, counts)
    shaped = [shapely.Polygon(r[0], r[1:]) for r in rings]
    assert wkb == shapely.to_wkb(np.array(shaped), flavor="iso", byte_order=1).tolist()
    spec = LayerSpec("prep", "PolygonZ", {"id": "str"})
    multi = LayerSpec("multi", "MultiPolygonZ", {"id": "str"})
    boxes, whole_boxes = env.astype("<f8").tobytes(), whole.astype("<f8").tobytes()
    for direct in (False, True):
        with gpkg_output(tmp_path / f"{direct}.gpkg", "EPSG:25832", direct=direct) as writer:
            rows = [{"id": str(i)} for i in range(60)]
            if direct:
                writer.add_many(spec, rows, [(w, boxes[48 * i:48 * i + 48]) for i, w in enumerate(wkb)])
                writer.add_many(multi, rows[:10], [(multipolygon_wkb_z(wkb[6 * b:6 * b + 6]),
                                                    whole_boxes[48 * b:48 * b + 48]) for b in range(10)])
            else:
                writer.add_many(spec, rows, shaped)
                writer.add_many(multi, rows[:10], [shapely.MultiPolygon(shaped[6 * b:6 * b + 6]) for b in range(10)])
    gdal, direct_dump = _dump(tmp_path / "False.gpkg"), _dump(tmp_path / "True.gpkg")
    for key in ("prep", "multi", "rtree", "counts", "schema"):
        assert direct_dump[key] == gdal[key], key


def test_gdal_exception_setting_is_left_as_it_was(tmp_path):
    from osgeo import ogr, osr

    before = ogr.GetUseExceptions(), osr.GetUseExceptions()
    # a CRS gpkg_schema does not know (Swiss LV95): GDAL creates the layer
    with gpkg_output(tmp_path / "a.gpkg", "EPSG:2056", direct=True) as writer:
        writer.add(OUTLINES, {"id": "a"}, shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]))
    assert (ogr.GetUseExceptions(), osr.GetUseExceptions()) == before
    with sqlite3.connect(tmp_path / "a.gpkg") as con:
        assert con.execute("SELECT id FROM outline").fetchall() == [("a",)]


def test_error_at_open_is_a_storage_error(tmp_path):
    """A file that is not a GeoPackage (here not SQLite at all), met when the first layer is created, reaches the
    caller as OSError and is left as it was."""
    out = tmp_path / "not-a-geopackage.gpkg"
    out.write_bytes(b"this is no SQLite file\n" * 100)
    writer = GpkgWriter(out, "EPSG:25832", direct=True)
    writer.ensure_layer(SURFACES)
    with pytest.raises(OSError, match="cannot open .* as a GeoPackage for writing"):
        writer.close()
    assert out.read_bytes() == b"this is no SQLite file\n" * 100


def test_existing_layer_is_a_storage_error(tmp_path):
    """A layer created in a GeoPackage that already has a layer of that name: OSError with SQLite's error as its
    cause."""
    out = tmp_path / "twice.gpkg"
    first = GpkgWriter(out, "EPSG:25832", direct=True)
    first.ensure_layer(PLAIN)
    first.close()
    second = GpkgWriter(out, "EPSG:25832", direct=True)
    second.ensure_layer(PLAIN)
    with pytest.raises(OSError, match="already exists") as caught:
        second.close()
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


@pytest.mark.parametrize("count", [0, 1, 499, 500, 1234])
@pytest.mark.parametrize("variables", [None, 7])
def test_multi_row_inserts_write_the_file_per_row_inserts_write(tmp_path, count, variables):
    """_insert_rows (multi-row INSERT statements, a remainder, fewer rows per statement under a low variable limit)
    gives the same rows, fids, AUTOINCREMENT counter and file bytes as one INSERT per row."""
    from geotwin.twin.kernel.gpkg import _insert_rows

    rng = np.random.default_rng(count)
    columns = [[rng.bytes(40) if i % 5 else None for i in range(count)], [f"id{i}" for i in range(count)],
               [float(v) if i % 7 else None for i, v in enumerate(rng.random(count))]]
    table = 'CREATE TABLE t (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom BLOB, id TEXT, area REAL)'
    files = []
    for multi in (False, True):
        path = tmp_path / f"{multi}.sqlite"
        con = sqlite3.connect(path)
        con.execute(table)
        if variables:
            con.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variables)   # 2 rows of 3 per statement
        if multi:
            _insert_rows(con, "INSERT INTO t (geom, id, area) VALUES ", list(zip(*columns)))
        else:
            con.executemany("INSERT INTO t (geom, id, area) VALUES (?, ?, ?)", zip(*columns))
        con.commit()
        rows = con.execute("SELECT fid, geom, id, area FROM t ORDER BY fid").fetchall()
        assert rows == [(i + 1, *values) for i, values in enumerate(zip(*columns))]
        con.close()
        files.append(path.read_bytes())
    assert files[0] == files[1]


def test_multi_row_inserts_keep_to_999_variables_where_python_cannot_ask_sqlite(tmp_path, monkeypatch):
    """Before Python 3.11 a connection has no getlimit: the statements then stay within SQLite's old default limit of
    999 variables (333 rows of 3 columns), whatever the library allows, and the rows are the same."""
    from geotwin.twin.kernel import gpkg
    from geotwin.twin.kernel.gpkg import _insert_rows

    monkeypatch.setattr(gpkg, "INSERT_ROWS", 500)   # more rows than 999 variables allow

    class OldConnection:   # a real connection as Python 3.10 shows it: no getlimit
        def __init__(self, con):
            self.con = con

        def execute(self, *args):
            return self.con.execute(*args)

        def executemany(self, *args):
            return self.con.executemany(*args)

    con = sqlite3.connect(tmp_path / "t.sqlite")
    con.execute("CREATE TABLE t (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, a INTEGER, b TEXT, c REAL)")
    statements = []
    con.set_trace_callback(statements.append)
    rows = [(i, f"r{i}", i / 3) for i in range(1000)]
    _insert_rows(OldConnection(con), "INSERT INTO t (a, b, c) VALUES ", rows)
    con.set_trace_callback(None)
    assert con.execute("SELECT a, b, c FROM t ORDER BY fid").fetchall() == rows
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert [s.count("),(") + 1 for s in inserts] == [333, 333, 333, 1]
