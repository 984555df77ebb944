"""BIM ↔ city-model conflation: match each BIM building to its city-model building by footprint.

A BIM building whose ground outline overlaps a city-model building with an IoU of at least
``iou_threshold`` and whose ground and roof heights agree within ``height_tolerance`` is
*matched*: it becomes the detailed representation of that building (which keeps its id,
address and attributes). Anything doubtful is a *mismatch*, reported and never merged:

- an overlap with IoU below the threshold;
- a good overlap but a ground or roof height offset beyond the tolerance (a BIM building whose
  lowest element lies deeper than the city model's ground still matches when one of its storeys
  is at that ground: a basement);
- no overlap, but a city-model building within ``search_distance`` has the same outline shape
  (IoU ≥ threshold once the outlines' centroids coincide): the model is probably misplaced.

A BIM building with no overlap and no look-alike nearby is *added* as a new building.

Sensors (``link_facade_sensors``): a sensor not inside a building but within ``facade_tolerance`` of a
building's footprint, or whose name or description names a façade and that lies within
``facade_search`` of a footprint, is linked to that building's façade, before any area (a square, a
park) that contains it. A ground sensor (soil, parking space, groundwater: by its observed property,
see ``sensors.linkrules``) is never moved by proximity: it stays on its area unless it is named for a façade
(the sensor import applies the same rule).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon

from .sensors.linkrules import UNLINKED_REASON, ground_property, names_facade

MATCHED, MISMATCH, ADDED = "matched", "mismatch", "added"


@dataclass(frozen=True)
class ConflationOptions:
    iou_threshold: float = 0.5
    height_tolerance: float = 1.0    # m
    search_distance: float = 2000.0  # m: how far to look for a look-alike of a non-overlapping outline
    facade_tolerance: float = 1.0    # m: a sensor this close to a footprint is on its façade
    facade_search: float = 15.0      # m: how far a sensor named for a façade may be from it


def outline_2d(geom: Any) -> Polygon | MultiPolygon | None:
    """Give the 2D polygonal outline of a (Multi)Polygon(Z), made valid.

    Args:
        geom: a shapely geometry or None.

    Returns:
        The flat (Multi)Polygon, or None when empty or without area.

    Example:
        >>> from shapely import Polygon
        >>> outline_2d(Polygon([(0, 0, 5), (4, 0, 5), (4, 3, 5), (0, 3, 5)])).wkt
        'POLYGON ((0 0, 4 0, 4 3, 0 3, 0 0))'
        >>> outline_2d(Polygon([(0, 0, 0), (4, 0, 0), (4, 0, 3)])) is None     # a wall: no area in plan
        True
    """
    if geom is None or geom.is_empty:
        return None
    flat = shapely.make_valid(shapely.force_2d(geom))
    polys = [g for g in getattr(flat, "geoms", [flat]) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return None
    merged = shapely.union_all(polys)
    return None if merged.is_empty or merged.area <= 0 else merged


def city_outlines(buildings: pd.DataFrame, footprints: pd.DataFrame) -> pd.DataFrame:
    """Give one row per top-level city-model building: id, ground/roof height and 2D outline.

    The outline is the union of the footprints of the building and its parts; ground is the lowest and roof the
    highest height of the building and its parts. Buildings of another origin (e.g. BIM) are left out.

    Args:
        buildings: id, parent_id, ground_height, roof_height (and origin, optional) per building or part.
        footprints: building_id and geometry per footprint.

    Returns:
        A frame with the columns id, ground, roof, outline.

    Example:
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> buildings = pd.DataFrame({"id": ["B", "B.1"], "parent_id": [None, "B"],
        ...                           "ground_height": [112.0, 111.5], "roof_height": [120.0, 124.0]})
        >>> footprints = gpd.GeoDataFrame({"building_id": ["B", "B.1"]},
        ...                               geometry=[box(0, 0, 10, 10), box(10, 0, 15, 10)])
        >>> row = city_outlines(buildings, footprints).iloc[0]
        >>> row["id"], float(row["ground"]), float(row["roof"]), row["outline"].area
        ('B', 111.5, 124.0, 150.0)
    """
    parent = dict(zip(buildings["id"], buildings["parent_id"].fillna("")))

    def top(bid: str) -> str:
        seen = set()
        while parent.get(bid) and bid not in seen:
            seen.add(bid)
            bid = parent[bid]
        return bid

    origin = buildings["origin"] if "origin" in buildings.columns else pd.Series(["citymodel"] * len(buildings))
    rows: dict[str, dict[str, Any]] = {}
    for bid, ground, roof, org in zip(buildings["id"], buildings["ground_height"], buildings["roof_height"], origin):
        if org not in (None, "", "citymodel"):
            continue
        row = rows.setdefault(top(bid), {"ground": np.nan, "roof": np.nan, "parts": []})
        row["ground"] = np.nanmin([row["ground"], np.nan if pd.isna(ground) else ground])
        row["roof"] = np.nanmax([row["roof"], np.nan if pd.isna(roof) else roof])
    shapes: dict[str, list[Any]] = {}
    for bid, geom in zip(footprints["building_id"], footprints.geometry):
        if bid in parent and (outline := outline_2d(geom)) is not None:
            shapes.setdefault(top(bid), []).append(outline)
    ids = [bid for bid in rows if bid in shapes]
    return pd.DataFrame({
        "id": ids,
        "ground": [rows[b]["ground"] for b in ids],
        "roof": [rows[b]["roof"] for b in ids],
        "outline": [shapely.union_all(shapes[b]) for b in ids],
    })


def _iou(a: Any, b: Any) -> float:
    inter = shapely.intersection(a, b).area
    union = shapely.union(a, b).area
    return float(inter / union) if union > 0 else 0.0


def _offset(bim: Any, city: Any) -> float | None:
    if bim is None or city is None or pd.isna(bim) or pd.isna(city):
        return None
    return float(bim) - float(city)


def conflate(bim_buildings: pd.DataFrame, city: pd.DataFrame, options: ConflationOptions,
             storeys: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """Match each BIM building to its city-model building by footprint and heights: one report row each.

    ``storeys`` (bim_storeys: building_global_id, elevation) lets a building with a basement match: its lowest
    element may lie below the city model's ground when one of its storeys is at it.

    Args:
        bim_buildings: global_id, name, source_file, ifc_class, ground_height, roof_height and geometry.
        city: the city outlines (see city_outlines).
        options: the IoU threshold, height tolerance and search distance.
        storeys: the BIM storeys, optional.

    Returns:
        One dict per BIM building with the ``CONFLATION_REPORT`` fields (status matched, mismatch or added).

    Example:
        >>> import geopandas as gpd
        >>> from shapely import box
        >>> city = pd.DataFrame({"id": ["B"], "ground": [112.0], "roof": [120.0], "outline": [box(0, 0, 10, 10)]})
        >>> bim = gpd.GeoDataFrame({"global_id": ["g1", "g2"], "name": ["School", "Shed"],
        ...                         "source_file": ["a.ifc"] * 2, "ifc_class": ["IfcBuilding"] * 2,
        ...                         "ground_height": [112.3, 100.0], "roof_height": [120.4, 103.0]},
        ...                        geometry=[box(0.5, 0, 10, 10), box(500, 500, 501, 501)])
        >>> [(r["status"], r.get("twin_building_id")) for r in conflate(bim, city, ConflationOptions())]
        [('matched', 'B'), ('added', 'g2')]
    """
    levels: dict[str, list[float]] = {}
    if storeys is not None:
        for gid, elevation in zip(storeys["building_global_id"], storeys["elevation"]):
            if gid and not pd.isna(elevation):
                levels.setdefault(gid, []).append(float(elevation))
    outlines = list(city["outline"])
    tree = shapely.STRtree(outlines)
    areas = shapely.area(outlines) if outlines else np.zeros(0)
    report = []
    for row, geom in zip(bim_buildings.to_dict("records"), bim_buildings.geometry):
        bim = outline_2d(geom)
        out = {"bim_building_id": row.get("global_id"), "bim_name": row.get("name"),
               "bim_source_file": row.get("source_file"), "iou": 0.0}
        if bim is None:
            report.append({**out, "status": MISMATCH, "reason": "the BIM building has no ground outline"})
            continue
        out["bim_area"] = bim.area
        kind = row.get("ifc_class")
        if isinstance(kind, str) and kind and kind != "IfcBuilding":
            report.append({**out, "status": ADDED, "twin_building_id": row.get("global_id"),
                           "reason": f"not a building ({kind}: infrastructure, site works or a model without "
                                     "building): added as its own twin object, never matched to the city model"})
            continue
        best, best_iou = None, 0.0
        for i in tree.query(bim, predicate="intersects"):
            iou = _iou(bim, outlines[i])
            if iou > best_iou:
                best, best_iou = int(i), iou
        if best is not None:
            out.update(_candidate(bim, city, best, best_iou))
            report.append(_judge(out, row, city.iloc[best], levels.get(row.get("global_id"), []), options))
            continue
        lookalike = _lookalike(bim, outlines, areas, tree, options)
        if lookalike is not None:
            index, shape_iou = lookalike
            out.update(_candidate(bim, city, index, 0.0), shape_iou=shape_iou, status=MISMATCH)
            out["reason"] = (f"no footprint overlap (IoU 0), but {city['id'].iloc[index]} {out['distance_m']:.0f} m "
                             f"away has the same outline (shape IoU {shape_iou:.3f}): the BIM model is probably "
                             "misplaced")
            report.append(out)
            continue
        report.append({**out, "status": ADDED, "twin_building_id": row.get("global_id"),
                       "reason": "no city-model building overlaps it: added as a new building"})
    return report


def _judge(out: dict[str, Any], row: dict[str, Any], city_row: pd.Series, levels: list[float],
           options: ConflationOptions) -> dict[str, Any]:
    """Matched or mismatch for an overlapping pair, by IoU and ground/roof height offsets."""
    ground = _offset(row.get("ground_height"), city_row["ground"])
    roof = _offset(row.get("roof_height"), city_row["roof"])
    out.update(ground_offset_m=ground, roof_offset_m=roof)
    tolerance = options.height_tolerance
    if out["iou"] < options.iou_threshold:
        return {**out, "status": MISMATCH, "reason": f"footprint IoU {out['iou']:.3f} with {city_row['id']} is "
                                                     f"below the threshold {options.iou_threshold:g}"}
    if ground is None or roof is None:
        return {**out, "status": MISMATCH, "reason": "ground or roof height missing: heights cannot be compared"}
    basement = abs(ground) > tolerance and _basement(ground, city_row["ground"], levels, tolerance)
    if abs(roof) > tolerance or (abs(ground) > tolerance and not basement):
        return {**out, "status": MISMATCH, "reason": f"height offset ground {ground:+.2f} m, roof {roof:+.2f} m "
                                                     f"exceeds the tolerance {tolerance:g} m"}
    note = " (basement: a storey is at the city ground)" if basement else ""
    return {**out, "status": MATCHED, "twin_building_id": city_row["id"],
            "reason": f"footprint IoU {out['iou']:.3f}, ground {ground:+.2f} m{note}, roof {roof:+.2f} m"}


def _basement(ground_offset: float, city_ground: float, levels: list[float], tolerance: float) -> bool:
    """True when the BIM reaches below the city ground but one of its storeys lies at that ground."""
    return ground_offset < 0 and any(abs(level - city_ground) <= tolerance for level in levels)


def _candidate(bim: Any, city: pd.DataFrame, index: int, iou: float) -> dict[str, Any]:
    outline = city["outline"].iloc[index]
    return {"city_building_id": city["id"].iloc[index], "iou": iou, "city_area": float(outline.area),
            "distance_m": float(shapely.distance(bim.centroid, outline.centroid)),
            "shape_iou": _shape_iou(bim, outline)}


def _shape_iou(bim: Any, outline: Any) -> float:
    moved = shapely.affinity.translate(bim, outline.centroid.x - bim.centroid.x, outline.centroid.y - bim.centroid.y)
    return _iou(moved, outline)


def _lookalike(bim: Any, outlines: list[Any], areas: npt.NDArray[np.float64], tree: shapely.STRtree,
               options: ConflationOptions) -> tuple[int, float] | None:
    """The city-model outline within the search distance most like ``bim`` in shape, if alike enough."""
    near = tree.query(bim, predicate="dwithin", distance=options.search_distance)
    ratio = np.minimum(areas[near], bim.area) / np.maximum(areas[near], bim.area) if len(near) else near
    best = None
    for i in near[ratio >= options.iou_threshold] if len(near) else []:
        shape_iou = _shape_iou(bim, outlines[i])
        if shape_iou >= options.iou_threshold and (best is None or shape_iou > best[1]):
            best = (int(i), shape_iou)
    return best


def link_facade_sensors(sensors: pd.DataFrame, footprints: pd.DataFrame, names: dict[str, Any],
                        options: ConflationOptions) -> int:
    """Link sensors on a façade to its building, before any area (square, park) that contains them.

    A sensor not inside a building (``link_type`` other than ``building``) whose point lies within
    ``options.facade_tolerance`` of a footprint, or within ``options.facade_search`` when its name,
    datastream name or description names a façade, gets ``link_type`` "facade" and the nearest
    footprint's building; ``link_reason`` says why and what it replaced. A ground sensor (see
    ``ground_property``) moves only when named for a façade; left on its area within the tolerance of a
    façade, its ``link_reason`` says so. A sensor a LoRaWAN listener stored unlinked (``UNLINKED_REASON``) is
    left as it is: the listener's next run with the link layers links it as the import would, then this pass
    runs on it. Changes ``sensors`` in place.

    Args:
        sensors: the twin's sensors frame (``SENSORS`` fields and a point geometry).
        footprints: ``building_id`` and 2D/3D polygon geometry (the twin's footprints).
        names: building id -> name (for ``link_name``).
        options: the tolerances.

    Returns:
        How many sensors were relinked.

    Example:
        >>> import geopandas as gpd
        >>> from shapely import Point, box
        >>> footprints = gpd.GeoDataFrame({"building_id": ["B"]}, geometry=[box(0, 0, 10, 10)])
        >>> sensors = gpd.GeoDataFrame({"sensor_name": ["wall", "Fassade Nord", "park", "lawn"],
        ...                             "datastream_name": [""] * 4, "link_type": ["area", "none", "area", "area"],
        ...                             "observed_property": ["Noise level", "Temperature", "", "Soil moisture"],
        ...                             "link_id": ["P", None, "P", "P"], "link_name": [None] * 4,
        ...                             "link_distance": [None] * 4, "link_reason": [None] * 4},
        ...                            geometry=[Point(10.5, 5), Point(5, 18), Point(50, 50), Point(5, 10.5)])
        >>> link_facade_sensors(sensors, footprints, {"B": "School"}, ConflationOptions())
        2
        >>> sensors["link_reason"].tolist()[:3]
        ['within 1 m of the façade; was area P', 'named for a façade, 8.0 m from it', None]
        >>> sensors["link_type"].iloc[3], sensors["link_reason"].iloc[3][:50]
        ('area', 'ground sensor (Soil moisture): stays on area P, no')
    """
    if not len(sensors) or not len(footprints):
        return 0
    ids = [str(b) for b in footprints["building_id"]]
    shapes = [outline_2d(g) for g in footprints.geometry]
    keep = [i for i, shape in enumerate(shapes) if shape is not None]
    tree = shapely.STRtree([shapes[i] for i in keep])
    moved = 0
    for index, row, point in zip(sensors.index, sensors.to_dict("records"), sensors.geometry):
        if (row.get("link_type") == "building" or row.get("link_reason") == UNLINKED_REASON or point is None
                or point.is_empty):
            continue
        named = names_facade(row)
        reach = max(options.facade_tolerance, options.facade_search if named else 0.0)
        near = tree.query_nearest(shapely.force_2d(point), max_distance=reach, return_distance=True)
        if not len(near[0]):
            continue
        distance = float(near[1][0])
        building = ids[keep[int(near[0][0])]]
        if row.get("link_type") == "facade" and row.get("link_id") == building:
            continue
        linked = row.get("link_type") not in (None, "", "none")
        was = f"{row.get('link_type')} {row.get('link_id')}" if linked else ""
        ground = ground_property(row)
        if ground is not None and not named:
            sensors.loc[index, "link_reason"] = (
                f"ground sensor ({ground}): stays {'on ' + was if linked else 'unlinked'}, not moved to the façade "
                f"of {building} {distance:.1f} m away (not named for a façade)")
            continue
        why = (f"within {options.facade_tolerance:g} m of the façade"
               if distance <= options.facade_tolerance and ground is None
               else f"named for a façade, {distance:.1f} m from it")
        name = names.get(building)
        sensors.loc[index, ["link_type", "link_id", "link_name", "link_distance", "link_reason"]] = [
            "facade", building, None if name is None or pd.isna(name) else str(name), round(distance, 3),
            f"{why}; was {was}" if linked else why]
        moved += 1
    return moved
