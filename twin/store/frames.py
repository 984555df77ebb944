"""Canonical in-memory form of a twin layer: a (Geo)DataFrame with exactly its spec's columns.

Both store backends read into and write from this form, so a GeoPackage and a PostGIS store
of the same twin give equal frames. ``json`` columns hold canonical JSON text (sorted keys).
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from ..kernel.schema import LayerSpec

GEOMETRY = "geometry"
_DTYPES = {"str": "object", "int": "Int64", "float": "float64", "bool": "boolean",
           "datetime": "object", "json": "object"}
_OGR_KINDS = {"int64": "int", "int32": "int", "int16": "int", "float64": "float", "float32": "float",
              "bool": "bool", "datetime64": "datetime", "object": "str"}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _json_safe(value: Any) -> Any:
    """Numbers as PostgreSQL's jsonb keeps them: no NaN/Infinity (null), no negative zero."""
    if isinstance(value, float):
        return None if not math.isfinite(value) else (0.0 if value == 0 else value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def canonical_json(value: Any) -> str | None:
    """Write a value as the JSON text the twin stores: sorted keys, unchanged by a PostgreSQL jsonb round trip.

    Args:
        value: a JSON-able value, or JSON text (text that is not JSON is kept as a JSON string).

    Returns:
        The JSON text, None for a missing value (None, NaN).

    Example:
        >>> canonical_json('{"b": 1, "a": [1, 2]}'), canonical_json({"z": None, "y": "ä"})
        ('{"a": [1, 2], "b": 1}', '{"y": "ä", "z": null}')
        >>> canonical_json("plain text"), canonical_json(float("nan"))
        ('"plain text"', None)
    """
    if _missing(value):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    return json.dumps(_json_safe(value), ensure_ascii=False, sort_keys=True, default=str)


def _cell(value: Any, kind: str) -> Any:
    if _missing(value):
        return None
    if kind == "json":
        return canonical_json(value)
    if kind in ("str", "datetime"):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    return value


def conform(frame: pd.DataFrame | None, spec: LayerSpec, crs: str | None) -> pd.DataFrame:
    """Bring a frame into the canonical form of a layer: exactly the spec's typed columns (missing ones empty) and
    its geometry in ``crs``.

    Args:
        frame: the frame (None: no rows).
        spec: the layer spec.
        crs: the CRS of the geometry.

    Returns:
        A GeoDataFrame (a DataFrame for a layer without geometry).

    Example:
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "height": "float", "age": "int", "tags": "json"})
        >>> import pandas as pd
        >>> frame = conform(pd.DataFrame({"tree_id": ["T1"], "height": ["18.5"], "extra": [1]}), TREES, "EPSG:25832")
        >>> list(frame.columns), frame["height"].tolist(), frame["age"].tolist(), str(frame.crs)
        (['tree_id', 'height', 'age', 'tags', 'geometry'], [18.5], [<NA>], 'EPSG:25832')
    """
    import geopandas as gpd

    n = 0 if frame is None else len(frame)
    data = {}
    for name, kind in spec.fields.items():
        values = frame[name].tolist() if frame is not None and name in frame.columns else [None] * n
        data[name] = pd.Series([_cell(v, kind) for v in values], dtype=_DTYPES[kind])
    if spec.geometry_type is None:
        return pd.DataFrame(data)
    geoms = (list(frame.geometry) if frame is not None and isinstance(frame, gpd.GeoDataFrame)
             and frame.geometry.name in frame.columns else [None] * n)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def empty(spec: LayerSpec, crs: str | None) -> pd.DataFrame:
    """Make an empty canonical frame of a layer.

    Args:
        spec: the layer spec.
        crs: the CRS of the geometry.

    Returns:
        The frame with the spec's typed columns and no rows.

    Example:
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "height": "float", "age": "int", "tags": "json"})
        >>> frame = empty(TREES, None)
        >>> len(frame), list(frame.columns)
        (0, ['tree_id', 'height', 'age', 'tags', 'geometry'])
    """
    return conform(None, spec, crs)


def spec_from_info(name: str, info: dict[str, Any]) -> LayerSpec:
    """Make a layer spec for a layer whose schema is only known from its file (``pyogrio.read_info``).

    Args:
        name: the layer.
        info: pyogrio's description of it.

    Returns:
        The LayerSpec (unknown field types read as text).

    Example:
        >>> import numpy as np
        >>> info = {"fields": np.array(["id", "height"]), "dtypes": np.array(["object", "float64"]),
        ...         "geometry_type": "MultiPolygon Z"}
        >>> spec = spec_from_info("parcels", info)
        >>> spec.geometry_type, spec.fields
        ('MultiPolygonZ', {'id': 'str', 'height': 'float'})
    """
    kinds = {}
    for field, dtype in zip(info["fields"], info["dtypes"]):
        kinds[str(field)] = _OGR_KINDS.get(str(np.dtype(dtype).name) if dtype != "object" else "object", "str")
    geometry_type = info.get("geometry_type")
    if geometry_type:
        geometry_type = geometry_type.replace(" ", "")
    return LayerSpec(name, geometry_type or None, kinds, "as written by its importer")


def records(frame: pd.DataFrame, spec: LayerSpec) -> list[tuple[Any, ...]]:
    """Turn a canonical frame into plain Python rows.

    Args:
        frame: the canonical frame.
        spec: its layer spec.

    Returns:
        A tuple per row in the spec's field order (missing values None), the geometry last (shapely).

    Example:
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> TREES = LayerSpec("trees", "Point", {"tree_id": "str", "height": "float", "age": "int", "tags": "json"})
        >>> import pandas as pd
        >>> frame = conform(pd.DataFrame({"tree_id": ["T1", "T2"], "age": [40, None]}), TREES, None)
        >>> records(frame, TREES)
        [('T1', None, 40, None, None), ('T2', None, None, None, None)]
    """
    cols = [frame[name].tolist() for name in spec.fields]
    out = []
    for i in range(len(frame)):
        row = tuple(None if _missing(c[i]) else c[i] for c in cols)
        if spec.geometry_type is not None:
            row = row + (frame.geometry.iloc[i],)
        out.append(row)
    return out
