"""geotwin:importcitymodel: CityGML/CityJSON/CityJSONSeq files or folders of tiles into the twin GeoPackage."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from ..algorithm import GeoTwinAlgorithm
from ..cluster import add_cluster_parameters, cluster_parameters

LOD_CHOICES = (("highest", "Highest available"), ("1", "LoD1"), ("2", "LoD2"))
DEFAULT_MAX_INFLATED_MB = 4096  # twin.citymodel.delivery.DEFAULT_MAX_INFLATED_MB (not imported: lazy core)
DEFAULT_MAX_JSON_MB = 1024      # twin.citymodel.delivery.DEFAULT_MAX_JSON_MB


class ImportCityModel(GeoTwinAlgorithm):
    ALG_ID = "importcitymodel"
    DISPLAY_NAME = "Import 3D city model (CityGML / CityJSON)"
    GROUP_ID = "citymodel"
    GROUP_NAME = "City model"
    REQUIRES = ("numpy", "shapely", "pyproj", "lxml", "geopandas", "pyogrio")
    HELP = (
        "Imports a 3D city model into the twin's GeoPackage: CityGML 1.0/2.0/3.0 (.gml, .xml), "
        "CityJSON 1.1/2.0 (.json, .city.json) and CityJSONSeq (.jsonl), each optionally gzip-compressed "
        "(.gz), also as a delivery: a zip archive or a folder of tiles. The format is recognised from the "
        "file content.\n\n"
        "INPUT: one or more files, folders and/or zip archives. A folder is searched recursively for city "
        "model tiles and zip archives; a zip archive is read member by member without unpacking it (nested "
        "folders and gzip members included; a zip inside a zip is listed, not read). Files that are not city "
        "models (PDF, readme, schemas, metadata) are named in the log and left out. All tiles form one city "
        "model and must share one horizontal CRS. In qgis_process repeat the parameter (--INPUT=a.gml "
        "--INPUT=tiles/ --INPUT=lod2.zip); in the Modeler use a multiple-file input.\n"
        "CRS: optional override, for files that state no CRS or a wrong one. A compound CRS "
        "(e.g. EPSG:25832 + DHHN2016 height) also sets the vertical datum.\n"
        "LOD: the highest available LoD, or LoD1/LoD2 (objects without it get their nearest LoD).\n"
        "MAX_INFLATED_MB (advanced): how far one compressed file or archive member may inflate; a "
        "compression bomb is refused, as is anything that compresses more than 200:1. MAX_JSON_MB "
        "(advanced): the largest CityJSON document (it is read whole; CityJSONSeq is read line by line).\n"
        "SCHEDULER and WORKERS (advanced): a large delivery can be imported in partitions on Dask "
        "distributed, one partition per file or zip member. SCHEDULER names an existing Dask scheduler "
        "(e.g. tcp://10.0.0.5:8786); empty with WORKERS 2 or more starts that many worker processes on this "
        "computer. Empty and 0 or 1 (the default) imports in this process, as before. The partitions and a "
        "record of the finished ones are kept beside the output (<output>.geotwin-work): a second run imports "
        "only the files that are new, changed or failed. Cancelling cancels the cluster's tasks.\n"
        "OUTPUT: the GeoPackage. It is written to a temporary file and replaces an existing one only "
        "when the whole run succeeds.\n\n"
        "Layers: buildings (one row per building and building part, MultiPolygonZ of its outer "
        "surfaces, every attribute), building_surfaces (one PolygonZ per semantic surface with "
        "surface_type and 3D area), footprints (2D ground outline), terrain (one PolygonZ per TIN "
        "triangle with its heights), sources (one row per file or archive member: SHA-256, format, "
        "horizontal and vertical CRS) and skipped_objects (every object that could not be imported, "
        "and every city object of a type GeoTwin does not import, such as roads or vegetation, with its "
        "reason; a repaired self-intersecting ground surface is noted there too). The layers are loaded "
        "with a 2D style and a 3D style that colours roofs, walls and ground in a 3D map view."
    )

    INPUT, CRS, LOD, OUTPUT = "INPUT", "CRS", "LOD", "OUTPUT"
    MAX_INFLATED_MB, MAX_JSON_MB = "MAX_INFLATED_MB", "MAX_JSON_MB"
    SCHEDULER, WORKERS = "SCHEDULER", "WORKERS"
    BUILDINGS, SURFACES, FOOTPRINTS, SKIPPED = "BUILDINGS", "SURFACES", "FOOTPRINTS", "SKIPPED"
    TERRAIN = "TERRAIN"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.INPUT, self.tr("City model files or folders (CityGML, CityJSON, CityJSONSeq)"),
            QgsProcessing.TypeFile))
        self.addParameter(QgsProcessingParameterCrs(
            self.CRS, self.tr("CRS override (only when the files state none or a wrong one)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.LOD, self.tr("Level of detail"), [self.tr(label) for _, label in LOD_CHOICES], defaultValue=0))
        for name, label, default in (
                (self.MAX_INFLATED_MB, self.tr("Largest inflated size of one compressed file or zip member (MiB)"),
                 DEFAULT_MAX_INFLATED_MB),
                (self.MAX_JSON_MB, self.tr("Largest CityJSON document (MiB)"), DEFAULT_MAX_JSON_MB)):
            param = QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                                 defaultValue=default, optional=True, minValue=1)
            self.add_advanced(param)
        add_cluster_parameters(self)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("City model GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputVectorLayer(self.BUILDINGS, self.tr("Buildings"),
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputVectorLayer(self.SURFACES, self.tr("Building surfaces"),
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputVectorLayer(self.FOOTPRINTS, self.tr("Footprints"),
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputVectorLayer(self.TERRAIN, self.tr("Terrain"),
                                                      QgsProcessing.TypeVectorPolygon))
        self.addOutput(QgsProcessingOutputNumber(self.SKIPPED, self.tr("Skipped objects")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.citymodel.delivery import Limits
        from ...twin.citymodel.importer import import_citymodel

        inputs = [p for item in self.parameterAsFileList(parameters, self.INPUT, context)
                  for p in _split(item)]
        if not inputs:
            raise QgsProcessingException(self.tr("No input file or folder given."))
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        override = None
        if crs is not None and crs.isValid():
            override = crs.authid() or crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)
        lod_index = self.parameterAsEnum(parameters, self.LOD, context)
        if not 0 <= lod_index < len(LOD_CHOICES):
            raise QgsProcessingException(self.tr("Unknown level of detail choice."))
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output:
            raise QgsProcessingException(self.tr("No output GeoPackage given."))
        if not output.lower().endswith(".gpkg"):
            output += ".gpkg"

        steps = QgsProcessingMultiStepFeedback(2, feedback)
        steps.setCurrentStep(0)
        limits = Limits.from_mb(self.parameterAsDouble(parameters, self.MAX_INFLATED_MB, context) or None,
                                self.parameterAsDouble(parameters, self.MAX_JSON_MB, context) or None)
        scheduler, workers = cluster_parameters(self, parameters, context)
        from ...twin.scale.cluster import wants_cluster

        if wants_cluster(scheduler, workers):
            from ...twin.scale.cluster import cluster_mapper
            from ...twin.scale.imports import import_partitioned
            from ...twin.scale.manifest import default_work_folder

            reporter = self.reporter(steps)
            with cluster_mapper(scheduler, workers, reporter) as mapper:
                result = import_partitioned(inputs, output, default_work_folder(output), mapper, reporter, override,
                                            LOD_CHOICES[lod_index][0],
                                            self.parameterAsDouble(parameters, self.MAX_INFLATED_MB, context) or None,
                                            self.parameterAsDouble(parameters, self.MAX_JSON_MB, context) or None
                                            ).as_import_result()
        else:
            result = import_citymodel(inputs, output, override, LOD_CHOICES[lod_index][0], self.reporter(steps),
                                      limits)
        steps.setCurrentStep(1)
        feedback.pushInfo(self.tr("{0} buildings, {1} building parts, {2} surfaces, {3} skipped; CRS {4}, "
                                  "vertical CRS {5}").format(result.buildings, result.parts, result.surfaces,
                                                             result.skipped, result.crs,
                                                             result.vertical_crs or self.tr("unknown or mixed")))
        if result.triangles or result.not_imported or result.repaired:
            feedback.pushInfo(self.tr("{0} terrain triangles; {1} city objects of other types not imported; "
                                      "{2} ground surfaces repaired").format(result.triangles, result.not_imported,
                                                                             result.repaired))
        from ..styles import load_city_model_on_completion

        load_city_model_on_completion(context, output, self.OUTPUT)
        if result.triangles and context.project() is not None:  # terrain: loaded when there is some
            from qgis.core import QgsProcessingContext

            context.addLayerToLoadOnCompletion(f"{output}|layername=terrain", QgsProcessingContext.LayerDetails(
                "terrain", context.project(), self.OUTPUT))
        steps.setProgress(100)
        return {
            self.OUTPUT: output,
            self.BUILDINGS: f"{output}|layername=buildings",
            self.SURFACES: f"{output}|layername=building_surfaces",
            self.FOOTPRINTS: f"{output}|layername=footprints",
            self.TERRAIN: f"{output}|layername=terrain",
            self.SKIPPED: result.skipped,
        }


def _split(item: str) -> list[str]:
    """A ';'-separated list of paths (as the Modeler may pass them), unless the text is itself a path."""
    if ";" in item and not Path(item).exists():
        return [p.strip() for p in item.split(";") if p.strip()]
    return [item]
