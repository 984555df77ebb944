"""scripts/qgis_tiles_check.py on the QGIS of this machine, on the FZK-Haus exported for each target: on QGIS older
than 3.34 (Debian 12: 3.22) every tileset is left to the vector 3D view and nothing is rendered; on 3.34+ the QGIS
target's tiles are drawn and the Cesium target's are not (QGIS's glTF loader reads no quantised positions)."""
from __future__ import annotations

import json
import subprocess
import sys

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

FZK_LOD2 = "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"


def test_check_script_on_this_qgis(shared_data, tmp_path, qgis_app):
    from qgis.core import Qgis

    gpkg = tmp_path / "fzk.gpkg"
    import_citymodel([shared_data / FZK_LOD2], gpkg, None, "2", CollectingReporter())
    runs = {"cesium": ExportOptions(viewer=False), "qgis": ExportOptions(target="qgis", viewer=False),
            "draco": ExportOptions(target="qgis", draco=True, viewer=False)}
    for name, options in runs.items():
        export_3dtiles(gpkg, tmp_path / name, options, CollectingReporter())
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "qgis_tiles_check.py"), "--images",
                           str(tmp_path / "png"), *[str(tmp_path / n) for n in runs]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    result = {line["tileset"].rsplit("/", 1)[-1]: line for line in lines}
    assert sorted(result) == sorted(runs)
    assert {n: (r["target"], r["draco"]) for n, r in result.items()} == {
        "cesium": ("cesium", False), "qgis": ("qgis", False), "draco": ("qgis", True)}
    assert {r["qgis"] for r in lines} == {Qgis.versionInt()}
    if Qgis.versionInt() < 33400:
        assert all((r["decision"], r["layer_valid"], r["drawn"]) == ("vector-3d", None, None) for r in lines)
        assert not (tmp_path / "png").exists()
    else:
        assert result["qgis"]["decision"] == "add-layer" and result["qgis"]["drawn"] > 0
        assert result["cesium"]["decision"] == "cesium-only" and result["cesium"]["drawn"] == 0
