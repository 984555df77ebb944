"""SCHEDULER and WORKERS of geotwin:importcitymodel, geotwin:buildtwin and geotwin:export3dtiles: the default
runs in this process as before; WORKERS 2 runs the same import, build and export in partitions on a LocalCluster
with the same result (what the partitioned export does not cover runs in this process with a warning); cancel
from QGIS cancels the cluster's tasks."""
from __future__ import annotations

import importlib.util
import threading
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

_spec = importlib.util.spec_from_file_location("scale_compare",
                                               Path(__file__).parents[1] / "twin" / "scale" / "compare.py")
_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_compare)
table = _compare.table
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def sources(district_sources, tmp_path_factory):
    return district_sources(tmp_path_factory.mktemp("scale-alg"), 300)


def test_the_parameters_are_advanced_optional_and_default_to_this_process(qgis_processing):
    from qgis.core import QgsApplication, QgsProcessingParameterDefinition

    for alg_id in ("geotwin:importcitymodel", "geotwin:buildtwin", "geotwin:export3dtiles"):
        alg = QgsApplication.processingRegistry().algorithmById(alg_id)
        for name, default in (("SCHEDULER", ""), ("WORKERS", 0)):
            param = alg.parameterDefinition(name)
            assert param is not None, (alg_id, name)
            assert param.flags() & QgsProcessingParameterDefinition.FlagOptional
            assert param.flags() & QgsProcessingParameterDefinition.FlagAdvanced
            assert param.defaultValue() == default
        labels = [alg.parameterDefinition(n).description() for n in ("SCHEDULER", "WORKERS")]
        assert "\u201c{}\u201d and \u201c{}\u201d (advanced)".format(*labels) in alg.shortHelpString(), alg_id
        assert "SCHEDULER and WORKERS (advanced)" in alg.HELP


def test_import_with_two_workers_equals_the_default_import(run_alg, sources, tmp_path):
    citygml = Path(sources["CITYMODEL"][0]).parent / "district" / "district.gml"
    single = run_alg("geotwin:importcitymodel", {"INPUT": [str(citygml)], "OUTPUT": str(tmp_path / "a.gpkg")})
    scaled = run_alg("geotwin:importcitymodel", {"INPUT": [str(citygml)], "OUTPUT": str(tmp_path / "b.gpkg"),
                                                 "WORKERS": 2})
    assert scaled["SKIPPED"] == single["SKIPPED"] == 0
    for layer in ("buildings", "building_surfaces", "footprints", "sources", "skipped_objects", "terrain"):
        assert table(tmp_path / "b.gpkg", layer) == table(tmp_path / "a.gpkg", layer), layer
    assert (tmp_path / "b.gpkg.geotwin-work" / "import" / "manifest.json").is_file()
    assert not (tmp_path / "a.gpkg.geotwin-work").exists()


def test_build_with_two_workers_and_all_sources_equals_the_default_build(run_alg, sources, tmp_path):
    single = run_alg("geotwin:buildtwin", {**sources, "OUTPUT": str(tmp_path / "single.gpkg")})
    scaled = run_alg("geotwin:buildtwin", {**sources, "OUTPUT": str(tmp_path / "scaled.gpkg"), "WORKERS": 2})
    assert scaled["MATCHED"] == single["MATCHED"] >= 1
    assert scaled["BUILDINGS"] == single["BUILDINGS"]
    from geotwin.twin.kernel import gpkg

    layers = sorted(set(gpkg.list_layers(tmp_path / "single.gpkg")) - {"builds", "changes"})
    assert layers == sorted(set(gpkg.list_layers(tmp_path / "scaled.gpkg")) - {"builds", "changes"})
    for layer in layers:
        assert table(tmp_path / "scaled.gpkg", layer) == table(tmp_path / "single.gpkg", layer), layer


def test_a_partitioned_build_needs_imported_geopackages(run_alg, sources, tmp_path):
    from qgis.core import QgsProcessingException

    citygml = Path(sources["CITYMODEL"][0]).parent / "district" / "district.gml"
    with pytest.raises(QgsProcessingException, match="the partitioned build reads GeoPackages of the city model "
                                                     "import"):
        run_alg("geotwin:buildtwin", {"CITYMODEL": [str(citygml)], "OUTPUT": str(tmp_path / "t.gpkg"),
                                      "WORKERS": 2})
    with pytest.raises(QgsProcessingException, match="not a Dask scheduler address: 'http://x'"):
        run_alg("geotwin:buildtwin", {"CITYMODEL": sources["CITYMODEL"], "OUTPUT": str(tmp_path / "t.gpkg"),
                                      "SCHEDULER": "http://x"})


def test_cancel_from_qgis_cancels_the_clusters_tasks(run_alg, sources, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    fired = []

    def fire(percent):
        if percent > 0 and not fired:
            fired.append(time.monotonic())
            threading.Timer(0.05, feedback.cancel).start()

    feedback.progressChanged.connect(fire)
    with pytest.raises(QgsProcessingException, match="cancelled by the user"):
        run_alg("geotwin:buildtwin", {"CITYMODEL": sources["CITYMODEL"], "OUTPUT": str(tmp_path / "t.gpkg"),
                                      "WORKERS": 2}, feedback)
    assert fired and time.monotonic() - fired[0] < 30
    assert not (tmp_path / "t.gpkg").exists()


def _files(folder: Path) -> dict[str, bytes]:
    """The export's files but its report, byte for byte; availability.json checked: generated at local midnight of
    its day, where every island's hours begin, ending 7 calendar days later, the busy times inside."""
    import json

    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file() and p.name != "export_report.json"}
    if "availability.json" in files:
        doc = json.loads(files["availability.json"])
        day = datetime.fromisoformat(doc["generated"])
        assert day.replace(tzinfo=None) == datetime.combine(day.date(), dtime(0))
        week = datetime.combine(day.date() + timedelta(days=7), dtime(0), BERLIN)
        assert day == datetime.combine(day.date(), dtime(0), BERLIN)
        for island in doc["islands"].values():
            assert island["hours"][0][0] == doc["generated"] and island["hours"][-1][1] == week.isoformat()
            assert all(day <= datetime.fromisoformat(a) < datetime.fromisoformat(b) <= week for a, b in island["busy"])
    return files


class _Clock(datetime):
    """``datetime`` whose ``now`` gives the next of ``times`` (the export's availability.json at pinned instants)."""

    times: list[datetime] = []

    @classmethod
    def now(cls, tz=None):
        return cls.times.pop(0).astimezone(tz)


def test_export_with_two_workers_equals_the_default_export(run_alg, sources, tmp_path):
    import json

    from qgis.core import QgsProcessingFeedback

    city = sources["CITYMODEL"][0]
    run_alg("geotwin:export3dtiles", {"INPUT": city, "OUTPUT": str(tmp_path / "a"), "VIEWER": False,
                                      "IMPLICIT": True})
    feedback = QgsProcessingFeedback()
    scaled = run_alg("geotwin:export3dtiles", {"INPUT": city, "OUTPUT": str(tmp_path / "b"), "VIEWER": False,
                                               "IMPLICIT": True, "WORKERS": 2}, feedback)
    assert "Dask LocalCluster: 2 worker processes" in feedback.textLog()
    report = json.loads((tmp_path / "b" / "export_report.json").read_text())
    assert report["partitions"] and sum(p["buildings"] for p in report["partitions"]) == report["buildings"] == 300
    assert scaled["TILES"] == len(report["tiles"]) and scaled["REWRITTEN"] == scaled["TILES"]
    assert _files(tmp_path / "b") == _files(tmp_path / "a")
    again = run_alg("geotwin:export3dtiles", {"INPUT": city, "OUTPUT": str(tmp_path / "b"), "VIEWER": False,
                                              "IMPLICIT": True, "WORKERS": 2})
    assert again["REWRITTEN"] == 0 and again["REUSED"] == scaled["TILES"]


def test_a_twin_with_sensors_is_exported_in_this_process_with_a_warning(run_alg, sources, tmp_path, monkeypatch):
    import json

    from qgis.core import QgsProcessingFeedback

    # the two exports at 09:00:01 and 17:45:59 of one day: availability.json is the same file (it starts at midnight)
    monkeypatch.setattr(_Clock, "times", [datetime(2026, 11, 24, 9, 0, 1, tzinfo=BERLIN),
                                          datetime(2026, 11, 24, 17, 45, 59, tzinfo=BERLIN)])
    monkeypatch.setattr("geotwin.twin.islands.availability.datetime", _Clock)

    run_alg("geotwin:buildtwin", {**sources, "OUTPUT": str(tmp_path / "twin.gpkg")})
    feedback = QgsProcessingFeedback()
    result = run_alg("geotwin:export3dtiles", {"INPUT": str(tmp_path / "twin.gpkg"), "OUTPUT": str(tmp_path / "t"),
                                               "VIEWER": False, "WORKERS": 2}, feedback)
    log = feedback.textLog()
    assert "Not exported in partitions on Dask (the partitioned export tiles the city model; the twin's" in log
    assert "Dask LocalCluster" not in log and result["TILES"] >= 2
    default = run_alg("geotwin:export3dtiles", {"INPUT": str(tmp_path / "twin.gpkg"), "OUTPUT": str(tmp_path / "d"),
                                                "VIEWER": False})
    assert _files(tmp_path / "t") == _files(tmp_path / "d") and default["TILES"] == result["TILES"]
    assert _Clock.times == []
    doc = json.loads((tmp_path / "t" / "availability.json").read_text(encoding="utf-8"))
    assert doc["generated"] == "2026-11-24T00:00:00+01:00" and len(doc["islands"]) >= 9
