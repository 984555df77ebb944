"""Empty layers made by sqlite3 (gpkg_schema) against GDAL's own creation of the same layers: every statement of
the schema, every row of every table (the creation times excepted), the file's application id and version, and
what pyogrio and ogrinfo read of them; the import process does not load GDAL's bindings."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.gpkg_schema import GDAL_SRS, create_layer, knows
from geotwin.twin.kernel.schema import LayerSpec

SPECS = [LayerSpec("pts", "PointZ", {"a": "int", "b": "float", "c": "bool", "d": "str", "e": "json", 'we"ird': "str"}),
         LayerSpec("tab", None, {"x": "str", "n": "int"}),
         LayerSpec("poly", "Polygon", {}),
         LayerSpec("lines", "MultiLineStringZ", {"q": "float"}),
         LayerSpec("Mixed 'Case'", "Point", {"v": "bool"}),
         LayerSpec("solids", "MultiPolygonZ", {"id": "str"})]


def _dump(path: Path) -> list:
    con = sqlite3.connect(path)
    try:
        out: list = [con.execute(f"PRAGMA {p}").fetchall() for p in ("application_id", "user_version", "encoding")]
        out += con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
            names = [r[1] for r in con.execute(f"PRAGMA table_info({gpkg._quote(table)})")]
            picked = ", ".join(gpkg._quote(n) for n in names if n != "last_change")
            out.append((table, con.execute(f"SELECT {picked} FROM {gpkg._quote(table)} ORDER BY rowid").fetchall()))
        return out
    finally:
        con.close()


def _gdal(path: Path, crs: str | None) -> None:
    ogr = gpkg._ogr()
    for spec in SPECS:
        gpkg._create_layer(ogr, path, spec, crs if spec.geometry_type else None)


def _ours(path: Path, crs: str | None) -> None:
    con = sqlite3.connect(path)
    try:
        for spec in SPECS:
            assert create_layer(con, spec, crs if spec.geometry_type else None)
    finally:
        con.close()


@pytest.mark.parametrize("crs", [*GDAL_SRS, "EPSG:4326", None])
def test_layers_are_what_gdal_creates(tmp_path, crs):
    import pyogrio

    _gdal(tmp_path / "gdal.gpkg", crs)
    _ours(tmp_path / "ours.gpkg", crs)
    gdal, ours = _dump(tmp_path / "gdal.gpkg"), _dump(tmp_path / "ours.gpkg")
    assert ours == gdal
    assert len(ours) > 40 and ours[0] == [(0x47504B47,)]
    for spec in SPECS:
        a = pyogrio.read_info(tmp_path / "gdal.gpkg", layer=spec.name)
        b = pyogrio.read_info(tmp_path / "ours.gpkg", layer=spec.name)
        assert repr(b) == repr(a), spec.name
    listed = [pyogrio.list_layers(tmp_path / f"{name}.gpkg").tolist() for name in ("gdal", "ours")]
    assert listed[1] == listed[0] and sorted(r[0] for r in listed[1]) == sorted(s.name for s in SPECS)


def test_ogrinfo_reads_them_alike(tmp_path):
    _gdal(tmp_path / "gdal.gpkg", "EPSG:25832")
    _ours(tmp_path / "ours.gpkg", "EPSG:25832")
    text = [subprocess.run(["ogrinfo", "-al", "-so", str(tmp_path / f"{name}.gpkg")], capture_output=True,
                           text=True, check=True).stdout.replace(name + ".gpkg", "") for name in ("gdal", "ours")]
    assert text[1] == text[0]
    assert "Layer name: solids" in text[1] and "Geometry: 3D Multi Polygon" in text[1] and "ETRS89 / UTM zone 32N" \
        in text[1]


def test_unknown_crs_and_measures_are_gdals(tmp_path):
    con = sqlite3.connect(tmp_path / "x.gpkg")
    assert not create_layer(con, LayerSpec("a", "Point"), "EPSG:2056")
    assert not create_layer(con, LayerSpec("a", "PointM"), "EPSG:25832")
    assert con.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    assert knows(LayerSpec("t", None), "EPSG:2056")
    con.close()


def test_srs_id_taken_by_another_crs_is_gdals(tmp_path):
    con = sqlite3.connect(tmp_path / "x.gpkg")
    assert create_layer(con, LayerSpec("t", None), None)
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('mine', 25832, 'OTHER', 1, 'x', NULL)")
    con.commit()
    assert not create_layer(con, LayerSpec("a", "Point"), "EPSG:25832")
    assert con.execute("SELECT count(*) FROM gpkg_contents").fetchone() == (1,)
    con.close()


def test_not_a_geopackage(tmp_path):
    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE x (a)")
    con = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="no gpkg_contents table"):
        create_layer(con, LayerSpec("t", None), None)
    con.close()


def test_the_import_loads_no_gdal_bindings(tmp_path):
    seq = tmp_path / "one.city.jsonl"
    seq.write_text(
        '{"type":"CityJSON","version":"2.0","transform":{"scale":[0.001,0.001,0.001],"translate":[456000,5429000,'
        '100]},"metadata":{"referenceSystem":"https://www.opengis.net/def/crs/EPSG/0/25832"},"CityObjects":{},'
        '"vertices":[]}\n'
        '{"type":"CityJSONFeature","id":"b1","CityObjects":{"b1":{"type":"Building","geometry":[{"type":"Solid",'
        '"lod":"1","boundaries":[[[[0,1,2,3]],[[4,7,6,5]],[[0,4,5,1]],[[1,5,6,2]],[[2,6,7,3]],[[3,7,4,0]]]]}]}},'
        '"vertices":[[0,0,0],[0,8000,0],[10000,8000,0],[10000,0,0],[0,0,6000],[0,8000,6000],[10000,8000,6000],'
        '[10000,0,6000]]}\n', encoding="utf-8")
    code = ("import sys\nfrom geotwin.twin.citymodel.importer import import_citymodel\n"
            f"r = import_citymodel([{str(seq)!r}], {str(tmp_path / 'one.gpkg')!r})\n"
            "print(r.buildings, r.surfaces, sorted({m.split('.')[0] for m in sys.modules} & {'osgeo', 'pyogrio'}))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["1", "6", "[]"]
    with sqlite3.connect(tmp_path / "one.gpkg") as con:
        assert con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'buildings'").fetchone() == (
            25832,)
