"""geotwin:findlearningisland: the nearest learning islands open at a time with enough seats."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import Qt, QUrl

from ..algorithm import GeoTwinAlgorithm, tr
from .importlearningislands import GROUP_ID, REQUIRES, gpkg_path, islands_ref, layer_ref

if TYPE_CHECKING:
    from ...twin.islands.calendar import Credentials

SEARCH_LAYER = "learning_island_search"


class RankLabels(QgsProcessingLayerPostProcessorInterface):
    """The found islands as green stars labelled with their rank and name, in the order of the search.

    Build it with ``create()``: the context owns only the C++ side, so the Python object is kept here
    (else it is collected and QGIS calls the empty base class)."""

    instance: RankLabels | None = None

    @staticmethod
    def create() -> RankLabels:
        RankLabels.instance = RankLabels()
        return RankLabels.instance

    def postProcessLayer(self, layer: QgsVectorLayer, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> None:
        layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple({
            "name": "star", "color": "#1b8a3a", "outline_color": "#ffffff", "size": "5"})))
        settings = QgsPalLayerSettings()
        settings.fieldName = "\"rank\" || '. ' || coalesce(\"name\", \"island_id\")"
        settings.isExpression = True
        layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
        layer.setLabelsEnabled(True)
        layer.triggerRepaint()


CALENDAR_REQUIRES = (*REQUIRES, "opening_hours", "holidays", "icalendar", "recurring_ical_events", "caldav")


def local_time(alg: GeoTwinAlgorithm, parameters: dict[str, Any], name: str,
               context: QgsProcessingContext) -> datetime | None:
    """A date-time parameter: with an explicit UTC offset as given, else a wall-clock time in Europe/Berlin."""
    if parameters.get(name) in (None, ""):
        return None
    value = alg.parameterAsDateTime(parameters, name, context)
    if value is None or not value.isValid():
        raise QgsProcessingException(tr("{0} is not a valid date and time.").format(name))
    if value.timeSpec() in (Qt.UTC, Qt.OffsetFromUTC):

        return value.toUTC().toPyDateTime().replace(tzinfo=UTC)
    return value.toPyDateTime()


def calendar_credentials(alg: GeoTwinAlgorithm, parameters: dict[str, Any], name: str,
                         context: QgsProcessingContext) -> Credentials | None:
    """The user name and password of an authentication configuration (Basic), bound to the host of its URL
    field when set (else to the single host of the CalDAV calendars); None without a configuration."""
    from ...twin.islands.calendar import Credentials

    authcfg = alg.parameterAsString(parameters, name, context)
    if not authcfg:
        return None
    config = QgsAuthMethodConfig()
    if not QgsApplication.authManager().loadAuthenticationConfig(authcfg, config, True) or not config.isValid():
        raise QgsProcessingException(tr("The authentication configuration {0} cannot be loaded (unknown id or "
                                        "locked database).").format(authcfg))
    user = config.config("username")
    if not user:
        raise QgsProcessingException(tr("The authentication configuration {0} has no user name (use a Basic "
                                        "configuration).").format(authcfg))
    host = None
    if config.uri():
        url = QUrl(config.uri())
        host = url.host() + (f":{url.port()}" if url.port() > 0 else "") if url.host() else None
    return Credentials(user, config.config("password"), host)


class FindLearningIsland(GeoTwinAlgorithm):
    ALG_ID = "findlearningisland"
    DISPLAY_NAME = "Find a free learning island"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = CALENDAR_REQUIRES
    HELP = (
        "Finds the learning islands nearest to a location that are open for the whole window from TIME for "
        "DURATION minutes, free in their booking calendar and have at least SEATS seats. The location is a point "
        "(LOCATION) or an address (ADDRESS, 'Street 12') looked up in the "
        "street and house_number of the twin's buildings layer (BUILDINGS); the building's centroid is used.\n\n"
        "Opening hours are evaluated in the full OSM opening_hours syntax (opening_hours_py) with the public "
        "(PH) and school holidays (SH) of Baden-Württemberg: 'Mo-Fr 08:00-16:00; PH,SH off' is closed on "
        "Corpus Christi and in the summer holidays. School holidays are known for the school years 2025/26 and "
        "2026/27 (the movable days of each school are not included); an SH rule outside them leaves the island "
        "out. Islands whose opening hours are not understood are left out with a warning: their hours are unknown, "
        "never taken as open (the stored opening_hours is read again, so an opening_hours_error left by an older "
        "import does not count). Everyday German forms such as 'Mo-Fr 8-16 Uhr' or 'Mo-Fr 8.00-16.00' are read as "
        "Mo-Fr 08:00-16:00; forms that could be read two ways ('8-4 Uhr', 'ab 8 Uhr') are not. "
        "Hours by arrangement (a rule that is only a comment, such as \"nach Vereinbarung\") and open ends "
        "(08:00+: the closing time is unknown) are unknown from their start and never taken as open either; "
        "typographic dashes, quotes and spaces (Mo–Fr 08:00–18:00) are read as plain ones. "
        "TIME is local time in Europe/Berlin (default: now), DST-correct; DURATION 0 checks the instant TIME.\n\n"
        "Calendars (CALENDARS, on by default): an island with a calendar (an iCalendar feed or a CalDAV "
        "collection, see 'Import learning islands') is left out when any busy event overlaps the window; a "
        "calendar that cannot be read leaves its island out with the reason (never taken as free). AUTHCFG "
        "(a Basic configuration: user name and password) is used for the CalDAV calendars, and only for the "
        "host in its URL field (or, when empty, the one host of the CalDAV calendars).\n\n"
        "Output: learning_island_search, ordered by straight-line distance (rank 1 = nearest), with the "
        "booking URL (only http(s), mailto and tel links; others are dropped with a note), and "
        "learning_island_search_excluded with every island left out and why; for islands left out because "
        "they are closed or booked, its next_free field holds the start of the next window of the same length "
        "that is open and free within 7 days (empty: none)."
    )
    INPUT, LOCATION, ADDRESS, BUILDINGS = "INPUT", "LOCATION", "ADDRESS", "BUILDINGS"
    TIME, SEATS, MAX_RESULTS, OUTPUT, FOUND = "TIME", "SEATS", "MAX_RESULTS", "OUTPUT", "FOUND"
    DURATION, CALENDARS, AUTHCFG = "DURATION", "CALENDARS", "AUTHCFG"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.INPUT, self.tr("Learning islands (learning_islands)"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterPoint(self.LOCATION, self.tr("From this point"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.ADDRESS, self.tr("Or from this address"), optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.BUILDINGS, self.tr("Buildings for the address (twin: buildings)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterDateTime(self.TIME, self.tr("At (default: now)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.DURATION, self.tr("For (minutes; 0 = at that moment)"), QgsProcessingParameterNumber.Integer,
            defaultValue=60, minValue=0, maxValue=7 * 24 * 60))
        self.addParameter(QgsProcessingParameterNumber(
            self.SEATS, self.tr("Seats needed"), QgsProcessingParameterNumber.Integer, defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CALENDARS, self.tr("Check the booking calendars"), defaultValue=True))
        self.addParameter(QgsProcessingParameterAuthConfig(
            self.AUTHCFG, self.tr("Authentication for CalDAV calendars"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_RESULTS, self.tr("Maximum results"), QgsProcessingParameterNumber.Integer, defaultValue=10,
            minValue=1))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Search result GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.FOUND, self.tr("Islands found")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.islands.search import find_learning_islands

        islands_layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if islands_layer is None:
            raise QgsProcessingException(self.tr("No learning islands layer given."))
        islands = islands_ref(self, parameters, self.INPUT, context, feedback)
        location = None
        if parameters.get(self.LOCATION) not in (None, ""):
            point = self.parameterAsPoint(parameters, self.LOCATION, context, islands_layer.crs())
            location = (point.x(), point.y())
        address = (self.parameterAsString(parameters, self.ADDRESS, context) or "").strip() or None
        if location is None and address is None:
            raise QgsProcessingException(self.tr("Give a location point or an address."))
        when = local_time(self, parameters, self.TIME, context) or datetime.now(ZoneInfo("Europe/Berlin"))
        buildings = layer_ref(self, parameters, self.BUILDINGS, context, feedback)
        output = gpkg_path(self, parameters, self.OUTPUT, context)
        summary = find_learning_islands(
            islands, output, when=when, seats=self.parameterAsInt(parameters, self.SEATS, context),
            location=location, address=address, buildings=buildings,
            max_results=self.parameterAsInt(parameters, self.MAX_RESULTS, context),
            duration=self.parameterAsInt(parameters, self.DURATION, context),
            calendars=self.parameterAsBoolean(parameters, self.CALENDARS, context),
            credentials=calendar_credentials(self, parameters, self.AUTHCFG, context),
            reporter=self.reporter(feedback))
        self._load_on_completion(context, output)
        if feedback is not None:
            feedback.setProgress(100)
        return {self.OUTPUT: output, self.FOUND: len(summary.found)}

    def _load_on_completion(self, context: QgsProcessingContext, output: str) -> None:
        """Have QGIS add the found islands to the map when the run ends (the desktop does; qgis_process not)."""
        project = context.project()
        if project is None:
            return
        details = QgsProcessingContext.LayerDetails(self.tr("Free learning islands"), project, self.OUTPUT)
        details.setPostProcessor(RankLabels.create())
        context.addLayerToLoadOnCompletion(f"{output}|layername={SEARCH_LAYER}", details)
