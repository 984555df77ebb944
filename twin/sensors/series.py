"""Time series of one sensor and datastream, and the statistics the twin keeps of it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from ..kernel.numeric import to_number

#: Units the twin knows (symbol, lower case, as in UCUM or common SensorThings usage).
KNOWN_UNITS = frozenset({
    "µg/m³", "ug/m3", "µg/m3", "mg/m³", "°c", "degc", "cel", "k", "%", "%rh", "db", "db(a)", "dba", "hpa", "pa",
    "lx", "lm", "ppm", "ppb", "m/s", "km/h", "v", "mv", "a", "w", "kw", "kwh", "wh", "mm", "cm", "m", "l", "m³",
    "1", "count", "bool", "ratio", "°", "deg",
})


@dataclass
class Issue:
    source: str
    line: int | None
    obj: str
    issue: str


@dataclass
class Series:
    """One sensor (Thing/device) and datastream (measured property) with its observations."""

    source: str
    sensor_id: str
    sensor_name: str
    datastream_id: str
    datastream_name: str
    observed_property: str
    unit_name: str = ""
    unit_symbol: str = ""
    unit_definition: str = ""
    x: float | None = None           # position in the target CRS
    y: float | None = None
    self_link: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    times: list[datetime] = field(default_factory=list)
    values: list[float | None] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    obs_ids: list[str | None] = field(default_factory=list)
    position_note: str = ""

    @property
    def key(self) -> str:
        return f"{self.source}#{self.sensor_id}#{self.datastream_id}"

    @property
    def unit_known(self) -> bool:
        return bool(self.unit_symbol) and self.unit_symbol.strip().lower() in KNOWN_UNITS

    def add(self, when: datetime, result: object, obs_id: str | None = None) -> bool:
        """Append one observation; returns False when the result is not numeric."""
        value = to_number(result)
        self.times.append(when)
        self.values.append(value)
        self.texts.append(None if value is not None else ("" if result is None else str(result)))
        self.obs_ids.append(obs_id)
        return value is not None

    def stats(self) -> dict[str, float | str | None]:
        """latest (by time) numeric value and time, min/mean/max/count, non-numeric count."""
        pairs = sorted(((t, v) for t, v in zip(self.times, self.values) if v is not None), key=lambda p: p[0])
        out: dict[str, float | str | None] = {"count": len(pairs), "non_numeric": sum(v is None for v in self.values),
               "latest_value": None, "latest_time": None, "min": None, "mean": None, "max": None}
        if pairs:
            vals = [v for _, v in pairs]
            out.update(latest_value=pairs[-1][1], latest_time=pairs[-1][0].isoformat().replace("+00:00", "Z"),
                       min=min(vals), max=max(vals), mean=math.fsum(vals) / len(vals))
        return out


def parse_time(text: object, naive_tz: tzinfo = UTC) -> datetime:
    """Read an ISO 8601 time (or the start of an interval) or epoch seconds/milliseconds.

    Args:
        text: the time as given.
        naive_tz: the time zone of a time without one.

    Returns:
        An aware UTC datetime.

    Raises:
        TypeError: ``text`` is None, a bool, a dict or a list.
        ValueError: ``text`` is no time.

    Example:
        >>> from zoneinfo import ZoneInfo
        >>> parse_time("2026-07-01T10:00:00Z").isoformat()
        '2026-07-01T10:00:00+00:00'
        >>> parse_time("2026-07-01 12:00", ZoneInfo("Europe/Berlin")).isoformat()
        '2026-07-01T10:00:00+00:00'
        >>> parse_time("1782900000000").isoformat()   # epoch milliseconds
        '2026-07-01T10:00:00+00:00'
        >>> parse_time("2026-07-01T10:00:00Z/2026-07-01T11:00:00Z").isoformat()
        '2026-07-01T10:00:00+00:00'
    """
    if text is None or isinstance(text, (bool, dict, list)):
        raise TypeError(f"not a time: {type(text).__name__}")
    value = str(text).strip().split("/")[0]
    try:
        if re.fullmatch(r"\d{1,20}(\.\d{1,20})?", value):  # epoch seconds or milliseconds
            number = float(value)
            return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=naive_tz)
        return parsed.astimezone(UTC)
    except (OverflowError, OSError) as err:  # a year beyond 9999 or before 1 after the zone shift
        raise ValueError(f"time out of range: {value[:40]!r}") from err
