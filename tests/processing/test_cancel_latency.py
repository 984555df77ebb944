"""Cancel during every long stage (IFC import, islands, sensors, twin build to GeoPackage and PostGIS) ends the
run as cancelled within a few seconds of isCanceled() turning true, and leaves the earlier output as it was.

The bound is behavioural (3 s, several times the measured worst case), not a benchmark."""
from __future__ import annotations

import hashlib
import threading
import time
import uuid
from pathlib import Path

import pytest

BOUND_S = 3.0
FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
FZK_ZIP = "ifc/fzk-haus/AC20-FZK-Haus.ifczip"
DUPLEX = "ifc/medium/duplex_IFC2X3.ifc"


def _feedback(percent: float | None = None, after_s: float | None = None, calls: int | None = None):
    """A feedback cancelled when the run's progress reaches ``percent``, after ``calls`` progress reports, or
    ``after_s`` seconds from now (from a timer thread, as the QGIS GUI's cancel button does from another
    thread); ``fired`` is when, ``calls`` counts the progress reports."""
    from qgis.core import QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.fired = None
    feedback.calls = 0

    def count(_):
        feedback.calls += 1
        if calls is not None and feedback.calls >= calls:
            fire()

    feedback.progressChanged.connect(count)

    def fire(*_):
        if feedback.fired is None:
            feedback.fired = time.monotonic()
            feedback.cancel()

    if percent is not None:
        feedback.progressChanged.connect(lambda p: p >= percent and fire())
    if after_s is not None:
        timer = threading.Timer(after_s, fire)
        timer.daemon = True
        timer.start()
    return feedback


def _snapshot(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _cancelled(run_alg, alg_id: str, params: dict, feedback, outputs: list[Path]) -> float:
    """Run until cancelled; assert the clean end and unchanged outputs; return the latency in seconds."""
    from qgis.core import QgsProcessingException

    before = {p: _snapshot(p) for p in outputs}
    try:
        run_alg(alg_id, params, feedback)
    except QgsProcessingException as err:
        assert "cancelled by the user" in str(err)
    else:
        ended = time.monotonic()
        assert feedback.fired is not None, "the run ended before the cancel"
        pytest.fail(f"the cancel at {feedback.progress():.0f} % was ignored: the run went on for "
                    f"{ended - feedback.fired:.3f} s and succeeded")
    ended = time.monotonic()
    latency = ended - feedback.fired
    print(f"{alg_id} cancel at {feedback.progress():.0f} % (progress report {feedback.calls}): "
          f"latency {latency:.3f} s")
    assert latency < BOUND_S
    for path, digest in before.items():
        assert _snapshot(path) == digest, path
        assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")], path.parent
    return latency


@pytest.fixture(scope="module")
def district(tmp_path_factory, district_sources):
    """A generated district of 2000 buildings imported by the real algorithms (buildtwin's inputs)."""
    out = tmp_path_factory.mktemp("district2000")
    return out, district_sources(out, 2000)


@pytest.mark.parametrize("name,percent", [(FZK, 10), (FZK, 60), (FZK_ZIP, 30), (DUPLEX, 50)])
def test_ifc_import_cancel(run_alg, shared_data, tmp_path, name, percent):
    out = tmp_path / "bim.gpkg"
    done = run_alg("geotwin:importifc", {"INPUT": str(shared_data / FZK), "OUTPUT": str(out)})
    assert done["ELEMENTS"] > 0
    crs = "EPSG:32616" if name == DUPLEX else "EPSG:25832"      # the duplex stands in Chicago
    _cancelled(run_alg, "geotwin:importifc", {"INPUT": str(shared_data / name), "TARGET_CRS": crs, "OUTPUT": str(out)},
               _feedback(percent), [out])


def test_ifc_import_cancel_while_reading(run_alg, shared_data, tmp_path):
    """Cancelled right away, while the file is being read: stops at the first check."""
    out = tmp_path / "bim.gpkg"
    _cancelled(run_alg, "geotwin:importifc", {"INPUT": str(shared_data / DUPLEX), "TARGET_CRS": "EPSG:32616",
                                              "OUTPUT": str(out)}, _feedback(after_s=0.05), [out])
    assert not out.exists()


def _progress_calls(run_alg, alg_id: str, params: dict) -> int:
    """How many progress reports an uncancelled run makes (the same every run: the cancel points below land
    in every stage deterministically)."""
    feedback = _feedback()
    run_alg(alg_id, params, feedback)
    return feedback.calls


FRACTIONS = [0.02, 0.2, 0.4, 0.6, 0.8]   # of an uncancelled run's progress reports (the last ones follow the commit)


def _islands(folder: Path, out: Path) -> dict:
    return {"INPUT": str(folder / "district" / "learning_islands.geojson"),
            "BUILDINGS": f"{folder / 'citymodel.gpkg'}|layername=footprints",
            "ROOMS": f"{folder / 'school.gpkg'}|layername=bim_spaces", "OUTPUT": str(out)}


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_islands_import_cancel(run_alg, district, tmp_path, fraction):
    folder, _ = district
    out = tmp_path / "islands.gpkg"
    calls = _progress_calls(run_alg, "geotwin:importlearningislands", _islands(folder, out))   # the earlier output
    _cancelled(run_alg, "geotwin:importlearningislands", _islands(folder, out),
               _feedback(calls=max(1, int(fraction * calls))), [out])


def _sensors(folder: Path, out: Path) -> dict:
    return {"FILES": [str(next((folder / "district").glob("*sta*.json")))],
            "BUILDINGS": f"{folder / 'citymodel.gpkg'}|layername=footprints", "OUTPUT": str(out)}


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_sensors_import_cancel(run_alg, district, tmp_path, fraction):
    folder, _ = district
    out = tmp_path / "sensors.gpkg"
    calls = _progress_calls(run_alg, "geotwin:importsensors", _sensors(folder, out))
    _cancelled(run_alg, "geotwin:importsensors", _sensors(folder, out), _feedback(calls=max(1, int(fraction * calls))),
               [out])


@pytest.fixture(scope="module")
def build_calls(run_alg, district, tmp_path_factory):
    """The progress reports of a full build of the district's twin into a new GeoPackage."""
    _, inputs = district
    return _progress_calls(run_alg, "geotwin:buildtwin",
                           {**inputs, "OUTPUT": str(tmp_path_factory.mktemp("t") / "t.gpkg")})


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_twin_build_cancel_gpkg(run_alg, district, build_calls, tmp_path, fraction):
    _, inputs = district
    out = tmp_path / "twin.gpkg"
    _cancelled(run_alg, "geotwin:buildtwin", {**inputs, "OUTPUT": str(out)},
               _feedback(calls=max(1, int(fraction * build_calls))), [out])
    assert not out.exists()


def test_twin_build_cancel_keeps_the_earlier_twin(run_alg, district, build_calls, tmp_path):
    """An earlier twin of the city model alone stays as it was when the build with every input is cancelled."""
    _, inputs = district
    out = tmp_path / "twin.gpkg"
    run_alg("geotwin:buildtwin", {"CITYMODEL": inputs["CITYMODEL"], "OUTPUT": str(out)})
    _cancelled(run_alg, "geotwin:buildtwin", {**inputs, "OUTPUT": str(out)},
               _feedback(calls=build_calls // 2), [out])


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_twin_build_cancel_postgis(run_alg, district, build_calls, pg_dsn, pg_connection, fraction):
    import psycopg

    from geotwin.twin.store import open_store, read_store

    _, inputs = district
    schema = f"cancel_{uuid.uuid4().hex[:8]}"
    params = {**inputs, "DATABASE": pg_connection, "SCHEMA": schema}
    try:
        run_alg("geotwin:buildtwin", {"CITYMODEL": inputs["CITYMODEL"], "DATABASE": pg_connection, "SCHEMA": schema})
        before = {k: len(v) for k, v in read_store(open_store(pg_dsn, schema)).items()}
        _cancelled(run_alg, "geotwin:buildtwin", params, _feedback(calls=max(1, int(fraction * build_calls))), [])
        assert {k: len(v) for k, v in read_store(open_store(pg_dsn, schema)).items()} == before
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
