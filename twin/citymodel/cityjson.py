"""CityJSON 1.0/1.1/2.0 and CityJSONSeq reader: buildings and building parts as CityObjects,
TINRelief objects as Reliefs (their triangles), every other object a Skipped "not imported" row.

A CityJSON file is parsed in one go (the format is one JSON document). A CityJSONSeq file
(``.jsonl``: a CityJSON header line, then one CityJSONFeature per line, each with its own
vertices) is read line by line, so memory does not grow with the file. Both may be gzipped or
zip members; a document larger than ``Limits.max_json`` (or a longer feature line) is refused.
"""
from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import threading
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, chain, repeat
from typing import Any, BinaryIO, cast

import numpy as np

from ..kernel.crs import area_of_use_problem, crs_from_cityjson
from ..kernel.errors import InputError
from ..kernel.progress import Reporter
from .delivery import MB, InputFile, Stream, as_input
from .geometry import ABSURD_COORDINATE, Array, clean_ring, ring_problem
from .model import CityObject, CrsInfo, Relief, Skipped, Surface

SUPPORTED_VERSIONS = ("1.0", "1.1", "2.0")
BUILDING_TYPES = ("Building", "BuildingPart")
RELIEF_TYPES = ("TINRelief",)
_SURFACE_GEOMETRIES = ("MultiSurface", "CompositeSurface", "Solid", "MultiSolid", "CompositeSolid")

# CityJSON attribute -> twin.schema.BUILDINGS field, with the field's type.
_ATTRIBUTE_FIELDS: dict[str, tuple[str, type]] = {
    "name": ("name", str), "function": ("function", str), "usage": ("usage", str),
    "roofType": ("roof_type", str), "measuredHeight": ("measured_height", float),
    "storeysAboveGround": ("storeys_above_ground", int), "storeysBelowGround": ("storeys_below_ground", int),
    "yearOfConstruction": ("year_of_construction", int),
}
# xAL-style address keys of CityJSON (and common plain attribute names) -> BUILDINGS fields.
_ADDRESS_FIELDS = {
    "thoroughfarename": "street", "street": "street", "streetname": "street",
    "thoroughfarenumber": "house_number", "housenumber": "house_number", "house_number": "house_number",
    "postalcode": "postal_code", "postcode": "postal_code", "postal_code": "postal_code",
    "localityname": "city", "city": "city", "locality": "city",
    "countryname": "country", "country": "country",
}


_GC_LOCK = threading.Lock()
_GC_STATE = {"pauses": 0, "was_enabled": False}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large JSON document is parsed.

    json.loads of a whole CityJSON file creates millions of containers that all survive: every collection the
    allocations trigger traverses all of them again (about 70 % of the parse time on the 10,000-building
    district). The parsed document holds no cycles, so nothing is left uncollected. Nested and concurrent pauses
    (two imports at once) share one pause; the collector is enabled again only when the last one ends and only
    if it was enabled before the first.

    Returns:
        A context manager.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     with gc_paused():
        ...         inner = gc.isenabled()
        ...     still = gc.isenabled()
        >>> inner, still, gc.isenabled()
        (False, False, True)
    """
    with _GC_LOCK:
        if _GC_STATE["pauses"] == 0:
            _GC_STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC_STATE["pauses"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_STATE["pauses"] -= 1
            if _GC_STATE["pauses"] == 0 and _GC_STATE["was_enabled"]:
                gc.enable()


_FREEZE_STATE = {"holds": 0, "froze": False, "young": 0}
GC_YOUNG = 20000  # allocations between young collections while a file is read (Python's default: 700)


@contextlib.contextmanager
def gc_frozen() -> Iterator[None]:
    """Move every object alive now out of the garbage collector's sight (``gc.freeze``) while a file is read.

    What is alive when a file's objects are read (the modules, and the parsed CityJSON document that is read
    object by object) holds no garbage, but every full collection the reading triggers would traverse all of
    it again: about a quarter of the import time of the 10,000-building district as one document. Objects made
    while frozen are collected as usual. Nested and concurrent holds share one freeze; the frozen objects are
    handed back to the collector (``gc.unfreeze``) when the last hold ends. When something else has frozen objects
    already, nothing is frozen (nor unfrozen): its freeze is left as it is.

    While held, the young generation is collected every GC_YOUNG allocations instead of Python's 700: the readers
    make tens of thousands of small objects per batch of buildings that all live until the batch is read, and
    almost no cyclic garbage, so the frequent young collections only traverse live objects again (about 880 of
    them, 0.05 CPU s, for the 10,000-building district as CityJSONSeq). The threshold in force when the first hold
    began is restored when the last ends, also on an exception.

    Returns:
        A context manager.

    Example:
        >>> import gc
        >>> before, young = gc.get_freeze_count(), gc.get_threshold()[0]
        >>> with gc_frozen():
        ...     frozen, raised = gc.get_freeze_count() > before, gc.get_threshold()[0] >= GC_YOUNG
        >>> frozen, raised, gc.get_freeze_count() == before == 0, gc.get_threshold()[0] == young
        (True, True, True, True)
    """
    with _GC_LOCK:
        if _FREEZE_STATE["holds"] == 0:
            _FREEZE_STATE["froze"] = gc.get_freeze_count() == 0
            if _FREEZE_STATE["froze"]:
                gc.freeze()
            threshold = gc.get_threshold()
            _FREEZE_STATE["young"] = threshold[0]
            gc.set_threshold(max(threshold[0], GC_YOUNG), *threshold[1:])
        _FREEZE_STATE["holds"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _FREEZE_STATE["holds"] -= 1
            if _FREEZE_STATE["holds"] == 0:
                gc.set_threshold(_FREEZE_STATE["young"], *gc.get_threshold()[1:])
                if _FREEZE_STATE["froze"]:
                    gc.unfreeze()


def _to_oldest_generation() -> None:
    """Hand every object alive now to the collector's oldest generation without traversing it: ``gc.freeze`` then
    ``gc.unfreeze``, called while the collector is paused after a parse. Else the first young collection after the
    pause traverses the whole parsed document (millions of containers, all alive: ~0.12 of 0.16 CPU s of young
    collections on the 10,000-building district). Left alone while a freeze is held (gc_frozen), whose objects must
    not be handed back early.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     young = [[n] for n in range(1000)]
        ...     _to_oldest_generation()
        ...     oldest = {id(x) for x in gc.get_objects(generation=2)}
        >>> all(id(x) in oldest for x in young), gc.get_freeze_count()
        (True, 0)
    """
    with _GC_LOCK:
        if _FREEZE_STATE["holds"] or gc.get_freeze_count():
            return
        gc.freeze()
        gc.unfreeze()   # the frozen objects go back to the oldest generation, untraversed


# the C scanner json.loads decodes with (no hooks; set by JSONDecoder.__init__, which typeshed does not declare)
_SCAN_ONCE: Callable[[str, int], tuple[Any, int]] = cast(Any, json.JSONDecoder()).scan_once
_JSON_SPACE = " \t\n\r"


def loads_line(line: bytes) -> Any:
    """``json.loads(line)`` of a CityJSONSeq line, the same value or the same error, without its Python steps
    (encoding detection, two regular expression matches) for a line that starts with '{"' (UTF-8 as json.loads
    detects it): about 3 µs of a 10,000-line file's every line.

    Args:
        line: the line's bytes.

    Returns:
        The JSON value.

    Raises:
        ValueError: what json.loads raises (json.JSONDecodeError, UnicodeDecodeError).

    Example:
        >>> loads_line(b'{"type": "CityJSONFeature", "id": "b1"}\\n'), loads_line(b"[1, 2.5]")
        ({'type': 'CityJSONFeature', 'id': 'b1'}, [1, 2.5])
        >>> loads_line(b'{"id": 1} x')
        Traceback (most recent call last):
        ...
        json.decoder.JSONDecodeError: Extra data: line 1 column 11 (char 10)
    """
    if line.startswith(b'{"'):
        try:
            text = line.decode("utf-8", "surrogatepass")
            value, end = _SCAN_ONCE(text, 0)
        except (ValueError, StopIteration, RecursionError):   # json.loads raises its own error
            return json.loads(line)
        if end == len(text) or not text[end:].strip(_JSON_SPACE):
            return value
    return json.loads(line)


class _BadObject(Exception):
    """An object that cannot be imported; the message is the reason."""


def open_binary(path: str | os.PathLike[str] | InputFile) -> BinaryIO:
    """Open a file for reading, transparently decompressing gzip, bounded by the inflation limits.

    Args:
        path: the file, or an InputFile (a zip member; its own limits apply).

    Returns:
        A binary stream of the (inflated) bytes; close it. It raises InputError when it inflates beyond the limits.

    Example:
        >>> import gzip, tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import shared_data
        >>> original = shared_data("cityjson/cjio/minimal.json").read_bytes()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     packed = Path(tmp) / "minimal.json.gz"
        ...     _ = packed.write_bytes(gzip.compress(original))
        ...     with open_binary(packed) as fh:
        ...         fh.read() == original, len(original), packed.stat().st_size < len(original)
        (True, 341, True)
    """
    return as_input(path).open()


def _first_line_end(fh: Stream, limit: int) -> tuple[int, bytes, bytes]:
    """The length of the first line of ``fh`` (0 when ``readline(limit)`` would not give a whole line), the line
    when it is in the first MiB (else b"") and the bytes read after it, read into one reused MiB buffer: a one-line
    CityJSON document is scanned, not copied into a line of its size."""
    buffer = bytearray(MB)
    view = memoryview(buffer)
    size = 0
    while size < limit:
        n = fh.readinto(view[:min(MB, limit - size)])
        if not n:
            break
        cut = buffer.find(b"\n", 0, n) + 1
        if cut:
            return size + cut, bytes(view[:cut]) if size == 0 else b"", bytes(view[cut:n])
        size += n
    return 0, b"", b""


def is_cityjson_seq(path: str | os.PathLike[str] | InputFile) -> bool:
    """Tell a CityJSONSeq file (a CityJSON header line, then one CityJSONFeature per line) from a CityJSON
    document.

    Args:
        path: the file (gzip-compressed or not), or an InputFile.

    Returns:
        True when the file's first line is a complete CityJSON header followed by more lines; False for anything
        else, also for an unreadable file.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import shared_data
        >>> header = '{"type": "CityJSON", "version": "2.0", "transform": {"scale": [0.001, 0.001, 0.001], '
        >>> header += '"translate": [0, 0, 0]}, "CityObjects": {}, "vertices": []}'
        >>> feature = '{"type": "CityJSONFeature", "id": "b1", "CityObjects": {}, "vertices": []}'
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "tiles.city.jsonl"
        ...     _ = path.write_text(header + "\\n" + feature + "\\n")
        ...     is_cityjson_seq(path), is_cityjson_seq(shared_data("cityjson/cjio/multi_lod.json"))
        (True, False)
    """
    item = as_input(path)
    try:
        with item.open() as fh:
            end, first, rest = _first_line_end(fh, item.limits.max_json)
            if not end:
                return False
            while not rest.strip():  # a one-line (minified) CityJSON document has nothing after its line
                rest = fh.read(MB)
                if not rest:
                    return False
        if not first:
            with item.open() as fh:   # a header line of more than a MiB followed by more: read it again
                first = fh.readline(end)
        if not first.strip().startswith(b"{"):
            return False
        head = json.loads(first)
    except (OSError, EOFError, zlib.error, ValueError, RecursionError):
        return False
    return isinstance(head, dict) and head.get("type") == "CityJSON"


def normalise_lod(value: Any) -> str:
    """Write a CityJSON lod (a string, or a number in CityJSON 1.0) as text.

    Args:
        value: the geometry's ``lod``.

    Returns:
        The LoD as text ("" for None).

    Example:
        >>> normalise_lod(2), normalise_lod(1.2), normalise_lod(" 2.2 "), normalise_lod(None)
        ('2', '1.2', '2.2', '')
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value).strip() if value is not None else ""


def lod_request(lod: str | None) -> str:
    """Read the LoD a user asks for.

    Args:
        lod: "highest" (also "", "max" or None), or an LoD: "LoD2", "2", "lod1", "2.2"...

    Returns:
        "highest", or the LoD's first digit.

    Raises:
        InputError: neither "highest" nor an LoD.

    Example:
        >>> lod_request(None), lod_request("LoD2"), lod_request("lod1"), lod_request("2.2"), lod_request("max")
        ('highest', '2', '1', '2', 'highest')
        >>> lod_request("best")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: unknown LoD 'best': expected 'highest' or 0..3
    """
    text = (lod or "highest").strip().lower()
    if text in ("", "highest", "max"):
        return "highest"
    text = text.removeprefix("lod").strip()
    if text[:1].isdigit():
        return text[:1]
    raise InputError(f"unknown LoD {lod!r}: expected 'highest' or 0..3")


def _lod_key(lod: str) -> tuple[float, float]:
    major, _, minor = lod.partition(".")
    try:
        return float(major), float(minor) if minor else -1.0
    except ValueError:
        return -1.0, -1.0


def choose_lod(lods: list[str], request: str) -> tuple[str | None, bool]:
    """Choose the LoD to import among those an object has.

    "highest" takes the highest (2.2 above 2 above 1.3); a digit takes the best LoD of that
    digit, else the nearest one (the lower on a tie), as the CityGML reader does.

    Args:
        lods: the object's LoDs (as normalise_lod writes them).
        request: "highest" or a digit (as lod_request gives it).

    Returns:
        The LoD (None when the object has none) and whether it is a fallback (not the digit asked for).

    Example:
        >>> lods = ["1.2", "1.3", "2.2"]   # each building of the cjio multi_lod.json
        >>> choose_lod(lods, "highest"), choose_lod(lods, "1"), choose_lod(lods, "3")
        (('2.2', False), ('1.3', False), ('2.2', True))
        >>> choose_lod(["1", "3"], "2"), choose_lod([], "2")
        (('1', True), (None, False))
    """
    if not lods:
        return None, False
    if request == "highest":
        return max(lods, key=_lod_key), False
    pool = [lod for lod in lods if lod.split(".")[0] == request]
    if pool:
        return max(pool, key=_lod_key), False
    wanted = float(request)
    nearest = min(lods, key=lambda lod: (abs(_lod_key(lod)[0] - wanted), _lod_key(lod)[0]))
    return max((lod for lod in lods if _lod_key(lod)[0] == _lod_key(nearest)[0]), key=_lod_key), True


def _coerce(value: Any, kind: type) -> Any:
    if value is None or kind is str:
        return None if value is None else str(value)
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value)
    if kind is int:
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


_EXACT = 2 ** 53   # integers up to this magnitude pass _coerce's float unchanged

# attribute key -> (its typed field, its address field): looked up once per distinct key (a bounded cache)
_KEY_PLANS: dict[str, tuple[tuple[str, type] | None, str | None]] = {}


def _key_plan(key: str) -> tuple[tuple[str, type] | None, str | None]:
    plan = _KEY_PLANS.get(key)
    if plan is None:
        plan = (_ATTRIBUTE_FIELDS.get(key), _ADDRESS_FIELDS.get(key.lower()))
        if len(_KEY_PLANS) < 10_000:
            _KEY_PLANS[key] = plan
    return plan


def map_attributes(attributes: dict[str, Any] | None, address: Any) -> dict[str, Any]:
    """Map CityJSON attributes and address to the fields of the buildings layer (``schema.BUILDINGS``).

    The CityGML-named attributes (measuredHeight, roofType, yearOfConstruction, ...) become their fields when
    their value has the field's type (else they keep their own key); address keys (xAL ThoroughfareName,
    PostalCode, ... or plain street, city ...) fill street, house_number, postal_code, city and country; the first
    address fills the fields and the addresses (without their location) are kept under "address". Everything
    else keeps its own key.

    Args:
        attributes: the object's ``attributes``.
        address: the object's ``address`` (an object, or a list of them in CityJSON 1.1/2.0).

    Returns:
        The fields and other attributes.

    Example:
        >>> address = {"ThoroughfareName": "Spöcker Straße", "ThoroughfareNumber": "4711", "PostalCode": "76344",
        ...            "LocalityName": "Eggenstein-Leopoldshafen", "location": {"type": "MultiPoint"}}
        >>> fields = map_attributes({"measuredHeight": "6.52", "yearOfConstruction": 2020.0, "roofType": "1030",
        ...                          "storeysAboveGround": 2.5, "GrossPlannedArea": 120.0}, address)
        >>> fields["measured_height"], fields["year_of_construction"], fields["roof_type"]
        (6.52, 2020, '1030')
        >>> fields["storeysAboveGround"], fields["GrossPlannedArea"]   # 2.5 storeys is no int: kept as it is
        (2.5, 120.0)
        >>> fields["street"], fields["house_number"], fields["postal_code"], fields["city"]
        ('Spöcker Straße', '4711', '76344', 'Eggenstein-Leopoldshafen')
        >>> sorted(fields["address"][0])
        ['LocalityName', 'PostalCode', 'ThoroughfareName', 'ThoroughfareNumber']
        >>> map_attributes(None, None)
        {}
    """
    out: dict[str, Any] = {}
    plans = _KEY_PLANS
    for key, value in (attributes or {}).items():
        target, field = plans.get(key) or _key_plan(key)
        if target is not None:
            kind = target[1]
            if kind is str:
                out[target[0]] = None if value is None else str(value)
                continue
            # typed already: _coerce would give the same value (an int only within float's exact range)
            vtype = type(value)
            if vtype is kind and (vtype is float and math.isfinite(value)
                                  or vtype is int and -_EXACT <= value <= _EXACT):
                out[target[0]] = value
                continue
            try:
                out[target[0]] = _coerce(value, kind)
                continue
            except (TypeError, ValueError, OverflowError):   # OverflowError: an int beyond float's range
                pass
        if field is not None and value is not None and not isinstance(value, (dict, list)):
            out.setdefault(field, str(value))
            continue
        out[key] = value
    if isinstance(address, dict):
        address = [address]
    if isinstance(address, list) and address:
        cleaned = [({k: v for k, v in a.items() if k != "location"} if "location" in a else a.copy())
                   for a in address if isinstance(a, dict)]
        for key, value in (cleaned[0] if cleaned else {}).items():
            field = (plans.get(key) or _key_plan(key))[1]
            if field is not None and value is not None:
                out[field] = str(value)
        out["address"] = cleaned
    return out


def _shells(geom: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(surfaces, semantic values) of every outer shell of a surface geometry."""
    kind, boundaries = geom.get("type"), geom.get("boundaries")
    values = (geom.get("semantics") or {}).get("values")
    if not isinstance(boundaries, list):
        raise _BadObject(f"{kind} geometry without boundaries")
    if kind in ("MultiSurface", "CompositeSurface"):
        return [(boundaries, values)]
    if kind == "Solid":
        return [(boundaries[0], values[0] if values else None)] if boundaries else []
    # MultiSolid / CompositeSolid: the exterior shell of each solid (interior shells are voids).
    return [(solid[0], values[i][0] if values and values[i] else None)
            for i, solid in enumerate(boundaries) if solid]


class _Geometries:
    """Resolves an object's geometries (with geometry templates) into usable candidates."""

    def __init__(self, templates: dict[str, Any] | None) -> None:
        self.templates = (templates or {}).get("templates") or []
        tv = (templates or {}).get("vertices-templates") or []
        self.template_vertices = np.asarray(tv, dtype=np.float64).reshape(-1, 3) if tv else np.zeros((0, 3))

    def candidates(self, geometries: list[Any] | None,
                   vertices: _Vertices) -> list[tuple[str, dict[str, Any], _Vertices]]:
        """(lod, geometry, vertex array) of every surface geometry, templates instantiated."""
        out = []
        for geom in geometries or []:
            if not isinstance(geom, dict):
                continue
            if geom.get("type") == "GeometryInstance":
                resolved = self._instance(geom, vertices)
                if resolved is not None:
                    out.append(resolved)
            elif geom.get("type") in _SURFACE_GEOMETRIES:
                out.append((normalise_lod(geom.get("lod")), geom, vertices))
        return out

    def _instance(self, geom: dict[str, Any], vertices: _Vertices) -> tuple[str, dict[str, Any], _Vertices] | None:
        try:
            template = self.templates[int(geom["template"])]
            anchor = vertices.array[int(geom["boundaries"][0])]
            matrix = np.asarray(geom["transformationMatrix"], dtype=np.float64).reshape(4, 4)
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise _BadObject(f"broken GeometryInstance: {err}") from None
        if template.get("type") not in _SURFACE_GEOMETRIES:
            return None
        local = np.c_[self.template_vertices, np.ones(len(self.template_vertices))] @ matrix.T
        return normalise_lod(template.get("lod")), template, _Vertices(local[:, :3] + anchor)


class _Vertices:
    """A vertex array with what every ring check needs, computed once per array."""

    def __init__(self, array: Array, unique: bool | None = None) -> None:
        """``unique`` given: the caller has checked the array (finite, not absurd) and its vertices' uniqueness."""
        self.array = array
        self.count = len(array)
        self.bad: dict[int, str] = {}
        if unique is not None:
            self.unique = unique
            return
        magnitude = np.abs(array)
        if self.count and not magnitude.max() <= ABSURD_COORDINATE:  # also true for NaN
            finite = np.all(np.isfinite(array), axis=1)
            absurd = np.any(np.where(np.isfinite(array), magnitude, 0.0) > ABSURD_COORDINATE, axis=1)
            self.bad = {int(i): "non-finite coordinate" for i in np.flatnonzero(~finite)}
            self.bad.update({int(i): f"absurd coordinate (|value| > {ABSURD_COORDINATE:g})"
                             for i in np.flatnonzero(absurd)})
        # with no duplicate vertices, index checks are exact and no coordinates need comparing
        if self.count < 1000:  # Python's set is faster on small arrays, numpy's sort leaner on large ones
            self.unique = len(set(map(tuple, array.tolist()))) == self.count
        elif not self.bad:
            self.unique = _rows_distinct(array)
        else:
            self.unique = len(np.unique(array, axis=0)) == self.count


def _rows_distinct(array: Array) -> bool:
    """Whether no two rows of a finite (N, 3) array are equal, as ``np.unique(array, axis=0)`` compares them
    (-0.0 equals 0.0): the rows' bit patterns (-0.0 made 0.0 first) in one lexicographic sort, neighbours compared.
    About 2.5 times faster than np.unique on the 94,000 vertices of the 10,000-building district."""
    bits = (array + 0.0).view(np.int64)   # a new C-ordered array: -0.0 + 0.0 is 0.0
    ordered = bits[np.lexsort((bits[:, 2], bits[:, 1], bits[:, 0]))]
    return not bool((ordered[1:] == ordered[:-1]).all(axis=1).any())


def _ring(ring: Any, vertices: _Vertices, number: int) -> tuple[Array, str | None]:
    """The cleaned (N, 3) ring and why it is unusable (None when fine); raises _BadObject for corrupt data."""
    if not isinstance(ring, list) or not all(type(i) is int for i in ring):
        raise _BadObject(f"surface {number}: vertex indices are not integers")
    if ring and (min(ring) < 0 or max(ring) >= vertices.count):
        raise _BadObject(f"surface {number}: vertex index out of range 0..{vertices.count - 1} "
                         f"({min(ring)}..{max(ring)})")
    if vertices.bad:
        broken = next((i for i in ring if i in vertices.bad), None)
        if broken is not None:
            raise _BadObject(f"surface {number}: {vertices.bad[broken]} (vertex {broken})")
    if not vertices.unique:
        coords = clean_ring(vertices.array[ring])
        return coords, ring_problem(coords)
    idx = [v for k, v in enumerate(ring) if k == 0 or v != ring[k - 1]]
    if len(idx) > 1 and idx[0] == idx[-1]:
        idx.pop()
    coords = vertices.array[idx]
    if len(set(idx)) < 3:
        return coords, f"ring with fewer than 3 distinct points ({len(idx)} vertices)"
    return coords, None


def _distinct(ring: list[Any]) -> int:
    """How many distinct values a ring's index list holds; 0 when one is not hashable (corrupt data)."""
    try:
        return len(set(ring))
    except TypeError:
        return 0


class _Gathered:
    """The vertex indices of every ring of one geometry whose every polygon is usable, flat, with the points of each
    ring, the rings of each polygon and each polygon's semantic type: what _clean_batch cleans for many buildings in
    one go."""

    __slots__ = ("oid", "lod", "flat", "lengths", "polygon_rings", "kinds", "vertices", "surfaces")

    def __init__(self, oid: str, lod: str, flat: list[int], lengths: list[int], polygon_rings: list[int],
                 kinds: list[str], vertices: Array) -> None:
        self.oid, self.lod, self.flat, self.lengths = oid, lod, flat, lengths
        self.polygon_rings, self.kinds, self.vertices = polygon_rings, kinds, vertices
        self.surfaces: list[Surface] = []


def _shell_kinds(shell: list[Any], values: Any, semantic_surfaces: list[Any]) -> list[str]:
    """The semantic type of each polygon of a shell ("" where it has none)."""
    if not isinstance(values, list):
        return [""] * len(shell)
    count = len(semantic_surfaces)
    if (len(values) == len(shell) and set(map(type, values)) == {int} and min(values) >= 0 and max(values) < count
            and set(map(type, semantic_surfaces)) == {dict}):  # every polygon typed: one lookup per surface type
        names = [str(surface.get("type", "")) for surface in semantic_surfaces]
        return list(map(names.__getitem__, values))
    kinds = [str(semantic_surfaces[v].get("type", "")) if isinstance(v, int) and 0 <= v < count else ""
             for v in values[:len(shell)]]
    return kinds + [""] * (len(shell) - len(kinds))


def _gather(oid: str, geom: dict[str, Any], vertices: _Vertices, lod: str) -> _Gathered | None:
    """The flat ring indices of a geometry (see _Gathered), walked shell by shell with C-level maps. None when
    anything needs ``_surfaces``' care (a ring or polygon to drop, indices that are not integers or out of range,
    broken or duplicated vertices, no polygon)."""
    if vertices.bad or not vertices.unique:
        return None
    semantic_surfaces = (geom.get("semantics") or {}).get("surfaces") or []
    shells = _shells(geom)
    if len(shells) == 1:  # a Solid or a MultiSurface: its one shell's lists as they are
        shell, values = shells[0]
        walked = _walk_shell(shell)
        if walked is None:
            return None
        flat, sizes = walked
        kinds = _shell_kinds(shell, values, semantic_surfaces)
        if set(map(type, flat)) != {int} or min(flat) < 0 or max(flat) >= vertices.count:
            return None
        return _Gathered(oid, lod, flat, sizes, list(map(len, shell)), kinds, vertices.array)
    flat = []
    lengths: list[int] = []
    polygon_rings: list[int] = []
    kinds = []
    for shell, values in shells:
        if type(shell) is list and not shell:
            continue
        walked = _walk_shell(shell)
        if walked is None:
            return None
        flat.extend(walked[0])
        lengths += walked[1]
        polygon_rings += map(len, shell)
        kinds += _shell_kinds(shell, values, semantic_surfaces)
    if not flat or set(map(type, flat)) != {int} or min(flat) < 0 or max(flat) >= vertices.count:
        return None
    return _Gathered(oid, lod, flat, lengths, polygon_rings, kinds, vertices.array)


def _walk_shell(shell: Any) -> tuple[list[int], list[int]] | None:
    """The vertex indices of a non-empty shell's rings one after another and the length of each ring; None when the
    shell is empty or not a list of polygons, a ring not a list or has fewer than 3 distinct indices (a ring to drop:
    the vertices have no duplicates) or an index is unhashable. Whether the indices are ints is _gather's to check,
    after the shells' semantic types (whose errors come first)."""
    if type(shell) is not list or not shell or set(map(type, shell)) != {list} or not all(shell):
        return None
    rings = list(chain.from_iterable(shell))
    if set(map(type, rings)) != {list}:
        return None
    sizes = list(map(len, rings))
    try:  # indices of a vertex array without duplicates: fewer than 3 distinct ones is a ring to drop
        if min(sizes) < 3 or min(map(len, map(set, rings))) < 3:
            return None
    except TypeError:  # an unhashable index: corrupt data
        return None
    return list(chain.from_iterable(rings)), sizes


def _clean_batch(batch: list[_Gathered]) -> None:
    """Clean the rings of every gathered geometry of a batch at once and set each one's ``surfaces``: the vertex
    indices of all rings in one array, consecutive repeats and closing indices dropped by comparison, the
    coordinates taken in one indexing of the batch's vertex tables (concatenated once)."""
    if not batch:
        return
    tables: dict[int, int] = {}
    arrays: list[Array] = []
    at = 0
    for item in batch:
        if id(item.vertices) not in tables:
            tables[id(item.vertices)] = at
            arrays.append(item.vertices)
            at += len(item.vertices)
    index = np.fromiter(chain.from_iterable(item.flat for item in batch), dtype=np.int64)
    sizes = np.fromiter(chain.from_iterable(item.lengths for item in batch), dtype=np.int64)
    if len(arrays) > 1:
        offsets = np.fromiter((tables[id(item.vertices)] for item in batch), dtype=np.int64, count=len(batch))
        index += np.repeat(offsets, [len(item.flat) for item in batch])
    starts = np.cumsum(sizes) - sizes
    keep = np.ones(len(index), dtype=bool)
    keep[1:] = index[1:] != index[:-1]
    keep[starts] = True
    counts = np.add.reduceat(keep, starts)  # >= 3 once closed: each ring has 3 distinct indices (checked)
    closing = index[starts] == index[starts + sizes - 1]   # a closing index repeats the first: dropped
    if closing.any():
        last = np.flatnonzero(keep)[np.cumsum(counts) - 1]
        keep[last[closing]] = False
        counts = counts - closing
    coords = (arrays[0] if len(arrays) == 1 else np.concatenate(arrays))[index[keep]]
    ends = np.cumsum(counts).tolist()
    rings = list(map(coords.__getitem__, map(slice, [0, *ends[:-1]], ends)))
    polygon_rings = list(chain.from_iterable(item.polygon_rings for item in batch))
    if len(polygon_rings) == len(rings):  # one ring each
        groups = [[ring] for ring in rings]
    else:
        bounds = list(accumulate(polygon_rings, initial=0))
        groups = list(map(rings.__getitem__, map(slice, bounds[:-1], bounds[1:])))
    polygons = [len(item.kinds) for item in batch]
    ids = [f"{item.oid}_{item.lod}_{number}" for item, count in zip(batch, polygons) for number in range(1, count + 1)]
    lods = chain.from_iterable(map(repeat, [item.lod for item in batch], polygons))
    surfaces = list(map(Surface, groups, chain.from_iterable(item.kinds for item in batch), ids, lods))
    at = 0
    for item, count in zip(batch, polygons):   # every Surface made in one map, each item given its run
        item.surfaces = surfaces[at:at + count]
        at += count


def _clean_surfaces(oid: str, geom: dict[str, Any], vertices: _Vertices, lod: str) -> list[Surface] | None:
    """``_surfaces`` of a geometry whose every polygon is usable (see _gather and _clean_batch); [] for a geometry
    without polygons, None when anything needs ``_surfaces``' care."""
    gathered = _gather(oid, geom, vertices, lod)
    if gathered is None:
        for shell, _ in _shells(geom):
            if not isinstance(shell, list) or shell:
                return None
        return []
    _clean_batch([gathered])
    return gathered.surfaces


def _surfaces(oid: str, geom: dict[str, Any], vertices: _Vertices, lod: str) -> tuple[list[Surface], list[str]]:
    """Surfaces of the outer shells, and the problems of dropped surfaces."""
    clean = _clean_surfaces(oid, geom, vertices, lod)
    if clean is not None:
        return clean, []
    semantic_surfaces = (geom.get("semantics") or {}).get("surfaces") or []
    surfaces: list[Surface] = []
    dropped: list[str] = []
    number = 0
    for shell, values in _shells(geom):
        for i, polygon in enumerate(shell):
            number += 1
            if not isinstance(polygon, list) or not polygon:
                dropped.append(f"surface {number}: empty polygon (no rings)")
                continue
            rings = []
            for ring_number, ring in enumerate(polygon):
                coords, problem = _ring(ring, vertices, number)
                if problem is None:
                    rings.append(coords)
                elif ring_number == 0:
                    dropped.append(f"surface {number}: {problem}")
                    break
            else:
                value: Any = values[i] if isinstance(values, list) and i < len(values) else None
                known = isinstance(value, int) and 0 <= value < len(semantic_surfaces)
                semantic = semantic_surfaces[value] if known else {}
                surfaces.append(Surface(rings, str(semantic.get("type", "")), f"{oid}_{lod}_{number}", lod))
    return surfaces, dropped


class CityJSONSource:
    """A CityJSON or CityJSONSeq file; iterating yields its buildings/parts and what was skipped."""

    def __init__(self, path: str | os.PathLike[str] | InputFile, crs_override: CrsInfo | None = None,
                 lod: str = "highest", reporter: Reporter | None = None) -> None:
        self.input = as_input(path)
        self.path = self.input.display
        self.name = self.input.name
        self.lod = lod_request(lod)
        self.reporter = reporter or Reporter()
        self.ignored: Counter[str] = Counter()   # non-building object types seen
        self.crs_problem: str | None = None
        self._vertices_checked = False  # the area-of-use check on real vertices (once per file)
        self.progress = 0.0                      # share of the file consumed, 0..1
        self.lod_fallbacks = 0                   # objects without the requested LoD (nearest used)
        self.sequence = is_cityjson_seq(self.input)
        self._doc: dict[str, Any] | None = None
        self._duplicates: list[str] = []
        self._waiting: list[tuple[CityObject, _Gathered]] = []  # buildings whose surfaces the next batch makes
        header = self._read_header() if self.sequence else self._read_document()
        version = str(header.get("version", ""))
        if header.get("type") != "CityJSON":
            raise InputError("not a CityJSON document (\"type\" is not \"CityJSON\")", path=self.path)
        if version not in SUPPORTED_VERSIONS:
            raise InputError(f"unsupported CityJSON version {version!r} (supported: "
                             f"{', '.join(SUPPORTED_VERSIONS)})", path=self.path)
        self.version = version
        self.format = f"{'CityJSONSeq' if self.sequence else 'CityJSON'} {version}"
        metadata = header.get("metadata")
        self.metadata: dict[str, Any] = metadata if isinstance(metadata, dict) else {}
        self.crs = self._crs(crs_override)
        transform: Any = header.get("transform") if isinstance(header.get("transform"), dict) else {}
        try:
            self._scale: Array = np.asarray(transform.get("scale", (1, 1, 1)), dtype=np.float64).reshape(3)
            self._translate: Array = np.asarray(transform.get("translate", (0, 0, 0)), dtype=np.float64).reshape(3)
        except (TypeError, ValueError):
            raise InputError(f"malformed transform {transform!r}", path=self.path) from None
        try:
            self._geometries = _Geometries(header.get("geometry-templates"))
        except (AttributeError, TypeError, ValueError) as err:
            raise InputError(f"malformed geometry-templates: {err}", path=self.path) from None
        extent = self.metadata.get("geographicalExtent")
        if (isinstance(extent, list) and len(extent) == 6
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in extent)):
            self._check_area((extent[0], extent[1], extent[3], extent[4]), "metadata.geographicalExtent")

    # -- reading -----------------------------------------------------------------------------
    def _read_document(self) -> dict[str, Any]:
        self._duplicates = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            obj = dict(items)
            if len(obj) != len(items):
                self._duplicates.extend(k for k, n in Counter(k for k, _ in items).items() if n > 1)
            return obj

        try:
            doc = self._parse_cancellable(pairs)
        except json.JSONDecodeError as err:
            raise InputError(f"malformed JSON: {err.msg} (column {err.colno})", path=self.path,
                             line=err.lineno) from None
        except RecursionError:
            raise InputError("JSON nested too deeply", path=self.path) from None
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as err:
            raise InputError(f"cannot read the file: {err}", path=self.path) from None
        if not isinstance(doc, dict):
            raise InputError("not a CityJSON document (no JSON object)", path=self.path)
        self._doc = doc
        return doc

    def _parse_cancellable(self, pairs: Callable[[list[tuple[str, Any]]], dict[str, Any]]) -> object:
        """json.load in a worker thread, so a cancel takes effect within a fraction of a second
        even while a large single-document CityJSON is still being parsed."""
        outcome: dict[str, Any] = {}

        limit = self.input.limits.max_json

        def work() -> None:
            try:
                data = bytearray()
                with self.input.open() as fh:
                    while chunk := fh.read(MB):
                        data += chunk
                        if len(data) > limit:
                            raise InputError(f"refused: the CityJSON document is larger than {limit / MB:g} MiB "
                                             "(it is parsed whole; raise the limit MAX_JSON_MB, or use "
                                             "CityJSONSeq)", path=self.path)
                        if "cancel" in outcome:
                            return
                with gc_paused():
                    outcome["doc"] = json.loads(data, object_pairs_hook=pairs)
                    del data
                    _to_oldest_generation()
            except BaseException as err:  # re-raised in the caller's thread
                outcome["error"] = err

        worker = threading.Thread(target=work, name=f"parse {self.name}", daemon=True)
        worker.start()
        while worker.is_alive():
            try:
                self.reporter.check()  # on cancel the abandoned parse ends on its own and is dropped
            except BaseException:
                outcome["cancel"] = True
                raise
            worker.join(0.1)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["doc"]

    def _read_header(self) -> dict[str, Any]:
        try:
            with self.input.open() as fh:
                header = json.loads(fh.readline(self.input.limits.max_json))
        except (OSError, EOFError, zlib.error, ValueError, RecursionError) as err:
            raise InputError(f"unreadable CityJSONSeq header: {err}", path=self.path, line=1) from None
        if not isinstance(header, dict):
            raise InputError("the CityJSONSeq header is not a JSON object", path=self.path, line=1)
        return header

    def _crs(self, override: CrsInfo | None) -> CrsInfo:
        text = self.metadata.get("referenceSystem")
        if not text and isinstance(self.metadata.get("crs"), dict):  # CityJSON 0.x/1.0 style
            epsg = self.metadata["crs"].get("epsg")
            text = f"EPSG:{epsg}" if epsg else None
        file_crs = None
        if text:
            try:
                file_crs = crs_from_cityjson(str(text))
            except InputError as err:
                if override is None:
                    raise InputError(str(err), path=self.path) from None
        if override is not None:
            if file_crs is not None and file_crs.horizontal != override.horizontal:
                self.reporter.warning(f"{self.name}: the file says {text}; using the CRS override "
                                      f"{override.horizontal}")
            return override
        if file_crs is None:
            raise InputError("the file states no CRS (metadata.referenceSystem); give one with the CRS override",
                             path=self.path)
        return file_crs

    def _check_area(self, bbox: Iterable[Any], what: str = "vertices") -> None:
        """Refuse vertices outside the CRS's area of use; a misplaced metadata extent is only a warning
        (it may be a placeholder: the vertices decide)."""
        try:
            values = tuple(float(v) for v in bbox)
        except (TypeError, ValueError):
            return  # a malformed extent says nothing about the CRS; the vertices are checked
        if self.crs_problem is not None or not any(values):
            return
        problem = area_of_use_problem(self.crs, cast("tuple[float, float, float, float]", values))
        if not problem:
            return
        if what != "vertices":
            self.reporter.warning(f"{self.name}: {what}: {problem}")
            return
        self.crs_problem = problem
        raise InputError(f"{what}: {problem}", path=self.path)

    def _vertices(self, raw: Any) -> Array:
        if not raw:
            return np.zeros((0, 3))
        array = np.array(raw, dtype=np.float64)   # a new array: scaled in place, no copies
        if array.ndim != 2 or array.shape[1] != 3:
            raise ValueError(f"vertices must be [x, y, z] triples, got shape {array.shape}")
        array *= self._scale
        array += self._translate
        return array

    def __iter__(self) -> Iterator[CityObject | Relief | Skipped]:
        return self._frozen(self._iter_sequence if self.sequence else self._iter_document)

    def _frozen(self, read: Callable[[], Iterator[CityObject | Relief | Skipped]]
                ) -> Iterator[CityObject | Relief | Skipped]:
        """The objects of ``read``, read with what is alive at its start frozen (see gc_frozen)."""
        if self._doc is None and not self.sequence:
            self._read_document()
        with gc_frozen():
            yield from self._batched(read())

    BATCH = 256  # buildings whose rings are cleaned in one go

    def _batched(self, items: Iterator[CityObject | Relief | Skipped]) -> Iterator[CityObject | Relief | Skipped]:
        """The items in their order, held back until the rings of the buildings waiting among them (``_waiting``,
        gathered by _building) are cleaned in one batch (_clean_batch) and their surfaces set. At most 4 BATCH items
        are held (a file of mostly other objects is not held whole), and none after a terrain (its triangles)."""
        held: list[CityObject | Relief | Skipped] = []
        for item in items:
            held.append(item)
            if len(self._waiting) >= self.BATCH or len(held) >= 4 * self.BATCH or isinstance(item, Relief):
                yield from self._release(held)
                held = []
        yield from self._release(held)

    def _release(self, held: list[CityObject | Relief | Skipped]) -> list[CityObject | Relief | Skipped]:
        waiting, self._waiting = self._waiting, []
        _clean_batch([gathered for _, gathered in waiting])
        for obj, gathered in waiting:
            obj.surfaces = gathered.surfaces
        return held

    def _iter_document(self) -> Iterator[CityObject | Relief | Skipped]:
        doc = self._doc or self._read_document()
        self._doc = None  # the caller's iteration owns it now
        try:
            vertices = self._vertices(doc.pop("vertices", None))  # the list of lists goes: numpy holds them
        except (TypeError, ValueError) as err:
            raise InputError(f"malformed vertices: {err}", path=self.path) from None
        finite = vertices[np.all(np.isfinite(vertices), axis=1)]
        if len(finite):
            self._check_area((*finite[:, :2].min(axis=0), *finite[:, :2].max(axis=0)))
        objects = doc.get("CityObjects") or {}
        if not isinstance(objects, dict):
            raise InputError("\"CityObjects\" is not a JSON object", path=self.path)
        for oid in dict.fromkeys(k for k in self._duplicates if k in objects):
            yield Skipped(self.path, oid, "duplicate object id in the file; only its last definition was kept")
        total = max(len(objects), 1)
        table = _Vertices(vertices)
        for n, oid in enumerate(list(objects), 1):
            yield from self._object(oid, objects.pop(oid), table, None)  # memory shrinks as objects go
            self.progress = n / total
        self._finish()

    SEQ_BATCH = 32  # CityJSONSeq lines (at most BATCH) whose vertices are converted, transformed and checked at once

    def _lines(self) -> Iterator[tuple[bytes, int, float]]:
        """The non-blank feature lines of the sequence with their line numbers and the progress after each."""
        limit = self.input.limits.max_json
        with self.input.open() as fh:
            try:
                fh.readline(limit)  # header, read in __init__
                line_no = 1
                while line := fh.readline(limit + 1):
                    line_no += 1
                    if len(line) > limit:
                        raise InputError(f"refused: a CityJSONFeature line is longer than {limit / MB:g} MiB "
                                         "(raise the limit MAX_JSON_MB)", path=self.path, line=line_no)
                    if line.strip():
                        yield line, line_no, fh.progress
            except (EOFError, zlib.error, OSError, zipfile.BadZipFile) as err:
                raise InputError(f"cannot read the file: {err}", path=self.path) from None

    def _iter_sequence(self) -> Iterator[CityObject | Relief | Skipped]:
        """The features line by line, parsed SEQ_BATCH lines at a time (_features); the lines read before a
        refused or unreadable one are yielded before its error is raised."""
        pending: list[tuple[bytes, int, float]] = []
        size = max(1, min(self.SEQ_BATCH, self.BATCH))
        try:
            for item in self._lines():
                pending.append(item)
                if len(pending) >= size:
                    yield from self._features(pending)
                    pending = []
        except BaseException:
            yield from self._features(pending)
            raise
        yield from self._features(pending)
        self.progress = 1.0
        self._finish()

    def _features(self, lines: list[tuple[bytes, int, float]]) -> Iterator[CityObject | Relief | Skipped]:
        """The objects of a run of feature lines in their order, the vertices of all of them converted to one
        array, transformed and checked at once (_vertex_tables)."""
        parsed: list[Skipped | tuple[str, Any, Any, int]] = [self._parse(line, n) for line, n, _ in lines]
        tables = self._vertex_tables([p[2] for p in parsed if not isinstance(p, Skipped)])
        at = 0
        for (_, line_no, progress), item in zip(lines, parsed):
            self.progress = progress
            if isinstance(item, Skipped):
                yield item
                continue
            table = tables[at] if tables is not None else None
            at += 1
            yield from self._feature(item, line_no, table)

    def _parse(self, line: bytes, line_no: int) -> Skipped | tuple[str, Any, Any, int]:
        """A feature line as (id, its CityObjects, its raw vertices, line number), or why it is skipped."""
        try:
            feature = loads_line(line)
        except (ValueError, RecursionError) as err:
            return Skipped(self.path, f"line {line_no}", f"malformed CityJSONFeature line: {err}", line_no)
        fid = str(feature.get("id", f"line {line_no}")) if isinstance(feature, dict) else f"line {line_no}"
        if not isinstance(feature, dict) or feature.get("type") != "CityJSONFeature":
            return Skipped(self.path, fid, "not a CityJSONFeature", line_no)
        return fid, feature.get("CityObjects"), feature.get("vertices"), line_no

    def _vertex_tables(self, raws: list[Any]) -> list[_Vertices] | None:
        """The vertex table of each feature, made from one array of all their vertices: converted, scaled and
        translated (the same operations, the same values as _vertices each), checked for non-finite or absurd
        coordinates and each feature's vertices for duplicates by one sort. None when any of them needs
        _vertices' and _Vertices' own care (empty, malformed, a bad coordinate): then each is made on its own."""
        sizes = [len(r) if type(r) is list else 0 for r in raws]
        if not raws or min(sizes) == 0:
            return None
        try:
            array = np.array(list(chain.from_iterable(raws)), dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if array.ndim != 2 or array.shape[1] != 3:
            return None
        array *= self._scale
        array += self._translate
        if not np.abs(array).max() <= ABSURD_COORDINATE:  # also true for NaN
            return None
        group = np.repeat(np.arange(len(raws)), sizes)
        order = np.lexsort((array[:, 2], array[:, 1], array[:, 0], group))
        ranked = array[order]
        same = (ranked[1:] == ranked[:-1]).all(axis=1) & (group[order][1:] == group[order][:-1])
        duplicated = set(group[order][1:][same].tolist())
        ends = np.cumsum(sizes).tolist()
        return [_Vertices(array[start:end], unique=k not in duplicated)
                for k, (start, end) in enumerate(zip([0, *ends[:-1]], ends))]

    def _feature(self, parsed: tuple[str, Any, Any, int], line_no: int,
                 table: _Vertices | None) -> list[CityObject | Relief | Skipped]:
        """The objects of a parsed feature line (see _parse), with its vertex table when _vertex_tables made it."""
        fid, objects, raw, _ = parsed
        try:
            vertices = table.array if table is not None else self._vertices(raw)
            if not isinstance(objects, dict):
                raise ValueError("\"CityObjects\" is not a JSON object")
        except (TypeError, ValueError) as err:
            return [Skipped(self.path, fid, f"malformed feature: {err}", line_no)]
        if not self._vertices_checked and len(vertices):
            self._vertices_checked = True
            finite = vertices[np.all(np.isfinite(vertices), axis=1)]
            if len(finite):
                self._check_area((*finite[:, :2].min(axis=0), *finite[:, :2].max(axis=0)))
        if table is None:
            table = _Vertices(vertices)
        if len(objects) == 1:
            oid, obj = next(iter(objects.items()))
            return self._object(oid, obj, table, line_no)
        out: list[CityObject | Relief | Skipped] = []
        for oid, obj in objects.items():
            out += self._object(oid, obj, table, line_no)
        return out

    def _finish(self) -> None:
        if self.lod_fallbacks:
            self.reporter.warning(f"{self.name}: {self.lod_fallbacks} objects have no LoD{self.lod} geometry; "
                                  "their nearest LoD was used")
        if self.ignored:
            kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.ignored.items()))
            self.reporter.info(f"{self.name}: city objects not imported (a skipped_objects row each): {kinds}")

    # -- objects -----------------------------------------------------------------------------
    def _object(self, oid: str, obj: Any, vertices: _Vertices,
                line: int | None) -> list[CityObject | Relief | Skipped]:
        if not isinstance(obj, dict):
            return [Skipped(self.path, oid, "the city object is not a JSON object", line)]
        kind = obj.get("type")
        if kind in RELIEF_TYPES:
            return list(self._relief(str(oid), obj, vertices, line))
        if kind not in BUILDING_TYPES:
            self.ignored[str(kind)] += 1
            return [Skipped(self.path, str(oid), f"not imported: {kind} (GeoTwin reads buildings and TIN terrain)",
                            line, quiet=True)]
        try:
            city_object, dropped = self._building(oid, obj, vertices, line)
        except _BadObject as err:
            return [Skipped(self.path, oid, str(err), line)]
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
            return [Skipped(self.path, oid, f"malformed geometry or attributes ({type(err).__name__}: {err})", line)]
        if not dropped and city_object is not None:
            return [city_object]
        out: list[CityObject | Relief | Skipped] = [
            Skipped(self.path, f"{oid}#{problem.split(':')[0].split()[-1]}", f"{problem}; surface dropped", line)
            for problem in dropped]
        out.append(Skipped(self.path, oid, f"no usable surface left ({'; '.join(dropped)})", line)
                   if city_object is None else city_object)
        return out

    def _relief(self, oid: str, obj: dict[str, Any], vertices: _Vertices,
                line: int | None) -> Iterator[Relief | Skipped]:
        """A TINRelief: the triangles of its geometry of the highest LoD (faces that are not triangles, a row)."""
        geoms = [g for g in obj.get("geometry") or [] if isinstance(g, dict)
                 and g.get("type") in ("CompositeSurface", "MultiSurface", "TIN")]
        if not geoms:
            yield Skipped(self.path, oid, "TINRelief without a surface geometry", line)
            return
        geom = max(geoms, key=lambda g: _lod_key(normalise_lod(g.get("lod"))))
        faces = geom.get("boundaries")
        if not isinstance(faces, list):
            yield Skipped(self.path, oid, "TINRelief geometry without boundaries", line)
            return
        corners: list[list[int]] = []
        other = 0
        for face in faces:
            ring = face[0] if isinstance(face, list) and len(face) == 1 and isinstance(face[0], list) else None
            if ring is None or len(ring) != 3 or not all(type(i) is int and 0 <= i < vertices.count for i in ring):
                other += 1
                continue
            corners.append(ring)
        triangles = (vertices.array[np.asarray(corners, dtype=np.int64).reshape(-1, 3)] if corners
                     else np.zeros((0, 3, 3)))
        ok = np.isfinite(triangles).all(axis=(1, 2)) & (np.abs(triangles) <= ABSURD_COORDINATE).all(axis=(1, 2))
        with np.errstate(invalid="ignore", over="ignore"):
            ok &= np.linalg.norm(np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]),
                                 axis=1) > 1e-9
        other += int((~ok).sum())
        if other:
            yield Skipped(self.path, f"{oid}#triangles", f"{other} faces of the TINRelief that are not usable "
                          "triangles left out", line)
        if not ok.any():
            yield Skipped(self.path, oid, "TINRelief without usable triangles", line)
            return
        yield Relief(oid, oid, self.path, normalise_lod(geom.get("lod")), triangles[ok], line)

    def _building(self, oid: str, obj: dict[str, Any], vertices: _Vertices,
                  line: int | None) -> tuple[CityObject | None, list[str]]:
        candidates = self._geometries.candidates(obj.get("geometry"), vertices)
        lods = [candidates[0][0]] if len(candidates) == 1 else sorted({lod for lod, _, _ in candidates}, key=_lod_key)
        parents = obj.get("parents") or []
        result = CityObject(
            id=str(oid), object_class=obj["type"],
            parent_id=str(parents[0]) if parents and obj["type"] == "BuildingPart" else None,
            source_file=self.path, lod=None, lods_available=lods,
            attributes=map_attributes(obj.get("attributes"), obj.get("address")), line=line)
        if not candidates:
            return result, []
        if len(candidates) == 1 and self.lod == "highest":  # what choose_lod gives for one LoD
            chosen, (_, geom, verts) = lods[0], candidates[0]
        else:
            best, fallback = choose_lod(lods, self.lod)
            chosen = cast(str, best)
            self.lod_fallbacks += fallback
            _, geom, verts = next(c for c in candidates if c[0] == chosen)
        gathered = _gather(str(oid), geom, verts, chosen)
        if gathered is not None:  # its surfaces are made with the batch's (see _batched)
            self._waiting.append((result, gathered))
            dropped: list[str] = []
        else:
            result.surfaces, dropped = _surfaces(str(oid), geom, verts, chosen)
        result.lod = chosen
        for lod, footprint, fverts in candidates:
            if lod.split(".")[0] == "0" and footprint.get("type") in ("MultiSurface", "CompositeSurface"):
                fsurfaces, _ = _surfaces(str(oid), footprint, fverts, lod)
                result.footprint_rings = [s.rings for s in fsurfaces if s.surface_type in ("", "GroundSurface")]
                break
        if not result.surfaces and gathered is None:
            return None, dropped
        return result, dropped


def read_cityjson(path: str | os.PathLike[str] | InputFile, crs_override: CrsInfo | None = None, lod: str = "highest",
                  reporter: Reporter | None = None) -> CityJSONSource:
    """Open a CityJSON 1.0/1.1/2.0 (.json, .city.json) or CityJSONSeq (.jsonl) file, optionally gzipped or a zip
    member: its format and CRS are known at once, its objects when it is iterated (see the module docstring).

    Args:
        path: the file, or an InputFile (a zip member, bounded against bombs).
        crs_override: the CRS to use instead of the file's metadata.referenceSystem (required when it has none).
        lod: "highest", or an LoD ("1", "LoD2", ...): that LoD, else the nearest one the object has.
        reporter: receives warnings (broken geometry, LoD fallbacks) and progress.

    Returns:
        The CityJSONSource: ``format``, ``crs``; iterating it yields a CityObject per Building and BuildingPart,
        a Relief per TINRelief and a Skipped per other object.

    Raises:
        InputError: the file cannot be read as CityJSON (malformed, unsupported version, too large) or has no CRS
            and no override.

    Example:
        >>> from collections import Counter
        >>> from geotwin.twin.examples import shared_data
        >>> from geotwin.twin.kernel.crs import crs_override
        >>> path = shared_data("cityjson/cjio/multi_lod.json")   # 10 buildings in LoD 1.2, 1.3 and 2.2, no CRS
        >>> source = read_cityjson(path, crs_override("EPSG:7415"))
        >>> source.format, source.crs.horizontal, source.crs.vertical
        ('CityJSON 2.0', 'EPSG:28992', 'EPSG:5709')
        >>> buildings = list(source)
        >>> len(buildings), Counter(b.lod for b in buildings), buildings[0].id, buildings[0].lods_available
        (10, Counter({'2.2': 10}), '6751773', ['1.2', '1.3', '2.2'])
        >>> sorted(Counter(s.surface_type for s in buildings[0].surfaces).items())
        [('GroundSurface', 7), ('RoofSurface', 7), ('WallSurface', 22)]
        >>> Counter(b.lod for b in read_cityjson(path, crs_override("EPSG:7415"), lod="1"))
        Counter({'1.3': 10})
        >>> read_cityjson(path)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: .../multi_lod.json: the file states no CRS (metadata.referenceSystem)...
    """
    return CityJSONSource(path, crs_override, lod, reporter)


__all__ = ["CityJSONSource", "read_cityjson", "open_binary", "is_cityjson_seq", "lod_request", "choose_lod",
           "gc_paused", "gc_frozen", "GC_YOUNG"]
