"""Names of the coded building attributes, as the web map's info box shows them (QGIS-free): the ALKIS building
function (``gebaeudefunktion.json``) and the CityGML roof type (``dachform.json``), both read from the viewer's
own lists, so QGIS's forms and the web map name a code alike ("Satteldach (3100)").

Example:
    >>> shown("roof_type", "3100", "de"), shown("roof_type", "3100", "en")
    ('Satteldach (3100)', 'Gabled roof (3100)')
"""
from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from .viewer import FUNCTION_NAMES_FILE, ROOF_TYPE_NAMES_FILE, ROOF_TYPE_PROPERTY

FUNCTION_PROPERTY = "function"
#: The fields named by their code lists (the web map's ``functionProperty`` and ``roofTypeProperty``).
CODED_FIELDS = (FUNCTION_PROPERTY, ROOF_TYPE_PROPERTY)
# viewer.js roofTypeName: a four-digit code, optionally after a code space or prefix and with a ".0" tail
_ROOF_CODE = re.compile(r"^(?:.*[_#/:])?(\d{4})(?:\.0+)?$")


@cache
def _lists() -> tuple[dict[str, Any], dict[str, Any]]:
    functions = json.loads(FUNCTION_NAMES_FILE.read_text(encoding="utf-8"))
    roofs = json.loads(ROOF_TYPE_NAMES_FILE.read_text(encoding="utf-8"))
    return functions, roofs


def function_name(code: object) -> str | None:
    """The ALKIS building function's name of "31001_1000" or "1000" (German: the list has no English names, as
    on the web map); None for anything else.

    Example:
        >>> function_name("31001_1100"), function_name("1000"), function_name("31001_99999")
        ('Gemischt genutztes Gebäude mit Wohnen', 'Wohngebäude', None)
    """
    functions = _lists()[0]
    text, prefix = str(code), functions["prefix"]
    key = text[len(prefix):] if text.startswith(prefix) else text
    name = functions["names"].get(key) if re.fullmatch(r"\d{4}", key) else None
    return str(name) if name is not None else None


def roof_type_name(code: object, lang: str = "en") -> str | None:
    """The roof type's name in ``lang`` ('de' or 'en') of an AdV or SIG3D code, also stored as "3100.0" or after a
    code space ("…/RoofTypeTypeAdV.xml#3100", "x_3100"); None for an unknown code.

    Example:
        >>> roof_type_name("3100.0", "de"), roof_type_name("RoofTypeTypeAdV.xml#3200"), roof_type_name("1030", "de")
        ('Satteldach', 'Hipped roof', 'Satteldach')
    """
    match = _ROOF_CODE.match(str(code).strip())
    if match is None:
        return None
    roofs = _lists()[1]
    entry = roofs["names"].get(match[1]) or roofs["names"].get(roofs["sig3d"].get(match[1], ""))
    if entry is None:
        return None
    return str(entry.get(lang) or entry["en"])


def shown(field: str, value: object, lang: str = "en") -> str:
    """``value`` of ``field`` as the web map shows it: a named code as "name (code)", anything else as stored.

    Example:
        >>> shown("function", "31001_1010", "en"), shown("roof_type", "8888"), shown("name", "3100")
        ('Wohnhaus (31001_1010)', '8888', '3100')
    """
    name = (function_name(value) if field == FUNCTION_PROPERTY
            else roof_type_name(value, lang) if field == ROOF_TYPE_PROPERTY else None)
    return f"{name} ({value})" if name is not None else str(value)
