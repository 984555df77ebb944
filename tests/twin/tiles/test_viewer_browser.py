"""The CesiumJS viewer in Debian's chromium, headless: the tileset loads, buildings are coloured
by function, a click on a known building shows its id, overlays show booking links and sensor
values refreshed from SensorThings. One chromium launch, localhost only, no Cesium ion."""
from __future__ import annotations

import functools
import json
import math
import re
import shutil
import sqlite3
import struct
import threading
import urllib.error
import urllib.request
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pygltflib
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from geotwin.tests.paths import ROOT
from geotwin.tests.sta_server import start as start_sta
from geotwin.tests.twin.tiles.browser_job import run_job
from geotwin.tests.twin.tiles.http_json import JsonAnswerHandler
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.heights import Georeferencer, resolve_height_model
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.viewer import (
    BIM_CLASSES,
    CLASS_NAMES,
    DEFAULT_CESIUM_URL,
    FUNCTION_CLASSES,
    FUNCTION_NAMES_FILE,
    MARKER_CLASSES,
    OTHER_BIM,
    OTHER_FUNCTION,
    cesium_base_url,
    write_viewer,
)

FUNCTION_NAMES = json.loads(FUNCTION_NAMES_FILE.read_text(encoding="utf-8"))["names"]
CESIUM_BUILD = ROOT / "node_modules" / "cesium" / "Build" / "Cesium"
DRIVER = ROOT / "tests" / "browser" / "drive_viewer.cjs"
CHROMIUM = Path("/usr/bin/chromium")
STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"

# FZK-Haus's documented place in Karlsruhe (IfcSite of AC20-FZK-Haus.ifc, see the data README).
ORIGIN_LON, ORIGIN_LAT = 8.436539, 49.100435
GROUND_H = 158.0  # ellipsoidal height of the fixture's ground (m)
# id, function code, east, north offset of the footprint centre (m), width (E), depth (N), height
BUILDINGS = [
    ("DEBW_FIX_0001", "31001_1000", -42.0, 0.0, 12.0, 10.0, 9.0),
    ("DEBW_FIX_0002", "31001_2000", -18.0, 0.0, 14.0, 12.0, 15.0),
    ("DEBW_FIX_0003", "31001_3000", 8.0, 0.0, 12.0, 10.0, 12.0),
    ("DEBW_FIX_0004", "1010", 32.0, 0.0, 10.0, 10.0, 7.0),
    ("DEBW_FIX_0005", "", 8.0, 32.0, 16.0, 10.0, 20.0),
    ("DEBW_FIX_0006", "31001_9998", -30.0, 30.0, 10.0, 8.0, 6.0),
    ("DEBW_FIX_0007", "51009_1610", 40.0, 30.0, 8.0, 8.0, 4.0),  # not a building function code: "Other"
]
KNOWN = "DEBW_FIX_0003"
TWIN_BUILDINGS = 24
ISLAND = {"east": -14.0, "north": -20.0, "id": "island-0007", "name": "Lerninsel Stadtbibliothek",
          "booking_url": "https://lerninseln.karlsruhe.example/buchen/island-0007",
          "opening_hours": "Mo-Fr 08:00-20:00", "seats": 24}
SENSOR = {"east": 22.0, "north": -20.0, "id": "sensor-3121-pm10"}


def enu_frame(lon: float, lat: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """ECEF origin and the 3x3 east/north/up axes (columns) at a WGS84 point."""
    origin = np.array(Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True).transform(lon, lat, h))
    lam, phi = math.radians(lon), math.radians(lat)
    east = [-math.sin(lam), math.cos(lam), 0.0]
    north = [-math.sin(phi) * math.cos(lam), -math.sin(phi) * math.sin(lam), math.cos(phi)]
    up = [math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)]
    return origin, np.array([east, north, up]).T


def enu_to_geodetic(e: float, n: float, u: float) -> tuple[float, float, float]:
    origin, axes = enu_frame(ORIGIN_LON, ORIGIN_LAT, GROUND_H)
    x, y, z = origin + axes @ np.array([e, n, u])
    return Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(x, y, z)


def box_mesh(cx, cy, w, d, h):
    """24 vertices (flat normals) and 36 indices of a box in glTF's y-up frame (x=E, y=U, z=-N)."""
    x0, x1, y0, y1 = cx - w / 2, cx + w / 2, cy - d / 2, cy + d / 2
    corners = {  # (e, n, u)
        "bottom": [(x0, y0, 0), (x0, y1, 0), (x1, y1, 0), (x1, y0, 0)],
        "top": [(x0, y0, h), (x1, y0, h), (x1, y1, h), (x0, y1, h)],
        "south": [(x0, y0, 0), (x1, y0, 0), (x1, y0, h), (x0, y0, h)],
        "north": [(x1, y1, 0), (x0, y1, 0), (x0, y1, h), (x1, y1, h)],
        "west": [(x0, y1, 0), (x0, y0, 0), (x0, y0, h), (x0, y1, h)],
        "east": [(x1, y0, 0), (x1, y1, 0), (x1, y1, h), (x1, y0, h)],
    }
    normals = {"bottom": (0, 0, -1), "top": (0, 0, 1), "south": (0, -1, 0), "north": (0, 1, 0),
               "west": (-1, 0, 0), "east": (1, 0, 0)}
    pos, nor, idx = [], [], []
    for face, quad in corners.items():
        base = len(pos)
        pos += [(e, u, -n) for e, n, u in quad]
        ne, nn, nu = normals[face]
        nor += [(ne, nu, -nn)] * 4
        idx += [base, base + 1, base + 2, base, base + 2, base + 3]
    return pos, nor, idx


def write_fixture_tileset(folder: Path, version: str = "1.1") -> dict:
    """A tileset of one tile placed on an ENU frame at FZK-Haus's place, one feature per building.

    3D Tiles 1.1: a GLB with EXT_mesh_features and an EXT_structural_metadata property table.
    3D Tiles 1.0: a b3dm whose glTF has _BATCHID and whose batch table holds the attributes.
    """
    modern = version == "1.1"
    positions, normals, feature_ids, indices = [], [], [], []
    for fid, (_id, _fn, e, n, w, d, h) in enumerate(BUILDINGS):
        pos, nor, idx = box_mesh(e, n, w, d, h)
        indices += [i + len(positions) for i in idx]
        positions += pos
        normals += nor
        feature_ids += [float(fid)] * len(pos)
    blob = bytearray()
    views: list[pygltflib.BufferView] = []

    def add_view(data: bytes, target: int | None = None) -> int:
        while len(blob) % 8:
            blob.append(0)
        views.append(pygltflib.BufferView(buffer=0, byteOffset=len(blob), byteLength=len(data), target=target))
        blob.extend(data)
        return len(views) - 1

    pos = np.asarray(positions, dtype=np.float32)
    vertex, index = pygltflib.ARRAY_BUFFER, pygltflib.ELEMENT_ARRAY_BUFFER
    accessors = [
        pygltflib.Accessor(bufferView=add_view(pos.tobytes(), vertex), componentType=pygltflib.FLOAT,
                           count=len(pos), type="VEC3", min=pos.min(0).tolist(), max=pos.max(0).tolist()),
        pygltflib.Accessor(bufferView=add_view(np.asarray(normals, np.float32).tobytes(), vertex),
                           componentType=pygltflib.FLOAT, count=len(normals), type="VEC3"),
        pygltflib.Accessor(bufferView=add_view(np.asarray(feature_ids, np.float32).tobytes(), vertex),
                           componentType=pygltflib.FLOAT, count=len(feature_ids), type="SCALAR"),
        pygltflib.Accessor(bufferView=add_view(np.asarray(indices, np.uint16).tobytes(), index),
                           componentType=pygltflib.UNSIGNED_SHORT, count=len(indices), type="SCALAR"),
    ]

    def string_property(values: list[str]) -> dict:
        encoded = [v.encode() for v in values]
        offsets = np.cumsum([0] + [len(b) for b in encoded]).astype(np.uint32)
        return {"values": add_view(b"".join(encoded)), "stringOffsets": add_view(offsets.tobytes()),
                "stringOffsetType": "UINT32"}

    table = {
        "class": "building", "count": len(BUILDINGS),
        "properties": {
            "id": string_property([b[0] for b in BUILDINGS]),
            "function": string_property([b[1] for b in BUILDINGS]),
            "measured_height": {"values": add_view(np.asarray([b[6] for b in BUILDINGS], np.float64).tobytes())},
            "storeys_above_ground": {"values": add_view(
                np.asarray([max(1, round(b[6] / 3)) for b in BUILDINGS], np.int32).tobytes())},
        },
    }
    while len(blob) % 8:
        blob.append(0)
    gltf = pygltflib.GLTF2(
        asset=pygltflib.Asset(version="2.0", generator="GeoTwin viewer test fixture"),
        scene=0, scenes=[pygltflib.Scene(nodes=[0])], nodes=[pygltflib.Node(mesh=0)],
        meshes=[pygltflib.Mesh(primitives=[pygltflib.Primitive(
            attributes=(pygltflib.Attributes(POSITION=0, NORMAL=1, _FEATURE_ID_0=2) if modern
                        else pygltflib.Attributes(POSITION=0, NORMAL=1, _BATCHID=2)),
            indices=3, material=0,
            extensions={"EXT_mesh_features": {"featureIds": [
                {"featureCount": len(BUILDINGS), "attribute": 0, "propertyTable": 0}]}} if modern else {})])],
        materials=[pygltflib.Material(pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
            baseColorFactor=[1, 1, 1, 1], metallicFactor=0.0, roughnessFactor=1.0))],
        accessors=accessors, bufferViews=views, buffers=[pygltflib.Buffer(byteLength=len(blob))],
        extensionsUsed=["EXT_mesh_features", "EXT_structural_metadata"] if modern else [],
        extensions={} if not modern else {"EXT_structural_metadata": {
            "schema": {"id": "geotwin", "classes": {"building": {"properties": {
                "id": {"type": "STRING"}, "function": {"type": "STRING"},
                "measured_height": {"type": "SCALAR", "componentType": "FLOAT64"},
                "storeys_above_ground": {"type": "SCALAR", "componentType": "INT32"}}}}},
            "propertyTables": [table]}},
    )
    if not modern:  # the property table's views are not needed: the batch table holds the attributes
        gltf.bufferViews = views[:4]
        blob = blob[:views[3].byteOffset + views[3].byteLength]
        gltf.buffers[0].byteLength = len(blob)
    gltf.set_binary_blob(bytes(blob))
    folder.mkdir(parents=True, exist_ok=True)
    content = "buildings.glb" if modern else "buildings.b3dm"
    if modern:
        gltf.save_binary(str(folder / content))
    else:
        batch_table = {"id": [b[0] for b in BUILDINGS], "function": [b[1] for b in BUILDINGS],
                       "measured_height": [b[6] for b in BUILDINGS],
                       "storeys_above_ground": [max(1, round(b[6] / 3)) for b in BUILDINGS]}
        (folder / content).write_bytes(b3dm(b"".join(gltf.save_to_bytes()), len(BUILDINGS), batch_table))

    origin, axes = enu_frame(ORIGIN_LON, ORIGIN_LAT, GROUND_H)
    transform = np.eye(4)
    transform[:3, :3], transform[:3, 3] = axes, origin
    lo = np.array([min(b[2] - b[4] / 2 for b in BUILDINGS), min(b[3] - b[5] / 2 for b in BUILDINGS), 0.0])
    hi = np.array([max(b[2] + b[4] / 2 for b in BUILDINGS), max(b[3] + b[5] / 2 for b in BUILDINGS),
                   max(b[6] for b in BUILDINGS)])
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    box = [*centre, half[0], 0, 0, 0, half[1], 0, 0, 0, half[2]]
    tileset = {
        "asset": {"version": version}, "geometricError": 100.0,
        "root": {"transform": transform.T.ravel().tolist(), "boundingVolume": {"box": box},
                 "geometricError": 0.0, "refine": "ADD", "content": {"uri": content}},
    }
    (folder / "tileset.json").write_text(json.dumps(tileset, indent=1))
    return tileset


def b3dm(glb: bytes, batch_length: int, batch_table: dict) -> bytes:
    """A Batched 3D Model tile (3D Tiles 1.0) with JSON feature and batch tables, 8-byte aligned."""
    def padded(document: dict, offset: int) -> bytes:
        text = json.dumps(document).encode()
        return text + b" " * (-(offset + len(text)) % 8)

    feature_json = padded({"BATCH_LENGTH": batch_length}, 28)
    batch_json = padded(batch_table, 28 + len(feature_json))
    total = 28 + len(feature_json) + len(batch_json) + len(glb)
    header = struct.pack("<4sIIIIII", b"b3dm", 1, total, len(feature_json), 0, len(batch_json), 0)
    return header + feature_json + batch_json + glb


def latest_observation(doc: dict, stream: int) -> dict:
    return max(doc["Datastreams"][stream]["Observations"], key=lambda o: o["phenomenonTime"])


class Handler(JsonAnswerHandler):
    """Static files from the site folder; /FROST-Server/... is passed on to the SensorThings replay
    server (as a reverse proxy on the viewer's host would)."""

    def __init__(self, *args, sta_root: str, **kwargs):
        self.sta_root = sta_root
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802 (http.server's name)
        if not self.path.startswith("/FROST-Server/"):
            return super().do_GET()
        try:
            with urllib.request.urlopen(self.sta_root + self.path[len("/FROST-Server"):], timeout=30) as answer:
                status, body = answer.status, answer.read()
        except urllib.error.HTTPError as err:
            status, body = err.code, err.read()
        self.send_json(body, status)
        return None


@pytest.fixture
def site_server(tmp_path, shared_data):
    """A threading HTTP server on 127.0.0.1 (free port) serving tmp_path/site, with the real
    sensor.community station-day in a SensorThings replay server behind it; both stopped afterwards."""
    site = tmp_path / "site"
    site.mkdir()
    sta = start_sta([shared_data / STA_DOC])
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site), sta_root=sta.root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}", sta
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        sta.stop()


def function_colour(code: str) -> str:
    for _label, colour, pattern in FUNCTION_CLASSES:
        if re.fullmatch(pattern, code):
            return colour
    return OTHER_FUNCTION[1]


def bim_colour(ifc_class: str) -> tuple[str, float]:
    """The legend's colour and opacity of an IFC class."""
    for _label, colour, alpha, classes in BIM_CLASSES:
        if ifc_class in classes:
            return colour, alpha
    return OTHER_BIM[1], 1.0


def number_text(value: float, digits: int | None = None) -> str:
    """A number as the viewer writes it in English (Intl.NumberFormat en-GB: half away from zero,
    3 significant digits below 1, 2 decimals below 100, 1 below 1000, none above; grouped thousands)."""
    if digits is None:
        a = abs(value)
        digits = 0 if float(value).is_integer() or a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP).normalize()
    grouping = "," if abs(value) >= 10000 else ""
    return format(rounded, f"{grouping}f") if rounded != rounded.to_integral() else format(int(rounded), grouping)


def value_text(value: float, unit: str) -> str:
    """A sensor value as the viewer writes it (rounded; unit "1" is a count)."""
    return number_text(value) + ("" if unit in ("1", "", None) else f"\u00a0{unit}")


def time_text(iso: str) -> str:
    """A time as the viewer writes it in English: Europe/Berlin, dd/mm/yyyy, HH:MM CET/CEST."""
    local = datetime.fromisoformat(iso.split("/")[-1].replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Berlin"))
    return local.strftime("%d/%m/%Y, %H:%M ") + ("CEST" if local.dst() else "CET")


def function_text(code: str) -> str:
    """A building function as the viewer shows it: the AdV name and the code."""
    name = FUNCTION_NAMES.get(code.removeprefix("31001_"))
    return f"{name} ({code})" if name else code


def test_default_cesium_is_the_tested_version():
    tested = json.loads((ROOT / "package.json").read_text())["devDependencies"]["cesium"]
    major, minor, _patch = tested.split(".")
    release = f"https://cesium.com/downloads/cesiumjs/releases/{major}.{minor}"
    assert DEFAULT_CESIUM_URL == f"{release}/Build/Cesium/Cesium.js"


def test_cesium_base_url_forms(tmp_path):
    viewer_dir = tmp_path / "out" / "viewer"
    assert cesium_base_url("https://cdn.example.org/cesium/1.145/Build/Cesium/Cesium.js", viewer_dir) \
        == "https://cdn.example.org/cesium/1.145/Build/Cesium"
    assert cesium_base_url("https://cdn.example.org/Cesium/", viewer_dir) == "https://cdn.example.org/Cesium"
    local = cesium_base_url(CESIUM_BUILD, viewer_dir)
    assert not Path(local).is_absolute() and "\\" not in local
    viewer_dir.mkdir(parents=True)
    assert (viewer_dir / local).resolve() == CESIUM_BUILD.resolve()
    with pytest.raises(InputError, match="no Cesium.js"):
        cesium_base_url(tmp_path, viewer_dir)


def write_overlays(out: Path, base_url: str, sta_doc: dict, datastream_link: str) -> dict:
    """A learning island and a sensor (its stored value: the day's first real observation)."""
    island_lon, island_lat, _ = enu_to_geodetic(ISLAND["east"], ISLAND["north"], 0.0)
    sensor_lon, sensor_lat, _ = enu_to_geodetic(SENSOR["east"], SENSOR["north"], 0.0)
    stream = sta_doc["Datastreams"][0]
    first = min(stream["Observations"], key=lambda o: o["phenomenonTime"])
    island_props = {k: v for k, v in ISLAND.items() if k not in ("east", "north")}
    # Field names of the twin's sensors layer (twin/kernel/schema/sensors.py).
    sensor_props = {"sensor_key": SENSOR["id"], "sensor_name": stream["name"], "latest_value": first["result"],
                    "unit_symbol": stream["unitOfMeasurement"]["symbol"], "latest_time": first["phenomenonTime"],
                    "self_link": datastream_link}
    for name, lon, lat, props in (("islands", island_lon, island_lat, island_props),
                                  ("sensors", sensor_lon, sensor_lat, sensor_props)):
        (out / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}]}),
            encoding="utf-8")
    return {"island": (island_lon, island_lat), "sensor": (sensor_lon, sensor_lat), "first": first}


def hamburg_export(shared_data: Path, tmp_path: Path, site: Path) -> dict:
    """The Hamburg LoD2 tile through GeoTwin's importer and 3D Tiles exporter (which writes the
    viewer), and a known building: of the larger half of those without parts the one nearest the
    tile's centre (where the viewer looks), with its roof point in WGS 84."""
    gpkg = tmp_path / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], gpkg, None, "2", CollectingReporter())
    export_3dtiles(gpkg, site / "hamburg", ExportOptions(cesium_url=str(site / "cesium")), CollectingReporter())
    export_3dtiles(gpkg, site / "hamburg-implicit", ExportOptions(cesium_url=str(site / "cesium"), implicit=True,
                                                                 leaf_max_buildings=20), CollectingReporter())
    rows = pyogrio.read_dataframe(gpkg, layer="buildings")
    source = pyogrio.read_dataframe(gpkg, layer="sources", read_geometry=False).iloc[0]
    parents = set(rows["parent_id"].dropna())
    whole = rows[(rows["object_class"] == "Building") & ~rows["id"].isin(parents)].copy()
    footprints = whole.geometry.apply(lambda g: shapely.force_2d(g).buffer(0))
    large = footprints[footprints.area >= footprints.area.median()]
    centre = shapely.MultiPoint(list(footprints.centroid)).centroid
    best = whole.loc[large.centroid.distance(centre).idxmin()]
    inside = footprints.loc[best.name].representative_point()
    geo = Georeferencer(source["horizontal_crs"], resolve_height_model(
        source["horizontal_crs"], source["vertical_crs"] or None, "auto", reporter=CollectingReporter()))
    lon, lat, h = geo.to_geographic(inside.x, inside.y, best["roof_height"])
    extras = json.loads((site / "hamburg" / "tileset.json").read_text())["asset"]["extras"]
    return {"id": best["id"], "function": best["function"], "lon": float(lon), "lat": float(lat), "height": float(h),
            "functions": dict(zip(rows["id"], rows["function"])), "parents": dict(zip(rows["id"], rows["parent_id"])),
            "height_model": extras["geotwin"]["heightModel"]}


def test_write_viewer_files_and_config(tmp_path):
    """The page's embedded configuration survives hostile text; a rewrite replaces the viewer."""
    title = 'Bürgerbüro </script><b>"&'
    index = write_viewer(tmp_path, title=title, cesium_url="https://cdn.example.org/Cesium/Cesium.js",
                         extra_layers={"Sensors </script>": "../sensors.geojson"}, ground_height=112.5)
    assert sorted(p.name for p in (tmp_path / "viewer").iterdir()) == ["index.html", "live_chart.js", "viewer.css",
                                                                       "viewer.js"]
    html = index.read_text(encoding="utf-8")
    assert html.count("</script>") == 5  # config, base-URL setter, Cesium.js, live_chart.js, viewer.js: nothing injected
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>', html, re.S).group(1))
    assert config["title"] == title and config["tilesetUrl"] == "../tileset.json"
    assert config["cesiumBaseUrl"] == "https://cdn.example.org/Cesium" and config["groundHeight"] == 112.5
    assert config["layers"] == [{"name": "Sensors </script>", "url": "../sensors.geojson"}]
    assert '<script src="https://cdn.example.org/Cesium/Cesium.js"></script>' in html
    assert "<title>Bürgerbüro &lt;/script&gt;&lt;b&gt;&quot;&amp;</title>" in html
    write_viewer(tmp_path, title="second")
    assert "<title>second</title>" in index.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["viewer"]  # no temporary folder left behind


def sample_district_export(tmp_path: Path, site: Path) -> dict:
    """GeoTwin's generated sample district (20 buildings, its learning islands) imported and exported
    to 3D Tiles; the viewer rewritten with the islands as an overlay. Returns the most isolated island."""
    district = generate_district(tmp_path / "district", buildings=20, seed=0, formats=("citygml", "islands"))
    gpkg = tmp_path / "district.gpkg"
    import_citymodel([tmp_path / "district" / district.files["citygml"]], gpkg, None, "2", CollectingReporter())
    out = site / "district"
    export_3dtiles(gpkg, out, ExportOptions(cesium_url=str(site / "cesium")), CollectingReporter())
    shutil.copyfile(tmp_path / "district" / district.files["islands"], out / "learning_islands.geojson")
    write_viewer(out, cesium_url=site / "cesium", title="GeoTwin sample district",
                 extra_layers={"Learning islands": "../learning_islands.geojson"})
    features = json.loads((out / "learning_islands.geojson").read_text(encoding="utf-8"))["features"]
    points = np.array([f["geometry"]["coordinates"][:2] for f in features])
    lat_scale = np.array([math.cos(math.radians(points[0, 1])), 1.0])
    gaps = np.linalg.norm((points[:, None] - points[None]) * lat_scale, axis=2) + np.eye(len(points)) * 1e9
    chosen = features[int(gaps.min(axis=1).argmax())]
    return {"count": len(features), "island": chosen}


def twin_export(district_sources, run_alg, tmp_path: Path, site: Path) -> dict:
    """The full twin of a small generated district (city model, IFC school, learning islands, sensors)
    built by geotwin:buildtwin and exported to 3D Tiles with the local CesiumJS."""
    src = tmp_path / "twin"
    inputs = district_sources(src, TWIN_BUILDINGS)
    twin = run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(src / "twin.gpkg")})
    out = site / "twin"
    export_3dtiles(Path(twin["OUTPUT"]), out, ExportOptions(cesium_url=str(site / "cesium")), CollectingReporter())
    return {"gpkg": Path(twin["OUTPUT"]), "out": out}


def twin_targets(gpkg: Path) -> dict:
    """WGS 84 positions (ellipsoidal heights through the city model's height model) of the school (its BIM
    building), the centre of its southern outer wall, and a learning island and a sensor of the twin."""
    source = pyogrio.read_dataframe(gpkg, layer="sources", read_geometry=False).iloc[0]
    geo = Georeferencer(source["horizontal_crs"], resolve_height_model(
        source["horizontal_crs"], source["vertical_crs"] or None, "auto", reporter=CollectingReporter()))

    def geographic(x: float, y: float, z: float) -> list[float]:
        return [float(v) for v in geo.to_geographic(x, y, z)]

    with sqlite3.connect(gpkg) as con:
        school, bim_id = con.execute("SELECT twin_building_id, bim_building_id FROM conflation_report "
                                     "WHERE status = 'matched'").fetchone()
    elements = pyogrio.read_dataframe(gpkg, layer="bim_elements")
    elements = elements[elements["building_global_id"] == bim_id]
    walls = elements[elements["ifc_class"] == "IfcWall"]
    xyz = [shapely.get_coordinates(g, include_z=True) for g in walls.geometry]
    # the outer wall that reaches furthest south, where the camera stands
    south = min(range(len(walls)), key=lambda i: (round(xyz[i][:, 1].min(), 1), -np.ptp(xyz[i][:, 0])))
    wall = walls.iloc[south]
    everything = np.vstack([shapely.get_coordinates(g, include_z=True) for g in elements.geometry])
    centre = (everything.min(0) + everything.max(0)) / 2
    islands = pyogrio.read_dataframe(gpkg, layer="learning_islands")
    sensors = pyogrio.read_dataframe(gpkg, layer="sensors")
    return {"school": school, "bim_id": bim_id, "centre": geographic(*centre),
            "wall": {"global_id": wall["global_id"], "name": wall["name"],
                     "position": geographic(*xyz[south].mean(0))},
            "islands": islands, "sensors": sensors, "geo": geo}


def test_viewer_in_headless_chromium(tmp_path, site_server, shared_data, run_alg, district_sources):
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    assert (CESIUM_BUILD / "Cesium.js").exists(), "run scripts/bootstrap.sh: node_modules/cesium is missing"
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    site, base_url, sta = site_server
    sta_doc = json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))
    stream = sta_doc["Datastreams"][0]
    with urllib.request.urlopen(f"{sta.base_url()}/Datastreams?$select=id,name", timeout=30) as answer:
        ids = {d["name"]: d["@iot.id"] for d in json.load(answer)["value"]}
    datastream_link = f"{base_url}/FROST-Server/v1.1/Datastreams({ids[stream['name']]})"
    (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)

    # 3D Tiles 1.1 (GLB + EXT_structural_metadata) with overlays; 3D Tiles 1.0 (b3dm + batch table).
    out = site / "city"
    write_fixture_tileset(out, "1.1")
    overlays = write_overlays(out, base_url, sta_doc, datastream_link)
    index = write_viewer(out, cesium_url=site / "cesium", title="GeoTwin test district",
                         extra_layers={"Learning islands": "../islands.geojson", "Sensors": "../sensors.geojson"})
    assert index == out / "viewer" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert 'src="../../cesium/Cesium.js"' in html and "cesium.com" not in html
    out10 = site / "city10"
    write_fixture_tileset(out10, "1.0")
    write_viewer(out10, cesium_url=site / "cesium", title="GeoTwin 3D Tiles 1.0")
    # The real exporter on real data: Hamburg's LoD2 tile, 3D Tiles 1.1 with meshopt compression.
    hamburg = hamburg_export(shared_data, tmp_path, site)
    assert (site / "hamburg" / "viewer" / "index.html").exists()
    # The generated sample district with its learning islands.
    district = sample_district_export(tmp_path, site)
    island_props = district["island"]["properties"]
    district_lon, district_lat = district["island"]["geometry"]["coordinates"][:2]
    # The full twin of a small district: the school's BIM detail, island and sensor markers and points.
    twin = twin_export(district_sources, run_alg, tmp_path, site)
    targets = twin_targets(twin["gpkg"])
    twin_islands = json.loads((twin["out"] / "islands.geojson").read_text(encoding="utf-8"))["features"]
    twin_sensors = json.loads((twin["out"] / "sensors.geojson").read_text(encoding="utf-8"))["features"]
    # the island in the school whose pin stands furthest from every other point
    others = np.array([f["geometry"]["coordinates"] for f in twin_islands + twin_sensors])
    in_school = [f for f in twin_islands if f["properties"]["building_id"] == targets["school"]]
    twin_island = max(in_school, key=lambda f: np.sort(np.linalg.norm(
        (others - f["geometry"]["coordinates"]) * [math.cos(math.radians(49)), 1.0], axis=1))[1])
    # a sensor in the open (linked to no building) if there is one: its marker is not hidden by a wall
    twin_sensor = min(twin_sensors, key=lambda f: f["properties"]["link_type"] != "none")
    marker_lon, marker_lat = twin_sensor["geometry"]["coordinates"]
    marker_h = twin_sensor["properties"]["ellipsoidal_height"]
    # A viewer whose tileset is missing must say so, naming the URL.
    write_viewer(site / "broken", tileset_url="../no-such-tileset.json", cesium_url=site / "cesium")

    known = next(b for b in BUILDINGS if b[0] == KNOWN)
    roof_lon, roof_lat, roof_h = enu_to_geodetic(known[2], known[3], known[6])
    building_click = {"name": "building", "lon": roof_lon, "lat": roof_lat, "height": roof_h}
    (island_lon, island_lat), (sensor_lon, sensor_lat) = overlays["island"], overlays["sensor"]
    shot, shot10 = tmp_path / "viewer.png", tmp_path / "viewer-1.0.png"
    hamburg_click = {"name": "building", "lon": hamburg["lon"], "lat": hamburg["lat"], "height": hamburg["height"],
                     "scanId": hamburg["id"], "scanRadius": 40}
    job = {
        "origin": base_url, "userDataDir": str(tmp_path / "chromium-profile"), "timeoutMs": 120000,
        "pages": [
            {"url": f"{base_url}/city/viewer/index.html", "screenshot": str(shot), "waitSensorRefreshes": 1,
             "clicks": [
                 {**building_click, "screenshot": str(tmp_path / "viewer-picked.png")},
                 # pins stand on their point: click 22 px above it, inside the 40 px pin
                 {"name": "island", "lon": island_lon, "lat": island_lat, "height": GROUND_H, "offsetY": -22},
                 {"name": "sensor", "lon": sensor_lon, "lat": sensor_lat, "height": GROUND_H, "offsetY": -22},
             ]},
            {"url": f"{base_url}/city10/viewer/index.html", "screenshot": str(shot10), "clicks": [building_click]},
            {"url": f"{base_url}/hamburg/viewer/index.html", "screenshot": str(tmp_path / "hamburg.png"),
             "clicks": [hamburg_click]},
            {"url": f"{base_url}/hamburg-implicit/viewer/index.html", "clicks": [hamburg_click]},
            {"url": f"{base_url}/district/viewer/index.html", "screenshot": str(tmp_path / "district.png"),
             "clicks": [{"name": "island", "lon": district_lon, "lat": district_lat, "height": None, "offsetY": -22,
                         "scanId": island_props["id"], "scanRadius": 24}]},
            {"url": f"{base_url}/twin/viewer/index.html", "screenshot": str(tmp_path / "twin.png"),
             "view": {"lon": targets["centre"][0], "lat": targets["centre"][1], "height": targets["centre"][2],
                      "heading": 0, "pitch": -25, "range": 70, "screenshot": str(tmp_path / "twin-bim.png")},
             "clicks": [
                 {"name": "wall", "lon": targets["wall"]["position"][0], "lat": targets["wall"]["position"][1],
                  "height": targets["wall"]["position"][2], "scanId": targets["wall"]["global_id"], "scanRadius": 30,
                  "screenshot": str(tmp_path / "twin-wall.png")},
                 {"name": "island", "lon": twin_island["geometry"]["coordinates"][0],
                  "lat": twin_island["geometry"]["coordinates"][1],
                  "height": twin_island["properties"]["ellipsoidal_height"], "offsetY": -22,
                  "scanId": twin_island["properties"]["id"], "scanRadius": 24},
                 # the sensor's marker in the tileset (an octahedron of 0.5 m radius), seen from close by
                 {"name": "sensor marker", "lon": marker_lon, "lat": marker_lat, "height": marker_h + 0.5,
                  "view": {"lon": marker_lon, "lat": marker_lat, "height": marker_h, "heading": 0, "pitch": -50,
                           "range": 15},
                  "hideOverlays": True, "scanTilesOnly": True, "scanId": twin_sensor["properties"]["sensor_key"],
                  "scanRadius": 40, "screenshot": str(tmp_path / "twin-sensor.png")},
             ]},
            {"url": f"{base_url}/broken/viewer/index.html"},
        ],
    }
    # 7 pages in one chromium launch: about 2 minutes on an idle machine, 5 or more when it is shared
    result = run_job(node, DRIVER, job, tmp_path, timeout=480)
    assert result["foreignRequests"] == []  # no Cesium ion, no CDN: everything from localhost
    page11, page10, page_hh, page_implicit, page_district, page_twin, broken = result["pages"]

    for page, pins in ((page11, True), (page10, False)):
        load = page["load"]
        assert load["loaded"] is True and load["error"] is None, load
        assert load["statusState"] == "loaded" and load["status"].startswith("tileset loaded")
        assert load["tileCount"] == 1 and load["featureCount"] == len(BUILDINGS)
        assert page["consoleErrors"] == [] and page["pageErrors"] == [], (page["consoleErrors"], page["pageErrors"])
        assert page["failedRequests"] == []
        # The flat globe sits at the bottom of the root bounding box: the fixture's ground.
        assert load["groundHeight"] == pytest.approx(GROUND_H, abs=0.01)
        assert load["heights"] is None  # the fixture names no height model
        # the points' legend comes with the overlay pins (1.1: an island and a sensor; 1.0: none)
        assert load["legend"] == ([label for label, _c, _p in FUNCTION_CLASSES] + [OTHER_FUNCTION[0]]
                                  + ([c[0] for c in MARKER_CLASSES] if pins else []))
        # Buildings are coloured by function code, as the legend says.
        colours = {f["id"]: (f["function"], f["color"]) for f in page["features"]}
        assert colours == {b[0]: (b[1], function_colour(b[1])) for b in BUILDINGS}
        assert len({c for _f, c in colours.values()}) == len(FUNCTION_CLASSES) + 1
        # A click on the known building's roof shows its id and every attribute, id first.
        building = page["clicks"][0]
        assert building["pickedId"] == KNOWN and building["title"] == KNOWN, building
        assert building["rows"][0] == ["ID", KNOWN]
        rows = dict(building["rows"])
        assert set(rows) == {"ID", "Function", "Height", "Storeys above ground"}
        assert rows["Function"] == function_text(known[1]) and rows["Height"] == f"{known[6]:g}\u00a0m"
        assert int(rows["Storeys above ground"]) == round(known[6] / 3)

    # Overlay points stand on the ground, not on the ellipsoid 158 m below.
    assert page11["overlays"] == {
        "Learning islands": [[pytest.approx(island_lon, abs=1e-9), pytest.approx(island_lat, abs=1e-9),
                              pytest.approx(GROUND_H, abs=0.01)]],
        "Sensors": [[pytest.approx(sensor_lon, abs=1e-9), pytest.approx(sensor_lat, abs=1e-9),
                     pytest.approx(GROUND_H, abs=0.01)]]}
    assert page11["load"]["layers"] == {"Learning islands": {"count": 1}, "Sensors": {"count": 1}}
    assert [c["covered"] for c in page11["clicks"]] == [False] * 3  # no panel over the targets
    island = page11["clicks"][1]
    assert island["pickedId"] == ISLAND["id"] and island["picked"]["kind"] == "island", island
    assert {"text": "Book a seat", "href": ISLAND["booking_url"]} in island["links"]
    assert "Opening hours: Mo-Fr 08:00-20:00" in island["highlights"] and "Seats: 24" in island["highlights"]
    # The sensor shows the latest observation of the SensorThings data stream, not its stored value.
    latest = latest_observation(sta_doc, 0)
    assert latest["result"] != overlays["first"]["result"]
    sensor = page11["clicks"][2]
    assert page11["sensorRefreshes"] == 1
    observations = f"/FROST-Server/v1.1/Datastreams({ids[stream['name']]})/Observations"
    assert [r for r in sta.requests if "/Observations?$top=1&" in r] == [
        f"{observations}?$top=1&$orderby=phenomenonTime%20desc&$select=result,phenomenonTime"]
    # any other: the info box's chart (live_chart.js, tests/twin/tiles/test_viewer_live_chart.py)
    assert all(r == f"{observations}?$orderby=phenomenonTime%20desc&$top=1000&$select=phenomenonTime,result"
               for r in sta.requests if "/Observations" in r and "/Observations?$top=1&" not in r), sta.requests
    assert sensor["pickedId"] == SENSOR["id"] and sensor["picked"]["kind"] == "sensor", sensor
    assert sensor["title"] == stream["name"]
    assert value_text(latest["result"], stream["unitOfMeasurement"]["symbol"]) in sensor["highlights"]
    assert f"Measured: {time_text(latest['phenomenonTime'])}" in sensor["highlights"]
    assert shot.stat().st_size > 20_000 and shot10.stat().st_size > 20_000

    # Hamburg (explicit and implicit tiling): every loaded building coloured by its real function
    # code; a click on the known building shows its id first and its attributes.
    for page in (page_hh, page_implicit):
        load = page["load"]
        assert load["loaded"] is True and load["error"] is None, load
        assert load["tileCount"] > 0 and load["featureCount"] > 0
        assert page["consoleErrors"] == [] and page["pageErrors"] == [] and page["failedRequests"] == []
        assert page["features"], "no building feature loaded"
        parts = 0
        for feature in page["features"]:
            # a building part without a function of its own takes its parent building's colour
            code = hamburg["functions"][feature["id"]]
            if not code and hamburg["parents"][feature["id"]]:
                code, parts = hamburg["functions"][hamburg["parents"][feature["id"]]], parts + 1
            assert feature["color"] == function_colour(code or ""), feature
        assert parts > 0  # Hamburg's parts carry no function: the case is exercised
        assert load["heights"] == (f"Heights: {hamburg['height_model']['description']} "
                                   f"(expected error \u00b1{hamburg['height_model']['expectedErrorMetres']} m)")
        click = page["clicks"][0]
        assert click["scan"] is not None, f"building {hamburg['id']} not found on screen near its roof point"
        assert click["pickedId"] == hamburg["id"] and click["rows"][0] == ["ID", hamburg["id"]], click
        assert dict(click["rows"])["Function"] == function_text(hamburg["function"])
        # a missing string (parent_id of a whole building: the table's noData) is no row, never a NUL character
        assert not hamburg["parents"][hamburg["id"]] and "Part of" not in dict(click["rows"])
        assert not [r for r in click["rows"] if "\u0000" in str(r[1]) or r[1] in ("", None)], click["rows"]

    # Sample district: a click on a generated learning island shows its booking link, hours, seats.
    load = page_district["load"]
    assert load["loaded"] is True and load["featureCount"] > 0, load
    assert page_district["consoleErrors"] == [] and page_district["pageErrors"] == []
    assert load["layers"] == {"Learning islands": {"count": district["count"]}}
    click = page_district["clicks"][0]
    assert click["scan"] is not None and not click["covered"], click
    assert click["pickedId"] == island_props["id"] and click["picked"]["kind"] == "island", click
    assert {"text": "Book a seat", "href": island_props["booking_url"]} in click["links"]
    assert f"Opening hours: {island_props['opening_hours']}" in click["highlights"]
    assert f"Seats: {island_props['seats']}" in click["highlights"]

    # The full twin: the school's BIM elements replace its LoD2 shell close up, coloured by IFC class.
    load = page_twin["load"]
    assert load["loaded"] is True and load["error"] is None, load
    assert page_twin["consoleErrors"] == [] and page_twin["pageErrors"] == [] and page_twin["failedRequests"] == []
    assert load["layers"] == {"Learning islands": {"count": len(twin_islands)}, "Sensors": {"count": len(twin_sensors)}}
    view = page_twin["view"]
    assert view["bimVisible"] == [targets["bim_id"]], view["bimVisible"]
    with sqlite3.connect(twin["gpkg"]) as con:
        elements = dict(con.execute("SELECT global_id, ifc_class FROM bim_elements WHERE building_global_id = ? "
                                    "AND geom IS NOT NULL", (targets["bim_id"],)).fetchall())
        islands_db = dict(con.execute("SELECT id, booking_url FROM learning_islands").fetchall())
        sensors_db = {k: (v, u, t) for k, v, u, t in con.execute(
            "SELECT sensor_key, latest_value, unit_symbol, latest_time FROM sensors").fetchall()}
    bim_seen = {f["id"]: f for f in view["features"] if f.get("ifc_class")}
    assert {g: f["ifc_class"] for g, f in bim_seen.items()} == elements
    for f in bim_seen.values():
        colour, alpha = bim_colour(f["ifc_class"])
        assert (f["color"][:7], f["alpha"], f["styleShow"]) == (colour, alpha, alpha > 0), f
    school = [f for f in view["features"] if f["id"] == targets["school"]]
    assert len(school) == 1 and school[0]["show"] is False, school  # the shell is hidden while BIM shows
    marker_colours = {kind: colour for _l, colour, kind in MARKER_CLASSES}
    markers = {f["id"]: f["color"] for f in view["features"] if f["id"] in islands_db or f["id"] in sensors_db}
    assert markers == {**{i: marker_colours["island"] for i in islands_db},
                       **{k: marker_colours["sensor"] for k in sensors_db}}
    assert view["legend"] == ([label for label, _c, _p in FUNCTION_CLASSES] + [OTHER_FUNCTION[0]]
                              + [c[0] for c in BIM_CLASSES] + [OTHER_BIM[0]] + [c[0] for c in MARKER_CLASSES])
    wall, island, sensor = page_twin["clicks"]
    assert wall["scan"] is not None and not wall["covered"], wall
    assert wall["pickedId"] == targets["wall"]["global_id"] and wall["picked"]["kind"] == "bim", wall
    wall_name = CLASS_NAMES["IfcWall"][0]  # the IFC class by name (English page), its code beside it
    assert wall["rows"][:2] == [["GlobalId", targets["wall"]["global_id"]], ["IFC class", f"{wall_name} (IfcWall)"]]
    assert dict(wall["rows"])["Name"] == targets["wall"]["name"]
    assert wall["title"] == f"{wall_name} \u00b7 {targets['wall']['name']}"
    island_id = twin_island["properties"]["id"]
    assert island["scan"] is not None and not island["covered"], island
    assert island["pickedId"] == island_id and island["picked"]["kind"] == "island", island
    assert {"text": "Book a seat", "href": islands_db[island_id]} in island["links"]
    key = twin_sensor["properties"]["sensor_key"]
    value, unit, when = sensors_db[key]
    assert sensor["scan"] is not None and not sensor["covered"], sensor
    assert sensor["pickedId"] == key and sensor["picked"]["kind"] == "sensor", sensor
    assert value_text(value, unit) in sensor["highlights"] and f"Measured: {time_text(when)}" in sensor["highlights"], sensor

    assert broken["load"]["loaded"] is False and broken["load"]["statusState"] == "error"
    assert "../no-such-tileset.json" in broken["load"]["status"], broken["load"]
    assert [r.endswith("/broken/no-such-tileset.json HTTP 404") for r in broken["failedRequests"]] == [True]
