"""The four Processing algorithms of the learning islands & sensors group, run through QGIS."""
from __future__ import annotations

import json

import pytest

from geotwin.tests.sta_server import start
from geotwin.tests.twin.islands.test_importer_fixtures import write_twin

MUNICH = "wlan/muenchen/wlan-standorte-muenchen.geojson"
STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


def test_algorithms_are_listed(qgis_processing):
    from qgis.core import QgsApplication

    ids = {a.id() for a in QgsApplication.processingRegistry().providerById("geotwin").algorithms()}
    assert {"geotwin:importlearningislands", "geotwin:findlearningisland", "geotwin:wlancoverage",
            "geotwin:importsensors"} <= ids
    alg = QgsApplication.processingRegistry().algorithmById("geotwin:wlancoverage")
    assert "3021 general school" in alg.shortHelpString()
    assert alg.group() == "Learning islands & sensors"


def test_import_find_and_coverage_algorithms(run_alg, shared_data, tmp_path):
    twin = write_twin(tmp_path / "twin.gpkg")
    islands = tmp_path / "islands.gpkg"
    res = run_alg("geotwin:importlearningislands", {
        "INPUT": str(shared_data / MUNICH), "FIELD_MAPPING": "name=adresse;operator=typ",
        "BUILDINGS": f"{twin}|layername=footprints", "ROOMS": f"{twin}|layername=bim_spaces",
        "OUTPUT": str(islands)})
    assert (res["IMPORTED"], res["REJECTED"], res["LINKED_BUILDING"]) == (171, 0, 0)
    # Munich is far from the Karlsruhe test twin: every island is unlinked, with the reason
    unlinked = _read(islands, "learning_islands_unlinked")
    assert len(unlinked) == 171 and set(unlinked["status"]) == {"unlinked"}
    cov = tmp_path / "wlan.gpkg"
    res = run_alg("geotwin:wlancoverage", {
        "INPUT": f"{islands}|layername=learning_islands", "BUILDINGS": f"{twin}|layername=footprints",
        "ROOMS": f"{twin}|layername=bim_spaces", "OUTPUT": str(cov)})
    assert (res["COVERED"], res["UNCOVERED"]) == (0, 4)
    ranking = _read(cov, "wlan_priorities")
    assert ranking["building_id"].tolist() == ["B4", "B1", "B3", "B2"]
    found = tmp_path / "found.gpkg"
    with pytest.raises(Exception, match="no opening_hours|not a learning_islands"):
        run_alg("geotwin:findlearningisland", {"INPUT": str(shared_data / MUNICH), "ADDRESS": "Kaiserstr. 12",
                                               "BUILDINGS": f"{twin}|layername=buildings", "OUTPUT": str(found)})
    res = run_alg("geotwin:findlearningisland", {
        "INPUT": f"{islands}|layername=learning_islands", "ADDRESS": "Kaiserstraße 12",
        "BUILDINGS": f"{twin}|layername=buildings", "TIME": "2026-11-23T10:00:00", "SEATS": 1,
        "OUTPUT": str(found)})
    assert res["FOUND"] == 0      # the Munich sites carry no seats or opening hours


def test_import_sensors_algorithm_from_sta_and_csv(run_alg, shared_data, tmp_path):
    server = start([shared_data / STA_DOC], page_size=100, max_top=200)
    try:
        out = tmp_path / "sta.gpkg"
        res = run_alg("geotwin:importsensors", {
            "URL": server.base_url(), "TARGET_CRS": "EPSG:32630", "START": "2017-11-15T00:00:00",
            "END": "2017-11-15T23:59:59", "TIMEOUT": 10, "RETRIES": 0, "OUTPUT": str(out)})
    finally:
        server.stop()
    assert (res["SENSORS"], res["OBSERVATIONS"]) == (4, 4 * 583)
    doc = json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))
    sensors = _read(out, "sensors").set_index("datastream_name")
    for ds in doc["Datastreams"]:
        assert sensors.loc[ds["name"], "latest_value"] == ds["Observations"][-1]["result"]
    assert any("$filter=phenomenonTime%20ge%202017-11-15T" in r for r in server.requests)
    csv_out = tmp_path / "csv.gpkg"
    files = sorted(str(p) for p in (shared_data / "sensors/sensor-community-aberdeen").glob("2017-11-15_*.csv"))
    res = run_alg("geotwin:importsensors", {"FILES": files, "TARGET_CRS": "EPSG:32630", "OUTPUT": str(csv_out)})
    assert (res["SENSORS"], res["OBSERVATIONS"]) == (4, 4 * 583)
    with pytest.raises(Exception, match="either a SensorThings URL or export files"):
        run_alg("geotwin:importsensors", {"OUTPUT": str(tmp_path / "x.gpkg")})


def test_import_reports_the_opening_hours_normalised_from_everyday_german(run_alg, tmp_path):
    """Three of six islands write their hours in everyday German: the output NORMALISED_OPENING_HOURS counts them
    and the log names them once with the OSM form read; the two in OSM form and the one not understood are not."""
    from qgis.core import QgsProcessingFeedback

    hours = {"LI-1": ("Mo-Fr 08:00-16:00", None), "LI-2": ("24/7", None),
             "LI-3": ("Mo\u2013Fr 8\u201316 Uhr", "Mo-Fr 08:00-16:00"), "LI-4": ("8-18 Uhr", "08:00-18:00"),
             "LI-5": ("Mo-Fr 08.00-16.00", "Mo-Fr 08:00-16:00"), "LI-6": ("Mo-Fr 8-4 Uhr", None)}
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [8.4037 + n * 1e-4, 49.0069]},
                 "properties": {"id": i, "name": f"Insel {i}", "seats": 4, "opening_hours": h}}
                for n, (i, (h, _)) in enumerate(hours.items())]
    source = tmp_path / "islands.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")

    class Feedback(QgsProcessingFeedback):
        infos: list[str] = []

        def pushInfo(self, text):  # noqa: N802 - QGIS API name
            self.infos.append(text)
            super().pushInfo(text)

    feedback = Feedback()
    res = run_alg("geotwin:importlearningislands", {"INPUT": str(source), "OUTPUT": str(tmp_path / "out.gpkg")},
                  feedback)
    normalised = {i: osm for i, (_, osm) in hours.items() if osm}
    assert (res["IMPORTED"], res["NORMALISED_OPENING_HOURS"], res["HOURS_UNKNOWN"]) == (6, len(normalised), 1)
    [line] = [t for t in feedback.infos if "everyday German" in t]
    assert line.startswith("3 islands have opening hours in everyday German")
    assert all(f"{i}: '{hours[i][0]}' as '{osm}'" in line for i, osm in normalised.items())
    islands = _read(tmp_path / "out.gpkg", "learning_islands").set_index("id")
    assert islands["opening_hours"].to_dict() == {i: h for i, (h, _) in hours.items()}   # kept as written
