"""Time series of one sensor and datastream, and the statistics the twin keeps of it."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
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

    def stats(self) -> dict[str, Any]:
        """The sensor's statistics over its observations (``statistics``), times as UTC text (``...Z``)."""
        return statistics(zip(self.times, self.values))


def statistics(observations: Iterable[tuple[object, object]]) -> dict[str, Any]:
    """A sensor's statistics, the one definition the import, the build and the LoRaWAN listener share.

    ``count``, ``min``, ``mean`` (the exactly rounded sum, ``math.fsum``, over the count) and ``max`` of the numeric
    results; ``non_numeric``: the results None or NaN; ``window_start`` and ``window_end``: the earliest and the latest
    time of all observations; ``latest_value`` and ``latest_time``: the numeric result at the latest time. Times are
    compared as instants (``...Z``, ``+00:00`` and ``+02:00`` alike); of equal instants the earliest is the first
    observation given, the latest the last one. A time is returned as given (a datetime as UTC text ``...Z``); a time
    that is no time counts in the numbers but is never the earliest or latest.

    Args:
        observations: ``(phenomenon time, result)`` in the order they were stored: a time as stored (text) or a
            datetime, a result a number, or None, NaN or anything else when it is not numeric.

    Returns:
        The statistics by ``sensors`` column; without a numeric result the numbers and the latest are None.

    Example:
        >>> stats = statistics([("2026-07-01T10:00:00Z", 2.0), ("2026-07-01T11:30:00+02:00", 1.0),
        ...                     ("2026-07-01T10:00:00+00:00", 4.0), ("2026-07-01T11:00:00Z", None)])
        >>> stats["count"], stats["non_numeric"], stats["min"], stats["mean"], stats["max"]
        (3, 1, 1.0, 2.3333333333333335, 4.0)
        >>> stats["latest_value"], stats["latest_time"], stats["window_start"], stats["window_end"]
        (4.0, '2026-07-01T10:00:00+00:00', '2026-07-01T11:30:00+02:00', '2026-07-01T11:00:00Z')
        >>> statistics([])["count"], statistics([])["latest_time"]
        (0, None)
    """
    values: list[float] = []
    non_numeric = 0
    first = last = latest = None   # (instant, time as given, numeric result or None)
    for when, result in observations:
        value = float(result) if isinstance(result, (int, float)) and not isinstance(result, bool) else math.nan
        if value == value:
            values.append(value)
        else:
            non_numeric += 1
        instant = _instant(when)
        if instant is None:
            continue
        entry = (instant, when, value)
        if first is None or instant < first[0]:
            first = entry
        if last is None or instant >= last[0]:
            last = entry
        if value == value and (latest is None or instant >= latest[0]):
            latest = entry
    return {"count": len(values), "non_numeric": non_numeric,
            "min": min(values) if values else None, "mean": math.fsum(values) / len(values) if values else None,
            "max": max(values) if values else None,
            "window_start": None if first is None else _time_text(first[1]),
            "window_end": None if last is None else _time_text(last[1]),
            "latest_value": None if latest is None else latest[2],
            "latest_time": None if latest is None else _time_text(latest[1])}


def _instant(when: object) -> datetime | None:
    """A stored time as an aware UTC instant, None when it is none."""
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    if isinstance(when, str):   # the fast path for a stored ISO time with its offset (aware times compare as instants)
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    try:
        return parse_time(when)
    except (TypeError, ValueError):
        return None


def _time_text(when: object) -> object:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z") if isinstance(when, datetime) else when


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
