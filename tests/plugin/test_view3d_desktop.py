"""The DGM as the terrain of the docked 3D view in real QGIS desktop (Xvfb, Mesa llvmpipe, German UI): the plugin's
"Open twin…" code opens the test twin, the saved project holds the live view's settings (QGIS desktop writes them),
and those name a DEM terrain of the DGM layer with no elevation offset, so the buildings stand on it; the scene
takes at least 75 % of the view's width."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from geotwin.tests.paths import ROOT


def test_desktop_3d_view_has_the_dgm_as_terrain(twin, tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.fail("xvfb-run is missing: scripts/bootstrap.sh installs xvfb and xauth")
    gpkg = twin[0]
    env = {**os.environ, "GEOTWIN_TWIN": str(gpkg), "GEOTWIN_REPORT": str(tmp_path / "report.json"),
           "GEOTWIN_PROJECT": str(tmp_path / "project.qgs"), "GEOTWIN_SHOT": str(tmp_path / "view.png")}
    proc = subprocess.run([str(ROOT / "scripts" / "qgis_desktop.sh"), "de",
                           str(ROOT / "scripts" / "screenshot_analyst.py")], env=env, capture_output=True,
                          text=True, timeout=600)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["errors"] == [], (report, proc.stderr[-2000:])
    assert report["view"] and report["loaded"] and report["dgm"]["source"].endswith("dgm.tif")
    root = ET.parse(tmp_path / "project.qgs").getroot()
    dgm_id = report["dgm"]["id"]
    layer = [m for m in root.iter("maplayer") if m.findtext("id") == dgm_id]
    assert layer and layer[0].findtext("datasource").endswith("dgm.tif")
    views = root.findall("mapViewDocks3D/view")
    assert len(views) == 1
    terrain = views[0].find("qgis3d/terrain")
    generator = terrain.find("generator")
    assert generator.get("type") == "dem" and generator.get("layer") == dgm_id
    assert float(terrain.get("elevation-offset")) == 0.0 and float(terrain.get("exaggeration")) == 1.0
    # the buildings' 3D symbols keep their absolute heights (not lowered onto a flat terrain)
    symbols = [d for r in root.iter("renderer-3d") for d in r.iter("data") if d.get("alt-clamping")]
    assert len(symbols) > 10 and {(d.get("alt-clamping"), float(d.get("height"))) for d in symbols} == {
        ("absolute", 0.0)}
    assert (tmp_path / "view.png").stat().st_size > 20_000
    # the scene gets the view's width: QGIS's on-screen navigation (about 350 of 800 px) turned off with its own
    # toolbar toggle, which stays there to bring it back
    widths = report["widths"]
    (scene_width, scene_shown), = widths["scene"]
    assert scene_shown and scene_width >= 0.75 * widths["dock"] and widths["dock"] >= 600, widths
    assert all(not shown for _width, shown in widths["navigation"]) and widths["navigation"], widths
    assert ["Bildschirmnavigation umschalten", False] in widths["toggles"], widths
