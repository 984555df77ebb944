"""Read Things, Locations, Datastreams and Observations from a SensorThings service."""
from __future__ import annotations

from datetime import datetime

from ..errors import InputError
from ..progress import Reporter
from ..islands.sources import PointRow, _Locator
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
    locator = _Locator("OGC:CRS84", target_crs)
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
