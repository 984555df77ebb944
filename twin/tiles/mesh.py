"""Triangulated building meshes (source CRS): earcut on each polygon's plane, LoD1 blocks from footprints."""
from __future__ import annotations

from dataclasses import dataclass

import mapbox_earcut as earcut
import numpy as np

from .source import Building


@dataclass
class Mesh:
    """Vertices (N, 3) float64, triangles (M, 3), and per-vertex polygon index (normals are per polygon)."""

    vertices: np.ndarray
    triangles: np.ndarray
    polygon: np.ndarray      # (N,) polygon number within this mesh
    polygon_count: int

    @staticmethod
    def empty() -> "Mesh":
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, np.int64), 0)


def newell_normal(ring: np.ndarray) -> np.ndarray:
    nxt = np.roll(ring, -1, axis=0)
    return np.array([np.sum((ring[:, 1] - nxt[:, 1]) * (ring[:, 2] + nxt[:, 2])),
                     np.sum((ring[:, 2] - nxt[:, 2]) * (ring[:, 0] + nxt[:, 0])),
                     np.sum((ring[:, 0] - nxt[:, 0]) * (ring[:, 1] + nxt[:, 1]))])


def triangulate_polygon(rings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Vertices and triangles (outward winding as the exterior ring) of one planar polygon with holes."""
    rings = [np.asarray(r, np.float64) for r in rings if len(r) >= 3]
    if not rings:
        return None
    normal = newell_normal(rings[0])
    length = np.linalg.norm(normal)
    if length < 1e-12:
        return None  # degenerate (zero area)
    normal /= length
    verts = np.vstack(rings)
    # drop the dominant axis: a projection that keeps the polygon simple
    axis = int(np.argmax(np.abs(normal)))
    uv = np.delete(verts, axis, axis=1) - np.delete(verts[0], axis)
    ends = np.cumsum([len(r) for r in rings]).astype(np.uint32)
    tri = np.asarray(earcut.triangulate_float64(uv, ends), dtype=np.int64).reshape(-1, 3)
    if len(tri) == 0:
        return None
    a, b, c = verts[tri[:, 0]], verts[tri[:, 1]], verts[tri[:, 2]]
    flip = np.einsum("ij,j->i", np.cross(b - a, c - a), normal) < 0
    tri[flip] = tri[flip][:, [0, 2, 1]]
    return verts, tri


def concat(parts: list[tuple[np.ndarray, np.ndarray]]) -> Mesh:
    if not parts:
        return Mesh.empty()
    sizes = np.array([len(v) for v, _ in parts])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    vertices = np.vstack([v for v, _ in parts])
    triangles = np.vstack([t + s for (_, t), s in zip(parts, starts)])
    polygon = np.repeat(np.arange(len(parts)), sizes)
    return Mesh(vertices, triangles, polygon, len(parts))


def lod2_mesh(building: Building) -> tuple[Mesh, list[int]]:
    """The building's polygons triangulated; also the source polygon index of each mesh polygon."""
    parts, kept = [], []
    for i, poly in enumerate(building.polygons):
        tri = triangulate_polygon(poly.rings)
        if tri is not None:
            parts.append(tri)
            kept.append(i)
    return concat(parts), kept


def _footprint(building: Building):
    """2D footprint: the footprints layer, else the ground surfaces, else the convex hull of all vertices."""
    import shapely

    if building.footprint:
        return shapely.union_all(building.footprint)
    ground = [shapely.Polygon(p.rings[0][:, :2], [r[:, :2] for r in p.rings[1:]])
              for p in building.polygons if p.surface_type == "GroundSurface" and len(p.rings[0]) >= 3]
    ground = [g if g.is_valid else shapely.make_valid(g) for g in ground]
    if ground:
        fp = shapely.union_all(ground)
        if fp.area > 0:
            return fp
    pts = np.vstack([r[:, :2] for p in building.polygons for r in p.rings])
    return shapely.MultiPoint(pts).convex_hull


def heights(building: Building) -> tuple[float, float]:
    """Ground and roof height (source vertical datum), from the row or the geometry."""
    zs = np.concatenate([r[:, 2] for p in building.polygons for r in p.rings])
    ground = building.row.get("ground_height")
    roof = building.row.get("roof_height")
    return (float(zs.min()) if ground is None else float(ground),
            float(zs.max()) if roof is None else float(roof))


def lod1_block(building: Building, tolerance: float = 0.5) -> Mesh:
    """An extruded footprint from ground to roof height (walls and top; the bottom is never seen)."""
    import shapely

    fp = _footprint(building).simplify(tolerance, preserve_topology=True)
    ground, roof = heights(building)
    if roof - ground < 0.1:
        roof = ground + 0.1
    parts = []
    for poly in shapely.get_parts(fp):
        if poly.geom_type != "Polygon" or poly.area <= 0:
            continue
        poly = shapely.geometry.polygon.orient(poly, 1.0)  # exterior CCW seen from above
        rings2d = [np.asarray(poly.exterior.coords)[:-1], *[np.asarray(r.coords)[:-1] for r in poly.interiors]]
        top = [np.column_stack([r, np.full(len(r), roof)]) for r in rings2d]
        tri = triangulate_polygon(top)
        if tri is not None:
            parts.append(tri)
        for r in rings2d:
            nxt = np.roll(r, -1, axis=0)
            for p, q in zip(r, nxt):
                quad = np.array([[p[0], p[1], ground], [q[0], q[1], ground], [q[0], q[1], roof], [p[0], p[1], roof]])
                parts.append((quad, np.array([[0, 1, 2], [0, 2, 3]])))
    return concat(parts)


def lod1_error(building: Building) -> float:
    """How far the LoD1 block's top departs from the real roof: roof height minus the lowest roof point."""
    roofs = [r[:, 2] for p in building.polygons if p.surface_type == "RoofSurface" for r in p.rings]
    ground, roof = heights(building)
    if roofs:
        return float(roof - np.concatenate(roofs).min())
    return float(roof - ground) / 2
