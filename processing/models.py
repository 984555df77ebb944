"""The shipped Graphical Modeler models (resources/models/<id>.model3) as algorithms geotwin:<id>.

The .model3 files are written by resources/models/build_models.py; a model listed here gets a translated
title and help, any other .model3 in the folder is loaded as it is.
"""
from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingModelAlgorithm

from .algorithm import tr

MODELS = Path(__file__).resolve().parent.parent / "resources" / "models"


class GeoTwinModel(QgsProcessingModelAlgorithm):
    """A shipped model, listed in the Digital twin group."""

    MODEL = ""
    DISPLAY_NAME = ""
    HELP = ""

    def displayName(self) -> str:  # noqa: N802
        return tr(self.DISPLAY_NAME) if self.DISPLAY_NAME else self.name()

    def shortHelpString(self) -> str:  # noqa: N802
        return tr(self.HELP) if self.HELP else super().shortHelpString()

    def group(self) -> str:
        return tr("Digital twin")

    def groupId(self) -> str:  # noqa: N802
        return "twin"  # beside geotwin:buildtwin

    def createInstance(self) -> QgsProcessingModelAlgorithm:  # noqa: N802
        model = type(self)()
        model.loadVariant(self.toVariant())
        model.setSourceFilePath(self.sourceFilePath())
        return model


class DistrictTwin(GeoTwinModel):
    MODEL = "districttwin"
    DISPLAY_NAME = "Sample district: import, build the twin, export 3D Tiles"
    HELP = (
        "The whole GeoTwin chain on the generated sample district around Friedrichsplatz, Karlsruhe: generate the "
        "district (CityGML, the school's IFC, learning islands, sensors), import the city model, the school's BIM "
        "model, the learning islands and the sensors (linked to the buildings and rooms), build the linked twin "
        "GeoPackage and export it as 3D Tiles with the CesiumJS viewer.\n"
        "Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process "
        "needs every output: a path or TEMPORARY_OUTPUT).\n"
        "Look at the result: python3 -m http.server in the tiles folder, then open "
        "http://localhost:8000/viewer/index.html; or open the twin in QGIS with Plugins > GeoTwin > Open twin…")


class UserTwin(GeoTwinModel):
    MODEL = "usertwin"
    DISPLAY_NAME = "Your data: import, build the twin, export 3D Tiles"
    HELP = (
        "The GeoTwin chain on your own data: import the city model (CityGML/CityJSON files or folders), the BIM "
        "model (IFC, placed with its own georeferencing), the learning islands (GeoJSON, GeoPackage or CSV) and "
        "the sensors (SensorThings JSON, CSV or GeoJSON exports), linked to the buildings and rooms; build the "
        "linked twin GeoPackage and export it as 3D Tiles with the CesiumJS viewer.\n"
        "Every intermediate GeoPackage is an output too, a temporary file unless you choose one (qgis_process "
        "needs every output: a path or TEMPORARY_OUTPUT).")


def load_models() -> list[GeoTwinModel]:
    """Every resources/models/*.model3 that loads, sorted by file name."""
    classes = {cls.MODEL: cls for cls in (DistrictTwin, UserTwin)}
    models = []
    for path in sorted(MODELS.glob("*.model3")):
        model = classes.get(path.stem, GeoTwinModel)()
        if model.fromFile(str(path)):
            models.append(model)
    return models
