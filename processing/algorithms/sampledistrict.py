"""geotwin:sampledistrict: the deterministic sample district (Karlsruhe, Friedrichsplatz) in one click."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
)

from ..algorithm import GeoTwinAlgorithm

MIN_BUILDINGS, MAX_BUILDINGS = 10, 1_000_000


class SampleDistrict(GeoTwinAlgorithm):
    ALG_ID = "sampledistrict"
    DISPLAY_NAME = "Create sample district (Karlsruhe, Friedrichsplatz)"
    GROUP_ID = "sample"
    GROUP_NAME = "Sample data"
    REQUIRES = ("pyproj", "numpy", "ifcopenshell")
    HELP = (
        "Writes a synthetic but realistic district modelled on Karlsruhe's fan city around Friedrichsplatz, "
        "in ETRS89 / UTM zone 32N (EPSG:25832) with DHHN2016 heights, to try GeoTwin without data of your own.\n\n"
        "Streets radiate from the palace tower like Karlsruhe's Fächerstadt; buildings fill the blocks between "
        "the fan rays and the ring streets, outward from the square. The same BUILDINGS and SEED always give "
        "the same bytes.\n\n"
        "Files in the OUTPUT folder: district.gml (CityGML 2.0), district.city.json (CityJSON 2.0) and "
        "district.city.jsonl (CityJSONSeq) with LoD2 buildings (gable, hip and flat roofs; Roof/Wall/Ground "
        "surfaces; addresses, ALKIS function codes, measured heights, storeys); school.ifc (IFC4: the school "
        "on the square with storeys, walls, slabs and rooms, georeferenced by an IfcMapConversion to "
        "EPSG:25832; it stands at exactly this place in the city model); learning_islands.geojson (WLAN "
        "learning islands, several in the school's classrooms); sensors.sta.json (OGC SensorThings deep "
        "insert) and sensors.csv (LoRaWAN export) with one week of noise, soil moisture, air temperature and "
        "parking observations; areas.geojson (public open spaces as polygons: Friedrichsplatz, the block "
        "between its ring streets and fan rays without the four landmarks, and the Schlossplatz's lawn inside "
        "the Zirkel; for linking sensors to the square or park); dgm.tif (the digital terrain model the "
        "buildings stand on, like a state's DGM1: 1 m GeoTIFF, EPSG:25832, DHHN2016 heights; TERRAIN of "
        "Export 3D Tiles); "
        "district.json (what was written). The folder must be new, empty or hold an "
        "earlier sample district, which it replaces; it is written only when everything succeeded."
    )

    BUILDINGS, SEED, OUTPUT = "BUILDINGS", "SEED", "OUTPUT"
    FILE_OUTPUTS = (
        ("CITYGML", "citygml", "CityGML 2.0 city model"),
        ("CITYJSON", "cityjson", "CityJSON 2.0 city model"),
        ("CITYJSONSEQ", "cityjsonseq", "CityJSONSeq city model"),
        ("IFC", "ifc", "School (IFC4)"),
        ("ISLANDS", "islands", "Learning islands (GeoJSON)"),
        ("SENSORS_STA", "sensors_sta", "Sensors (SensorThings JSON)"),
        ("SENSORS_CSV", "sensors_csv", "Sensors (LoRaWAN CSV)"),
        ("AREAS", "areas", "Public open spaces (GeoJSON)"),
        ("DGM", "dgm", "Digital terrain model (DGM GeoTIFF)"),
    )
    BUILDING_COUNT = "BUILDING_COUNT"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterNumber(
            self.BUILDINGS, self.tr("Number of buildings"), QgsProcessingParameterNumber.Integer,
            defaultValue=400, minValue=MIN_BUILDINGS, maxValue=MAX_BUILDINGS))
        seed = QgsProcessingParameterNumber(
            self.SEED, self.tr("Random seed"), QgsProcessingParameterNumber.Integer, defaultValue=0, minValue=0)
        self.add_advanced(seed)
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Output folder")))
        for name, _, label in self.FILE_OUTPUTS:
            self.addOutput(QgsProcessingOutputFile(name, self.tr(label)))
        self.addOutput(QgsProcessingOutputNumber(self.BUILDING_COUNT, self.tr("Buildings written")))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.sample import generate_district

        buildings = self.parameterAsInt(parameters, self.BUILDINGS, context)
        if not MIN_BUILDINGS <= buildings <= MAX_BUILDINGS:
            raise QgsProcessingException(self.tr("The number of buildings must be between {0} and {1}.")
                                         .format(MIN_BUILDINGS, MAX_BUILDINGS))
        seed = self.parameterAsInt(parameters, self.SEED, context)
        if seed < 0:
            raise QgsProcessingException(self.tr("The seed must not be negative."))
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if not output:
            raise QgsProcessingException(self.tr("No output folder given."))
        manifest = generate_district(output, buildings=buildings, seed=seed, reporter=self.reporter(feedback))
        feedback.pushInfo(self.tr("Sample district with {0} buildings (seed {1}) written to {2}")
                          .format(buildings, seed, manifest.output_dir))
        results = {self.OUTPUT: manifest.output_dir, self.BUILDING_COUNT: buildings}
        for name, key, _ in self.FILE_OUTPUTS:
            results[name] = str(manifest.path(key))
        return results
