"""geotwin:importlearningislands: learning islands from a point table, linked to buildings and rooms."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProcessingUtils,
    QgsProviderRegistry,
    QgsVectorFileWriter,
)

from ..algorithm import GeoTwinAlgorithm, tr

if TYPE_CHECKING:
    from ...twin.kernel.layers import LayerRef

GROUP_ID = "islands"
REQUIRES = ("shapely", "pyproj", "geopandas", "pyogrio")


def layer_ref(alg: GeoTwinAlgorithm, parameters: dict[str, Any], name: str, context: QgsProcessingContext,
              feedback: QgsProcessingFeedback) -> LayerRef | None:
    """The twin's LayerRef of a vector layer parameter: the file layer itself, or a temporary GeoPackage copy."""
    from ...twin.kernel.layers import LayerRef

    if parameters.get(name) in (None, ""):
        return None
    layer = alg.parameterAsVectorLayer(parameters, name, context)
    if layer is None or not layer.isValid():
        raise QgsProcessingException(tr("The layer given for {0} cannot be opened.").format(name))
    if layer.providerType() == "ogr":
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        if parts.get("path") and not parts.get("subset"):
            return LayerRef(parts["path"], parts.get("layerName") or None)
    path = QgsProcessingUtils.generateTempFilename(f"{name.lower()}.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = name.lower()
    error, message, _, _ = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, context.transformContext(),
                                                                      options)
    if error != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(tr("Cannot copy the layer {0}: {1}").format(layer.name(), message))
    feedback.pushInfo(tr("{0}: copied {1} features of a {2} layer").format(name, layer.featureCount(),
                                                                        layer.providerType()))
    return LayerRef(path, name.lower())


def islands_ref(alg: GeoTwinAlgorithm, parameters: dict[str, Any], name: str, context: QgsProcessingContext,
                feedback: QgsProcessingFeedback) -> LayerRef:
    """layer_ref of the learning islands parameter ``name``, which must be given."""
    islands = layer_ref(alg, parameters, name, context, feedback)
    if islands is None:
        raise QgsProcessingException(tr("No learning islands layer given."))
    return islands


def gpkg_path(alg: GeoTwinAlgorithm, parameters: dict[str, Any], name: str, context: QgsProcessingContext) -> str:
    output = alg.parameterAsFileOutput(parameters, name, context)
    if not output:
        raise QgsProcessingException(tr("No output GeoPackage given."))
    return output if output.lower().endswith(".gpkg") else output + ".gpkg"


class ImportLearningIslands(GeoTwinAlgorithm):
    ALG_ID = "importlearningislands"
    DISPLAY_NAME = "Import learning islands"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = REQUIRES
    HELP = (
        "Imports WLAN learning islands (Lerninseln) from a point table: GeoJSON, GeoPackage or CSV with "
        "latitude/longitude (WGS 84) or easting/northing columns (in SOURCE_CRS, default the target CRS). "
        "Swapped latitude/longitude or easting/northing are detected by the area of use of the target CRS "
        "and corrected with a warning.\n\n"
        "Target schema: id, name, ssid, operator, seats, opening_hours (OSM opening_hours syntax), "
        "booking_url, accessibility, building_ref, floor (0 = ground floor, 1, -1 or a storey name), room "
        "(number or name), calendar (the island's booking calendar: an iCalendar feed as an http(s) URL or a file "
        "path, relative paths taken from the islands file's folder, or a CalDAV collection URL) and calendar_type "
        "(ical, the default, or caldav; 'caldav+https://...' in calendar is a shorthand) and calendar_address (the "
        "island's own e-mail address as a room in its calendar's events: an event it declined leaves it free). "
        "FIELD_MAPPING maps your "
        "columns: 'name=Bezeichnung;seats=Plaetze'. Unmapped fields "
        "are taken from columns of the same or a known German name; every other column is kept in "
        "'attributes'.\n\n"
        "Linking: each island is linked to the building whose footprint (BUILDINGS) contains it, else to the "
        "nearest within TOLERANCE metres; a building_ref that names a known building wins. Where BIM rooms "
        "(ROOMS, the bim_spaces layer) exist, it is linked to the room on its floor that contains the point, "
        "else to the room whose number, name or long name equals 'room'.\n\n"
        "Checks: only true duplicates are rejected: a row whose every field and position equal an earlier "
        "row's, or a row with an id already imported (the first is kept; the reason names the fields that "
        "differ). Rows that merely share a name and a position, such as two access points of one site, are "
        "both imported. opening_hours in everyday German ('Mo-Fr 8-16 Uhr', '8.00-16.00') are kept as written, read "
        "as their opening_hours form and counted in the output NORMALISED_OPENING_HOURS and the log; opening_hours "
        "that the search cannot evaluate (also "
        "ambiguous forms such as '8-4 Uhr') are imported with a warning and the reason in opening_hours_error; the "
        "search treats their hours as unknown, never as open. booking_url "
        "keeps only absolute http:// or https:// links and mailto:/tel: contacts; anything else (javascript:, "
        "data:, file:, relative links, values with whitespace or control characters) is cleared with a "
        "warning and the reason in booking_url_error; booking_url may hold the placeholders {island}, {start}, "
        "{end}, {date}, {duration}, {seats} and {name} that 'Book a learning island' fills in. A calendar "
        "reference with credentials in its URL, an unknown type or scheme is cleared with a warning and the "
        "reason in calendar_error.\n\n"
        "Output: learning_islands (with link_status linked / building_only / unlinked / not_checked, "
        "link_reason, opening_hours_error and booking_url_error) and learning_islands_unlinked listing every "
        "island rejected (missing coordinates, duplicate) or left without a building or room, with the reason.\n\n"
        "Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond "
        "4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted."
    )
    INPUT, FIELD_MAPPING, BUILDINGS, ROOMS, TOLERANCE = "INPUT", "FIELD_MAPPING", "BUILDINGS", "ROOMS", "TOLERANCE"
    TARGET_CRS, SOURCE_CRS, OUTPUT = "TARGET_CRS", "SOURCE_CRS", "OUTPUT"
    IMPORTED, REJECTED, LINKED_BUILDING, LINKED_ROOM = "IMPORTED", "REJECTED", "LINKED_BUILDING", "LINKED_ROOM"
    HOURS_UNKNOWN, BOOKING_REFUSED, CALENDARS = "HOURS_UNKNOWN", "BOOKING_REFUSED", "CALENDARS"
    NORMALISED_OPENING_HOURS = "NORMALISED_OPENING_HOURS"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, self.tr("Learning islands (GeoJSON, GeoPackage or CSV)"), QgsProcessingParameterFile.File,
            fileFilter=self.tr("Point tables (*.geojson *.json *.gpkg *.csv *.txt)")))
        self.addParameter(QgsProcessingParameterString(
            self.FIELD_MAPPING, self.tr("Field mapping (target=source;...)"), optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.BUILDINGS, self.tr("Building footprints (twin: footprints or buildings)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.ROOMS, self.tr("BIM rooms (twin: bim_spaces)"), [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.TOLERANCE, self.tr("Tolerance to the nearest building (m)"), QgsProcessingParameterNumber.Double,
            defaultValue=25.0, minValue=0.0))
        for param in (QgsProcessingParameterCrs(self.TARGET_CRS, self.tr("Target CRS (default: the buildings' "
                                                                         "CRS, else EPSG:25832)"), optional=True),
                      QgsProcessingParameterCrs(self.SOURCE_CRS, self.tr("CRS of easting/northing columns"),
                                                optional=True)):
            self.add_advanced(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Learning islands GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.IMPORTED, self.tr("Islands imported")))
        self.addOutput(QgsProcessingOutputNumber(self.REJECTED, self.tr("Islands rejected")))
        self.addOutput(QgsProcessingOutputNumber(self.LINKED_BUILDING, self.tr("Linked to a building")))
        self.addOutput(QgsProcessingOutputNumber(self.LINKED_ROOM, self.tr("Linked to a room")))
        self.addOutput(QgsProcessingOutputNumber(self.HOURS_UNKNOWN, self.tr("Opening hours not understood")))
        self.addOutput(QgsProcessingOutputNumber(self.NORMALISED_OPENING_HOURS,
                                                 self.tr("Opening hours normalised from everyday German")))
        self.addOutput(QgsProcessingOutputNumber(self.BOOKING_REFUSED, self.tr("Booking links refused")))
        self.addOutput(QgsProcessingOutputNumber(self.CALENDARS, self.tr("Islands with a calendar")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.islands.importer import import_learning_islands

        path = self.parameterAsFile(parameters, self.INPUT, context)
        if not path:
            raise QgsProcessingException(self.tr("No learning islands file given."))
        output = gpkg_path(self, parameters, self.OUTPUT, context)
        tolerance = self.parameterAsDouble(parameters, self.TOLERANCE, context)
        crs = {}
        for name in (self.TARGET_CRS, self.SOURCE_CRS):
            value = self.parameterAsCrs(parameters, name, context) if parameters.get(name) else None
            crs[name] = (value.authid() or value.toWkt()) if value is not None and value.isValid() else None
        steps = QgsProcessingMultiStepFeedback(2, feedback)
        buildings = layer_ref(self, parameters, self.BUILDINGS, context, steps)
        rooms = layer_ref(self, parameters, self.ROOMS, context, steps)
        steps.setCurrentStep(1)
        summary = import_learning_islands(
            path, output, field_mapping=self.parameterAsString(parameters, self.FIELD_MAPPING, context) or "",
            buildings=buildings, rooms=rooms, tolerance=tolerance, target_crs=crs[self.TARGET_CRS],
            source_crs=crs[self.SOURCE_CRS], reporter=self.reporter(steps))
        for island_id, reason in summary.unlinked[:30]:
            feedback.pushWarning(self.tr("Island {0}: {1}").format(island_id, reason))
        if summary.hours_unknown:
            feedback.pushWarning(self.tr("{0} islands have opening hours that are not understood (first: {1}); "
                                         "they are imported, and the search treats their hours as unknown "
                                         "(see opening_hours_error).").format(
                len(summary.hours_unknown), ", ".join(f"{i} '{v}'" for i, v in summary.hours_unknown[:5])))
        if summary.booking_refused:
            feedback.pushWarning(self.tr("{0} booking links refused (first: {1}); only http(s), mailto and tel "
                                         "links are kept (see booking_url_error).").format(
                len(summary.booking_refused), ", ".join(i for i, _ in summary.booking_refused[:5])))
        return {self.OUTPUT: output, self.IMPORTED: summary.imported, self.REJECTED: summary.rejected,
                self.LINKED_BUILDING: summary.linked_building, self.LINKED_ROOM: summary.linked_room,
                self.HOURS_UNKNOWN: len(summary.hours_unknown),
                self.NORMALISED_OPENING_HOURS: len(summary.hours_normalised),
                self.BOOKING_REFUSED: len(summary.booking_refused),
                self.CALENDARS: summary.calendars}
