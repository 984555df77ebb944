"""One reading of numbers for table cells (coordinates, measures) and sensor observation results.

Accepted text, surrounding white space ignored, ASCII digits only:

- ``-3.5``, ``1e-3``; the Unicode minus sign U+2212 counts as ``-`` (``−3,5`` is -3.5);
- a decimal comma ``-3,5``; a lone comma is always decimal, so ``1,234`` is 1.234, as in German sources;
- thousands separators where they cannot be read otherwise: ``1.234,5`` and ``1.234.567`` (German),
  ``1,234.5`` and ``1,234,567`` (English).

Not numbers (None): a bool (a flag is not a measurement or a coordinate, even though Python counts
it as an int), empty text, ``nan``/``inf`` spelled out or reached by overflow, anything else.
"""
from __future__ import annotations

import math
import numbers
import re

_FORMS = tuple((re.compile(pattern, re.ASCII), str.maketrans(table)) for pattern, table in (
    (r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", {}),
    (r"[-+]?\d+,\d+", {",": "."}),
    (r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?", {".": None, ",": "."}),
    (r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", {",": None}),
))


def to_number(value: object) -> float | None:
    """Read a number as sensor tables and user layers write it.

    Text with a decimal comma, thousands separators (``1.234,5`` and ``1,234.5``) and the minus sign U+2212
    is understood; booleans, NaN and infinities are not numbers.

    Args:
        value: a number or its text.

    Returns:
        The finite float it stands for, None when it is none.

    Example:
        >>> [to_number(v) for v in (3, "2,5", "1.234,5", "1,234.5", "\u22127", " 12 ")]
        [3.0, 2.5, 1234.5, 1234.5, -7.0, 12.0]
        >>> [to_number(v) for v in (True, "nan", "n/a", None)]
        [None, None, None, None]
    """
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")
        table = next((t for pattern, t in _FORMS if pattern.fullmatch(text)), None)
        if table is None:
            return None
        value = text.translate(table)
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        return None
    return number if math.isfinite(number) else None
