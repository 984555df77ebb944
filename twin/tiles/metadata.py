"""Typed attribute columns for EXT_structural_metadata property tables and b3dm batch tables.

Every attribute is kept: the typed columns of the layer as they are, the ``attributes`` JSON
flattened into one column per key path ("attributes.a.b"; lists stay JSON text). Types follow
the values: STRING, BOOLEAN, INT32 / INT64 (by range), FLOAT64; strings with few distinct values
(function codes, city, ...) become ENUMs of one byte per feature. Missing values (None, "", NaN and
infinities) are written as the property's ``noData`` value.

Every property of a class has values in every property table that uses the class, including a column
that is missing in all of a table's (or all) features: the 3D Tiles tools (and so the official
3D Tiles validator) cannot read a table that leaves a property out. A missing string is
``STRING_NO_DATA`` (one NUL byte), not "": a table whose strings were all empty would need a values
buffer view of 0 bytes, which glTF forbids (bufferView.byteLength >= 1) and the 3D Tiles validator
rejects when padded (METADATA_INVALID_LENGTH: the length must equal the last string offset).
"""
from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

INT32 = (-(2**31), 2**31 - 1)
ENUM_NO_DATA = "(no value)"
STRING_NO_DATA = "\u0000"  # a missing (or empty) string: one byte, so no values buffer view is ever empty
ENUM_MAX = 1000  # distinct values up to which a repetitive string column becomes an ENUM
NO_DATA = {"INT32": -(2**31), "INT64": -(2**63), "FLOAT64": -1.7976931348623157e308}
_NUMPY = {"INT32": "<i4", "INT64": "<i8", "FLOAT64": "<f8"}
#: the property type a layer field of each spec type gets (the others are typed by their values)
SPEC_TYPES = {"float": "FLOAT64", "str": "STRING", "datetime": "STRING"}


@dataclass
class Column:
    """One attribute over all features: original name, schema identifier, type and values."""

    name: str
    id: str
    type: str      # STRING | ENUM | BOOLEAN | INT32 | INT64 | FLOAT64
    values: list[Any]
    enum: list[str] | None = None   # ENUM: the names, index = value; ENUM_NO_DATA stands for missing

    @cached_property
    def has_missing(self) -> bool:
        return None in self.values or (self.type in ("STRING", "ENUM") and "" in self.values)

    def schema(self) -> dict[str, Any]:
        prop: dict[str, Any] = {"name": self.name}
        if self.type in ("STRING", "BOOLEAN"):
            prop["type"] = self.type
        elif self.type == "ENUM":
            prop.update(type="ENUM", enumType=self.id)
        else:
            prop.update(type="SCALAR", componentType=self.type)
        if self.has_missing and self.type != "BOOLEAN":
            prop["noData"] = {"STRING": STRING_NO_DATA, "ENUM": ENUM_NO_DATA}.get(self.type, NO_DATA.get(self.type))
        return prop

    def enum_schema(self) -> dict[str, Any]:
        assert self.enum is not None, "an ENUM column has its names"
        return {"valueType": "UINT8" if len(self.enum) <= 256 else "UINT16",
                "values": [{"name": n, "value": i} for i, n in enumerate(self.enum)]}

    @cached_property
    def _encoded(self) -> Any:
        """All values encoded once (tiles pick their rows): UTF-8 strings as a list, others as an array."""
        if self.type == "STRING":
            missing = STRING_NO_DATA.encode("utf-8")
            return [missing if v is None or v == "" else str(v).encode("utf-8") for v in self.values]
        if self.type == "ENUM":
            assert self.enum is not None, "an ENUM column has its names"
            index: dict[str | None, int] = {n: i for i, n in enumerate(self.enum)}
            index[None] = index[""] = index[ENUM_NO_DATA]
            return np.fromiter(map(index.__getitem__, self.values), "<u1" if len(self.enum) <= 256 else "<u2",
                               len(self.values))
        if self.type == "BOOLEAN":
            return np.array(self.values, dtype=bool)
        nodata = NO_DATA[self.type]
        return np.array([nodata if v is None else v for v in self.values], dtype=_NUMPY[self.type])

    def encode(self, rows: NDArray[Any]) -> tuple[list[bytes], dict[str, Any]]:
        """Binary buffers for the given feature rows ([values] or [values, stringOffsets]) and extra keys."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.type == "STRING":
            every = self._encoded
            encoded = [every[i] for i in rows.tolist()]
            lengths = np.cumsum([len(e) for e in encoded], dtype=np.int64)
            kind = "UINT16" if (lengths[-1] if len(lengths) else 0) < 65536 else "UINT32"
            offsets = np.zeros(len(encoded) + 1, dtype="<u2" if kind == "UINT16" else "<u4")
            offsets[1:] = lengths
            return [b"".join(encoded), offsets.tobytes()], {"stringOffsetType": kind}
        if self.type == "BOOLEAN":
            return [np.packbits(self._encoded[rows], bitorder="little").tobytes()], {}
        return [self._encoded[rows].tobytes()], {}


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}", out)
    else:
        out[prefix] = value


def _infer(values: list[Any], types: set[type]) -> str:
    """The type of plain (SQLite / JSON) ``values``, whose types (None's left out) are ``types``."""
    if not types:
        return "STRING"
    if types == {bool}:
        return "BOOLEAN" if None not in values else "STRING"
    if types == {int}:
        present = [v for v in values if v is not None]
        return "INT32" if INT32[0] < min(present) and max(present) <= INT32[1] else "INT64"
    if types <= {int, float}:
        return "FLOAT64"
    return "STRING"


#: the value types a column of each kind may hold as they are (no conversion needed)
AS_IS: dict[str, set[type]] = {"STRING": {str}, "FLOAT64": {float}, "INT32": {int}, "INT64": {int}, "BOOLEAN": {bool}}


def finite(value: Any) -> Any:
    """Replace NaN and infinities (which JSON cannot hold) by None, in lists and dicts too.

    Args:
        value: a value, list or dict.

    Returns:
        The value with every non-finite float None (tuples become lists).

    Example:
        >>> finite({"height": float("nan"), "levels": (1.0, float("inf"))})
        {'height': None, 'levels': [1.0, None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def as_type(value: Any, kind: str) -> Any:
    """Convert a value to the Python type of a column of ``kind``.

    Args:
        value: the value (None stays None).
        kind: ``STRING``, ``FLOAT64``, ``INT32``, ``INT64`` or ``BOOLEAN``.

    Returns:
        The value as str (booleans as ``true``/``false``, lists and dicts as JSON), float, int or bool.

    Example:
        >>> as_type(True, "STRING"), as_type({"b": 1, "a": [2]}, "STRING"), as_type("2.5", "FLOAT64")
        ('true', '{"a": [2], "b": 1}', 2.5)
        >>> as_type(3.0, "INT64"), as_type(0, "BOOLEAN"), as_type(None, "INT32")
        (3, False, None)
    """
    if value is None:
        return None
    if kind == "STRING":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, dict)):
            return json.dumps(finite(value), ensure_ascii=False, sort_keys=True, allow_nan=False)
        return str(value)
    if kind == "FLOAT64":
        return float(value)
    if kind in ("INT32", "INT64"):
        return int(value)
    return bool(value)


def unique_identifier(name: str, taken: set[str]) -> str:
    """Make a column name a property identifier (letters, digits, ``_``; not starting with a digit) that is not
    in ``taken``, and add it there.

    Args:
        name: the column name.
        taken: the identifiers given so far (updated).

    Returns:
        The identifier: ``name`` with other characters as ``_``, and ``_2``, ``_3``, ... when already taken.

    Example:
        >>> taken = set()
        >>> unique_identifier("attributes.roof type", taken), unique_identifier("attributes.roof_type", taken)
        ('attributes_roof_type', 'attributes_roof_type_2')
        >>> unique_identifier("3d", taken)
        '_3d'
    """
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not re.match(r"[A-Za-z_]", ident):
        ident = "_" + ident
    base, n = ident, 1
    while ident in taken:
        n += 1
        ident = f"{base}_{n}"
    taken.add(ident)
    return ident


def is_id_column(name: str) -> bool:
    """Tell whether a column holds ids (id, parent_id, building_id, ...), which are never ENUMs: they are not
    categories, and an ENUM's value list would change whenever one object is added or removed (which rewrites
    every tile).

    Args:
        name: the column name.

    Returns:
        True for ``id`` and names ending in ``_id``.

    Example:
        >>> is_id_column("id"), is_id_column("building_id"), is_id_column("function")
        (True, True, False)
    """
    return name == "id" or name.endswith("_id")


def json_fields_of(spec_fields: dict[str, str]) -> set[str]:
    """Name the fields whose JSON objects are flattened into columns.

    Args:
        spec_fields: the layer's field name -> type.

    Returns:
        The spec's ``json`` fields and ``attributes``.

    Example:
        >>> sorted(json_fields_of({"id": "str", "extra": "json", "height": "float"}))
        ['attributes', 'extra']
    """
    return {k for k, t in spec_fields.items() if t == "json"} | {"attributes"}


def flat_row(row: dict[str, Any], spec_fields: dict[str, str], json_fields: set[str]) -> dict[str, Any]:
    """Flatten one row as ``build_columns`` types it.

    Its JSON objects become "key.path" columns (a key that is also a column of the row becomes "attributes.key");
    a missing ``json`` field is left out.

    Args:
        row: the row (``attributes`` parsed).
        spec_fields: the layer's field name -> type.
        json_fields: the fields to flatten (see json_fields_of).

    Returns:
        The flat row.

    Example:
        >>> spec = {"id": "str", "attributes": "json", "height": "float"}
        >>> flat_row({"id": "B1", "attributes": {"roof": {"type": "gable"}, "id": "x"}, "height": 3.0}, spec,
        ...          json_fields_of(spec))
        {'id': 'B1', 'height': 3.0, 'roof.type': 'gable', 'attributes.id': 'x'}
    """
    flat = dict(row)
    for key in json_fields.intersection(row):
        value = flat[key]
        if isinstance(value, dict):     # flattened into "key.path" columns
            del flat[key]
            for k, v in value.items():
                k = k if k not in row else f"attributes.{k}"
                if isinstance(v, dict) and v:
                    _flatten(v, k, flat)
                else:
                    flat[k] = v
        elif value is None and spec_fields.get(key) == "json":
            del flat[key]
    return flat


def build_columns(rows: Iterable[dict[str, Any]], spec_fields: dict[str, str] | None = None) -> list[Column]:
    """Type the attribute columns of a tile's features (EXT_structural_metadata), over all rows.

    Columns are sorted by name; a JSON object in ``attributes`` (or a ``json`` field of the spec) is flattened
    into ``key.path`` columns; a column with missing values gets a noData value.

    Args:
        rows: the features' attributes (iterated once).
        spec_fields: the layer's field kinds, to know its ``json`` fields.

    Returns:
        The Columns, typed (STRING, BOOLEAN, INT32/INT64, FLOAT64, or an ENUM of few distinct strings).

    Example:
        >>> columns = build_columns([{"id": "B1", "height": 12.5, "storeys": 3, "public": True},
        ...                          {"id": "B2", "height": None, "storeys": 2, "public": False}])
        >>> [(c.id, c.schema().get("componentType") or c.schema()["type"]) for c in columns]
        [('height', 'FLOAT64'), ('id', 'STRING'), ('public', 'BOOLEAN'), ('storeys', 'INT32')]
    """
    spec_fields = spec_fields or {}
    json_fields = json_fields_of(spec_fields)
    flat_rows = []
    seen: set[str] = set()
    for row in rows:
        flat = flat_row(row, spec_fields, json_fields)
        seen.update(flat)
        flat_rows.append(flat)
    # canonical order (the layer's fields, then the others by name): the schema does not depend on which
    # row shows a key first, so adding or removing one object keeps it (incremental export)
    names = [n for n in spec_fields if n in seen] + sorted(n for n in seen if n not in spec_fields)
    taken: set[str] = set()
    columns = []
    for name in names:
        values = list(map(dict.get, flat_rows, itertools.repeat(name)))
        types = set(map(type, values)) - {type(None)}
        if float in types:  # NaN and infinities (JSON attributes may hold them): missing
            values = [None if type(v) is float and not math.isfinite(v) else v for v in values]
            types = set(map(type, values)) - {type(None)}
        kind = SPEC_TYPES.get(spec_fields.get(name, ""), None) or _infer(values, types)
        if spec_fields.get(name) == "int":
            values = [None if v is None else int(v) for v in values]
            types = {int} if types else set()
            kind = _infer(values, types)
        if kind == "BOOLEAN" and None in values:
            kind = "STRING"
        typed = values if types <= AS_IS.get(kind, set()) else [as_type(v, kind) for v in values]
        enum = None
        if kind == "STRING" and not is_id_column(name):
            distinct: set[Any] = set(typed) - {None, ""}
            if distinct and ENUM_NO_DATA not in distinct and len(distinct) <= min(ENUM_MAX, len(typed) / 4):
                kind, enum = "ENUM", [ENUM_NO_DATA, *sorted(distinct)]
        columns.append(Column(name, unique_identifier(name, taken), kind, typed, enum))
    return columns


def schema(classes: dict[str, list[Column]]) -> dict[str, Any]:
    """Write the EXT_structural_metadata schema for the classes of a tileset; classes that share a Column (a
    class of a subset of another's columns) share its enum.

    Args:
        classes: class name -> its Columns.

    Returns:
        The schema: ``id``, ``classes`` with their properties, and ``enums`` when any.

    Example:
        >>> out = schema({"building": build_columns([{"id": "B1", "storeys": 3}])})
        >>> out["id"], out["classes"]["building"]["properties"]["storeys"]
        ('geotwin', {'name': 'storeys', 'type': 'SCALAR', 'componentType': 'INT32'})
    """
    out: dict[str, Any] = {"id": "geotwin", "classes": {
        cls: {"properties": {c.id: c.schema() for c in cols}} for cls, cols in classes.items()}}
    enums: dict[str, dict[str, Any]] = {}
    names: dict[int, str] = {}
    for cls, cols in classes.items():
        for c in cols:
            if c.enum:
                name = names.setdefault(id(c), f"{cls}_{c.id}")
                enums.setdefault(name, c.enum_schema())
                out["classes"][cls]["properties"][c.id]["enumType"] = name
    if enums:
        out["enums"] = enums
    return out


def decode_property(prop_schema: dict[str, Any], buffers: list[bytes], count: int, enums: dict[str, Any] | None = None,
                    offset_type: str = "UINT32") -> list[Any]:
    """Read a property table's column back from its buffers (the inverse of ``Column.encode``; tests and readers
    of the tiles use it); missing values come back as None.

    Args:
        prop_schema: the property's schema (``Column.schema()``).
        buffers: its buffers (values, and string offsets for STRING).
        count: the number of features.
        enums: the schema's enums, for an ENUM property.
        offset_type: UINT16 or UINT32 string offsets.

    Returns:
        The values.

    Example:
        >>> import numpy as np
        >>> [height, kind] = build_columns([{"h": 1.5, "kind": "roof"}, {"h": None, "kind": "wall"}])
        >>> buffers, _ = height.encode(np.arange(2))
        >>> decode_property(height.schema(), buffers, 2)
        [1.5, None]
        >>> buffers, extra = kind.encode(np.arange(2))
        >>> decode_property(kind.schema(), buffers, 2, offset_type=extra["stringOffsetType"])
        ['roof', 'wall']
    """
    kind = prop_schema.get("componentType") or prop_schema["type"]
    nodata = prop_schema.get("noData")
    if kind == "STRING":
        data, offsets = buffers
        off = np.frombuffer(offsets, "<u2" if offset_type == "UINT16" else "<u4")
        out = [data[off[i]:off[i + 1]].decode("utf-8") for i in range(count)]
        return [None if nodata is not None and v == nodata else v for v in out]
    if kind == "ENUM":
        assert enums is not None, "an ENUM property needs the schema's enums"
        enum = enums[prop_schema["enumType"]]
        names = {v["value"]: v["name"] for v in enum["values"]}
        codes = np.frombuffer(buffers[0], "<u1" if enum.get("valueType", "UINT16") == "UINT8" else "<u2")[:count]
        return [None if names[int(c)] == nodata else names[int(c)] for c in codes]
    if kind == "BOOLEAN":
        bits = np.unpackbits(np.frombuffer(buffers[0], np.uint8), bitorder="little")[:count]
        return [bool(b) for b in bits]
    arr = np.frombuffer(buffers[0], _NUMPY[kind])[:count]
    return [None if nodata is not None and v == nodata else v.item() for v in arr]
