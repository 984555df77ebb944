"""WLAN coverage of buildings (storey by storey) and BIM rooms, and the planning priority.

Coverage model (documented in the algorithm's help):

* An access point (AP) inside a building footprint is an indoor AP of that building on its
  ``floor`` (default 0); it covers that building only, with radius
  ``indoor_range - storey_penalty * |storey - floor|`` on each storey.
* An AP outside every footprint is an outdoor AP at ground level; it covers any building
  with radius ``outdoor_range - storey_penalty * storey`` (storey >= 0; basements are not
  reached from outside).
* A storey (or room) is covered when at least ``COVERED_SHARE`` of its area lies within
  the union of the AP discs; a building is covered when all its storeys above ground are.
* Storeys of a building: ``storeys_above_ground``, else ``ceil(measured_height / 3 m)``, else 1.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel.errors import InputError
from ..kernel.gpkg import GpkgWriter, Row, gpkg_output
from ..kernel.layers import LayerRef, layer_names, polygons_2d, read_frame, read_points
from ..kernel.progress import Reporter
from ..kernel.schema.islands import WLAN_BUILDING_COVERAGE, WLAN_PRIORITIES, WLAN_ROOM_COVERAGE
from .rooms import Room, parse_floor, read_rooms

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry
    from shapely.strtree import STRtree

COVERED_SHARE = 0.95
STOREY_HEIGHT_M = 3.0

#: Planning priority by ALKIS building function (AX_Gebaeude 31001, Gebäudefunktion code),
#: as (class, label, codes). Codes are matched on the last four digits of ``function``
#: ("31001_3021", "3021"). Classes 1-4 are public buildings; any other 3xxx code is class 4;
#: everything else is class 5 (not public). Within a class: larger gross floor area first.
PRIORITY_TABLE: tuple[tuple[int, str, frozenset[str]], ...] = (
    (1, "school", frozenset({"3020", "3021", "3022"})),           # education, general and vocational schools
    (2, "childcare, university, library, youth",
     frozenset({"3023", "3024", "3037", "3061", "3065"})),        # Hochschule, Forschung, Bibliothek, Jugend, Kita
    (3, "administration and citizen services",
     frozenset({"3010", "3011", "3012", "3013", "3014", "3015", "3016", "3017", "3018", "3019"})),
)
PUBLIC_CLASS = (4, "other public building")   # any other 31001_3xxx (culture, health, social, sport, transport)
OTHER_CLASS = (5, "not public")


def priority(function: str | None) -> tuple[int, str, bool]:
    """Rank a building for WLAN planning by its ALKIS function (AX_Gebaeude, Gebäudefunktion).

    Codes are matched on their last four digits (``31001_3021`` and ``3021``); classes 1-4 are public
    buildings (schools first), any other 3xxx code is class 4, everything else class 5.

    Args:
        function: the building's function code, None when unknown.

    Returns:
        (class, label, is_public).

    Example:
        >>> priority("31001_3021")
        (1, 'school', True)
        >>> priority("3051"), priority("1000"), priority(None)
        ((4, 'other public building', True), (5, 'not public', False), (5, 'not public', False))
    """
    m = re.search(r"(\d{4})\s*$", str(function or ""))
    code = m.group(1) if m else ""
    for cls, label, codes in PRIORITY_TABLE:
        if code in codes:
            return cls, label, True
    if code.startswith("3"):
        return PUBLIC_CLASS[0], PUBLIC_CLASS[1], True
    return OTHER_CLASS[0], OTHER_CLASS[1], False


@dataclass
class AccessPoint:
    x: float
    y: float
    floor: int
    building: int | None = None  # index of the building it stands in


@dataclass
class CoverageSummary:
    buildings: int = 0
    covered: int = 0
    rooms: int = 0
    rooms_covered: int = 0
    ranking: list[tuple[str, int]] = field(default_factory=list)  # (building id, class), rank order


def _storeys(rec: Row) -> int:
    n = rec.get("storeys_above_ground")
    if n is not None and n == n and int(n) > 0:
        return int(n)
    h = rec.get("measured_height")
    if h is not None and h == h and float(h) > 0:
        return max(1, math.ceil(float(h) / STOREY_HEIGHT_M - 1e-6))
    return 1


def _load_buildings(ref: LayerRef, crs: str | None) -> tuple[list[str], list[BaseGeometry], list[Row]]:
    """Footprints with attributes; a footprints layer is joined with its GeoPackage's buildings."""
    frame = read_frame(ref)
    if crs is not None and frame.crs is not None:
        frame = frame.to_crs(crs)
    id_col = "building_id" if "building_id" in frame.columns else "id"
    if id_col not in frame.columns:
        raise InputError("the buildings layer has no 'building_id' or 'id' field", path=str(ref))
    attrs_by_id: dict[str, Row] = {}
    if "function" not in frame.columns and "buildings" in layer_names(ref.path):
        extra = read_frame(LayerRef(ref.path, "buildings"))
        attrs_by_id = {str(r["id"]): r for r in extra.drop(columns="geometry").to_dict("records")}
    ids: list[str] = []
    geoms: list[BaseGeometry] = []
    attrs: list[Row] = []
    for rec, geom in zip(frame.drop(columns="geometry").to_dict("records"), frame.geometry):
        poly = polygons_2d(geom)
        if poly is None:
            continue
        bid = str(rec[id_col])
        ids.append(bid)
        geoms.append(poly)
        attrs.append({**attrs_by_id.get(bid, {}), **rec})
    return ids, geoms, attrs


def _read_access_points(access_points: str | LayerRef, crs: str, geoms: list[BaseGeometry], tree: STRtree,
                        reporter: Reporter) -> list[AccessPoint]:
    """The access points, each with the building it stands in; rows without a position are skipped (warned)."""
    import shapely

    rows, _ = read_points(access_points, crs, reporter=reporter)
    aps: list[AccessPoint] = []
    for row in rows:
        if row.problem or row.x is None or row.y is None:   # a row without a problem has its position
            reporter.warning(f"access point at line {row.line} skipped: {row.problem}")
            continue
        p = shapely.Point(row.x, row.y)
        inside = [int(i) for i in tree.query(p, predicate="intersects")]
        floor = parse_floor(row.attrs.get("floor") or row.attrs.get("room_storey")) or 0
        aps.append(AccessPoint(row.x, row.y, floor, min(inside, key=lambda i: geoms[i].area) if inside else None))
    return aps


class _Coverage:
    """The discs of the access points that reach a building's storey or a room (see the module's model)."""

    def __init__(self, aps: list[AccessPoint], indoor_range: float, outdoor_range: float,
                 storey_penalty: float) -> None:
        import shapely

        self.aps = aps
        self.indoor_range, self.outdoor_range, self.storey_penalty = indoor_range, outdoor_range, storey_penalty
        self.reach = max(indoor_range, outdoor_range)
        self.ap_points = [shapely.Point(a.x, a.y) for a in aps]
        self.ap_tree = shapely.STRtree(self.ap_points)
        self.outdoor_points = [p for p, a in zip(self.ap_points, aps) if a.building is None]
        self.outdoor_tree = shapely.STRtree(self.outdoor_points)
        self.indoor: dict[int, list[int]] = {}
        for i, a in enumerate(aps):
            if a.building is not None:
                self.indoor.setdefault(a.building, []).append(i)

    def discs(self, target: BaseGeometry, building: int | None,
              storey: int) -> tuple[list[BaseGeometry], float, int]:
        """AP discs that reach ``target`` on ``storey``; nearest serving AP distance; contributing count."""
        out: list[BaseGeometry] = []
        nearest = math.inf
        if self.outdoor_points:
            nearest = float(target.distance(self.outdoor_points[int(self.outdoor_tree.query_nearest(target)[0])]))
        for i in self.indoor.get(building, []) if building is not None else []:
            nearest = min(nearest, float(target.distance(self.ap_points[i])))
        for i in self.ap_tree.query(target.buffer(self.reach)):
            ap = self.aps[int(i)]
            if ap.building is not None:
                if ap.building != building:
                    continue
                radius = self.indoor_range - self.storey_penalty * abs(storey - ap.floor)
            else:
                radius = self.outdoor_range - self.storey_penalty * storey if storey >= 0 else 0.0
            d = target.distance(self.ap_points[int(i)])
            if radius > 0 and d < radius:
                out.append(self.ap_points[int(i)].buffer(radius, 64))
        return out, nearest, len(out)


# (priority class, -gross floor area, building id, its coverage row, is public, footprint) of an uncovered building
_Uncovered = tuple[int, float, str, Row, bool, "BaseGeometry"]


def wlan_coverage(access_points: str | LayerRef, buildings: LayerRef, output: str, *,
                  rooms: LayerRef | None = None, indoor_range: float = 25.0, outdoor_range: float = 60.0,
                  storey_penalty: float = 8.0, reporter: Reporter | None = None) -> CoverageSummary:
    """Compute the WLAN coverage of buildings (storey by storey) and of BIM rooms, and rank the uncovered
    buildings for planning; write ``wlan_building_coverage``, ``wlan_priorities`` and, with rooms,
    ``wlan_room_coverage``.

    An access point inside a footprint covers that building only, on its floor and (weaker) the others; one
    outside covers any building from the ground (see the module's coverage model).

    Args:
        access_points: the access points (a point table: CSV, GeoJSON, GeoPackage; ``floor`` optional).
        buildings: the footprints (``building_id`` or ``id``; ``function``, ``storeys_above_ground``,
            ``measured_height`` used when present, also from the GeoPackage's ``buildings`` layer).
        output: the GeoPackage to write.
        rooms: the BIM rooms (``bim_spaces``), None for buildings only.
        indoor_range: radius of an indoor access point on its own floor (m).
        outdoor_range: radius of an outdoor access point at the ground (m).
        storey_penalty: metres of range lost per storey away from the access point.
        reporter: receives progress and warnings.

    Returns:
        The CoverageSummary: buildings and rooms covered, the planning ranking.

    Example:
        >>> import tempfile
        >>> import geopandas as gpd
        >>> from pathlib import Path
        >>> from shapely.geometry import box
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     footprints = Path(tmp) / "buildings.gpkg"
        ...     gpd.GeoDataFrame({"id": ["school", "shop"], "function": ["31001_3021", "31001_2050"],
        ...                       "storeys_above_ground": [2, 1]},
        ...                      geometry=[box(0, 0, 20, 10), box(200, 0, 210, 10)],
        ...                      crs="EPSG:25832").to_file(footprints, layer="footprints")
        ...     aps = Path(tmp) / "aps.csv"
        ...     _ = aps.write_text("id,easting,northing,floor\\nap1,10,5,0\\n")
        ...     summary = wlan_coverage(str(aps), LayerRef(str(footprints), "footprints"), str(Path(tmp) / "w.gpkg"))
        >>> summary.buildings, summary.covered, summary.ranking
        (2, 1, [('shop', 5)])
    """
    import shapely

    reporter = reporter or Reporter()
    bframe_crs = read_frame(buildings).crs
    crs = bframe_crs.to_string() if bframe_crs is not None else "EPSG:25832"
    ids, geoms, attrs = _load_buildings(buildings, crs)
    tree = shapely.STRtree(geoms)
    aps = _read_access_points(access_points, crs, geoms, tree, reporter)
    reporter.info(f"{len(aps)} access points, {sum(a.building is not None for a in aps)} inside buildings; "
                  f"{len(ids)} buildings")
    coverage = _Coverage(aps, indoor_range, outdoor_range, storey_penalty)
    summary = CoverageSummary()
    with gpkg_output(output, crs) as out:
        out.ensure_layer(WLAN_BUILDING_COVERAGE)
        out.ensure_layer(WLAN_PRIORITIES)
        uncovered = _buildings(out, ids, geoms, attrs, coverage, summary, reporter)
        _priorities(out, uncovered, summary)
        if rooms is not None:
            out.ensure_layer(WLAN_ROOM_COVERAGE)
            _rooms(out, rooms, crs, tree, geoms, ids, coverage, summary, reporter)
    reporter.progress(100.0)
    reporter.info(f"{summary.covered} of {summary.buildings} buildings covered; "
                  f"{len(summary.ranking)} ranked for planning")
    return summary


def _buildings(out: GpkgWriter, ids: list[str], geoms: list[BaseGeometry], attrs: list[Row], coverage: _Coverage,
               summary: CoverageSummary, reporter: Reporter) -> list[_Uncovered]:
    """Write each building's coverage storey by storey; returns the uncovered buildings."""
    import shapely

    uncovered: list[_Uncovered] = []
    for b, (bid, geom, rec) in enumerate(zip(ids, geoms, attrs)):
        if b % 100 == 0:
            reporter.check()
            reporter.progress(80.0 * b / max(1, len(ids)))
        n = _storeys(rec)
        shares: list[float] = []
        contributing, nearest = 0, math.inf
        for s in range(n):
            disc, near, count = coverage.discs(geom, b, s)
            nearest = min(nearest, near)
            contributing = max(contributing, count)
            share = geom.intersection(shapely.unary_union(disc)).area / geom.area if disc else 0.0
            shares.append(share)
        covered_storeys = sum(sh >= COVERED_SHARE for sh in shares)
        cls, label, public = priority(rec.get("function"))
        covered = covered_storeys == n
        row: Row = {"building_id": bid, "name": rec.get("name"), "function": rec.get("function"), "storeys": n,
                    "covered_storeys": covered_storeys, "covered_share": round(sum(shares) / n, 4),
                    "covered": covered, "access_points": contributing,
                    "nearest_ap_m": round(nearest, 2) if math.isfinite(nearest) else None,
                    "priority_class": cls, "priority_label": label}
        out.add(WLAN_BUILDING_COVERAGE, row, geom)
        summary.buildings += 1
        summary.covered += covered
        if not covered:
            uncovered.append((cls, -geom.area * n, bid, row, public, geom))
    return uncovered


def _priorities(out: GpkgWriter, uncovered: list[_Uncovered], summary: CoverageSummary) -> None:
    """Rank the uncovered buildings: by priority class, then larger gross floor area, then id."""
    uncovered.sort(key=lambda u: (u[0], u[1], u[2]))
    for rank, (cls, neg_area, bid, row, public, geom) in enumerate(uncovered, start=1):
        out.add(WLAN_PRIORITIES, {"rank": rank, "building_id": bid, "name": row["name"],
                                  "function": row["function"], "priority_class": cls,
                                  "priority_label": row["priority_label"], "is_public": public,
                                  "gross_floor_area": round(-neg_area, 2),
                                  "covered_share": row["covered_share"]}, geom)
        summary.ranking.append((bid, cls))


def _rooms(out: GpkgWriter, ref: LayerRef, crs: str, tree: STRtree, geoms: list[BaseGeometry], ids: list[str],
           coverage: _Coverage, summary: CoverageSummary, reporter: Reporter) -> None:
    import shapely

    from .rooms import floor_indices

    frame = read_frame(ref)
    if frame.crs is not None:
        frame = frame.to_crs(crs)
    rooms = read_rooms(frame)
    by_building: dict[int | None, list[Room]] = {}
    for room in rooms:
        hits = [int(i) for i in tree.query(room.geometry.representative_point(), predicate="intersects")]
        by_building.setdefault(min(hits, key=lambda i: geoms[i].area) if hits else None, []).append(room)
    for b, members in by_building.items():
        reporter.check()
        storeys: dict[str, float] = {}
        for r in members:
            storeys.setdefault(r.storey, r.elevation)
        floors = floor_indices(storeys)
        for room in members:
            floor = floors.get(room.storey, 0)
            disc, near, _ = coverage.discs(room.geometry, b, floor)
            area = room.geometry.area
            share = room.geometry.intersection(shapely.unary_union(disc)).area / area if disc and area else 0.0
            covered = share >= COVERED_SHARE
            out.add(WLAN_ROOM_COVERAGE, {
                "room_id": room.room_id, "name": room.long_name or room.name, "number": room.number,
                "storey": room.storey, "floor_index": floor, "building_id": ids[b] if b is not None else None,
                "covered_share": round(share, 4), "covered": covered,
                "nearest_ap_m": round(near, 2) if math.isfinite(near) else None}, room.geometry)
            summary.rooms += 1
            summary.rooms_covered += covered
