"""Spatial quadtree over building footprints in the tileset's ENU frame.

Explicit tiling: a building goes to the leaf that holds its centre; leaves hold LoD2, the
topmost tiles with at most ``lod1_max`` buildings and at most ``lod1_extent`` wide hold LoD1
blocks, refinement REPLACE.
Implicit tiling: a building goes to the deepest tile that contains its whole extent (so tile
bounds as implied by the subdivision contain their content), refinement ADD.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class Node:
    level: int
    x: int
    y: int
    x0: float
    y0: float
    size: float
    buildings: NDArray[Any]                   # building indices of the whole subtree (explicit) / own (implicit)
    children: list[Node] = field(default_factory=list)
    content: str | None = None              # "lod2" | "lod1" | None
    own: NDArray[Any] | None = None           # buildings whose content this tile holds
    geometric_error: float = 0.0
    box_min: NDArray[Any] | None = None       # ENU bounds of content and children
    box_max: NDArray[Any] | None = None
    content_bytes: int = 0

    @property
    def key(self) -> str:
        return f"{self.level}/{self.x}/{self.y}"

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()

    def bounds(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """The ENU bounds of content and children (set by ``finish``)."""
        assert self.box_min is not None and self.box_max is not None, "finish() sets the bounds"
        return self.box_min, self.box_max


def root_square(lo: NDArray[Any], hi: NDArray[Any]) -> tuple[float, float, float]:
    """Find the quadtree's root square around all buildings' bounds (a little larger, at least 1 m).

    Args:
        lo: (N, 3) lower bounds.
        hi: (N, 3) upper bounds.

    Returns:
        (x0, y0, size).

    Example:
        >>> import numpy as np
        >>> x0, y0, size = root_square(np.array([[0.0, 0, 0], [10, 5, 0]]), np.array([[4.0, 4, 10], [20, 9, 12]]))
        >>> round(x0, 2), round(y0, 2), round(size, 2)
        (-0.01, -5.51, 20.02)
    """
    lo, hi = lo.min(axis=0), hi.max(axis=0)
    size = float(max(hi[0] - lo[0], hi[1] - lo[1], 1.0)) * 1.001
    cx, cy = (lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2
    return cx - size / 2, cy - size / 2, size


def snapped_square(lo: NDArray[Any], hi: NDArray[Any], grid: float = 50.0) -> tuple[float, float, float]:
    """Find a root square on a grid: small changes of the content keep the square, and so the tree and its tiles
    (the incremental export).

    Args:
        lo: (N, 3) lower bounds.
        hi: (N, 3) upper bounds.
        grid: the grid in metres.

    Returns:
        (x0, y0, size), corner and size multiples of ``grid``.

    Example:
        >>> import numpy as np
        >>> snapped_square(np.array([[456003.0, 5429012.0, 0]]), np.array([[456041.0, 5429030.0, 9]]))
        (456000.0, 5429000.0, 50.0)
    """
    a = np.floor(lo.min(axis=0)[:2] / grid) * grid
    b = np.ceil(hi.max(axis=0)[:2] / grid) * grid
    return float(a[0]), float(a[1]), float(max(b[0] - a[0], b[1] - a[1], grid))


EXPLICIT_MAX_LEVEL = 18   # the deepest level of an explicit tree
IMPLICIT_MAX_LEVEL = 12   # the deepest level of an implicit tree
IMPLICIT_MARGIN = 0.01    # m around a building that must fit into an implicit tile


def build_explicit(centres: NDArray[Any], lo: NDArray[Any], hi: NDArray[Any], *, leaf_max: int,
                   leaf_extent: float, lod1_max: int, lod1_extent: float, max_level: int = EXPLICIT_MAX_LEVEL,
                   square: tuple[float, float, float] | None = None, start: Node | None = None) -> Node:
    """Build the explicit tile tree: split by building centres until a tile holds at most ``leaf_max`` buildings and
    spans at most ``leaf_extent``; tiles with at most ``lod1_max`` buildings within ``lod1_extent`` hold LoD1 blocks
    of their subtree, the leaves LoD2.

    Args:
        centres: (N, 3) building centres.
        lo: (N, 3) lower bounds.
        hi: (N, 3) upper bounds.
        leaf_max: the most buildings in a leaf.
        leaf_extent: the widest leaf (m).
        lod1_max: the most buildings in a LoD1 tile.
        lod1_extent: the widest LoD1 tile (m).
        max_level: the deepest level.
        square: the root square (x0, y0, size); by default ``root_square``.
        start: grow the tree below this node instead (its ``buildings`` index the arrays, its ancestors hold no
            LoD1): the subtree the whole tree has below a node with the same square and buildings.

    Returns:
        The root Node (``start`` when given).

    Example:
        >>> import numpy as np
        >>> lo = np.array([[0.0, 0, 0], [300, 0, 0], [0, 300, 0], [300, 300, 0]])   # four 10 m x 10 m buildings
        >>> hi = lo + [10, 10, 12]
        >>> root = build_explicit((lo + hi) / 2, lo, hi, leaf_max=1, leaf_extent=1000, lod1_max=10, lod1_extent=1e9)
        >>> [(n.key, n.buildings.tolist(), n.content) for n in root.walk()]
        [('0/0/0', [0, 1, 2, 3], 'lod1'), ('1/0/0', [0], 'lod2'), ('1/1/0', [1], 'lod2'), ('1/0/1', [2], 'lod2'),
         ('1/1/1', [3], 'lod2')]
    """
    if start is None:
        x0, y0, size = square or root_square(lo, hi)
        start = Node(0, 0, 0, x0, y0, size, np.arange(len(centres)))
    root = start
    stack = [root]
    while stack:
        node = stack.pop()
        sel = node.buildings
        ext = float(max(hi[sel, 0].max() - lo[sel, 0].min(), hi[sel, 1].max() - lo[sel, 1].min()))
        if node.level < max_level and (len(node.buildings) > leaf_max or ext > leaf_extent) and len(node.buildings) > 1:
            half = node.size / 2
            c = centres[node.buildings]
            qx = (c[:, 0] >= node.x0 + half).astype(int)
            qy = (c[:, 1] >= node.y0 + half).astype(int)
            for dy in (0, 1):
                for dx in (0, 1):
                    sel = node.buildings[(qx == dx) & (qy == dy)]
                    if sel.size:
                        child = Node(node.level + 1, node.x * 2 + dx, node.y * 2 + dy,
                                     node.x0 + dx * half, node.y0 + dy * half, half, sel)
                        node.children.append(child)
                        stack.append(child)
            if len(node.children) == 1 and node.level + 1 >= max_level:
                node.children = []
        if not node.children:
            node.content, node.own = "lod2", node.buildings

    def assign_lod1(node: Node, parent_has: bool) -> None:
        if node.children and not parent_has and len(node.buildings) <= lod1_max and node.size <= lod1_extent:
            node.content, node.own = "lod1", node.buildings
            parent_has = True
        for c in node.children:
            assign_lod1(c, parent_has)

    assign_lod1(root, False)
    return root


def build_implicit(lo: NDArray[Any], hi: NDArray[Any], *, leaf_max: int, leaf_extent: float,
                   max_level: int = IMPLICIT_MAX_LEVEL, margin: float = IMPLICIT_MARGIN,
                   square: tuple[float, float, float] | None = None,
                   start: Node | None = None) -> tuple[Node, tuple[float, float, float]]:
    """Build the implicit tile tree: each building sinks to the deepest tile that contains its whole extent (plus
    ``margin``, the most quantisation may move a vertex), until a tile holds at most ``leaf_max`` buildings and
    spans at most ``leaf_extent``.

    Args:
        lo: (N, 3) lower bounds.
        hi: (N, 3) upper bounds.
        leaf_max: the most buildings in a tile before it is split.
        leaf_extent: the widest tile with content (m).
        max_level: the deepest level.
        margin: metres added around each building.
        square: the root square, by default the bounds' square.
        start: grow the tree below this node instead (its ``buildings``, indices into the arrays, all fit in it):
            the subtree the whole tree has below a node with the same square and buildings.

    Returns:
        (the root Node, the root square; ``start`` and its square when given).

    Example:
        >>> import numpy as np
        >>> lo = np.array([[0.0, 0, 0], [300, 0, 0], [0, 300, 0], [300, 300, 0]])   # four 10 m x 10 m buildings
        >>> hi = lo + [10, 10, 12]
        >>> root, square = build_implicit(lo, hi, leaf_max=1, leaf_extent=1000)
        >>> [(n.key, n.own.tolist()) for n in root.walk()]
        [('0/0/0', []), ('1/0/0', [0]), ('1/1/0', [1]), ('1/0/1', [2]), ('1/1/1', [3])]
    """
    if start is None:
        x0, y0, size = square or root_square(lo - margin, hi + margin)
        start = Node(0, 0, 0, x0, y0, size, np.arange(len(lo)))
    root = start
    x0, y0, size = root.x0, root.y0, root.size
    stack = [root]
    while stack:
        node = stack.pop()
        sel = node.buildings
        if node.level < max_level and (len(sel) > leaf_max or node.size > leaf_extent):
            half = node.size / 2
            keep = np.ones(len(sel), bool)
            for dy in (0, 1):
                for dx in (0, 1):
                    cx0, cy0 = node.x0 + dx * half, node.y0 + dy * half
                    inside = ((lo[sel, 0] - margin >= cx0) & (hi[sel, 0] + margin <= cx0 + half)
                              & (lo[sel, 1] - margin >= cy0) & (hi[sel, 1] + margin <= cy0 + half) & keep)
                    if inside.any():
                        keep &= ~inside
                        child = Node(node.level + 1, node.x * 2 + dx, node.y * 2 + dy, cx0, cy0, half, sel[inside])
                        node.children.append(child)
                        stack.append(child)
            node.buildings = sel[keep]
        node.own = node.buildings
        node.content = "lod2" if node.buildings.size else None
    return root, (x0, y0, size)


def finish(root: Node, errors_lod1: NDArray[Any], content_bounds: dict[str, tuple[NDArray[Any], NDArray[Any]]],
           details: dict[str, tuple[float, NDArray[Any], NDArray[Any]]] | None = None) -> None:
    """Give every tile its bounds (content and children) and geometric error: 0 at leaves, parents >= children.

    An LoD1 tile's error is the largest departure of its blocks from the real roofs (at least 0.5 m); an empty or
    LoD2 tile above leaves out what its diagonal spans. ``details``: tile key -> (geometric error, bounds) of detail
    tiles (BIM) added below that tile: the tile's bounds include them and its error is at least that error, so that
    it refines into them. The nodes are changed in place.

    Args:
        root: the tree (build_explicit or build_implicit).
        errors_lod1: per building, how far its LoD1 block departs from its roof (m).
        content_bounds: tile key -> (low, high) of its content.
        details: tile key -> (geometric error, low, high) of detail tiles below it.

    Example:
        >>> lo = np.array([[0.0, 0, 0], [300, 0, 0], [0, 300, 0], [300, 300, 0]])   # four 10 m x 10 m buildings
        >>> hi = lo + [10, 10, 12]
        >>> root = build_explicit((lo + hi) / 2, lo, hi, leaf_max=1, leaf_extent=1000, lod1_max=10, lod1_extent=1e9)
        >>> bounds = {n.key: (lo[n.own].min(0), hi[n.own].max(0)) for n in root.walk() if n.content}
        >>> finish(root, np.full(4, 6.0), bounds, {"1/0/0": (2.0, np.zeros(3), np.array([10.0, 10, 20]))})
        >>> [(n.key, n.content, n.geometric_error, n.box_max.tolist()) for n in root.walk()]
        [('0/0/0', 'lod1', 6.0, [310.0, 310.0, 20.0]), ('1/0/0', 'lod2', 2.0, [10.0, 10.0, 20.0]),
         ('1/1/0', 'lod2', 0.0, [310.0, 10.0, 12.0]), ('1/0/1', 'lod2', 0.0, [10.0, 310.0, 12.0]),
         ('1/1/1', 'lod2', 0.0, [310.0, 310.0, 12.0])]
    """
    details = details or {}
    def visit(node: Node, inherited: float | None) -> None:
        if node.content == "lod1":
            inherited = max(float(errors_lod1[node.own].max()), 0.5)
        for c in node.children:
            visit(c, inherited if node.content != "lod2" else None)
        boxes: list[tuple[Any, Any]] = [content_bounds[node.key]] if node.key in content_bounds else []
        boxes += [(c.box_min, c.box_max) for c in node.children]
        if node.key in details:
            boxes.append(details[node.key][1:])
        node.box_min = np.min([b[0] for b in boxes], axis=0)
        node.box_max = np.max([b[1] for b in boxes], axis=0)
        child_max = max((c.geometric_error for c in node.children), default=0.0)
        if not node.children:
            node.geometric_error = details[node.key][0] if node.key in details else 0.0
        elif node.content == "lod1":
            assert inherited is not None   # set above for an LoD1 tile
            node.geometric_error = max(inherited, child_max)
        elif inherited is not None:     # empty tile between LoD1 and LoD2: refine together with its parent
            node.geometric_error = max(inherited, child_max)
        else:                           # empty or LoD2 tile above: the size of what it leaves out
            diag = float(np.linalg.norm(node.box_max - node.box_min))
            node.geometric_error = max(diag, child_max)

    visit(root, None)
