"""Ring cleaning, 3D areas and 2D footprints of city model surfaces (numpy + shapely)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon

Array = NDArray[Any]

# Coordinates beyond this magnitude (in CRS units) are treated as absurd, not as a place on Earth.
ABSURD_COORDINATE = 1e8


def clean_ring(ring: Array) -> Array:
    """Drop a closing vertex and consecutive duplicates of an (N, 3) ring.

    Args:
        ring: (N, 3) vertices, closed or not.

    Returns:
        The ring without its closing vertex and without repeated consecutive vertices.

    Example:
        >>> import numpy as np
        >>> clean_ring(np.array([[0., 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]])).tolist()
        [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
        ring = ring[:-1]
    if len(ring) > 1:
        keep = np.ones(len(ring), dtype=bool)
        keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
        ring = ring[keep]
    return ring


def ring_problem(ring: Array) -> str | None:
    """Say why a cleaned ring cannot be used.

    Args:
        ring: (N, 3) vertices of a cleaned ring (see clean_ring).

    Returns:
        The reason (non-finite or absurd coordinate, fewer than 3 distinct points), or None for a usable ring.

    Example:
        >>> import numpy as np
        >>> ring_problem(np.array([[0., 0, 0], [1, 0, 0], [0, 1, 0]])) is None
        True
        >>> ring_problem(np.array([[0., 0, 0], [1, 0, 0]]))
        'ring with fewer than 3 distinct points (2 vertices)'
        >>> ring_problem(np.array([[0., 0, 0], [1e9, 0, 0], [0, 1, 0]]))
        'absurd coordinate (|value| > 1e+08)'
    """
    if not np.all(np.isfinite(ring)):
        return "non-finite coordinate"
    if np.any(np.abs(ring) > ABSURD_COORDINATE):
        return f"absurd coordinate (|value| > {ABSURD_COORDINATE:g})"
    if len(ring) < 3 or len(set(map(tuple, ring.tolist()))) < 3:
        return f"ring with fewer than 3 distinct points ({len(ring)} vertices)"
    return None


def _ragged(polygons: Sequence[Sequence[Array]], dims: int) -> tuple[Array, tuple[Array, Array]]:
    """Closed-ring coordinates and (ring, polygon) offsets for shapely.from_ragged_array."""
    rings = [ring for poly in polygons for ring in poly]
    lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
    points = np.concatenate(rings)[:, :dims] if rings else np.zeros((0, dims))
    ends = np.cumsum(lengths + 1)
    ring_offsets = np.concatenate(([0], ends))
    # every ring's points, then its first point again
    source = np.arange(len(points) + len(rings)) - np.repeat(np.arange(len(rings)), lengths + 1)
    source[ends - 1] = np.cumsum(lengths) - lengths
    counts = np.fromiter(map(len, polygons), dtype=np.int64, count=len(polygons))
    polygon_offsets = np.concatenate(([0], np.cumsum(counts)))
    return points[source], (ring_offsets, polygon_offsets)


def polygons_z(polygons: Sequence[Sequence[Array]]) -> Array:
    """Build shapely PolygonZs, one per list of (N, 3) rings (exterior first), in one call.

    Args:
        polygons: per polygon, its rings as (N, 3) arrays (not closed; the first is the exterior).

    Returns:
        An object array of shapely Polygons with Z (empty for no polygons).

    Example:
        >>> import numpy as np
        >>> polygons_z([[np.array([[0., 0, 5], [2, 0, 5], [2, 2, 5], [0, 2, 5]])]])[0].wkt
        'POLYGON Z ((0 0 5, 2 0 5, 2 2 5, 0 2 5, 0 0 5))'
    """
    if not polygons:
        return np.empty(0, dtype=object)
    coords, offsets = _ragged(polygons, 3)
    return cast(Array, shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, offsets))


_POLYGON_Z = b"\x01" + (1003).to_bytes(4, "little")          # ISO WKB: little-endian PolygonZ
_MULTIPOLYGON_Z = b"\x01" + (1006).to_bytes(4, "little")     # ...MultiPolygonZ


def polygons_wkb_z(polygons: Sequence[Sequence[Array]]) -> tuple[list[bytes], Array]:
    """Encode lists of (N, 3) rings as ISO WKB PolygonZs (little-endian, rings closed) with their envelopes.

    The bytes are those GEOS/GDAL write for the same polygons; everything is built from the arrays at once.

    Args:
        polygons: per polygon, its rings as (N, 3) arrays (exterior first, not closed).

    Returns:
        (WKB per polygon, (P, 6) envelopes minx, maxx, miny, maxy, minz, maxz).

    Example:
        >>> import numpy as np, shapely
        >>> wkbs, env = polygons_wkb_z([[np.array([[0., 0, 1], [1, 0, 1], [0, 1, 1]])]])
        >>> env.tolist()
        [[0.0, 1.0, 0.0, 1.0, 1.0, 1.0]]
        >>> shapely.from_wkb(wkbs[0]).wkt
        'POLYGON Z ((0 0 1, 1 0 1, 0 1 1, 0 0 1))'
    """
    if not polygons:
        return [], np.zeros((0, 6))
    coords, (ring_offsets, polygon_offsets) = _ragged(polygons, 3)
    data = np.ascontiguousarray(coords, dtype="<f8").tobytes()
    points = np.diff(ring_offsets).tolist()
    ring_counts = np.diff(polygon_offsets).tolist()
    out: list[bytes] = []
    ring = start = 0
    for count in ring_counts:
        parts = [_POLYGON_Z, count.to_bytes(4, "little")]
        for n in points[ring:ring + count]:
            parts.append(n.to_bytes(4, "little"))
            parts.append(data[start * 24:(start + n) * 24])
            start += n
        ring += count
        out.append(b"".join(parts))
    firsts = ring_offsets[polygon_offsets[:-1]]
    low, high = np.minimum.reduceat(coords, firsts, axis=0), np.maximum.reduceat(coords, firsts, axis=0)
    env = np.column_stack([low[:, 0], high[:, 0], low[:, 1], high[:, 1], low[:, 2], high[:, 2]])
    return out, env


def multipolygon_wkb_z(parts: Sequence[bytes]) -> bytes:
    """Join PolygonZ WKBs (see polygons_wkb_z) into one ISO WKB MultiPolygonZ.

    Args:
        parts: little-endian ISO WKB PolygonZs.

    Returns:
        The MultiPolygonZ's WKB.

    Example:
        >>> import numpy as np, shapely
        >>> wkbs, _ = polygons_wkb_z([[np.array([[0., 0, 1], [1, 0, 1], [0, 1, 1]])]] * 2)
        >>> len(shapely.from_wkb(multipolygon_wkb_z(wkbs)).geoms)
        2
    """
    return _MULTIPOLYGON_Z + len(parts).to_bytes(4, "little") + b"".join(parts)


def building_envelopes(envelopes: Array, counts: Sequence[int]) -> Array:
    """Combine groups of consecutive polygon envelopes into one envelope per group (e.g. a building's).

    Args:
        envelopes: (P, 6) polygon envelopes minx, maxx, miny, maxy, minz, maxz.
        counts: polygons per group, in order; groups of 0 are left out.

    Returns:
        The (B, 6) envelopes of the non-empty groups.

    Example:
        >>> import numpy as np
        >>> building_envelopes(np.array([[0, 1, 0, 1, 0, 1], [2, 3, 2, 3, 2, 3.]]), [2, 0]).tolist()
        [[0.0, 3.0, 0.0, 3.0, 0.0, 3.0]]
    """
    sizes = np.asarray(counts, dtype=np.int64)
    if not len(envelopes):
        return np.zeros((0, 6))
    starts = (np.cumsum(sizes) - sizes)[sizes > 0]
    low, high = np.minimum.reduceat(envelopes, starts, axis=0), np.maximum.reduceat(envelopes, starts, axis=0)
    return np.column_stack([low[:, 0], high[:, 1], low[:, 2], high[:, 3], low[:, 4], high[:, 5]])


def polygons_2d(polygons: Sequence[Sequence[Array]]) -> Array:
    """Build shapely Polygons in plan (x, y of the rings), one per list of rings, in one call.

    Args:
        polygons: per polygon, its rings as (N, 2) or (N, 3) arrays (exterior first).

    Returns:
        An object array of 2D shapely Polygons.

    Example:
        >>> import numpy as np
        >>> polygons_2d([[np.array([[0., 0, 5], [2, 0, 5], [2, 2, 9]])]])[0].area
        2.0
    """
    if not polygons:
        return np.empty(0, dtype=object)
    coords, offsets = _ragged(polygons, 2)
    return cast(Array, shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, offsets))


def areas_3d(polygons: Sequence[Sequence[Array]]) -> Array:
    """Compute the area of each planar 3D polygon (exterior minus holes) by Newell's method on all rings at once.

    Args:
        polygons: per polygon, its rings as (N, 3) arrays (exterior first).

    Returns:
        The areas, one per polygon (never negative).

    Example:
        >>> import numpy as np
        >>> wall = np.array([[0., 0, 0], [4, 0, 0], [4, 0, 3], [0, 0, 3]])      # vertical: 4 x 3
        >>> hole = np.array([[1., 0, 1], [2, 0, 1], [2, 0, 2], [1, 0, 2]])
        >>> areas_3d([[wall], [wall, hole]]).tolist()
        [12.0, 11.0]
    """
    return RaggedPolygons(polygons).areas()


class RaggedPolygons:
    """Polygons (lists of (N, 3) rings, exterior first, not closed) as one array of their points, the points of
    each ring and the rings of each polygon, concatenated once for everything computed over a batch.

    Example: ``RaggedPolygons([[np.array([[0., 0, 0], [2, 0, 0], [0, 2, 0]])]]).areas()`` -> ``[2.]``.
    """

    def __init__(self, polygons: Sequence[Sequence[Array]]) -> None:
        rings = [ring for rings in polygons for ring in rings]
        self.lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
        self.counts = np.fromiter(map(len, polygons), dtype=np.int64, count=len(polygons))
        self.points = np.concatenate(rings) if rings else np.zeros((0, 3))

    def closed(self, dims: int = 3) -> tuple[Array, Array]:
        """The rings closed (first point repeated), the first ``dims`` coordinates, and the points of each."""
        lengths = self.lengths
        ends = np.cumsum(lengths + 1)
        source = np.arange(len(self.points) + len(lengths)) - np.repeat(np.arange(len(lengths)), lengths + 1)
        source[ends - 1] = np.cumsum(lengths) - lengths
        points = self.points if dims == 3 else self.points[:, :dims]
        return points[source], lengths + 1

    def areas(self) -> Array:
        """Area of each planar polygon (exterior minus holes), by Newell's method on all rings at once."""
        lengths, counts, points = self.lengths, self.counts, self.points
        if not len(lengths):
            return np.zeros(len(counts))
        starts = np.cumsum(lengths) - lengths
        local = points - np.repeat(points[starts], lengths, axis=0)  # no cancellation with map coordinates
        following = np.arange(1, len(points) + 1)
        following[starts + lengths - 1] = starts
        d, s = local - local[following], local + local[following]
        terms = np.stack((d[:, 1] * s[:, 2], d[:, 2] * s[:, 0], d[:, 0] * s[:, 1]), axis=1)
        normals = np.add.reduceat(terms, starts, axis=0)  # per ring: normal x twice its area
        outer = np.cumsum(counts) - counts
        norms = np.linalg.norm(normals[outer], axis=1)
        units = np.divide(normals[outer], norms[:, None], out=np.zeros((len(outer), 3)),
                          where=norms[:, None] > 0)
        owner = np.repeat(np.arange(len(counts)), counts)
        holes = np.ones(len(lengths), dtype=bool)
        holes[outer] = False
        area = norms / 2.0
        np.subtract.at(area, owner[holes], np.abs(np.einsum("ij,ij->i", normals[holes], units[owner[holes]])) / 2.0)
        return cast(Array, np.maximum(area, 0.0))


def _polygon_parts(geoms: Array, min_area: float) -> Array:
    parts = shapely.get_parts(shapely.get_parts(geoms))  # collections of multipolygons, twice
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & (shapely.area(parts) > min_area)
    return cast(Array, parts[keep])


def union_2d(polygons: Sequence[Sequence[Array]], min_area: float = 1e-6) -> MultiPolygon | None:
    """Unite polygons projected to the XY plane into one valid 2D MultiPolygon; vertical ones vanish.

    Args:
        polygons: per polygon, its rings as (N, 3) arrays.
        min_area: parts of this area or less are dropped.

    Returns:
        The union, or None when nothing of area remains.

    Example:
        >>> import numpy as np
        >>> a = np.array([[0., 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0]])
        >>> b = a + [1, 0, 0]
        >>> wall = np.array([[0., 0, 0], [2, 0, 0], [2, 0, 3], [0, 0, 3]])
        >>> union_2d([[a], [b], [wall]]).area
        6.0
        >>> union_2d([[wall]]) is None
        True
    """
    if not polygons:
        return None
    coords, offsets = _ragged(polygons, 2)
    flats = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, offsets)
    invalid = ~shapely.is_valid(flats)
    if invalid.any():
        flats[invalid] = shapely.make_valid(flats[invalid])
    parts = _polygon_parts(flats, min_area)
    if len(parts) == 0:
        return None
    if len(parts) > 1:
        parts = _polygon_parts(np.asarray([shapely.make_valid(shapely.union_all(parts))]), min_area)
    return MultiPolygon(list(parts)) if len(parts) else None


def union_2d_many(groups: Sequence[Sequence[Sequence[Array]]], min_area: float = 1e-6
                  ) -> list[MultiPolygon | None]:
    """Compute ``union_2d`` of each group of polygons, the validity of all groups checked at once.

    A group whose polygons give one polygon part needs no union; groups of several parts are united one by one.

    Args:
        groups: per group, its polygons (lists of (N, 3) rings).
        min_area: parts of this area or less are dropped.

    Returns:
        Per group its union, or None (empty group or nothing of area).

    Example:
        >>> import numpy as np
        >>> a = np.array([[0., 0, 0], [2, 0, 0], [2, 2, 0], [0, 2, 0]])
        >>> [None if u is None else u.area for u in union_2d_many([[[a]], [[a], [a + [1, 0, 0]]], []])]
        [4.0, 6.0, None]
    """
    out: list[MultiPolygon | None] = [None] * len(groups)
    index = [i for i, group in enumerate(groups) if group and all(len(rings) for rings in group)]
    if not index:
        return out
    flats = polygons_2d([rings for i in index for rings in groups[i]])
    owner = np.repeat(np.arange(len(index)), [len(groups[i]) for i in index])
    invalid = ~shapely.is_valid(flats)
    if invalid.any():
        flats[invalid] = shapely.make_valid(flats[invalid])
    first, at_first = shapely.get_parts(flats, return_index=True)
    parts, at_parts = shapely.get_parts(first, return_index=True)
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & (shapely.area(parts) > min_area)
    parts = parts[keep]
    counts = np.bincount(owner[at_first[at_parts[keep]]], minlength=len(index)).tolist()
    start = 0
    for k, i in enumerate(index):
        count = counts[k]
        if count == 1:
            out[i] = MultiPolygon([parts[start]])
        elif count > 1:
            out[i] = union_2d(groups[i], min_area)
        start += count
    return out


def convex_outline(polygons: Iterable[Sequence[Array]]) -> MultiPolygon | None:
    """Give the 2D convex hull of every exterior vertex, when nothing better is available.

    Args:
        polygons: per polygon, its rings as (N, 3) arrays (only the exterior is used).

    Returns:
        The hull as a MultiPolygon, or None when the vertices span no area.

    Example:
        >>> import numpy as np
        >>> rings = [[np.array([[0., 0, 0], [2, 0, 0], [0, 0, 3]])], [np.array([[0., 2, 0], [0, 2, 1], [1, 1, 1]])]]
    >>> convex_outline(rings).area
        2.0
    """
    points = [ring[:, :2] for rings in polygons for ring in rings[:1]]
    if not points:
        return None
    hull = shapely.MultiPoint(np.vstack(points)).convex_hull
    return MultiPolygon([hull]) if isinstance(hull, Polygon) and hull.area > 0 else None
