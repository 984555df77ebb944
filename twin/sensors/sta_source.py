"""Read Things, Locations, Datastreams and Observations from a SensorThings service or a local
SensorThings document (a deep-insert Thing, a list of them, or an expanded Things answer)."""
from __future__ import annotations

from datetime import datetime

from ..errors import InputError
from ..islands.sources import Locator, PointRow
from ..progress import Reporter
from .series import Issue, Series, parse_time
from .sta_client import StaClient, entity_url

THINGS_EXPAND = "Locations,Datastreams($expand=ObservedProperty,Sensor)"


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _point(location) -> tuple[float, float] | None:
    """lon/lat of a GeoJSON Point/Feature, or the centroid of another geometry."""
    import shapely.geometry

    if not isinstance(location, dict):
        return None
    geom = location.get("geometry") if location.get("type") == "Feature" else location
    try:
        shape = shapely.geometry.shape(geom)
    except Exception:  # shapely raises several types on bad GeoJSON
        return None
    if shape.is_empty:
        return None
    c = shape if shape.geom_type == "Point" else shape.centroid
    return c.x, c.y


def fetch_series(client: StaClient, target_crs: str, *, start: datetime | None = None,
                 end: datetime | None = None, page_size: int = 1000,
                 reporter: Reporter | None = None) -> tuple[list[Series], list[Issue]]:
    """Every Datastream of every Thing with its Observations in [start, end]."""
    reporter = reporter or Reporter()
    source = client.base_url
    locator = Locator("OGC:CRS84", target_crs)
    issues: list[Issue] = []
    things = client.collect("Things", {"$expand": THINGS_EXPAND, "$count": "true"})
    reporter.info(f"{len(things)} Things at {source}")
    filters = []
    if start is not None:
        filters.append(f"phenomenonTime ge {_iso(start)}")
    if end is not None:
        filters.append(f"phenomenonTime le {_iso(end)}")
    all_series: list[Series] = []
    datastreams = [(thing, ds) for thing in things for ds in client.rest_of(thing, "Datastreams")]
    for n, (thing, ds) in enumerate(datastreams):
        reporter.check()
        reporter.progress(100.0 * n / max(1, len(datastreams)))
        thing_id, ds_id = thing.get("@iot.id"), ds.get("@iot.id")
        if ds_id is None:
            raise InputError(f"a Datastream of Thing {thing_id} has no @iot.id", path=source)
        unit = ds.get("unitOfMeasurement") or {}
        prop = ds.get("ObservedProperty") or {}
        series = Series(source=source, sensor_id=str(thing_id), sensor_name=str(thing.get("name", "")),
                        datastream_id=str(ds_id), datastream_name=str(ds.get("name", "")),
                        observed_property=str(prop.get("name", "")), unit_name=str(unit.get("name") or ""),
                        unit_symbol=str(unit.get("symbol") or ""), unit_definition=str(unit.get("definition") or ""),
                        self_link=ds.get("@iot.selfLink"),
                        attributes={k: v for k, v in {"thing_properties": thing.get("properties"),
                                                      "datastream_properties": ds.get("properties"),
                                                      "sensor": (ds.get("Sensor") or {}).get("name"),
                                                      "observationType": ds.get("observationType")}.items() if v})
        locations = client.rest_of(thing, "Locations")
        lonlat = _point(locations[0].get("location")) if locations else None
        if lonlat is None:
            issues.append(Issue(source, None, f"Thing {thing_id}", "no usable Location: imported without position"))
        else:
            row = PointRow(0, {})
            locator.locate(lonlat[0], lonlat[1], row, "longitude/latitude")
            if row.problem:
                issues.append(Issue(source, None, f"Thing {thing_id}", row.problem))
            else:
                series.x, series.y = row.x, row.y
            for note in row.notes:
                issues.append(Issue(source, None, f"Thing {thing_id}", note))
                series.position_note = note
        params = {"$select": "id,phenomenonTime,result", "$orderby": "phenomenonTime asc", "$top": str(page_size)}
        if filters:
            params["$filter"] = " and ".join(filters)
        link = ds.get("Observations@iot.navigationLink") or entity_url("Datastreams", ds_id) + "/Observations"
        bad = 0
        for page in client.pages(link, params):
            reporter.check()
            for obs in page.items:
                when = obs.get("phenomenonTime")
                try:
                    stamp = parse_time(when)
                except (TypeError, ValueError):
                    issues.append(Issue(source, None, f"Observation {obs.get('@iot.id')} of Datastream {ds_id}",
                                        f"phenomenonTime {when!r} is not a time: skipped"))
                    continue
                if not series.add(stamp, obs.get("result"), str(obs.get("@iot.id"))):
                    bad += 1
        if bad:
            issues.append(Issue(source, None, f"Datastream {ds_id} ({series.datastream_name})",
                                f"{bad} non-numeric results kept as text, left out of the statistics"))
        if not series.unit_known:
            issues.append(Issue(source, None, f"Datastream {ds_id} ({series.datastream_name})",
                                f"unknown unit {series.unit_symbol or series.unit_name or '(none)'!r}: kept as given"))
        all_series.append(series)
    return all_series, issues


def is_sta_document(doc) -> bool:
    """A Thing deep-insert document, a list of them, or a Things response with expanded Datastreams."""
    things = doc.get("value") if isinstance(doc, dict) and "value" in doc else doc
    things = things if isinstance(things, list) else [things]
    return bool(things) and all(isinstance(t, dict) and "Datastreams" in t for t in things)


def read_sta_document(path, target_crs: str, *, start: datetime | None = None, end: datetime | None = None,
                      reporter: Reporter | None = None) -> tuple[list[Series], list[Issue]]:
    """Series from a local SensorThings document (deep insert or an expanded Things answer)."""
    import json
    from pathlib import Path

    reporter = reporter or Reporter()
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"cannot read the SensorThings document: {err}", path=str(path)) from None
    if not is_sta_document(doc):
        raise InputError("not a SensorThings document (Things with Datastreams)", path=str(path))
    things = doc.get("value") if isinstance(doc, dict) and "value" in doc else doc
    things = things if isinstance(things, list) else [things]
    locator = Locator("OGC:CRS84", target_crs)
    issues: list[Issue] = []
    out: list[Series] = []
    for t_index, thing in enumerate(things, start=1):
        reporter.check()
        thing_id = thing.get("@iot.id") or (thing.get("properties") or {}).get("deviceId") or f"Thing {t_index}"
        lonlat = None
        for loc in thing.get("Locations") or []:
            lonlat = _point(loc.get("location"))
            if lonlat:
                break
        xy, notes = None, []
        if lonlat is None:
            issues.append(Issue(path.name, None, f"Thing {thing_id}", "no usable Location: imported without position"))
        else:
            row = PointRow(0, {})
            locator.locate(lonlat[0], lonlat[1], row, "longitude/latitude")
            if row.problem:
                issues.append(Issue(path.name, None, f"Thing {thing_id}", row.problem))
            else:
                xy = (row.x, row.y)
            notes = row.notes
            for note in notes:
                issues.append(Issue(path.name, None, f"Thing {thing_id}", note))
        for d_index, ds in enumerate(thing.get("Datastreams") or [], start=1):
            ds_id = ds.get("@iot.id", d_index)
            unit = ds.get("unitOfMeasurement") or {}
            prop = ds.get("ObservedProperty") or {}
            s = Series(source=path.name, sensor_id=str(thing_id), sensor_name=str(thing.get("name", "")),
                       datastream_id=str(ds_id), datastream_name=str(ds.get("name", "")),
                       observed_property=str(prop.get("name", "")), unit_name=str(unit.get("name") or ""),
                       unit_symbol=str(unit.get("symbol") or ""), unit_definition=str(unit.get("definition") or ""),
                       self_link=ds.get("@iot.selfLink"),
                       attributes={k: v for k, v in {"thing_properties": thing.get("properties"),
                                                     "sensor": (ds.get("Sensor") or {}).get("name")}.items() if v})
            if xy:
                s.x, s.y = xy
            bad = 0
            for o_index, obs in enumerate(ds.get("Observations") or [], start=1):
                try:
                    stamp = parse_time(obs.get("phenomenonTime"))
                except (TypeError, ValueError):
                    issues.append(Issue(path.name, None, f"Observation {o_index} of Datastream {ds_id}",
                                        f"phenomenonTime {obs.get('phenomenonTime')!r} is not a time: skipped"))
                    continue
                if (start and stamp < start) or (end and stamp > end):
                    continue
                if not s.add(stamp, obs.get("result"), str(obs.get("@iot.id", o_index))):
                    bad += 1
            if bad:
                issues.append(Issue(path.name, None, f"Datastream {ds_id} ({s.datastream_name})",
                                    f"{bad} non-numeric results kept as text, left out of the statistics"))
            if not s.unit_known:
                issues.append(Issue(path.name, None, f"Datastream {ds_id} ({s.datastream_name})",
                                    f"unknown unit {s.unit_symbol or s.unit_name or '(none)'!r}: kept as given"))
            out.append(s)
    return out, issues
