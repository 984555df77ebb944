"""The full twin in 3D Tiles: a generated district imported with its IFC school, learning islands and sensors,
built into a twin by geotwin:buildtwin and exported; checked against the generator's own files and the
twin's tables read with sqlite3."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import BIM_GEOMETRIC_ERROR, REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.reader import Tile


def _helpers():
    """The validator and frame helpers of test_tiles_export (tests are not a package: --import-mode=importlib)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tiles_export_helpers", Path(__file__).with_name("test_export.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_h = _helpers()
enu_of, gltf_validate, schema_validator, to_ecef = _h.enu_of, _h.gltf_validate, _h.schema_validator, _h.to_ecef

BUILDINGS = 40
TO_GEO = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)


@pytest.fixture(scope="module")
def chain(run_alg, district_sources, tmp_path_factory) -> dict:
    """District -> importers -> buildtwin -> export3dtiles, all through the real algorithms."""
    out = tmp_path_factory.mktemp("twintiles")
    inputs = district_sources(out, BUILDINGS)
    twin = run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(out / "twin.gpkg")})
    tiles = run_alg("geotwin:export3dtiles", {"INPUT": twin["OUTPUT"], "OUTPUT": str(out / "tiles")})
    return {"district": out / "district", "twin": Path(twin["OUTPUT"]), "tiles": Path(tiles["OUTPUT"]),
            "city": Path(inputs["CITYMODEL"][0]), "out": out}


def _sql(gpkg: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(gpkg) as con:
        return con.execute(sql, args).fetchall()


def _tiles(tileset: dict) -> list[tuple[dict, dict | None]]:
    out = []

    def walk(tile, parent):
        out.append((tile, parent))
        for c in tile.get("children", []):
            walk(c, tile)

    walk(tileset["root"], None)
    return out


def _content(tileset: dict, prefix: str) -> list[tuple[dict, dict | None]]:
    return [(t, p) for t, p in _tiles(tileset) if t.get("content", {}).get("uri", "").startswith(prefix)]


def _source_xyz(ecef: np.ndarray, report: dict) -> np.ndarray:
    """ECEF back to EPSG:25832 + normal height: PROJ's inverse and the undulation of the export's geoid grid,
    read from the grid itself (EGM96 or GCG2016), independent of the exporter's code."""
    lon, lat, h = TO_GEO.transform(ecef[:, 0], ecef[:, 1], ecef[:, 2])
    grid = report["height_model"]["grid"]
    undulation = Transformer.from_pipeline(f"+proj=vgridshift +grids={grid} +multiplier=1")
    _, _, n = undulation.transform(lon, lat, np.zeros(len(lon)))
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(lon, lat)
    return np.column_stack([x, y, np.asarray(h) - np.asarray(n)])


def test_school_bim_tile_refines_the_schools_leaf(chain):
    tileset = json.loads((chain["tiles"] / "tileset.json").read_text())
    report = json.loads((chain["tiles"] / REPORT_NAME).read_text())
    (school, gid), = _sql(chain["twin"], "SELECT twin_building_id, bim_building_id FROM conflation_report "
                                         "WHERE status = 'matched'")
    bim = _content(tileset, "tiles/bim/")
    assert len(bim) == 1
    tile, leaf = bim[0]
    # the parent is the LoD2 leaf that holds the school, refining ADD (its neighbours stay) and only when close
    assert school in Tile.open(chain["tiles"] / leaf["content"]["uri"]).property_table()["id"]
    assert leaf["refine"] == "ADD" and leaf["geometricError"] == BIM_GEOMETRIC_ERROR and tile["geometricError"] == 0
    assert leaf["children"] == [tile]
    # one feature per element with geometry, with the element's class and attributes
    elements = {g: (cls, name, storey, material) for g, cls, name, storey, material in _sql(
        chain["twin"], "SELECT global_id, ifc_class, name, storey, material FROM bim_elements "
                       "WHERE building_global_id = ? AND geom IS NOT NULL", gid)}
    glb = Tile.open(chain["tiles"] / tile["content"]["uri"])
    table = glb.property_table()
    assert len(elements) == 52 and sorted(table["global_id"]) == sorted(elements)
    for i, g in enumerate(table["global_id"]):
        assert (table["ifc_class"][i], table["name"][i], table["storey"][i]) == elements[g][:3]
        assert (table["material"][i] or None) == (elements[g][3] or None)
    assert set(table["ifc_class"]) == {"IfcWall", "IfcSlab"}
    ids = glb.feature_ids()
    assert set(ids) == set(range(len(elements)))
    assert report["twin"]["bim_tiles"][0]["building_id"] == school
    # every vertex lands on the element's own triangles within 1 cm after the ECEF round trip
    back = _source_xyz(to_ecef(tileset, enu_of(glb)), report)
    geoms = dict(_sql(chain["twin"], "SELECT global_id, geom FROM bim_elements WHERE building_global_id = ?", gid))
    import pyogrio

    frame = pyogrio.read_dataframe(chain["twin"], layer="bim_elements")
    coords = {g: shapely.get_coordinates(geom, include_z=True) for g, geom in zip(frame["global_id"], frame.geometry)
              if g in elements}
    assert set(coords) <= set(geoms)
    worst = 0.0
    for f in range(len(elements)):
        pts = back[ids == f]
        src = coords[table["global_id"][f]]
        d = np.linalg.norm(pts[:, None, :] - src[None, :, :], axis=2).min(axis=1)
        worst = max(worst, float(d.max()))
    assert worst < 0.01, worst


def test_islands_in_geojson_and_tiles_carry_their_booking_links(chain):
    generated = json.loads((chain["district"] / "learning_islands.geojson").read_text())["features"]
    expected = {f["properties"]["id"]: f for f in generated}
    written = json.loads((chain["tiles"] / "islands.geojson").read_text())
    assert written["type"] == "FeatureCollection"
    got = {f["properties"]["id"]: f for f in written["features"]}
    assert set(got) == set(expected) and len(got) == 11
    tileset = json.loads((chain["tiles"] / "tileset.json").read_text())
    (tile, parent), = _content(tileset, "tiles/points/learning_islands")
    glb = Tile.open(chain["tiles"] / tile["content"]["uri"])
    table = glb.property_table()
    assert sorted(table["id"]) == sorted(expected)
    ecef = to_ecef(tileset, enu_of(glb))
    ids = glb.feature_ids()
    for i, iid in enumerate(table["id"]):
        props = expected[iid]["properties"]
        for key in ("booking_url", "opening_hours", "seats", "name"):
            assert got[iid]["properties"][key] == props[key], (iid, key)
            assert table[key][i] == props[key], (iid, key)
        lon, lat = expected[iid]["geometry"]["coordinates"][:2]
        assert got[iid]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-7)  # ~1 cm
        # the marker stands on the point: its lowest vertex at the island's ellipsoidal height
        pts = ecef[ids == i]
        plon, plat, ph = TO_GEO.transform(*pts[np.argmin(np.linalg.norm(pts, axis=1))])
        assert (plon, plat) == (pytest.approx(lon, abs=1e-7), pytest.approx(lat, abs=1e-7))
        assert ph == pytest.approx(got[iid]["properties"]["ellipsoidal_height"], abs=0.01)
    # islands in a school room stand on the room's floor (bim_spaces), the others on their building's ground
    floors = dict(_sql(chain["twin"], "SELECT i.id, s.floor_elevation FROM learning_islands i "
                                      "JOIN bim_spaces s ON s.global_id = i.room_id"))
    assert floors
    for iid, z in floors.items():
        assert got[iid]["properties"]["normal_height"] == pytest.approx(z, abs=1e-9)
        assert got[iid]["properties"]["height_source"] == "room floor"


def test_sensors_carry_their_latest_observation(chain):
    things = json.loads((chain["district"] / "sensors.sta.json").read_text())
    latest = {}
    for thing in things:
        stream = thing["Datastreams"][0]
        last = max(stream["Observations"], key=lambda o: o["phenomenonTime"])
        latest[thing["properties"]["deviceId"]] = (last["result"], last["phenomenonTime"],
                                                   stream["unitOfMeasurement"]["symbol"])
    written = json.loads((chain["tiles"] / "sensors.geojson").read_text())["features"]
    assert {f["properties"]["sensor_id"] for f in written} == set(latest)
    tileset = json.loads((chain["tiles"] / "tileset.json").read_text())
    (tile, _), = _content(tileset, "tiles/points/sensors")
    table = Tile.open(chain["tiles"] / tile["content"]["uri"]).property_table()
    assert sorted(table["sensor_id"]) == sorted(latest)
    for f in written:
        p = f["properties"]
        value, time, unit = latest[p["sensor_id"]]
        assert (p["latest_value"], p["latest_time"], p["unit_symbol"]) == (pytest.approx(value), time, unit)
        assert "self_link" in p
        i = table["sensor_id"].index(p["sensor_id"])
        assert (table["latest_value"][i], table["latest_time"][i], table["unit_symbol"][i]) == \
            (pytest.approx(value), time, unit)


def test_every_glb_valid_and_tileset_valid(chain, shared_data, tmp_path):
    files = []
    for i, path in enumerate(sorted((chain["tiles"] / "tiles").rglob("*.glb"))):
        files.append(path)
        tile = Tile.open(path)
        if tile.compressed:
            plain = tmp_path / f"{i}_decoded.glb"
            plain.write_bytes(tile.plain_glb())
            files.append(plain)
    result = gltf_validate(files)
    assert len(result) == len(files) >= 8
    assert not {f: r["messages"] for f, r in result.items() if r["errors"]}
    tileset = json.loads((chain["tiles"] / "tileset.json").read_text())
    assert not [e.message for e in schema_validator(shared_data, "tileset.schema.json").iter_errors(tileset)]
    # parents' errors are at least their children's; every content file is referenced once
    for tile, parent in _tiles(tileset):
        if parent is not None:
            assert parent["geometricError"] >= tile["geometricError"]
    uris = [t["content"]["uri"] for t, _ in _tiles(tileset) if "content" in t]
    on_disk = sorted(str(p.relative_to(chain["tiles"])) for p in (chain["tiles"] / "tiles").rglob("*.glb"))
    assert sorted(uris) == on_disk


def test_viewer_shows_islands_and_sensors(chain):
    html = (chain["tiles"] / "viewer" / "index.html").read_text()
    assert '"url": "../islands.geojson"' in html or '"url":"../islands.geojson"' in html
    assert "../sensors.geojson" in html and "Learning islands" in html


def test_city_model_geopackage_still_exports_without_twin_content(chain, tmp_path):
    result = export_3dtiles(chain["city"], tmp_path / "city", ExportOptions(viewer=False), CollectingReporter())
    assert not (tmp_path / "city" / "islands.geojson").exists()
    assert not list((tmp_path / "city" / "tiles").rglob("bim"))
    assert result.report["twin"]["bim_tiles"] == [] and result.report["buildings"] == BUILDINGS
    tileset = json.loads((tmp_path / "city" / "tileset.json").read_text())
    assert "transform" in tileset["root"]


def test_implicit_tiling_twin_and_b3dm(chain, shared_data, tmp_path):
    """Implicit tiling: the BIM tile hangs below the root in a group that refines only when close; 3D Tiles
    1.0 keeps the islands and sensors as GeoJSON."""
    out = tmp_path / "implicit"
    export_3dtiles(chain["twin"], out, ExportOptions(implicit=True, viewer=False, leaf_max_buildings=8),
                   CollectingReporter())
    tileset = json.loads((out / "tileset.json").read_text())
    assert not [e.message for e in schema_validator(shared_data, "tileset.schema.json").iter_errors(tileset)]
    root = tileset["root"]
    assert root["refine"] == "ADD" and "transform" in root and "implicitTiling" in root["children"][0]
    (bim, group), = _content(tileset, "tiles/bim/")
    assert group["geometricError"] == BIM_GEOMETRIC_ERROR and group in root["children"]
    assert {t["content"]["uri"] for t, p in _content(tileset, "tiles/points/")} == {
        "tiles/points/learning_islands.glb", "tiles/points/sensors.glb"}
    old = tmp_path / "b3dm"
    export_3dtiles(chain["twin"], old, ExportOptions(format="1.0", viewer=False), CollectingReporter())
    assert json.loads((old / "islands.geojson").read_text())["features"]
    assert not list(old.rglob("*.glb"))


def test_changed_islands_rewrite_only_the_islands_tile(chain, run_alg, tmp_path):
    """An incremental twin build with one island's booking link changed: re-exporting rewrites the islands'
    tile and GeoJSON only; the buildings', the BIM and the sensors' tiles stay the same files."""
    import shutil

    doc = json.loads((chain["district"] / "learning_islands.geojson").read_text())
    changed = doc["features"][3]["properties"]
    changed["booking_url"] = "https://lerninseln.karlsruhe.example/neu/" + changed["id"]
    edited = tmp_path / "learning_islands.geojson"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    islands = run_alg("geotwin:importlearningislands", {
        "INPUT": str(edited), "BUILDINGS": f"{chain['city']}|layername=footprints",
        "ROOMS": f"{chain['out'] / 'school.gpkg'}|layername=bim_spaces", "OUTPUT": str(tmp_path / "islands.gpkg")})
    twin = tmp_path / "twin.gpkg"
    shutil.copyfile(chain["twin"], twin)
    run_alg("geotwin:buildtwin", {"CITYMODEL": [str(chain["city"])], "IFC": [str(chain["out"] / "school.gpkg")],
                              "ISLANDS": [islands["OUTPUT"]], "SENSORS": [str(chain["out"] / "sensors.gpkg")],
                              "OUTPUT": str(twin)})
    out = tmp_path / "tiles"
    shutil.copytree(chain["tiles"], out)  # copy2: same bytes and mtimes
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (out / "tiles").rglob("*.glb")}
    result = run_alg("geotwin:export3dtiles", {"INPUT": str(twin), "OUTPUT": str(out)})
    assert result["REWRITTEN"] == 1 and result["REUSED"] == len(before) - 1
    report = json.loads((out / REPORT_NAME).read_text())
    assert report["incremental"]["rewritten"] == ["tiles/points/learning_islands.glb"]
    for path, (data, mtime) in before.items():
        if path.name != "learning_islands.glb":
            assert (path.read_bytes(), path.stat().st_mtime_ns) == (data, mtime), path
    glb = Tile.open(out / "tiles/points/learning_islands.glb").property_table()
    assert glb["booking_url"][glb["id"].index(changed["id"])] == changed["booking_url"]
    written = {f["properties"]["id"]: f["properties"] for f in
               json.loads((out / "islands.geojson").read_text())["features"]}
    assert written[changed["id"]]["booking_url"] == changed["booking_url"]


def test_bim_in_another_vertical_datum_is_reported(chain):
    from geotwin.twin.tiles.twin_layers import vertical_datum_warnings

    (city_vertical,), = _sql(chain["twin"], "SELECT vertical_crs FROM sources WHERE source_kind = 'citymodel'")
    (ifc_vertical,), = _sql(chain["twin"], "SELECT vertical_crs FROM sources WHERE source_kind = 'ifc'")
    assert (city_vertical, ifc_vertical) == ("EPSG:7837", "DHHN2016")  # the same datum, named two ways
    assert vertical_datum_warnings(chain["twin"], city_vertical) == []
    warnings = vertical_datum_warnings(chain["twin"], "EPSG:5783")  # as if the city model were in DHHN92
    assert len(warnings) == 1 and "school.ifc" in warnings[0] and "DHHN2016" in warnings[0]
