"""Shared fixtures: the real test data, an initialised Processing framework, running algorithms."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings as _hypothesis_settings

# Fuzz tests run the same examples in every run (CI stays reproducible); GEOTWIN_FUZZ_EXPLORE=1 draws new ones.
_hypothesis_settings.register_profile("geotwin", derandomize=True, database=None)
_hypothesis_settings.register_profile("explore", derandomize=False)
_hypothesis_settings.load_profile("explore" if os.environ.get("GEOTWIN_FUZZ_EXPLORE") else "geotwin")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GEOTWIN_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()
# tests/qgis_next runs in QGIS >= 3.34 (a Debian 13 chroot: make test-qgis-next), not in this QGIS
collect_ignore = ["qgis_next"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real public test data (never copied into the project)."""
    if not (SHARED / "README.md").exists():
        pytest.fail(f"the shared test data is missing: expected it at {SHARED}")
    return SHARED


qgis_processing_plugin: list = []


@pytest.fixture(scope="session")
def qgis_processing(qgis_app):
    """QGIS's Processing framework, initialised once, with the geotwin provider registered."""
    from processing.core.Processing import Processing
    from qgis.core import QgsApplication

    import processing  # QGIS's own module

    Processing.initialize()
    registry = QgsApplication.processingRegistry()
    if registry.providerById("geotwin") is None:
        import geotwin

        plugin = geotwin.classFactory(None)
        plugin.initProcessing()
        # keep the plugin (and its Python provider) alive: the registry keeps only the C++ object
        qgis_processing_plugin.append(plugin)
    assert registry.providerById("geotwin") is not None
    return processing


@pytest.fixture(scope="session")
def run_alg(qgis_processing):
    """Run a Processing algorithm and return its results (raises on failure)."""
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    def _run(alg_id: str, params: dict, feedback: QgsProcessingFeedback | None = None) -> dict:
        context = QgsProcessingContext()
        return qgis_processing.run(alg_id, params, context=context,
                                   feedback=feedback or QgsProcessingFeedback())

    return _run


@pytest.fixture(scope="session")
def district_sources(run_alg):
    """A function (folder, buildings) -> buildtwin's inputs: a generated district (in folder/district) with
    its city model, IFC school, learning islands and sensors imported by the real algorithms."""

    def build(out: Path, buildings: int) -> dict:
        district = run_alg("geotwin:sampledistrict", {"BUILDINGS": buildings, "OUTPUT": str(out / "district")})
        city = run_alg("geotwin:importcitymodel", {"INPUT": [district["CITYGML"]],
                                                    "OUTPUT": str(out / "citymodel.gpkg")})
        bim = run_alg("geotwin:importifc", {"INPUT": district["IFC"], "OUTPUT": str(out / "school.gpkg")})
        footprints = f"{city['OUTPUT']}|layername=footprints"
        islands = run_alg("geotwin:importlearningislands", {
            "INPUT": district["ISLANDS"], "BUILDINGS": footprints, "ROOMS": f"{bim['OUTPUT']}|layername=bim_spaces",
            "OUTPUT": str(out / "islands.gpkg")})
        sensors = run_alg("geotwin:importsensors", {"FILES": [district["SENSORS_STA"]], "BUILDINGS": footprints,
                                                    "OUTPUT": str(out / "sensors.gpkg")})
        return {"CITYMODEL": [city["OUTPUT"]], "IFC": [bim["OUTPUT"]], "ISLANDS": [islands["OUTPUT"]],
                "SENSORS": [sensors["OUTPUT"]]}

    return build


@pytest.fixture(scope="session")
def python_exe() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """A PostGIS database: $GEOTWIN_PG_DSN, else the throwaway cluster that scripts/postgis.sh starts."""
    import subprocess

    dsn = os.environ.get("GEOTWIN_PG_DSN", "").strip()
    if not dsn:
        proc = subprocess.run([str(ROOT / "scripts" / "postgis.sh")], capture_output=True, text=True)
        if proc.returncode != 0 or not proc.stdout.strip():
            pytest.fail(f"PostGIS is required and scripts/postgis.sh failed:\n{proc.stderr}")
        dsn = proc.stdout.strip().splitlines()[-1]
    return dsn


@pytest.fixture
def pg_connection(pg_dsn, qgis_app):
    """A QGIS PostgreSQL connection (as the Data Source Manager saves it) to the test database."""
    import uuid

    from psycopg.conninfo import conninfo_to_dict
    from qgis.core import QgsSettings

    params = conninfo_to_dict(pg_dsn)
    name = f"geotwin-test-{uuid.uuid4().hex[:8]}"
    key = f"PostgreSQL/connections/{name}"
    settings = QgsSettings()
    for setting, value in (("host", params.get("host", "")), ("port", params.get("port", "5432")),
                           ("database", params["dbname"]), ("username", params.get("user", "")),
                           ("saveUsername", "true"), ("password", params.get("password", "")),
                           ("savePassword", "true" if params.get("password") else "false")):
        settings.setValue(f"{key}/{setting}", value)
    yield name
    settings.remove(key)


@pytest.fixture
def broker(tmp_path):
    """A real Mosquitto broker (anonymous, loopback, a free port) in the test's temp folder, stopped afterwards."""
    from geotwin.tests.mqtt_broker import Mosquitto

    folder = tmp_path / "broker"
    folder.mkdir()
    b = Mosquitto(folder).start()
    yield b
    b.stop()
