"""Triangulated element geometry from ifcopenshell.geom, with a per-element kernel fallback."""
from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from ..twin.kernel.progress import Reporter

FAST_KERNEL = "hybrid-cgal-simple-opencascade"
FALLBACK_KERNELS = ("opencascade", "cgal")


@dataclass
class Mesh:
    """One element's welded triangle mesh in the IFC's world coordinates (metres)."""

    product_id: int
    verts: NDArray[Any]   # (n, 3) float64, read-only
    faces: NDArray[Any]   # (m, 3) int32, read-only


@dataclass
class Failure:
    product_id: int
    reason: str


_NOT_BODY_IDS = {"Axis", "FootPrint", "Annotation", "Profile", "Plan", "Box", "Clearance", "CoG", "Lighting"}
_CURVE_TYPES = {"Curve", "Curve2D", "Curve3D", "GeometricCurveSet", "GeometricSet", "Annotation2D", "Point",
                "PointCloud"}


def has_body(product: Any) -> bool:
    """Tell whether a product has a 3D representation to triangulate (not only an axis or a footprint).

    Args:
        product: the IFC product.

    Returns:
        True when it has a body.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> has_body(ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall"))   # no representation
        False
    """
    shape = getattr(product, "Representation", None)
    if shape is None:
        return False
    return any(r.RepresentationIdentifier not in _NOT_BODY_IDS and r.RepresentationType not in _CURVE_TYPES
               for r in shape.Representations)


def settings() -> Any:
    """Make the geometry settings of the import: world coordinates in metres, welded vertices, no normals.

    Returns:
        ifcopenshell.geom settings.

    Example:
        >>> s = settings()
        >>> s.get("use-world-coords"), s.get("weld-vertices"), s.get("no-normals")
        (True, True, True)
    """
    import ifcopenshell.geom

    s = ifcopenshell.geom.settings()   # unannotated in ifcopenshell: allowed by untyped_calls_exclude
    s.set("use-world-coords", True)
    s.set("weld-vertices", True)
    s.set("no-normals", True)
    return s


def _mesh(product_id: int, geometry: Any) -> Mesh | None:
    import ifcopenshell.util.shape as us

    faces = us.get_faces(geometry)
    if not len(faces):
        return None
    return Mesh(product_id, us.get_vertices(geometry), faces)


def iterate(model: Any, products: list[Any], reporter: Reporter, kernel: str = FAST_KERNEL) -> Iterator[Mesh | Failure]:
    """Triangulate products in this thread: a Mesh per product with a 3D body, or a Failure after every kernel
    failed (products without a body yield nothing).

    Args:
        model: the IFC model.
        products: the products.
        reporter: receives progress and is asked for cancellation.
        kernel: the geometry kernel tried first.

    Yields:
        Mesh (product id, welded vertices in world metres, triangles) or Failure (product id, reason).

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.unit, ifcopenshell.api.context
        >>> import ifcopenshell.api.geometry
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> _ = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
        >>> metre = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT")
        >>> _ = ifcopenshell.api.unit.assign_unit(model, units=[metre])
        >>> body = ifcopenshell.api.context.add_context(model, context_type="Model", context_identifier="Body",
        ...     target_view="MODEL_VIEW", parent=ifcopenshell.api.context.add_context(model, context_type="Model"))
        >>> wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
        >>> _ = ifcopenshell.api.geometry.edit_object_placement(model, product=wall)   # at the origin
        >>> ifcopenshell.api.geometry.assign_representation(model, product=wall, representation=
        ...     ifcopenshell.api.geometry.add_wall_representation(model, context=body, length=5.0, height=3.0,
        ...                                                       thickness=0.25))
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> [mesh] = iterate(model, [wall], Reporter())   # a 5 m x 0.25 m x 3 m box
        >>> mesh.product_id == wall.id(), mesh.verts.shape, mesh.faces.shape
        (True, (8, 3), (12, 3))
        >>> mesh.verts.min(axis=0).round(3).tolist(), mesh.verts.max(axis=0).round(3).tolist()
        ([0.0, 0.0, 0.0], [5.0, 0.25, 3.0])
    """
    import ifcopenshell.geom

    by_id = {p.id(): p for p in products}
    if not by_id:
        return
    done: set[int] = set()
    total = len(by_id)
    shown = -1
    try:
        iterator: Any = ifcopenshell.geom.iterator(settings(), model, 1, include=list(by_id.values()),
                                                   geometry_library=cast(Any, kernel))
        started = iterator.initialize()
    except Exception:  # noqa: BLE001 - the kernel refused the whole file: triangulate element by element
        started = False
    if started:
        while True:
            reporter.check()
            shape = iterator.get()
            if shape.id in by_id and shape.id not in done:
                done.add(shape.id)
                mesh = _mesh(shape.id, shape.geometry)
                if mesh is not None:
                    yield mesh
                elif has_body(by_id[shape.id]):
                    yield Failure(shape.id, "the geometry has no triangles")
                percent = 100 * len(done) // total
                if percent != shown:
                    reporter.progress(float(percent))
                    shown = percent
            if not iterator.next():
                break
    for product_id in sorted(by_id.keys() - done):
        reporter.check()
        if has_body(by_id[product_id]):
            yield _retry(by_id[product_id])


def _example_wall() -> tuple[Any, Any]:
    """The model and wall of iterate's example, for the examples of the functions that take its mesh: an IFC4
    model in metres with one IfcWall 5 m long, 0.25 m thick and 3 m high at the origin."""
    import ifcopenshell
    import ifcopenshell.api.context
    import ifcopenshell.api.geometry
    import ifcopenshell.api.root
    import ifcopenshell.api.unit

    model = ifcopenshell.file(schema="IFC4")
    ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
    metre = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT")
    ifcopenshell.api.unit.assign_unit(model, units=[metre])
    model_context = ifcopenshell.api.context.add_context(model, context_type="Model")
    body = ifcopenshell.api.context.add_context(model, context_type="Model", context_identifier="Body",
                                                target_view="MODEL_VIEW", parent=model_context)
    wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
    ifcopenshell.api.geometry.edit_object_placement(model, product=wall)
    ifcopenshell.api.geometry.assign_representation(model, product=wall, representation=ifcopenshell.api.geometry.
                                                    add_wall_representation(model, context=body, length=5.0,
                                                                            height=3.0, thickness=0.25))
    return model, wall


def _retry(product: Any) -> Mesh | Failure:
    """Triangulate one element with the fallback kernels in turn."""
    import ifcopenshell.geom

    reasons = []
    for kernel in FALLBACK_KERNELS:
        try:
            shape = ifcopenshell.geom.create_shape(settings(), product, geometry_library=cast(Any, kernel))
        except Exception as err:  # noqa: BLE001 - every kernel error is collected and reported
            reasons.append(f"{kernel}: {err or type(err).__name__}")
            continue
        geometry = getattr(shape, "geometry", shape)
        mesh = _mesh(product.id(), geometry)
        if mesh is not None:
            return mesh
        reasons.append(f"{kernel}: no triangles")
    return Failure(product.id(), "; ".join(reasons) or "no geometry")


# ISO WKB, little-endian: a Polygon Z of one closed four-point ring, and a MultiPolygon Z's header
_WKB_TRIANGLE = np.dtype([("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("points", "<u4"),
                          ("xyz", "<f8", (4, 3))])
_WKB_MULTIPOLYGON_Z, _WKB_POLYGON_Z = 1006, 1003


def triangle_wkb(meshes: list[tuple[NDArray[Any], NDArray[Any]]]) -> list[bytes]:
    """Write meshes as geometries: each mesh's triangles as the WKB of one MultiPolygon Z, all in one call.

    Args:
        meshes: (xyz (n, 3), faces (k, 3)) per mesh, vertices already placed.

    Returns:
        The WKB per mesh.

    Example:
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> model, wall = _example_wall()   # iterate's example: an IfcWall 5 m x 0.25 m x 3 m at the origin
        >>> [mesh] = iterate(model, [wall], Reporter())
        >>> import shapely
        >>> solid = shapely.from_wkb(triangle_wkb([(mesh.verts, mesh.faces)])[0])
        >>> solid.geom_type, len(solid.geoms)
        ('MultiPolygon', 12)
    """
    tri = np.concatenate([xyz[faces] for xyz, faces in meshes])
    records = np.empty(len(tri), dtype=_WKB_TRIANGLE)
    records["order"], records["type"], records["rings"], records["points"] = 1, _WKB_POLYGON_Z, 1, 4
    records["xyz"][:, :3] = tri
    records["xyz"][:, 3] = tri[:, 0]
    blob = records.tobytes()
    out, start = [], 0
    for _, faces in meshes:
        end = start + len(faces) * _WKB_TRIANGLE.itemsize
        out.append(struct.pack("<BII", 1, _WKB_MULTIPOLYGON_Z, len(faces)) + blob[start:end])
        start = end
    return out


def _open_meshes(faces: NDArray[Any], owner: NDArray[Any], n_meshes: int) -> NDArray[Any]:
    """Per mesh: True unless it is closed and consistently oriented (every directed edge once, and its reverse).

    ``faces`` index one vertex array shared by all meshes; ``owner`` is each face's mesh.
    """
    edges = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2).astype(np.int64)
    n = int(faces.max()) + 1 if len(faces) else 1
    forward = edges[:, 0] * n + edges[:, 1]
    edge_owner = np.repeat(owner, 3)
    order = np.argsort(forward, kind="stable")
    sorted_forward = forward[order]
    repeated = np.zeros(len(forward), dtype=bool)
    repeated[order[1:]] = sorted_forward[1:] == sorted_forward[:-1]
    unmatched = ~np.isin(edges[:, 1] * n + edges[:, 0], sorted_forward, assume_unique=False)
    bad = np.zeros(n_meshes, dtype=bool)
    bad[edge_owner[repeated | unmatched]] = True
    return bad


def plan_triangles(meshes: list[Mesh], min_area: float = 1e-6) -> list[NDArray[Any] | None]:
    """Find each mesh's plan: the (k, 3, 2) triangles whose union is its footprint.

    Of a closed, consistently oriented mesh only the triangles facing one way are needed; of an open one all
    that are not vertical.

    Args:
        meshes: the meshes (world metres).
        min_area: triangles with a smaller plan area (m²) are left out.

    Returns:
        Per mesh its triangles in plan, None when it has none.

    Example:
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> model, wall = _example_wall()   # iterate's example: an IfcWall 5 m x 0.25 m x 3 m at the origin
        >>> [mesh] = iterate(model, [wall], Reporter())
        >>> [plan] = plan_triangles([mesh])
        >>> plan.shape, union_of_triangles([plan]).area
        ((2, 3, 2), 1.25)
    """
    if not meshes:
        return []
    counts = np.array([len(m.faces) for m in meshes])
    first_vertex = np.concatenate([[0], np.cumsum([len(m.verts) for m in meshes])[:-1]])
    owner = np.repeat(np.arange(len(meshes)), counts)
    faces = np.concatenate([m.faces for m in meshes]).astype(np.int64) + first_vertex[owner][:, None]
    tri = np.concatenate([m.verts for m in meshes])[faces][:, :, :2]
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    area = 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1]))
    keep = np.where(_open_meshes(faces, owner, len(meshes))[owner], np.abs(area), area) > min_area
    kept = tri[keep]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(owner[keep], minlength=len(meshes)))])
    return [kept[bounds[i]:bounds[i + 1]] if bounds[i + 1] > bounds[i] else None for i in range(len(meshes))]


def plan_hulls(meshes: list[Mesh]) -> list[Any]:
    """Find each mesh's convex hull in plan (the outline of last resort of pipes, earthworks, courses...).

    A mesh seen edge-on (a vertical plate) gives a line, not a polygon, and then None.

    Args:
        meshes: the meshes (world metres).

    Returns:
        Per mesh a shapely Polygon or None.

    Example:
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> model, wall = _example_wall()   # iterate's example: an IfcWall 5 m x 0.25 m x 3 m at the origin
        >>> [mesh] = iterate(model, [wall], Reporter())
        >>> [hull] = plan_hulls([mesh])
        >>> hull.bounds, hull.area
        ((0.0, 0.0, 5.0, 0.25), 1.25)
    """
    import shapely

    if not meshes:
        return []
    xy = np.concatenate([m.verts[:, :2] for m in meshes])
    owner = np.repeat(np.arange(len(meshes)), [len(m.verts) for m in meshes])
    hulls = shapely.convex_hull(shapely.multipoints(xy, indices=owner))
    return [h if h.geom_type == "Polygon" and h.area > 0 else None for h in hulls]


def _uncovered(polygons: NDArray[Any], seed: int = 64) -> NDArray[Any]:
    """The polygons with those dropped that lie inside the union of the largest ones (which is kept).

    The union is unchanged; a storey's slab, for example, covers most of its walls' tops.
    """
    import shapely

    if len(polygons) <= 2 * seed:
        return polygons
    order = np.argsort(-shapely.area(polygons))
    largest = shapely.union_all(polygons[order[:seed]])
    rest = polygons[order[seed:]]
    shapely.prepare(largest)
    return np.append(rest[~shapely.covers(largest, rest)], largest)


def union_of_triangles(triangles: list[NDArray[Any]], grid_size: float | None = None) -> Any:
    """Union plan triangles into a 2D shape.

    Unions in floating point, snap-rounding to 0.01 mm only when GEOS meets a topology error; with ``grid_size``
    the result is snapped to that grid.

    Args:
        triangles: (k, 3, 2) triangle arrays.
        grid_size: the grid to snap the result to, None for none.

    Returns:
        The shapely union, None when there are no triangles.

    Example:
        >>> import numpy as np
        >>> square = np.array([[[0, 0], [2, 0], [2, 2]], [[0, 0], [2, 2], [0, 2]]], dtype=float)
        >>> union_of_triangles([square]).area, union_of_triangles([]) is None
        (4.0, True)
    """
    import shapely

    triangles = [t for t in triangles if t is not None and len(t)]
    if not triangles:
        return None
    tri = np.concatenate(triangles)
    polygons = shapely.polygons(np.concatenate([tri, tri[:, :1]], axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):  # GEOS' numeric noise on sliver triangles
        try:
            union = shapely.union_all(_uncovered(polygons))
            if grid_size is not None:
                union = shapely.set_precision(union, grid_size)
        except shapely.errors.GEOSException:  # a topology error in floating point: snap-round the inputs
            union = shapely.union_all(polygons, grid_size=grid_size or 1e-5)
    return None if union.is_empty else union
