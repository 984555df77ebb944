"""The CesiumJS viewer in Debian's chromium, headless: the tileset loads, buildings are coloured
by function, a click on a known building shows its id, overlays show booking links and sensor
values refreshed from SensorThings. One chromium launch, localhost only, no Cesium ion."""
from __future__ import annotations

import functools
import json
import math
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pygltflib
import pytest
from pyproj import Transformer

from geotwin.twin.errors import InputError
from geotwin.twin.tiles.viewer import FUNCTION_CLASSES, OTHER_FUNCTION, cesium_base_url, write_viewer

ROOT = Path(__file__).resolve().parent.parent
CESIUM_BUILD = ROOT / "node_modules" / "cesium" / "Build" / "Cesium"
DRIVER = ROOT / "tests" / "browser" / "drive_viewer.cjs"
CHROMIUM = Path("/usr/bin/chromium")
STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"

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
ISLAND = {"east": -30.0, "north": -22.0, "id": "island-0007", "name": "Lerninsel Stadtbibliothek",
          "booking_url": "https://lerninseln.karlsruhe.de/buchen?insel=0007",
          "opening_hours": "Mo-Fr 08:00-20:00", "seats": 24}
SENSOR = {"east": 30.0, "north": -22.0, "id": "sensor-3121-pm10"}


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


def write_fixture_tileset(folder: Path) -> dict:
    """A 3D Tiles 1.1 tileset: one GLB, one feature per building (EXT_mesh_features) and a
    property table (EXT_structural_metadata), placed on an ENU frame at FZK-Haus's place."""
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
    accessors = [
        pygltflib.Accessor(bufferView=add_view(pos.tobytes(), pygltflib.ARRAY_BUFFER), componentType=pygltflib.FLOAT,
                           count=len(pos), type="VEC3", min=pos.min(0).tolist(), max=pos.max(0).tolist()),
        pygltflib.Accessor(bufferView=add_view(np.asarray(normals, np.float32).tobytes(), pygltflib.ARRAY_BUFFER),
                           componentType=pygltflib.FLOAT, count=len(normals), type="VEC3"),
        pygltflib.Accessor(bufferView=add_view(np.asarray(feature_ids, np.float32).tobytes(), pygltflib.ARRAY_BUFFER),
                           componentType=pygltflib.FLOAT, count=len(feature_ids), type="SCALAR"),
        pygltflib.Accessor(bufferView=add_view(np.asarray(indices, np.uint16).tobytes(), pygltflib.ELEMENT_ARRAY_BUFFER),
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
            attributes=pygltflib.Attributes(POSITION=0, NORMAL=1, _FEATURE_ID_0=2), indices=3, material=0,
            extensions={"EXT_mesh_features": {"featureIds": [
                {"featureCount": len(BUILDINGS), "attribute": 0, "propertyTable": 0}]}})])],
        materials=[pygltflib.Material(pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
            baseColorFactor=[1, 1, 1, 1], metallicFactor=0.0, roughnessFactor=1.0))],
        accessors=accessors, bufferViews=views, buffers=[pygltflib.Buffer(byteLength=len(blob))],
        extensionsUsed=["EXT_mesh_features", "EXT_structural_metadata"],
        extensions={"EXT_structural_metadata": {
            "schema": {"id": "geotwin", "classes": {"building": {"properties": {
                "id": {"type": "STRING"}, "function": {"type": "STRING"},
                "measured_height": {"type": "SCALAR", "componentType": "FLOAT64"},
                "storeys_above_ground": {"type": "SCALAR", "componentType": "INT32"}}}}},
            "propertyTables": [table]}},
    )
    gltf.set_binary_blob(bytes(blob))
    folder.mkdir(parents=True, exist_ok=True)
    gltf.save_binary(str(folder / "buildings.glb"))

    origin, axes = enu_frame(ORIGIN_LON, ORIGIN_LAT, GROUND_H)
    transform = np.eye(4)
    transform[:3, :3], transform[:3, 3] = axes, origin
    lo = np.array([min(b[2] - b[4] / 2 for b in BUILDINGS), min(b[3] - b[5] / 2 for b in BUILDINGS), 0.0])
    hi = np.array([max(b[2] + b[4] / 2 for b in BUILDINGS), max(b[3] + b[5] / 2 for b in BUILDINGS),
                   max(b[6] for b in BUILDINGS)])
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    box = [*centre, half[0], 0, 0, 0, half[1], 0, 0, 0, half[2]]
    tileset = {
        "asset": {"version": "1.1"}, "geometricError": 100.0,
        "root": {"transform": transform.T.ravel().tolist(), "boundingVolume": {"box": box},
                 "geometricError": 0.0, "refine": "ADD", "content": {"uri": "buildings.glb"}},
    }
    (folder / "tileset.json").write_text(json.dumps(tileset, indent=1))
    return tileset


def latest_observation(doc: dict, stream: int) -> dict:
    return max(doc["Datastreams"][stream]["Observations"], key=lambda o: o["phenomenonTime"])


class Handler(SimpleHTTPRequestHandler):
    """Static files from the site folder, and GET /sta/v1.1/Datastreams(<n>)/Observations answered
    from the real SensorThings deep-insert document ($top=1, $orderby=phenomenonTime desc)."""

    def __init__(self, *args, sta_doc: dict, **kwargs):
        self.sta_doc = sta_doc
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        match = re.fullmatch(r"/sta/v1\.1/Datastreams\((\d+)\)/Observations", url.path)
        if match is None:
            return super().do_GET()
        query = unquote(url.query)
        if "$top=1" not in query or "$orderby=phenomenonTime desc" not in query:
            self.send_error(400, "expected $top=1&$orderby=phenomenonTime desc")
            return None
        body = json.dumps({"value": [latest_observation(self.sta_doc, int(match.group(1)) - 1)]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def log_message(self, *args):
        pass


@pytest.fixture
def site_server(tmp_path, shared_data):
    """A threading HTTP server on 127.0.0.1 (free port) serving tmp_path/site, stopped afterwards."""
    site = tmp_path / "site"
    site.mkdir()
    sta_doc = json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Handler, directory=str(site), sta_doc=sta_doc))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}", sta_doc
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def function_colour(code: str) -> str:
    for _label, colour, pattern in FUNCTION_CLASSES:
        if re.fullmatch(pattern, code):
            return colour
    return OTHER_FUNCTION[1]


def test_cesium_base_url_forms(tmp_path):
    viewer_dir = tmp_path / "out" / "viewer"
    assert cesium_base_url("https://cdn.example.org/cesium/1.145/Build/Cesium/Cesium.js", viewer_dir) \
        == "https://cdn.example.org/cesium/1.145/Build/Cesium"
    assert cesium_base_url("https://cdn.example.org/Cesium/", viewer_dir) == "https://cdn.example.org/Cesium"
    assert cesium_base_url(CESIUM_BUILD, viewer_dir) == Path(
        *[".."] * len(viewer_dir.parts[1:]), *CESIUM_BUILD.parts[1:]).as_posix()
    with pytest.raises(InputError, match="no Cesium.js"):
        cesium_base_url(tmp_path, viewer_dir)


def test_viewer_in_headless_chromium(tmp_path, site_server):
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    assert (CESIUM_BUILD / "Cesium.js").exists(), "run scripts/bootstrap.sh: node_modules/cesium is missing"
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    site, base_url, sta_doc = site_server
    (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)
    out = site / "city"
    tileset = write_fixture_tileset(out)

    # Overlays: a learning island and a sensor whose stored value is the day's first observation.
    island_lon, island_lat, _ = enu_to_geodetic(ISLAND["east"], ISLAND["north"], 0.0)
    sensor_lon, sensor_lat, _ = enu_to_geodetic(SENSOR["east"], SENSOR["north"], 0.0)
    stream = sta_doc["Datastreams"][0]
    first = min(stream["Observations"], key=lambda o: o["phenomenonTime"])
    latest = latest_observation(sta_doc, 0)
    assert first["result"] != latest["result"]
    island_props = {k: v for k, v in ISLAND.items() if k not in ("east", "north")}
    sensor_props = {"id": SENSOR["id"], "name": stream["name"], "latest_value": first["result"],
                    "unit": stream["unitOfMeasurement"]["symbol"], "latest_time": first["phenomenonTime"],
                    "sta_link": f"{base_url}/sta/v1.1/Datastreams(1)"}
    for name, lon, lat, props in (("islands", island_lon, island_lat, island_props),
                                  ("sensors", sensor_lon, sensor_lat, sensor_props)):
        (out / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}]}),
            encoding="utf-8")

    index = write_viewer(out, cesium_url=site / "cesium", title="GeoTwin test district",
                         extra_layers={"Learning islands": "../islands.geojson", "Sensors": "../sensors.geojson"})
    assert index == out / "viewer" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert 'src="../../cesium/Cesium.js"' in html and "cesium.com" not in html

    known = next(b for b in BUILDINGS if b[0] == KNOWN)
    roof_lon, roof_lat, roof_h = enu_to_geodetic(known[2], known[3], known[6])
    shot = tmp_path / "viewer.png"
    job = {
        "url": f"{base_url}/city/viewer/index.html", "userDataDir": str(tmp_path / "chromium-profile"),
        "screenshot": str(shot), "timeoutMs": 120000, "waitSensorRefreshes": 1,
        "probeHeights": [{"lon": island_lon, "lat": island_lat}, {"lon": sensor_lon, "lat": sensor_lat}],
        "clicks": [
            {"name": "building", "lon": roof_lon, "lat": roof_lat, "height": roof_h,
             "screenshot": str(tmp_path / "viewer-picked.png")},
            {"name": "island", "lon": island_lon, "lat": island_lat, "height": GROUND_H, "offsetY": -22},
            {"name": "sensor", "lon": sensor_lon, "lat": sensor_lat, "height": GROUND_H, "offsetY": -22},
        ],
    }
    (tmp_path / "job.json").write_text(json.dumps(job))
    proc = subprocess.run([node, str(DRIVER), str(tmp_path / "job.json")], capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    assert proc.stdout.strip(), f"driver printed nothing; stderr:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "fatal" not in result, result.get("fatal")
    (tmp_path / "result.json").write_text(json.dumps(result, indent=1))

    load = result["load"]
    assert load["loaded"] is True and load["error"] is None, load
    assert load["statusState"] == "loaded" and load["status"].startswith("tileset loaded")
    assert load["tileCount"] == 1 and load["featureCount"] == len(BUILDINGS)
    assert result["foreignRequests"] == []  # no Cesium ion, no CDN: everything from localhost
    assert result["consoleErrors"] == [] and result["pageErrors"] == [], (result["consoleErrors"], result["pageErrors"])
    assert result["failedRequests"] == []
    # The flat globe sits at the bottom of the root bounding box: the fixture's ground.
    assert load["groundHeight"] == pytest.approx(GROUND_H, abs=0.01)
    # Overlays are clamped to that ground, not to the ellipsoid 158 m below.
    assert result["globeHeights"] == [pytest.approx(GROUND_H, abs=0.05)] * 2
    assert load["layers"] == {"Learning islands": {"count": 1}, "Sensors": {"count": 1}}
    assert [c["label"] for c in tileset_legend()] == load["legend"]

    # Buildings are coloured by function code, as the legend says.
    colours = {f["id"]: (f["function"], f["color"]) for f in result["features"]}
    assert colours == {b[0]: (b[1], function_colour(b[1])) for b in BUILDINGS}
    assert len({c for _f, c in colours.values()}) == len(FUNCTION_CLASSES) + 1

    clicks = {c["name"]: c for c in result["clicks"]}
    building = clicks["building"]
    assert building["pickedId"] == KNOWN and building["title"] == KNOWN, building
    assert building["rows"][0] == ["id", KNOWN]
    rows = dict(building["rows"])
    assert rows["function"] == known[1]
    assert float(rows["measured_height"]) == known[6]
    assert set(rows) == set(tileset_property_names())

    island = clicks["island"]
    assert island["pickedId"] == ISLAND["id"] and island["picked"]["kind"] == "island", island
    assert {"text": "Book a seat", "href": ISLAND["booking_url"]} in island["links"]
    assert "Opening hours: Mo-Fr 08:00-20:00" in island["highlights"] and "Seats: 24" in island["highlights"]

    sensor = clicks["sensor"]
    assert result["sensorRefreshes"] == 1
    assert sensor["pickedId"] == SENSOR["id"] and sensor["picked"]["kind"] == "sensor", sensor
    assert f"{latest['result']} {stream['unitOfMeasurement']['symbol']}" in sensor["highlights"]
    assert f"Measured: {latest['phenomenonTime']}" in sensor["highlights"]
    assert shot.stat().st_size > 20_000


def tileset_legend() -> list[dict]:
    return [{"label": label} for label, _c, _p in FUNCTION_CLASSES] + [{"label": OTHER_FUNCTION[0]}]


def tileset_property_names() -> list[str]:
    return ["id", "function", "measured_height", "storeys_above_ground"]
