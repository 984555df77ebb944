"""A sensor's time series read back from the twin store, for a chart and for the web map's series.json.

``store`` is a GeoPackage path, or any store object with ``read(spec) -> DataFrame`` (the twin's
GeoPackage or PostGIS ``TwinStore``); this module imports neither.
"""
from __future__ import annotations

import math
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from ..kernel.errors import GeoTwinError
from ..kernel.gpkg import SqliteError, connect_ro
from ..kernel.schema.sensors import OBSERVATIONS, SENSORS
from .series import parse_time

if TYPE_CHECKING:
    import pandas as pd

    from ..kernel.schema import LayerSpec


class LayerReader(Protocol):
    """What the series need of a twin store: its layers as frames (``twin.store``'s StoreReader has it)."""

    def read(self, spec: LayerSpec) -> pd.DataFrame: ...


#: A twin GeoPackage's path, or a store that reads layers (a PostGIS twin).
SensorStore: TypeAlias = "str | Path | LayerReader"

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}


@dataclass
class SensorSeries:
    sensor_key: str
    name: str
    observed_property: str
    unit: str
    times: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sensor_keys(store: SensorStore) -> list[tuple[str, str, str]]:
    """List the sensors of a twin.

    Args:
        store: the twin GeoPackage's path, or a store that reads layers (a PostGIS twin).

    Returns:
        (sensor_key, name, unit) of every sensor, in key order.

    Raises:
        GeoTwinError: the GeoPackage is missing or unreadable.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.kernel.gpkg import gpkg_output
        >>> tmp = tempfile.TemporaryDirectory()
        >>> twin = Path(tmp.name) / "twin.gpkg"
        >>> with gpkg_output(twin, "EPSG:25832", kind="sensors") as out:
        ...     out.add(SENSORS, {"sensor_key": "lorawan#T1#temperature", "unit_symbol": "°C",
        ...                       "datastream_name": "Schulhof: air temperature",
        ...                       "observed_property": "air temperature"}, None)
        ...     for hour, value in ((8, 18.5), (9, 19.0), (10, None)):
        ...         out.add(OBSERVATIONS, {"sensor_key": "lorawan#T1#temperature", "result": value,
        ...                                "phenomenon_time": f"2026-07-01T{hour:02d}:00:00Z"}, None)
        >>> sensor_keys(twin)
        [('lorawan#T1#temperature', 'Schulhof: air temperature', '°C')]
        >>> tmp.cleanup()
    """
    if isinstance(store, (str, Path)):
        rows = _query(store, "SELECT sensor_key, coalesce(datastream_name, sensor_name, sensor_key), "
                             "coalesce(unit_symbol, '') FROM sensors ORDER BY sensor_key")
        return [(str(k), str(n), str(u)) for k, n, u in rows]
    frame = store.read(SENSORS)
    out = []
    for rec in frame.to_dict("records"):
        name = rec.get("datastream_name") or rec.get("sensor_name") or rec["sensor_key"]
        out.append((str(rec["sensor_key"]), str(name), str(rec.get("unit_symbol") or "")))
    return sorted(out)


def _example_twin(folder: Path) -> Path:
    """The sensors GeoPackage of sensor_keys' example, written into ``folder``: the sensor
    lorawan#T1#temperature (°C) with 18.5 at 08:00, 19.0 at 09:00 and no value at 10:00 on 2026-07-01 UTC."""
    from ..kernel.gpkg import gpkg_output

    twin = folder / "twin.gpkg"
    with gpkg_output(twin, "EPSG:25832", kind="sensors") as out:
        out.add(SENSORS, {"sensor_key": "lorawan#T1#temperature", "unit_symbol": "°C",
                          "datastream_name": "Schulhof: air temperature",
                          "observed_property": "air temperature"}, None)
        for hour, value in ((8, 18.5), (9, 19.0), (10, None)):
            out.add(OBSERVATIONS, {"sensor_key": "lorawan#T1#temperature", "result": value,
                                   "phenomenon_time": f"2026-07-01T{hour:02d}:00:00Z"}, None)
    return twin

def _query(path: str | Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    path = Path(path)
    if not path.is_file():
        raise GeoTwinError(f"no such twin store: {path}")
    try:
        with closing(connect_ro(path)) as db:
            return db.execute(sql, args).fetchall()
    except SqliteError as err:
        raise GeoTwinError(f"cannot read the sensors of {path}: {err}") from None


def read_series(store: SensorStore, sensor_key: str, start: datetime | None = None,
                end: datetime | None = None) -> SensorSeries:
    """Read the numeric observations of one sensor, sorted by time.

    Args:
        store: the twin GeoPackage's path, or a store that reads layers.
        sensor_key: the sensor.
        start: the earliest time (None: open).
        end: the latest time (None: open).

    Returns:
        The SensorSeries: name, property, unit, times (UTC) and values.

    Raises:
        GeoTwinError: no such sensor, or the store cannot be read.

    Example:
        >>> import tempfile
        >>> tmp = tempfile.TemporaryDirectory()
        >>> twin = _example_twin(Path(tmp.name))   # sensor_keys' example: 18.5 and 19.0 °C at 08:00 and 09:00
        >>> series = read_series(twin, "lorawan#T1#temperature")
        >>> [t.isoformat() for t in series.times], series.values, series.unit
        (['2026-07-01T08:00:00+00:00', '2026-07-01T09:00:00+00:00'], [18.5, 19.0], '°C')
        >>> tmp.cleanup()
    """
    if isinstance(store, (str, Path)):
        meta = _query(store, "SELECT coalesce(datastream_name, sensor_name, sensor_key), "
                             "coalesce(observed_property, ''), coalesce(unit_symbol, '') FROM sensors "
                             "WHERE sensor_key = ? LIMIT 1", (sensor_key,))
        records = _query(store, "SELECT phenomenon_time, result FROM observations WHERE sensor_key = ? AND "
                                "result IS NOT NULL", (sensor_key,))
    else:
        sensors = store.read(SENSORS)
        row = sensors[sensors["sensor_key"] == sensor_key]
        meta = [(str(r.get("datastream_name") or r.get("sensor_name") or sensor_key),
                 str(r.get("observed_property") or ""), str(r.get("unit_symbol") or ""))
                for r in row.to_dict("records")][:1]
        obs = store.read(OBSERVATIONS)
        obs = obs[obs["sensor_key"] == sensor_key]
        records = [(t, v) for t, v in zip(obs["phenomenon_time"], obs["result"])]
    if not meta:
        raise GeoTwinError(f"no sensor {sensor_key!r} in the twin store")
    series = SensorSeries(sensor_key, *meta[0])
    pairs = []
    for when, value in records:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        when = when.to_pydatetime() if hasattr(when, "to_pydatetime") else when
        when = parse_time(when.isoformat() if isinstance(when, datetime) else when)
        if (start is None or when >= start) and (end is None or when <= end):
            pairs.append((when, float(value)))
    pairs.sort(key=lambda p: p[0])
    series.times = [t for t, _ in pairs]
    series.values = [v for _, v in pairs]
    return series


def last_window(store: SensorStore, sensor_key: str, kind: str,
                now: datetime | None = None) -> tuple[datetime, datetime]:
    """Give the last 24 hours or 7 days of a sensor's series: up to ``now``, or without it up to the sensor's
    latest observation (so a recorded week still shows).

    Args:
        store: the twin GeoPackage's path, or a store that reads layers.
        sensor_key: the sensor.
        kind: ``24h`` or ``7d``.
        now: the end of the window.

    Returns:
        (start, end).

    Raises:
        GeoTwinError: an unknown kind.

    Example:
        >>> import tempfile
        >>> tmp = tempfile.TemporaryDirectory()
        >>> twin = _example_twin(Path(tmp.name))   # sensor_keys' example: 18.5 and 19.0 °C at 08:00 and 09:00
        >>> [t.isoformat() for t in last_window(twin, "lorawan#T1#temperature", "24h")]
        ['2026-06-30T09:00:00+00:00', '2026-07-01T09:00:00+00:00']
        >>> tmp.cleanup()
    """
    if kind not in WINDOWS:
        raise GeoTwinError(f"unknown window {kind!r}: use one of {', '.join(WINDOWS)}")
    if now is None:
        everything = read_series(store, sensor_key)
        now = everything.times[-1] if everything.times else datetime.now(UTC)
    return now - WINDOWS[kind], now


def series_json(store: SensorStore, keys: list[str] | None = None,
                window: tuple[datetime | None, datetime | None] = (None, None)) -> dict[str, dict[str, Any]]:
    """Build the web map's series.json: every sensor's numeric observations inside a window.

    Args:
        store: the twin GeoPackage's path, or a store that reads layers.
        keys: the sensors (None: all).
        window: (start, end), None for an open end.

    Returns:
        ``{sensor_key: {"unit", "property", "name", "t": [ISO 8601 UTC], "v": [numbers]}}``.

    Example:
        >>> import tempfile
        >>> tmp = tempfile.TemporaryDirectory()
        >>> twin = _example_twin(Path(tmp.name))   # sensor_keys' example: 18.5 and 19.0 °C at 08:00 and 09:00
        >>> series_json(twin)
        {'lorawan#T1#temperature': {'unit': '°C', 'property': 'air temperature', 'name': 'Schulhof: air temperature',
                                    't': ['2026-07-01T08:00:00Z', '2026-07-01T09:00:00Z'], 'v': [18.5, 19.0]}}
        >>> tmp.cleanup()
    """
    keys = keys if keys is not None else [k for k, _, _ in sensor_keys(store)]
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        s = read_series(store, key, *window)
        out[key] = {"unit": s.unit, "property": s.observed_property, "name": s.name,
                    "t": [_iso(t) for t in s.times], "v": s.values}
    return out
