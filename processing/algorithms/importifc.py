"""geotwin:importifc: an IFC building (.ifc/.ifczip), georeferenced, into a GeoPackage of the twin."""
from __future__ import annotations

import os
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..algorithm import GeoTwinAlgorithm

DEFAULT_CRS = "EPSG:25832"
GEOREF_CHOICES = (("auto", "Automatic (map conversion, then IfcSite latitude/longitude)"),
                  ("map conversion", "IfcMapConversion / ePSet_MapConversion"),
                  ("site", "IfcSite latitude/longitude and true north"),
                  ("manual", "Manual anchor point and rotation"),
                  ("fit to footprint", "Fit the ground outline to a footprint"))


class ImportIfc(GeoTwinAlgorithm):
    ALG_ID = "importifc"
    DISPLAY_NAME = "Import BIM model (IFC)"
    GROUP_ID = "bim"
    GROUP_NAME = "BIM"
    REQUIRES = ("ifcopenshell", "numpy", "shapely", "pyproj", "geopandas", "pyogrio")
    HELP = (
        "Imports an IFC2X3, IFC4 or IFC4X3 building (.ifc or .ifczip) into a GeoPackage, placed in the "
        "target CRS.\n\n"
        "GEOREFERENCING: automatic uses, in this order, the IfcMapConversion/IfcProjectedCRS (IFC4, IFC4X3; "
        "eastings, northings, orthogonal height, rotation, scale and map units), the IFC2X3 "
        "ePSet_MapConversion/ePSet_ProjectedCRS, then the IfcSite RefLatitude/RefLongitude/RefElevation with "
        "TrueNorth and the grid convergence (about a metre), then a fit to FOOTPRINTS when given. A map "
        "conversion in another CRS is transformed to the target CRS with PROJ; one whose CRS name is empty is "
        "taken to be in the target CRS, with a warning. Manual places the IFC origin at the given easting, "
        "northing and height, with its x axis rotated anticlockwise from grid east by the given angle. Fit to "
        "footprint fits the IFC's ground outline (walls of the ground storey) by a least-squares 2D similarity onto a "
        "footprint "
        "from FOOTPRINTS: the one whose FOOTPRINT_FIELD (or feature id) equals FOOTPRINT_ID, else the only "
        "one, else the one nearest the IFC's own approximate position; its height comes from MANUAL_HEIGHT, "
        "else the footprint's z, else the IFC's own georeferencing.\n"
        "Heights stay in the vertical datum of the IFC (OrthogonalHeight, RefElevation or the manual height); "
        "the georef_report table names it.\n"
        "Checks, for every method: a model that lands outside the target CRS's area of use is refused, and the "
        "message names a CRS that holds it (the map conversion's own, or the UTM zone); a datum change that PROJ "
        "can only do as a ballpark (the datum shift ignored) is named in the warnings. A broken map conversion "
        "(a missing or non-finite value, Scale zero, negative or far from the unit conversion, a zero x axis, "
        "eastings or northings beyond 10^8) is refused with the entity and the attribute. IfcSite latitude/"
        "longitude 0/0 is a default, not a position: such a file has no georeferencing. Latitude/longitude are "
        "read on WGS 84; the comparison with a map conversion also tries the map CRS's own datum.\n\n"
        "Geometry: the elements are triangulated with ifcopenshell in a separate worker process (one per spare "
        "CPU core, at most four) while the import writes the rows; if no worker can be started (the environment "
        "variable GEOTWIN_PYTHON names a Python interpreter) or one stops, its elements are triangulated in the "
        "import's own thread.\n\n"
        "Elements: every IfcElement (IFC4X3 infrastructure and geotechnical ones included: courses, kerbs, "
        "earthworks, strata, boreholes, rails, tendons...) and any other product with a representation, but not "
        "the spatial structure, openings, virtual elements, annotations, grids, alignments or ports. Elements "
        "outside any building (a road, bridge or railway, site works, a model without building) belong to their "
        "facility (IfcRoad, IfcBridge...), else their site, else the project, which gets a row in bim_buildings "
        "with its class in ifc_class; in the twin it becomes an object of its own (never matched to a city-model "
        "building) and its elements are exported to 3D Tiles. A value written as * for an attribute that is not "
        "derived (Renga) is read as unset, with a warning. A file without any product geometry (no element or "
        "room with a 3D body) is refused. Property sets, "
        "properties and quantities without a name are kept as Pset_unnamed_#id and unnamed_#id and counted in "
        "the log.\n\n"
        "Layers: bim_elements (one MultiPolygonZ of triangles per element, with class, GlobalId, name, storey, "
        "material, IsExternal, LoadBearing, FireRating, NetVolume, net area and every property set as JSON), "
        "bim_spaces (rooms: floor polygon as PolygonZ at floor elevation, name, long name, number, area, "
        "height), bim_storeys, bim_buildings (buildings and the facilities above; ground outline: the walls of "
        "the ground storey, else the convex hulls of the elements) and georef_report (method, CRS, parameters, "
        "residual, expected accuracy and warnings). An element without geometry of its own (a window made of "
        "plates, a roof of slabs) has a row without geometry that its parts name. Elements whose geometry "
        "fails are skipped, counted and named by GlobalId. The GeoPackage is written only when the whole import "
        "succeeds.\n\n"
        "Size limits: an .ifc larger than MAX_SIZE_MB (default 4096 MiB) is refused, and so is an .ifczip whose .ifc "
        "inflates beyond MAX_SIZE_MB or to more than 200 times its compressed size (a zip bomb); an .ifczip must hold "
        "exactly one unencrypted .ifc file."
    )

    INPUT, GEOREFERENCING, TARGET_CRS, OUTPUT = "INPUT", "GEOREFERENCING", "TARGET_CRS", "OUTPUT"
    EASTING, NORTHING, HEIGHT, ROTATION = "MANUAL_EASTING", "MANUAL_NORTHING", "MANUAL_HEIGHT", "MANUAL_ROTATION"
    FOOTPRINTS, FOOTPRINT_FIELD, FOOTPRINT_ID = "FOOTPRINTS", "FOOTPRINT_FIELD", "FOOTPRINT_ID"
    ELEMENTS, SPACES, METHOD, RESIDUAL = "ELEMENTS", "SPACES", "GEOREF_METHOD", "GEOREF_RESIDUAL_M"
    MAX_SIZE = "MAX_SIZE_MB"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, self.tr("IFC file (.ifc, .ifczip)"), QgsProcessingParameterFile.File,
            fileFilter=self.tr("IFC (*.ifc *.ifczip *.IFC *.IFCZIP)")))
        self.addParameter(QgsProcessingParameterEnum(
            self.GEOREFERENCING, self.tr("Georeferencing"), [self.tr(label) for _, label in GEOREF_CHOICES],
            defaultValue=0))
        advanced = [
            QgsProcessingParameterNumber(self.EASTING, self.tr("Manual: easting of the IFC origin"),
                                         QgsProcessingParameterNumber.Double, optional=True),
            QgsProcessingParameterNumber(self.NORTHING, self.tr("Manual: northing of the IFC origin"),
                                         QgsProcessingParameterNumber.Double, optional=True),
            QgsProcessingParameterNumber(self.HEIGHT, self.tr("Manual / fit: height of the IFC origin "
                                                              "(fit: of the ground)"),
                                         QgsProcessingParameterNumber.Double, optional=True),
            QgsProcessingParameterNumber(self.ROTATION, self.tr("Manual: rotation of the IFC x axis from grid "
                                                                "east, anticlockwise (degrees)"),
                                         QgsProcessingParameterNumber.Double, defaultValue=0.0, optional=True),
            QgsProcessingParameterNumber(self.MAX_SIZE, self.tr("Largest IFC file, or .ifczip content, read (MiB)"),
                                         QgsProcessingParameterNumber.Double, defaultValue=4096.0, minValue=0.001,
                                         optional=True),
        ]
        self.add_advanced(*advanced)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.FOOTPRINTS, self.tr("Footprints for the fit (city model)"), [QgsProcessing.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.FOOTPRINT_FIELD, self.tr("Footprint id field"), parentLayerParameterName=self.FOOTPRINTS,
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.FOOTPRINT_ID, self.tr("Footprint id to fit to (empty: the nearest footprint)"), optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            self.TARGET_CRS, self.tr("Target CRS"), defaultValue=DEFAULT_CRS, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("BIM GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.ELEMENTS, self.tr("Elements")))
        self.addOutput(QgsProcessingOutputNumber(self.SPACES, self.tr("Rooms")))
        self.addOutput(QgsProcessingOutputString(self.METHOD, self.tr("Georeferencing method")))
        self.addOutput(QgsProcessingOutputNumber(self.RESIDUAL, self.tr("Georeferencing residual (m)")))

    def _number(self, parameters: dict[str, Any], name: str, context: QgsProcessingContext) -> float | None:
        if parameters.get(name) in (None, ""):
            return None
        return self.parameterAsDouble(parameters, name, context)

    def _footprints(self, parameters: dict[str, Any], context: QgsProcessingContext,
                    target: QgsCoordinateReferenceSystem, feedback: QgsProcessingFeedback) -> list[tuple[str, Any]]:
        source = self.parameterAsSource(parameters, self.FOOTPRINTS, context)
        if source is None:
            return []
        import shapely

        field = self.parameterAsString(parameters, self.FOOTPRINT_FIELD, context)
        transform = QgsCoordinateTransform(source.sourceCrs(), target, context.transformContext())
        footprints = []
        for feature in source.getFeatures(QgsFeatureRequest()):
            if feedback.isCanceled():
                break
            geom = feature.geometry()
            if geom is None or geom.isEmpty():
                continue
            geom.transform(transform)
            key = feature[field] if field else feature.id()
            footprints.append((str(key), shapely.from_wkb(bytes(geom.asWkb()))))
        return footprints

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...bim.importer import ImportOptions, import_ifc

        path = self.parameterAsFile(parameters, self.INPUT, context)
        if not path:
            raise QgsProcessingException(self.tr("No IFC file given."))
        index = self.parameterAsEnum(parameters, self.GEOREFERENCING, context)
        if not 0 <= index < len(GEOREF_CHOICES):
            raise QgsProcessingException(self.tr("Unknown georeferencing choice."))
        method = GEOREF_CHOICES[index][0]
        target = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        if target is None or not target.isValid():
            target = QgsCoordinateReferenceSystem(DEFAULT_CRS)
        if not target.isValid():
            raise QgsProcessingException(self.tr("The target CRS is not valid."))
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output:
            raise QgsProcessingException(self.tr("No output GeoPackage given."))
        if not output.lower().endswith(".gpkg"):
            output += ".gpkg"
        manual = None
        if method == "manual":
            east, north, height = (self._number(parameters, n, context)
                                   for n in (self.EASTING, self.NORTHING, self.HEIGHT))
            if east is None or north is None or height is None:
                raise QgsProcessingException(self.tr("Manual georeferencing needs MANUAL_EASTING, MANUAL_NORTHING "
                                                     "and MANUAL_HEIGHT."))
            manual = (east, north, height, self._number(parameters, self.ROTATION, context) or 0.0)

        steps = QgsProcessingMultiStepFeedback(2, feedback)
        steps.setCurrentStep(0)
        footprints = self._footprints(parameters, context, target, steps) if method in ("auto", "fit to footprint") \
            else []
        if feedback.isCanceled():
            return {}
        options = ImportOptions(
            georeferencing=method, target_crs=target.authid() or target.toWkt(), manual=manual,
            footprints=footprints, footprint_id=self.parameterAsString(parameters, self.FOOTPRINT_ID, context) or None,
            fit_height=self._number(parameters, self.HEIGHT, context) if method != "manual" else None,
            processes=max(1, min(4, (os.cpu_count() or 2) - 1)),
            max_bytes=int((self._number(parameters, self.MAX_SIZE, context) or 4096.0) * (1 << 20)))
        steps.setCurrentStep(1)
        result = import_ifc(path, output, options, self.reporter(steps))
        placement = result.placement
        feedback.pushInfo(self.tr("{0} elements, {1} rooms, {2} storeys, {3} skipped; placed by {4} "
                                  "(residual {5:.3f} m)").format(result.elements, result.spaces, result.storeys,
                                                                 len(result.skipped), placement.method,
                                                                 placement.residual_m))
        return {
            self.OUTPUT: output,
            self.ELEMENTS: result.elements,
            self.SPACES: result.spaces,
            self.METHOD: placement.method,
            self.RESIDUAL: placement.residual_m,
        }
