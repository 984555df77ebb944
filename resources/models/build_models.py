"""Regenerate the shipped Graphical Modeler models with PyQGIS, so their XML is exactly what QGIS writes.

Run after changing an algorithm's parameters: ``scripts/env.sh .venv/bin/python resources/models/build_models.py``.
The models chain GeoTwin's algorithms; the provider loads every ``*.model3`` of this folder.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_HASH_SEED", "0")  # before Qt starts: a stable XML attribute order from run to run
from qgis.core import (
    QgsApplication,
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFile,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QPointF

from geotwin.processing.models import DistrictTwin, UserTwin

HERE = Path(__file__).resolve().parent
GROUP = "Digital twin"
Source = QgsProcessingModelChildParameterSource


def _child(model: QgsProcessingModelAlgorithm, alg_id: str, child_id: str, description: str,
           sources: dict[str, list[QgsProcessingModelChildParameterSource]],
           outputs: dict[str, tuple[str, str]], position: tuple[float, float]) -> None:
    """Add ``alg_id`` as ``child_id``; ``outputs``: model output name -> (child output, description)."""
    child = QgsProcessingModelChildAlgorithm(alg_id)
    child.setChildId(child_id)
    child.setDescription(description)
    child.setPosition(QPointF(*position))
    for name, values in sources.items():
        child.addParameterSources(name, values)
    for definition in child.algorithm().parameterDefinitions():  # the rest at their defaults, as the Modeler does
        if not definition.isDestination() and definition.name() not in sources \
                and definition.defaultValue() is not None:
            child.addParameterSources(definition.name(), [Source.fromStaticValue(definition.defaultValue())])
    model_outputs = {}
    for index, (name, (child_output, text)) in enumerate(outputs.items()):
        output = QgsProcessingModelOutput(name, text)
        output.setChildId(child_id)
        output.setChildOutputName(child_output)
        output.setMandatory(False)
        output.setDefaultValue(QgsProcessing.TEMPORARY_OUTPUT)  # an output left empty is a temporary file
        output.setPosition(QPointF(position[0] + 260, position[1] + 40 * index))
        model_outputs[name] = output
    child.setModelOutputs(model_outputs)
    model.addChildAlgorithm(child)


def _parameter(model: QgsProcessingModelAlgorithm, definition, position: tuple[float, float]) -> None:
    component = QgsProcessingModelParameter(definition.name())
    component.setPosition(QPointF(*position))
    model.addModelParameter(definition, component)


def _twin_and_tiles(model: QgsProcessingModelAlgorithm, y: float, terrain: list | None = None) -> None:
    """The common tail: build the twin from the four imports and export it with the viewer (and ``terrain``,
    a DGM raster, under it)."""
    _child(model, "geotwin:buildtwin", "buildtwin", "Build digital twin", {
        "CITYMODEL": [Source.fromChildOutput("importcitymodel", "OUTPUT")],
        "IFC": [Source.fromChildOutput("importifc", "OUTPUT")],
        "ISLANDS": [Source.fromChildOutput("importlearningislands", "OUTPUT")],
        "SENSORS": [Source.fromChildOutput("importsensors", "OUTPUT")],
    }, {"TWIN": ("OUTPUT", "Twin GeoPackage")}, (400, y))
    _child(model, "geotwin:export3dtiles", "export3dtiles", "Export 3D Tiles with the viewer", {
        "INPUT": [Source.fromChildOutput("buildtwin", "OUTPUT")],
        "VIEWER": [Source.fromStaticValue(True)],
        **({"TERRAIN": terrain} if terrain else {}),
    }, {"TILES": ("OUTPUT", "3D Tiles with the viewer")}, (400, y + 120))


def _imports(model: QgsProcessingModelAlgorithm, citymodel: list, ifc: list, islands: list, sensors: list,
             areas: list) -> None:
    """Import city model, BIM, learning islands and sensors; islands and sensors link to footprints and rooms,
    sensors also to the areas (squares, parks) they stand in."""
    footprints = [Source.fromChildOutput("importcitymodel", "FOOTPRINTS")]
    _child(model, "geotwin:importcitymodel", "importcitymodel", "Import 3D city model",
           {"INPUT": citymodel}, {"CITYMODEL": ("OUTPUT", "City model GeoPackage")}, (400, 150))
    _child(model, "geotwin:importifc", "importifc", "Import BIM model (IFC)",
           {"INPUT": ifc, "GEOREFERENCING": [Source.fromStaticValue(0)]},
           {"BIM": ("OUTPUT", "BIM GeoPackage")}, (400, 270))
    # the rooms layer of the BIM GeoPackage: "<path>|layername=bim_spaces"
    _child(model, "native:stringconcatenation", "roomslayer", "BIM rooms layer (bim_spaces)", {
        "INPUT_1": [Source.fromChildOutput("importifc", "OUTPUT")],
        "INPUT_2": [Source.fromStaticValue("|layername=bim_spaces")],
    }, {}, (650, 330))
    _child(model, "geotwin:importlearningislands", "importlearningislands", "Import learning islands",
           {"INPUT": islands, "BUILDINGS": footprints,
            "ROOMS": [Source.fromChildOutput("roomslayer", "CONCATENATION")]},
           {"ISLANDS": ("OUTPUT", "Learning islands GeoPackage")}, (400, 390))
    _child(model, "geotwin:importsensors", "importsensors", "Import sensors",
           {"FILES": sensors, "BUILDINGS": footprints, "AREAS": areas},
           {"SENSORS": ("OUTPUT", "Sensors GeoPackage")}, (400, 510))


def district_model() -> QgsProcessingModelAlgorithm:
    """Sample district -> imports -> twin -> 3D Tiles."""
    model = QgsProcessingModelAlgorithm(DistrictTwin.MODEL, GROUP, "geotwin")
    _parameter(model, QgsProcessingParameterNumber(
        "BUILDINGS", "Number of buildings", QgsProcessingParameterNumber.Integer, 400, False, 1, 100000), (120, 30))
    _parameter(model, QgsProcessingParameterNumber(
        "SEED", "Random seed", QgsProcessingParameterNumber.Integer, 0, False, 0), (120, 90))
    _child(model, "geotwin:sampledistrict", "sampledistrict", "Generate the sample district", {
        "BUILDINGS": [Source.fromModelParameter("BUILDINGS")],
        "SEED": [Source.fromModelParameter("SEED")],
    }, {"DISTRICT": ("OUTPUT", "Sample district folder")}, (400, 30))
    _imports(model, [Source.fromChildOutput("sampledistrict", "CITYGML")],
             [Source.fromChildOutput("sampledistrict", "IFC")],
             [Source.fromChildOutput("sampledistrict", "ISLANDS")],
             [Source.fromChildOutput("sampledistrict", "SENSORS_STA")],
             [Source.fromChildOutput("sampledistrict", "AREAS")])
    _twin_and_tiles(model, 630, [Source.fromChildOutput("sampledistrict", "DGM")])
    model.setHelpContent({"ALG_DESC": DistrictTwin.HELP, "ALG_CREATOR": "GeoTwin"})
    return model


def user_model() -> QgsProcessingModelAlgorithm:
    """Your city model, IFC, learning islands and sensors -> twin -> 3D Tiles."""
    model = QgsProcessingModelAlgorithm(UserTwin.MODEL, GROUP, "geotwin")
    _parameter(model, QgsProcessingParameterMultipleLayers(
        "CITYMODEL", "City model files or folders (CityGML, CityJSON, CityJSONSeq)", QgsProcessing.TypeFile),
        (120, 150))
    _parameter(model, QgsProcessingParameterFile(
        "IFC", "IFC file (.ifc, .ifczip)", fileFilter="IFC (*.ifc *.IFC *.ifczip *.IFCZIP)"), (120, 270))
    _parameter(model, QgsProcessingParameterFile(
        "ISLANDS", "Learning islands (GeoJSON, GeoPackage or CSV)",
        fileFilter="Learning islands (*.geojson *.json *.gpkg *.csv)"), (120, 390))
    _parameter(model, QgsProcessingParameterMultipleLayers(
        "SENSORS", "Sensor exports (SensorThings JSON, CSV, GeoJSON)", QgsProcessing.TypeFile), (120, 510))
    _parameter(model, QgsProcessingParameterVectorLayer(
        "AREAS", "Areas: parks, squares (polygons)", [QgsProcessing.TypeVectorPolygon], optional=True), (120, 570))
    _imports(model, [Source.fromModelParameter("CITYMODEL")], [Source.fromModelParameter("IFC")],
             [Source.fromModelParameter("ISLANDS")], [Source.fromModelParameter("SENSORS")],
             [Source.fromModelParameter("AREAS")])
    _twin_and_tiles(model, 630)
    model.setHelpContent({"ALG_DESC": UserTwin.HELP, "ALG_CREATOR": "GeoTwin"})
    return model


def main() -> int:
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    import geotwin

    Processing.initialize()
    plugin = geotwin.classFactory(None)
    plugin.initProcessing()
    for model in (district_model(), user_model()):
        ok, errors = model.validate()
        if not ok:
            print(f"{model.name()}: " + "; ".join(errors), file=sys.stderr)
            return 1
        target = HERE / f"{model.name()}.model3"
        if not model.toFile(str(target)):
            print(f"cannot write {target}", file=sys.stderr)
            return 1
        print(target)
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
