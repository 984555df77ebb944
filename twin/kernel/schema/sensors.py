"""The sensor layers of the twin."""
from __future__ import annotations

from . import LayerSpec

SENSORS = LayerSpec(
    "sensors", "Point",
    {
        "sensor_key": "str",        # unique: source + thing/device + datastream
        "sensor_id": "str",         # Thing @iot.id or device id
        "sensor_name": "str",
        "datastream_id": "str",     # Datastream @iot.id or the measurement column
        "datastream_name": "str",
        "observed_property": "str",
        "unit_name": "str",
        "unit_symbol": "str",
        "unit_definition": "str",
        "unit_known": "bool",       # False: missing or not in the known-units table (kept as given)
        "latest_value": "float",    # latest numeric result in the window
        "latest_time": "datetime",  # its phenomenonTime (UTC)
        "min": "float",
        "mean": "float",
        "max": "float",
        "count": "int",             # numeric results in the window
        "non_numeric": "int",       # results that are not numbers (kept in observations.result_text)
        "window_start": "datetime",
        "window_end": "datetime",
        "self_link": "str",         # SensorThings @iot.selfLink of the Datastream
        "source": "str",            # service URL or file name
        "link_type": "str",         # building | area | facade | none
        "link_id": "str",
        "link_name": "str",
        "link_distance": "float",   # m to the façade, or to the nearest area for a ground sensor (0 inside)
        "link_reason": "str",
        "attributes": "json",
    },
    "One point per sensor and datastream with its latest value and statistics over the window.",
)

OBSERVATIONS = LayerSpec(
    "observations", None,
    {
        "sensor_key": "str",
        "datastream_id": "str",
        "observation_id": "str",
        "phenomenon_time": "datetime",
        "result": "float",
        "result_text": "str",       # a non-numeric result as given
    },
    "The time series of every sensor and datastream.",
)

SENSOR_ISSUES = LayerSpec(
    "sensor_issues", None,
    {"source": "str", "line": "int", "object": "str", "issue": "str"},
    "Problems found in the input: what was skipped or kept with a caveat, and why.",
)

LORAWAN_UPLINKS = LayerSpec(
    "lorawan_uplinks", None,
    {"dev_eui": "str", "f_cnt": "int", "time": "datetime", "topic": "str", "sensor_id": "str",
     "values_stored": "int"},
    "Every LoRaWAN uplink a listener stored from MQTT (the idempotence key: DevEUI, frame counter and time).",
)
