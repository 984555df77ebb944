"""Keyboard picking on the web map, in headless chromium (Debian's, driven by playwright-core through
tests/browser/webmap.cjs): the map is a Tab stop with a visible focus ring; the arrow keys step through the pins
in view (reading order) and then the buildings of the tiles in view (by name), Home/End to the ends; Enter opens
the info panel a click opens, Escape closes it and the focus returns to the map; an aria-live line says which
object is chosen, in German and in English. The fixture tileset of test_viewer_browser (7 boxes) with two
learning islands and two sensors at known places, seen from straight above. One chromium launch."""
from __future__ import annotations

import json

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles.browser_job import page_values, served_site
from geotwin.tests.twin.tiles.test_viewer_a11y_browser import MARKER_LEGEND, check_canvas_labels, legend_items
from geotwin.tests.twin.tiles.test_viewer_browser import BUILDINGS, GROUND_H, enu_to_geodetic, write_fixture_tileset
from geotwin.twin.tiles.viewer import write_viewer

PROBE = ROOT / "tests" / "browser" / "a11y_probe.js"
# layer, id, name, east, north (m from the fixture's origin); rows 12 m and more apart (over 60 px from above)
PINS = [
    ("islands", "island-a", "Lerninsel Nord", -30.0, 52.0),
    ("sensors", "sensor-b", "Lufttemperatur West", -55.0, -16.0),
    ("islands", "island-c", "Lerninsel Süd", 25.0, -28.0),
    ("sensors", "sensor-d", "Bodenfeuchte Ost", 50.0, -42.0),
]
KINDS = {"islands": ("Lerninsel", "Learning island"), "sensors": ("Sensor", "Sensor")}
HINT = {"de": "{kind}: {name} ({i} von {n}). Eingabetaste: Details", "en": "{kind}: {name} ({i} of {n}). Enter: details"}
STATE = "window.geotwin.keyboard"
FOCUS = "window.geotwinProbe.focus()"


def write_pins(out) -> None:
    """The islands and sensors as GeoJSON overlays, with the twin layers' field names."""
    layers: dict[str, list] = {"islands": [], "sensors": []}
    for layer, pid, name, east, north in PINS:
        lon, lat, _ = enu_to_geodetic(east, north, 0.0)
        props = ({"id": pid, "name": name, "seats": 12, "opening_hours": "Mo-Fr 08:00-18:00"} if layer == "islands"
                 else {"sensor_key": pid, "sensor_name": name, "latest_value": 21.5, "unit_symbol": "°C",
                       "latest_time": "2025-06-02T10:00:00Z"})
        layers[layer].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                              "properties": props})
    for layer, features in layers.items():
        (out / f"{layer}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                              encoding="utf-8")


def expected_order() -> list[tuple[str, str, str]]:
    """(kind, id, name): pins from the north row down (one pin per row here), then the buildings by id."""
    pins = sorted(PINS, key=lambda p: -p[4])
    return ([(layer, pid, name) for layer, pid, name, _e, _n in pins]
            + [("building", b[0], b[0]) for b in sorted(BUILDINGS)])


def hint(lang: str, order, i: int) -> str:
    kind, _pid, name = order[i]
    label = {"building": ("Gebäude", "Building"), **KINDS}[kind][lang == "en"]
    return HINT[lang].format(kind=label, name=name, i=i + 1, n=len(order))


def test_keyboard_picks_pins_and_buildings(tmp_path):
    with served_site(tmp_path) as (site, base, node):
        out = site / "city"
        write_fixture_tileset(out, "1.1")
        write_pins(out)
        write_viewer(out, cesium_url=site / "cesium", title="GeoTwin",
                     extra_layers={"Learning islands": "../islands.geojson", "Sensors": "../sensors.geojson"})
        v = _drive(tmp_path, node, base)
    order = expected_order()
    n = len(order)
    _check_focus_and_steps(v, order)
    # Enter on a pin: the island's panel, focused; Escape: closed, the focus back on the map, the pin still chosen
    assert v["open_pin"]["pickedId"] == "island-a" and v["open_pin"]["title"] == "Lerninsel Nord", v["open_pin"]
    assert v["open_pin"]["hidden"] is False and v["open_pin"]["focus"] == "info" and v["open_pin"]["kind"] == "island"
    assert "Plätze: 12" in v["open_pin"]["text"], v["open_pin"]
    assert v["closed_pin"] == {"hidden": True, "focus": "cesiumContainer", "pickedId": None,
                               "hint": hint("de", order, 0), "scale": 1.4}, v["closed_pin"]
    # End: the last building; Enter: its panel with its id, like a click on it
    assert v["end"]["current"]["id"] == order[-1][1] and v["end"]["hint"] == hint("de", order, n - 1)
    assert v["open_building"]["pickedId"] == order[-1][1] and v["open_building"]["kind"] == "building"
    assert v["open_building"]["title"] == order[-1][1] and v["open_building"]["focus"] == "info"
    assert v["closed_building"]["hidden"] is True and v["closed_building"]["focus"] == "cesiumContainer"
    # the chosen building is marked yellow while the map has the focus, its own colour again when it loses it
    assert v["closed_building"]["color"] == [1, 1, 0, 1], v["closed_building"]
    assert v["home"]["current"]["id"] == order[0][1]
    # English after the switch: the hint and the map's name follow
    assert v["english"]["hint"] == hint("en", order, 0), v["english"]
    assert v["english"]["label"].startswith("3D map. Arrow keys"), v["english"]
    # islands and sensors only: the points' legend lists them; "other points" stays hidden until such a pin shows
    expected = legend_items(["Learning islands", "Sensors", "Other points"])
    assert v["legend_en"] == expected[:2] + [{**expected[2], "shown": False}], v["legend_en"]
    # the hint line meets WCAG AA contrast like every other text
    hint_items = [i for i in v["contrast"] if "pick-hint" in i["element"]]
    assert hint_items and all(i["ratio"] >= i["need"] for i in v["contrast"]), v["contrast"]
    # the sensors' value labels on the canvas: white on a black halo
    check_canvas_labels(v["canvas_labels"], sum(layer == "sensors" for layer, *_ in PINS))
    assert {label["text"] for label in v["canvas_labels"]} == {"21,5\u00a0°C"}, v["canvas_labels"]


def _check_focus_and_steps(v, order):
    n = len(order)
    # the first Tab stop is the map: ringed (2 px or more, 3:1), named, and it says how many objects are in view
    focus = v["tab"]
    assert focus["id"] == "cesiumContainer" and focus["focusVisible"] and focus["visible"], focus
    assert focus["outlineWidth"] >= 2 and focus["outlineContrast"] >= 3, focus
    assert v["aria"] == {"role": "application", "live": "polite",
                         "label": "3D-Karte. Pfeiltasten: eine Stecknadel oder ein Gebäude im Blick wählen; "
                                  "Eingabetaste: zeigen; Escape: schließen"}, v["aria"]
    assert v["focused"]["count"] == n and v["focused"]["current"] is None, v["focused"]
    assert v["focused"]["hint"] == f"{n} Objekte im Blick: Pfeiltasten wählen, Eingabetaste zeigt"
    # ArrowRight through every object, wrapping round; ArrowLeft back
    got = [(s["current"]["kind"] if s["current"]["type"] == "pin" else "building", s["current"]["id"],
            s["current"]["name"]) for s in (v[f"right{i}"] for i in range(n))]
    kinds = {"islands": "island", "sensors": "sensor", "building": "building"}
    assert got == [(kinds[k], i, name) for k, i, name in order], got
    assert [v[f"right{i}"]["hint"] for i in range(n)] == [hint("de", order, i) for i in range(n)]
    assert v["wrapped"]["current"]["id"] == order[0][1] and v["left"]["current"]["id"] == order[-1][1]
    # only the chosen pin is enlarged
    assert v["scales"] == {pid: (1.4 if pid == order[1][1] else 1) for _l, pid, *_ in PINS}, v["scales"]


def _drive(tmp_path, node, base):
    n = len(expected_order())
    lon, lat, _ = enu_to_geodetic(0.0, 5.0, 0.0)
    scales = ("(() => { const out = {}, sources = window.geotwin.viewer.dataSources; "
              "for (let i = 0; i < sources.length; i++) { for (const e of sources.get(i).entities.values) { "
              "const bag = e.properties, key = bag.hasProperty('id') ? bag.id.getValue() : bag.sensor_key.getValue(); "
              "out[key] = e.billboard.scale ? e.billboard.scale.getValue() : 1; } } "
              "return out; })()")
    panel = ("({pickedId: window.geotwin.pickedId, title: document.getElementById('info-title').textContent, "
             "text: document.getElementById('info').innerText, hidden: document.getElementById('info').hidden, "
             "focus: document.activeElement.id, kind: window.geotwin.picked && window.geotwin.picked.kind})")
    closed = ("({hidden: document.getElementById('info').hidden, focus: document.activeElement.id, "
              "pickedId: window.geotwin.pickedId, hint: document.getElementById('pick-hint').textContent")
    pin_scale = (", scale: " + scales + "['island-a']})")
    steps = [{"eval": f"(window.geotwinProbe = {PROBE.read_text(encoding='utf-8')}, true)", "as": "probe"},
             {"lookAt": [lon, lat, GROUND_H, 0, -89, 200]},
             {"key": "Tab"}, {"eval": FOCUS, "as": "tab"},
             {"eval": "(m => ({role: m.getAttribute('role'), label: m.getAttribute('aria-label'), live: "
                      "document.getElementById('pick-hint').getAttribute('aria-live')}))"
                      "(document.getElementById('cesiumContainer'))", "as": "aria"},
             {"eval": STATE, "as": "focused"},
             {"eval": "window.geotwinProbe.canvasLabels()", "as": "canvas_labels"}]
    for i in range(n):
        steps += [{"key": "ArrowRight"}, {"eval": f"JSON.parse(JSON.stringify({STATE}))", "as": f"right{i}"}]
        if i == 1:
            steps.append({"eval": scales, "as": "scales"})
    steps += [{"key": "ArrowRight"}, {"eval": f"JSON.parse(JSON.stringify({STATE}))", "as": "wrapped"},
              {"key": "ArrowLeft"}, {"eval": f"JSON.parse(JSON.stringify({STATE}))", "as": "left"},
              {"key": "Home"}, {"key": "Enter"}, {"eval": panel, "as": "open_pin"},
              {"key": "Escape"}, {"eval": closed + pin_scale, "as": "closed_pin"},
              {"eval": "window.geotwinProbe.contrast()", "as": "contrast"},
              {"key": "End"}, {"eval": f"JSON.parse(JSON.stringify({STATE}))", "as": "end"},
              {"key": "Enter"}, {"eval": panel, "as": "open_building"},
              {"key": "Escape"},
              {"eval": closed + ", color: (f => [f.color.red, f.color.green, f.color.blue, f.color.alpha])"
                       "(window.geotwin.tileset.root.content.getFeature(" + str(len(BUILDINGS) - 1) + "))})",
               "as": "closed_building"},
              {"key": "Home"}, {"eval": f"JSON.parse(JSON.stringify({STATE}))", "as": "home"},
              {"eval": "document.getElementById('lang-switch').click(), "
                       "document.getElementById('cesiumContainer').focus(), true", "as": "_"},
              {"key": "Home"},
              {"eval": "({hint: document.getElementById('pick-hint').textContent, "
                       "label: document.getElementById('cesiumContainer').getAttribute('aria-label')})",
               "as": "english"},
              {"eval": MARKER_LEGEND, "as": "legend_en"},
              {"screenshot": str(tmp_path / "keyboard.png")}]
    return page_values(node, f"{base}/city/viewer/index.html", steps, tmp_path, timeout=300)
