"""BIM rooms (``bim_spaces``) of the twin: storey numbering and room lookup.

Floor numbers follow German usage: 0 = ground floor (EG), 1 = first upper floor (1. OG),
-1 = first basement (UG). Within a building the storeys are ordered by elevation; the
ground floor is the storey named like one (EG, Erdgeschoss, Ground Floor, Level 0, 00),
else the storey whose elevation is nearest to 0 when one lies within ±1.5 m (local
elevations), else the lowest storey that is not named like a basement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

_GROUND = re.compile(r"^(eg|erdgeschoss|ground( floor)?|gf|level 0|ebene 0|0|00|e0)\b", re.I)
_BASEMENT = re.compile(r"(^ug|untergeschoss|keller|basement|^kg|^-\d)", re.I)


@dataclass
class Room:
    room_id: str
    name: str
    long_name: str
    number: str
    storey: str
    elevation: float
    geometry: BaseGeometry  # shapely (Multi)Polygon, 2D


def floor_indices(storeys: dict[str, float]) -> dict[str, int]:
    """Floor number of each storey name given the storeys' elevations (one building)."""
    ordered = sorted(storeys, key=lambda s: (storeys[s], s))
    if not ordered:
        return {}
    ground = next((s for s in ordered if _GROUND.match(s.strip())), None)
    if ground is None:
        near = [s for s in ordered if abs(storeys[s]) <= 1.5]
        if near:
            ground = min(near, key=lambda s: abs(storeys[s]))
        else:
            ground = next((s for s in ordered if not _BASEMENT.search(s.strip())), ordered[0])
    base = ordered.index(ground)
    return {s: i - base for i, s in enumerate(ordered)}


def parse_floor(value: object) -> int | None:
    """A floor number from '2', '2.0', 'EG', '1. OG', 'OG 1', 'UG', '-1'; None if not a number."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"[-+]?\d+(\.0+)?", text):
        return int(float(text))
    if _GROUND.match(text):
        return 0
    m = re.fullmatch(r"(\d+)\.?\s*(og|obergeschoss)|(og|obergeschoss)\s*(\d+)", text, re.I)
    if m:
        return int(m.group(1) or m.group(4))
    m = re.fullmatch(r"(\d+)?\.?\s*(ug|untergeschoss|kg)\s*(\d+)?", text, re.I)
    if m:
        return -int(m.group(1) or m.group(3) or 1)
    return None


def read_rooms(frame: gpd.GeoDataFrame) -> list[Room]:
    """Rooms from a bim_spaces GeoDataFrame (already in the target CRS)."""
    from ..kernel.layers import polygons_2d

    rooms: list[Room] = []
    cols = set(frame.columns)

    def get(rec: dict[str, Any], name: str) -> str:
        value = rec.get(name) if name in cols else None
        return "" if value is None or (isinstance(value, float) and value != value) else str(value)

    for rec, geom in zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry):
        poly = polygons_2d(geom)
        if poly is None:
            continue
        elevation = rec.get("storey_elevation")
        rooms.append(Room(get(rec, "global_id"), get(rec, "name"), get(rec, "long_name"), get(rec, "number"),
                          get(rec, "storey"),
                          float(elevation) if elevation is not None and elevation == elevation else 0.0, poly))
    return rooms
