"""The web map in headless chromium (Debian's, driven by playwright-core): offline with the CesiumJS
copy the export carries (every non-loopback request aborted), German and English, ALKIS function
names, decimal comma, local time, stale values, phone layout, a basemap from a local XYZ server,
sensor charts (series.json) and island availability (availability.json). One chromium launch."""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import struct
import threading
import zlib
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from geotwin.tests.paths import ROOT  # noqa: E402
from geotwin.tests.twin.tiles.browser_job import run_job
from geotwin.tests.twin.tiles.test_viewer_browser import (
    BUILDINGS,
    CESIUM_BUILD,
    CHROMIUM,
    GROUND_H,
    HAMBURG,
    KNOWN,
    enu_to_geodetic,
    hamburg_export,
    write_fixture_tileset,
)
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.viewer import (
    BASEMAP_DE,
    CESIUM_PARTS,
    CLASS_NAMES,
    FUNCTION_NAMES_FILE,
    LINK_TYPE_NAMES,
    ROOF_TYPE_NAMES_FILE,
    Basemap,
    basemap_config,
    cesium_build_dir,
    write_viewer,
)

DRIVER = ROOT / "tests" / "browser" / "webmap.cjs"
SCREENSHOTS = ROOT / "docs" / "screenshots"
BERLIN = ZoneInfo("Europe/Berlin")
NAMES = json.loads(FUNCTION_NAMES_FILE.read_text(encoding="utf-8"))["names"]
ROOFS = json.loads(ROOF_TYPE_NAMES_FILE.read_text(encoding="utf-8"))
#: AX_Dachform as published (AdV GeoInfoDok; alkis-schema.sql of norBIT/alkisimport, table ax_dachform): code ->
#: German name, and the English name of the same form in the CityGML 2.0 SIG3D list (1000-1130, same order).
AX_DACHFORM = {
    "1000": ("Flachdach", "Flat roof"), "2100": ("Pultdach", "Monopitch roof"),
    "2200": ("Versetztes Pultdach", "Dual-pent roof"), "3100": ("Satteldach", "Gabled roof"),
    "3200": ("Walmdach", "Hipped roof"), "3300": ("Krüppelwalmdach", "Half-hipped roof"),
    "3400": ("Mansardendach", "Mansard roof"), "3500": ("Zeltdach", "Pavilion roof"), "3600": ("Kegeldach", "Cone roof"),
    "3700": ("Kuppeldach", "Cupola roof"), "3800": ("Sheddach", "Sawtooth roof"), "3900": ("Bogendach", "Arch roof"),
    "4000": ("Turmdach", "Pyramidal broach roof"), "5000": ("Mischform", "Combination of roof forms"),
    "9999": ("Sonstiges", "Other"),
}
#: The CityGML 2.0 SIG3D roofType codes (_AbstractBuilding_roofType.xml) in their list's order.
SIG3D_ROOF_CODES = ("1000", "1010", "1020", "1030", "1040", "1050", "1060", "1070", "1080", "1090", "1100", "1110",
                    "1120", "1130")
TILE_RGB = (40, 120, 200)


def png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A plain-colour PNG (written by hand: no imaging library in the venv)."""
    row = b"\x00" + bytes(rgb) * size
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


class TileHandler(SimpleHTTPRequestHandler):
    """XYZ tiles /tiles/{z}/{x}/{y}.png of one colour; every request path is recorded."""
    requested: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        TileHandler.requested.append(self.path)
        if not re.fullmatch(r"/tiles/\d+/\d+/\d+\.png", self.path):
            self.send_error(404)
            return
        body = png(TILE_RGB)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(handler) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def js_round(value: float, digits: int) -> str:
    """Intl.NumberFormat's rounding (half away from zero) of a value's shortest decimal form."""
    return format(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP).normalize(), "f")


def berlin(ts: datetime, lang: str, time_only: bool = False) -> str:
    """What Intl.DateTimeFormat shows for a time in Europe/Berlin (de-DE / en-GB)."""
    local = ts.astimezone(BERLIN)
    if time_only:
        return local.strftime("%H:%M")
    zone = ("MESZ" if local.dst() else "MEZ") if lang == "de" else ("CEST" if local.dst() else "CET")
    date = local.strftime("%d.%m.%Y, %H:%M") if lang == "de" else local.strftime("%d/%m/%Y, %H:%M")
    return f"{date} {zone}"


# ---------------------------------------------------------------- without a browser

def test_basemap_config_forms_and_errors():
    assert basemap_config(None) == {"type": "bundled"}
    wmts = basemap_config(BASEMAP_DE)
    assert wmts["url"].endswith("/GLOBAL_WEBMERCATOR/{z}/{y}/{x}.png") and "basemap.de" in wmts["attribution"]
    xyz = basemap_config(Basemap("http://127.0.0.1:8000/t/{z}/{x}/{reverseY}.png", "Me", max_zoom=12))
    assert xyz == {"type": "xyz", "url": "http://127.0.0.1:8000/t/{z}/{x}/{reverseY}.png", "attribution": "Me",
                   "maxZoom": 12, "subdomains": "abc"}
    with pytest.raises(InputError, match=r"lacks \{x\}"):
        basemap_config(Basemap("https://tiles.example/{z}/{y}.png", "Me"))
    with pytest.raises(InputError, match="attribution"):
        basemap_config(Basemap("https://tiles.example/{z}/{x}/{y}.png", "  "))
    with pytest.raises(InputError, match="http"):
        basemap_config(Basemap("javascript:alert(1)/{z}/{x}/{y}", "Me"))


def test_cesium_copy_default_and_missing_build(tmp_path, monkeypatch):
    assert (CESIUM_BUILD / "Cesium.js").exists(), "run scripts/bootstrap.sh: node_modules/cesium is missing"
    index = write_viewer(tmp_path, cesium_source=CESIUM_BUILD)
    copy = tmp_path / "viewer" / "cesium"
    assert sorted(p.name for p in copy.iterdir()) == sorted(CESIUM_PARTS)
    html = index.read_text(encoding="utf-8")
    assert 'src="cesium/Cesium.js"' in html and "cesium.com" not in html
    files = [p for p in CESIUM_BUILD.rglob("*") if p.is_file() and p.relative_to(CESIUM_BUILD).parts[0] in CESIUM_PARTS]
    assert len(files) == sum(1 for p in copy.rglob("*") if p.is_file())
    monkeypatch.setenv("GEOTWIN_CESIUM_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="no CesiumJS build here .*Cesium.js"):
        cesium_build_dir()
    with pytest.raises(InputError, match="no CesiumJS build"):
        write_viewer(tmp_path / "other")
    assert not (tmp_path / "other" / "viewer").exists()


def test_function_code_list():
    """The AdV list: the three groups of the issue and the codes the fixtures use."""
    assert len(NAMES) > 200
    assert NAMES["1000"] == "Wohngebäude" and NAMES["2000"] == "Gebäude für Wirtschaft oder Gewerbe"
    assert NAMES["3000"] == "Gebäude für öffentliche Zwecke" and NAMES["9998"].startswith("Nach Quellenlage")
    assert all(re.fullmatch(r"\d{4}", code) and name.strip() for code, name in NAMES.items())


def test_roof_type_code_list():
    """dachform.json: every AX_Dachform code with its published German name and an English one; the SIG3D codes
    map in order onto the AdV forms (the SIG3D 1000 is the AdV 1000, flat roof)."""
    assert {code: (entry["de"], entry["en"]) for code, entry in ROOFS["names"].items()} == AX_DACHFORM
    adv_forms = [code for code in AX_DACHFORM if code != "9999"]
    assert ROOFS["sig3d"] == dict(zip(SIG3D_ROOF_CODES[1:], adv_forms[1:], strict=True))
    assert not set(ROOFS["sig3d"]) & set(ROOFS["names"])  # the two lists share the flat roof's 1000 only
    assert "norBIT/alkisimport" in ROOFS["source"] and "_AbstractBuilding_roofType.xml" in ROOFS["source"]


def test_class_names_in_the_config(tmp_path):
    """The page gets every class name in both languages: the CityGML classes, the IFC classes of the BIM legend,
    rooms and storeys, and the names of a sensor's link types; the roof types as in dachform.json."""
    from geotwin.twin.tiles.viewer import BIM_CLASSES
    index = write_viewer(tmp_path, cesium_url="https://cdn.example.org/Cesium/Cesium.js")
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>', index.read_text(encoding="utf-8"),
                                  re.S).group(1))
    names = config["classNames"]
    assert names["Building"] == {"en": "Building", "de": "Gebäude"}
    assert names["BuildingPart"] == {"en": "Building part", "de": "Gebäudeteil"}
    assert names["IfcSpace"]["de"] == "Raum" and names["IfcBuildingStorey"]["de"] == "Geschoss"
    legend_classes = {c for _label, _colour, _alpha, classes in BIM_CLASSES for c in classes}
    assert legend_classes <= set(names), legend_classes - set(names)
    assert all(entry["en"].strip() and entry["de"].strip() and entry["en"] == CLASS_NAMES[value][0]
               and entry["de"] == CLASS_NAMES[value][1] for value, entry in names.items())
    assert config["classProperties"] == ["object_class", "ifc_class"]
    assert config["valueNames"]["link_type"] == {v: {"en": en, "de": de} for v, (en, de) in LINK_TYPE_NAMES.items()}
    assert config["roofTypeProperty"] == "roof_type"
    assert config["roofTypeNames"] == {"names": ROOFS["names"], "sig3d": ROOFS["sig3d"]}


#: Coded values in the forms they come in (property, value), shown through the page's formatValue.
FORMS = [("roof_type", "3100"), ("roof_type", 3100), ("roof_type", "3100.0"),
         ("roof_type", "http://repository.gdi-de.org/schemas/adv/citygml/Codelisten/RoofTypeTypeAdV.xml#3100"),
         ("roof_type", "1030"), ("roof_type", "1000"), ("roof_type", "9999"), ("roof_type", "7777"),
         ("roof_type", "Satteldach"), ("object_class", "Building"), ("object_class", "BuildingPart"),
         ("object_class", "IfcSite"), ("ifc_class", "IfcWall"), ("ifc_class", "IfcSpace"),
         ("ifc_class", "IfcMysteryElement"), ("object_class", "Mystery"), ("link_type", "facade"),
         ("link_type", "elsewhere")]
FORMS_JS = f"{json.dumps(FORMS)}.map(f => window.geotwin.formatValue(f[1], f[0]))"


def expected_forms(lang: str) -> list[str]:
    """What the page shows for FORMS, from the tables: roof types and IFC classes by name with the code, unknown
    values as they are."""
    side = 1 if lang == "de" else 0
    def roof(code: str, shown: str) -> str:
        de, en = AX_DACHFORM[code]
        return f"{de if lang == 'de' else en} ({shown})"
    return [roof("3100", "3100"), roof("3100", "3100"), roof("3100", "3100.0"), roof("3100", FORMS[3][1]),
            roof("3100", "1030"), roof("1000", "1000"), roof("9999", "9999"), "7777", "Satteldach",
            CLASS_NAMES["Building"][side], CLASS_NAMES["BuildingPart"][side], f"{CLASS_NAMES['IfcSite'][side]} (IfcSite)",
            f"{CLASS_NAMES['IfcWall'][side]} (IfcWall)", f"{CLASS_NAMES['IfcSpace'][side]} (IfcSpace)",
            "IfcMysteryElement", "Mystery", LINK_TYPE_NAMES["facade"][side], "elsewhere"]


LABEL_PROBE = ROOT / "tests" / "browser" / "label_probe.js"
#: A German and an English value, and the German one with a space where the comma is (what a reader saw).
LABEL_TEXTS = ["23,5\u00a0%", "23\u00a05\u00a0%", "23.5\u00a0%"]
#: The sensor labels' former style: 13 px, white with a 3 px black outline.
OUTLINED_13PX = {"font": "13px sans-serif", "style": 2, "outlineWidth": 3, "outlineColor": "black",
                 "fillColor": "white", "showBackground": False}


def check_label_ink(labels: dict, outlined: dict) -> None:
    """The sensor labels as CesiumJS draws them on the map (read back from the canvas, label_probe.js): the text in
    its fill colour (white) over its whole width, not cut off (the 2D canvas's width of the same text and font), and
    a decimal comma or point that adds white pixels of its own: "23,5 %" has more than "23 5 %". The 13 px outlined
    style measured in the same page, for comparison: its text barely reaches white, its comma not at all."""
    assert "error" not in labels and labels["showBackground"] is True, labels
    comma, gap, point = ({k: v for k, v in lab.items() if k != "crop"} for lab in labels["labels"])
    for lab in (comma, gap, point):
        assert lab["fill"] >= 100 and lab["brightest"] >= 250, lab
        assert lab["right"] - lab["left"] + 1 >= 0.85 * lab["canvas"]["width"], lab
    assert comma["fill"] - gap["fill"] >= 6 and point["fill"] - gap["fill"] >= 4, (comma, gap, point)
    old_comma, old_gap, _ = outlined["labels"]
    assert old_comma["fill"] - old_gap["fill"] < comma["fill"] - gap["fill"], (old_comma, old_gap)
    assert old_comma["fill"] < comma["fill"] / 4, old_comma


def gml_roof_type(path, gml_id: str) -> tuple[str, str]:
    """The class (element name) and bldg:roofType text of the city object ``gml_id`` in a CityGML file, read with
    lxml alone."""
    from lxml import etree

    gml_ids = {"{http://www.opengis.net/gml}id", "{http://www.opengis.net/gml/3.2}id"}
    for _event, el in etree.iterparse(str(path), events=("end",)):
        if any(el.get(a) == gml_id for a in gml_ids):
            roof = [c.text.strip() for c in el if isinstance(c.tag, str) and etree.QName(c).localname == "roofType"]
            return etree.QName(el).localname, roof[0]
    raise AssertionError(f"{gml_id} not in {path}")


# ---------------------------------------------------------------- in chromium

def test_webmap_in_headless_chromium(tmp_path, shared_data):
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    site = tmp_path / "site"
    site.mkdir()
    server, base = serve(functools.partial(QuietHandler, directory=str(site)))
    TileHandler.requested = []
    tiles, tile_base = serve(TileHandler)
    try:
        _run(tmp_path, shared_data, site, base, tile_base, node)
    finally:
        for s in (server, tiles):
            s.shutdown()
            s.server_close()


def _run(tmp_path, shared_data, site, base, tile_base, node):
    # 1. The real exporter, default options: CesiumJS copied into the export, bundled imagery.
    (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)
    hamburg = hamburg_export(shared_data, tmp_path, site)  # also writes site/hamburg (linked CesiumJS)
    import pyogrio

    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
    export_3dtiles(tmp_path / "hamburg.gpkg", site / "offline", ExportOptions(), CollectingReporter())
    viewer_dir = site / "offline" / "viewer"
    assert (viewer_dir / "cesium" / "Cesium.js").is_file()
    cesium_bytes = sum(p.stat().st_size for p in (viewer_dir / "cesium").rglob("*") if p.is_file())
    assert 8e6 < cesium_bytes < 20e6, cesium_bytes  # the needed parts only (Build/Cesium is ~23 MB)
    rows = pyogrio.read_dataframe(tmp_path / "hamburg.gpkg", layer="buildings", read_geometry=False)
    known = rows[rows["id"] == hamburg["id"]].iloc[0]
    code = str(known["function"])
    fname = NAMES[code.removeprefix("31001_")]
    height_de = js_round(float(known["measured_height"]), 1).replace(".", ",") + "\u00a0m"
    height_en = js_round(float(known["measured_height"]), 1) + "\u00a0m"
    # its class and roof type as the GML has them (lxml), named from the code list tables
    gml_class, roof_code = gml_roof_type(shared_data / HAMBURG, hamburg["id"])
    assert (known["object_class"], known["roof_type"]) == (gml_class, roof_code)
    roof = ROOFS["names"][roof_code]

    # 2. The fixture city with a basemap from the local XYZ server, a chart and an availability.
    city = site / "city"
    write_fixture_tileset(city, "1.1")
    now = datetime.now(UTC).replace(microsecond=0)
    island_lon, island_lat, _ = enu_to_geodetic(-14.0, -20.0, 0.0)
    sensor_lon, sensor_lat, _ = enu_to_geodetic(22.0, -20.0, 0.0)
    old = datetime(2025, 3, 9, 23, 30, tzinfo=UTC)  # a winter time in Berlin (00:30 MEZ next day)
    features = {
        "islands": [{"id": "island-0007", "name": "Lerninsel Stadtbibliothek", "seats": 24,
                     "booking_url": "https://lerninseln.karlsruhe.example/buchen/island-0007",
                     "opening_hours": "Mo-Fr 08:00-20:00", "lon": island_lon, "lat": island_lat}],
        "sensors": [{"sensor_key": "pm10-old", "sensor_name": "PM10", "latest_value": 56.66160714285714,
                     "unit_symbol": "µg/m³", "latest_time": old.isoformat().replace("+00:00", "Z"),
                     "extra": "", "details": json.dumps({"station": "Karlsruhe-Nord", "height": 3.25}),
                     "lon": sensor_lon, "lat": sensor_lat}],
    }
    for name, items in features.items():
        (city / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [f.pop("lon"), f.pop("lat")]},
             "properties": f} for f in items]}), encoding="utf-8")
    series_t = [(now - timedelta(hours=6 - i)).isoformat().replace("+00:00", "Z") for i in range(7)]
    series_v = [12.5, 14.0, 13.25, 20.75, 18.0, 9.5, 11.0]
    (city / "series.json").write_text(json.dumps(
        {"pm10-old": {"unit": "µg/m³", "property": "PM10", "t": series_t, "v": series_v}}), encoding="utf-8")
    busy_end = now + timedelta(hours=2)
    (city / "availability.json").write_text(json.dumps({
        "generated": now.isoformat(), "timezone": "Europe/Berlin", "islands": {"island-0007": {
            "opening_hours": "Mo-Fr 08:00-20:00",
            "busy": [[(now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()],
                     [(now + timedelta(hours=1)).isoformat(), busy_end.isoformat()]],
            "booking_url": "https://lerninseln.karlsruhe.example/buchen/island-0007"}}}), encoding="utf-8")
    write_viewer(city, cesium_url=viewer_dir / "cesium", title="GeoTwin",
                 extra_layers={"Learning islands": "../islands.geojson", "Sensors": "../sensors.geojson"},
                 basemap=Basemap(tile_base + "/tiles/{z}/{x}/{y}.png", "© Test tiles 2026", max_zoom=16))
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>',
                                  (city / "viewer" / "index.html").read_text(encoding="utf-8"), re.S).group(1))
    assert config["seriesUrl"] == "../series.json" and config["availabilityUrl"] == "../availability.json"
    building = BUILDINGS[[b[0] for b in BUILDINGS].index(KNOWN)]
    b_lon, b_lat, b_h = enu_to_geodetic(building[2], building[3], building[6])

    info_boxes = ("(() => { const r = (id) => { const e = document.getElementById(id);"
                  " if (!e || e.hidden || getComputedStyle(e).display === 'none') return null;"
                  " const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };"
                  " return {info: r('info'), legend: r('legend'), titlebar: r('titlebar'),"
                  " attribution: r('attribution')}; })()")
    ui = ("({lang: document.documentElement.lang, status: document.getElementById('status').textContent,"
          " legend: Array.from(document.querySelectorAll('#legend section:not([hidden]) li:not([hidden])')).map(l => l.textContent),"
          " toggle: document.getElementById('legend-toggle').textContent,"
          " switchLabel: document.getElementById('lang-switch').getAttribute('aria-label'),"
          " close: document.getElementById('info-close').getAttribute('aria-label')})")
    desktop_de, phone_de = tmp_path / "desktop-de.png", tmp_path / "phone-de.png"
    hamburg_click = {"clickAt": {"lon": hamburg["lon"], "lat": hamburg["lat"], "height": hamburg["height"]},
                     "as": "pick"}
    job = {"timeoutMs": 60000, "pages": [
        {"url": f"{base}/offline/viewer/index.html", "locale": "de-DE", "viewport": {"width": 1280, "height": 800},
         "steps": [{"eval": ui, "as": "ui"}, hamburg_click, {"screenshot": str(desktop_de)},
                   {"eval": "document.activeElement.id", "as": "focus"}, {"eval": FORMS_JS, "as": "forms_de"},
                   {"click": "#lang-switch"}, {"eval": ui, "as": "ui_en"}, {"eval": FORMS_JS, "as": "forms_en"},
                   {"eval": "document.getElementById('info').innerText", "as": "info_en"},
                   {"key": "Escape"}, {"eval": "document.getElementById('info').hidden", "as": "closed"},
                   {"eval": "window.geotwin.viewer.imageryLayers.length", "as": "imagery"}]},
        {"url": f"{base}/offline/viewer/index.html", "locale": "en-US", "steps": [{"eval": ui, "as": "ui"}]},
        {"url": f"{base}/offline/viewer/index.html", "locale": "de-DE", "viewport": {"width": 390, "height": 844},
         "steps": [{"eval": info_boxes, "as": "boxes_before"}, {"click": "#legend-toggle"},
                   {"eval": info_boxes, "as": "boxes_legend"}, hamburg_click,
                   {"eval": info_boxes, "as": "boxes"}, {"screenshot": str(phone_de)}]},
        {"url": f"{base}/city/viewer/index.html", "locale": "en-US",
         "steps": [{"eval": "document.getElementById('attribution').textContent", "as": "attribution"},
                   {"clickAt": {"lon": b_lon, "lat": b_lat, "height": b_h}, "as": "building"},
                   {"lookAt": [sensor_lon, sensor_lat, GROUND_H, 0, -45, 120]},
                   {"eval": f"(window.geotwinLabels = {LABEL_PROBE.read_text(encoding='utf-8')}, true)", "as": "_"},
                   {"eval": f"window.geotwinLabels.ink({json.dumps(LABEL_TEXTS)})", "as": "labels"},
                   {"eval": f"window.geotwinLabels.ink({json.dumps(LABEL_TEXTS)}, {json.dumps(OUTLINED_13PX)})",
                    "as": "labels_outlined"},
                   {"clickAt": {"lon": sensor_lon, "lat": sensor_lat, "height": GROUND_H, "offsetY": -22},
                    "as": "sensor"},
                   {"eval": "Array.from(document.querySelectorAll('#info .chart circle')).map(c =>"
                            " ({v: Number(c.dataset.value), t: c.dataset.time, cy: Number(c.getAttribute('cy'))}))",
                    "as": "chart"},
                   {"eval": "document.querySelector('#info .chart polyline').getAttribute('points')", "as": "line"},
                   {"eval": "Array.from(document.querySelectorAll('#info a')).map(a => a.href)", "as": "sensor_links"},
                   {"clickAt": {"lon": island_lon, "lat": island_lat, "height": GROUND_H, "offsetY": -22},
                    "as": "island"},
                   {"eval": "Array.from(document.querySelectorAll('#info a')).map(a => a.href)", "as": "island_links"},
                   {"eval": "Array.from(document.querySelectorAll('#info th')).map(t => t.textContent)",
                    "as": "island_rows"}]},
    ]}
    result = run_job(node, DRIVER, job, tmp_path, timeout=600)
    assert result["foreignRequests"] == []
    de, en, phone, city_page = result["pages"]
    for page in (de, en, phone, city_page):
        assert "error" not in page, page.get("error")
        assert page["pageErrors"] == [] and page["consoleErrors"] == [], page
        assert page["failedRequests"] == [], page["failedRequests"]
    # Offline: everything from the tileset's own host, CesiumJS and its imagery from the copy.
    for page in (de, en, phone):
        assert all(u.startswith(base + "/") or u.startswith(("data:", "blob:")) for u in page["requests"])
        assert any("/offline/viewer/cesium/Cesium.js" in u for u in page["requests"])
        assert any("/viewer/cesium/Assets/Textures/NaturalEarthII/" in u for u in page["requests"])
    v = de["values"]
    # German UI, a real pick with the function by name, decimal comma, legend classes in German.
    assert v["ui"]["lang"] == "de" and v["ui"]["status"].startswith(f"{hamburg_tiles(v)} Kacheln")
    assert "Wohnen" in v["ui"]["legend"] and "Öffentliche Zwecke" in v["ui"]["legend"]
    assert v["ui"]["close"] == "Schließen" and v["ui"]["switchLabel"] == "Auf Englisch umschalten"
    assert v["pick"]["pickedId"] == hamburg["id"], v["pick"]
    assert f"Funktion\t{fname} ({code})" in v["pick"]["text"], v["pick"]["text"]
    assert f"Höhe\t{height_de}" in v["pick"]["text"], v["pick"]["text"]
    assert f"Objektart\t{CLASS_NAMES[gml_class][1]}\n" in v["pick"]["text"], v["pick"]["text"]
    assert f"Dachform\t{roof['de']} ({roof_code})\n" in v["pick"]["text"], v["pick"]["text"]
    assert v["forms_de"] == expected_forms("de"), v["forms_de"]
    assert "{" not in v["pick"]["text"] and "\t\n" not in v["pick"]["text"]  # no raw JSON, no empty rows
    assert v["focus"] == "info"  # the info panel takes the keyboard focus; Escape closes it
    assert v["closed"] is True and v["imagery"] == 1
    # The switch: English.
    assert v["ui_en"]["status"].startswith("tileset loaded") and v["ui_en"]["lang"] == "en" and "Residential" in v["ui_en"]["legend"] and v["ui_en"]["close"] == "Close"
    assert f"Function\t{fname} ({code})" in v["info_en"] and f"Height\t{height_en}" in v["info_en"]
    assert f"Object class\t{CLASS_NAMES[gml_class][0]}\n" in v["info_en"], v["info_en"]
    assert f"Roof type\t{roof['en']} ({roof_code})\n" in v["info_en"], v["info_en"]
    assert v["forms_en"] == expected_forms("en"), v["forms_en"]
    # An English browser.
    assert en["values"]["ui"]["lang"] == "en" and en["values"]["ui"]["status"].startswith("tileset loaded")
    # Phone width: the legend folded at first; open, it and the info panel never overlap (the legend
    # hides while the panel is open), the panel leaves the upper half of the map free.
    p = phone["values"]
    assert p["boxes_before"]["legend"] is None and p["boxes_legend"]["legend"] is not None
    boxes = p["boxes"]
    assert boxes["info"] is not None and boxes["legend"] is None
    assert boxes["info"][1] >= 844 * 0.5 and boxes["info"][2] <= 390 and boxes["info"][0] >= 0
    assert boxes["titlebar"][3] <= boxes["info"][1] and boxes["titlebar"][2] <= 390
    assert p["pick"]["pickedId"] == hamburg["id"]
    # The basemap: tiles from the local XYZ server, its attribution on the map.
    c = city_page["values"]
    assert c["attribution"] == "© Test tiles 2026"
    assert [r for r in TileHandler.requested if r.startswith("/tiles/")], TileHandler.requested
    assert any(u.startswith(tile_base + "/tiles/") for u in city_page["requests"])
    assert not any("NaturalEarthII" in u for u in city_page["requests"])
    assert c["building"]["pickedId"] == KNOWN and "Public" not in c["building"]["text"]
    assert f"Function\t{NAMES['3000']} (31001_3000)" in c["building"]["text"]
    # The sensor: rounded value with unit, local time, stale with its age, the chart's points = the series.
    s = c["sensor"]["text"]
    assert c["sensor"]["pickedId"] == "pm10-old", c["sensor"]
    assert "56.66\u00a0µg/m³" in s and "56.6616" not in s
    assert f"Measured: {berlin(old, 'en')} stale: " in s and "ago" in s, s
    assert "Details: Station\tKarlsruhe-Nord" in s and "Details: Height\t3.3\u00a0m" in s
    assert [pt["v"] for pt in c["chart"]] == series_v and [pt["t"] for pt in c["chart"]] == series_t
    ys = [pt["cy"] for pt in c["chart"]]
    lo, hi = min(series_v), max(series_v)
    for value, y in zip(series_v, ys):  # the plotted height is linear in the value (SVG y down)
        assert y == pytest.approx(86 - (value - lo) / (hi - lo) * 82, abs=0.01)
    assert [float(p.split(",")[1]) for p in c["line"].split()] == pytest.approx(ys, abs=0.01)
    check_label_ink(c["labels"], c["labels_outlined"])
    # The island: busy until the end of the back-to-back bookings (local time), each link once.
    i = c["island"]["text"]
    assert c["island"]["pickedId"] == "island-0007"
    assert f"busy until {berlin(busy_end, 'en', time_only=True)}" in i, i
    assert f"next free slot: {berlin(busy_end, 'en')}" in i
    assert c["island_links"] == ["https://lerninseln.karlsruhe.example/buchen/island-0007"]
    assert i.count("Mo-Fr 08:00-20:00") == 1
    # Screenshots for the README (German, desktop and phone): refreshed with GEOTWIN_UPDATE_SCREENSHOTS=1.
    for shot, name in ((desktop_de, "webmap-desktop-de.png"), (phone_de, "webmap-phone-de.png")):
        assert shot.stat().st_size > 10_000
        if os.environ.get("GEOTWIN_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, SCREENSHOTS / name)


def hamburg_tiles(values: dict) -> str:
    """The tile count the German status line names (the number before 'Kacheln')."""
    return values["ui"]["status"].split(" ")[0]
