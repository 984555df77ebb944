"""Per-object hashes: SHA-256 over an object's rows (attributes as canonical JSON + geometry WKB)."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict

import pandas as pd
import shapely

from ..kernel.schema import LayerSpec
from .frames import records

# Columns that say where or when an object was read, not what it is.
VOLATILE = frozenset({"source_file", "source_line", "line", "imported_at"})


def object_hashes(frame: pd.DataFrame, spec: LayerSpec, key: str) -> dict[str, str]:
    """``{object id: hex digest}``; rows sharing a key (e.g. a building's surfaces) hash together."""
    names = list(spec.fields)
    keep = [i for i, name in enumerate(names) if name not in VOLATILE]
    key_index = names.index(key)
    parts: dict[str, list[bytes]] = defaultdict(list)
    for row in records(frame, spec):
        attrs = json.dumps([row[i] for i in keep], ensure_ascii=False, default=str).encode()
        if spec.geometry_type is not None:
            geom = row[-1]
            attrs += b"\0" + (b"" if geom is None else shapely.to_wkb(geom, output_dimension=3, byte_order=1))
        parts[str(row[key_index])].append(attrs)
    out = {}
    for obj, rows in parts.items():
        digest = hashlib.sha256()
        for blob in sorted(rows):
            digest.update(hashlib.sha256(blob).digest())
        out[obj] = digest.hexdigest()
    return out


def diff(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(added, removed, modified) object ids, sorted."""
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    modified = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    return added, removed, modified
