"""geotwin:export3dtiles: the city model of a GeoTwin GeoPackage, or a twin (GeoPackage or PostGIS), as OGC
3D Tiles with a CesiumJS viewer."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..algorithm import GeoTwinAlgorithm
from ..cluster import add_cluster_parameters, cluster_parameters
from ..connections import add_postgis_parameters

if TYPE_CHECKING:
    from ...twin.store.base import TwinStore


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
        "Target client: \"Cesium web map\" (the default: the compression above, what the web map loads fastest) "
        "or \"QGIS 3D tiles layer\": positions and normals as 32-bit floats without quantisation or meshopt, the "
        "only encoding QGIS's 3D tiles layer (QGIS 3.34 or later) can read; the web map shows these tiles too. "
        "\"Draco compression\" (advanced, for the QGIS 3D tiles layer only, needs the DracoPy package): "
        "KHR_draco_mesh_compression, much smaller tiles (positions within 1 cm); QGIS decodes it only where it "
        "was built with Draco. QGIS up to 3.44 reads no implicit tiling: leave \"Implicit tiling (subtrees)\" off "
        "for it. The target is written into tileset.json (asset.extras) and export_report.json. In "
        "QGIS desktop 3.34 or later the plugin adds the exported tileset to the project as a 3D tiles layer; "
        "for a Cesium web map export it warns instead that QGIS cannot show it.\n"
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
        "local copy of CesiumJS's Build/Cesium folder. The web map's search box finds buildings by id, name or "
        "address (search/, an index in small parts written beside the tileset with the viewer: the page loads "
        "only the part for the typed words) and learning islands and sensors by id or name, flies there and "
        "opens the object's details.\n"
        "Terrain and basemap of the web map: TERRAIN (optional): a digital terrain model raster (DGM, e.g. "
        "the state's DGM1 GeoTIFF, in the city model's height system; any CRS GDAL can transform) becomes "
        "quantized-mesh terrain tiles in terrain/ beside the tileset, which the viewer shows with Cesium's "
        "CesiumTerrainProvider; TERRAIN_RELIEF takes the city model's own TIN relief instead. The terrain's "
        "heights go through exactly the same height model as the buildings, so the buildings stand on the "
        "ground. TERRAIN_MAX_TILES limits the tile count (the export stops with a message naming the count "
        "needed). BASEMAP_URL (optional): an XYZ ({z}/{x}/{y}) or WMTS RESTful ({TileMatrix}/{TileRow}/"
        "{TileCol}, Web Mercator) URL template of the imagery under the city, with its BASEMAP_ATTRIBUTION "
        "(required by the licence). German example, basemap.de (BKG, CC BY 4.0): "
        "https://sgx.geodatenzentrum.de/wmts_basemapde/tile/1.0.0/de_basemapde_web_raster_farbe/default/"
        "GLOBAL_WEBMERCATOR/{TileMatrix}/{TileRow}/{TileCol}.png with the attribution "
        "\"© basemap.de / BKG | Datenquellen: © GeoBasis-DE\". Without BASEMAP_URL the viewer shows the "
        "Natural Earth II imagery that CesiumJS carries (offline).\n"
        "SCHEDULER and WORKERS (advanced): a large city model can be exported in partitions on Dask "
        "distributed: each partition is a subtree of the quadtree with at most 5,000 buildings, exported by a "
        "worker, and the root of the tileset is written last from the partitions' summaries; the tiles are byte "
        "for byte those of the export in this process. SCHEDULER names an existing Dask scheduler (e.g. "
        "tcp://10.0.0.5:8786; its workers must reach the input and the output folder); empty with WORKERS 2 or "
        "more starts that many worker processes on this computer. Empty and 0 or 1 (the default) exports in this "
        "process, as before. Exporting again into the same folder, a partition whose buildings did not change "
        "keeps its tiles without meshing them again. The partitioned export covers the buildings with one "
        "feature per building: with terrain, per-surface features, or a twin with BIM detail, learning islands "
        "or sensors, the export runs in this process, and a warning names the reason. Cancelling cancels the "
        "cluster's tasks."
    )

    INPUT, OUTPUT, FORMAT, FEATURES = "INPUT", "OUTPUT", "FORMAT", "FEATURES"
    COMPRESSION, IMPLICIT, GEOID, GEOID_GRID, GEOID_CONSTANT = (
        "COMPRESSION", "IMPLICIT", "GEOID", "GEOID_GRID", "GEOID_CONSTANT")
    VIEWER, CESIUM_URL = "VIEWER", "CESIUM_URL"
    DATABASE, SCHEMA, AUTHCFG = "DATABASE", "SCHEMA", "AUTHCFG"
    TARGET, DRACO = "TARGET", "DRACO"
    # terrain and basemap (issue 14)
    TERRAIN, TERRAIN_RELIEF, TERRAIN_MAX_TILES = "TERRAIN", "TERRAIN_RELIEF", "TERRAIN_MAX_TILES"
    BASEMAP_URL, BASEMAP_ATTRIBUTION, BASEMAP_MAX_ZOOM = "BASEMAP_URL", "BASEMAP_ATTRIBUTION", "BASEMAP_MAX_ZOOM"
    TERRAIN_DEFAULT_MAX_TILES = 5000   # twin.tiles.terrain.DEFAULT_MAX_TILES (not imported: the core loads lazily)
    TERRAIN_REQUIRES = ("pydelatin", "quantized_mesh_encoder", "osgeo")
    FORMATS = ("1.1", "1.0")
    TARGETS = ("cesium", "qgis")
    #: called in QGIS desktop after a successful export, in the main thread: ``f(tileset, target, draco,
    #: feedback)``. The plugin (plugin/tiles_layer.py) adds one that adds the tileset to the project;
    #: qgis_process loads no GUI and leaves it empty. Processing never imports the plugin.
    after_export: ClassVar[list[Callable[..., Any]]] = []
    GEOID_METHODS = ("auto", "grid", "egm96", "constant")

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, self.tr("City model or twin GeoPackage"), extension="gpkg", optional=True))
        add_postgis_parameters(self, self.DATABASE, self.SCHEMA, self.AUTHCFG,
                               self.tr("Or: PostGIS connection of the twin"))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Tileset folder")))
        self.addParameter(QgsProcessingParameterEnum(
            self.FORMAT, self.tr("Format"), [self.tr("3D Tiles 1.1 (GLB)"), self.tr("3D Tiles 1.0 (b3dm)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FEATURES, self.tr("Features"), [self.tr("One per building"), self.tr("One per surface")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.TARGET, self.tr("Target client"), [self.tr("Cesium web map"), self.tr("QGIS 3D tiles layer")],
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
        draco = QgsProcessingParameterBoolean(self.DRACO, self.tr("Draco compression (QGIS 3D tiles layer; needs "
                                                                  "DracoPy)"), defaultValue=False)
        self.add_advanced(cesium, draco)
        self._add_terrain_basemap_parameters()
        add_cluster_parameters(self)
        self.addOutput(QgsProcessingOutputFile("TILESET", self.tr("tileset.json")))
        self.addOutput(QgsProcessingOutputNumber("TILES", self.tr("Tiles")))
        self.addOutput(QgsProcessingOutputString("HEIGHT_METHOD", self.tr("Height model used")))
        self.addOutput(QgsProcessingOutputNumber("REWRITTEN", self.tr("Tiles written")))
        self.addOutput(QgsProcessingOutputNumber("REUSED", self.tr("Tiles kept unchanged")))
        self.addOutput(QgsProcessingOutputString("TARGET", self.tr("Target client")))
        self.addOutput(QgsProcessingOutputNumber("TERRAIN_TILES", self.tr("Terrain tiles")))

    def _add_terrain_basemap_parameters(self) -> None:
        """TERRAIN (DGM raster) or TERRAIN_RELIEF, TERRAIN_MAX_TILES; BASEMAP_URL, _ATTRIBUTION, _MAX_ZOOM."""
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.TERRAIN, self.tr("Terrain: digital terrain model (DGM raster)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.TERRAIN_RELIEF, self.tr("Terrain from the city model's TIN relief"), defaultValue=False))
        max_tiles = QgsProcessingParameterNumber(
            self.TERRAIN_MAX_TILES, self.tr("Terrain: maximum number of tiles"), QgsProcessingParameterNumber.Integer,
            defaultValue=self.TERRAIN_DEFAULT_MAX_TILES, minValue=2, maxValue=1_000_000)
        self.addParameter(QgsProcessingParameterString(
            self.BASEMAP_URL, self.tr("Basemap: XYZ or WMTS URL template (empty: offline Natural Earth II)"),
            defaultValue="", optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.BASEMAP_ATTRIBUTION, self.tr("Basemap: attribution"), defaultValue="", optional=True))
        max_zoom = QgsProcessingParameterNumber(
            self.BASEMAP_MAX_ZOOM, self.tr("Basemap: maximum zoom level"), QgsProcessingParameterNumber.Integer,
            defaultValue=19, minValue=0, maxValue=24)
        self.add_advanced(max_tiles, max_zoom)

    def _terrain_basemap_options(self, parameters: dict[str, Any], context: QgsProcessingContext) -> dict[str, Any]:
        """ExportOptions' terrain and basemap fields from the parameters."""
        from ...twin.tiles.terrain import RELIEF
        from ...twin.tiles.viewer import Basemap

        layer = self.parameterAsRasterLayer(parameters, self.TERRAIN, context)
        terrain = layer.source() if layer is not None else None
        if self.parameterAsBool(parameters, self.TERRAIN_RELIEF, context):
            if terrain:
                raise QgsProcessingException(self.tr("Give either a terrain raster or the TIN relief, not both."))
            terrain = RELIEF
        if terrain:
            from ..dependencies import missing_message, missing_modules

            missing = missing_modules(self.TERRAIN_REQUIRES)
            if missing:
                raise QgsProcessingException(missing_message(missing))
        url = self.parameterAsString(parameters, self.BASEMAP_URL, context).strip()
        attribution = self.parameterAsString(parameters, self.BASEMAP_ATTRIBUTION, context).strip()
        if attribution and not url:
            raise QgsProcessingException(self.tr("A basemap attribution was given without the basemap URL."))
        basemap = Basemap(url, attribution, self.parameterAsInt(parameters, self.BASEMAP_MAX_ZOOM, context)) \
            if url else None
        return {"terrain": terrain, "basemap": basemap,
                "terrain_max_tiles": self.parameterAsInt(parameters, self.TERRAIN_MAX_TILES, context)}

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.tiles.export import ExportOptions

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
        target = self.TARGETS[self.parameterAsEnum(parameters, self.TARGET, context)]
        draco = self.parameterAsBool(parameters, self.DRACO, context)
        if draco and target != "qgis":
            raise QgsProcessingException(self.tr("Draco compression is for the target client \"QGIS 3D tiles "
                                                 "layer\"; the Cesium web map is compressed with quantisation "
                                                 "and meshopt."))
        if draco:
            from ..dependencies import missing_message, missing_modules

            if missing_modules(("DracoPy",)):
                raise QgsProcessingException(missing_message(["DracoPy"]))
        options = ExportOptions(
            format=self.FORMATS[fmt], features=("building", "surface")[features],
            compression=self.parameterAsBool(parameters, self.COMPRESSION, context),
            implicit=self.parameterAsBool(parameters, self.IMPLICIT, context),
            height_method=method, geoid_grid=grid, geoid_constant=constant,
            viewer=self.parameterAsBool(parameters, self.VIEWER, context),
            cesium_url=self.parameterAsString(parameters, self.CESIUM_URL, context) or None,
            target=target, draco=draco,
            **self._terrain_basemap_options(parameters, context))

        steps = QgsProcessingMultiStepFeedback(2, feedback)
        steps.setCurrentStep(0)
        result = self._export(source, output, options, parameters, context, steps)
        steps.setCurrentStep(1)
        report = result.summary
        feedback.pushInfo(self.tr("{0} tiles, {1} buildings, {2:.0f} bytes per building; heights: {3}").format(
            result.tiles, report.buildings, report.bytes_per_building, report.height_description))
        feedback.pushInfo(self.tr("{0} tile files written, {1} kept unchanged").format(
            len(report.rewritten), len(report.reused)))
        terrain = report.terrain
        if terrain is not None:
            feedback.pushInfo(self.tr("Terrain: {0} tiles (levels 0 to {1}) from {2}").format(
                terrain.tiles, terrain.max_level, terrain.source))
        feedback.setProgress(100)  # on the parent: the step feedback drops a repeated 100 (already reached)
        self._exported = (str(result.tileset), target, draco)
        return {self.OUTPUT: str(result.output), "TILESET": str(result.tileset), "TILES": result.tiles,
                "HEIGHT_METHOD": result.height_method, "REWRITTEN": len(report.rewritten),
                "REUSED": len(report.reused), "TARGET": target,
                "TERRAIN_TILES": terrain.tiles if terrain is not None else 0}

    def _export(self, source: Any, output: str, options: Any, parameters: dict[str, Any],
                context: QgsProcessingContext, steps: Any) -> Any:
        """The export in this process, or in partitions on Dask when SCHEDULER or WORKERS ask for it and the
        partitioned export covers the source (else in this process, with a warning naming the reason)."""
        from ...twin.scale.cluster import wants_cluster
        from ...twin.tiles.export import export_3dtiles

        scheduler, workers = cluster_parameters(self, parameters, context)
        if not wants_cluster(scheduler, workers):
            return export_3dtiles(source, output, options, self.reporter(steps))
        from ...twin.scale.cluster import cluster_mapper
        from ...twin.scale.export import export_tiles, partitioned_refusal

        refusal = partitioned_refusal(source, options)
        if refusal is not None:
            steps.pushWarning(self.tr("Not exported in partitions on Dask ({0}): exporting in this process.")
                              .format(refusal))
            return export_3dtiles(source, output, options, self.reporter(steps))
        reporter = self.reporter(steps)
        with cluster_mapper(scheduler, workers, reporter) as mapper:
            return export_tiles(source, output, options, reporter, mapper)

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802
                             feedback: QgsProcessingFeedback) -> dict[str, Any]:
        """In QGIS desktop (main thread): hand the exported tileset to the ``after_export`` handlers."""
        exported = getattr(self, "_exported", None)
        if exported is not None:
            for handler in list(type(self).after_export):
                try:
                    handler(*exported, feedback)
                except Exception as err:  # noqa: BLE001 - the export succeeded: a failing handler only warns
                    feedback.pushWarning(self.tr("The tileset was written but not added to the project: {0}")
                                         .format(err))
        return {}

    def _source(self, parameters: dict[str, Any], context: QgsProcessingContext) -> str | TwinStore:
        """The GeoPackage path, or the PostGIS twin store of DATABASE and SCHEMA (exactly one of them)."""
        path = self.parameterAsFile(parameters, self.INPUT, context)
        connection = self.parameterAsConnectionName(parameters, self.DATABASE, context)
        if bool(path) == bool(connection):
            raise QgsProcessingException(self.tr("Give either the city model or twin GeoPackage or the PostGIS "
                                                 "connection of a twin."))
        if path:
            return path
        from ...twin.store import open_store
        from ..connections import postgis_target

        dsn, schema = postgis_target(self, parameters, context, connection, self.SCHEMA, self.AUTHCFG)
        return open_store(dsn, schema)
