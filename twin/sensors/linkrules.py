"""Which sensors belong to a façade: the naming rule and the ground-sensor rule, shared by the sensor import
(``importer.link_sensor``) and the twin build (``conflation.link_facade_sensors``).

A sensor is *named for a façade* when its name, datastream name or description says façade/Fassade. A *ground
sensor* (soil, parking space, groundwater, by its observed property) is linked to a façade only when so named.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

FACADE_WORDS = re.compile(r"fa[cç]ade|fassade", re.IGNORECASE)
# what a sensor in or on the ground observes: soil (moisture, temperature), a parking space, groundwater
GROUND_WORDS = re.compile(r"soil|boden|parking|stellplatz|parkplatz|parkstand|groundwater|ground water|grundwasser",
                          re.IGNORECASE)
# the link_reason of a LoRaWAN device's sensor made by a listener run without building footprints and areas: the
# next run with them links it as the sensor import would (``lorawan.UplinkStore``); the build warns about it
UNLINKED_REASON = "not linked (LoRaWAN device table)"


def names_facade(row: Mapping[str, Any]) -> bool:
    """Tell whether the sensor's name, datastream name or description (``attributes``) names a façade.

    Args:
        row: a sensors row (``sensor_name``, ``datastream_name``, ``attributes`` as a dict or JSON text).

    Returns:
        True when one of them says façade, facade or Fassade.

    Example:
        >>> names_facade({"sensor_name": "Lufttemperatur Schule Nordfassade"})
        True
        >>> names_facade({"sensor_name": "B7", "attributes": '{"description": "Beet vor der Fassade"}'})
        True
        >>> names_facade({"sensor_name": "Stellplatz 1", "datastream_name": "Belegung", "attributes": "{oops"})
        False
    """
    texts = [row.get("sensor_name"), row.get("datastream_name")]
    attributes = row.get("attributes")
    if isinstance(attributes, str):
        try:
            attributes = json.loads(attributes)
        except ValueError:
            attributes = None
    if isinstance(attributes, dict):
        texts.append(attributes.get("description"))
    return any(isinstance(t, str) and FACADE_WORDS.search(t) for t in texts)


def ground_property(row: Mapping[str, Any]) -> str | None:
    """Tell whether a sensor observes the ground (soil, a parking space, groundwater) and give that property.

    The observed property decides; without one, the datastream name. The sensor's own name does not (a
    "Bodenfeuchte" thing may carry an air-temperature datastream).

    Args:
        row: a sensors row (``observed_property``, ``datastream_name``).

    Returns:
        The observed property (or datastream name) that makes it a ground sensor, or None.

    Example:
        >>> ground_property({"observed_property": "Soil moisture"})
        'Soil moisture'
        >>> ground_property({"observed_property": "", "datastream_name": "Grundwasserstand P3"})
        'Grundwasserstand P3'
        >>> ground_property({"observed_property": "Temperature", "datastream_name": "Bodenfeuchte"}) is None
        True
    """
    for field in ("observed_property", "datastream_name"):
        text = row.get(field)
        if isinstance(text, str) and text.strip():
            return text if GROUND_WORDS.search(text) else None
    return None
