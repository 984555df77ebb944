"""Runs end at 100 % progress, and geotwin:findlearningisland adds its result to the map (as QGIS desktop loads
a run's layers: processing.gui.Postprocessing.handleAlgorithmResults)."""
from __future__ import annotations

import pyogrio
import pytest

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter

FZK_LOD2 = "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"


@pytest.fixture
def progress_feedback():
    from qgis.core import QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    seen: list[float] = []
    feedback.progressChanged.connect(seen.append)
    return feedback, seen


def test_find_learning_island_loads_its_result_and_ends_at_100(qgis_processing, tmp_path, progress_feedback):
    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProject

    from geotwin.twin.sample.generator import generate_district

    district = generate_district(tmp_path / "d", buildings=10, seed=2, formats=("islands",))
    islands = tmp_path / "islands.gpkg"
    qgis_processing.run("geotwin:importlearningislands", {
        "INPUT": str(district.path("islands")), "TARGET_CRS": "EPSG:25832", "OUTPUT": str(islands)})
    feedback, seen = progress_feedback
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    alg = QgsApplication.processingRegistry().createAlgorithmById("geotwin:findlearningisland")
    result = tmp_path / "found.gpkg"
    params = {"INPUT": f"{islands}|layername=learning_islands", "LOCATION": "456268.0,5428517.0 [EPSG:25832]",
              "TIME": "2026-11-24T10:00:00", "CALENDARS": False, "MAX_RESULTS": 5, "OUTPUT": str(result)}
    try:
        results, ok = alg.run(params, context, feedback)
        assert ok and results["FOUND"] > 0
        assert seen and seen[-1] == 100
        queued = context.layersToLoadOnCompletion()
        assert list(queued) == [f"{result}|layername=learning_island_search"]
        assert handleAlgorithmResults(alg, context, feedback, showResults=False)
        loaded = project.mapLayersByName("Free learning islands")
        assert len(loaded) == 1
        layer = loaded[0]
        assert layer.featureCount() == results["FOUND"] == len(pyogrio.read_dataframe(result,
                                                                                      layer="learning_island_search"))
        assert layer.labelsEnabled() and "rank" in layer.labeling().settings().fieldName
        # without a project (a headless run) nothing is queued
        bare = QgsProcessingContext()
        bare.setProject(None)
        alg.run({**params, "OUTPUT": str(tmp_path / "bare.gpkg")}, bare, feedback)
        assert bare.layersToLoadOnCompletion() == {}
    finally:
        project.clear()


def test_export3dtiles_ends_at_100(run_alg, shared_data, tmp_path, progress_feedback):
    """The export reports 100 % itself in its first stage; the run must still end at 100 %, not at the 50 % the
    second stage starts with."""
    gpkg = tmp_path / "fzk.gpkg"
    import_citymodel([shared_data / FZK_LOD2], gpkg, None, "2", CollectingReporter())
    feedback, seen = progress_feedback
    run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "tiles"), "GEOID": 2,
                                      "VIEWER": False}, feedback)
    assert seen[-1] == 100
    assert 50 in seen  # the second stage began


def test_city_model_layers_load_styled_on_completion(qgis_processing, shared_data, tmp_path):
    """The style post-processors survive until QGIS loads the layers (their Python side is kept alive)."""
    import gc

    from processing.gui.Postprocessing import handleAlgorithmResults
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback, QgsProject

    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    alg = QgsApplication.processingRegistry().createAlgorithmById("geotwin:importcitymodel")
    feedback = QgsProcessingFeedback()
    try:
        _, ok = alg.run({"INPUT": [str(shared_data / FZK_LOD2)], "OUTPUT": str(tmp_path / "city.gpkg")}, context,
                        feedback)
        assert ok
        gc.collect()
        assert handleAlgorithmResults(alg, context, feedback, showResults=False)
        surfaces = project.mapLayersByName("building_surfaces")
        assert len(surfaces) == 1
        renderer = surfaces[0].renderer()
        assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "surface_type"
    finally:
        project.clear()
