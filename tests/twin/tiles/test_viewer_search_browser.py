"""The web map's search box and the pixels of its pins, in headless chromium (Debian's, driven by playwright-core
through tests/browser/webmap.cjs; probes in tests/browser/a11y_probe.js).

The full twin of a generated district (geotwin:buildtwin, exported to 3D Tiles with its sharded search index,
search/). Typing loads the shard list and, per query, only the shard of its words with the fewest buildings: the
page's requests (Resource Timing) are exactly the shards the page's choice gives for every text typed, keystroke by
keystroke (computed here from the shard list), far fewer than the index holds. The index is written again with a
shard limit below the district's building count, so the city's name is too broad: typing "Karlsruhe" loads no shard,
searches the pins only and asks for more; "Karlsruhe <street>" finds the street's buildings through its shard. The search box is a Tab stop with a focus ring; typing a street lists its buildings (counted here from the twin GeoPackage,
words folded as the page folds them), the arrow keys move the active option (aria-activedescendant), typing a
building's address and Enter fly to that building (its id read from the GeoPackage by its address) and open its
info panel; Escape closes it and the focus returns to the box; a learning island is found by its name. Every text
of the open list meets WCAG AA. At the overview, the pins and the cluster pins are read pixel by pixel: drawn in the
page's configured fill, halo and edge colours only, the fill never touching the map behind, the symbol or count in
the text colour inside. One chromium launch; no request leaves the loopback."""
from __future__ import annotations

import json
import re

import pyogrio

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles.browser_job import page_values, served_site
from geotwin.tests.twin.tiles.test_search_shards import pick_shard
from geotwin.tests.twin.tiles.test_viewer_browser import twin_export
from geotwin.tests.twin.tiles.test_viewer_pin_contrast import pin_colours, ratio
from geotwin.twin.tiles.search_index import SEARCH_DIR, SEARCH_FILE, words, write_shards

PROBE = ROOT / "tests" / "browser" / "a11y_probe.js"
TABS = 6
STATE = "JSON.parse(JSON.stringify(window.geotwin.search))"
BOX = ("(i => ({value: i.value, expanded: i.getAttribute('aria-expanded'), active: i.getAttribute("
       "'aria-activedescendant'), options: [...document.querySelectorAll('#search-results [role=option]')].map(o => "
       "({id: o.id, selected: o.getAttribute('aria-selected'), text: o.textContent})), status: "
       "document.getElementById('search-status').textContent, state: " + STATE + "}))"
       "(document.getElementById('search-input'))")
FETCHED = ("performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/search/'))"
           ".map(n => decodeURIComponent(n.split('/search/')[1]))")
PANEL = ("({pickedId: window.geotwin.pickedId, text: document.getElementById('info').innerText, hidden: "
         "document.getElementById('info').hidden, focus: document.activeElement.id, status: "
         "document.getElementById('search-status').textContent, state: " + STATE + "})")


def typed_shards(index: dict, texts: list[str]) -> set[str]:
    """The shard files the page loads while each text is typed into the emptied box, keystroke by keystroke."""
    picks = (pick_shard(index, words(text[:n])) for text in texts for n in range(1, len(text) + 1))
    return {p["file"] for p in picks if p and p["file"]}


def found(query: str, texts: list[str]) -> bool:
    """Every word of the query starts a word of the entry."""
    entry = [w for t in texts for w in words(t)]
    return all(any(w.startswith(q) for w in entry) for q in words(query))


def twin_buildings(gpkg) -> list[dict]:
    frame = pyogrio.read_dataframe(gpkg, layer="buildings", read_geometry=False)
    out = []
    for row in frame.itertuples():
        if isinstance(row.parent_id, str) and row.parent_id:
            continue
        street = " ".join(str(v) for v in (row.street, row.house_number) if v)
        town = " ".join(str(v) for v in (row.postal_code, row.city) if v)
        out.append({"id": row.id, "name": row.name or "", "street": row.street or "",
                    "address": ", ".join(p for p in (street, town) if p), "short": street})
    return out


def test_search_box_and_pin_pixels(tmp_path, run_alg, district_sources):
    with served_site(tmp_path) as (site, base, node):
        twin = twin_export(district_sources, run_alg, tmp_path, site)
        _run(tmp_path, twin, base, node)


def _run(tmp_path, twin, base, node):
    out = twin["out"]
    buildings = twin_buildings(twin["gpkg"])
    points = {name: json.loads((out / file).read_text(encoding="utf-8"))["features"]
              for name, file in (("Learning islands", "islands.geojson"), ("Sensors", "sensors.geojson"))}
    pins = [(str(p.get("id") or p.get("sensor_key")), str(p.get("name") or p.get("sensor_name") or ""))
            for fs in points.values() for p in (f["properties"] for f in fs)]
    # the street with the most buildings; its building whose short address no other entry also matches
    streets = sorted({b["street"] for b in buildings if b["street"]},
                     key=lambda s: -sum(b["street"] == s for b in buildings))
    street = streets[0]
    on_street = [b for b in buildings if found(street, [b["id"], b["name"], b["address"]])]
    street_pins = [p for p in pins if found(street, list(p))]
    target = next(b for b in buildings if b["street"] == street and
                  [o["id"] for o in buildings if found(b["short"], [o["id"], o["name"], o["address"]])] == [b["id"]]
                  and not [p for p in pins if found(b["short"], list(p))])
    island_id, island_name = next((str(f["properties"]["id"]), f["properties"]["name"])
                                  for f in points["Learning islands"] if f["properties"].get("name"))
    limit = reshard(out, "karlsruhe")
    index = json.loads((out / SEARCH_FILE).read_text(encoding="utf-8"))
    assert "karlsruhe" in index["broad"] and limit >= 3, (index["broad"], limit)   # also its postal code, "debw"
    city_street = f"Karlsruhe {street}"
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>',
                                  (out / "viewer" / "index.html").read_text(encoding="utf-8"), re.S).group(1))
    colours = pin_colours(config)
    kinds = {"Learning islands": "island", "Sensors": "sensor"}
    per_layer = {layer: {"fill": colours["fills"][kind], "edge": colours["edge"], "halo": colours["halo"]}
                 for layer, kind in kinds.items()}
    ring = int(colours["haloWidth"] + colours["edgeWidth"]) + 1
    steps = [{"eval": f"(window.geotwinProbe = {PROBE.read_text(encoding='utf-8')}, true)", "as": "probe"},
             {"eval": f"window.geotwinProbe.pinPixels({json.dumps(per_layer)}, {ring})", "as": "pixels"},
             *[step for i in range(TABS) for step in ({"key": "Tab"},
                                                      {"eval": "window.geotwinProbe.focus()", "as": f"tab{i}"})],
             {"eval": "document.getElementById('search-input').focus(), true", "as": "_"},
             {"type": street}, {"wait": "window.geotwin.search.hits.length > 0"}, {"eval": BOX, "as": "street"},
             {"eval": FETCHED, "as": "street_fetched"},
             {"eval": "window.geotwinProbe.contrast()", "as": "contrast_list"},
             {"key": "ArrowDown"}, {"key": "ArrowDown"}, {"eval": BOX, "as": "down2"},
             {"key": "ArrowUp"}, {"eval": BOX, "as": "up1"},
             {"key": "ArrowDown"}, {"eval": "window.geotwinProbe.contrast()", "as": "contrast_active"},
             {"key": "Control+A"}, {"type": target["short"]},
             {"wait": f"window.geotwin.search.hits.length === 1 && document.getElementById('search-input').value "
                      f"=== {json.dumps(target['short'])}"},
             {"eval": BOX, "as": "address"},
             {"key": "Enter"}, {"wait": "window.geotwin.search.shown !== null || "
                                        "/nicht geladen/.test(document.getElementById('search-status').textContent)"},
             {"eval": PANEL, "as": "shown"},
             {"key": "Escape"}, {"eval": PANEL, "as": "escaped"},
             {"key": "Control+A"}, {"type": island_name},
             {"wait": "window.geotwin.search.hits.length > 0"}, {"eval": BOX, "as": "island_hits"},
             {"key": "Enter"}, {"wait": "window.geotwin.search.shown !== null"}, {"eval": PANEL, "as": "island"},
             {"key": "Escape"}, {"key": "Control+A"}, {"type": "zzqx"},
             {"wait": "/Kein Treffer/.test(document.getElementById('search-status').textContent)"},
             {"eval": BOX, "as": "none"},
             {"key": "Control+A"}, {"type": "Karlsruhe"},
             {"wait": "document.getElementById('search-input').value === 'Karlsruhe' && "
                      "/Weiter tippen/.test(document.getElementById('search-status').textContent)"},
             {"eval": BOX, "as": "broad"}, {"eval": FETCHED, "as": "broad_fetched"},
             {"key": "Control+A"}, {"type": city_street},
             {"wait": f"document.getElementById('search-status').textContent === "
                      f"{json.dumps(count_status(city_street, buildings, pins))}"},
             {"eval": BOX, "as": "city_street"},
             {"click": "#lang-switch"}, {"eval": "document.getElementById('search-input').focus(), true", "as": "_"},
             {"key": "Control+A"}, {"type": street}, {"wait": "window.geotwin.search.hits.length > 0"},
             {"eval": f"({{label: document.getElementById('search-label').textContent, box: {BOX}}})", "as": "english"},
             {"eval": FETCHED, "as": "fetched"},
             {"screenshot": str(tmp_path / "search.png")}]
    v = page_values(node, f"{base}/twin/viewer/index.html", steps, tmp_path, timeout=900)
    _check_pixels(v["pixels"], colours, kinds)
    _check_list(v, on_street, street_pins, street)
    _check_fetched(v, index, out, [street, target["short"], island_name, "zzqx", "Karlsruhe", city_street, street])
    _check_broad(v, index, pins, [street, target["short"], island_name, "zzqx"])
    # the city's name beside the street: found in the street's shard, the buildings of that street in Karlsruhe
    box = v["city_street"]
    on_both = [b["id"] for b in buildings if found(city_street, [b["id"], b["name"], b["address"]])]
    assert on_both and {h["id"] for h in box["state"]["hits"]} <= set(on_both) | {p[0] for p in pins}, box
    assert pick_shard(index, words(city_street)) == pick_shard(index, words(street)), "the street's shard"
    assert box["state"]["shards"][-1] != "karlsruhe" and len(on_both) <= limit, box["state"]["shards"]
    # the address: exactly the building the GeoPackage has there, flown to and shown
    assert [h["id"] for h in v["address"]["state"]["hits"]] == [target["id"]], (target, v["address"])
    shown = v["shown"]
    assert shown["state"]["shown"] == target["id"] and shown["pickedId"] == target["id"], (target, shown)
    assert shown["hidden"] is False and shown["focus"] == "info", shown
    assert target["id"] in shown["text"] and target["short"].split()[0] in shown["text"], shown["text"]
    assert shown["status"] == f"Gebäude {target['name'] or target['address']} gezeigt", shown["status"]
    assert v["escaped"]["hidden"] is True and v["escaped"]["focus"] == "search-input", v["escaped"]
    # an island by its name
    assert island_id in [h["id"] for h in v["island_hits"]["state"]["hits"]], v["island_hits"]
    assert v["island"]["pickedId"] == island_id and v["island"]["hidden"] is False, v["island"]
    assert v["none"]["status"] == "Kein Treffer für „zzqx“" and v["none"]["expanded"] == "false", v["none"]
    assert v["english"]["label"] == "Find a building, learning island or sensor", v["english"]
    total = len(on_street) + len(street_pins)
    assert v["english"]["box"]["status"] == (f"{total} results: arrow keys choose, Enter shows" if total > 1
                                             else "1 result: Enter shows it"), v["english"]


def reshard(out, word: str) -> int:
    """Write the export's search index again (write_shards, from the rows its shards list) with a shard limit one
    below the buildings with ``word`` (a district's city: every building's), so that it is too broad; the limit."""
    rows = {}
    for entry in json.loads((out / SEARCH_FILE).read_text(encoding="utf-8"))["shards"].values():
        for row in json.loads((out / SEARCH_DIR / entry["file"]).read_text(encoding="utf-8"))["rows"]:
            rows[row[0]] = row
    limit = sum(word in words(" ".join(r[:3])) for r in rows.values()) - 1
    table = [rows[k] for k in sorted(rows)]
    write_shards(out, lambda: table, shard_rows=limit)
    return limit


def count_status(query: str, buildings: list[dict], pins: list) -> str:
    """The German status of a query's hits: the buildings and pins with every word of it."""
    total = sum(found(query, [b["id"], b["name"], b["address"]]) for b in buildings) + \
        sum(found(query, list(p)) for p in pins)
    return "1 Treffer: Eingabetaste zeigt ihn" if total == 1 else f"{total} Treffer: Pfeiltasten wählen, Eingabetaste zeigt"


def _check_broad(v, index, pins, before):
    """The city's name alone: no shard loaded (only those of the texts typed before), the pins searched, the status
    asks for more."""
    box = v["broad"]
    assert sorted(v["broad_fetched"]) == sorted({"index.json"} | typed_shards(index, before)), v["broad_fetched"]
    pinned = [p[0] for p in pins if found("Karlsruhe", list(p))]
    assert sorted(h["id"] for h in box["state"]["hits"]) == sorted(pinned)[:10], box
    assert {h["type"] for h in box["state"]["hits"]} <= {"pin"}, box
    more = "Weiter tippen (Straße oder Hausnummer), um Gebäude zu suchen"
    assert box["status"] == (f"{count_status('Karlsruhe', [], pins)}. {more}" if pinned else more), box["status"]
    assert box["expanded"] == ("true" if pinned else "false"), box


def _check_fetched(v, index, out, typed):
    """Only the shard list and the shards the page's choice names were loaded, each once; the street's at once."""
    street = typed_shards(index, typed[:1])
    assert len(street) == 1 and set(v["street_fetched"]) == {"index.json"} | street, (street, v["street_fetched"])
    expected = typed_shards(index, typed)
    assert sorted(v["fetched"]) == sorted({"index.json"} | expected), (expected, v["fetched"])
    assert len(index["shards"]) >= 5 * len(expected), (len(index["shards"]), expected)
    loaded = sum((out / SEARCH_DIR / f).stat().st_size for f in expected)
    assert loaded < 0.5 * sum(p.stat().st_size for p in (out / SEARCH_DIR).iterdir()), loaded
    assert v["english"]["box"]["state"]["buildings"] == index["buildings"]


def _check_list(v, on_street, street_pins, street):
    # the box is a Tab stop after the map's buttons, ringed like them
    stops = [v[f"tab{i}"] for i in range(TABS)]
    ids = [s.get("id") for s in stops]
    assert "search-input" in ids and ids.index("lang-switch") < ids.index("search-input"), stops
    tab = stops[ids.index("search-input")]
    assert tab["focusVisible"] and tab["visible"] and tab["outlineWidth"] >= 2, tab
    assert tab["outlineContrast"] >= 3, tab
    box = v["street"]
    total = len(on_street) + len(street_pins)
    assert len(on_street) >= 3, (street, on_street)
    assert box["value"] == street and box["expanded"] == "true" and box["active"] is None, box
    hits = box["state"]["hits"]
    assert len(hits) == min(total, 10), (len(hits), total)
    assert {h["id"] for h in hits} <= {b["id"] for b in on_street} | {p[0] for p in street_pins}
    assert box["status"] == f"{total} Treffer: Pfeiltasten wählen, Eingabetaste zeigt", box["status"]
    assert [o["selected"] for o in box["options"]] == ["false"] * len(hits)
    # ArrowDown twice: the second option is active; ArrowUp: the first
    assert v["down2"]["active"] == "search-option-1" and v["down2"]["state"]["active"] == 1, v["down2"]
    assert [o["selected"] for o in v["down2"]["options"]][:2] == ["false", "true"]
    assert v["up1"]["active"] == "search-option-0" and v["up1"]["state"]["active"] == 0, v["up1"]
    for key in ("contrast_list", "contrast_active"):
        items = v[key]
        listed = [i for i in items if "search-results" in i["element"]]
        assert listed and any("search-input (border)" in i["element"] for i in items), (key, items)
        assert [i for i in items if i["ratio"] < i["need"]] == [], (key, items)


def _check_pixels(images, colours, kinds):
    """Each pin image: only the fill, halo and edge colours (and the text's, here the halo's) and mixes of two of
    them where it is opaque,
    the fill never beside a transparent pixel, the symbol or count drawn inside; cluster pins among them."""
    assert images and all("error" not in i for i in images), images
    assert {i["layer"] for i in images} == set(kinds), images
    assert any(i["cluster"] for i in images), images  # the overview gathers pins
    text_name = "halo" if colours["text"] == colours["halo"] else None
    assert text_name, "the probe tells text from halo by depth only when they share a colour"
    for image in images:
        counts, opaque = image["counts"], sum(image["counts"].values())
        assert counts["fill"] > 0.25 * opaque and counts["halo"] > 0 and counts["edge"] > 0, image
        # the rest is anti-aliasing between two of those colours; hardly a pixel of anything else
        assert counts["foreign"] <= 0.02 * opaque, image
        assert image["fillOnEdge"] == 0, image
        assert image["inside"].get(text_name, 0) >= 6, image  # the symbol / count, deeper than the ring
        assert image["inside"].get("edge", 0) == 0, image
        fill = colours["fills"][kinds[image["layer"]]]
        assert ratio(fill, colours["halo"]) >= 3 and ratio(colours["text"], fill) >= 4.5
