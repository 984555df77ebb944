"""geotwin:booklearningisland: book a learning island in its CalDAV calendar, or get its booking link."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputString,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..algorithm import GeoTwinAlgorithm
from .findlearningisland import CALENDAR_REQUIRES, calendar_credentials, local_time
from .importlearningislands import GROUP_ID, islands_ref


class BookLearningIsland(GeoTwinAlgorithm):
    ALG_ID = "booklearningisland"
    DISPLAY_NAME = "Book a learning island"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = CALENDAR_REQUIRES
    HELP = (
        "Books the learning island ISLAND (its id in the learning_islands layer INPUT) from TIME for DURATION "
        "minutes for SEATS seats in the name of NAME.\n\n"
        "First the island must have enough seats and be open for the whole time (opening hours with the "
        "public and school holidays of Baden-Württemberg). Where its calendar is a CalDAV collection, the "
        "algorithm reads it and refuses the booking when any busy event overlaps the time, naming that event; "
        "otherwise it writes the reservation (a VEVENT) into the calendar and returns its UID. AUTHCFG (Basic: "
        "user name and password) is sent only to the calendar's own host.\n\n"
        "Islands without a CalDAV calendar: their booking_url is returned as BOOKING_URL with the placeholders "
        "{island}, {start}, {end} (ISO local times), {date}, {duration}, {seats} and {name} filled in; the "
        "plugin opens it in the web browser. An iCalendar feed is checked first, so a taken slot is refused "
        "here too. TIME is local time in Europe/Berlin."
    )
    INPUT, ISLAND, TIME, DURATION, SEATS, NAME, AUTHCFG = (
        "INPUT", "ISLAND", "TIME", "DURATION", "SEATS", "NAME", "AUTHCFG")
    BOOKED, UID, BOOKING_URL, MESSAGE = "BOOKED", "UID", "BOOKING_URL", "MESSAGE"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.INPUT, self.tr("Learning islands (learning_islands)"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterString(self.ISLAND, self.tr("Island id")))
        self.addParameter(QgsProcessingParameterDateTime(self.TIME, self.tr("From")))
        self.addParameter(QgsProcessingParameterNumber(
            self.DURATION, self.tr("For (minutes)"), QgsProcessingParameterNumber.Integer, defaultValue=60,
            minValue=1, maxValue=24 * 60))
        self.addParameter(QgsProcessingParameterNumber(
            self.SEATS, self.tr("Seats"), QgsProcessingParameterNumber.Integer, defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterString(self.NAME, self.tr("Booked by (name, class)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterAuthConfig(
            self.AUTHCFG, self.tr("Authentication for the CalDAV calendar"), optional=True))
        self.addOutput(QgsProcessingOutputBoolean(self.BOOKED, self.tr("Booked in the calendar")))
        self.addOutput(QgsProcessingOutputString(self.UID, self.tr("Reservation UID")))
        self.addOutput(QgsProcessingOutputString(self.BOOKING_URL, self.tr("Booking link")))
        self.addOutput(QgsProcessingOutputString(self.MESSAGE, self.tr("Result")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.islands.availability import book_island

        islands = islands_ref(self, parameters, self.INPUT, context, feedback)
        island = (self.parameterAsString(parameters, self.ISLAND, context) or "").strip()
        if not island:
            raise QgsProcessingException(self.tr("No island id given."))
        when = local_time(self, parameters, self.TIME, context)
        if when is None:
            raise QgsProcessingException(self.tr("No time given."))
        result = book_island(islands, island, when, self.parameterAsInt(parameters, self.DURATION, context),
                             seats=self.parameterAsInt(parameters, self.SEATS, context),
                             name=(self.parameterAsString(parameters, self.NAME, context) or "").strip(),
                             credentials=calendar_credentials(self, parameters, self.AUTHCFG, context),
                             reporter=self.reporter(feedback))
        self._open_url = result.url
        return {self.BOOKED: result.booked, self.UID: result.uid or "", self.BOOKING_URL: result.url or "",
                self.MESSAGE: result.message}

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802
                             feedback: QgsProcessingFeedback) -> dict[str, Any]:
        """In the QGIS window (not qgis_process, not headless tests): open the booking link in the browser."""
        url = getattr(self, "_open_url", None)
        self._open_url = None
        if url:
            from qgis.utils import iface

            window = iface.mainWindow() if iface is not None else None
            if window is not None and window.isVisible():
                from qgis.PyQt.QtCore import QUrl
                from qgis.PyQt.QtGui import QDesktopServices

                QDesktopServices.openUrl(QUrl(url))
                feedback.pushInfo(self.tr("Opened the booking link in the web browser."))
        return {}
