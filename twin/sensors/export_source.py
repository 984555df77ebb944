"""Read sensor exports (CSV or GeoJSON) as a LoRaWAN network server or sensor.community writes them.

JSON files holding SensorThings Things with Datastreams (deep-insert documents) are read too.

One row per device and time: a device id, a time, latitude/longitude and measurement columns.
Measurement columns are the numeric ones; their observed property and unit come from
``COLUMN_UNITS``, a unit in the header (``noise [dB(A)]``) or a unit suffix
(``temperature_c``); other columns are reported as having an unknown unit and kept.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from ..kernel.errors import InputError
from ..kernel.layers import PointRow, read_points
from ..kernel.numeric import to_number
from ..kernel.progress import Reporter
from .series import Issue, Series, parse_time
from .sta_source import MAX_DOCUMENT_MB, MAX_OBSERVATIONS, is_sta_document, load_document, read_sta_document

MAX_FILE_MB = MAX_DOCUMENT_MB   #: larger export files are refused before they are read
MAX_ROWS = 5_000_000            #: rows (features) of one export file

DEVICE_COLUMNS = ("device_id", "dev_eui", "deveui", "device", "sensor_id", "sensor", "id", "node_id")
TIME_COLUMNS = ("time", "timestamp", "received_at", "datetime", "date_time", "phenomenon_time", "zeit")
#: Columns that describe the device or the radio link rather than a measurement.
META_COLUMNS = frozenset({"location", "location_id", "sensor_type", "type", "name", "device_name", "rssi",
                          "snr", "lsnr", "f_cnt", "fcnt", "frame_counter", "port", "fport", "f_port", "frequency",
                          "spreading_factor", "sf", "dr", "data_rate", "gateway", "gateway_id", "application_id"})
COLUMN_UNITS: dict[str, tuple[str, str, str]] = {  # column -> (observed property, unit name, symbol)
    "p1": ("PM10", "microgram per cubic meter", "µg/m³"),
    "pm10": ("PM10", "microgram per cubic meter", "µg/m³"),
    "p2": ("PM2.5", "microgram per cubic meter", "µg/m³"),
    "pm2_5": ("PM2.5", "microgram per cubic meter", "µg/m³"),
    "pm25": ("PM2.5", "microgram per cubic meter", "µg/m³"),
    "temperature": ("Temperature", "degree Celsius", "°C"),
    "temp": ("Temperature", "degree Celsius", "°C"),
    "air_temperature": ("Temperature", "degree Celsius", "°C"),
    "humidity": ("Relative humidity", "percent", "%"),
    "relative_humidity": ("Relative humidity", "percent", "%"),
    "pressure": ("Air pressure", "pascal", "Pa"),
    "noise": ("Noise level", "decibel A-weighted", "dB(A)"),
    "noise_laeq": ("Noise level", "decibel A-weighted", "dB(A)"),
    "laeq": ("Noise level", "decibel A-weighted", "dB(A)"),
    "noise_level": ("Noise level", "decibel A-weighted", "dB(A)"),
    "soil_moisture": ("Soil moisture", "percent", "%"),
    "soilmoisture": ("Soil moisture", "percent", "%"),
    "soil_temperature": ("Soil temperature", "degree Celsius", "°C"),
    "occupied": ("Parking occupancy", "occupied (1) or free (0)", "1"),
    "occupancy": ("Parking occupancy", "occupied (1) or free (0)", "1"),
    "parking_occupied": ("Parking occupancy", "occupied (1) or free (0)", "1"),
    "battery": ("Battery voltage", "volt", "V"),
    "co2": ("CO2", "parts per million", "ppm"),
}
UNIT_SUFFIXES: dict[str, tuple[str, str]] = {
    "c": ("degree Celsius", "°C"), "degc": ("degree Celsius", "°C"), "pct": ("percent", "%"),
    "percent": ("percent", "%"), "dba": ("decibel A-weighted", "dB(A)"), "db": ("decibel", "dB"),
    "ppm": ("parts per million", "ppm"), "hpa": ("hectopascal", "hPa"), "pa": ("pascal", "Pa"),
    "v": ("volt", "V"), "lux": ("lux", "lx"), "ugm3": ("microgram per cubic meter", "µg/m³"),
}


def column_unit(column: str) -> tuple[str, str, str] | None:
    """Tell the measured property and unit of an export column: ``name [unit]``/``name (unit)``, a known name
    (``temperature``, ``humidity``, ``pm25``...) or a known unit suffix (``_ugm3``, ``_hpa``...).

    Args:
        column: the column name.

    Returns:
        (observed property, unit name, unit symbol), None when the column names no unit.

    Example:
        >>> column_unit("temperature"), column_unit("Temperatur [°C]")
        (('Temperature', 'degree Celsius', '°C'), ('Temperatur', '°C', '°C'))
        >>> column_unit("pm25_ugm3"), column_unit("rssi_raw")
        (('PM2.5', 'microgram per cubic meter', 'µg/m³'), None)
    """
    m = re.fullmatch(r"\s*(.+?)\s*[\[(]\s*([^\])]+?)\s*[\])]\s*", column)
    if m:
        name, symbol = m.group(1), m.group(2)
        known = COLUMN_UNITS.get(name.lower())
        return (known[0] if known else name, symbol, symbol)
    key = column.strip().lower()
    if key in COLUMN_UNITS:
        return COLUMN_UNITS[key]
    if "_" in key:
        base, suffix = key.rsplit("_", 1)
        if suffix in UNIT_SUFFIXES:
            prop = COLUMN_UNITS.get(base, (base.replace("_", " ").capitalize(),))[0]
            return (prop, *UNIT_SUFFIXES[suffix])
    return None


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _check_size(path: Path, max_mb: float) -> None:
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(f"cannot read: {err}", path=str(path)) from None
    if size > max_mb * 1024 * 1024:
        raise InputError(f"the file has {size / 1024 / 1024:.0f} MB, more than the limit of {max_mb:g} MB",
                         path=str(path))


def read_exports(paths: list[str | Path], target_crs: str, *, start: datetime | None = None,
                 end: datetime | None = None, naive_tz: tzinfo = UTC, max_file_mb: float = MAX_FILE_MB,
                 max_rows: int = MAX_ROWS, max_observations: int = MAX_OBSERVATIONS,
                 reporter: Reporter | None = None) -> tuple[list[Series], list[Issue]]:
    """Read sensor exports (CSV, GeoJSON, GeoPackage with a row per device and time, or SensorThings documents)
    as series per device and measurement column, merged by device id over all files.

    Files over ``max_file_mb`` MB or ``max_rows`` rows are refused; rows with more values than the header are
    skipped and reported; a device's position is that of its latest row with usable coordinates.

    Args:
        paths: the export files.
        target_crs: the CRS to place the devices in.
        start: the earliest observation time kept.
        end: the latest.
        naive_tz: the time zone of times without one.
        max_file_mb: the largest file accepted.
        max_rows: the most rows per file.
        max_observations: the most observations in all.
        reporter: receives progress and warnings.

    Returns:
        (the series, the issues: skipped rows, duplicates, unknown units...).

    Raises:
        InputError: a file too large, without a time column, or too many observations.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     csv = Path(tmp) / "export.csv"
        ...     _ = csv.write_text("device_id,time,lat,lon,temperature,humidity\\n"
        ...                        "T1,2026-07-01T08:00:00Z,49.0094,8.4034,18.5,61\\n"
        ...                        "T1,2026-07-01T09:00:00Z,49.0094,8.4034,19.0,n/a\\n"
        ...                        "T1,2026-07-01T09:00:00Z,49.0094,8.4034,19.0,58\\n")
        ...     series, issues = read_exports([csv], "EPSG:25832")
        >>> [(s.datastream_id, s.values, s.unit_symbol) for s in series]
        [('temperature', [18.5, 19.0], '°C'), ('humidity', [61.0, None], '%')]
        >>> [i.issue for i in issues]
        ["non-numeric value 'n/a': kept as text, left out of the statistics",
         'duplicate observation at 2026-07-01T09:00:00+00:00: ignored',
         'duplicate observation at 2026-07-01T09:00:00+00:00: ignored']
    """
    reporter = reporter or Reporter()
    merged = _Merged(start, end, naive_tz, max_observations, reporter)
    documents = []
    for path in paths:
        path = Path(path)
        _check_size(path, max_file_mb)
        if path.suffix.lower() == ".json" and _is_sta_file(path, max_file_mb):
            documents.append(path)
            continue
        merged.read(path, target_crs, max_rows)
    merged.place()
    if merged.outside:
        reporter.info(f"{merged.outside} rows outside the time window left out")
    result = list(merged.series.values())
    issues, total = merged.issues, merged.total
    for path in documents:
        more, more_issues = read_sta_document(path, target_crs, start=start, end=end, reporter=reporter,
                                              max_observations=max(0, max_observations - total), max_mb=max_file_mb)
        total += sum(len(m.times) for m in more)
        result.extend(more)
        issues.extend(more_issues)
    return result, issues


class _Merged:
    """The series of the export files read so far, merged by device and measurement column."""

    def __init__(self, start: datetime | None, end: datetime | None, naive_tz: tzinfo, max_observations: int,
                 reporter: Reporter) -> None:
        self.start, self.end, self.naive_tz = start, end, naive_tz
        self.max_observations, self.reporter = max_observations, reporter
        self.total = 0
        self.outside = 0    # rows outside [start, end]
        self.issues: list[Issue] = []
        self.series: dict[tuple[str, str], Series] = {}
        self.seen: dict[tuple[str, str], set[datetime]] = {}
        self.positions: dict[str, tuple[datetime, float | None, float | None]] = {}   # device -> latest position

    def read(self, path: Path, target_crs: str, max_rows: int) -> None:
        """Add one export file (CSV, GeoJSON, GeoPackage: a row per device and time)."""
        name = path.name
        bad_rows: list[tuple[int, str]] = []
        rows, columns = read_points(path, target_crs, reporter=self.reporter, bad_rows=bad_rows, max_rows=max_rows)
        for line, reason in bad_rows:
            self.issues.append(Issue(name, line, "row", f"{reason}: row skipped"))
        if bad_rows:
            self.reporter.warning(f"{name}: {len(bad_rows)} malformed rows skipped (see sensor_issues)")
        device_col, time_col = _pick(columns, DEVICE_COLUMNS), _pick(columns, TIME_COLUMNS)
        if time_col is None:
            raise InputError(f"no time column (one of {', '.join(TIME_COLUMNS)}); columns: {columns}", path=str(path))
        measures = self._measures(name, rows, columns, device_col, time_col)
        for n, row in enumerate(rows):
            if n % 1000 == 0:
                self.reporter.check()
            self._row(path, row, columns, measures, device_col, time_col)

    def _measures(self, name: str, rows: list[PointRow], columns: list[str], device_col: str | None,
                  time_col: str) -> list[str]:
        """The measurement columns: those with a numeric value (empty ones left out, text ones reported)."""
        candidates = [c for c in columns if c not in (device_col, time_col) and c.lower() not in META_COLUMNS]
        measures = []
        for col in candidates:
            self.reporter.check()
            filled = [r.attrs.get(col) for r in rows if str(r.attrs.get(col) or "").strip()]
            if not filled:
                continue  # an empty column (e.g. sensor.community durP1)
            numeric = sum(to_number(v) is not None for v in filled)
            if numeric:
                measures.append(col)
            else:
                self.issues.append(Issue(name, None, f"column {col}", "no numeric value: kept as an attribute"))
        for col in measures:
            if column_unit(col) is None:
                self.issues.append(Issue(name, None, f"column {col}", "unknown unit: imported with an empty unit"))
        return measures

    def _row(self, path: Path, row: PointRow, columns: list[str], measures: list[str], device_col: str | None,
             time_col: str) -> None:
        """One row: its time, position and a value per measurement column (problems reported)."""
        name, issues = path.name, self.issues
        device = str(row.attrs.get(device_col) or "").strip() if device_col else path.stem
        if not device:
            issues.append(Issue(name, row.line, "row", "no device id: row skipped"))
            return
        try:
            when = parse_time(row.attrs.get(time_col), self.naive_tz)
        except (TypeError, ValueError):
            issues.append(Issue(name, row.line, f"device {device}",
                                f"time {row.attrs.get(time_col)!r} is not a time: row skipped"))
            return
        if row.problem:
            issues.append(Issue(name, row.line, f"device {device}",
                                f"{row.problem}: values kept, position taken from the device's other rows"))
        for note in row.notes:
            issues.append(Issue(name, row.line, f"device {device}", note))
        if (self.start and when < self.start) or (self.end and when > self.end):
            self.outside += 1
            return
        if row.problem is None and (device not in self.positions or when >= self.positions[device][0]):
            self.positions[device] = (when, row.x, row.y)
        meta = {c: row.attrs.get(c) for c in columns if c.lower() in META_COLUMNS and row.attrs.get(c)}
        for col in measures:
            raw = row.attrs.get(col)
            if raw is None or not str(raw).strip():
                continue
            self._value(path, row.line, device, col, when, raw, meta)

    def _value(self, path: Path, line: int, device: str, col: str, when: datetime, raw: object,
               meta: dict[str, Any]) -> None:
        """One observation of the device's series of ``col`` (a duplicate time is reported and left out)."""
        name = path.name
        key = (device, col)
        s = self.series.get(key)
        if s is None:
            prop, unit_name, symbol = column_unit(col) or (col, "", "")
            s = self.series[key] = Series(source="export", sensor_id=device, sensor_name=device,
                                          datastream_id=col, datastream_name=f"{prop} {device}",
                                          observed_property=prop, unit_name=unit_name, unit_symbol=symbol,
                                          attributes={"files": [], **meta})
            self.seen[key] = set()
        if when in self.seen[key]:
            self.issues.append(Issue(name, line, f"device {device} {col}",
                                     f"duplicate observation at {when.isoformat()}: ignored"))
            return
        self.seen[key].add(when)
        if name not in s.attributes["files"]:
            s.attributes["files"].append(name)
        self.total += 1
        if self.total > self.max_observations:
            raise InputError(f"more than {self.max_observations} observations: stopped; narrow the time window "
                             "(START/END) or raise MAX_OBSERVATIONS", path=str(path), line=line)
        if not s.add(when, raw, f"{name}:{line}"):
            self.issues.append(Issue(name, line, f"device {device} {col}",
                                     f"non-numeric value {raw!r}: kept as text, left out of the statistics"))

    def place(self) -> None:
        """Each series at its device's latest position; devices without one are reported once."""
        unplaced = set()
        for (device, _), s in self.series.items():
            if device in self.positions:
                s.x, s.y = self.positions[device][1], self.positions[device][2]
            elif device not in unplaced:
                unplaced.add(device)
                self.issues.append(Issue("export", None, f"device {device}", "no row with usable coordinates: "
                                         "imported without position"))


def _is_sta_file(path: Path, max_mb: float) -> bool:
    try:
        return is_sta_document(load_document(path, max_mb))
    except InputError:
        return False
