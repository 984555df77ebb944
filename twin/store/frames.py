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
    """JSON text with sorted keys that a jsonb round trip leaves unchanged; text input is parsed first
    (text that is not JSON is kept as a JSON string)."""
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
    """The frame with exactly ``spec``'s typed columns (missing ones empty) and its geometry."""
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
    return conform(None, spec, crs)


def spec_from_info(name: str, info: dict[str, Any]) -> LayerSpec:
    """A LayerSpec for a layer whose schema is only known from the file (``pyogrio.read_info``)."""
    kinds = {}
    for field, dtype in zip(info["fields"], info["dtypes"]):
        kinds[str(field)] = _OGR_KINDS.get(str(np.dtype(dtype).name) if dtype != "object" else "object", "str")
    geometry_type = info.get("geometry_type")
    if geometry_type:
        geometry_type = geometry_type.replace(" ", "")
    return LayerSpec(name, geometry_type or None, kinds, "as written by its importer")


def records(frame: pd.DataFrame, spec: LayerSpec) -> list[tuple[Any, ...]]:
    """Rows as plain Python tuples (geometry last, as a shapely object), in the frame's order."""
    cols = [frame[name].tolist() for name in spec.fields]
    out = []
    for i in range(len(frame)):
        row = tuple(None if _missing(c[i]) else c[i] for c in cols)
        if spec.geometry_type is not None:
            row = row + (frame.geometry.iloc[i],)
        out.append(row)
    return out
