"""Ring cleaning, 3D areas and 2D footprints of city model surfaces (numpy + shapely)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

# Coordinates beyond this magnitude (in CRS units) are treated as absurd, not as a place on Earth.
ABSURD_COORDINATE = 1e8


def clean_ring(ring: np.ndarray) -> np.ndarray:
    """Drop a closing vertex and consecutive duplicates of an (N, 3) ring."""
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        ring = ring[:-1]
    if len(ring) > 1:
        keep = np.ones(len(ring), dtype=bool)
        keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
        ring = ring[keep]
    return ring


def ring_problem(ring: np.ndarray) -> str | None:
    """Why a cleaned ring cannot be used, or None."""
    if not np.all(np.isfinite(ring)):
        return "non-finite coordinate"
    if np.any(np.abs(ring) > ABSURD_COORDINATE):
        return f"absurd coordinate (|value| > {ABSURD_COORDINATE:g})"
    if len(ring) < 3 or len(set(map(tuple, ring.tolist()))) < 3:
        return f"ring with fewer than 3 distinct points ({len(ring)} vertices)"
    return None


def newell_normal(ring: np.ndarray) -> np.ndarray:
    """Newell's vector of a ring: its direction is the normal, its length twice the area."""
    r = ring - ring[0]  # local coordinates: no cancellation with 7-digit map coordinates
    n = np.concatenate((r[1:], r[:1]))
    d, s = r - n, r + n
    return np.array([(d[:, 1] * s[:, 2]).sum(), (d[:, 2] * s[:, 0]).sum(), (d[:, 0] * s[:, 1]).sum()])


def polygon_area_3d(rings: Sequence[np.ndarray]) -> float:
    """Area of a planar 3D polygon (exterior minus holes)."""
    outer = newell_normal(rings[0])
    norm = math.sqrt(float(outer @ outer))
    if norm == 0.0:
        return 0.0
    unit = outer / norm
    area = norm / 2.0
    for hole in rings[1:]:
        area -= abs(float(np.dot(newell_normal(hole), unit))) / 2.0
    return max(area, 0.0)


def polygon_z(rings: Sequence[np.ndarray]) -> Polygon:
    """A shapely PolygonZ from (N, 3) rings (exterior first)."""
    return Polygon(rings[0], [r for r in rings[1:]])


def _polygonal(geom) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygonal(g)]
    return []


def _flat(rings: Sequence[np.ndarray]) -> Polygon:
    return Polygon(rings[0][:, :2], [r[:, :2] for r in rings[1:]])


def union_2d(polygons: Iterable[Sequence[np.ndarray]], min_area: float = 1e-6) -> MultiPolygon | None:
    """The valid 2D union of polygons projected to the XY plane; vertical ones vanish."""
    flats = []
    for rings in polygons:
        flat = shapely.make_valid(_flat(rings))
        flats.extend(p for p in _polygonal(flat) if p.area > min_area)
    if not flats:
        return None
    merged = _polygonal(shapely.make_valid(shapely.union_all(flats)))
    merged = [p for p in merged if p.area > min_area]
    return MultiPolygon(merged) if merged else None


def convex_outline(polygons: Iterable[Sequence[np.ndarray]]) -> MultiPolygon | None:
    """The 2D convex hull of every vertex, when nothing better is available."""
    points = [ring[:, :2] for rings in polygons for ring in rings[:1]]
    if not points:
        return None
    hull = shapely.MultiPoint(np.vstack(points)).convex_hull
    return MultiPolygon([hull]) if isinstance(hull, Polygon) and hull.area > 0 else None
