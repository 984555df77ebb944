"""geotwin:importsensors: sensors from a SensorThings API or CSV/GeoJSON exports into the twin."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingMultiStepFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)
from qgis.PyQt.QtCore import QUrl, QUrlQuery
from qgis.PyQt.QtNetwork import QNetworkRequest

from ..algorithm import GeoTwinAlgorithm
from .importlearningislands import GROUP_ID, REQUIRES, gpkg_path, layer_ref

if TYPE_CHECKING:
    from ...twin.kernel.progress import Reporter


class ImportSensors(GeoTwinAlgorithm):
    ALG_ID = "importsensors"
    DISPLAY_NAME = "Import sensors (SensorThings API, CSV, GeoJSON)"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = REQUIRES
    HELP = (
        "Imports sensors and their observations either from an OGC SensorThings API service (URL ending in "
        "/v1.0 or /v1.1) or from CSV/GeoJSON exports (one row per device and time: device id, time, "
        "latitude/longitude, measurement columns), e.g. from a LoRaWAN network server or sensor.community.\n\n"
        "SensorThings: Things with their Locations and Datastreams (ObservedProperty, unitOfMeasurement), and "
        "the Observations between START and END ($filter on phenomenonTime, $orderby, $select, $top), "
        "following @iot.nextLink up to MAX_PAGES pages per request. TIMEOUT bounds each request as a whole "
        "(connection, headers and body, also a server that sends slowly); failed requests are retried RETRIES "
        "times on 5xx answers, timeouts and connection failures. Cancelling stops within a second. An answer "
        "larger than MAX_PAGE_MB megabytes is refused while it is read, and more than MAX_OBSERVATIONS "
        "observations stop the import with an error (narrow START/END).\n"
        "Credentials come from the authentication configuration (AUTHCFG), are never logged or written and "
        "are sent only to the scheme, host and port of URL: a redirect, @iot.nextLink or navigation link to "
        "another host, or from HTTPS to HTTP, is refused with an error naming both hosts (whether or not "
        "credentials are configured). Credentials in the URL itself are refused.\n"
        "Exports: measurement columns are the numeric ones; their property and unit come from known names "
        "(P1/PM10, P2/PM2.5, temperature, humidity, noise, soil_moisture, occupied...), a unit in the header "
        "('noise [dB(A)]') or a unit suffix ('temperature_c'); others are kept with an unknown unit. Times "
        "without a zone are UTC. Files larger than 256 MB or with more than 5,000,000 rows are refused; rows "
        "with more values than the header are skipped and listed in sensor_issues.\n\n"
        "Output: sensors (a point per sensor and datastream: latest value, unit and time, min/mean/max/count "
        "over the window, the SensorThings self-link, and the link: inside a building, on an area of AREAS "
        "such as a park or square, or at the nearest façade within TOLERANCE m; a ground sensor (soil, parking "
        "space, groundwater, by its observed property) outside every building and area goes to the nearest "
        "façade only when its name or description names a façade, else to the nearest area within TOLERANCE m, "
        "else to none, its link_reason naming the façade it was not linked to), observations (the time "
        "series; non-numeric results kept as text) and sensor_issues (every problem: missing coordinates, "
        "swapped latitude/longitude, duplicates, unknown units, non-numeric results).\n\n"
        "Limits: a layer file larger than 4 GiB is refused, and so is a zipped layer (.zip) that inflates beyond "
        "4 GiB or to more than 200 times its size (a zip bomb), or whose members are encrypted."
    )
    URL, AUTHCFG, FILES = "URL", "AUTHCFG", "FILES"
    START, END, BUILDINGS, AREAS, TOLERANCE = "START", "END", "BUILDINGS", "AREAS", "TOLERANCE"
    TARGET_CRS, TIMEOUT, RETRIES, MAX_PAGES, OUTPUT = "TARGET_CRS", "TIMEOUT", "RETRIES", "MAX_PAGES", "OUTPUT"
    MAX_PAGE_MB, MAX_OBSERVATIONS = "MAX_PAGE_MB", "MAX_OBSERVATIONS"
    SENSORS, OBSERVATIONS, ISSUES = "SENSORS", "OBSERVATIONS", "ISSUES"

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterString(
            self.URL, self.tr("SensorThings API URL (…/v1.1)"), optional=True))
        self.addParameter(QgsProcessingParameterAuthConfig(
            self.AUTHCFG, self.tr("Authentication configuration"), optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.FILES, self.tr("Or CSV/GeoJSON export files"), QgsProcessing.TypeFile, optional=True))
        self.addParameter(QgsProcessingParameterDateTime(self.START, self.tr("Window start"), optional=True))
        self.addParameter(QgsProcessingParameterDateTime(self.END, self.tr("Window end"), optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.BUILDINGS, self.tr("Building footprints (twin: footprints)"), [QgsProcessing.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.AREAS, self.tr("Areas: parks, squares (polygons)"), [QgsProcessing.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.TOLERANCE, self.tr("Distance to the nearest façade (m)"), QgsProcessingParameterNumber.Double,
            defaultValue=15.0, minValue=0.0))
        advanced = [
            QgsProcessingParameterCrs(self.TARGET_CRS, self.tr("Target CRS (default EPSG:25832)"),
                                      defaultValue="EPSG:25832", optional=True),
            QgsProcessingParameterNumber(self.TIMEOUT, self.tr("Request timeout (s)"),
                                         QgsProcessingParameterNumber.Double, defaultValue=30.0, minValue=0.1),
            QgsProcessingParameterNumber(self.RETRIES, self.tr("Retries"), QgsProcessingParameterNumber.Integer,
                                         defaultValue=3, minValue=0, maxValue=10),
            QgsProcessingParameterNumber(self.MAX_PAGES, self.tr("Maximum pages per request"),
                                         QgsProcessingParameterNumber.Integer, defaultValue=1000, minValue=1),
            QgsProcessingParameterNumber(self.MAX_PAGE_MB, self.tr("Maximum size of one answer (MB)"),
                                         QgsProcessingParameterNumber.Double, defaultValue=64.0, minValue=0.001),
            QgsProcessingParameterNumber(self.MAX_OBSERVATIONS, self.tr("Maximum number of observations"),
                                         QgsProcessingParameterNumber.Integer, defaultValue=10_000_000, minValue=1),
        ]
        self.add_advanced(*advanced)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Sensors GeoPackage"), self.tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputNumber(self.SENSORS, self.tr("Sensor datastreams")))
        self.addOutput(QgsProcessingOutputNumber(self.OBSERVATIONS, self.tr("Observations")))
        self.addOutput(QgsProcessingOutputNumber(self.ISSUES, self.tr("Issues")))

    def _auth(self, authcfg: str, url: str) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and query parameters the QGIS authentication manager adds for ``authcfg`` (kept in
        memory only; the client sends them only to the origin of ``url``)."""
        if not authcfg:
            return {}, {}
        request = QNetworkRequest(QUrl(url))
        ok = QgsApplication.authManager().updateNetworkRequest(request, authcfg)
        if not ok:
            raise QgsProcessingException(self.tr("The authentication configuration {0} cannot be applied "
                                                 "(unknown id or locked database).").format(authcfg))
        headers = {bytes(name).decode("latin-1"): bytes(request.rawHeader(name)).decode("latin-1")
                   for name in request.rawHeaderList()}
        before = dict(QUrlQuery(QUrl(url)).queryItems(QUrl.FullyDecoded))
        after = QUrlQuery(request.url()).queryItems(QUrl.FullyDecoded)
        params = {k: v for k, v in after if before.get(k) != v}
        return headers, params

    def _when(self, parameters: dict[str, Any], name: str, context: QgsProcessingContext) -> datetime | None:
        if parameters.get(name) in (None, ""):
            return None
        value = self.parameterAsDateTime(parameters, name, context)
        if value is None or not value.isValid():
            raise QgsProcessingException(self.tr("{0} is not a valid date and time.").format(name))
        return value.toUTC().toPyDateTime().replace(tzinfo=UTC)

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        url = (self.parameterAsString(parameters, self.URL, context) or "").strip()
        files: list[str | Path] = self.parameterAsFileList(parameters, self.FILES, context) \
            if parameters.get(self.FILES) else []
        if bool(url) == bool(files):
            raise QgsProcessingException(self.tr("Give either a SensorThings URL or export files."))
        target = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        if target is None or not target.isValid():
            target = QgsCoordinateReferenceSystem("EPSG:25832")
        crs = target.authid() or target.toWkt()
        start, end = self._when(parameters, self.START, context), self._when(parameters, self.END, context)
        if start and end and end < start:
            raise QgsProcessingException(self.tr("The window ends before it starts."))
        output = gpkg_path(self, parameters, self.OUTPUT, context)
        max_observations = self.parameterAsInt(parameters, self.MAX_OBSERVATIONS, context)
        steps = QgsProcessingMultiStepFeedback(2, feedback)
        reporter = self.reporter(steps)
        return self._run(url, files, parameters, context, crs, start, end, output, max_observations, steps,
                         reporter)

    def _run(self, url: str, files: list[str | Path], parameters: dict[str, Any], context: QgsProcessingContext,
             crs: str, start: datetime | None, end: datetime | None, output: str, max_observations: int,
             steps: QgsProcessingMultiStepFeedback, reporter: Reporter) -> dict[str, Any]:
        """Read the sensors (service or files) and write the GeoPackage; GeoTwinError on failure."""
        from ...twin.kernel.http import StaClient
        from ...twin.sensors.export_source import read_exports
        from ...twin.sensors.importer import write_sensors
        from ...twin.sensors.sta_source import fetch_series

        if url:
            headers, query = self._auth(self.parameterAsString(parameters, self.AUTHCFG, context) or "", url)
            client = StaClient(url, timeout=self.parameterAsDouble(parameters, self.TIMEOUT, context),
                               retries=self.parameterAsInt(parameters, self.RETRIES, context),
                               max_pages=self.parameterAsInt(parameters, self.MAX_PAGES, context),
                               max_page_mb=self.parameterAsDouble(parameters, self.MAX_PAGE_MB, context),
                               headers=headers, params=query, reporter=reporter)
            series, issues = fetch_series(client, crs, start=start, end=end, reporter=reporter,
                                          max_observations=max_observations)
        else:
            series, issues = read_exports(files, crs, start=start, end=end, reporter=reporter,
                                          max_observations=max_observations)
        steps.setCurrentStep(1)
        summary = write_sensors(
            series, issues, output, crs, buildings=layer_ref(self, parameters, self.BUILDINGS, context, steps),
            areas=layer_ref(self, parameters, self.AREAS, context, steps),
            tolerance=self.parameterAsDouble(parameters, self.TOLERANCE, context), window=(start, end),
            reporter=reporter)
        return {self.OUTPUT: output, self.SENSORS: summary.sensors, self.OBSERVATIONS: summary.observations,
                self.ISSUES: len(summary.issues)}
