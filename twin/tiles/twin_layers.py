"""Read what a twin GeoPackage (``geotwin:buildtwin``) adds to the city model for tiling: the BIM
elements of each twin building that has BIM detail, and the learning islands and sensors with the
normal height they are placed at."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel import gpkg
from ..kernel.progress import Reporter
from ..kernel.schema.islands import PRIVATE_FIELDS
from .source import layers_of, rings_of, row_id

BIM_ELEMENTS = "bim_elements"
BIM_SPACES = "bim_spaces"
ISLANDS = "learning_islands"
SENSORS = "sensors"
#: bim_elements columns whose JSON stays one string property (flattening every pset would make
#: hundreds of sparse columns)
JSON_AS_TEXT = ("psets",)


@dataclass
class BimDetail:
    """The BIM elements that detail one twin building: rows and triangles (source CRS)."""

    building_id: str                    # twin building id (buildings.id)
    bim_building_id: str                # IFC GlobalId
    rows: list[dict[str, Any]] = field(default_factory=list)
    polygons: list[list[list[NDArray[Any]]]] = field(default_factory=list)   # per element: its polygons' rings


@dataclass
class PointLayer:
    """Islands or sensors: attribute rows and positions (x, y, normal height) in the source CRS."""

    name: str
    rows: list[dict[str, Any]]
    xyz: NDArray[Any]
    height_source: list[str]


@dataclass
class TwinExtras:
    bim: list[BimDetail]
    points: list[PointLayer]
    skipped: list[str]

    def __bool__(self) -> bool:
        return bool(self.bim or self.points)


def _records(frame: Any) -> list[dict[str, Any]]:
    cols = [c for c in frame.columns if c != "geometry"]
    values = frame[cols].astype(object)
    rows: list[dict[str, Any]] = values.where(frame[cols].notna(), None).to_dict("records")
    for row in rows:
        for k, v in row.items():
            if isinstance(v, float) and math.isnan(v):
                row[k] = None
            elif isinstance(v, np.generic):
                row[k] = v.item()
    return rows


def read_twin_extras(path: str | Path, buildings: list[dict[str, Any]], reporter: Reporter | None = None) -> TwinExtras:
    """Read the BIM detail per twin building, the islands and the sensors of a twin GeoPackage.

    Args:
        path: the twin (a city-model GeoPackage gives nothing).
        buildings: the city model's building rows (ground heights place islands and sensors).
        reporter: told what was skipped.

    Returns:
        The TwinExtras: BIM tiles, point layers, skipped objects.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.tiles.source import read_city_model
        >>> sample = sample_twin()                      # the sample district's twin, built once per process
        >>> twin, folder = sample.twin, Path(tempfile.mkdtemp())
        >>> extras = read_twin_extras(twin, read_city_model(twin).rows)
        >>> len(extras.bim), [(layer.name, len(layer.rows)) for layer in extras.points], extras.skipped
        (0, [('learning_islands', 11), ('sensors', 13)], [])
        >>> read_twin_extras(sample.city, []).points
        []
    """
    path = Path(path)
    layers = layers_of(path)
    if layers.isdisjoint({BIM_ELEMENTS, BIM_SPACES, ISLANDS, SENSORS}):
        return TwinExtras([], [], [])
    skipped: list[str] = []
    bim = _read_bim(path, buildings, skipped) if BIM_ELEMENTS in layers else []
    floors: dict[str, float] = {}
    if BIM_SPACES in layers:
        spaces = gpkg.read_frame(path, BIM_SPACES, columns=["global_id", "floor_elevation"])
        floors = {str(g): float(z) for g, z in zip(spaces["global_id"], spaces["floor_elevation"])
                  if z is not None and not (isinstance(z, float) and math.isnan(z))}
    placer = _Placer(buildings, floors)
    points: list[PointLayer] = []
    for name, room_key, building_keys in ((ISLANDS, "room_id", ("building_id",)),
                                          (SENSORS, None, ("link_id",))):
        if name in layers:
            layer = placer.read(path, name, room_key, building_keys, skipped)
            if layer is not None:
                points.append(layer)
    if reporter is not None:
        for s in skipped:
            reporter.warning(f"skipped {s}")
    return TwinExtras(bim, points, skipped)


def _read_bim(path: Path, buildings: list[dict[str, Any]], skipped: list[str]) -> list[BimDetail]:
    """The BIM elements with geometry of every IFC building that is a twin building, by IFC GlobalId; the
    elements of other IFC buildings are counted in ``skipped``."""
    # IFC building -> twin building: matched (buildings.bim_building_id) or added (origin = bim)
    owner: dict[str, str] = {}
    for b in buildings:
        gid = b.get("bim_building_id")
        if gid:
            owner.setdefault(str(gid), row_id(b))
        elif b.get("origin") == "bim":
            owner.setdefault(row_id(b), row_id(b))
    frame = gpkg.read_frame(path, BIM_ELEMENTS)
    details: dict[str, BimDetail] = {}
    unmatched: dict[str, int] = {}
    for row, geom in zip(_records(frame), frame.geometry):
        gid = str(row.get("building_global_id") or "")
        if geom is None or geom.is_empty:
            continue                    # an aggregate: its parts carry the geometry
        if gid not in owner:
            unmatched[gid] = unmatched.get(gid, 0) + 1
            continue
        detail = details.setdefault(gid, BimDetail(owner[gid], gid))
        for key in JSON_AS_TEXT:
            if isinstance(row.get(key), dict):
                row[key] = json.dumps(row[key], sort_keys=True, ensure_ascii=False)
        detail.rows.append(row)
        detail.polygons.append(rings_of(geom))
    for gid, n in sorted(unmatched.items()):
        skipped.append(f"BIM building {gid or '(none)'}: {n} element(s) not tiled, the building is not "
                       "part of the twin's buildings (a conflation mismatch)")
    return [details[k] for k in sorted(details)]


class _Placer:
    """The normal height islands and sensors are placed at: the point's own z, else its room's floor, else
    its building's ground, else the lowest building ground of the model."""

    def __init__(self, buildings: list[dict[str, Any]], floors: dict[str, float]) -> None:
        self.by_id = {row_id(b): b for b in buildings}
        grounds = [float(b["ground_height"]) for b in buildings if b.get("ground_height") is not None]
        self.terrain = min(grounds) if grounds else 0.0
        self.floors = floors

    def ground_of(self, bid: Any) -> float | None:
        b = self.by_id.get(str(bid)) if bid else None
        return None if b is None or b.get("ground_height") is None else float(b["ground_height"])

    def height(self, row: dict[str, Any], geom: Any, room_key: str | None,
               building_keys: tuple[str, ...]) -> tuple[float, str]:
        """The height and where it comes from."""
        if geom.has_z and not math.isnan(geom.z):
            return float(geom.z), "point"
        if room_key and row.get(room_key) in self.floors:
            return self.floors[row[room_key]], "room floor"
        for key in building_keys:
            z = self.ground_of(row.get(key))
            if z is not None:
                return z, "building ground"
        return self.terrain, "lowest building ground of the model"

    def read(self, path: Path, name: str, room_key: str | None, building_keys: tuple[str, ...],
             skipped: list[str]) -> PointLayer | None:
        """The layer's rows with a position (those without one are counted in ``skipped``); None without any."""
        frame = gpkg.read_frame(path, name)
        frame = frame.drop(columns=[c for c in PRIVATE_FIELDS if c in frame.columns])
        rows = _records(frame)
        xyz, sources, kept = [], [], []
        for i, (row, geom) in enumerate(zip(rows, frame.geometry)):
            if geom is None or geom.is_empty:
                skipped.append(f"{name} row {i + 1} ({row.get('id') or row.get('sensor_key')}): no position")
                continue
            z, source = self.height(row, geom, room_key, building_keys)
            xyz.append((geom.x, geom.y, z))
            sources.append(source)
            kept.append(row)
        return PointLayer(name, kept, np.array(xyz, np.float64), sources) if kept else None


def vertical_datum_warnings(path: str | Path, city_vertical: str | None) -> list[str]:
    """Warn of IFC sources whose vertical datum differs from the city model's.

    Their elements are tiled with the city model's height model, so they would be off by the datums' difference.

    Args:
        path: the twin GeoPackage.
        city_vertical: the city model's vertical CRS.

    Returns:
        One warning per such IFC source (none without IFC sources or without a city vertical CRS).

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.tiles.source import read_city_model
        >>> sample = sample_twin()                      # the sample district's twin, built once per process
        >>> twin, folder = sample.twin, Path(tempfile.mkdtemp())
        >>> vertical_datum_warnings(twin, "EPSG:7837"), vertical_datum_warnings(twin, None)   # no IFC source
        ([], [])
    """
    from pyproj import CRS

    from ..kernel.heights import datum_key

    def key(value: str) -> str:
        try:
            return datum_key(CRS.from_user_input(value).name)
        except Exception:  # noqa: BLE001 - a datum name such as "DHHN2016" rather than a CRS
            return datum_key(value)

    if not city_vertical or "sources" not in layers_of(Path(path)):
        return []
    names, rows, _ = gpkg.read_table(path, "sources", geometry=False)
    if "source_kind" not in names:
        return []
    city = key(city_vertical)
    out = []
    sources = [dict(zip(names, r)) for r in rows]
    ifc = [(r.get("source_file"), r.get("vertical_crs")) for r in sources if r["source_kind"] == "ifc"]
    for name, vertical in ifc:
        if isinstance(vertical, str) and vertical and city and key(vertical) and key(vertical) != city:
            out.append(f"{name}: the BIM heights are in {vertical}, the city model's in {city_vertical}; "
                       "the BIM tiles are off by the difference of the two datums")
    return out
