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
    """Fingerprint each object of a layer, to find what changed between two builds; rows sharing a key (a
    building's surfaces) hash together, in any order; volatile columns (times of the build) are left out.

    Args:
        frame: the canonical frame.
        spec: its layer spec.
        key: the column that names the object.

    Returns:
        object id -> hex digest.

    Example:
        >>> import pandas as pd
        >>> from geotwin.twin.kernel.schema import LayerSpec
        >>> from geotwin.twin.store.frames import conform
        >>> SURFACES = LayerSpec("surfaces", None, {"building_id": "str", "kind": "str", "area": "float"})
        >>> def frame(rows):
        ...     return conform(pd.DataFrame(rows, columns=["building_id", "kind", "area"]), SURFACES, None)
        >>> a = object_hashes(frame([("B1", "roof", 80.0), ("B1", "wall", 30.0), ("B2", "roof", 50.0)]), SURFACES,
        ...                   "building_id")
        >>> b = object_hashes(frame([("B1", "wall", 30.0), ("B1", "roof", 80.0), ("B2", "roof", 55.0)]), SURFACES,
        ...                   "building_id")
        >>> a["B1"] == b["B1"], a["B2"] == b["B2"]   # B1 reordered only, B2 changed
        (True, False)
    """
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
    """Compare the object hashes of two builds.

    Args:
        old: object id -> digest before.
        new: object id -> digest now.

    Returns:
        (added, removed, modified) object ids, sorted.

    Example:
        >>> diff({"B1": "x", "B2": "y", "B3": "z"}, {"B1": "x", "B2": "w", "B4": "v"})
        (['B4'], ['B3'], ['B2'])
    """
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    modified = sorted(k for k in set(old) & set(new) if old[k] != new[k])
    return added, removed, modified
