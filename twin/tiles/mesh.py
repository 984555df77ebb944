"""Triangulated building meshes (source CRS): earcut on each polygon's plane, LoD1 blocks from footprints."""
from __future__ import annotations

from typing import Any, NamedTuple

import mapbox_earcut as earcut
import numpy as np
from numpy.typing import NDArray

from .polygons import PolygonSet, ranges
from .source import BuildingBatch


class Mesh(NamedTuple):
    """Vertices (N, 3) float64, triangles (M, 3), and per-vertex polygon index (normals are per polygon)."""

    vertices: NDArray[Any]
    triangles: NDArray[Any]
    polygon: NDArray[Any]      # (N,) polygon number within this mesh
    polygon_count: int

    @staticmethod
    def empty() -> Mesh:
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0, np.int64), 0)


class MeshList:
    """Many meshes kept as one list per field: whatever their number, four objects for the garbage collector
    to scan (rather than one per mesh, which makes every full collection slower as the model grows)."""

    def __init__(self) -> None:
        self.vertices: list[NDArray[Any] | None] = []
        self.triangles: list[NDArray[Any] | None] = []
        self.polygon: list[NDArray[Any] | None] = []
        self.polygon_count: list[int] = []

    def _fields(self) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        return self.vertices, self.triangles, self.polygon, self.polygon_count

    def __len__(self) -> int:
        return len(self.vertices)

    def __getitem__(self, i: int) -> Mesh:
        vertices, triangles, polygon = self.vertices[i], self.triangles[i], self.polygon[i]
        assert vertices is not None and triangles is not None and polygon is not None, f"mesh {i} was freed"
        return Mesh(vertices, triangles, polygon, self.polygon_count[i])

    def append(self, mesh: Mesh) -> None:
        for f, v in zip(self._fields(), mesh):
            f.append(v)

    def free(self, i: int) -> None:
        """Drop the arrays of mesh ``i``."""
        self.vertices[i] = self.triangles[i] = self.polygon[i] = None

    def select(self, keep: list[int]) -> MeshList:
        out = MeshList()
        for f, g in zip(self._fields(), out._fields()):
            g.extend(f[i] for i in keep)
        return out


def newell_normal(ring: NDArray[Any]) -> NDArray[Any]:
    """Compute a polygon ring's normal by Newell's method (robust for rings that are not quite planar); its length
    is twice the ring's area.

    Args:
        ring: the ring's (n, 3) vertices, not closed.

    Returns:
        The (unnormalised) normal.

    Example:
        >>> import numpy as np
        >>> newell_normal(np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)).tolist()   # anticlockwise
        [0.0, 0.0, 2.0]
    """
    nxt = np.roll(ring, -1, axis=0)
    return np.array([np.sum((ring[:, 1] - nxt[:, 1]) * (ring[:, 2] + nxt[:, 2])),
                     np.sum((ring[:, 2] - nxt[:, 2]) * (ring[:, 0] + nxt[:, 0])),
                     np.sum((ring[:, 0] - nxt[:, 0]) * (ring[:, 1] + nxt[:, 1]))])


def triangulate_polygon(rings: list[NDArray[Any]]) -> tuple[NDArray[Any], NDArray[Any]] | None:
    """Triangulate one planar polygon with holes (earcut in the polygon's plane), winding the triangles like the
    exterior ring.

    Args:
        rings: the exterior ring, then the holes; (n, 3) vertices each, not closed.

    Returns:
        (vertices, triangles), None for a polygon without a usable ring.

    Example:
        >>> import numpy as np
        >>> square = np.array([[0, 0, 0], [4, 0, 0], [4, 4, 0], [0, 4, 0]], float)
        >>> hole = np.array([[1, 1, 0], [1, 3, 0], [3, 3, 0], [3, 1, 0]], float)
        >>> vertices, triangles = triangulate_polygon([square, hole])
        >>> len(vertices), len(triangles)   # a frame of 8 vertices needs 8 triangles
        (8, 8)
    """
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


def _cross(a: NDArray[Any], b: NDArray[Any]) -> NDArray[Any]:
    """Row-wise cross product of (N, 3) arrays (np.cross without its generic overhead)."""
    return np.column_stack([a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1], a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
                            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]])


def _convex_fans(v: NDArray[Any], counts: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """For hole-free rings at once (``v`` their concatenated vertices, ``counts`` their sizes): Newell
    normals, which are convex, and which are degenerate."""
    if not len(counts):
        return np.zeros((0, 3)), np.zeros(0, bool), np.zeros(0, bool)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    idx = np.arange(len(v))
    owner = np.repeat(np.arange(len(counts)), counts)
    nxt = np.where(idx + 1 == (starts + counts)[owner], starts[owner], idx + 1)
    prv = np.where(idx == starts[owner], (starts + counts)[owner] - 1, idx - 1)
    a, b = v, v[nxt]
    terms = np.column_stack([(a[:, 1] - b[:, 1]) * (a[:, 2] + b[:, 2]), (a[:, 2] - b[:, 2]) * (a[:, 0] + b[:, 0]),
                             (a[:, 0] - b[:, 0]) * (a[:, 1] + b[:, 1])])
    normal = np.add.reduceat(terms, starts, axis=0)
    length = np.linalg.norm(normal, axis=1)
    degenerate = length < 1e-12
    unit = normal / np.where(degenerate, 1.0, length)[:, None]
    turn = np.einsum("ij,ij->i", _cross(v - v[prv], v[nxt] - v), unit[owner])
    scale = np.add.reduceat(np.linalg.norm(v[nxt] - v, axis=1), starts) / counts
    convex = np.logical_and.reduceat(turn >= -1e-9 * scale[owner] ** 2, starts) & ~degenerate
    return normal, convex, degenerate


def _example_polygons() -> PolygonSet:
    """The polygons of triangulate's example: the ground (z = 0) and the flat roof (z = 3) of one 10 m x 5 m
    building."""
    return PolygonSet(np.array([[0, 0, 0], [10, 0, 0], [10, 5, 0], [0, 5, 0],
                                [0, 0, 3], [10, 0, 3], [10, 5, 3], [0, 5, 3]], float),
                      ring_offsets=np.array([0, 4, 8]), poly_offsets=np.array([0, 1, 2]),
                      surface_type=["GroundSurface", "RoofSurface"], surface_id=["g", "r"])

def triangulate(polygons: PolygonSet, offsets: NDArray[Any]) -> tuple[Mesh, NDArray[Any], NDArray[Any]]:
    """Triangulate every building's polygons into one mesh, building by building (building i: ``polygons``
    ``offsets[i]:offsets[i + 1]``): convex rings are fanned, the others cut by earcut.

    Args:
        polygons: the buildings' polygons.
        offsets: where each building's polygons start (N + 1 offsets).

    Returns:
        (the mesh, the building of each mesh polygon, the source polygon of each mesh polygon).

    Example:
        >>> import numpy as np
        >>> from .polygons import PolygonSet
        >>> ground_and_roof = PolygonSet(
        ...     np.array([[0, 0, 0], [10, 0, 0], [10, 5, 0], [0, 5, 0],
        ...               [0, 0, 3], [10, 0, 3], [10, 5, 3], [0, 5, 3]], float),
        ...     ring_offsets=np.array([0, 4, 8]), poly_offsets=np.array([0, 1, 2]),
        ...     surface_type=["GroundSurface", "RoofSurface"], surface_id=["g", "r"])
        >>> mesh, building, source = triangulate(ground_and_roof, np.array([0, 2]))
        >>> len(mesh.vertices), len(mesh.triangles), building.tolist(), source.tolist()
        (8, 4, [0, 0], [0, 1])
    """
    n = len(offsets) - 1
    po, ro = polygons.poly_offsets, polygons.ring_offsets
    rings = np.diff(po)
    first = po[:-1]
    size = np.zeros(len(rings), np.int64)
    size[rings > 0] = ro[first[rings > 0] + 1] - ro[first[rings > 0]]
    building = np.repeat(np.arange(n), np.diff(offsets))
    single = (rings == 1) & (size >= 3)
    candidates = np.flatnonzero(single)
    counts = size[candidates]
    verts = polygons.coords[ranges(ro[first[candidates]], counts)]
    _, convex, degenerate = _convex_fans(verts, counts)
    earcut = np.sort(np.concatenate([np.flatnonzero(~single), candidates[~convex & ~degenerate]]))
    fanned = candidates[convex]
    verts, counts = verts[np.repeat(convex, counts)], counts[convex]
    vstart = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    ntri = counts - 2
    base = vstart[np.repeat(np.arange(len(fanned)), ntri)]
    k = ranges(np.ones(len(ntri), np.int64), ntri)
    parts_v, parts_t, parts_p = [verts], [np.column_stack([base, base + k, base + k + 1])], [
        np.repeat(np.arange(len(fanned)), counts)]
    source, offset = [fanned], len(verts)
    for pi in earcut.tolist():
        tri = triangulate_polygon(polygons.rings(pi))
        if tri is not None:
            parts_v.append(tri[0])
            parts_t.append(tri[1] + offset)
            parts_p.append(np.full(len(tri[0]), len(fanned) + len(source) - 1, np.int64))
            source.append(np.array([pi]))
            offset += len(tri[0])
    source = np.concatenate(source).astype(np.int64)
    verts, tris, vert_poly = np.concatenate(parts_v), np.concatenate(parts_t), np.concatenate(parts_p)
    if len(source) > len(fanned):   # bring each building's earcut polygons to it, after its fanned ones
        order = np.argsort(building[source], kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        vert_poly = rank[vert_poly]
        vorder = np.argsort(vert_poly, kind="stable")
        position = np.empty_like(vorder)
        position[vorder] = np.arange(len(vorder))
        tris = position[tris]
        verts, vert_poly, source = verts[vorder], vert_poly[vorder], source[order]
        tris = tris[np.argsort(vert_poly[tris[:, 0]], kind="stable")]
    return Mesh(verts, tris, vert_poly, len(source)), building[source], source


def lod2_meshes(polygons: PolygonSet, offsets: NDArray[Any]) -> list[tuple[tuple[Any, ...], tuple[int, ...]]]:
    """Triangulate every building's polygons (see ``triangulate``) into one mesh per building, kept as plain
    tuples of ``Mesh``'s fields (indices as int32) until their tiles are written.

    Args:
        polygons: the buildings' polygons.
        offsets: where each building's polygons start (N + 1 offsets).

    Returns:
        Per building (its mesh's fields, the indices within the building of the polygons it kept).

    Example:
        >>> import numpy as np
        >>> ground_and_roof = _example_polygons()   # triangulate's example: a 10 m x 5 m ground and its roof at 3 m
        >>> [(fields, kept)] = lod2_meshes(ground_and_roof, np.array([0, 2]))
        >>> Mesh(*fields).polygon_count, kept
        (2, (0, 1))
    """
    n = len(offsets) - 1
    mesh, owner, source = triangulate(polygons, offsets)
    cut = np.arange(n + 1)
    p_at = np.searchsorted(owner, cut).tolist()
    v_at = np.searchsorted(owner[mesh.polygon], cut).tolist()
    t_at = np.searchsorted(owner[mesh.polygon[mesh.triangles[:, 0]]], cut).tolist()
    kept = (source - offsets[owner]).tolist()
    out: list[tuple[tuple[Any, ...], tuple[int, ...]]] = []
    for bi in range(n):
        p0, p1, v0, v1 = p_at[bi], p_at[bi + 1], v_at[bi], v_at[bi + 1]
        if p0 == p1:
            out.append((tuple(Mesh.empty()), ()))
            continue
        out.append(((mesh.vertices[v0:v1], np.subtract(mesh.triangles[t_at[bi]:t_at[bi + 1]], v0, dtype=np.int32),
                     np.subtract(mesh.polygon[v0:v1], p0, dtype=np.int32), p1 - p0), tuple(kept[p0:p1])))
    return out


def merge(meshes: list[Mesh]) -> Mesh:
    """Merge meshes into one, their polygon numbers kept apart.

    Args:
        meshes: the meshes.

    Returns:
        The merged mesh (an empty one for none).

    Example:
        >>> import numpy as np
        >>> one = Mesh(np.zeros((3, 3)), np.array([[0, 1, 2]]), np.zeros(3, np.int64), 1)
        >>> both = merge([one, one])
        >>> both.triangles.tolist(), both.polygon.tolist(), both.polygon_count
        ([[0, 1, 2], [3, 4, 5]], [0, 0, 0, 1, 1, 1], 2)
    """
    if not meshes:
        return Mesh.empty()
    if len(meshes) == 1:
        return meshes[0]
    vertices, triangles = [m.vertices for m in meshes], [m.triangles for m in meshes]
    nv = np.fromiter(map(len, vertices), np.int64, len(meshes))
    nt = np.fromiter(map(len, triangles), np.int64, len(meshes))
    npoly = np.fromiter((m.polygon_count for m in meshes), np.int64, len(meshes))
    return Mesh(np.concatenate(vertices), np.concatenate(triangles) + np.repeat(np.cumsum(nv) - nv, nt)[:, None],
                np.concatenate([m.polygon for m in meshes]) + np.repeat(np.cumsum(npoly) - npoly, nv), int(npoly.sum()))


def lod1_footprints(batch: BuildingBatch, index: list[int], step: int = 500) -> list[bytes]:
    """Give the WKB of the 2D footprints of the LoD1 blocks of some buildings of a batch.

    The footprints layer is used, else the ground surfaces, else the convex hull of all vertices; decoded
    ``step`` buildings at a time (see ``PolygonSet.from_wkb``).

    Args:
        batch: a batch of buildings (see source.read_city_model).
        index: the buildings' positions in the batch.
        step: buildings decoded at a time.

    Returns:
        One WKB polygon per building of ``index``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.tiles.source import read_city_model
        >>> city = sample_twin().city                   # the sample district's city model
        >>> batches = []
        >>> _ = read_city_model(city, consume=batches.append)
        >>> import shapely
        >>> [round(shapely.from_wkb(wkb).area, 1) for wkb in lod1_footprints(batches[0], [0, 1])]
        [1080.0, 544.0]
    """
    import shapely

    out: list[bytes] = []
    for s in range(0, len(index), step):
        some = index[s:s + step]
        counts = [len(batch.footprints[i]) for i in some]
        wkb = np.array([w for i in some for w in batch.footprints[i]], dtype=object)
        parts, source = shapely.get_parts(shapely.force_2d(shapely.from_wkb(wkb)), return_index=True)
        owner = np.repeat(np.arange(len(some)), counts)[source]
        first = np.searchsorted(owner, np.arange(len(some) + 1)).tolist()
        footprints = np.empty(len(some), dtype=object)
        footprints[:] = [_footprint(parts[first[k]:first[k + 1]], batch, i) for k, i in enumerate(some)]
        out += shapely.to_wkb(footprints).tolist()
    return out


def _footprint(parts: NDArray[Any], batch: BuildingBatch, i: int) -> Any:
    import shapely

    if len(parts) == 1:
        return parts[0]
    if len(parts):
        return shapely.union_all(parts)
    polys, p0, p1 = batch.polygons, int(batch.offsets[i]), int(batch.offsets[i + 1])
    ground = []
    for k in range(p0, p1):
        rings = polys.rings(k)
        if polys.surface_type[k] == "GroundSurface" and len(rings[0]) >= 3:
            g = shapely.Polygon(rings[0][:, :2], [r[:, :2] for r in rings[1:]])
            ground.append(g if g.is_valid else shapely.make_valid(g))
    if ground:
        fp = shapely.union_all(ground)
        if fp.area > 0:
            return fp
    v0, v1 = polys.vertex_offsets(batch.offsets[i:i + 2]).tolist()
    return shapely.MultiPoint(polys.coords[v0:v1, :2]).convex_hull


def block_levels(batch: BuildingBatch) -> tuple[NDArray[Any], NDArray[Any]]:
    """Give each building's LoD1 block: ground and roof height, and how far its top departs from the real roof.

    Heights are in the source vertical datum, from the row, else the lowest and highest vertex; the departure is
    the roof height minus the lowest roof point (without roof surfaces half the height).

    Args:
        batch: a batch of buildings (see source.read_city_model).

    Returns:
        ((N, 2) ground and roof heights, (N,) departures); NaN for a building without vertices.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.tiles.source import read_city_model
        >>> city = sample_twin().city                   # the sample district's city model
        >>> batches = []
        >>> _ = read_city_model(city, consume=batches.append)
        >>> levels, departure = block_levels(batches[0])
        >>> levels[:2].tolist(), departure[:2].round(2).tolist()    # the school's flat roof, then a gable roof
        ([[115.0, 125.8], [115.02, 134.52]], [0.0, 6.0])
    """
    polys, n = batch.polygons, len(batch)
    z = polys.coords[:, 2]
    vo = polys.vertex_offsets(batch.offsets)
    some = np.diff(vo) > 0
    vertices_per_polygon = np.diff(polys.vertex_offsets(np.arange(len(polys) + 1)))
    is_roof = np.array([t == "RoofSurface" for t in polys.surface_type], bool)
    roof_vertex = np.repeat(is_roof, vertices_per_polygon)
    zmin, zmax, roof_min = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    roofs = np.zeros(n, np.int64)
    if some.any():
        starts = vo[:-1][some]
        zmin[some], zmax[some] = np.minimum.reduceat(z, starts), np.maximum.reduceat(z, starts)
        roof_min[some] = np.minimum.reduceat(np.where(roof_vertex, z, np.inf), starts)
        roofs[some] = np.add.reduceat(roof_vertex.astype(np.int64), starts)
    ground = np.array([np.nan if r.get("ground_height") is None else r["ground_height"] for r in batch.rows], float)
    roof = np.array([np.nan if r.get("roof_height") is None else r["roof_height"] for r in batch.rows], float)
    ground, roof = np.where(np.isnan(ground), zmin, ground), np.where(np.isnan(roof), zmax, roof)
    error = np.where(roofs > 0, roof - roof_min, (roof - ground) / 2)
    return np.column_stack([ground, roof]), error


def lod1_blocks(footprints: NDArray[Any], levels: NDArray[Any], tolerance: float = 0.5) -> tuple[Mesh, NDArray[Any]]:
    """Extrude footprints into LoD1 blocks from ground to roof height: walls and top (the bottom is never seen).

    Args:
        footprints: 2D footprints (a shapely array).
        levels: (N, 2) ground and roof height per footprint.
        tolerance: metres of simplification of the footprints.

    Returns:
        (one mesh of all blocks, each block's vertices and triangles together in footprint order; the number of
        vertices of each block).

    Example:
        >>> import numpy as np
        >>> from shapely.geometry import box
        >>> blocks, counts = lod1_blocks(np.array([box(0, 0, 10, 5)], dtype=object), np.array([[100.0, 112.0]]))
        >>> counts.tolist(), blocks.vertices[:, 2].min(), blocks.vertices[:, 2].max(), len(blocks.triangles)
        ([20], 100.0, 112.0, 10)
    """
    import shapely

    footprints = shapely.simplify(footprints, tolerance, preserve_topology=True)
    n = len(footprints)
    levels = np.asarray(levels, np.float64).reshape(-1, 2)
    ground = levels[:, 0]
    roof = np.maximum(levels[:, 1], ground + 0.1)
    parts, owner = shapely.get_parts(footprints, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    parts, owner = parts[keep], owner[keep]
    if not len(parts):
        return Mesh.empty(), np.zeros(n, np.int64)
    _, coords, (ring_offsets, poly_offsets) = shapely.to_ragged_array(parts, include_z=False)
    # rings without their closing point; exterior counter-clockwise seen from above, holes clockwise:
    # tops face up, walls outwards
    ring_poly = np.repeat(np.arange(len(parts)), np.diff(poly_offsets))
    ring_owner = owner[ring_poly]
    exterior = np.zeros(len(ring_poly), bool)
    exterior[poly_offsets[:-1]] = True
    counts = np.diff(ring_offsets) - 1
    starts = ring_offsets[:-1]
    vert_ring = np.repeat(np.arange(len(counts)), counts)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    idx = starts[vert_ring] + within
    nxt_idx = starts[vert_ring] + (within + 1) % counts[vert_ring]
    x, y = coords[:, 0], coords[:, 1]
    area = np.bincount(vert_ring, x[idx] * y[nxt_idx] - x[nxt_idx] * y[idx], minlength=len(counts))
    flip = (area > 0) != exterior
    idx = np.where(flip[vert_ring], starts[vert_ring] + counts[vert_ring] - 1 - within, idx)
    ring_xy = coords[idx]                                    # all rings, oriented, concatenated
    ring_start = np.cumsum(counts) - counts

    # tops: one polygon per footprint polygon, at the roof height
    z_top = roof[ring_owner][vert_ring]
    top_xyz = np.column_stack([ring_xy, z_top])
    tops_polygons = PolygonSet(top_xyz, np.concatenate([[0], np.cumsum(counts)]), poly_offsets.astype(np.int64),
                               [""] * len(parts), [""] * len(parts))
    top, top_owner, _ = triangulate(tops_polygons, np.searchsorted(owner, np.arange(n + 1)))

    # walls: one quad per edge of every ring (degenerate edges left out)
    nxt = np.where(within + 1 == counts[vert_ring], ring_start[vert_ring], np.arange(len(ring_xy)) + 1)
    a, b = ring_xy, ring_xy[nxt]
    edge_owner = ring_owner[vert_ring]
    h = roof[edge_owner] - ground[edge_owner]
    ok = np.linalg.norm(b - a, axis=1) * h >= 1e-12
    a, b, edge_owner = a[ok], b[ok], edge_owner[ok]
    g, r = ground[edge_owner], roof[edge_owner]
    quads = np.empty((len(a), 4, 3))
    quads[:, 0, :2], quads[:, 1, :2], quads[:, 2, :2], quads[:, 3, :2] = a, b, b, a
    quads[:, 0, 2], quads[:, 1, 2], quads[:, 2, 2], quads[:, 3, 2] = g, g, r, r
    quad = np.arange(len(a))
    # tops then walls, each block's vertices and triangles then brought together (stable: tops first)
    vertex_owner = np.concatenate([top_owner[top.polygon], np.repeat(edge_owner, 4)])
    wall_tris = (quad[:, None, None] * 4 + np.array([[0, 1, 2], [0, 2, 3]])).reshape(-1, 3) + len(top.vertices)
    tris = np.concatenate([top.triangles, wall_tris])
    polygon = np.concatenate([top.polygon, np.repeat(quad, 4) + top.polygon_count])
    order = np.argsort(vertex_owner, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    tris = position[tris]
    tris = tris[np.argsort(vertex_owner[order][tris[:, 0]], kind="stable")]
    verts = np.concatenate([top.vertices, quads.reshape(-1, 3)])
    return (Mesh(verts[order], tris, polygon[order], top.polygon_count + len(quad)),
            np.bincount(vertex_owner, minlength=n))
