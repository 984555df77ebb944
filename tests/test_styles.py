"""The shipped QML styles are what their builders write: regenerated from a real twin, byte for byte."""
from __future__ import annotations

import subprocess
from pathlib import Path

STYLES = Path(__file__).resolve().parent.parent / "resources" / "styles"


def _twin(run_alg, out: Path) -> str:
    """A twin GeoPackage built by the real algorithms from a small generated district."""
    district = run_alg("geotwin:sampledistrict", {"BUILDINGS": 10, "OUTPUT": str(out / "district")})
    city = run_alg("geotwin:importcitymodel", {"INPUT": [district["CITYGML"]], "OUTPUT": str(out / "city.gpkg")})
    bim = run_alg("geotwin:importifc", {"INPUT": district["IFC"], "OUTPUT": str(out / "school.gpkg")})
    footprints = f"{city['OUTPUT']}|layername=footprints"
    islands = run_alg("geotwin:importlearningislands", {
        "INPUT": district["ISLANDS"], "BUILDINGS": footprints, "ROOMS": f"{bim['OUTPUT']}|layername=bim_spaces",
        "OUTPUT": str(out / "islands.gpkg")})
    sensors = run_alg("geotwin:importsensors", {"FILES": [district["SENSORS_STA"]], "BUILDINGS": footprints,
                                                "OUTPUT": str(out / "sensors.gpkg")})
    return run_alg("geotwin:buildtwin", {"CITYMODEL": [city["OUTPUT"]], "IFC": [bim["OUTPUT"]],
                                         "ISLANDS": [islands["OUTPUT"]], "SENSORS": [sensors["OUTPUT"]],
                                         "OUTPUT": str(out / "twin.gpkg")})["OUTPUT"]


def test_builders_regenerate_the_shipped_styles(run_alg, python_exe, tmp_path):
    twin = _twin(run_alg, tmp_path)
    written = tmp_path / "qml"
    written.mkdir()
    for builder in ("build_styles.py", "build_twin_styles.py"):
        proc = subprocess.run([python_exe, str(STYLES / builder), twin, str(written)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
    names = sorted(p.name for p in written.iterdir())
    assert names == sorted(p.name for p in STYLES.glob("*.qml"))
    assert [n for n in names if (written / n).read_bytes() != (STYLES / n).read_bytes()] == []
