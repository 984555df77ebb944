"""The web map (CesiumJS in Debian's chromium, headless, localhost only) shows tiles exported for the QGIS target
too: float positions, and Draco-compressed with the feature ids in the Draco buffer (each building picked by its
id from the tiles' property tables)."""
from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyogrio

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

CESIUM_BUILD = ROOT / "node_modules" / "cesium" / "Build" / "Cesium"
DRIVER = ROOT / "tests" / "browser" / "drive_viewer.cjs"
CHROMIUM = Path("/usr/bin/chromium")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_web_map_shows_the_qgis_targets(tmp_path):
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    assert (CESIUM_BUILD / "Cesium.js").exists(), "run scripts/bootstrap.sh: node_modules/cesium is missing"
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    district = generate_district(tmp_path / "district", buildings=20, seed=0, formats=("citygml",))
    gpkg = tmp_path / "district.gpkg"
    import_citymodel([tmp_path / "district" / district.files["citygml"]], gpkg, None, "2", CollectingReporter())
    ids = set(pyogrio.read_dataframe(gpkg, layer="buildings", read_geometry=False)["id"])
    site = tmp_path / "site"
    site.mkdir()
    (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)
    runs = {"qgis": ExportOptions(target="qgis", cesium_url=str(site / "cesium")),
            "draco": ExportOptions(target="qgis", draco=True, cesium_url=str(site / "cesium"))}
    for name, options in runs.items():
        export_3dtiles(gpkg, site / name, options, CollectingReporter())
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    job = {"origin": base, "userDataDir": str(tmp_path / "profile"), "timeoutMs": 120000,
           "pages": [{"url": f"{base}/{name}/viewer/index.html", "screenshot": str(tmp_path / f"{name}.png")}
                     for name in runs]}
    (tmp_path / "job.json").write_text(json.dumps(job))
    try:
        proc = subprocess.run([node, str(DRIVER), str(tmp_path / "job.json")], capture_output=True, text=True,
                              timeout=600, cwd=ROOT)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["foreignRequests"] == []
    for name, page in zip(runs, result["pages"]):
        assert page["load"]["loaded"] and not page["load"]["error"], (name, page["load"])
        assert {f["id"] for f in page["features"]} == ids, name
