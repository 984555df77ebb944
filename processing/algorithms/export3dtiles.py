"""geotwin:export3dtiles: the city model of a GeoTwin GeoPackage, or a twin (GeoPackage or PostGIS), as OGC
3D Tiles with a CesiumJS viewer."""
from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDatabaseSchema,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterProviderConnection,
    QgsProcessingParameterString,
)

from ..algorithm import GeoTwinAlgorithm


class Export3DTiles(GeoTwinAlgorithm):
    ALG_ID = "export3dtiles"
    DISPLAY_NAME = "Export 3D Tiles"
    GROUP_ID = "tiles"
    GROUP_NAME = "3D Tiles"
    REQUIRES = ("numpy", "shapely", "pyproj", "pyogrio", "geopandas", "mapbox_earcut", "pygltflib", "py3dtiles")
    HELP = (
        "Exports the buildings of a GeoTwin GeoPackage (from Import 3D city model, or the twin from Build "
        "digital twin) as an OGC 3D Tiles tileset, with a CesiumJS viewer (viewer/index.html) beside it that "
        "needs no Cesium ion token.\n"
        "INPUT: the GeoPackage. Or, for a twin built into PostGIS, DATABASE: the PostgreSQL/PostGIS connection "
        "of QGIS (optionally with AUTHCFG for the credentials) and SCHEMA: the twin's schema; it is read "
        "through the twin store and gives the same tiles as the same twin built into a GeoPackage.\n\n"
        "A twin adds: the BIM elements of each building with BIM detail, in a tile below the building's LoD2 "
        "tile that the viewer loads only close up (one feature per element: global_id, ifc_class, name, "
        "storey, material, ...); the learning islands and sensors as small marker features with their "
        "properties (booking URL, opening hours, seats; latest value, unit, time, SensorThings link); and "
        "islands.geojson and sensors.geojson (WGS 84, ellipsoidal height as a property) beside the tileset, "
        "shown as layers in the viewer.\n"
        "Exporting again into the same OUTPUT folder rewrites only the tiles whose buildings changed (e.g. "
        "after an incremental twin build); unchanged tile files are kept as they are.\n"
        "FORMAT: 3D Tiles 1.1 with GLB content (EXT_mesh_features: one feature per building, or per surface; "
        "EXT_structural_metadata: every attribute with its type, the attributes JSON flattened), or 3D Tiles "
        "1.0 b3dm with a batch table for older viewers (QGIS up to 3.40).\n"
        "COMPRESSION: positions quantised to 16 bits (KHR_mesh_quantization, error at most 1 cm) and, when the "
        "meshoptimizer package is installed, EXT_meshopt_compression.\n"
        "Tiling: a quadtree; leaves hold the LoD2 geometry, coarser tiles LoD1 blocks (extruded footprints). "
        "IMPLICIT writes implicit tiling with subtree files instead.\n"
        "Heights: normal heights (DHHN2016, DHHN92, NAP, ...) become ellipsoidal heights with the best "
        "model available: the quasigeoid grid (GCG2016 when PROJ has de_bkg_gcg2016.tif, or the GEOID_GRID "
        "file), else EGM96 (error up to about 0.5 m, with a warning), else the constant GEOID_CONSTANT. "
        "PROJ's ballpark transformation, which ignores the geoid (about 48 m off in Karlsruhe), is refused. "
        "The method and its expected error are written into tileset.json (asset.extras) and "
        "export_report.json.\n"
        "OUTPUT: a folder, replaced only when the export succeeds. To look at it, serve the folder, e.g. "
        "python3 -m http.server in it, and open viewer/index.html. CESIUM_URL: the URL of Cesium.js, or a "
        "local copy of CesiumJS's Build/Cesium folder."
    )

    INPUT, OUTPUT, FORMAT, FEATURES = "INPUT", "OUTPUT", "FORMAT", "FEATURES"
    COMPRESSION, IMPLICIT, GEOID, GEOID_GRID, GEOID_CONSTANT = (
        "COMPRESSION", "IMPLICIT", "GEOID", "GEOID_GRID", "GEOID_CONSTANT")
    VIEWER, CESIUM_URL = "VIEWER", "CESIUM_URL"
    DATABASE, SCHEMA, AUTHCFG = "DATABASE", "SCHEMA", "AUTHCFG"
    FORMATS = ("1.1", "1.0")
    GEOID_METHODS = ("auto", "grid", "egm96", "constant")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, self.tr("City model or twin GeoPackage"), extension="gpkg", optional=True))
        self.addParameter(QgsProcessingParameterProviderConnection(
            self.DATABASE, self.tr("Or: PostGIS connection of the twin"), "postgres", optional=True))
        self.addParameter(QgsProcessingParameterDatabaseSchema(
            self.SCHEMA, self.tr("PostGIS schema"), self.DATABASE, defaultValue="geotwin", optional=True))
        self.addParameter(QgsProcessingParameterAuthConfig(
            self.AUTHCFG, self.tr("PostGIS credentials (authentication configuration)"), optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Tileset folder")))
        self.addParameter(QgsProcessingParameterEnum(
            self.FORMAT, self.tr("Format"), [self.tr("3D Tiles 1.1 (GLB)"), self.tr("3D Tiles 1.0 (b3dm)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FEATURES, self.tr("Features"), [self.tr("One per building"), self.tr("One per surface")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.COMPRESSION, self.tr("Compress (quantisation, meshopt)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.IMPLICIT, self.tr("Implicit tiling (subtrees)"), defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(
            self.GEOID, self.tr("Height model"),
            [self.tr("Automatic (best available)"), self.tr("Quasigeoid grid (GCG2016 or the grid file)"),
             self.tr("EGM96"), self.tr("Constant undulation")], defaultValue=0))
        grid = QgsProcessingParameterFile(self.GEOID_GRID, self.tr("Quasigeoid grid file (GTX or GeoTIFF)"),
                                          optional=True)
        constant = QgsProcessingParameterNumber(
            self.GEOID_CONSTANT, self.tr("Constant undulation (m)"), QgsProcessingParameterNumber.Double,
            optional=True, minValue=-200.0, maxValue=200.0)
        cesium = QgsProcessingParameterString(self.CESIUM_URL, self.tr("CesiumJS URL or local Build/Cesium folder"),
                                              defaultValue="", optional=True)  # empty: copied (offline)
        for param in (grid, constant):
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterBoolean(self.VIEWER, self.tr("Write the web viewer"),
                                                        defaultValue=True))
        cesium.setFlags(cesium.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.addParameter(cesium)
        self.addOutput(QgsProcessingOutputFile("TILESET", self.tr("tileset.json")))
        self.addOutput(QgsProcessingOutputNumber("TILES", self.tr("Tiles")))
        self.addOutput(QgsProcessingOutputString("HEIGHT_METHOD", self.tr("Height model used")))
        self.addOutput(QgsProcessingOutputNumber("REWRITTEN", self.tr("Tiles written")))
        self.addOutput(QgsProcessingOutputNumber("REUSED", self.tr("Tiles kept unchanged")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        self.require_dependencies()
        from ...twin.tiles.export import ExportOptions, export_3dtiles

        source = self._source(parameters, context)
        output = self.parameterAsString(parameters, self.OUTPUT, context)
        if not output:
            raise QgsProcessingException(self.tr("Choose the output folder."))
        fmt = self.parameterAsEnum(parameters, self.FORMAT, context)
        features = self.parameterAsEnum(parameters, self.FEATURES, context)
        geoid = self.parameterAsEnum(parameters, self.GEOID, context)
        grid = self.parameterAsFile(parameters, self.GEOID_GRID, context) or None
        raw_constant = parameters.get(self.GEOID_CONSTANT)
        constant = None if raw_constant in (None, "") else self.parameterAsDouble(parameters, self.GEOID_CONSTANT,
                                                                                  context)
        method = self.GEOID_METHODS[geoid]
        if method == "constant" and constant is None:
            raise QgsProcessingException(self.tr("The constant height model needs GEOID_CONSTANT (metres)."))
        options = ExportOptions(
            format=self.FORMATS[fmt], features=("building", "surface")[features],
            compression=self.parameterAsBool(parameters, self.COMPRESSION, context),
            implicit=self.parameterAsBool(parameters, self.IMPLICIT, context),
            height_method=method, geoid_grid=grid, geoid_constant=constant,
            viewer=self.parameterAsBool(parameters, self.VIEWER, context),
            cesium_url=self.parameterAsString(parameters, self.CESIUM_URL, context) or None)

        steps = QgsProcessingMultiStepFeedback(2, feedback)
        steps.setCurrentStep(0)
        result = export_3dtiles(source, output, options, self.reporter(steps))
        steps.setCurrentStep(1)
        report = result.summary
        feedback.pushInfo(self.tr("{0} tiles, {1} buildings, {2:.0f} bytes per building; heights: {3}").format(
            result.tiles, report.buildings, report.bytes_per_building, report.height_description))
        feedback.pushInfo(self.tr("{0} tile files written, {1} kept unchanged").format(
            len(report.rewritten), len(report.reused)))
        feedback.setProgress(100)  # on the parent: the step feedback drops a repeated 100 (already reached)
        return {self.OUTPUT: str(result.output), "TILESET": str(result.tileset), "TILES": result.tiles,
                "HEIGHT_METHOD": result.height_method, "REWRITTEN": len(report.rewritten),
                "REUSED": len(report.reused)}

    def _source(self, parameters, context):
        """The GeoPackage path, or the PostGIS twin store of DATABASE and SCHEMA (exactly one of them)."""
        path = self.parameterAsFile(parameters, self.INPUT, context)
        connection = self.parameterAsConnectionName(parameters, self.DATABASE, context)
        if bool(path) == bool(connection):
            raise QgsProcessingException(self.tr("Give either the city model or twin GeoPackage or the PostGIS "
                                                 "connection of a twin."))
        if path:
            return path
        from ..dependencies import missing_message, missing_modules

        if missing_modules(("psycopg",)):
            raise QgsProcessingException(missing_message(["psycopg"]))
        from ...twin.store import open_store
        from ..connections import connection_dsn

        schema = self.parameterAsSchema(parameters, self.SCHEMA, context) or "geotwin"
        dsn = connection_dsn(self, connection, self.parameterAsString(parameters, self.AUTHCFG, context))
        return open_store(dsn, schema)
