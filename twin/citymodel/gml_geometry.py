"""GML 3.1/3.2 surface geometry as used by CityGML: polygons, rings, coordinates, xlinks.

:func:`collect_polygons` walks any geometry element (Polygon, MultiSurface, CompositeSurface,
Solid, Shell, OrientableSurface, Surface patches, TriangulatedSurface) and returns its
polygons as lists of (N, 3) float64 rings (exterior first, not closed). Broken polygons
are reported through a callback and left out; ``xlink:href`` references are resolved through
a :class:`XlinkResolver`.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

import numpy as np
from lxml import etree
from numpy.typing import NDArray

GML_NAMESPACES = ("http://www.opengis.net/gml", "http://www.opengis.net/gml/3.2")
GML_IDS = tuple(f"{{{ns}}}id" for ns in GML_NAMESPACES)
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# Coordinates beyond these magnitudes are data errors in any projected or geographic CRS.
MAX_ABS_XY = 1.0e8
MAX_ABS_Z = 1.0e5

#: the local names of GML's polygonal surfaces, and of the properties that hold a polygon's outer and inner rings
POLYGON_LIKE = {"Polygon", "PolygonPatch", "Triangle", "Rectangle"}
EXTERIOR = {"exterior", "outerBoundaryIs"}
INTERIOR = {"interior", "innerBoundaryIs"}
# Geometry that is not a surface: ignored inside surface geometry.
NOT_SURFACES = {"LineString", "MultiCurve", "Curve", "Point", "MultiPoint", "CompositeCurve",
                "name", "description", "boundedBy", "metaDataProperty"}
_MAX_XLINK_DEPTH = 32

Element = Any  # an lxml element (lxml has no type information here)
FloatArray = NDArray[np.float64]


#: tag -> local name, filled by ``localname`` (a dict lookup first is cheaper than the call on hot paths)
LOCALNAMES: dict[object, str] = {}
_WITH_ID = etree.XPath("descendant-or-self::*[@g:id or @g32:id]",
                       namespaces={"g": GML_NAMESPACES[0], "g32": GML_NAMESPACES[1]})


def localname(tag: object) -> str:
    """Give the local part of an lxml tag, without its namespace.

    Args:
        tag: an element's ``tag``: ``{namespace}name`` text, or a function for comments and processing
            instructions.

    Returns:
        The name after the namespace; "" for comments and processing instructions.

    Example:
        >>> from lxml import etree
        >>> localname("{http://www.opengis.net/citygml/building/2.0}Building"), localname("Polygon")
        ('Building', 'Polygon')
        >>> localname(etree.Comment("a comment").tag)
        ''
    """
    name = LOCALNAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        if len(LOCALNAMES) < 10000:
            LOCALNAMES[tag] = name
    return name


def gml_id(el: Element) -> str | None:
    """Read an element's ``gml:id`` (GML 3.1 or 3.2 namespace).

    Args:
        el: an lxml element.

    Returns:
        The id, None when the element has none.

    Example:
        >>> from lxml import etree
        >>> from geotwin.twin.examples import shared_data
        >>> tree = etree.parse(str(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml")))
        >>> building = next(tree.iter("{http://www.opengis.net/citygml/building/2.0}Building"))
        >>> gml_id(building), gml_id(tree.getroot())
        ('UUID_d281adfc-4901-0f52-540b-4cc1a9325f82', None)
        >>> gml_id(etree.fromstring('<Polygon xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="p1"/>'))
        'p1'
    """
    return cast("str | None", el.get(GML_IDS[0]) or el.get(GML_IDS[1]))


def source_line(el: Element) -> int | None:
    """Give the line of an element in its file, for messages that point into the source. libxml2 reports lines
    from 65535 on one too high (measured with lxml 4.9 / libxml2 2.9+: a node on line 70002 says 70003); this
    undoes that.

    Args:
        el: an lxml element of a parsed file.

    Returns:
        The line number (1 for the first line), None when libxml2 does not know it.

    Example:
        >>> from lxml import etree
        >>> from geotwin.twin.examples import shared_data
        >>> tree = etree.parse(str(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml")))
        >>> building = next(tree.iter("{http://www.opengis.net/citygml/building/2.0}Building"))
        >>> source_line(building), source_line(building[0]), building[0].tag
        (34, 35, '{http://www.opengis.net/gml}description')
    """
    line: int | None = el.sourceline
    return line - 1 if line is not None and line > 65535 else line


class GeometryError(ValueError):
    """A polygon that cannot be used; the message says why."""


@dataclass(slots=True)
class Polygon:
    """A parsed polygon: exterior ring first, then holes; each (N, 3) float64, not closed (slotted: one per polygon)."""

    rings: list[FloatArray]
    id: str | None
    line: int | None


@dataclass
class GeometryStats:
    """What the geometry parser had to repair or leave out."""

    skipped_polygons: int = 0
    dangling_xlinks: int = 0
    closed_rings: int = 0
    padded_2d: int = 0


class XlinkResolver:
    """Resolves ``xlink:href="#id"`` within the current building, then in a bounded cache of
    polygons parsed from earlier buildings (shared walls referencing a neighbour)."""

    def __init__(self, cache_size: int = 256) -> None:
        self._elements: dict[str, Element] | None = {}
        self._root: Element = None
        self._cache: OrderedDict[str, list[Polygon]] = OrderedDict()
        self._cache_size = cache_size
        self._pending: list[tuple[str, Polygon]] = []  # remember_each, not yet in _cache (_fold)

    def index(self, root: Element, nodes: list[Element] | None = None) -> list[tuple[str, object]]:
        """Index every gml:id below ``root`` (the building being read); return duplicates. ``nodes``: the
        elements of ``root`` that may carry one, in document order, when the caller has them already."""
        elements, duplicates = self.index_of(_WITH_ID(root) if nodes is None else nodes)
        self._elements = elements
        return duplicates

    @staticmethod
    def index_of(nodes: list[Element]) -> tuple[dict[str, Element], list[tuple[str, object]]]:
        """The gml:id index of ``nodes`` (document order; the first of a duplicated id wins) and the duplicates."""
        elements: dict[str, Element] = {}
        duplicates: list[tuple[str, object]] = []
        for el in nodes:
            first, second = el.get(GML_IDS[0]), el.get(GML_IDS[1])
            if first is None and second is None:
                continue
            gid = first or second
            if gid in elements:
                duplicates.append((gid, el))
            else:
                elements[gid] = el
        return elements, duplicates

    def use(self, root: Element, elements: dict[str, Element] | None, duplicates: list[tuple[str, object]]
            ) -> list[tuple[str, object]]:
        """Take ``root`` as the current building with the index :meth:`index_of` made of it, or, when None, an
        index made at the first lookup; returns the duplicates."""
        self._elements = elements
        self._root = root
        return duplicates

    def element(self, href: str) -> Element | None:
        if not href.startswith("#"):
            return None
        if self._elements is None:
            self._elements = self.index_of(_WITH_ID(self._root))[0]
        return self._elements.get(href[1:])

    def cached(self, href: str) -> list[Polygon] | None:
        if self._pending:
            self._fold()
        return self._cache.get(href[1:]) if href.startswith("#") else None

    def remember(self, gid: str, polygons: list[Polygon]) -> None:
        if self._pending:
            self._fold()
        self._cache[gid] = polygons
        self._cache.move_to_end(gid)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def remember_each(self, pairs: list[tuple[str, Polygon]]) -> None:
        """``remember(gid, [polygon])`` of each pair in order, done when the cache is next looked at (_fold)."""
        self._pending.extend(pairs)
        if len(self._pending) > 16 * self._cache_size:
            self._fold()

    def _fold(self) -> None:
        """Put the pending pairs into the cache as remember would have, one by one: the cache then holds the
        ``cache_size`` ids remembered last (each with its last polygons), in the order of their last remember."""
        pending, self._pending = self._pending, []
        size = self._cache_size
        latest: dict[str, list[Polygon]] = {}  # the ids kept, the last remembered first
        for gid, polygon in reversed(pending):
            if gid not in latest:
                latest[gid] = [polygon]
                if len(latest) >= size:
                    break
        for gid in reversed(self._cache):
            if len(latest) >= size:
                break
            if gid not in latest:
                latest[gid] = self._cache[gid]
        self._cache = OrderedDict((gid, latest[gid]) for gid in reversed(latest))

    def release(self) -> None:
        """Forget the current building's elements (they are about to be cleared)."""
        self._elements = {}
        self._root = None


ProblemHandler = Callable[[object, str], None]  # (element, reason) -> None


class GeometryReader:
    """Parses surface geometry; ``on_problem(element, reason)`` hears about every skipped polygon."""

    def __init__(self, resolver: XlinkResolver, on_problem: ProblemHandler, stats: GeometryStats | None = None) -> None:
        self.resolver = resolver
        self.on_problem = on_problem
        self.stats = stats or GeometryStats()
        # polygons met twice (semantic surface + solid xlink); keyed by element: lxml keeps a live proxy unique
        self._parsed: dict[object, Polygon | None] = {}

    def collect_polygons(self, el: Element, reverse: bool = False) -> list[Polygon]:
        """Every valid polygon of the surface geometry ``el`` (or a property holding it)."""
        out: list[Polygon] = []
        self._collect(el, out, reverse, 0, frozenset())
        return out

    def _collect(self, el: Element, out: list[Polygon], reverse: bool, depth: int, seen: frozenset[str]) -> None:
        name = LOCALNAMES.get(el.tag) or localname(el.tag)
        if not name or name in NOT_SURFACES:
            return
        href = el.get(XLINK_HREF)
        if href is not None and len(el) == 0:
            self._follow(el, href, out, reverse, depth, seen)
            return
        if name in POLYGON_LIKE:
            key = el
            if key not in self._parsed:
                try:
                    self._parsed[key] = self.polygon(el)
                except GeometryError as err:
                    self._parsed[key] = None
                    self.stats.skipped_polygons += 1
                    self.on_problem(el, str(err))
                else:
                    if cast(Polygon, self._parsed[key]).id:
                        self.resolver.remember(cast(str, cast(Polygon, self._parsed[key]).id),
                                               [cast(Polygon, self._parsed[key])])
            polygon = self._parsed[key]
            if polygon is not None:
                out.append(_reversed(polygon) if reverse else polygon)
            return
        if name == "OrientableSurface":
            flip = reverse ^ (el.get("orientation", "+").strip() == "-")
            for child in el:
                if localname(child.tag) == "baseSurface":
                    self._collect(child, out, flip, depth, seen)
            return
        if name == "Solid":  # outer shell only; interior shells are cavities
            for child in el:
                if localname(child.tag) == "exterior":
                    self._collect(child, out, reverse, depth, seen)
            return
        start = len(out)
        for child in el:
            self._collect(child, out, reverse, depth, seen)
        if len(out) > start:
            gid = el.get(GML_IDS[0]) or el.get(GML_IDS[1])
            if gid:
                self.resolver.remember(gid, out[start:])

    def _follow(self, el: Element, href: str, out: list[Polygon], reverse: bool, depth: int,
                seen: frozenset[str]) -> None:
        if href in seen or depth >= _MAX_XLINK_DEPTH:
            self.stats.dangling_xlinks += 1
            self.on_problem(el, f"circular or too deep xlink:href {href!r}")
            return
        target = self.resolver.element(href)
        if target is not None:
            self._collect(target, out, reverse, depth + 1, seen | {href})
            return
        cached = self.resolver.cached(href)
        if cached is not None:
            out.extend([_reversed(p) for p in cached] if reverse else cached)
            return
        self.stats.dangling_xlinks += 1
        self.on_problem(el, f"dangling xlink:href {href!r}: no such gml:id in this building")

    def polygon(self, el: Element) -> Polygon:
        """One polygon; raises GeometryError when it cannot be used."""
        rings: list[FloatArray] = []
        for child in el:
            role = LOCALNAMES.get(child.tag) or localname(child.tag)
            if role in EXTERIOR or role in INTERIOR:
                if (role in EXTERIOR) != (not rings):
                    raise GeometryError("exterior ring missing or not first")
                ring_el = next((c for c in child if isinstance(c.tag, str)), None)
                if ring_el is None:
                    ring_el = _follow_ring(child, self.resolver)
                rings.append(self.ring(ring_el))
        if not rings:
            raise GeometryError("polygon without exterior ring")
        return Polygon(rings, gml_id(el), source_line(el))

    def ring(self, el: Element) -> FloatArray:
        """A LinearRing (posList, pos, coordinates or points) or a Ring of curve members."""
        if el is None:
            raise GeometryError("empty ring")
        if (LOCALNAMES.get(el.tag) or localname(el.tag)) == "Ring":
            parts = [self._coords(c) for c in el.iter() if localname(c.tag) in ("LineString", "LineStringSegment")]
            if not parts:
                raise GeometryError("gml:Ring without LineString members")
            coords = np.vstack(parts)
        else:
            coords = self._coords(el)
        return self._clean_ring(coords)

    def _coords(self, el: Element) -> FloatArray:
        pos_list = None
        positions: list[str] = []
        coordinates = None
        for child in el:
            name = LOCALNAMES.get(child.tag) or localname(child.tag)
            if name == "posList":
                pos_list = child
            elif name == "pos":
                positions.append(child.text or "")
            elif name == "coordinates":
                coordinates = child
            elif name in ("pointProperty", "pointRep"):
                pos = next((p for p in child.iter() if localname(p.tag) == "pos"), None)
                if pos is None:
                    raise GeometryError("point without gml:pos (xlinked points are not supported)")
                positions.append(pos.text or "")
        if pos_list is not None:
            values = _floats(pos_list.text)
            dim = _dimension(pos_list, values.size)
        elif positions:
            values = _floats(" ".join(positions))
            if values.size % len(positions):
                raise GeometryError("gml:pos elements with different dimensions")
            dim = values.size // len(positions)
        elif coordinates is not None:
            cs = coordinates.get("cs", ",")
            ts = coordinates.get("ts", " ")
            dec = coordinates.get("decimal", ".")
            tuples = [t for t in (coordinates.text or "").strip().split(ts if ts.strip() else None) if t]
            if not tuples:
                raise GeometryError("empty gml:coordinates")
            dim = len(tuples[0].split(cs))
            text = " ".join(tuples).replace(cs, " ")
            values = _floats(text.replace(dec, ".") if dec != "." else text)
        else:
            raise GeometryError("ring without coordinates")
        if dim not in (2, 3) or values.size % dim:
            raise GeometryError(f"{values.size} coordinate values do not make {dim}D points")
        coords = values.reshape(-1, dim)
        if dim == 2:
            self.stats.padded_2d += 1
            coords = np.column_stack([coords, np.zeros(len(coords))])
        return coords

    def _clean_ring(self, coords: FloatArray) -> FloatArray:
        rows = coords.tolist()
        if not rows:
            raise GeometryError("ring without coordinate values")
        xy, z = MAX_ABS_XY, MAX_ABS_Z
        # small rings: plain Python is faster than numpy here (NaN fails every comparison)
        if not all(-xy <= x <= xy and -xy <= y <= xy and -z <= h <= z for x, y, h in rows):
            if not np.isfinite(coords).all():
                raise GeometryError("NaN or infinite coordinate")
            bad = coords[(np.abs(coords[:, :2]) > MAX_ABS_XY).any(axis=1) | (np.abs(coords[:, 2]) > MAX_ABS_Z)][0]
            raise GeometryError(f"absurd coordinate {tuple(float(v) for v in bad)}")
        points = [rows[0]]
        for row in rows[1:]:
            if row != points[-1]:
                points.append(row)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        elif len(points) >= 3:
            self.stats.closed_rings += 1  # closing point missing: the ring is closed implicitly
        if len(points) < 3 or len(set(map(tuple, points))) < 3:
            raise GeometryError(f"ring has fewer than 3 distinct points ({len(points)} given)")
        return coords if len(points) == len(rows) else np.array(points, dtype=np.float64)


def _follow_ring(prop: Element, resolver: XlinkResolver) -> Element | None:
    href = prop.get(XLINK_HREF)
    return resolver.element(href) if href else None


def _reversed(polygon: Polygon) -> Polygon:
    return Polygon([r[::-1].copy() for r in polygon.rings], polygon.id, polygon.line)


def _floats(text: str | None) -> FloatArray:
    try:
        return np.array((text or "").split(), dtype=np.float64)
    except ValueError:
        raise GeometryError("coordinate that is not a number") from None


def _dimension(el: Element, count: int) -> int:
    """srsDimension of a posList: its own attribute, an ancestor's, else 3."""
    for node in _self_and_ancestors(el):
        dim = node.get("srsDimension") or node.get("dimension")
        if dim:
            try:
                return int(dim)
            except ValueError:
                raise GeometryError(f"srsDimension {dim!r} is not a number") from None
    return 3 if count % 3 == 0 or count % 2 else 2


def _self_and_ancestors(el: Element) -> Iterator[Element]:
    yield el
    yield from el.iterancestors()


def ring_key(ring: FloatArray) -> bytes:
    """Give an order-independent identity of a ring's vertex set, to find polygons that appear twice (one
    referenced from a semantic surface and from the solid); coordinates count to the millimetre.

    Args:
        ring: the (N, 3) vertices.

    Returns:
        The bytes of the vertices rounded to millimetres and sorted; equal for the same vertices in any order.

    Example:
        >>> import numpy as np
        >>> ring = np.array([[457842.0, 5439083.0, 111.8], [457854.0, 5439083.0, 111.8], [457854.0, 5439093.0, 111.8]])
        >>> ring_key(ring) == ring_key(ring[[2, 0, 1]]), ring_key(ring) == ring_key(ring + 0.0004)
        (True, True)
        >>> ring_key(ring) == ring_key(ring + 0.002), len(ring_key(ring))
        (False, 72)
    """
    pts: FloatArray = np.round(ring, 3)
    pts = pts[np.lexsort(pts.T[::-1])]
    return pts.tobytes()


def parse_rings(texts: list[str]) -> tuple[list[FloatArray], NDArray[np.bool_]] | None:
    """Many 3D posList texts at once, each a ring cleaned exactly as :meth:`GeometryReader.ring` cleans it.

    Consecutive duplicate points and the closing point are dropped. Returns the (N, 3) rings and, per ring, whether
    it lacked its closing point (``GeometryStats.closed_rings``); None when any text is not a usable 3D ring (a
    value that is not a number, absurd or too few points): the caller then reads those polygons one by one, with
    their messages.

    Args:
        texts: posList texts of 3D points.

    Returns:
        (rings, open flags), or None.

    Example:
        >>> rings, open_ = parse_rings(["0 0 0 1 0 0 1 0 0 1 1 0 0 0 0", "0 0 1 2 0 1 2 2 1"])
        >>> [r.tolist() for r in rings]
        [[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]], [[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [2.0, 2.0, 1.0]]]
        >>> open_.tolist()
        [False, True]
        >>> parse_rings(["0 0 0 1 0 0 0 0 0"]) is None  # fewer than 3 distinct points
        True
    """
    tokens = [t.split() for t in texts]  # each text split once: its count, then all values parsed at once
    counts = np.fromiter(map(len, tokens), dtype=np.int64, count=len(texts))
    if not len(counts) or (counts % 3).any() or (counts < 9).any():
        return None
    try:
        values = np.array(list(chain.from_iterable(tokens)), dtype=np.float64)
    except ValueError:
        return None
    pts = values.reshape(-1, 3)
    with np.errstate(invalid="ignore"):
        if not ((np.abs(pts[:, :2]) <= MAX_ABS_XY).all() and (np.abs(pts[:, 2]) <= MAX_ABS_Z).all()):
            return None  # NaN fails every comparison
    lengths = counts // 3
    ends = np.cumsum(lengths)
    starts = ends - lengths
    dup = np.zeros(len(pts), dtype=bool)
    dup[1:] = (pts[1:] == pts[:-1]).all(axis=1)
    dup[starts] = False
    kept = lengths - np.add.reduceat(dup, starts) if dup.any() else lengths
    closing = (pts[starts] == pts[ends - 1]).all(axis=1) & (kept > 1)
    final = kept - closing
    if (final < 3).any():
        return None
    points = pts[~dup] if dup.any() else pts
    kstarts = np.cumsum(kept) - kept
    ring_of = np.repeat(np.arange(len(kept)), kept)
    first, second = points[kstarts][ring_of], points[kstarts + 1][ring_of]
    two = (points == first).all(axis=1) | (points == second).all(axis=1)
    if np.logical_and.reduceat(two, kstarts).any():
        return None  # every point is one of the first two: fewer than 3 distinct points
    return [points[a:b] for a, b in zip(kstarts.tolist(), (kstarts + final).tolist())], ~closing
