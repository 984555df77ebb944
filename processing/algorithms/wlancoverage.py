"""geotwin:wlancoverage: WLAN coverage of buildings and rooms, and the planning priority of the gaps."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
)

from ..algorithm import GeoTwinAlgorithm
from .importlearningislands import GROUP_ID, REQUIRES, gpkg_path, layer_ref


class WlanCoverage(GeoTwinAlgorithm):
    ALG_ID = "wlancoverage"
    DISPLAY_NAME = "WLAN coverage and priorities"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = REQUIRES
    HELP = (
        "Computes for every building (storey by storey) and every BIM room whether WLAN access points cover "
        "it, and ranks the buildings that are not fully covered for the 'WLAN in all buildings' plan.\n\n"
        "Model: an access point inside a footprint is an indoor AP of that building on its 'floor' (default "
        "0) and covers that building only, with radius INDOOR_RANGE − STOREY_PENALTY × |storey − floor|. An AP "
        "outside all footprints is an outdoor AP at ground level and covers any building with radius "
        "OUTDOOR_RANGE − STOREY_PENALTY × storey (basements are not reached from outside). A storey or room is "
        "covered when 95 % of its area lies within the AP discs; a building when all its storeys are. Storeys: "
        "storeys_above_ground, else measured_height / 3 m, else 1. Rooms take their floor from their storey "
        "(ground floor: EG/Erdgeschoss/level 0, else the storey nearest elevation 0, else the lowest non-basement "
        "storey).\n\n"
        "Priority by ALKIS building function (31001_xxxx), lower class first, then larger gross floor area "
        "(footprint × storeys):\n"
        "1 school: 3020 education, 3021 general school, 3022 vocational school\n"
        "2 childcare, university, library, youth: 3023 university, 3024 research, 3037 library, 3061 youth "
        "centre, 3065 kindergarten/Kita\n"
        "3 administration and citizen services: 3010-3019 (town hall, offices, courts...)\n"
        "4 other public buildings: any other 3xxx (culture, health, social, sport, transport)\n"
        "5 not public: everything else\n\n"
        "Output: wlan_building_coverage, wlan_room_coverage (with ROOMS) and wlan_priorities (rank, class, "
        "label, is_public)."
    )
    INPUT, BUILDINGS, ROOMS = "INPUT", "BUILDINGS", "ROOMS"
    INDOOR, OUTDOOR, PENALTY, OUTPUT = "INDOOR_RANGE", "OUTDOOR_RANGE", "STOREY_PENALTY", "OUTPUT"
    COVERED, UNCOVERED = "COVERED", "UNCOVERED"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.INPUT, self.tr("WLAN access points (points, optional 'floor' field)"),
            [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.BUILDINGS, self.tr("Buildings (twin: footprints or buildings)"), [QgsProcessing.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.ROOMS, self.tr("BIM rooms (twin: bim_spaces)"), [QgsProcessing.TypeVectorPolygon], optional=True))
        for name, label, default in ((self.INDOOR, self.tr("Indoor range (m)"), 25.0),
                                     (self.OUTDOOR, self.tr("Outdoor range (m)"), 60.0),
                                     (self.PENALTY, self.tr("Range lost per storey (m)"), 8.0)):
            self.addParameter(QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                                           defaultValue=default, minValue=0.0))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("WLAN coverage GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.COVERED, self.tr("Buildings covered")))
        self.addOutput(QgsProcessingOutputNumber(self.UNCOVERED, self.tr("Buildings to plan")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.islands.coverage import wlan_coverage

        aps = layer_ref(self, parameters, self.INPUT, context, feedback)
        buildings = layer_ref(self, parameters, self.BUILDINGS, context, feedback)
        if aps is None or buildings is None:
            raise QgsProcessingException(self.tr("Access points and buildings are required."))
        rooms = layer_ref(self, parameters, self.ROOMS, context, feedback)
        output = gpkg_path(self, parameters, self.OUTPUT, context)
        summary = wlan_coverage(aps, buildings, output, rooms=rooms,
                                indoor_range=self.parameterAsDouble(parameters, self.INDOOR, context),
                                outdoor_range=self.parameterAsDouble(parameters, self.OUTDOOR, context),
                                storey_penalty=self.parameterAsDouble(parameters, self.PENALTY, context),
                                reporter=self.reporter(feedback))
        return {self.OUTPUT: output, self.COVERED: summary.covered, self.UNCOVERED: len(summary.ranking)}
