"""geotwin:findlearningisland: the nearest learning islands open at a time with enough seats."""
from __future__ import annotations

from datetime import datetime

from qgis.core import (QgsProcessing, QgsProcessingException, QgsProcessingOutputNumber,
                       QgsProcessingParameterDateTime, QgsProcessingParameterFileDestination,
                       QgsProcessingParameterNumber, QgsProcessingParameterPoint, QgsProcessingParameterString,
                       QgsProcessingParameterVectorLayer)

from ..algorithm import GeoTwinAlgorithm
from .importlearningislands import GROUP_ID, REQUIRES, gpkg_path, layer_ref


class FindLearningIsland(GeoTwinAlgorithm):
    ALG_ID = "findlearningisland"
    DISPLAY_NAME = "Find a free learning island"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = REQUIRES
    HELP = (
        "Finds the learning islands nearest to a location that are open at TIME and have at least SEATS "
        "seats. The location is a point (LOCATION) or an address (ADDRESS, 'Street 12') looked up in the "
        "street and house_number of the twin's buildings layer (BUILDINGS); the building's centroid is used.\n\n"
        "Opening hours are evaluated in the OSM opening_hours syntax: weekday ranges and lists, several time "
        "spans, spans past midnight, 'off', '24/7', rules separated by ';' (later rules replace earlier ones "
        "for their days) or ', ' (added). Public and school holidays (PH, SH) are ignored with a note, as the "
        "twin has no holiday calendar. Islands whose opening hours use other syntax (months, dates, sunrise) "
        "or were flagged by the import (opening_hours_error) are left out with a warning: their hours are "
        "unknown, never taken as open. TIME is local time at the islands (default: now).\n\n"
        "Output: learning_island_search, ordered by straight-line distance (rank 1 = nearest), with the "
        "booking URL (only http(s), mailto and tel links; others are dropped with a note), and "
        "learning_island_search_excluded with every island left out and why."
    )
    INPUT, LOCATION, ADDRESS, BUILDINGS = "INPUT", "LOCATION", "ADDRESS", "BUILDINGS"
    TIME, SEATS, MAX_RESULTS, OUTPUT, FOUND = "TIME", "SEATS", "MAX_RESULTS", "OUTPUT", "FOUND"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.INPUT, self.tr("Learning islands (learning_islands)"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterPoint(self.LOCATION, self.tr("From this point"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.ADDRESS, self.tr("Or from this address"), optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.BUILDINGS, self.tr("Buildings for the address (twin: buildings)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterDateTime(self.TIME, self.tr("At (default: now)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.SEATS, self.tr("Seats needed"), QgsProcessingParameterNumber.Integer, defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_RESULTS, self.tr("Maximum results"), QgsProcessingParameterNumber.Integer, defaultValue=10,
            minValue=1))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Search result GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.FOUND, self.tr("Islands found")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        self.require_dependencies()
        from ...twin.islands.search import find_learning_islands

        islands_layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if islands_layer is None:
            raise QgsProcessingException(self.tr("No learning islands layer given."))
        islands = layer_ref(self, parameters, self.INPUT, context, feedback)
        location = None
        if parameters.get(self.LOCATION) not in (None, ""):
            point = self.parameterAsPoint(parameters, self.LOCATION, context, islands_layer.crs())
            location = (point.x(), point.y())
        address = (self.parameterAsString(parameters, self.ADDRESS, context) or "").strip() or None
        if location is None and address is None:
            raise QgsProcessingException(self.tr("Give a location point or an address."))
        when = None
        if parameters.get(self.TIME) not in (None, ""):
            value = self.parameterAsDateTime(parameters, self.TIME, context)
            when = value.toPyDateTime() if value is not None and value.isValid() else None
        when = when or datetime.now()
        buildings = layer_ref(self, parameters, self.BUILDINGS, context, feedback)
        output = gpkg_path(self, parameters, self.OUTPUT, context)
        summary = find_learning_islands(
            islands, output, when=when, seats=self.parameterAsInt(parameters, self.SEATS, context),
            location=location, address=address, buildings=buildings,
            max_results=self.parameterAsInt(parameters, self.MAX_RESULTS, context),
            reporter=self.reporter(feedback))
        return {self.OUTPUT: output, self.FOUND: len(summary.found)}
