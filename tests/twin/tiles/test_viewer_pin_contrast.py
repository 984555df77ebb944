"""WCAG 2.1 contrast of the web map's pins and cluster badges, from the colours the written page gives its script
(the config in index.html), with relative luminance computed here: each pin's fill 3:1 against its halo ring
(1.4.11), the ring 3:1 against any colour the map may show behind it (halo or edge), the symbol or count 4.5:1
against every fill (1.4.3); and the script draws pins with those colours only (no colours of its own). The
pixels of the pins as drawn are read in headless chromium by test_viewer_search_browser."""
from __future__ import annotations

import json
import re

import numpy as np

from geotwin.twin.tiles.viewer import TEMPLATE_DIR, write_viewer


def rgb(css: str) -> tuple[int, int, int]:
    """#rrggbb -> (r, g, b)."""
    m = re.fullmatch(r"#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})", css)
    assert m, css
    return (int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16))


def luminance(colour) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour (0-255)."""
    c = [v / 255 for v in colour]
    c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]


def ratio_of(l1: float, l2: float) -> float:
    return (max(l1, l2) + 0.05) / (min(l1, l2) + 0.05)


def ratio(a, b) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours."""
    return ratio_of(luminance(a), luminance(b))


def page_config(tmp_path) -> dict:
    page = write_viewer(tmp_path, cesium_url="https://cesium.example/Build/Cesium/Cesium.js", ground_height=160.0)
    text = page.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="geotwin-config">(.*?)</script>', text, re.S).group(1))


def pin_colours(config: dict) -> dict:
    """fills (kind -> rgb), halo, edge, text as the page configures them."""
    style = config["pinStyle"]
    fills = {c["kind"]: rgb(c["color"]) for c in [*config["markerClasses"], config["otherMarker"]]}
    return {"fills": fills, "halo": rgb(style["halo"]), "edge": rgb(style["edge"]), "text": rgb(style["text"]),
            "haloWidth": style["haloWidth"], "edgeWidth": style["edgeWidth"]}


def test_pin_and_badge_colours_meet_wcag(tmp_path):
    pins = pin_colours(page_config(tmp_path))
    assert set(pins["fills"]) == {"island", "sensor", "feature"}
    for kind, fill in pins["fills"].items():
        assert ratio(fill, pins["halo"]) >= 3, (kind, ratio(fill, pins["halo"]))     # the pin against its ring
        assert ratio(pins["text"], fill) >= 4.5, (kind, ratio(pins["text"], fill))   # symbol / count on the badge
    # whatever the map shows behind a pin (any luminance), the halo or the edge stands 3:1 against it
    backgrounds = np.linspace(0.0, 1.0, 10001)
    worst = min(max(ratio_of(luminance(pins["halo"]), b), ratio_of(luminance(pins["edge"]), b)) for b in backgrounds)
    assert worst >= 3, worst
    # the ring is a visible line: 2 px of halo and 1 px or more of edge
    assert pins["haloWidth"] >= 2 and pins["edgeWidth"] >= 1


def test_viewer_script_draws_pins_from_the_config(tmp_path):
    config = page_config(tmp_path)
    script = (TEMPLATE_DIR / "viewer.js").read_text(encoding="utf-8")
    # the pins' colours come from the config: the kinds' styles and the pin drawing name no colour of their own,
    # and CesiumJS's PinBuilder (its ring a thin lighter tint of the fill: 2.9:1 on the islands' green) is unused
    kinds = re.search(r"var kindStyle = \{\};.*?\}\);", script, re.S).group(0)
    drawing = re.search(r"function pinImage\(.*?state\.pinImage = pinImage;", script, re.S).group(0)
    for part in (kinds, drawing):
        assert re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", part) == [], part
    assert "config.markerClasses.concat([config.otherMarker])" in kinds
    assert "config.pinStyle" in drawing and "PinBuilder()" not in script
    assert len(config["markerClasses"]) == 2
