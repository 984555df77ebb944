"""Quantized-mesh terrain of the 3D Tiles export, read back by a decoder written here from the quantized-mesh-1.0
spec (header, zigzag-delta u/v/height, high-water-mark indices, edge lists, extensions): the sample district's
DGM under every building within 0.5 m of the building's ground as exported in its 3D Tiles; layer.json; the
TIN relief of Den Haag; every error branch."""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from pyproj import Transformer

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.frame import gltf_to_enu
from geotwin.twin.tiles.reader import Tile
from geotwin.twin.tiles.terrain import TerrainError, TerrainOptions, write_terrain

BUILDINGS = 120
TOLERANCE = 0.5
DENHAAG = "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json"
MEASURED: dict[str, float] = {}   # reported at the end of the module (pytest -s)


# ---------------------------------------------------------------- an independent quantized-mesh-1.0 decoder

@dataclass
class Mesh:
    header: dict
    u: np.ndarray
    v: np.ndarray
    h: np.ndarray
    triangles: np.ndarray
    edges: dict
    extensions: dict

    def geodetic(self, bounds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        west, south, east, north = bounds
        lon = west + self.u / 32767.0 * (east - west)
        lat = south + self.v / 32767.0 * (north - south)
        lo, hi = self.header["minimumHeight"], self.header["maximumHeight"]
        return lon, lat, lo + self.h / 32767.0 * (hi - lo)


def _zigzag_deltas(raw: np.ndarray) -> np.ndarray:
    n = raw.astype(np.int64)
    return np.cumsum((n >> 1) ^ -(n & 1))


def decode(data: bytes) -> Mesh:
    names = ("centerX", "centerY", "centerZ", "minimumHeight", "maximumHeight", "boundingSphereCenterX",
             "boundingSphereCenterY", "boundingSphereCenterZ", "boundingSphereRadius", "horizonOcclusionPointX",
             "horizonOcclusionPointY", "horizonOcclusionPointZ")
    header = dict(zip(names, struct.unpack_from("<3d2f4d3d", data, 0)))
    pos = 88
    (n,) = struct.unpack_from("<I", data, pos)
    pos += 4
    u, v, h = (_zigzag_deltas(np.frombuffer(data, "<u2", n, pos + k * 2 * n)) for k in range(3))
    pos += 6 * n
    wide = n > 65536
    size = 4 if wide else 2
    pos += (-pos) % size
    (t,) = struct.unpack_from("<I", data, pos)
    pos += 4
    codes = np.frombuffer(data, "<u4" if wide else "<u2", 3 * t, pos)
    pos += 3 * t * size
    indices, highest = np.empty(3 * t, np.int64), 0
    for i, code in enumerate(codes.tolist()):
        indices[i] = highest - code
        if code == 0:
            highest += 1
    edges = {}
    for side in ("west", "south", "east", "north"):
        (k,) = struct.unpack_from("<I", data, pos)
        pos += 4
        edges[side] = np.frombuffer(data, "<u4" if wide else "<u2", k, pos).astype(np.int64)
        pos += k * size
    extensions = {}
    while pos < len(data):
        ext_id, length = struct.unpack_from("<BI", data, pos)
        pos += 5
        extensions[ext_id] = data[pos:pos + length]
        pos += length
    assert pos == len(data), "trailing bytes"
    return Mesh(header, u, v, h, indices.reshape(-1, 3), edges, extensions)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 180.0 / 2 ** z
    return -180 + x * size, -90 + y * size, -180 + (x + 1) * size, -90 + (y + 1) * size


def terrain_height(folder: Path, lon: float, lat: float) -> tuple[float, int]:
    """The height of the finest tile over lon/lat, linear in the triangle that holds the point."""
    layer = json.loads((folder / "layer.json").read_text())
    for z in range(len(layer["available"]) - 1, -1, -1):
        size = 180.0 / 2 ** z
        x, y = int((lon + 180) // size), int((lat + 90) // size)
        path = folder / str(z) / str(x) / f"{y}.terrain"
        if not path.exists():
            continue
        mesh = decode(path.read_bytes())
        tl, ta, th = mesh.geodetic(tile_bounds(z, x, y))
        for a, b, c in mesh.triangles:
            d = (ta[b] - ta[c]) * (tl[a] - tl[c]) + (tl[c] - tl[b]) * (ta[a] - ta[c])
            w1 = ((ta[b] - ta[c]) * (lon - tl[c]) + (tl[c] - tl[b]) * (lat - ta[c])) / d
            w2 = ((ta[c] - ta[a]) * (lon - tl[c]) + (tl[a] - tl[c]) * (lat - ta[c])) / d
            if min(w1, w2, 1 - w1 - w2) >= -1e-9:
                return float(w1 * th[a] + w2 * th[b] + (1 - w1 - w2) * th[c]), z
        raise AssertionError(f"no triangle of {path} holds {lon}, {lat}")
    raise AssertionError(f"no terrain tile over {lon}, {lat}")


def building_grounds(out: Path) -> dict[str, np.ndarray]:
    """Building id -> its lowest vertices (lon, lat, ellipsoidal height) read from the exported LoD2 tiles."""
    tileset = json.loads((out / "tileset.json").read_text())
    report = json.loads((out / REPORT_NAME).read_text())
    m = np.array(tileset["root"]["transform"]).reshape(4, 4).T
    to_geo = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    grounds = {}
    for t in report["tiles"]:
        if t["kind"] != "lod2":
            continue
        tile = Tile.open(out / t["uri"])
        ecef = gltf_to_enu(tile.positions()) @ m[:3, :3].T + m[:3, 3]
        lon, lat, h = to_geo.transform(ecef[:, 0], ecef[:, 1], ecef[:, 2])
        ids, fid = tile.property_table()["id"], tile.feature_ids()
        for k, bid in enumerate(ids):
            sel = fid == k
            if not sel.any():
                continue
            low = h[sel] <= h[sel].min() + 0.01
            grounds[bid] = np.column_stack([lon[sel][low], lat[sel][low], h[sel][low]])
    return grounds


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("terrain")
    manifest = generate_district(folder / "district", buildings=BUILDINGS, seed=1, formats=("citygml", "dgm"))
    gpkg = folder / "district.gpkg"
    import_citymodel([manifest.path("citygml")], gpkg, None, "highest", CollectingReporter())
    out = folder / "tiles"
    reporter = CollectingReporter()
    result = export_3dtiles(gpkg, out, ExportOptions(terrain=str(manifest.path("dgm")), compression=False,
                                                     viewer=False), reporter)
    return {"folder": folder, "manifest": manifest, "gpkg": gpkg, "out": out, "result": result,
            "reporter": reporter}


# ---------------------------------------------------------------- the district on its DGM

def test_terrain_under_every_building_within_half_a_metre(district):
    out = district["out"]
    grounds = building_grounds(out)
    assert len(grounds) == BUILDINGS
    diffs, levels = [], set()
    for bid, pts in grounds.items():
        for lon, lat, h in [*pts, pts.mean(axis=0)]:   # each footprint corner and the footprint's centre
            terrain, level = terrain_height(out / "terrain", lon, lat)
            diffs.append(terrain - h)
            levels.add(level)
            assert abs(terrain - h) < TOLERANCE, f"{bid}: terrain {terrain:.3f} m, ground {h:.3f} m"
    diffs = np.abs(diffs)
    MEASURED.update(max=float(diffs.max()), mean=float(diffs.mean()), samples=len(diffs))
    layer = json.loads((out / "terrain" / "layer.json").read_text())
    assert levels == {layer["maxzoom"]}           # every building lies under the finest tiles
    # the same ellipsoidal heights: the heights here are ~48 m above the DHHN2016 heights (EGM96 at Karlsruhe)
    assert 40 < np.mean([p[:, 2].mean() for p in grounds.values()]) - 115 < 60
    assert diffs.max() < 0.05, diffs.max()        # the DGM is the buildings' ground (to the centimetre)


def test_terrain_matches_an_independent_height_computation(district):
    """DGM height (the sample's own surface function) + EGM96 by PROJ's vgridshift, at points in the area."""
    from geotwin.twin.sample.dgm import surface

    out = district["out"]
    egm = Transformer.from_pipeline("+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                                    "+step +proj=vgridshift +grids=egm96_15.gtx +multiplier=1 "
                                    "+step +proj=unitconvert +xy_in=rad +xy_out=deg")
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    west, south, east, north = json.loads((out / "terrain" / "layer.json").read_text())["geotwin"]["area"]
    rng = np.random.default_rng(3)
    worst = 0.0
    for lon, lat in zip(rng.uniform(west, east, 40), rng.uniform(south, north, 40)):
        e, n = to_utm.transform(lon, lat)
        expected = float(surface(e, n)) + egm.transform(lon, lat, 0.0)[2]
        got, _ = terrain_height(out / "terrain", lon, lat)
        worst = max(worst, abs(got - expected))
    MEASURED["independent_max"] = worst
    assert worst < 0.05, worst


def test_layer_json_and_every_tile_valid(district):
    out = district["out"] / "terrain"
    layer = json.loads((out / "layer.json").read_text())
    assert layer["format"] == "quantized-mesh-1.0" and layer["scheme"] == "tms"
    assert layer["projection"] == "EPSG:4326" and layer["tiles"] == ["{z}/{x}/{y}.terrain"]
    assert layer["extensions"] == ["octvertexnormals"] and layer["minzoom"] == 0
    assert len(layer["available"]) == layer["maxzoom"] + 1
    assert layer["available"][0] == [{"startX": 0, "startY": 0, "endX": 1, "endY": 0}]
    listed = {(z, x, y) for z, ranges in enumerate(layer["available"]) for r in ranges
              for x in range(r["startX"], r["endX"] + 1) for y in range(r["startY"], r["endY"] + 1)}
    files = {tuple(int(p) for p in f.relative_to(out).with_suffix("").parts) for f in out.rglob("*.terrain")}
    assert files == listed
    report = json.loads((district["out"] / REPORT_NAME).read_text())["terrain"]
    assert report["tiles"] == len(files) and report["maxLevel"] == layer["maxzoom"]
    # each level's range covers the area (and each tile of a level below holds its parent's area)
    west, south, east, north = layer["geotwin"]["area"]
    for z, (r,) in enumerate(layer["available"][1:], start=1):
        w, s, _, _ = tile_bounds(z, r["startX"], r["startY"])
        _, _, e, n = tile_bounds(z, r["endX"], r["endY"])
        assert w <= west and s <= south and e >= east and n >= north
    to_ecef = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    for z, x, y in sorted(files):
        mesh = decode((out / str(z) / str(x) / f"{y}.terrain").read_bytes())
        n = len(mesh.u)
        assert mesh.triangles.max() < n and len(mesh.triangles) >= 2
        assert ((0 <= mesh.u) & (mesh.u <= 32767) & (0 <= mesh.v) & (mesh.v <= 32767)).all()
        for side, sel in (("west", mesh.u == 0), ("east", mesh.u == 32767), ("south", mesh.v == 0),
                          ("north", mesh.v == 32767)):
            assert sorted(mesh.edges[side].tolist()) == np.flatnonzero(sel).tolist(), (z, x, y, side)
        assert len(mesh.extensions[1]) == 2 * n   # oct-encoded normals, 2 bytes a vertex
        lon, lat, h = mesh.geodetic(tile_bounds(z, x, y))
        ecef = np.column_stack(to_ecef.transform(lon, lat, h))
        hd = mesh.header
        centre = np.array([hd["boundingSphereCenterX"], hd["boundingSphereCenterY"], hd["boundingSphereCenterZ"]])
        assert (np.linalg.norm(ecef - centre, axis=1) <= hd["boundingSphereRadius"] * (1 + 1e-6) + 0.01).all()
        assert hd["minimumHeight"] == pytest.approx(h.min(), abs=0.01)
        # counter-clockwise seen from above (Cesium culls back faces)
        a, b, c = (np.column_stack([lon, lat])[mesh.triangles[:, i]] for i in range(3))
        cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
        assert (cross > 0).all(), (z, x, y)


def test_report_and_no_terrain_without_the_option(district, tmp_path):
    result = district["result"]
    assert result.report["terrain"]["source"] == "dgm.tif"
    assert result.report["terrain"]["heightModel"] == result.report["height_model"]["description"]
    assert any("terrain:" in m for m in district["reporter"].infos)
    plain = export_3dtiles(district["gpkg"], tmp_path / "plain", ExportOptions(viewer=False), CollectingReporter())
    assert plain.report["terrain"] is None and not (tmp_path / "plain" / "terrain").exists()
    assert plain.summary.terrain is None


def test_the_typed_terrain_summary_is_what_the_report_file_holds(district):
    """ExportReport.terrain (what geotwin:export3dtiles reads by attribute) against the terrain folder itself and
    against export_report.json, whose ``terrain`` part keeps its keys and their order."""
    result, out = district["result"], district["out"]
    terrain = result.summary.terrain
    files = sorted((out / "terrain").rglob("*.terrain"))
    assert terrain is not None and terrain.folder == "terrain"
    assert terrain.tiles == len(files) > 2
    assert terrain.max_level == max(int(f.relative_to(out / "terrain").parts[0]) for f in files)
    assert terrain.source == "dgm.tif" and terrain.height_model == result.summary.height_description
    west, south, east, north = terrain.bounds
    assert -180 < west < east < 180 and -90 < south < north < 90
    written = json.loads((out / REPORT_NAME).read_text(encoding="utf-8"))["terrain"]
    assert list(written) == ["folder", "tiles", "maxLevel", "bounds", "source", "heightModel", "format", "scheme"]
    assert written == terrain.record() == result.report["terrain"]
    assert written["format"] == "quantized-mesh-1.0" and written["scheme"] == "EPSG:4326 (TMS)"
    assert written["bounds"] == [west, south, east, north] and written["maxLevel"] == terrain.max_level


# ---------------------------------------------------------------- the TIN relief (Den Haag, CityJSON)

def test_tin_relief_becomes_terrain(shared_data, tmp_path):
    gpkg = tmp_path / "denhaag.gpkg"
    import_citymodel([shared_data / DENHAAG], gpkg, None, "highest", CollectingReporter())
    out = tmp_path / "tiles"
    result = export_3dtiles(gpkg, out, ExportOptions(terrain="relief", viewer=False, terrain_max_level=17),
                            CollectingReporter())
    assert result.report["terrain"]["source"] == "TINRelief"
    relief = pyogrio.read_dataframe(gpkg, layer="terrain")
    crs = relief.crs.to_string()
    # the height model of the export, independently: heights the same way as the buildings'
    from geotwin.twin.kernel.heights import Georeferencer, resolve_height_model

    geo = Georeferencer(result.report["horizontal_crs"],
                        resolve_height_model(result.report["horizontal_crs"], result.report["vertical_crs"]))
    grounds = building_grounds(out)
    bx = np.concatenate(list(grounds.values()))
    west, south, east, north = bx[:, 0].min(), bx[:, 1].min(), bx[:, 0].max(), bx[:, 1].max()
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    worst, checked = 0.0, 0
    for poly in relief.geometry[::max(1, len(relief) // 400)]:
        pts = np.asarray(poly.exterior.coords)[:3]
        c = pts.mean(axis=0)
        lon, lat = to_geo.transform(c[0], c[1])
        if not (west <= lon <= east and south <= lat <= north):
            continue
        _, _, expected = geo.to_geographic([c[0]], [c[1]], [c[2]])
        got, _ = terrain_height(out / "terrain", lon, lat)
        worst = max(worst, abs(got - float(expected[0])))
        checked += 1
    MEASURED["relief_max"] = worst
    MEASURED["relief_samples"] = checked
    assert checked >= 20 and worst < 0.25, (checked, worst)


# ---------------------------------------------------------------- error branches

def _geotiff(path: Path, epsg: int | None, x0: float, y0: float, compound: str | None = None) -> Path:
    from osgeo import gdal, osr

    ds = gdal.GetDriverByName("GTiff").Create(str(path), 20, 20, 1, gdal.GDT_Float32)
    if epsg:
        srs = osr.SpatialReference()
        srs.SetFromUserInput(compound or f"EPSG:{epsg}")
        ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform((x0, 10.0, 0.0, y0, 0.0, -10.0))
    ds.GetRasterBand(1).WriteArray(np.full((20, 20), 115.0, np.float32))
    ds = None
    return path


def test_error_branches(district, tmp_path):
    gpkg = district["gpkg"]
    x0, y0 = district["manifest"].bbox[0], district["manifest"].bbox[4]

    def export(terrain, **kw):
        return export_3dtiles(gpkg, tmp_path / "out", ExportOptions(terrain=str(terrain), viewer=False, **kw),
                              CollectingReporter())

    text = tmp_path / "dgm.txt"
    text.write_text("not a raster")
    with pytest.raises(InputError, match="GDAL cannot read the DGM as a raster"):
        export(text)
    with pytest.raises(InputError, match="GDAL cannot read the DGM as a raster"):
        export(tmp_path / "missing.tif")
    with pytest.raises(InputError, match="has no coordinate reference system"):
        export(_geotiff(tmp_path / "nocrs.tif", None, x0, y0))
    with pytest.raises(InputError, match="no heights where the city model is: it covers"):   # Hamburg's UTM
        export(_geotiff(tmp_path / "hamburg.tif", 25832, 565000.0, 5935000.0))
    with pytest.raises(InputError, match="no heights where the city model is"):   # the right numbers, wrong CRS
        export(_geotiff(tmp_path / "gk3.tif", 31467, x0, y0))
    with pytest.raises(InputError, match="the DGM's heights are in DHHN92 height, the city model's in DHHN2016"):
        export(_geotiff(tmp_path / "dhhn92.tif", 25832, x0, y0, compound="EPSG:25832+5783"))
    with pytest.raises(TerrainError, match=r"the terrain needs \d+ tiles \(levels 0 to 18 .*limit of 100"):
        export(district["manifest"].path("dgm"), terrain_max_tiles=100)
    with pytest.raises(InputError, match="has no TIN relief|holds no triangles"):
        export("relief")
    assert not (tmp_path / "out").exists()   # nothing written by a failed export
    with pytest.raises(TerrainError, match="maximum level must be between 0 and 24, got 30"):
        write_terrain(None, None, tmp_path / "t", (8.0, 49.0, 8.1, 49.1),  # type: ignore[arg-type]
                      TerrainOptions(max_level=30))


def test_zz_report_measurements():
    """Prints the measured differences (run with -s)."""
    print("\nterrain height differences:", json.dumps(MEASURED))
    assert MEASURED.get("samples", 0) > BUILDINGS
