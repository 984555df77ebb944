"""geotwin:refreshislandavailability: busy and free times of the learning islands from their calendars."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterVectorLayer,
)

from ..algorithm import GeoTwinAlgorithm
from .findlearningisland import CALENDAR_REQUIRES, calendar_credentials, local_time
from .importlearningislands import GROUP_ID, gpkg_path, islands_ref


class RefreshIslandAvailability(GeoTwinAlgorithm):
    ALG_ID = "refreshislandavailability"
    DISPLAY_NAME = "Refresh learning island availability"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = CALENDAR_REQUIRES
    HELP = (
        "Reads the booking calendar of every learning island that has one (the calendar and calendar_type "
        "fields written by 'Import learning islands': an iCalendar feed, a file or an http(s) URL, or a CalDAV "
        "collection) for the range START to END (default: now to 7 days later; at most 31 days) and writes:\n\n"
        "island_availability: one row per busy event (recurrences expanded, exceptions applied; cancelled "
        "events and those shown as free are free: Outlook's/Exchange's busy status FREE, else TRANSP:TRANSPARENT; "
        "tentative and out-of-office events are busy; free/busy periods are busy unless FBTYPE=FREE) and per "
        "free gap inside the island's opening hours, with island_id, "
        "start, end (Europe/Berlin, with the UTC offset), status busy/free, the event's summary and the "
        "source calendar;\n"
        "island_calendar_status: per island whether its calendar was read (ok / error / none), the number of "
        "busy events and the error message.\n\n"
        "A calendar that cannot be read is reported as a warning and the others are still read. Limits: a feed "
        "larger than 5 MB or with more than 10000 events in the range is refused. AUTHCFG (Basic: user name and "
        "password) is sent only to the host in its URL field, or, when that is empty, to the one host of the "
        "CalDAV calendars; never over plain http except to this computer."
    )
    INPUT, START, END, AUTHCFG, OUTPUT = "INPUT", "START", "END", "AUTHCFG", "OUTPUT"
    BUSY, FREE, ERRORS, CALENDARS = "BUSY", "FREE", "ERRORS", "CALENDARS"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.INPUT, self.tr("Learning islands (learning_islands)"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterDateTime(self.START, self.tr("From (default: now)"), optional=True))
        self.addParameter(QgsProcessingParameterDateTime(self.END, self.tr("To (default: 7 days later)"),
                                                         optional=True))
        self.addParameter(QgsProcessingParameterAuthConfig(
            self.AUTHCFG, self.tr("Authentication for CalDAV calendars"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Availability GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.CALENDARS, self.tr("Islands with a calendar")))
        self.addOutput(QgsProcessingOutputNumber(self.BUSY, self.tr("Busy intervals")))
        self.addOutput(QgsProcessingOutputNumber(self.FREE, self.tr("Free intervals")))
        self.addOutput(QgsProcessingOutputNumber(self.ERRORS, self.tr("Calendars not read")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.islands.availability import refresh_availability

        islands = islands_ref(self, parameters, self.INPUT, context, feedback)
        start = local_time(self, parameters, self.START, context) or datetime.now(ZoneInfo("Europe/Berlin"))
        end = local_time(self, parameters, self.END, context) or start + timedelta(days=7)
        output = gpkg_path(self, parameters, self.OUTPUT, context)
        summary = refresh_availability(islands, output, start, end,
                                       credentials=calendar_credentials(self, parameters, self.AUTHCFG, context),
                                       reporter=self.reporter(feedback))
        return {self.OUTPUT: output, self.CALENDARS: summary.with_calendar, self.BUSY: summary.busy,
                self.FREE: summary.free, self.ERRORS: len(summary.errors)}
