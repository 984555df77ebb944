"""geotwin:buildtwin: the linked twin (city model + BIM + islands + sensors) in a GeoPackage or PostGIS."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from ..algorithm import GeoTwinAlgorithm
from ..cluster import add_cluster_parameters, cluster_parameters
from ..connections import add_postgis_parameters, output_or_connection, postgis_target


class BuildTwin(GeoTwinAlgorithm):
    ALG_ID = "buildtwin"
    DISPLAY_NAME = "Build digital twin"
    GROUP_ID = "twin"
    GROUP_NAME = "Digital twin"
    REQUIRES = ("numpy", "shapely", "pyproj", "lxml", "geopandas", "pyogrio")
    HELP = (
        "Builds the linked digital twin in one GeoPackage or one PostGIS schema: the city model, the BIM "
        "buildings with their storeys, rooms and elements, the learning islands and the sensors with their "
        "observations, plus links (replaces, part_of, located_in, observes), sources (file, SHA-256, CRS, "
        "import time, GeoTwin version), the georeferencing, height and conflation reports, and the per-object "
        "hashes and changes of incremental rebuilds. The schema is documented in docs/twin-schema.md.\n\n"
        "CITYMODEL: GeoPackages from Import 3D city model, or CityGML/CityJSON files or folders (imported on "
        "the fly). IFC: GeoPackages from Import BIM model, or IFC files (placed with their own "
        "georeferencing). ISLANDS and SENSORS: GeoPackages from the learning island and sensor imports.\n"
        "Conflation: each BIM building is matched to the city-model building its ground outline overlaps "
        "best (intersection over union, IoU). With IoU at least IOU_THRESHOLD and ground and roof heights "
        "within HEIGHT_TOLERANCE it becomes that building's detailed representation: the city model keeps "
        "ids, address and attributes, the BIM adds rooms and elements. A lower IoU, a larger height offset, "
        "or no overlap while a building of the same outline lies within SEARCH_DISTANCE (a misplaced model) "
        "is a mismatch: reported in conflation_report and the log, never merged. A BIM building with no "
        "overlap and no look-alike is added as a new building. IFC content outside any building (a road, "
        "bridge, earthworks, site works: bim_buildings.ifc_class is not IfcBuilding) is never matched: it is "
        "added as an object of its own with its IFC class as object_class, and its elements are tiled.\n"
        "The twin's CRS is fixed once, as the first step of the build, and reported in the log and the results: "
        "the city model's (all city model inputs must agree), else the IFC inputs' (all must agree), else "
        "that of the first learning islands or sensors input; every input in another CRS is transformed into it. "
        "CRS: (advanced, optional) fixes the twin's CRS instead, e.g. to combine city models delivered in "
        "different CRSs, which are refused without it. A rebuild into another CRS than the stored twin's rewrites "
        "every layer. The partitioned build (SCHEDULER, WORKERS) cuts its partitions in the city model's CRS and "
        "refuses any other.\n"
        "Incremental rebuilds: run again into the same output after a source changed. Inputs whose checksum "
        "is unchanged are not read again, only added, removed or modified objects (by hash of geometry and "
        "attributes) are written, and the changes table and the ADDED/REMOVED/MODIFIED results say which "
        "buildings changed.\n"
        "OUTPUT: a GeoPackage, written to a temporary copy that replaces it only when the build succeeds; it "
        "must be new, empty or a twin that GeoTwin wrote (any other file is refused, never overwritten). "
        "Or DATABASE: a PostgreSQL/PostGIS connection of QGIS (optionally with AUTHCFG for the credentials) "
        "and SCHEMA: a new or empty schema or one GeoTwin created, never public or a system schema; the build is "
        "one transaction, and a second build into the same schema waits for the first. Passwords are never logged.\n"
        "SCHEDULER and WORKERS (advanced): a large city model can be built in spatial partitions on Dask "
        "distributed: each partition is a square of the city with about 4,000 buildings, each building is built "
        "in the partition of its footprint's centre, and the partitions are written into the output in one "
        "transaction. SCHEDULER names an existing Dask scheduler (e.g. tcp://10.0.0.5:8786); empty with WORKERS "
        "2 or more starts that many worker processes on this computer. Empty and 0 or 1 (the default) builds in "
        "this process, as before. The city model must then be GeoPackages of the city model import; BIM models, "
        "learning islands and sensors are linked to it in this process afterwards. The partitions and a record "
        "of the finished ones are kept beside the output GeoPackage (<output>.geotwin-work; for PostGIS in the "
        "temporary folder): a second run rebuilds only the partitions whose source files changed. Cancelling "
        "cancels the cluster's tasks."
    )

    CITYMODEL, IFC, ISLANDS, SENSORS = "CITYMODEL", "IFC", "ISLANDS", "SENSORS"
    IOU, HEIGHT, SEARCH = "IOU_THRESHOLD", "HEIGHT_TOLERANCE", "SEARCH_DISTANCE"
    CRS = "CRS"
    OUTPUT, DATABASE, SCHEMA, AUTHCFG = "OUTPUT", "DATABASE", "SCHEMA", "AUTHCFG"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        for name, label in ((self.CITYMODEL, self.tr("City model (GeoPackages from the import, or CityGML/CityJSON "
                                                     "files)")),
                            (self.IFC, self.tr("BIM models (GeoPackages from the IFC import, or IFC files)")),
                            (self.ISLANDS, self.tr("Learning islands (GeoPackages)")),
                            (self.SENSORS, self.tr("Sensors (GeoPackages)"))):
            self.addParameter(QgsProcessingParameterMultipleLayers(name, label, QgsProcessing.TypeFile, optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.IOU, self.tr("Minimum footprint IoU for a match"), QgsProcessingParameterNumber.Double,
            defaultValue=0.5, minValue=0.01, maxValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.HEIGHT, self.tr("Height tolerance for a match (m)"), QgsProcessingParameterNumber.Double,
            defaultValue=1.0, minValue=0.0))
        search = QgsProcessingParameterNumber(
            self.SEARCH, self.tr("Search distance for a misplaced BIM model (m)"),
            QgsProcessingParameterNumber.Double, defaultValue=2000.0, minValue=0.0)
        crs = QgsProcessingParameterCrs(self.CRS, self.tr("CRS of the twin (default: the inputs')"),
                                        optional=True)
        self.add_advanced(search, crs)
        add_cluster_parameters(self)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Twin GeoPackage"), self.tr("GeoPackage (*.gpkg)"), optional=True))
        add_postgis_parameters(self, self.DATABASE, self.SCHEMA, self.AUTHCFG)
        for name, label in (("BUILDINGS", self.tr("Buildings in the twin")),
                            ("MATCHED", self.tr("BIM buildings matched to the city model")),
                            ("UNMATCHED", self.tr("BIM buildings added as new buildings")),
                            ("MISMATCHES", self.tr("BIM buildings reported as mismatches")),
                            ("ADDED", self.tr("Buildings added since the last build")),
                            ("REMOVED", self.tr("Buildings removed since the last build")),
                            ("MODIFIED", self.tr("Buildings modified since the last build"))):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString(self.CRS, self.tr("CRS of the twin")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.build import BuildInputs, build_twin
        from ...twin.conflation import ConflationOptions
        from ...twin.store import open_store

        inputs = BuildInputs(*([p for p in self.parameterAsFileList(parameters, name, context) or [] if p]
                               for name in (self.CITYMODEL, self.IFC, self.ISLANDS, self.SENSORS)))
        if not inputs.citymodel and not inputs.ifc:
            raise QgsProcessingException(self.tr("Give a city model or at least one IFC model."))
        options = ConflationOptions(self.parameterAsDouble(parameters, self.IOU, context),
                                    self.parameterAsDouble(parameters, self.HEIGHT, context),
                                    self.parameterAsDouble(parameters, self.SEARCH, context))
        crs = self._crs(parameters, context)
        output, connection = output_or_connection(self, parameters, context, self.OUTPUT, self.DATABASE)
        if connection:
            target, schema = postgis_target(self, parameters, context, connection, self.SCHEMA, self.AUTHCFG)
        else:
            schema, target = "geotwin", output

        steps = QgsProcessingMultiStepFeedback(2, feedback)
        steps.setCurrentStep(0)
        store = open_store(target, schema)   # core errors become QgsProcessingException in GeoTwinAlgorithm
        feedback.pushInfo(self.tr("Building the twin in {0}").format(store.describe()))
        scheduler, workers = cluster_parameters(self, parameters, context)
        from ...twin.scale.cluster import wants_cluster

        if wants_cluster(scheduler, workers):
            from ...twin.scale.build import build_twin_scaled
            from ...twin.scale.cluster import cluster_mapper
            from ...twin.scale.manifest import default_work_folder

            reporter = self.reporter(steps)
            with cluster_mapper(scheduler, workers, reporter) as mapper:
                result = build_twin_scaled(store, inputs, default_work_folder(f"{target}#{schema}" if connection
                                                                              else target), mapper, reporter, options,
                                           crs=crs)
        else:
            result = build_twin(store, inputs, options, self.reporter(steps), crs)
        steps.setCurrentStep(1)   # the core reported the twin's CRS and where it came from (its first step)
        feedback.pushInfo(self.tr("{0} buildings; BIM: {1} matched, {2} added as new buildings, {3} mismatches; "
                                  "changes: {4} added, {5} removed, {6} modified").format(
            result.buildings, result.matched, result.unmatched, result.mismatches,
            len(result.added), len(result.removed), len(result.modified)))
        for label, ids in ((self.tr("Added"), result.added), (self.tr("Removed"), result.removed),
                           (self.tr("Modified"), result.modified)):
            if ids:
                more = self.tr(" (and {0} more: see the changes table)").format(len(ids) - 20) if len(ids) > 20 else ""
                feedback.pushInfo(f"{label}: {', '.join(ids[:20])}{more}")
        steps.setProgress(100)
        return {
            self.OUTPUT: output or f"postgres:{connection}/{schema}",
            "BUILDINGS": result.buildings, "MATCHED": result.matched, "UNMATCHED": result.unmatched,
            "MISMATCHES": result.mismatches, "ADDED": len(result.added), "REMOVED": len(result.removed),
            "MODIFIED": len(result.modified), self.CRS: result.crs or "",
        }

    def _crs(self, parameters: dict[str, Any], context: QgsProcessingContext) -> str | None:
        """The CRS parameter as the core takes it (``EPSG:n``, else the WKT); None when it is empty."""
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        if not crs.isValid():
            return None
        return crs.authid() if crs.authid().upper().startswith("EPSG:") else crs.toWkt()
