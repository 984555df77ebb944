"""The web map's declutter, contrast, keyboard use and room areas, in headless chromium (Debian's, driven by
playwright-core through tests/browser/webmap.cjs; probes in tests/browser/a11y_probe.js).

The full twin of a generated district (geotwin:buildtwin, exported to 3D Tiles): at the overview camera its
learning-island and sensor pins gather into counted cluster pins; close up on Friedrichsplatz each pin stands
alone. Every visible text meets WCAG 2.1 AA contrast on its background (1.4.3), button borders and focus rings
3:1 (1.4.11); every control is reached by Tab with a visible focus ring; Escape closes the info panel. The rooms
of the real FZK-Haus IFC show their areas as the IFC's NetFloorArea rounded to the 0.01 m² (72,96 m², not
72.96000000000001 or 73 m²). One chromium launch."""
from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyogrio
import pytest

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles.browser_job import page_values, served_site
from geotwin.tests.twin.tiles.test_viewer_browser import twin_export
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.site import site as sample_site
from geotwin.twin.sample.site import to_lonlat
from geotwin.twin.tiles.viewer import MARKER_CLASSES, OTHER_MARKER, write_viewer

PROBE = ROOT / "tests" / "browser" / "a11y_probe.js"
FZK_IFC = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
ROOM_COLUMNS = ["global_id", "name", "long_name", "number", "storey", "area", "area_source", "height", "volume"]
COLORS = {label: colour for label, colour, _ in MARKER_CLASSES}
LAYERS = ("Learning islands", "Sensors")
TABS = 8
ROOMS = ("Galerie", "Buero")
#: The points' legend as shown: each item's text, kind, swatch colour and whether it is shown.
MARKER_LEGEND = ("[...document.querySelectorAll('#legend-markers li')].map(li => ({text: li.textContent, kind: "
                 "li.dataset.kind, colour: getComputedStyle(li.querySelector('.swatch')).backgroundColor, shown: "
                 "!li.hidden && !li.closest('section').hidden && li.getClientRects().length > 0}))")


def legend_items(labels: list[str]) -> list[dict]:
    """The points' legend expected: learning islands, sensors and other points (the rooms), all shown in their
    pins' fill colours, labelled in the page's language."""
    def rgb(colour: str) -> str:
        return "rgb({}, {}, {})".format(*(int(colour[i:i + 2], 16) for i in (1, 3, 5)))

    return [{"text": text, "kind": kind, "colour": rgb(colour), "shown": True}
            for text, (_label, colour, kind) in zip(labels, [*MARKER_CLASSES, OTHER_MARKER], strict=True)]


def net_floor_areas(path) -> dict[str, Decimal]:
    """Each IfcSpace's NetFloorArea (BaseQuantities) read with ifcopenshell alone, in m², rounded half-up to
    the 0.01 m² (FZK-Haus's area unit is the square metre)."""
    import ifcopenshell
    import ifcopenshell.util.element
    import ifcopenshell.util.unit

    model = ifcopenshell.open(str(path))
    assert ifcopenshell.util.unit.calculate_unit_scale(model) == 1.0
    return {space.GlobalId: Decimal(repr(ifcopenshell.util.element.get_psets(space, qtos_only=True)
                                         ["BaseQuantities"]["NetFloorArea"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for space in model.by_type("IfcSpace")}


def shown_area(area: Decimal, lang: str) -> str:
    """Intl.NumberFormat with at most 2 decimals: trailing zeros dropped; decimal comma in German."""
    text = format(area.normalize(), "f")
    return (text.replace(".", ",") if lang == "de" else text) + "\u00a0m²"


def metres_apart(a, b) -> np.ndarray:
    """Distances (m) between lon/lat points a (n, 2) and b (m, 2), locally flat."""
    a, b = np.asarray(a, float)[:, None, :2], np.asarray(b, float)[None, :, :2]
    scale = np.array([111_320 * math.cos(math.radians(49.0)), 110_950])
    return np.linalg.norm((a - b) * scale, axis=2)


def room_overlay(tmp_path, shared_data, out, points) -> list[dict]:
    """The real FZK-Haus rooms (geotwin's IFC import) as a GeoJSON overlay: their attribute rows at test
    positions in the district (the house itself stands 10 km away)."""
    gpkg = tmp_path / "fzk.gpkg"
    import_ifc(shared_data / FZK_IFC, gpkg, ImportOptions(processes=0), CollectingReporter())
    rooms = pyogrio.read_dataframe(gpkg, layer="bim_spaces", read_geometry=False)
    # the gallery (74.5092415823 m²) and the office (12.59545 m²: shown 12,6 m²)
    chosen = [rooms[rooms["long_name"] == name].iloc[0] for name in ROOMS]
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(p)},
                 "properties": {"id": r["global_id"],
                                **{c: r[c].item() if hasattr(r[c], "item") else r[c] for c in ROOM_COLUMNS}}}
                for r, p in zip(chosen, points)]
    (out / "rooms.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                       encoding="utf-8")
    return features


def free_spots(square, others, count: int, spacing: float = 45.0) -> list[tuple[float, float]]:
    """``count`` lon/lat points within 200 m of the square, each ``spacing`` m from every pin and each other."""
    lon0, lat0 = square
    grid = [(lon0 + dx / (111_320 * math.cos(math.radians(lat0))), lat0 + dy / 110_950)
            for dx in range(-200, 201, 10) for dy in range(-200, 201, 10)]
    grid.sort(key=lambda p: metres_apart([p], [square])[0, 0])
    chosen: list[tuple[float, float]] = []
    for p in grid:
        if metres_apart([p], others + chosen).min() >= spacing:
            chosen.append(p)
        if len(chosen) == count:
            return chosen
    raise AssertionError("no free spots for the room pins")


def test_webmap_declutter_contrast_keyboard_and_room_areas(tmp_path, run_alg, district_sources, shared_data):
    with served_site(tmp_path) as (site, base, node):
        _run(tmp_path, shared_data, site, base, node, run_alg, district_sources)


def _run(tmp_path, shared_data, site, base, node, run_alg, district_sources):
    twin = twin_export(district_sources, run_alg, tmp_path, site)
    out = twin["out"]
    points = {name: json.loads((out / file).read_text(encoding="utf-8"))["features"]
              for name, file in (("Learning islands", "islands.geojson"), ("Sensors", "sensors.geojson"))}
    square = tuple(float(v) for v in to_lonlat().transform(*sample_site().square))
    everything = [f["geometry"]["coordinates"][:2] for fs in points.values() for f in fs]
    spots = free_spots(square, everything, len(ROOMS))
    rooms = room_overlay(tmp_path, shared_data, out, spots)
    write_viewer(out, cesium_url=site / "cesium", title="GeoTwin",
                 extra_layers={"Learning islands": "../islands.geojson", "Sensors": "../sensors.geojson",
                               "Rooms": "../rooms.geojson"})
    on_square = {name: [str(f["properties"].get("id") or f["properties"].get("sensor_key")) for f in fs
                        if metres_apart([f["geometry"]["coordinates"]], [square])[0, 0] <= 40]
                 for name, fs in points.items()}
    assert sum(map(len, on_square.values())) >= 3, on_square  # the sample puts several sensors on the square

    centre = np.mean([f["geometry"]["coordinates"][:2] for fs in points.values() for f in fs
                      if str(f["properties"].get("id") or f["properties"].get("sensor_key"))
                      in on_square["Sensors"] + on_square["Learning islands"]], axis=0).tolist()
    # the sensor on the square furthest from every other point: its pin stands free
    square_sensors = [f for f in points["Sensors"] if f["properties"]["sensor_key"] in on_square["Sensors"]]
    sensor = max(square_sensors, key=lambda f: np.sort(metres_apart([f["geometry"]["coordinates"]], everything)[0])[1])
    probe = PROBE.read_text(encoding="utf-8")
    pins = f"window.geotwinProbe.pins({json.dumps(COLORS)})"
    tab_steps = [step for i in range(TABS) for step in ({"key": "Tab"}, {"eval": "window.geotwinProbe.focus()",
                                                                         "as": f"tab{i}"})]
    steps = [{"eval": f"(window.geotwinProbe = {probe}, true)", "as": "probe"},
             {"eval": pins, "as": "overview"},
             {"eval": "window.geotwinProbe.contrast()", "as": "contrast"},
             *tab_steps,
             {"eval": "document.getElementById('legend-toggle').focus(), true", "as": "_"}, {"key": "Enter"},
             {"eval": "document.getElementById('legend-toggle').getAttribute('aria-expanded')", "as": "after_enter"},
             {"key": "Enter"},
             # a click on the largest cluster pin (48 px, standing on its point) flies in to its points
             {"eval": "window.geotwin.viewer.scene.camera.positionCartographic.height", "as": "height_before"},
             {"clickXY": f"(() => {{ const c = [].concat(...Object.values({pins}).map(l => l.clusterXY))"
                         ".filter(Boolean).sort((a, b) => b.n - a.n)[0]; return c && {x: c.x, y: c.y - 24}; })()"},
             {"wait": "window.geotwin.flights >= 2"},
             {"eval": "window.geotwin.viewer.scene.camera.positionCartographic.height", "as": "height_after"},
             {"eval": pins, "as": "zoomed"},
             {"lookAt": [*centre, None, 0, -89, 130]},  # from above: 6 m apart is 51 px
             {"eval": pins, "as": "square"},
             {"eval": "window.geotwinProbe.canvasLabels()", "as": "canvas_labels"},
             # a sensor's panel (value, stale mark, chart, link): its contrast
             {"clickAt": {"lon": sensor["geometry"]["coordinates"][0], "lat": sensor["geometry"]["coordinates"][1],
                          "height": sensor["properties"]["ellipsoidal_height"], "offsetY": -22}, "as": "sensor"},
             {"eval": "window.geotwinProbe.contrast()", "as": "contrast_sensor"}]
    for i, room in enumerate(rooms):
        lon, lat = room["geometry"]["coordinates"]
        steps += [{"lookAt": [lon, lat, None, 0, -50, 90]},
                  {"clickAt": {"lon": lon, "lat": lat, "height": None, "offsetY": -22}, "as": f"room{i}"}]
    # the last room's panel: its contrast, then Tab through it, Escape
    steps += [{"eval": "window.geotwinProbe.focus()", "as": "panel_focus"},
              {"eval": "window.geotwinProbe.contrast()", "as": "contrast_info"},
              {"key": "Tab"}, {"eval": "window.geotwinProbe.focus()", "as": "panel_tab"},
              {"key": "Escape"},
              {"eval": "({hidden: document.getElementById('info').hidden, focus: window.geotwinProbe.focus()})",
               "as": "escaped"},
              {"eval": MARKER_LEGEND, "as": "legend_de"},
              {"click": "#lang-switch"},
              {"eval": MARKER_LEGEND, "as": "legend_en"},
              {"clickAt": {"lon": rooms[-1]["geometry"]["coordinates"][0], "lat": rooms[-1]["geometry"]["coordinates"][1],
                           "height": None, "offsetY": -22}, "as": "room_en"},
              {"eval": "window.geotwinProbe.contrast()", "as": "contrast_en"},
              {"eval": "window.geotwin.untranslated()", "as": "untranslated"},
              {"eval": f"({{heights: document.getElementById('heights').textContent, labels: {pins}.Sensors.labels}})",
               "as": "switched"},
              {"screenshot": str(tmp_path / "a11y.png")}]
    v = page_values(node, f"{base}/twin/viewer/index.html", steps, tmp_path, timeout=900)
    _check_declutter(v, points, on_square)
    _check_contrast(v)
    _check_keyboard(v)
    _check_rooms(v, rooms, shared_data)
    # the rooms' pins are "other points": the legend lists them too, in German and in English
    assert v["legend_de"] == legend_items(["Lerninseln", "Sensoren", "Sonstige Punkte"]), v["legend_de"]
    assert v["legend_en"] == legend_items(["Learning islands", "Sensors", "Other points"]), v["legend_en"]
    # every row of the sensor's and the rooms' panels has a label in the page's language (German, English)
    assert v["untranslated"] == [], v["untranslated"]
    # after the switch to English the heights line and the sensor labels follow (decimal point)
    assert v["switched"]["heights"].startswith("Heights: ") and "expected error ±0.5 m" in v["switched"]["heights"]
    assert all("," not in label["text"] for label in v["switched"]["labels"]), v["switched"]
    assert "Sensorname\t" in v["sensor"]["text"] and "Sensor name" not in v["sensor"]["text"], v["sensor"]


def _check_declutter(v, points, on_square):
    """Overview: fewer pins and labels than points, counted cluster pins; Friedrichsplatz: every pin alone."""
    for name in LAYERS:
        layer = v["overview"][name]
        ids = [str(f["properties"].get("id") or f["properties"].get("sensor_key")) for f in points[name]]
        assert sorted(layer["entities"]) == sorted(ids)
        clustered = [i for c in layer["clusters"] for i in c["ids"]]
        # each point drawn exactly once: as its own pin or inside one cluster pin
        assert sorted(layer["pins"] + clustered) == sorted(ids), (name, layer)
        assert all(c["countPin"] is True and len(c["ids"]) >= 3 for c in layer["clusters"]), layer["clusters"]
        assert len(layer["labels"]) <= len([p for p in layer["pins"]])
        assert layer["clusterLabels"] == []  # the count is on the cluster pin itself
    total = sum(len(points[n]) for n in LAYERS)
    drawn = sum(len(v["overview"][n]["pins"]) + len(v["overview"][n]["clusters"]) for n in LAYERS)
    assert drawn < total and sum(len(v["overview"][n]["clusters"]) for n in LAYERS) >= 1, v["overview"]
    assert sum(len(v["overview"][n]["labels"]) for n in LAYERS) < len(points["Sensors"])
    # a click on a cluster pin flies in: closer, fewer points gathered
    assert v["height_after"] < 0.8 * v["height_before"], (v["height_before"], v["height_after"])
    assert (sum(len(c["ids"]) for n in LAYERS for c in v["zoomed"][n]["clusters"])
            < sum(len(c["ids"]) for n in LAYERS for c in v["overview"][n]["clusters"]))
    # close up on the square: its points are single pins, the sensors there labelled with their value
    for name in LAYERS:
        layer = v["square"][name]
        clustered = {i for c in layer["clusters"] for i in c["ids"]}
        assert set(on_square[name]) <= set(layer["onScreen"]), (name, layer)
        assert set(on_square[name]) <= set(layer["pins"]) and not clustered & set(on_square[name]), (name, layer)
    labelled = {label["id"]: label["text"] for label in v["square"]["Sensors"]["labels"]}
    assert set(on_square["Sensors"]) <= set(labelled), v["square"]["Sensors"]
    # unitless parking occupancy reads as words (German page), not "0" / "1"
    parking = [f["properties"] for f in points["Sensors"] if f["properties"]["observed_property"] ==
               "Parking space occupancy" and f["properties"]["sensor_key"] in labelled]
    assert parking and {p["latest_value"] for p in parking} == {0.0, 1.0}, parking
    for p in parking:
        assert labelled[p["sensor_key"]] == ("belegt" if p["latest_value"] >= 0.5 else "frei"), labelled


def wcag_ratio(a, b) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (0-255)."""
    def lum(c):
        f = [v / 255 for v in c[:3]]
        f = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in f]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def over(top, bottom) -> list[float]:
    """An RGBA colour (alpha 0-1) composited over an opaque RGB one."""
    return [top[i] * top[3] + bottom[i] * (1 - top[3]) for i in range(3)]


def check_canvas_labels(labels, expected_count):
    """The labels drawn on the map canvas: opaque text on a background box (what the text stands on, whatever the
    map shows: the box over white and over black), fill against the box AA (4.5:1 below 24 px), by an
    independent ratio."""
    assert len(labels) == expected_count > 0, labels
    for label in labels:
        assert label["style"] == 0 and label["showBackground"] is True, label  # Cesium.LabelStyle.FILL on a box
        assert label["fill"][3] == 1 and label["background"][3] >= 0.8, label
        ratio = min(wcag_ratio(label["fill"], over(label["background"], backdrop))
                    for backdrop in ((255, 255, 255), (0, 0, 0)))
        assert label["ratio"] == pytest.approx(ratio, abs=0.01) and ratio >= label["need"] == 4.5, label


def _check_contrast(v):
    assert v["sensor"]["pickedId"] is not None and not v["sensor"]["hidden"], v["sensor"]
    check_canvas_labels(v["canvas_labels"], len(v["square"]["Sensors"]["labels"]))
    for key in ("contrast", "contrast_info", "contrast_sensor", "contrast_en"):
        items = v[key]
        assert len(items) >= 8, items  # title, status, buttons, legend ... were measured
        failing = [i for i in items if i["ratio"] < i["need"]]
        assert failing == [], (key, failing)
    measured = {i["element"].split(" > ")[-1] for i in v["contrast_info"]}
    assert any(m.startswith("th") for m in measured) and any(m.startswith("td") for m in measured)
    assert any("info-close" in m for m in measured)


def _check_keyboard(v):
    focused = [v[f"tab{i}"] for i in range(TABS)]
    ids = [f.get("id") for f in focused]
    assert "legend-toggle" in ids and "lang-switch" in ids, focused
    assert ids.index("legend-toggle") < ids.index("lang-switch")
    for f in focused:
        if f["element"] == "body":
            continue
        # every stop is visible and ringed: 2 px or more, 3:1 against what surrounds it
        assert f["visible"] and f["focusVisible"] and f["outlineWidth"] >= 2 and f["outlineContrast"] >= 3, f
    assert v["after_enter"] == "false"  # Enter on the legend button folds the legend
    assert v["panel_focus"]["id"] == "info"  # the opened panel takes the focus
    assert v["panel_tab"]["id"] == "info-close" and v["panel_tab"]["outlineWidth"] >= 2, v["panel_tab"]
    assert v["escaped"]["hidden"] is True
    assert v["escaped"]["focus"]["element"] == "body" or v["escaped"]["focus"]["visible"], v["escaped"]


def _check_rooms(v, rooms, shared_data):
    areas = net_floor_areas(shared_data / FZK_IFC)
    for i, room in enumerate(rooms):
        props = room["properties"]
        picked = v[f"room{i}"]
        assert picked["pickedId"] == props["global_id"], picked
        expected = areas[props["global_id"]]
        assert f"Fläche\t{shown_area(expected, 'de')}" in picked["text"], picked["text"]
        assert "00000" not in picked["text"] and "99999" not in picked["text"]
    en = v["room_en"]
    expected = areas[rooms[-1]["properties"]["global_id"]]
    assert f"Area\t{shown_area(expected, 'en')}" in en["text"], en["text"]
