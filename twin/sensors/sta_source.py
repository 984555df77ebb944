"""Read Things, Locations, Datastreams and Observations from a SensorThings service or a local
SensorThings document (a deep-insert Thing, a list of them, or an expanded Things answer)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..kernel.errors import InputError
from ..kernel.http import JsonObject, StaClient, StaError, entity_url
from ..kernel.layers import Locator, PointRow
from ..kernel.progress import Reporter
from .series import Issue, Series, parse_time

THINGS_EXPAND = "Locations,Datastreams($expand=ObservedProperty,Sensor)"
MAX_OBSERVATIONS = 10_000_000
MAX_DOCUMENT_MB = 256.0

EntityId = int | float | str   # an @iot.id as sent


def _obj(value: object) -> JsonObject:
    """``value`` if it is a JSON object, else an empty one (hostile or broken documents)."""
    return value if isinstance(value, dict) else {}


def _items(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return "" if value is None or isinstance(value, (dict, list)) else str(value)[:1000]


def _ident(value: object) -> EntityId | None:
    """An entity id: a number or a string; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return str(value)
    return value


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _point(location: object) -> tuple[float, float] | None:
    """lon/lat of a GeoJSON Point/Feature, or the centroid of another geometry."""
    import shapely.geometry

    if not isinstance(location, dict):
        return None
    geom = location.get("geometry") if location.get("type") == "Feature" else location
    try:
        shape = shapely.geometry.shape(geom)
        if shape.is_empty:
            return None
        c = shape if shape.geom_type == "Point" else shape.centroid
        return float(c.x), float(c.y)
    except Exception:  # shapely raises several types on bad GeoJSON
        return None


def _locate(locator: Locator, lonlat: tuple[float, float] | None, source: str, thing_id: EntityId | None,
            issues: list[Issue]) -> tuple[tuple[float, float] | None, list[str]]:
    """(x, y) in the target CRS and the position notes, or (None, notes) with the problem reported."""
    if lonlat is None:
        issues.append(Issue(source, None, f"Thing {thing_id}", "no usable Location: imported without position"))
        return None, []
    row = PointRow(0, {})
    locator.locate(lonlat[0], lonlat[1], row, "longitude/latitude")
    for note in row.notes:
        issues.append(Issue(source, None, f"Thing {thing_id}", note))
    if row.problem:
        issues.append(Issue(source, None, f"Thing {thing_id}", row.problem))
        return None, row.notes
    if row.x is None or row.y is None:   # located without a problem: never
        return None, row.notes
    return (row.x, row.y), row.notes


def _series(source: str, thing: JsonObject, thing_id: EntityId | None, ds: JsonObject, ds_id: EntityId | None,
            extra: dict[str, Any]) -> Series:
    unit, prop = _obj(ds.get("unitOfMeasurement")), _obj(ds.get("ObservedProperty"))
    self_link = ds.get("@iot.selfLink")
    attributes = {"thing_properties": thing.get("properties"), "datastream_properties": ds.get("properties"),
                  "sensor": _text(_obj(ds.get("Sensor")).get("name")) or None, **extra}
    return Series(source=source, sensor_id=str(thing_id), sensor_name=_text(thing.get("name")),
                  datastream_id=str(ds_id), datastream_name=_text(ds.get("name")),
                  observed_property=_text(prop.get("name")), unit_name=_text(unit.get("name")),
                  unit_symbol=_text(unit.get("symbol")), unit_definition=_text(unit.get("definition")),
                  self_link=self_link if isinstance(self_link, str) else None,
                  attributes={k: v for k, v in attributes.items() if v})


def _add_observations(series: Series, observations: Iterable[object], source: str, ds_id: EntityId | None,
                      issues: list[Issue], *,
                      start: datetime | None = None, end: datetime | None = None, first: int = 1) -> tuple[int, int]:
    """Add the observations (skipping and reporting broken ones); returns (added, non-numeric)."""
    added = bad = 0
    for index, obs in enumerate(observations, start=first):
        if not isinstance(obs, dict):
            issues.append(Issue(source, None, f"Observation {index} of Datastream {ds_id}",
                                "not a JSON object: skipped"))
            continue
        oid = _ident(obs.get("@iot.id"))
        oid = index if oid is None else oid
        when = obs.get("phenomenonTime")
        try:
            stamp = parse_time(when)
        except (TypeError, ValueError):
            issues.append(Issue(source, None, f"Observation {oid} of Datastream {ds_id}",
                                f"phenomenonTime {_text(when)[:80]!r} is not a time: skipped"))
            continue
        if (start and stamp < start) or (end and stamp > end):
            continue
        result = obs.get("result")
        if isinstance(result, (dict, list)):
            result = json.dumps(result, ensure_ascii=False)[:1000]
        if not series.add(stamp, result, str(oid)):
            bad += 1
        added += 1
    return added, bad


def _report_series(series: Series, source: str, ds_id: EntityId | None, bad: int, issues: list[Issue]) -> None:
    if bad:
        issues.append(Issue(source, None, f"Datastream {ds_id} ({series.datastream_name})",
                            f"{bad} non-numeric results kept as text, left out of the statistics"))
    if not series.unit_known:
        issues.append(Issue(source, None, f"Datastream {ds_id} ({series.datastream_name})",
                            f"unknown unit {series.unit_symbol or series.unit_name or '(none)'!r}: kept as given"))


def _too_many(limit: int, where: str) -> StaError:
    return StaError(f"more than {limit} observations from {where}: stopped; narrow the time window "
                    "(START/END) or raise MAX_OBSERVATIONS")


def fetch_series(client: StaClient, target_crs: str, *, start: datetime | None = None,
                 end: datetime | None = None, page_size: int = 1000, max_observations: int = MAX_OBSERVATIONS,
                 reporter: Reporter | None = None) -> tuple[list[Series], list[Issue]]:
    """Read every Datastream of every Thing of a SensorThings service with its Observations in [start, end].

    Entities that are not JSON objects or lack an id are skipped and reported as issues;
    more than ``max_observations`` observations in all raise StaError.

    Args:
        client: the service (its base URL, timeouts, credentials and page limits).
        target_crs: the CRS to place the Things (their first Location) in.
        start: the earliest phenomenonTime asked for (None: no limit).
        end: the latest.
        page_size: the Observations asked for per page (``$top``); the server may send fewer.
        max_observations: the most observations in all.
        reporter: receives progress and is asked for cancellation.

    Returns:
        (a series per Datastream, the issues).

    Raises:
        StaError: the service fails (HTTP errors after the retries, a link to another host, a paging loop), or
            more than ``max_observations`` observations.
        InputError: an answer that is not SensorThings JSON.

    Example:
        >>> import json
        >>> from datetime import UTC, datetime
        >>> from pyproj import Transformer
        >>> from geotwin.twin.examples import shared_data, sta_replay
        >>> from geotwin.twin.kernel.http import StaClient
        >>> document = shared_data("sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json")
        >>> noon, one = datetime(2017, 11, 15, 12, tzinfo=UTC), datetime(2017, 11, 15, 13, tzinfo=UTC)
        >>> with sta_replay(document) as url:   # the station-day served on 127.0.0.1
        ...     client = StaClient(url, timeout=10, retries=0)
        ...     series, issues = fetch_series(client, "EPSG:32630", start=noon, end=one, page_size=10)
        >>> [(s.datastream_id, s.datastream_name, s.unit_symbol, len(s.values)) for s in series]
        [('1', 'PM10 #5331', 'µg/m³', 24), ('2', 'PM2.5 #5331', 'µg/m³', 24), ('3', 'Temperature #5332', '°C', 24),
         ('4', 'Humidity #5332', '%', 24)]
        >>> series[0].times[0].isoformat(), series[0].values[:3], issues, client.pages_read   # 3 pages a Datastream
        ('2017-11-15T12:01:47+00:00', [5.07, 10.77, 5.2], [], 13)
        >>> raw = json.loads(document.read_text(encoding="utf-8"))   # the same, counted in the document
        >>> [sum(noon <= datetime.fromisoformat(o["phenomenonTime"]) <= one for o in ds["Observations"])
        ...  for ds in raw["Datastreams"]]
        [24, 24, 24, 24]
        >>> utm = Transformer.from_crs("OGC:CRS84", "EPSG:32630", always_xy=True).transform(-2.077, 57.138)
        >>> (round(series[0].x), round(series[0].y)) == tuple(round(v) for v in utm)
        True
    """
    reporter = reporter or Reporter()
    source = client.base_url
    locator = Locator("OGC:CRS84", target_crs)
    issues: list[Issue] = []
    things = _fetch_things(client, source, issues)
    reporter.info(f"{len(things)} Things at {source}")
    filters = []
    if start is not None:
        filters.append(f"phenomenonTime ge {_iso(start)}")
    if end is not None:
        filters.append(f"phenomenonTime le {_iso(end)}")
    all_series: list[Series] = []
    datastreams = _fetch_datastreams(client, things, source, issues)
    total = 0
    for n, (thing, thing_id, ds, ds_id) in enumerate(datastreams):
        reporter.check()
        reporter.progress(100.0 * n / max(1, len(datastreams)))
        series = _series(source, thing, thing_id, ds, ds_id, {"observationType": _text(ds.get("observationType"))})
        locations = [loc for loc in client.rest_of(thing, "Locations") if isinstance(loc, dict)]
        xy, notes = _locate(locator, _point(locations[0].get("location")) if locations else None, source,
                            thing_id, issues)
        if xy:
            series.x, series.y = xy
        if notes:
            series.position_note = notes[-1]
        params = {"$select": "id,phenomenonTime,result", "$orderby": "phenomenonTime asc", "$top": str(page_size)}
        if filters:
            params["$filter"] = " and ".join(filters)
        total = _fetch_observations(client, series, ds, ds_id, params, source, issues, total, max_observations,
                                    reporter)
        all_series.append(series)
    return all_series, issues


def _fetch_things(client: StaClient, source: str, issues: list[Issue]) -> list[JsonObject]:
    """The Things with their Locations and Datastreams expanded; a non-object is skipped and reported."""
    things: list[JsonObject] = []
    for index, thing in enumerate(client.collect("Things", {"$expand": THINGS_EXPAND, "$count": "true"}), 1):
        if isinstance(thing, dict):
            things.append(thing)
        else:
            issues.append(Issue(source, None, f"Thing {index}", "not a JSON object: skipped"))
    return things


_Datastream = tuple[JsonObject, "EntityId | None", JsonObject, EntityId]   # thing, its id, datastream, its id


def _fetch_datastreams(client: StaClient, things: list[JsonObject], source: str,
                       issues: list[Issue]) -> list[_Datastream]:
    """Every Thing's Datastreams (with the pages behind their next links); broken ones skipped and reported."""
    datastreams: list[_Datastream] = []
    for thing in things:
        thing_id = _ident(thing.get("@iot.id"))
        for index, ds in enumerate(client.rest_of(thing, "Datastreams"), 1):
            if not isinstance(ds, dict):
                issues.append(Issue(source, None, f"Datastream {index} of Thing {thing_id}",
                                    "not a JSON object: skipped"))
            elif (ds_id := _ident(ds.get("@iot.id"))) is None:
                issues.append(Issue(source, None, f"Datastream {index} of Thing {thing_id}",
                                    f"no usable @iot.id ({_text(ds.get('@iot.id'))[:40]!r}): skipped"))
            else:
                datastreams.append((thing, thing_id, ds, ds_id))
    return datastreams


def _fetch_observations(client: StaClient, series: Series, ds: JsonObject, ds_id: EntityId, params: dict[str, str],
                        source: str, issues: list[Issue], total: int, max_observations: int,
                        reporter: Reporter) -> int:
    """Page through the Datastream's Observations into ``series``; returns the running total of observations."""
    link = ds.get("Observations@iot.navigationLink")
    if not isinstance(link, str) or not link:
        link = entity_url("Datastreams", ds_id) + "/Observations"
    bad = 0
    for page in client.pages(link, params, source=_text(ds.get("@iot.selfLink")) or source,
                             what="Observations@iot.navigationLink"):
        reporter.check()
        added, page_bad = _add_observations(series, page.items, source, ds_id, issues, first=len(series.times) + 1)
        bad += page_bad
        total += added
        if total > max_observations:
            raise _too_many(max_observations, source)
    _report_series(series, source, ds_id, bad, issues)
    return total


def _things(doc: object) -> list[object]:
    things = doc.get("value") if isinstance(doc, dict) and "value" in doc else doc
    return things if isinstance(things, list) else [things]


def is_sta_document(doc: object) -> bool:
    """Tell whether parsed JSON is a SensorThings document: a Thing deep-insert document, a list of them, or a
    Things answer with expanded Datastreams.

    Args:
        doc: the parsed JSON.

    Returns:
        True for a SensorThings document.

    Example:
        >>> thing = {"@iot.id": 1, "name": "Schulhof", "Locations": [{"location": {"type": "Point",
        ...          "coordinates": [8.4034, 49.0094]}}], "Datastreams": [{"@iot.id": 7, "name": "Temperatur",
        ...          "unitOfMeasurement": {"symbol": "°C"}, "ObservedProperty": {"name": "air temperature"},
        ...          "Observations": [{"phenomenonTime": "2026-07-01T08:00:00Z", "result": 18.5},
        ...                           {"phenomenonTime": "gestern", "result": 19.0}]}]}
        >>> is_sta_document(thing), is_sta_document({"value": [thing]}), is_sta_document({"type": "FeatureCollection"})
        (True, True, False)
    """
    things = _things(doc)
    return bool(things) and all(isinstance(t, dict) and "Datastreams" in t for t in things)


def load_document(path: str | Path, max_mb: float = MAX_DOCUMENT_MB) -> object:
    """Read a local JSON document, refusing files over ``max_mb`` MB.

    Args:
        path: the file.
        max_mb: the largest file accepted.

    Returns:
        The parsed JSON.

    Raises:
        InputError: the file is too large, unreadable, not JSON, or nested too deeply.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "things.json"
        ...     _ = path.write_text('{"value": []}')
        ...     load_document(path)
        {'value': []}
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_mb * 1024 * 1024:
            raise InputError(f"the file has {size / 1024 / 1024:.0f} MB, more than the limit of {max_mb:g} MB",
                             path=str(path))
        doc: object = json.loads(path.read_bytes())
        return doc
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InputError(f"cannot read the SensorThings document: {err}", path=str(path)) from None
    except RecursionError:
        raise InputError("cannot read the SensorThings document: JSON nested too deeply", path=str(path)) from None


def read_sta_document(path: str | Path, target_crs: str, *, start: datetime | None = None, end: datetime | None = None,
                      max_observations: int = MAX_OBSERVATIONS, max_mb: float = MAX_DOCUMENT_MB,
                      reporter: Reporter | None = None) -> tuple[list[Series], list[Issue]]:
    """Read the series of a local SensorThings document (deep insert or an expanded Things answer).

    Entities that are not JSON objects, and observations without a time, are skipped and reported as issues.

    Args:
        path: the document.
        target_crs: the CRS to place the Things in.
        start: the earliest observation time kept.
        end: the latest.
        max_observations: the most observations in all.
        max_mb: the largest file accepted.
        reporter: is asked for cancellation.

    Returns:
        (a series per Datastream, the issues).

    Raises:
        InputError: not a SensorThings document, or too large.
        StaError: more than ``max_observations`` observations.

    Example:
        >>> import json, tempfile
        >>> from pathlib import Path
        >>> thing = {"@iot.id": 1, "name": "Schulhof", "Locations": [{"location": {"type": "Point",
        ...          "coordinates": [8.4034, 49.0094]}}], "Datastreams": [{"@iot.id": 7, "name": "Temperatur",
        ...          "unitOfMeasurement": {"symbol": "°C"}, "ObservedProperty": {"name": "air temperature"},
        ...          "Observations": [{"phenomenonTime": "2026-07-01T08:00:00Z", "result": 18.5},
        ...                           {"phenomenonTime": "gestern", "result": 19.0}]}]}
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = (Path(tmp) / "things.json").write_text(json.dumps([thing]))
        ...     series, issues = read_sta_document(Path(tmp) / "things.json", "EPSG:25832")
        >>> [(s.key, s.values, round(s.x), round(s.y)) for s in series]
        [('things.json#1#7', [18.5], 456371, 5428672)]
        >>> [i.issue for i in issues]
        ["phenomenonTime 'gestern' is not a time: skipped"]
    """
    reporter = reporter or Reporter()
    path = Path(path)
    doc = load_document(path, max_mb)
    if not is_sta_document(doc):
        raise InputError("not a SensorThings document (Things with Datastreams)", path=str(path))
    locator = Locator("OGC:CRS84", target_crs)
    issues: list[Issue] = []
    out: list[Series] = []
    total = 0
    things = [t for t in _things(doc) if isinstance(t, dict)]   # all of them: is_sta_document checked
    for t_index, thing in enumerate(things, start=1):
        reporter.check()
        thing_id = (_ident(thing.get("@iot.id")) or _ident(_obj(thing.get("properties")).get("deviceId"))
                    or f"Thing {t_index}")
        lonlat = None
        for loc in _items(thing.get("Locations")):
            lonlat = _point(_obj(loc).get("location"))
            if lonlat:
                break
        xy, _ = _locate(locator, lonlat, path.name, thing_id, issues)
        for d_index, ds in enumerate(_items(thing.get("Datastreams")), start=1):
            if not isinstance(ds, dict):
                issues.append(Issue(path.name, None, f"Datastream {d_index} of Thing {thing_id}",
                                    "not a JSON object: skipped"))
                continue
            ds_id = _ident(ds.get("@iot.id"))
            ds_id = d_index if ds_id is None else ds_id
            s = _series(path.name, thing, thing_id, ds, ds_id, {})
            s.attributes.pop("datastream_properties", None)
            if xy:
                s.x, s.y = xy
            added, bad = _add_observations(s, _items(ds.get("Observations")), path.name, ds_id, issues,
                                           start=start, end=end)
            total += added
            if total > max_observations:
                raise _too_many(max_observations, path.name)
            _report_series(s, path.name, ds_id, bad, issues)
            out.append(s)
    return out, issues
