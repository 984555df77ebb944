"""Write sensors and observations into the twin and link each sensor to a building or area."""
from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Required, TypedDict

from ..kernel.gpkg import SqliteError, connect_ro, gpkg_output
from ..kernel.layers import LayerRef, PolygonLookup, polygons_2d, read_frame
from ..kernel.progress import Reporter
from ..kernel.schema.sensors import LORAWAN_UPLINKS, OBSERVATIONS, SENSOR_ISSUES, SENSORS
from .linkrules import ground_property, names_facade
from .series import Issue, Series

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shapely.geometry.base import BaseGeometry



class Link(TypedDict, total=False):
    """How a sensor is linked to the twin (the ``link_*`` columns of ``sensors``)."""

    link_type: Required[str]   # building, area, facade or none
    link_id: str
    link_name: str | None
    link_distance: float
    link_reason: str


def _utc_text(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


@dataclass
class SensorSummary:
    sensors: int = 0
    observations: int = 0
    issues: list[Issue] = field(default_factory=list)
    links: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # sensor_key -> (type, id)


class _Polygons(PolygonLookup):
    def __init__(self, ref: LayerRef, crs: str, kind: str, reporter: Reporter | None = None) -> None:
        import shapely

        reporter = reporter or Reporter()
        frame = read_frame(ref)
        if frame.crs is not None:
            frame = frame.to_crs(crs)
        id_col = next((c for c in ("building_id", "id", "area_id", "fid", "name") if c in frame.columns), None)
        name_col = next((c for c in ("name", "bezeichnung", "label") if c in frame.columns), None)
        self.ids, self.names, self.geoms = [], [], []
        for i, (rec, geom) in enumerate(zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry)):
            if i % 200 == 0:
                reporter.check()
            poly = polygons_2d(geom)
            if poly is None:
                continue
            self.ids.append(str(rec[id_col]) if id_col else f"{kind} {i + 1}")
            self.names.append(str(rec[name_col]) if name_col and rec.get(name_col) is not None else None)
            self.geoms.append(poly)
        self.tree = shapely.STRtree(self.geoms)


def link_sensor(point: BaseGeometry | None, buildings: _Polygons | None, areas: _Polygons | None,
                tolerance: float, sensor: Mapping[str, Any] | None = None) -> Link:
    """Link a sensor to the twin: inside a building, else inside an area (park, square), else the nearest façade
    within the tolerance.

    A ground sensor (soil, parking space, groundwater: ``linkrules.ground_property``) outside every building
    and area goes to the nearest façade only when it is named for one (``linkrules.names_facade``); otherwise
    to the nearest area within the tolerance, else to none, its ``link_reason`` naming the façade it was not
    linked to.

    Args:
        point: the sensor's position (target CRS), None when it has none.
        buildings: the building footprints.
        areas: the areas.
        tolerance: metres within which the nearest façade (or, for a ground sensor, area) is taken.
        sensor: the sensor's ``sensor_name``, ``datastream_name``, ``observed_property`` and ``attributes``
            (None: not a ground sensor).

    Returns:
        The Link: ``link_type`` (building, area, facade, none), ``link_id``, ``link_name``, ``link_distance`` or
        ``link_reason``.

    Example:
        >>> import tempfile
        >>> import geopandas as gpd
        >>> from pathlib import Path
        >>> from shapely.geometry import Point, box
        >>> tmp = tempfile.TemporaryDirectory()
        >>> layers = str(Path(tmp.name) / "layers.gpkg")
        >>> gpd.GeoDataFrame({"id": ["B1"], "name": ["Schule"]}, geometry=[box(0, 0, 20, 10)],
        ...                  crs="EPSG:25832").to_file(layers, layer="buildings")
        >>> gpd.GeoDataFrame({"id": ["P1"], "name": ["Schlossgarten"]}, geometry=[box(0, 50, 100, 150)],
        ...                  crs="EPSG:25832").to_file(layers, layer="areas")
        >>> buildings = _Polygons(LayerRef(layers, "buildings"), "EPSG:25832", "building")
        >>> areas = _Polygons(LayerRef(layers, "areas"), "EPSG:25832", "area")
        >>> [link_sensor(p, buildings, areas, 15.0)["link_type"] for p in (Point(5, 5), Point(50, 100), None)]
        ['building', 'area', 'none']
        >>> link_sensor(Point(30, 5), buildings, None, 15.0)   # 10 m east of the school
        {'link_type': 'facade', 'link_id': 'B1', 'link_name': 'Schule', 'link_distance': 10.0}
        >>> parking = {"sensor_name": "Stellplatz 4", "observed_property": "Parking space occupancy"}
        >>> link_sensor(Point(30, 45), buildings, areas, 15.0, parking)   # 5 m from the park, 35 m from the school
        {'link_type': 'area', 'link_id': 'P1', 'link_name': 'Schlossgarten', 'link_distance': 5.0, \
'link_reason': 'ground sensor (Parking space occupancy): no façade within 15 m; nearest area within 15 m'}
        >>> link_sensor(Point(30, 5), buildings, None, 15.0, parking)["link_reason"]
        'ground sensor (Parking space occupancy): nearest façade B1 at 10.0 m, not named for it; no areas layer given'
        >>> link_sensor(Point(30, 5), buildings, None, 15.0, {**parking, "sensor_name": "Stellplatz Fassade"})
        {'link_type': 'facade', 'link_id': 'B1', 'link_name': 'Schule', 'link_distance': 10.0, \
'link_reason': 'ground sensor (Parking space occupancy) named for a façade'}
        >>> tmp.cleanup()
    """
    if point is None:
        return {"link_type": "none", "link_reason": "no position"}
    if buildings is not None:
        i = buildings.containing(point)
        if i is not None:
            return {"link_type": "building", "link_id": buildings.ids[i], "link_name": buildings.names[i],
                    "link_distance": 0.0}
    if areas is not None:
        i = areas.containing(point)
        if i is not None:
            out: Link = {"link_type": "area", "link_id": areas.ids[i], "link_name": areas.names[i],
                         "link_distance": 0.0}
            near = buildings.nearest(point, tolerance) if buildings is not None else None
            if buildings is not None and near is not None:
                out["link_reason"] = f"nearest façade: {buildings.ids[near[0]]} at {near[1]:.1f} m"
            return out
    near = buildings.nearest(point, tolerance) if buildings is not None else None
    ground = ground_property(sensor) if sensor is not None else None
    if ground is not None and sensor is not None and not names_facade(sensor):
        facade = (buildings.ids[near[0]], near[1]) if buildings is not None and near is not None else None
        return _ground_link(point, ground, facade, areas, tolerance)
    if buildings is not None and near is not None:
        i, dist = near
        link: Link = {"link_type": "facade", "link_id": buildings.ids[i], "link_name": buildings.names[i],
                      "link_distance": round(dist, 3)}
        if ground is not None:
            link["link_reason"] = f"ground sensor ({ground}) named for a façade"
        return link
    layers = " or ".join(n for n, v in (("building", buildings), ("area", areas)) if v is not None)
    reason = (f"no {layers} contains the point and no façade lies within {tolerance:g} m" if layers
              else "no buildings or areas layer given")
    return {"link_type": "none", "link_reason": reason}


def _ground_link(point: BaseGeometry, ground: str, facade: tuple[str, float] | None, areas: _Polygons | None,
                 tolerance: float) -> Link:
    """A ground sensor outside every building and area, not named for a façade: the nearest area within the
    tolerance, else none; the reason names the nearest façade (id, distance) it was not linked to."""
    why = f"ground sensor ({ground}): " + (f"nearest façade {facade[0]} at {facade[1]:.1f} m, not named for it"
                                           if facade is not None else f"no façade within {tolerance:g} m")
    near = areas.nearest(point, tolerance) if areas is not None else None
    if areas is not None and near is not None:
        i, dist = near
        return {"link_type": "area", "link_id": areas.ids[i], "link_name": areas.names[i],
                "link_distance": round(dist, 3), "link_reason": f"{why}; nearest area within {tolerance:g} m"}
    rest = f"no area within {tolerance:g} m" if areas is not None else "no areas layer given"
    return {"link_type": "none", "link_reason": f"{why}; {rest}"}


@dataclass
class LinkLayers:
    """The layers sensors are linked to: the sensor import's BUILDINGS, AREAS and TOLERANCE."""

    buildings: LayerRef | None = None   # building footprints
    areas: LayerRef | None = None       # parks, squares
    tolerance: float = 15.0             # m: the nearest façade (for a ground sensor: area) within it


class SensorLinker:
    """Links sensors as the sensor import does (``link_sensor``), its layers read once into the target CRS.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from shapely.geometry import Point
        >>> tmp = tempfile.TemporaryDirectory()
        >>> layers = _example_layers(Path(tmp.name))   # link_sensor's example: the school B1, the park P1
        >>> linker = SensorLinker(LinkLayers(LayerRef(layers, "buildings"), LayerRef(layers, "areas")), "EPSG:25832")
        >>> linker.link(Point(50, 100), {"sensor_name": "Noise", "observed_property": "Noise level"})
        {'link_type': 'area', 'link_id': 'P1', 'link_name': 'Schlossgarten', 'link_distance': 0.0}
        >>> tmp.cleanup()
    """

    def __init__(self, layers: LinkLayers, crs: str, reporter: Reporter | None = None) -> None:
        self.tolerance = layers.tolerance
        self.buildings = _Polygons(layers.buildings, crs, "building", reporter) if layers.buildings else None
        self.areas = _Polygons(layers.areas, crs, "area", reporter) if layers.areas else None

    def link(self, point: BaseGeometry | None, sensor: Mapping[str, Any]) -> Link:
        """The sensor's Link (``link_sensor`` with these layers and tolerance).

        Args:
            point: the sensor's position in the target CRS (None: it has none).
            sensor: its ``sensor_name``, ``datastream_name``, ``observed_property`` and ``attributes``.

        Returns:
            The Link.
        """
        return link_sensor(point, self.buildings, self.areas, self.tolerance, sensor)


def _example_layers(folder: Path) -> str:
    """The GeoPackage of link_sensor's example, written into ``folder``: the building B1 (Schule, 20 m x 10 m at
    the origin) and the area P1 (Schlossgarten, 100 m x 100 m from y = 50)."""
    import geopandas as gpd
    from shapely.geometry import box

    layers = str(folder / "layers.gpkg")
    gpd.GeoDataFrame({"id": ["B1"], "name": ["Schule"]}, geometry=[box(0, 0, 20, 10)],
                     crs="EPSG:25832").to_file(layers, layer="buildings")
    gpd.GeoDataFrame({"id": ["P1"], "name": ["Schlossgarten"]}, geometry=[box(0, 50, 100, 150)],
                     crs="EPSG:25832").to_file(layers, layer="areas")
    return layers


def listener_values(path: str | Path) -> tuple[int, int]:
    """Count what a LoRaWAN listener stored in a GeoPackage (its ``lorawan_uplinks``): what a new import written
    over the file would drop.

    Args:
        path: a sensors or twin GeoPackage (a missing file, or one without ``lorawan_uplinks``, holds none).

    Returns:
        (uplinks that stored values, values stored).

    Example:
        >>> import sqlite3, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "sensors.gpkg"
        ...     before = listener_values(path)
        ...     with sqlite3.connect(path) as db:
        ...         _ = db.execute("CREATE TABLE lorawan_uplinks (dev_eui TEXT, f_cnt INTEGER, values_stored INTEGER)")
        ...         _ = db.executemany("INSERT INTO lorawan_uplinks VALUES (?, ?, ?)",
        ...                            [("70b3d57ed005a1b2", 7, 2), ("70b3d57ed005a1b2", 8, 0)])
        ...     after = listener_values(path)
        ...     db.close()
        ...     _ = (Path(tmp) / "notes.gpkg").write_bytes(b"no SQLite file")
        ...     broken = listener_values(Path(tmp) / "notes.gpkg")
        >>> before, after, broken
        ((0, 0), (1, 2), (0, 0))
    """
    path = Path(path)
    if not path.is_file():
        return 0, 0
    try:
        with closing(connect_ro(path)) as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (LORAWAN_UPLINKS.name,)).fetchone():
                return 0, 0
            row = db.execute("SELECT count(*), coalesce(sum(values_stored), 0) FROM lorawan_uplinks "
                             "WHERE values_stored > 0").fetchone()
    except SqliteError:
        return 0, 0
    return int(row[0]), int(row[1])


def write_sensors(series: list[Series], issues: list[Issue], output: str, crs: str, *,
                  buildings: LayerRef | None = None, areas: LayerRef | None = None, tolerance: float = 15.0,
                  window: tuple[datetime | None, datetime | None] = (None, None),
                  reporter: Reporter | None = None) -> SensorSummary:
    """Write sensor series into a GeoPackage: ``sensors`` (a row per series with its statistics and its link to
    the twin), ``observations`` and ``sensor_issues``.

    Args:
        series: the series (``read_exports``, ``read_sta_document``, ``fetch_series``).
        issues: the problems found while reading them.
        output: the GeoPackage to write.
        crs: the CRS of the series' positions.
        buildings: the building footprints to link to.
        areas: the areas to link to.
        tolerance: metres within which the nearest façade is taken.
        window: the time window the series were read for (written with each sensor).
        reporter: receives progress and warnings.

    Returns:
        The SensorSummary: sensors, observations, issues, links.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> tmp = tempfile.TemporaryDirectory()
        >>> layers = _example_layers(Path(tmp.name))   # link_sensor's example: the school B1, the park P1
        >>> from datetime import UTC, datetime
        >>> from .series import Series
        >>> s = Series(source="export", sensor_id="T1", sensor_name="T1", datastream_id="temperature",
        ...            datastream_name="Temperature T1", observed_property="Temperature", unit_symbol="°C",
        ...            x=30.0, y=5.0)
        >>> _ = s.add(datetime(2026, 7, 1, 8, tzinfo=UTC), 18.5)
        >>> summary = write_sensors([s], [], str(Path(tmp.name) / "sensors.gpkg"), "EPSG:25832",
        ...                         buildings=LayerRef(layers, "buildings"))
        >>> summary.sensors, summary.observations, summary.links
        (1, 1, {'export#T1#temperature': ('facade', 'B1')})
        >>> tmp.cleanup()
    """
    import shapely

    reporter = reporter or Reporter()
    linker = SensorLinker(LinkLayers(buildings, areas, tolerance), crs, reporter)
    summary = SensorSummary(issues=list(issues))
    for issue in issues[:50]:
        reporter.warning(f"{issue.source}{', line ' + str(issue.line) if issue.line else ''}, {issue.obj}: "
                         f"{issue.issue}")
    if len(issues) > 50:
        reporter.warning(f"{len(issues) - 50} more issues: see the sensor_issues table")
    start, end = window
    uplinks, values = listener_values(output)
    if values:
        reporter.warning(f"{output} holds {values} values of {uplinks} LoRaWAN uplinks a listener stored "
                         "(geotwin:listensensors); this import replaces the file without them, and the network "
                         "server does not send them again: to keep them, choose another OUTPUT (a listener that "
                         "writes into the twin keeps its values across builds)")
    with gpkg_output(output, crs) as out:
        for spec in (SENSORS, OBSERVATIONS, SENSOR_ISSUES):
            out.ensure_layer(spec)
        for n, s in enumerate(series):
            reporter.check()
            reporter.progress(100.0 * n / max(1, len(series)))
            point = shapely.Point(s.x, s.y) if s.x is not None else None
            link = linker.link(point, {
                "sensor_name": s.sensor_name, "datastream_name": s.datastream_name,
                "observed_property": s.observed_property, "attributes": s.attributes})
            stats = s.stats()
            row = {
                "sensor_key": s.key, "sensor_id": s.sensor_id, "sensor_name": s.sensor_name,
                "datastream_id": s.datastream_id, "datastream_name": s.datastream_name,
                "observed_property": s.observed_property, "unit_name": s.unit_name, "unit_symbol": s.unit_symbol,
                "unit_definition": s.unit_definition, "unit_known": s.unit_known, **stats,
                "window_start": _utc_text(start) if start else stats["window_start"],
                "window_end": _utc_text(end) if end else stats["window_end"],
                "self_link": s.self_link, "source": s.source, **link,
                "attributes": json.dumps(s.attributes, ensure_ascii=False, default=str) if s.attributes else None,
            }
            out.add(SENSORS, row, point)
            summary.links[s.key] = (link["link_type"], link.get("link_id"))
            for when, value, text, oid in zip(s.times, s.values, s.texts, s.obs_ids):
                out.add(OBSERVATIONS, {"sensor_key": s.key, "datastream_id": s.datastream_id, "observation_id": oid,
                                       "phenomenon_time": when.isoformat().replace("+00:00", "Z"),
                                       "result": value, "result_text": text})
            summary.sensors += 1
            summary.observations += len(s.times)
        for issue in issues:
            out.add(SENSOR_ISSUES, {"source": issue.source, "line": issue.line, "object": issue.obj,
                                    "issue": issue.issue})
    reporter.progress(100.0)
    reporter.info(f"{summary.sensors} sensor datastreams, {summary.observations} observations, "
                  f"{len(issues)} issues")
    return summary
