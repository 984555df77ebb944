"""The shipped QML styles are what their builders write: regenerated from a real twin, byte for byte."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from geotwin.tests.paths import ROOT

STYLES = ROOT / "resources" / "styles"


def _twin(run_alg, out: Path) -> str:
    """A twin GeoPackage built by the shipped district model from a small generated district."""
    outputs = {"sampledistrict:DISTRICT": "district", "importcitymodel:CITYMODEL": "city.gpkg",
               "importifc:BIM": "school.gpkg", "importlearningislands:ISLANDS": "islands.gpkg",
               "importsensors:SENSORS": "sensors.gpkg", "buildtwin:TWIN": "twin.gpkg", "export3dtiles:TILES": "tiles"}
    params = {"BUILDINGS": 10, **{key: str(out / name) for key, name in outputs.items()}}
    return run_alg("geotwin:districttwin", params)["buildtwin:TWIN"]


def test_builders_regenerate_the_shipped_styles(run_alg, python_exe, tmp_path):
    """Whatever Qt hash seed the caller's environment has (none, another one), the XML is the shipped one."""
    twin = _twin(run_alg, tmp_path)
    written = tmp_path / "qml"
    written.mkdir()
    unseeded = {k: v for k, v in os.environ.items() if k != "QT_HASH_SEED"}
    for builder, env in (("build_styles.py", unseeded), ("build_twin_styles.py", {**unseeded, "QT_HASH_SEED": "7"})):
        proc = subprocess.run([python_exe, str(STYLES / builder), twin, str(written)],
                              capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(p.name for p in STYLES.glob("*.qml"))
    assert [n for n in names if (written / n).read_bytes() != (STYLES / n).read_bytes()] == []
