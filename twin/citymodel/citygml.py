"""Streaming CityGML 1.0 / 2.0 / 3.0 building and terrain reader.

``read_citygml(path)`` returns a :class:`CityGMLSource` whose CRS and format are known at once
(from the file's header) and which yields one :class:`CityObject` per ``bldg:Building`` and per
``bldg:BuildingPart`` (``parent_id`` = the enclosing building or part), one :class:`Relief` per
``dem:TINRelief`` of a ``dem:ReliefFeature`` (its ``gml:Triangle`` patches), or a :class:`Skipped`.
Every other city object member (roads, vegetation, water, bridges, ..., and Breakline/MassPoint/
Raster relief components) is a :class:`Skipped` row "not imported: <type>": nothing vanishes.
``path`` may be an :class:`InputFile` (a zip member); its stream is bounded against bombs.

Reading is streaming: ``lxml.etree.iterparse`` hands over one finished building (or city object
member) at a time; it is read, then cleared and unlinked, so peak memory does not grow with the
file. ``xlink:href`` references are resolved within the building, then in a bounded cache of
polygons of earlier buildings; anything else is a dangling xlink (polygon left out, counted,
warned).

LoD choice: ``lod="highest"`` takes the highest LoD an object has. ``lod="1"`` or ``"2"`` takes
that LoD when the object has it, else the nearest LoD it has (the lower one on a tie), so a mixed
tile still arrives complete; ``CityObject.lod`` says which LoD was used and the number of
fallbacks is reported once at the end. A Building whose geometry lives only in its parts is
yielded without surfaces. LoD0 ``lod0FootPrint`` polygons become ``GroundSurface`` surfaces and
``footprint_rings``; ``lod0RoofEdge`` polygons become ``RoofSurface`` surfaces. Outer building
installations (dormers, chimneys, balconies) count as part of their building's surfaces.
Surfaces come from the semantic boundary surfaces (with ``surface_type``) plus any polygon of the
lodXSolid/lodXMultiSurface that no boundary surface holds (``surface_type`` ""); a polygon
referenced from both is delivered once.

The fast reader's plans (geometry walked without coordinates, posLists parsed a batch at a time) are made by an
optional compiled planner (_gmlplan.pyx, see accelerator()) where it is built, else in Python; the output is the same.

Hostile XML is refused before parsing: any DOCTYPE (entity definitions, DTD fetches) raises
InputError; the parser also runs with entities, DTD loading and network access disabled.
"""
from __future__ import annotations

import gzip
import importlib
import math
import os
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from lxml import etree

from ..kernel.crs import area_of_use_problem, parse_srs_name
from ..kernel.errors import InputError
from ..kernel.progress import Reporter
from .cityjson import gc_frozen
from .delivery import InputFile, as_input
from .gml_geometry import (
    EXTERIOR,
    GML_NAMESPACES,
    INTERIOR,
    LOCALNAMES,
    MAX_ABS_XY,
    MAX_ABS_Z,
    NOT_SURFACES,
    POLYGON_LIKE,
    XLINK_HREF,
    Element,
    GeometryError,
    GeometryReader,
    GeometryStats,
    Polygon,
    XlinkResolver,
    gml_id,
    localname,
    parse_rings,
    ring_key,
    source_line,
)
from .model import CityObject, CrsInfo, Relief, Skipped, Surface

if TYPE_CHECKING:
    from .geometry import Array

CITYGML_VERSIONS = ("1.0", "2.0", "3.0")
_BUILDING_TAGS = [f"{{http://www.opengis.net/citygml/building/{v}}}Building" for v in CITYGML_VERSIONS]
_MEMBER_TAGS = ([f"{{http://www.opengis.net/citygml/{v}}}cityObjectMember" for v in CITYGML_VERSIONS]
                + [f"{{{ns}}}featureMember" for ns in GML_NAMESPACES]
                + ["{http://www.opengis.net/wfs/2.0}member"])
_BUILDING_TAG_SET, _MEMBER_TAG_SET = frozenset(_BUILDING_TAGS), frozenset(_MEMBER_TAGS)
MAX_POLYGON_WARNINGS = 200  # per file; the totals are always reported at the end
_GML_ID, _GML32_ID = (f"{{{ns}}}id" for ns in GML_NAMESPACES)


def _with_id_or_srs(el: Element) -> list[Element]:
    """The elements of ``el`` (itself included, document order) with a gml:id or an srsName attribute
    (what the XPath ``descendant-or-self::*[@gml:id or @srsName]`` selects, faster on small trees)."""
    out = []
    for node in el.iter(etree.Element):
        attrib = node.attrib
        if attrib and (_GML_ID in attrib or _GML32_ID in attrib or "srsName" in attrib):
            out.append(node)
    return out


_HEADER_BYTES = 65536
_SCAN_CHUNK = 1 << 20
_PROLOG_LIMIT = 1 << 20  # a root element must start within this many bytes
_ROOT_START = re.compile(rb"<[A-Za-z_]")

_LOD_PROPERTY = re.compile(r"^lod([0-4])(Solid|MultiSurface|Geometry|CompositeSurface|FootPrint|RoofEdge)$")
_CORE_NS = re.compile(rb'xmlns(?::[\w.-]+)?\s*=\s*["\']http://www\.opengis\.net/citygml/(\d\.\d)["\']')
_BLDG_NS = re.compile(rb'["\']http://www\.opengis\.net/citygml/building/(\d\.\d)["\']')
_SRS_NAME = re.compile(rb'srsName\s*=\s*["\']([^"\']+)["\']')
_ENVELOPE = re.compile(rb"<(?:[\w.-]+:)?lowerCorner[^>]*>([^<]+)</(?:[\w.-]+:)?lowerCorner>\s*"
                       rb"<(?:[\w.-]+:)?upperCorner[^>]*>([^<]+)</(?:[\w.-]+:)?upperCorner>")

_ATTRIBUTE_NAMES = {"name": "name", "function": "function", "usage": "usage", "roofType": "roof_type",
                    "measuredHeight": "measured_height", "storeysAboveGround": "storeys_above_ground",
                    "storeysBelowGround": "storeys_below_ground", "yearOfConstruction": "year_of_construction"}
# Outer building installations: 1.0/2.0 bldg:outerBuildingInstallation, 3.0 bldg:buildingInstallation.
_INSTALLATIONS = {"outerBuildingInstallation", "buildingInstallation"}
_FLOAT_ATTRIBUTES = {"measured_height"}
_INT_ATTRIBUTES = {"storeys_above_ground", "storeys_below_ground", "year_of_construction", "yearOfDemolition"}
# CityGML 3.0 opening surfaces, named as in 1.0/2.0 (and CityJSON).
_SURFACE_ALIASES = {"WindowSurface": "Window", "DoorSurface": "Door"}
_GENERIC_TYPES = {"string": str, "int": int, "double": float, "date": str, "uri": str, "measure": float,
                  "code": str}


def read_citygml(path: str | Path | InputFile, crs_override: CrsInfo | None = None, lod: str = "highest",
                 reporter: Reporter | None = None) -> CityGMLSource:
    """Open a CityGML 1.0/2.0/3.0 file (.gml, .xml, gzip-compressed or not, or a zip member) for streaming: its
    format and CRS are read from the header at once, its buildings when it is iterated (see the module docstring).

    Args:
        path: the file, or an InputFile (a zip member, bounded against bombs).
        crs_override: the CRS to use instead of the file's srsName (required when the file states none).
        lod: "highest", or "0" to "3" (also "LoD2"): the LoD taken, else the nearest one the object has.
        reporter: receives warnings (broken polygons, dangling xlinks, LoD fallbacks) and progress.

    Returns:
        The CityGMLSource: ``format``, ``crs``; iterating it yields a CityObject per building and building part,
        a Relief per TIN relief and a Skipped per other city object.

    Raises:
        InputError: no such file, a DOCTYPE, no CityGML namespace, no CRS and no override, an unknown LoD
            choice; while iterating, malformed XML.

    Example:
        >>> from collections import Counter
        >>> from geotwin.twin.examples import shared_data
        >>> source = read_citygml(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"))
        >>> source.format, source.crs.horizontal, source.crs.vertical
        ('CityGML 2.0', 'EPSG:25832', 'EPSG:5783')
        >>> (house,) = list(source)
        >>> house.id, house.object_class, house.lod, house.attributes["measured_height"]
        ('UUID_d281adfc-4901-0f52-540b-4cc1a9325f82', 'Building', '2', 6.52)
        >>> sorted(Counter(s.surface_type for s in house.surfaces).items())
        [('GroundSurface', 1), ('RoofSurface', 2), ('WallSurface', 4)]
        >>> ground = next(s for s in house.surfaces if s.surface_type == "GroundSurface").rings[0]
        >>> ground[:, :2].min(axis=0).tolist(), ground[:, :2].max(axis=0).tolist()
        ([457842.0, 5439083.0], [457854.0, 5439093.0])
        >>> read_citygml(shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"), lod="5")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: unknown LoD choice '5': expected 'highest', '1' or '2'
    """
    return CityGMLSource(path, crs_override=crs_override, lod=lod, reporter=reporter)


class CityGMLSource:
    """One CityGML file: ``format``, ``crs`` known on construction; iterate for its buildings and parts."""

    def __init__(self, path: str | Path | InputFile, crs_override: CrsInfo | None = None, lod: str = "highest",
                 reporter: Reporter | None = None) -> None:
        self.input = as_input(path)
        self.path = self.input.display
        self.reporter = reporter or Reporter()
        self.lod = _normalise_lod(lod)
        if self.input.member is None and not self.input.path.is_file():
            raise InputError("no such file", path=self.path)
        header = _read_head(self.input)  # refuses any DOCTYPE
        self.version = _detect_version(header, self.path)
        self.format = f"CityGML {self.version}"
        srs_name, envelope = _scan_srs_name(self.input)
        if crs_override is not None:
            self.crs = crs_override
        elif srs_name is None:
            raise InputError("the file states no CRS (no srsName); give a CRS override", path=self.path)
        else:
            try:
                self.crs = parse_srs_name(srs_name)
            except InputError as err:
                raise InputError(str(err), path=self.path) from None
        if envelope is not None and any(envelope):  # an all-zero envelope is a placeholder
            problem = area_of_use_problem(self.crs, envelope)
            if problem:  # the coordinates decide (refused at the first building that is outside too)
                self.reporter.warning(f"{self.path}: gml:Envelope: {problem}")
        self._reset()

    def _reset(self) -> None:
        self.objects = 0
        self.skipped = 0
        self.geometry_stats = GeometryStats()
        self.lod_fallbacks = 0
        self.bbox: list[float] = [math.inf, math.inf, -math.inf, -math.inf]
        self._progress = 0.0
        self._srs_names_seen: set[str] = set()
        self._polygon_warnings = 0
        self._area_checked = False
        self._bbox_rings: list[Array] = []  # exterior rings not yet in bbox (_flush_bbox)
        self.not_imported: Counter[str] = Counter()
        self.triangles = 0

    @property
    def progress(self) -> float:
        """Fraction of the file read so far (0..1), for progress bars."""
        return self._progress

    def __iter__(self) -> Iterator[CityObject | Relief | Skipped]:
        with gc_frozen():  # see there (also the young generation's threshold)
            yield from self._read()

    def _read(self) -> Iterator[CityObject | Relief | Skipped]:
        self._reset()
        resolver = XlinkResolver()
        seen_ids: dict[str, int | None] = {}
        pending: list[Element] = []  # buildings read in one batch (_drain), their elements kept until then
        with self.input.open() as stream:
            self._tin_buffers: dict[Element, _TinBuffer] = {}
            parser = etree.iterparse(stream, events=("end",), tag=_BUILDING_TAGS + _MEMBER_TAGS + list(_TRIANGLE_TAGS),
                                     load_dtd=False, no_network=True, resolve_entities=False,
                                     huge_tree=False, remove_comments=True, remove_pis=True)
            checked_doctype = False
            try:
                for _, el in parser:
                    if not checked_doctype:
                        _refuse_parsed_doctype(el, self.path)
                        checked_doctype = True
                    tag = el.tag
                    if tag in _BUILDING_TAG_SET and not _inside_building(el):
                        self.reporter.check()
                        pending.append(el)
                        if len(pending) >= _BATCH:
                            yield from self._drain(pending, resolver, seen_ids)
                    elif tag in _MEMBER_TAG_SET:
                        self.reporter.check()
                        child = next((c for c in el if isinstance(c.tag, str)), None)
                        if child is not None and child.tag in _BUILDING_TAG_SET and pending:
                            continue  # its building waits in pending; freed with it
                        yield from self._drain(pending, resolver, seen_ids)
                        yield from self._member(el)
                        self._tin_buffers.clear()
                        _free(el)
                    elif tag in _TRIANGLE_TAGS:
                        self._tin_triangle(el)
                        continue
                    self._progress = stream.progress
            except etree.XMLSyntaxError as err:
                yield from self._drain(pending, resolver, seen_ids)
                raise InputError(f"malformed or truncated XML: {err.msg}", path=self.path,
                                 line=err.lineno) from None
            except (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as err:
                yield from self._drain(pending, resolver, seen_ids)
                raise InputError(f"truncated or corrupt compressed data: {err}", path=self.path) from None
            yield from self._drain(pending, resolver, seen_ids)
        self._progress = 1.0
        self._finish()

    def _drain(self, pending: list[Element], resolver: XlinkResolver, seen_ids: dict[str, int | None]
               ) -> Iterator[CityObject | Relief | Skipped]:
        """Read the pending buildings in order: their plans first (the posLists of all parsed at once), then each
        building as _building reads it; every element is freed after its building."""
        if not pending:
            return
        batch = pending[:]
        pending.clear()
        compiled = accelerator()
        prepared = [_Prepared(el, compiled) for el in batch]
        _plan_rings([plan for p in prepared for plan in p.plans.values()])
        for el, prep in zip(batch, prepared):
            yield from self._building(el, resolver, seen_ids, prep)
            resolver.release()
            prep.release()
            _free(el)
        self._flush_bbox()

    def _flush_bbox(self) -> None:
        if self._bbox_rings:
            rings, self._bbox_rings = self._bbox_rings, []
            self._grow_bbox(np.concatenate(rings))

    def _finish(self) -> None:
        if self.not_imported:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.not_imported.items()))
            self.reporter.info(f"{self.path}: city objects not imported (a skipped_objects row each): {kinds}")
        if self.objects == 0 and self.skipped == 0:
            self.reporter.warning(f"{self.path}: no bldg:Building found")
        stats = self.geometry_stats
        if stats.dangling_xlinks:
            self.reporter.warning(f"{self.path}: {stats.dangling_xlinks} dangling xlink:href references left out")
        if stats.skipped_polygons:
            self.reporter.warning(f"{self.path}: {stats.skipped_polygons} broken polygons left out")
        if stats.closed_rings:
            self.reporter.info(f"{self.path}: {stats.closed_rings} rings lacked their closing point and were closed")
        if stats.padded_2d:
            self.reporter.warning(f"{self.path}: {stats.padded_2d} rings had 2D coordinates; z set to 0")
        if self.lod_fallbacks:
            self.reporter.warning(f"{self.path}: {self.lod_fallbacks} objects have no LoD{self.lod} geometry; "
                                  "their nearest LoD was used")
        self._flush_bbox()
        if math.isfinite(self.bbox[0]):
            self._check_area()

    # -- objects -----------------------------------------------------------------------------------

    def _building(self, el: Element, resolver: XlinkResolver, seen_ids: dict[str, int | None],
                  prep: _Prepared) -> Iterator[CityObject | Relief | Skipped]:
        for srs in prep.srs_names - self._srs_names_seen:
            self._srs_names_seen.add(srs)
            self._check_srs_name(srs, el)
        for gid, dup in resolver.use(el, prep.elements, prep.duplicates):
            self.reporter.warning(f"{self.path}, line {source_line(dup)}: gml:id {gid!r} used twice in one building; "
                                  "the first is used for xlinks")
        yield from self._object(el, None, resolver, seen_ids, prep)

    def _member(self, member: Element) -> Iterator[Relief | Skipped]:
        """A city object member that is not a building: terrain is read, anything else is a skipped row."""
        child = next((c for c in member if isinstance(c.tag, str)), None)
        if child is None or child.tag in _BUILDING_TAGS:
            return  # an xlink-only member refers to an object defined elsewhere; buildings are read already
        name = localname(child.tag)
        line = source_line(child)
        oid = gml_id(child) or f"{Path(self.path).name}:line{line}"
        if name == "ReliefFeature":
            yield from self._relief(child, oid, line)
            return
        kind = f"{child.prefix}:{name}" if child.prefix else name
        self.not_imported[kind] += 1
        self.skipped += 1
        yield Skipped(self.path, oid, f"not imported: {kind} (GeoTwin reads buildings and TIN terrain)", line,
                      quiet=True)

    def _relief(self, feature: Element, fid: str, line: int | None) -> Iterator[Relief | Skipped]:
        """A dem:ReliefFeature: each TINRelief component becomes a Relief; other components a skipped row."""
        feature_lod = _child_text(feature, "lod")
        found = 0
        for prop in feature:
            if localname(prop.tag) != "reliefComponent":
                continue
            components = [c for c in prop if isinstance(c.tag, str)]
            if not components:
                found += 1
                yield self._skip(prop.get(XLINK_HREF) or f"{fid}:line{source_line(prop)}",
                                 f"relief component of {fid} given by reference "
                                 f"({prop.get(XLINK_HREF) or 'empty'}): not imported", source_line(prop))
            for comp in components:
                found += 1
                cline = source_line(comp)
                cid = gml_id(comp) or f"{fid}_component{found}"
                kind = localname(comp.tag)
                if kind != "TINRelief":
                    yield self._skip(cid, f"not imported: {kind} of {fid} (only TINRelief terrain is read)", cline)
                    continue
                try:
                    triangles, dropped = _tin_triangles(comp, self._tin_buffers.pop(comp, None))
                except (GeometryError, ValueError) as err:
                    yield self._skip(cid, f"TINRelief of {fid}: {err}", cline)
                    continue
                if dropped:
                    yield Skipped(self.path, f"{cid}#triangles", f"{dropped} degenerate or broken triangles of "
                                  "the TINRelief left out", cline)
                    self.skipped += 1
                if not len(triangles):
                    yield self._skip(cid, f"TINRelief of {fid} without usable triangles", cline)
                    continue
                self._grow_bbox(triangles.reshape(-1, 3))
                self.objects += 1
                self.triangles += len(triangles)
                yield Relief(cid, fid, self.path, _child_text(comp, "lod") or feature_lod, triangles, cline)
        if not found:
            yield self._skip(fid, "ReliefFeature without relief components", line)

    def _tin_triangle(self, tri: Element) -> None:
        """A gml:Triangle of a TINRelief, as it ends: its corners are kept, the element freed, so a TIN of
        millions of triangles never stands as a tree in memory."""
        comp, node = None, tri.getparent()
        for _ in range(6):
            if node is None:
                return
            if localname(node.tag) == "TINRelief":
                comp = node
                break
            node = node.getparent()
        if comp is None:
            return  # a triangle of building geometry: read with its building
        buffer = self._tin_buffers.get(comp)
        if buffer is None:
            buffer = self._tin_buffers[comp] = _TinBuffer()
        buffer.add(tri)
        if buffer.count % 20000 == 0:
            self.reporter.check()
        parent = tri.getparent()
        tri.clear(keep_tail=False)
        while tri.getprevious() is not None:
            del parent[0]

    def _object(self, el: Element, parent_id: str | None, resolver: XlinkResolver,
                seen_ids: dict[str, int | None], prep: _Prepared
                ) -> Iterator[CityObject | Relief | Skipped]:
        line = source_line(el)
        oid = gml_id(el) or f"{Path(self.path).name}:line{line}"
        kind = localname(el.tag)
        parts = prep.parts.get(el)
        if parts is None:  # not planned (the fast reader switched off)
            parts = _parts(el)
        if oid in seen_ids:
            yield self._skip(oid, f"duplicate gml:id (first used at line {seen_ids[oid]}); {kind} skipped", line)
        else:
            seen_ids[oid] = line
            try:
                yield self._read_object(el, oid, kind, parent_id, line, resolver, bool(parts), prep.plans.get(el))
            except RecursionError:
                yield self._skip(oid, "geometry or attributes nested too deeply (or circular xlinks)", line)
        for part in parts:
            yield from self._object(part, oid, resolver, seen_ids, prep)

    def _check_srs_name(self, srs: str, el: Element) -> None:
        """Geometry in another CRS than the file's is not transformed: say so once per srsName."""
        try:
            same = parse_srs_name(srs).horizontal == self.crs.horizontal
        except InputError:
            same = False
        if not same and srs != self.crs.source_text:
            self.reporter.warning(f"{self.path}, line {source_line(el)}: geometry with srsName {srs!r} differs from "
                                  f"the file's CRS {self.crs.horizontal}; its coordinates are read as they are")

    def _skip(self, oid: str, reason: str, line: int | None) -> Skipped:
        self.skipped += 1
        self.reporter.warning(f"{self.path}, line {line}, object {oid}: skipped: {reason}")
        return Skipped(self.path, oid, reason, line)

    def _read_object(self, el: Element, oid: str, kind: str, parent_id: str | None, line: int | None,
                     resolver: XlinkResolver, has_parts: bool, plan: _Plan | None = None) -> CityObject | Skipped:
        problems: list[str] = []
        by_lod: dict[str, _LodGeometry] = {}
        footprints: list[Polygon] = []
        if plan is not None and plan.open >= 0:
            self.geometry_stats.closed_rings += plan.geometry(resolver, by_lod, footprints)
        else:
            self._read_geometry(el, oid, resolver, problems, by_lod, footprints)
        available = sorted(lod for lod, g in by_lod.items() if g.semantic or g.plain)
        chosen = self._choose_lod(available)
        if chosen is None and not has_parts:
            reason = "no valid geometry" + (f" ({problems[0]})" if problems else "")
            return self._skip(oid, reason, line)
        surfaces = by_lod[chosen].surfaces(chosen) if chosen is not None else []
        if surfaces:
            if self._area_checked:  # the bbox grows once per batch (_drain) from the exterior rings
                self._bbox_rings.extend([s.rings[0] for s in surfaces])
            else:
                self._grow_bbox(np.concatenate([s.rings[0] for s in surfaces]))
        self.objects += 1
        return CityObject(
            id=oid, object_class=kind, parent_id=parent_id, source_file=self.path, lod=chosen,
            lods_available=available, surfaces=surfaces, footprint_rings=[p.rings for p in footprints],
            attributes=plan.attributes if plan is not None and plan.attributes is not None else _attributes(el),
            line=line)

    def _read_geometry(self, el: Element, oid: str, resolver: XlinkResolver, problems: list[str],
                       by_lod: dict[str, _LodGeometry], footprints: list[Polygon]) -> None:
        """The geometry of an object, element by element (every form GML allows; problems reported)."""

        def on_problem(node: Element, reason: str) -> None:
            problems.append(reason)
            self._polygon_warnings += 1
            if self._polygon_warnings <= MAX_POLYGON_WARNINGS:
                where = f"line {source_line(node)}" + (f", gml:id {gml_id(node)}" if gml_id(node) else "")
                self.reporter.warning(f"{self.path}, {where}, object {oid}: polygon left out: {reason}")
            if self._polygon_warnings == MAX_POLYGON_WARNINGS:
                self.reporter.warning(f"{self.path}: further polygon warnings of this file are left out of the log")

        geometry = GeometryReader(resolver, on_problem, self.geometry_stats)
        for prop in el:
            name = localname(prop.tag)
            if name in ("boundedBy", "boundary"):
                for surface in _targets(prop, resolver):
                    self._semantic(surface, geometry, by_lod)
                continue
            if name in _INSTALLATIONS:
                for installation in _targets(prop, resolver):
                    self._installation(installation, geometry, by_lod)
                continue
            m = _LOD_PROPERTY.match(name)
            if not m:
                continue
            lod, what = m.groups()
            polygons = geometry.collect_polygons(prop)
            if what == "FootPrint":
                footprints.extend(polygons)
                by_lod.setdefault(lod, _LodGeometry()).semantic.extend(("GroundSurface", None, p) for p in polygons)
            elif what == "RoofEdge":
                by_lod.setdefault(lod, _LodGeometry()).semantic.extend(("RoofSurface", None, p) for p in polygons)
            else:
                by_lod.setdefault(lod, _LodGeometry()).plain.extend(polygons)

    def _semantic(self, surface_el: Element, geometry: GeometryReader, by_lod: dict[str, _LodGeometry]) -> None:
        kind = localname(surface_el.tag)
        kind = _SURFACE_ALIASES.get(kind, kind)
        sid = gml_id(surface_el)
        for prop in surface_el:
            name = localname(prop.tag)
            if name in ("opening", "fillingSurface"):
                for opening in _targets(prop, geometry.resolver):
                    self._semantic(opening, geometry, by_lod)
                continue
            m = _LOD_PROPERTY.match(name)
            if m:
                polygons = geometry.collect_polygons(prop)
                by_lod.setdefault(m.group(1), _LodGeometry()).semantic.extend((kind, sid, p) for p in polygons)

    def _installation(self, el: Element, geometry: GeometryReader, by_lod: dict[str, _LodGeometry]) -> None:
        """Outer installations (dormers, chimneys, balconies) belong to the building's outer shell."""
        for prop in el:
            name = localname(prop.tag)
            if name in ("boundedBy", "boundary"):
                for surface in _targets(prop, geometry.resolver):
                    self._semantic(surface, geometry, by_lod)
                continue
            m = _LOD_PROPERTY.match(name)
            if m:
                by_lod.setdefault(m.group(1), _LodGeometry()).plain.extend(geometry.collect_polygons(prop))

    def _choose_lod(self, available: list[str]) -> str | None:
        if not available:
            return None
        if self.lod == "highest":
            return available[-1]
        if self.lod in available:
            return self.lod
        self.lod_fallbacks += 1
        wanted = int(self.lod)
        return min(available, key=lambda lod: (abs(int(lod) - wanted), int(lod)))

    def _grow_bbox(self, points: Array) -> None:
        b = self.bbox
        (x0, y0), (x1, y1) = points[:, :2].min(axis=0).tolist(), points[:, :2].max(axis=0).tolist()
        b[0], b[1], b[2], b[3] = min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)
        if not self._area_checked:  # the first building's coordinates: a wrong CRS fails early
            self._area_checked = True
            self._check_area()

    def _check_area(self) -> None:
        """Coordinates outside the CRS's area of use are an error for the file (see crs.area_of_use_problem)."""
        problem = area_of_use_problem(self.crs, cast("tuple[float, float, float, float]", tuple(self.bbox)))
        if problem:
            raise InputError(problem, path=self.path)


class _Prepared:
    """A building before it is read: its srsNames, its gml:id duplicates (with their elements, only when there are
    any) and the plans of its objects (itself and its parts) that the fast reader could make. ``compiled``: the
    compiled planner (accelerator()), which plans the objects of a building with unique gml:ids where it can."""

    __slots__ = ("srs_names", "elements", "duplicates", "plans", "parts", "_compiled")

    def __init__(self, el: Element, compiled: Any = None) -> None:
        self._compiled = compiled.Building(el) if compiled is not None else None
        self.elements: dict[str, Element] | None = None  # the xlink index, made when an object needs it
        self.duplicates: list[tuple[str, object]] = []
        if self._compiled is not None and self._compiled.unique:
            self.srs_names = set(self._compiled.srs_names)
        else:
            self._compiled = None
            self.srs_names = set(_SRS_NAMES(el))
            ids = _IDS(el)
            if len(set(ids)) != len(ids):
                self.elements, self.duplicates = XlinkResolver.index_of(_with_id_or_srs(el))
        self.plans: dict[Element, _Plan] = {}
        self.parts: dict[Element, list[Element]] = {}  # each object's BuildingParts (_parts)
        self._plan(el, el, {} if not self.duplicates else None)

    def release(self) -> None:
        """Forget the building's elements (plans, parts, xlink index): with no Python object left on them, _free
        frees the building's nodes at once instead of moving them aside for objects that still hold them."""
        self.plans = {}
        self.parts = {}
        self.elements = None
        self.duplicates = []
        self._compiled = None

    def _plan(self, building: Element, el: Element, idx: dict[str, Element] | None) -> None:
        planned = self._compiled.plan(el) if self._compiled is not None else None
        if planned is not None:  # what the Python planner below makes, its rings parsed already
            plan = self.plans[el] = _Plan.compiled(building, planned)
            parts = plan.parts
        else:
            try:
                plan = self.plans[el] = _Plan(building, idx).read(el)
                parts = plan.parts
            except (_Unplanned, RecursionError):
                parts = _parts(el)
        self.parts[el] = parts
        for part in parts:
            self._plan(building, part, idx)


def accelerator() -> Any:
    """Give the compiled planner of the fast reader (twin/citymodel/_gmlplan.pyx, built by make setup), or None
    when it is not built (or stale) or GEOTWIN_PURE_PYTHON=1 asks for the pure-Python reader (the reference; same
    output).

    Returns:
        The extension module, or None.

    Example:
        >>> compiled = accelerator()  # None in a plugin installed from the zip
        >>> compiled is None or callable(compiled.Building)
        True
    """
    if os.environ.get("GEOTWIN_PURE_PYTHON", "") == "1":
        return None
    if "module" not in _ACCELERATOR:
        module: Any
        try:
            module = importlib.import_module("._gmlplan", __package__)
        except ImportError:
            module = None
        if getattr(module, "API", None) != _ACCELERATOR_API:
            module = None  # not built, or built from an older _gmlplan.pyx (make setup rebuilds it)
        else:
            module.configure(_put_plain, _ATTRIBUTE_NAMES, _COLUMNS, _GENERIC_TYPES, _BY_PARENT, _ADDRESS_FIELDS,
                             _ADDRESS_BY_PARENT)
        _ACCELERATOR["module"] = module
    return _ACCELERATOR["module"]


_ACCELERATOR: dict[str, Any] = {}
_ACCELERATOR_API = 4  # _gmlplan.API of the .pyx this reader goes with


_PART_PROPERTIES = ("consistsOfBuildingPart", "buildingPart")


def _parts(el: Element) -> list[Element]:
    """The BuildingPart elements of a Building or BuildingPart (its consistsOfBuildingPart/buildingPart)."""
    return [p for prop in el if (LOCALNAMES.get(prop.tag) or localname(prop.tag)) in _PART_PROPERTIES
            for p in prop if (LOCALNAMES.get(p.tag) or localname(p.tag)) == "BuildingPart"]


class _LodGeometry:
    """The polygons of one LoD of an object: with semantics (type, surface id, polygon) and without."""

    def __init__(self) -> None:
        self.semantic: list[tuple[str, str | None, Polygon]] = []
        self.plain: list[Polygon] = []

    def surfaces(self, lod: str) -> list[Surface]:
        """Semantic surfaces, then the solid's/multi-surface's polygons that no semantic surface holds
        (same gml:id, or same vertices when ids are missing)."""
        out: list[Surface] = []
        ids: set[str] = set()
        for kind, sid, polygon in self.semantic:
            if polygon.id:
                if polygon.id in ids:
                    continue
                ids.add(polygon.id)
            out.append(Surface(polygon.rings, kind, polygon.id or sid, lod))
        keys: set[bytes] | None = None
        for polygon in self.plain:
            if polygon.id and polygon.id in ids:
                continue
            if keys is None:
                keys = {ring_key(s.rings[0]) for s in out}
            key = ring_key(polygon.rings[0])
            if key in keys:
                continue
            if polygon.id:
                ids.add(polygon.id)
            keys.add(key)
            out.append(Surface(polygon.rings, "", polygon.id, lod))
        return out


# -- the fast reader -------------------------------------------------------------------------------
# An object's geometry is walked once without parsing coordinates (a plan: its polygon elements, their posList
# texts and what holds them), the posLists of many buildings are parsed and cleaned at once (parse_rings), and the
# polygons are then assembled exactly as GeometryReader and _read_object assemble them, xlink cache included.
# Anything unusual (xlinks beyond a polygon of the building, OrientableSurface, gml:Ring, gml:pos, 2D, broken
# rings) leaves the object to the element-by-element reader, which reports what it meets.

_BATCH = 64  # buildings whose posLists are parsed together
_SKIP, _POLY, _SOLID, _ORIENTABLE, _CONTAINER = range(5)
_WALK_KINDS: dict[object, int] = {}
_LOD_NAMES: dict[str, tuple[str, str] | None] = {}
_POLYGON_WILDCARDS = tuple(f"{{*}}{name}" for name in sorted(POLYGON_LIKE))
_IDS = etree.XPath("descendant-or-self::*/@g:id | descendant-or-self::*/@g32:id", smart_strings=False,
                   namespaces={"g": GML_NAMESPACES[0], "g32": GML_NAMESPACES[1]})
_SRS_NAMES = etree.XPath("descendant-or-self::*/@srsName", smart_strings=False)


class _Unplanned(Exception):
    """An object the fast reader leaves to the element-by-element reader."""


_R_OTHER, _R_LOD, _R_BOUNDARY, _R_INSTALLATION, _R_PART, _R_OPENING = range(6)
_ROLES: dict[object, tuple[int, str, str]] = {}  # a child's tag -> (role, LoD, what) in an object or surface


def _role(tag: object) -> tuple[int, str, str]:
    """The role of an object's or semantic surface's child with ``tag``: a lodX geometry property (with its LoD and
    what), boundedBy/boundary, an installation, a BuildingPart property, an opening, or anything else (cached)."""
    name = localname(tag)
    found = _lod_of(name)
    role = ((_R_LOD, found[0], found[1]) if found is not None
            else (_R_BOUNDARY, "", "") if name in ("boundedBy", "boundary")
            else (_R_INSTALLATION, "", "") if name in _INSTALLATIONS
            else (_R_PART, "", "") if name in _PART_PROPERTIES
            else (_R_OPENING, "", "") if name in ("opening", "fillingSurface")
            else (_R_OTHER, "", ""))
    if len(_ROLES) < 10000:
        _ROLES[tag] = role
    return role


_OTHER_RING, _EXTERIOR_RING, _INTERIOR_RING, _LINEAR_RING, _POS_LIST = range(5)
_RING_ROLES: dict[object, int] = {}  # a tag -> its role in a polygon (_Plan._polygon)


def _ring_role(tag: object) -> int:
    name = localname(tag)
    role = (_EXTERIOR_RING if name in EXTERIOR else _INTERIOR_RING if name in INTERIOR
            else _LINEAR_RING if name == "LinearRing" else _POS_LIST if name == "posList" else _OTHER_RING)
    if len(_RING_ROLES) < 10000:
        _RING_ROLES[tag] = role
    return role


def _walk_kind(tag: object) -> int:
    kind = _WALK_KINDS.get(tag)
    if kind is None:
        name = localname(tag)
        kind = (_SKIP if not name or name in NOT_SURFACES else _POLY if name in POLYGON_LIKE
                else _SOLID if name == "Solid" else _ORIENTABLE if name == "OrientableSurface" else _CONTAINER)
        if len(_WALK_KINDS) < 10000:
            _WALK_KINDS[tag] = kind
    return kind


def _lod_of(name: str) -> tuple[str, str] | None:
    """(LoD, what) of a lodXSolid/lodXMultiSurface/... property name, else None (cached _LOD_PROPERTY match)."""
    if name in _LOD_NAMES:
        return _LOD_NAMES[name]
    m = _LOD_PROPERTY.match(name)
    found = (m.group(1), m.group(2)) if m else None
    if len(_LOD_NAMES) < 10000:
        _LOD_NAMES[name] = found
    return found


def _element_children(prop: Element) -> list[Element]:
    """What _targets gives, when the property holds its elements (an xlinked one is left to the slow reader)."""
    if prop.get(XLINK_HREF) is not None and len(prop) == 0:
        raise _Unplanned
    return [c for c in prop if isinstance(c.tag, str)]


def _inherits_3d(pos: Element) -> bool:
    """A posList without srsDimension: 3D unless an ancestor says otherwise (gml_geometry._dimension)."""
    for node in pos.iterancestors():
        dim = node.get("srsDimension") or node.get("dimension")
        if dim:
            return bool(dim == "3")
    return True


class _Plan:
    """One object's geometry without coordinates: polygon elements (first met first), their posList texts, the
    properties that hold them ``(lod, what, surface type, surface id, polygon indexes)`` (what: 0 semantic, 1 plain,
    2 footprint) and the xlink cache events in the order GeometryReader would have them."""

    __slots__ = ("building", "idx", "index", "polygons", "ring_counts", "texts", "ops", "events", "rings", "open",
                 "parts", "hrefs", "walked", "attributes")

    def __init__(self, building: Element, idx: dict[str, Element] | None) -> None:
        self.building = building
        self.idx = idx  # the building's polygons by gml:id, filled at the first xlink; None: ids not unique
        self.index: dict[Element, int] = {}
        self.polygons: list[tuple[str | None, int | None]] = []
        self.ring_counts: list[int] = []
        self.texts: list[str] = []
        self.ops: list[tuple[str, int, str, str | None, list[int]]] = []
        self.events: list[int] = []  # the polygons in the order _walk meets them (xlink cache order)
        self.rings: list[Array] = []
        self.open = 0
        self.parts: list[Element] = []  # the object's BuildingParts (_parts), found by read
        self.hrefs: list[str] = []  # the xlinks met, resolved when the object is read (_resolve): -1 - k in ops
        self.walked: dict[str, Element] = {}  # the polygons planned, by gml:id
        self.attributes: dict[str, Any] | None = None  # _attributes of the object, when the compiled planner read them

    @classmethod
    def compiled(cls, building: Element, planned: tuple[Any, ...]) -> _Plan:
        """The plan the compiled planner made (_gmlplan.Building.plan): read, its rings parsed (no texts)."""
        plan = cls(building, None)
        (plan.polygons, plan.ring_counts, plan.ops, plan.events, plan.rings, plan.open, plan.parts,
         plan.attributes) = planned
        return plan

    def read(self, el: Element) -> _Plan:
        """_plan each geometry property of the object ``el`` (what GeometryReader and _read_object would read, in
        their order); its BuildingParts are kept in ``parts``. One pass over the children with the properties'
        roles cached by tag; the semantic surfaces of boundedBy are read inline (_semantic for openings)."""
        roles = _ROLES
        names = LOCALNAMES
        ops = self.ops
        for prop in el:
            tag = prop.tag
            role = roles.get(tag) or _role(tag)
            code = role[0]
            if code == _R_LOD:
                out: list[int] = []
                self._walk(prop, out)
                lod, what = role[1], role[2]
                ops.append((lod, 2, "GroundSurface", None, out) if what == "FootPrint"
                           else (lod, 0, "RoofSurface", None, out) if what == "RoofEdge"
                           else (lod, 1, "", None, out))
            elif code == _R_BOUNDARY:
                if not len(prop):
                    if prop.get(XLINK_HREF) is not None:
                        raise _Unplanned  # _element_children: the surfaces by reference
                    continue
                for surface in prop:
                    stag = surface.tag
                    if not isinstance(stag, str):
                        continue
                    kind = names.get(stag) or localname(stag)
                    kind = _SURFACE_ALIASES.get(kind, kind)
                    sid = surface.get(_GML_ID) or surface.get(_GML32_ID)
                    for sprop in surface:
                        stag = sprop.tag
                        srole = roles.get(stag) or _role(stag)
                        if srole[0] == _R_LOD:
                            out = []
                            self._walk(sprop, out)
                            ops.append((srole[1], 0, kind, sid, out))
                        elif srole[0] == _R_OPENING:
                            for opening in _element_children(sprop):
                                self._semantic(opening)
            elif code == _R_INSTALLATION:
                for installation in _element_children(prop):
                    self._installation(installation)
            elif code == _R_PART:
                self.parts.extend(p for p in prop if (names.get(p.tag) or localname(p.tag)) == "BuildingPart")
        if self.hrefs:
            self._resolve()
        return self

    def _resolve(self) -> None:
        """Put the polygons the xlinks name in place of their marks in ops and events: a polygon of the object
        when it has that gml:id (its elements are walked by then), else one of the building (_polygon_by_id)."""
        index, walked = self.index, self.walked
        found = []
        for href in self.hrefs:
            target = walked.get(href[1:]) if len(href) > 1 and href[0] == "#" else None
            if target is None:
                target = self._polygon_by_id(href)
            i = index.get(target)
            if i is None:
                i = index[target] = self._polygon(target)
            found.append(i)
        for op in self.ops:
            out = op[4]
            if out and min(out) < 0:
                out[:] = [found[-1 - i] if i < 0 else i for i in out]
        self.events = [found[-1 - i] if i < 0 else i for i in self.events]

    def _semantic(self, surface: Element) -> None:
        kind = LOCALNAMES.get(surface.tag) or localname(surface.tag)
        kind = _SURFACE_ALIASES.get(kind, kind)
        sid = surface.get(_GML_ID) or surface.get(_GML32_ID)
        for prop in surface:
            name = LOCALNAMES.get(prop.tag) or localname(prop.tag)
            if name in ("opening", "fillingSurface"):
                for opening in _element_children(prop):
                    self._semantic(opening)
                continue
            found = _lod_of(name)
            if found is not None:
                out: list[int] = []
                self._walk(prop, out)
                self.ops.append((found[0], 0, kind, sid, out))

    def _installation(self, el: Element) -> None:
        for prop in el:
            name = LOCALNAMES.get(prop.tag) or localname(prop.tag)
            if name in ("boundedBy", "boundary"):
                for surface in _element_children(prop):
                    self._semantic(surface)
                continue
            found = _lod_of(name)
            if found is not None:
                out: list[int] = []
                self._walk(prop, out)
                self.ops.append((found[0], 1, "", None, out))

    def _walk(self, prop: Element, out: list[int], depth: int = 0) -> None:
        """GeometryReader._collect of a geometry property without coordinates, as one flat pass over its elements:
        containers, Solid (exterior shells only), polygons of LinearRings with one posList each (their ring elements
        taken from the same pass by _polygon), and xlinks to polygons of the building. Anything else
        (OrientableSurface, a container with a gml:id, ...) is unplanned."""
        index = self.index
        kinds = _WALK_KINDS
        remember = self.events.append
        elements = prop.iter()
        for el in elements:
            tag = el.tag
            kind = kinds.get(tag)
            if kind is None:
                kind = _walk_kind(tag)
            if kind == _CONTAINER:
                if not len(el):
                    href = el.get(XLINK_HREF)
                    if href is not None:
                        if self.idx is None:
                            raise _Unplanned  # gml:ids not unique (_polygon_by_id)
                        mark = -1 - len(self.hrefs)  # resolved by _resolve
                        self.hrefs.append(href)
                        out.append(mark)
                        remember(mark)
                elif el.attrib and (el.get(_GML_ID) or el.get(_GML32_ID)):
                    raise _Unplanned  # the xlink cache would remember it with its polygons
            elif kind == _POLY:
                i = index.get(el)
                if i is None:
                    i = index[el] = self._polygon(el, elements)
                else:  # met before: its ring elements are passed over
                    for _ in range(3 * self.ring_counts[i]):
                        next(elements)
                out.append(i)
                remember(i)
            elif kind == _SOLID:
                if not len(el):
                    raise _Unplanned  # by reference
                for shell in el:
                    if (LOCALNAMES.get(shell.tag) or localname(shell.tag)) != "exterior":
                        raise _Unplanned  # interior shells (cavities, left out)
            elif kind != _SKIP or len(el):
                raise _Unplanned  # OrientableSurface (reversed), or non-surface geometry holding elements

    def _polygon_by_id(self, href: str) -> Element:
        """The polygon an xlink:href names in this building (the building has no duplicate gml:id)."""
        if self.idx is None:
            raise _Unplanned
        if not self.idx:
            self.idx.update((gid, p) for p in self.building.iter(*_POLYGON_WILDCARDS)
                            if (gid := p.get(_GML_ID) or p.get(_GML32_ID)))
            self.idx[""] = None  # indexed
        target = self.idx.get(href[1:]) if href.startswith("#") and len(href) > 1 else None
        if target is None:
            raise _Unplanned  # not a polygon of this building: dangling, cached, or another kind of element
        return target

    def _polygon(self, el: Element, elements: Iterator[Element] | None = None) -> int:
        """GeometryReader.polygon of a polygon whose children are ring properties, each holding a LinearRing
        holding one 3D posList; else _Unplanned. Its posList texts are kept for parse_rings. ``elements``: the
        iteration over the polygon's subtree that met it (its ring elements come next, in document order)."""
        rings = len(el)
        if not rings:
            raise _Unplanned
        if elements is None:
            elements = el.iter()
            next(elements)  # the polygon itself
        roles = _RING_ROLES
        texts = self.texts
        expected = _EXTERIOR_RING
        for _ in range(rings):  # each ring property with one LinearRing with one posList: the next 3 elements
            child = next(elements)
            role = roles.get(child.tag)
            if (role if role is not None else _ring_role(child.tag)) != expected or len(child) != 1:
                raise _Unplanned  # an exterior ring missing or not first, or not a LinearRing's property
            expected = _INTERIOR_RING
            ring = next(elements)
            role = roles.get(ring.tag)
            if (role if role is not None else _ring_role(ring.tag)) != _LINEAR_RING or len(ring) != 1:
                raise _Unplanned
            pos = next(elements)
            role = roles.get(pos.tag)
            if (role if role is not None else _ring_role(pos.tag)) != _POS_LIST or len(pos):
                raise _Unplanned
            dim = pos.get("srsDimension")
            if dim != "3":
                dim = dim or pos.get("dimension")
                if dim != "3" and (dim or not _inherits_3d(pos)):
                    raise _Unplanned
            texts.append(pos.text or "")
        line = el.sourceline  # source_line, inline
        gid = el.get(_GML_ID) or el.get(_GML32_ID)
        if gid:
            self.walked[gid] = el
        self.polygons.append((gid, line - 1 if line is not None and line > 65535 else line))
        self.ring_counts.append(rings)
        return len(self.polygons) - 1

    def geometry(self, resolver: XlinkResolver, by_lod: dict[str, _LodGeometry], footprints: list[Polygon]) -> int:
        """Fill by_lod and footprints as _read_object does, remember polygons in the xlink cache as GeometryReader
        does; returns the number of rings that lacked their closing point."""
        rings = self.rings
        if len(rings) == len(self.polygons):  # one ring each (no holes): no slicing
            polygons = [Polygon([ring], pid, line) for ring, (pid, line) in zip(rings, self.polygons)]
        else:
            polygons = []
            k = 0
            for (pid, line), n in zip(self.polygons, self.ring_counts):
                polygons.append(Polygon(rings[k:k + n], pid, line))
                k += n
        pairs = []  # each polygon with a gml:id, remembered when first met (GeometryReader._collect)
        for event in dict.fromkeys(self.events):
            pid = polygons[event].id
            if pid:
                pairs.append((pid, polygons[event]))
        resolver.remember_each(pairs)
        for lod, what, kind, sid, out in self.ops:
            geometry = by_lod.get(lod)
            if geometry is None:
                geometry = by_lod[lod] = _LodGeometry()
            if what == 1:
                geometry.plain.extend([polygons[i] for i in out])
            elif len(out) == 1:  # a semantic surface of one polygon, the usual case
                polygon = polygons[out[0]]
                geometry.semantic.append((kind, sid, polygon))
                if what == 2:
                    footprints.append(polygon)
            else:
                chosen = [polygons[i] for i in out]
                geometry.semantic.extend([(kind, sid, p) for p in chosen])
                if what == 2:
                    footprints.extend(chosen)
        return self.open


def _plan_rings(plans: list[_Plan]) -> None:
    """Parse the posLists of every plan, many at once; a plan whose rings cannot be used gets ``open`` -1."""
    plans = [plan for plan in plans if plan.texts]
    parsed = parse_rings([t for plan in plans for t in plan.texts]) if len(plans) > 1 else None
    if parsed is None:
        for plan in plans:
            one = parse_rings(plan.texts)
            if one is not None:
                plan.rings, plan.open = one[0], int(one[1].sum())
            else:
                plan.open = -1
        return
    rings, open_ = parsed
    k = 0
    for plan in plans:
        n = len(plan.texts)
        plan.rings, plan.open = rings[k:k + n], int(open_[k:k + n].sum())
        k += n


# -- terrain ---------------------------------------------------------------------------------------

_TRIANGLE_TAGS = tuple(f"{{{ns}}}Triangle" for ns in GML_NAMESPACES)


def _child_text(el: Element, name: str) -> str:
    child = next((c for c in el if localname(c.tag) == name), None)
    return " ".join((child.text or "").split()) if child is not None else ""


class _TinBuffer:
    """The triangles of one TINRelief, collected while streaming: 12-value posList texts, turned into arrays
    10,000 at a time, and rings parsed at once (pos, coordinates, 2D); ``broken`` counts unusable ones."""

    CHUNK = 10000

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.chunks: list[Array] = []
        self.rings: list[Array] = []
        self.broken = 0
        self.count = 0
        self._reader = GeometryReader(XlinkResolver(), lambda el, reason: None)

    def add(self, tri: Element) -> None:
        self.count += 1
        pos = [e for e in tri.iter() if localname(e.tag) == "posList"]
        if len(pos) == 1 and pos[0].text and len(pos[0].text.split()) == 12 and (
                pos[0].get("srsDimension") in (None, "3")):
            self.texts.append(pos[0].text)
            if len(self.texts) >= self.CHUNK:
                self._flush()
            return
        ring = _one_triangle(self._reader, tri)
        if ring is None:
            self.broken += 1
        else:
            self.rings.append(ring)

    def _flush(self) -> None:
        try:
            corners = np.array(" ".join(self.texts).split(), dtype=np.float64).reshape(-1, 4, 3)
        except ValueError:  # a value that is not a number: find the bad triangles one by one
            rows = [_floats_or_none(t) for t in self.texts]
            self.broken += sum(r is None for r in rows)
            corners = np.array([r for r in rows if r is not None], dtype=np.float64).reshape(-1, 4, 3)
        self.texts = []
        closed = np.all(corners[:, 0] == corners[:, 3], axis=1)
        self.broken += int((~closed).sum())
        self.chunks.append(corners[closed, :3].copy())

    def triangles(self) -> tuple[Array, int]:
        if self.texts:
            self._flush()
        parts = self.chunks + ([np.asarray(self.rings, dtype=np.float64)] if self.rings else [])
        good, degenerate = _usable(np.concatenate(parts) if parts else np.zeros((0, 3, 3)))
        return good, self.broken + degenerate


def _floats_or_none(text: str) -> list[float] | None:
    try:
        return [float(v) for v in text.split()]
    except ValueError:
        return None


def _one_triangle(reader: GeometryReader, tri: Element) -> Array | None:
    """The 3 corners of a gml:Triangle parsed in full, or None when it is not a usable triangle."""
    try:
        ring = reader.polygon(tri).rings[0]
    except GeometryError:
        return None
    return ring if len(ring) == 3 else None


def _tin_triangles(comp: Element, buffer: _TinBuffer | None = None) -> tuple[Array, int]:
    """The (N, 3, 3) triangles of a TINRelief's gml:TriangulatedSurface / gml:Tin, and how many were left out.

    ``buffer``: the triangles streaming collected (their elements are gone); else they are read from ``comp``:
    fast path when every gml:Triangle has one posList of 4 closed 3D points, else each parsed on its own."""
    if buffer is not None and buffer.count:
        return buffer.triangles()
    triangles = [t for tag in _TRIANGLE_TAGS for t in comp.iter(tag)]
    if not triangles:
        if any(localname(e.tag) in ("controlPoint", "Tin") for e in comp.iter()):
            raise GeometryError("gml:Tin with control points only (no triangles): not imported")
        raise GeometryError("no gml:Triangle in the TIN")
    texts = []
    for tri in triangles:
        pos = [e for e in tri.iter() if localname(e.tag) == "posList"]
        if len(pos) != 1:
            break
        texts.append(pos[0].text or "")
    else:
        try:
            values = np.array(" ".join(texts).split(), dtype=np.float64)
        except ValueError:
            values = np.zeros(0)
        if values.size == 12 * len(triangles):
            corners = values.reshape(-1, 4, 3)
            if np.array_equal(corners[:, 0], corners[:, 3]):
                return _usable(corners[:, :3])
    reader = GeometryReader(XlinkResolver(), lambda el, reason: None)
    out, broken = [], 0
    for tri in triangles:
        ring = _one_triangle(reader, tri)
        if ring is None:
            broken += 1
        else:
            out.append(ring)
    good, degenerate = _usable(np.asarray(out, dtype=np.float64).reshape(-1, 3, 3))
    return good, broken + degenerate


def _usable(tri: Array) -> tuple[Array, int]:
    """Triangles with finite, sane coordinates and a non-zero area; and how many were dropped."""
    ok = np.isfinite(tri).all(axis=(1, 2))
    ok &= (np.abs(tri[:, :, :2]) <= MAX_ABS_XY).all(axis=(1, 2)) & (np.abs(tri[:, :, 2]) <= MAX_ABS_Z).all(axis=1)
    with np.errstate(invalid="ignore", over="ignore"):
        cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        ok &= np.linalg.norm(cross, axis=1) > 1e-9
    return tri[ok], int((~ok).sum())


# -- attributes ------------------------------------------------------------------------------------

def _attributes(el: Element) -> dict[str, Any]:
    """Attributes of a Building/BuildingPart: twin.schema.BUILDINGS names, then every other one by its name."""
    attrs: dict[str, Any] = {}
    roles = _ATTRIBUTE_ROLES
    for prop in el:
        tag = prop.tag
        role = roles.get(tag) or _attribute_role(tag)
        code, name, key = role
        if code == _A_PLAIN:
            if len(prop):  # geometry, parts, surfaces, rooms, ADE structures: not attributes
                continue
            text = " ".join((prop.text or "").split())
            if text:
                _put_plain(attrs, key, text)
        elif code == _A_SKIP:
            continue
        elif code == _A_GENERIC:
            for gkey, value in _generic(prop):
                attrs.setdefault(gkey if gkey not in _COLUMNS else f"generic_{gkey}", value)
        elif code == _A_ADDRESS:
            _address(prop, attrs)
        elif code == _A_REFERENCE:
            ref = {localname(c.tag): (c.text or "").strip() for c in prop.iter() if len(c) == 0 and c is not prop}
            attrs.setdefault("externalReference", []).append(ref)
        elif code == _A_HEIGHT:  # CityGML 3.0 con:height/con:Height
            _height(prop, attrs)
        else:  # dateOfConstruction, dateOfDemolition
            text = (prop.text or "").strip()
            attrs[name] = text
            if name == "dateOfConstruction" and text[:4].isdigit():
                attrs.setdefault("year_of_construction", int(text[:4]))
    return attrs


_A_SKIP, _A_GENERIC, _A_ADDRESS, _A_REFERENCE, _A_HEIGHT, _A_DATE, _A_PLAIN = range(7)
_ATTRIBUTE_ROLES: dict[object, tuple[int, str, str]] = {}  # a child's tag -> (role, name, column) in _attributes
_TYPED_ATTRIBUTES = _FLOAT_ATTRIBUTES | _INT_ATTRIBUTES
_COLUMNS = frozenset(_ATTRIBUTE_NAMES.values())


def _attribute_role(tag: object) -> tuple[int, str, str]:
    """How _attributes reads an object's child with ``tag`` (cached): not at all (geometry, comments), as a generic
    attribute, an address, an external reference, a 3.0 height, a date, or a plain value in its column."""
    name = localname(tag)
    code = (_A_SKIP if not name or _lod_of(name) is not None
            else _A_GENERIC if name.endswith("Attribute") or name in ("genericAttribute", "genericAttributeSet")
            else _A_ADDRESS if name == "address" else _A_REFERENCE if name == "externalReference"
            else _A_HEIGHT if name == "height" else _A_DATE if name in ("dateOfConstruction", "dateOfDemolition")
            else _A_PLAIN)
    role = (code, name, _ATTRIBUTE_NAMES.get(name, name))
    if len(_ATTRIBUTE_ROLES) < 10000:
        _ATTRIBUTE_ROLES[tag] = role
    return role


def _put_plain(attrs: dict[str, Any], key: str, text: str) -> None:
    """Put a plain attribute's text into ``attrs`` (the Python and the compiled planner's one rule): typed by
    ``_typed``; a repeated untyped attribute is joined by commas, but for ``name`` (the first kept), and a repeated
    typed one replaces the value before it."""
    value = _typed(key, text)
    if key in attrs and key not in _TYPED_ATTRIBUTES:
        if key != "name":
            attrs[key] = f"{attrs[key]},{value}"
    else:
        attrs[key] = value


def _typed(key: str, text: str) -> Any:
    try:
        if key in _FLOAT_ATTRIBUTES:
            return float(text)
        if key in _INT_ATTRIBUTES:
            return int(text)
    except ValueError:
        return text
    return text


def _generic(prop: Element) -> list[tuple[str, Any]]:
    """(name, typed value) pairs of a 1.0/2.0 gen:*Attribute or a 3.0 core:genericAttribute."""
    el = prop
    if localname(prop.tag) == "genericAttribute":  # 3.0 wrapper
        el = next((c for c in prop if isinstance(c.tag, str)), None)
        if el is None:
            return []
    kind = localname(el.tag)
    name = el.get("name")
    if name is None:
        name_el = next((c for c in el if localname(c.tag) == "name"), None)
        name = (name_el.text or "").strip() if name_el is not None else ""
    if not name:
        return []
    if kind.lower() == "genericattributeset":
        members: dict[str, Any] = {}
        for child in el:
            if localname(child.tag) in ("name", "value") and not len(child):
                continue
            inner = [child] if localname(child.tag) != "value" else list(child)
            for item in inner:
                members.update(_generic(item))
        return [(name, members)]
    value_el = next((c for c in el if localname(c.tag) == "value"), None)
    text = (value_el.text or "").strip() if value_el is not None else ""
    convert = _GENERIC_TYPES.get(kind[: -len("Attribute")].lower(), str)
    try:
        value: Any = convert(text)
    except ValueError:
        value = text
    return [(name, value)]


_BY_PARENT = {"NameElement", "Number", "Identifier"}  # xAL 3.0 names read by their parent's name
# the address columns of xAL 2.0 names, and of xAL 3.0 (name, parent name) pairs
_ADDRESS_FIELDS = {"ThoroughfareName": "street", "ThoroughfareNumber": "house_number",
                   "ThoroughfareNumberSuffix": "house_number", "PostalCodeNumber": "postal_code",
                   "LocalityName": "city", "CountryName": "country"}
_ADDRESS_BY_PARENT = {("NameElement", "Thoroughfare"): "street", ("Number", "Thoroughfare"): "house_number",
                      ("Identifier", "PostCode"): "postal_code", ("NameElement", "Locality"): "city",
                      ("NameElement", "Country"): "country"}


_ADDRESS_TAGS = tuple(f"{{*}}{name}" for name in sorted(_BY_PARENT | set(_ADDRESS_FIELDS)))


def _address(prop: Element, attrs: dict[str, Any]) -> None:
    """xAL 2.0 (CityGML 1.0/2.0) or xAL 3.0 (CityGML 3.0) address; the first address fills the columns."""
    found: dict[str, str] = {}
    for node in prop.iter(*_ADDRESS_TAGS):  # the address parts only (matched in lxml, any namespace)
        raw = node.text
        if not raw:
            continue
        name = LOCALNAMES.get(node.tag) or localname(node.tag)
        if name in _BY_PARENT:
            up = node.getparent()
            field = _ADDRESS_BY_PARENT.get((name, localname(up.tag) if up is not None else ""))
        else:
            field = _ADDRESS_FIELDS.get(name)
        if field is None:
            continue  # not an address part GeoTwin reads
        text = " ".join(raw.split())
        if not text:
            continue
        if name == "ThoroughfareNumberSuffix":
            found["house_number"] = found.get("house_number", "") + text
        else:
            found.setdefault(field, text)
    if not found:
        return
    if "street" in attrs or "city" in attrs:
        attrs.setdefault("further_addresses", []).append(found)
    else:
        attrs.update(found)


def _height(prop: Element, attrs: dict[str, Any]) -> None:
    """CityGML 3.0 con:Height: a measured height (any reference pair) becomes measured_height."""
    values = {localname(c.tag): (c.text or "").strip() for c in prop.iter() if len(c) == 0}
    try:
        value = float(values.get("value", ""))
    except ValueError:
        return
    attrs.setdefault("heights", []).append(
        {k: values.get(k) for k in ("highReference", "lowReference", "status")} | {"value": value})
    if values.get("status", "measured") == "measured":
        attrs.setdefault("measured_height", value)


# -- streaming helpers -----------------------------------------------------------------------------

def _targets(prop: Element, resolver: XlinkResolver) -> list[Element]:
    """The element(s) a property holds, following an xlink:href within the building."""
    href = prop.get(XLINK_HREF)
    if href is not None and len(prop) == 0:
        target = resolver.element(href)
        return [target] if target is not None else []
    return [c for c in prop if isinstance(c.tag, str)]


def _inside_building(el: Element) -> bool:
    return next(el.iterancestors(*_BUILDING_TAGS), None) is not None


def _free(el: Element) -> None:
    """Clear a consumed element and unlink the finished siblings before it (keeps memory flat)."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    while parent is not None:
        while el.getprevious() is not None:
            del parent[0]
        el, parent = parent, parent.getparent()


def _read_head(item: InputFile) -> bytes:
    """The prolog (declaration, comments, any DOCTYPE) and the first 64 kB from the root element on."""
    data = b""
    path = item.display
    try:
        with item.open() as f:
            while len(data) < _PROLOG_LIMIT:
                chunk = f.read(_HEADER_BYTES)
                data += chunk
                root = _ROOT_START.search(re.sub(rb"<!--.*?-->", b"", data, flags=re.S))
                if not chunk or (root and len(data) - root.start() >= _HEADER_BYTES):
                    break
    except (OSError, EOFError, zlib.error) as err:
        raise InputError(f"cannot read the file: {err}", path=path) from None
    _refuse_doctype(data, path)
    if not _ROOT_START.search(re.sub(rb"<!--.*?-->", b"", data, flags=re.S)):
        raise InputError(f"no XML root element in the first {_PROLOG_LIMIT >> 20} MB", path=path)
    return data


def _refuse_doctype(header: bytes, path: str) -> None:
    m = re.search(rb"<!DOCTYPE", header)
    if m:
        line = header.count(b"\n", 0, m.start()) + 1
        what = "entity declarations" if b"<!ENTITY" in header else "a DTD"
        raise InputError(f"refused: the XML declares a DOCTYPE with {what} (CityGML never needs one; "
                         "it could expand entities or fetch external files)", path=path, line=line)


def _refuse_parsed_doctype(el: Element, path: str) -> None:
    info = el.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise InputError("refused: the XML declares a DOCTYPE", path=path)


def _detect_version(header: bytes, path: str) -> str:
    m = _CORE_NS.search(header) or _BLDG_NS.search(header)
    if m and m.group(1).decode() in CITYGML_VERSIONS:
        return m.group(1).decode()
    root = re.search(rb"<([\w.-]+:)?[\w.-]+[\s>]", re.sub(rb"<[?!][^>]*>", b"", header))
    seen = m.group(0).decode(errors="replace") if m else "none"
    raise InputError("not CityGML 1.0, 2.0 or 3.0: no known CityGML namespace declared in the header "
                     f"(found: {seen}; root element {root.group(0)[1:-1].decode(errors='replace') if root else '?'})",
                     path=path)


def _scan_srs_name(item: InputFile) -> tuple[str | None, tuple[float, float, float, float] | None]:
    """The first srsName of the file (normally the CityModel's gml:Envelope) and that envelope's 2D bbox."""
    tail = b""
    path = item.display
    with item.open() as f:
        while True:
            try:
                chunk = f.read(_SCAN_CHUNK)
            except (OSError, EOFError, zlib.error) as err:
                raise InputError(f"cannot read the file: {err}", path=path) from None
            if not chunk:
                return None, None
            data = tail + chunk
            m = _SRS_NAME.search(data)
            if m:
                return m.group(1).decode("utf-8", "replace"), _envelope(data[m.start():m.start() + 4096])
            tail = data[-1024:]


def _envelope(data: bytes) -> tuple[float, float, float, float] | None:
    m = _ENVELOPE.search(data)
    if not m:
        return None
    try:
        lower, upper = [float(v) for v in m.group(1).split()], [float(v) for v in m.group(2).split()]
    except ValueError:
        return None
    if len(lower) < 2 or len(upper) < 2:
        return None
    return lower[0], lower[1], upper[0], upper[1]


def _normalise_lod(lod: str | int) -> str:
    text = str(lod).strip().lower().removeprefix("lod")
    if text in ("highest", "", "max"):
        return "highest"
    if text in ("0", "1", "2", "3"):
        return text
    raise InputError(f"unknown LoD choice {lod!r}: expected 'highest', '1' or '2'")
