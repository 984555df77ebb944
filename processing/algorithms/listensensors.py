"""geotwin:listensensors: LoRaWAN uplinks from a network server's MQTT integration into the twin."""
from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsApplication,
    QgsAuthMethodConfig,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..algorithm import GeoTwinAlgorithm
from ..connections import add_postgis_parameters, connection_dsn, output_or_connection
from .importlearningislands import GROUP_ID, layer_ref

TOPIC_CHOICES = (("chirpstack", "ChirpStack v4 and v3 (application/+/device/+/event/up)"),
                 ("tts", "The Things Stack v3 (v3/+/devices/+/up)"),
                 ("both", "ChirpStack v4/v3 and The Things Stack v3"),
                 ("custom", "Custom topics (CUSTOM_TOPICS)"))
LISTEN_OUTPUTS = (("RECEIVED", "Messages received"), ("STORED", "Uplinks stored"),
                  ("OBSERVATIONS", "Observations stored"), ("DUPLICATES", "Duplicates"),
                  ("UNKNOWN", "Messages from unknown devices"), ("MALFORMED", "Malformed messages"))


class ListenSensors(GeoTwinAlgorithm):
    ALG_ID = "listensensors"
    DISPLAY_NAME = "Listen to LoRaWAN sensors (MQTT)"
    GROUP_ID = GROUP_ID
    GROUP_NAME = "Learning islands & sensors"
    REQUIRES = ("paho.mqtt", "pyogrio", "pyproj", "shapely")
    HELP = (
        "Subscribes to the MQTT integration of a LoRaWAN network server and appends every uplink to the "
        "sensor tables of a twin or sensors GeoPackage (OUTPUT; created when missing, otherwise extended): "
        "ChirpStack v4 (topic application/+/device/+/event/up: deviceInfo.devEui, fCnt, time, the decoded "
        "payload 'object'), ChirpStack v3 (the same topic: devEUI in hex or base64, fCnt, publishedAt or the "
        "gateway's time, the decoded payload 'object' or the JSON text 'objectJSON') or The Things Stack v3 "
        "(v3/+/devices/+/up: end_device_ids.dev_eui, uplink_message.f_cnt, received_at, "
        "uplink_message.decoded_payload).\n\n"
        "DEVICES, the device table (JSON or CSV), maps each DevEUI to a sensor id, name, position (x, y and "
        "their CRS) and the observed properties: the key in the decoded payload ('a.b' reaches into nested "
        "objects), the property and its unit. A device stays one sensor: when OUTPUT already holds its sensor "
        "(a row of the sensor import whose attributes name its DevEUI, such as a SensorThings Thing's "
        "properties.devEUI, with the same observed property), its uplinks are appended to that sensor, which "
        "keeps its position and link, and a value at a time the sensor already has is not stored again; "
        "otherwise each device and property becomes a sensor point. Each uplink adds one observation per "
        "property. To have the build link the devices and the 3D Tiles export chart them, listen into the "
        "sensors GeoPackage of geotwin:importsensors before geotwin:buildtwin; a new geotwin:importsensors into "
        "that GeoPackage replaces it without the listener's values (it warns).\n\n"
        "A device without an imported sensor is linked when its sensor point is made, exactly as "
        "geotwin:importsensors links a sensor: give the same BUILDINGS (footprints), AREAS (parks, squares) and "
        "TOLERANCE: inside a building, on an area, or at the nearest façade within TOLERANCE m (a ground sensor "
        "goes to a façade only when named for it). Without BUILDINGS and AREAS it stays unlinked (the build "
        "warns about it and leaves it so) until a later run with them links it the same way; the next build "
        "then moves it to the façade it is on like any sensor.\n\n"
        "Idempotent: an uplink with the same DevEUI and frame counter as a stored one, and a time within 60 s "
        "of it, is a duplicate and is not stored again, also after a restart. A frame counter that comes back "
        "with a time further away is a new session of a reset device and is stored. Uplinks from devices not "
        "in the table are counted and listed by DevEUI, malformed messages are counted; both are named in "
        "sensor_issues with the topic and the reason and stored nowhere else.\n\n"
        "BROKER: host:port, mqtt://host:port or mqtts://host:port (TLS; default port 8883). TLS checks the "
        "broker's certificate against CA_FILE or, without it, the system's CAs. Credentials come from the "
        "authentication configuration AUTHCFG (method Basic: user name and password), are sent only to "
        "BROKER and are never logged or written; credentials in the broker address are refused.\n\n"
        "QoS 1 with a persistent session (a fixed client id per output and topics): what is published while "
        "the listener is stopped or reconnecting is delivered when it is back; a message is acknowledged "
        "only after its rows are stored. DURATION seconds (0: until cancelled); the running count is "
        "reported every second and a cancel stops it within a second.\n\n"
        "Or DATABASE and SCHEMA: the sensors and observations tables of a twin built in PostGIS "
        "(geotwin:buildtwin), with DB_AUTHCFG for the database credentials; every later geotwin:buildtwin into "
        "that schema keeps these sensors and links them like a sensors input's (façade, links table), with or "
        "without sensor inputs. In a twin (PostGIS, or a twin GeoPackage as OUTPUT), the values appended to an "
        "imported sensor also stay when a build takes that sensor from a changed sensors input: after the input's "
        "values, and not at a time the input has a value.\n\n"
        "As a service without QGIS: python -m geotwin.twin.sensors.listen --broker ... --devices ... "
        "--output ... (the password in GEOTWIN_MQTT_PASSWORD); SIGTERM or SIGINT stop it and print the counts."
    )
    BROKER, TOPICS, CUSTOM_TOPICS, DEVICES, AUTHCFG = "BROKER", "TOPICS", "CUSTOM_TOPICS", "DEVICES", "AUTHCFG"
    CA_FILE, CLIENT_ID, OUTPUT, DURATION = "CA_FILE", "CLIENT_ID", "OUTPUT", "DURATION"
    DATABASE, SCHEMA, DB_AUTHCFG = "DATABASE", "SCHEMA", "DB_AUTHCFG"
    BUILDINGS, AREAS, TOLERANCE = "BUILDINGS", "AREAS", "TOLERANCE"
    RECEIVED, STORED, OBSERVATIONS, DUPLICATES, UNKNOWN, MALFORMED = (
        "RECEIVED", "STORED", "OBSERVATIONS", "DUPLICATES", "UNKNOWN", "MALFORMED")

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(QgsProcessingParameterString(self.BROKER, self.tr("MQTT broker (host:port or mqtts://…)")))
        self.addParameter(QgsProcessingParameterEnum(
            self.TOPICS, self.tr("Topics"), [self.tr(label) for _, label in TOPIC_CHOICES], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.CUSTOM_TOPICS, self.tr("Custom topics (comma-separated)"), optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.DEVICES, self.tr("Device table (JSON or CSV)"), QgsProcessingParameterFile.File,
            fileFilter=self.tr("Device tables (*.json *.csv)")))
        self.addParameter(QgsProcessingParameterAuthConfig(
            self.AUTHCFG, self.tr("Broker credentials (authentication configuration)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.DURATION, self.tr("Duration (s, 0 = until cancelled)"), QgsProcessingParameterNumber.Double,
            defaultValue=60.0, minValue=0.0))
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
            QgsProcessingParameterFile(self.CA_FILE, self.tr("CA certificate for TLS (default: system CAs)"),
                                       QgsProcessingParameterFile.File, optional=True),
            QgsProcessingParameterString(self.CLIENT_ID, self.tr("MQTT client id (default: fixed per output)"),
                                         optional=True),
        ]
        self.add_advanced(*advanced)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Twin or sensors GeoPackage (extended)"), self.tr("GeoPackage (*.gpkg)"),
            optional=True))
        add_postgis_parameters(self, self.DATABASE, self.SCHEMA, self.DB_AUTHCFG)
        for name, label in LISTEN_OUTPUTS:
            self.addOutput(QgsProcessingOutputNumber(name, self.tr(label)))

    def _credentials(self, authcfg: str) -> tuple[str | None, str | None]:
        """User name and password of a Basic authentication configuration (kept in memory only)."""
        if not authcfg:
            return None, None
        cfg = QgsAuthMethodConfig()
        loaded = QgsApplication.authManager().loadAuthenticationConfig(authcfg, cfg, True)
        ok = loaded[0] if isinstance(loaded, tuple) else loaded
        if not ok or not cfg.isValid():
            raise QgsProcessingException(self.tr("The authentication configuration {0} cannot be loaded "
                                                 "(unknown id or locked database).").format(authcfg))
        if cfg.method() != "Basic":
            raise QgsProcessingException(self.tr("The authentication configuration {0} uses the method {1}; "
                                                 "the MQTT broker needs Basic (user name and password).")
                                         .format(authcfg, cfg.method()))
        return cfg.config("username"), cfg.config("password")

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        self.require_dependencies()
        from ...twin.sensors.importer import LinkLayers
        from ...twin.sensors.lorawan import TOPIC_PRESETS, PgUplinkStore, UplinkStore, load_devices
        from ...twin.sensors.mqtt import default_client_id, listen, parse_broker

        broker = parse_broker(self.parameterAsString(parameters, self.BROKER, context))
        choice = TOPIC_CHOICES[self.parameterAsEnum(parameters, self.TOPICS, context)][0]
        if choice == "custom":
            text = self.parameterAsString(parameters, self.CUSTOM_TOPICS, context) or ""
            topics = [t.strip() for t in text.split(",") if t.strip()]
            if not topics:
                raise QgsProcessingException(self.tr("Give CUSTOM_TOPICS for custom topics."))
        elif choice == "both":
            topics = TOPIC_PRESETS["chirpstack"] + TOPIC_PRESETS["tts"]
        else:
            topics = list(TOPIC_PRESETS[choice])
        ca_file = self.parameterAsFile(parameters, self.CA_FILE, context) if parameters.get(self.CA_FILE) else ""
        if ca_file:
            broker.tls, broker.ca_file = True, ca_file
        broker.username, broker.password = self._credentials(
            self.parameterAsString(parameters, self.AUTHCFG, context) or "")
        output, connection = output_or_connection(self, parameters, context, self.OUTPUT, self.DATABASE)
        schema = (self.parameterAsSchema(parameters, self.SCHEMA, context) or "geotwin") if connection else ""
        if connection:
            output = f"postgis:{connection}/{schema}"     # names the client id and the result
        broker.client_id = (self.parameterAsString(parameters, self.CLIENT_ID, context) or "").strip() or \
            default_client_id(output, topics)
        devices = load_devices(self.parameterAsFile(parameters, self.DEVICES, context))
        duration = self.parameterAsDouble(parameters, self.DURATION, context)
        reporter = self.reporter(feedback)
        buildings = layer_ref(self, parameters, self.BUILDINGS, context, feedback)
        areas = layer_ref(self, parameters, self.AREAS, context, feedback)
        links = (LinkLayers(buildings, areas, self.parameterAsDouble(parameters, self.TOLERANCE, context))
                 if buildings or areas else None)
        store: UplinkStore | PgUplinkStore
        if connection:
            store = PgUplinkStore(connection_dsn(self, connection, self.parameterAsString(parameters, self.DB_AUTHCFG,
                                                                                  context)), schema, devices, links)
        else:
            store = UplinkStore(output, devices, links=links)
        if store.relinked:
            feedback.pushInfo(self.tr("{0} sensors an earlier run stored without BUILDINGS and AREAS are linked "
                                      "now").format(store.relinked))
        try:
            counts = listen(broker, topics, store, duration=duration, reporter=reporter,
                            on_progress=lambda c: feedback.pushInfo(c.line()))
        finally:
            store.close()
        feedback.pushInfo(counts.line())
        for eui, n in sorted(counts.unknown_devices.items()):
            feedback.pushWarning(self.tr("Unknown device {0}: {1} messages").format(eui, n))
        # a cancel is the ordinary end of a run without DURATION: its counts are the result
        return {self.OUTPUT: output, self.RECEIVED: counts.received, self.STORED: counts.stored,
                self.OBSERVATIONS: counts.observations, self.DUPLICATES: counts.duplicates,
                self.UNKNOWN: counts.unknown, self.MALFORMED: counts.malformed}
