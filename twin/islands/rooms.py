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
    """Number the storeys of one building in German usage from their elevations.

    0 is the ground floor (EG), 1 the first upper floor, -1 the first basement. The ground floor is the
    storey named like one (EG, Erdgeschoss, Ground Floor, Level 0, 00), else the storey nearest to
    elevation 0 within ±1.5 m, else the lowest storey not named like a basement.

    Args:
        storeys: storey name -> elevation in metres (local to the building).

    Returns:
        storey name -> floor number; empty for no storeys.

    Example:
        >>> floor_indices({"Keller": -3.0, "Erdgeschoss": 0.2, "1. OG": 3.4, "2. OG": 6.6})
        {'Keller': -1, 'Erdgeschoss': 0, '1. OG': 1, '2. OG': 2}
        >>> floor_indices({"Level A": 120.0, "Level B": 123.5})   # no name, none near 0: the lowest
        {'Level A': 0, 'Level B': 1}
    """
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
    """Read a floor number as people write it in a table or an IFC property.

    Args:
        value: a number or text such as '2', '2.0', 'EG', '1. OG', 'OG 1', 'UG', '2. UG', '-1'.

    Returns:
        The floor number (0 = ground floor, negative = basement), None when ``value`` names no floor.

    Example:
        >>> [parse_floor(v) for v in ("2", "2.0", "EG", "1. OG", "OG 3", "UG", "2. UG", -1)]
        [2, 2, 0, 1, 3, -1, -2, -1]
        >>> parse_floor("Dach") is None
        True
    """
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
    """Read the rooms of a ``bim_spaces`` layer (as the IFC import writes it).

    Rooms without a polygonal footprint are left out; 3D footprints are projected to 2D.

    Args:
        frame: the ``bim_spaces`` GeoDataFrame, already in the target CRS.

    Returns:
        One Room per usable row, in the frame's order (empty texts for missing attributes, elevation 0.0
        when the storey elevation is missing).

    Example:
        >>> import geopandas as gpd
        >>> from shapely.geometry import box
        >>> frame = gpd.GeoDataFrame({"global_id": ["r1", "r2"], "name": ["101", "102"], "storey": ["EG", "EG"],
        ...                           "storey_elevation": [0.0, None]},
        ...                          geometry=[box(0, 0, 5, 4), None], crs="EPSG:25832")
        >>> [(r.room_id, r.name, r.storey, r.elevation, r.geometry.area) for r in read_rooms(frame)]
        [('r1', '101', 'EG', 0.0, 20.0)]
    """
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
