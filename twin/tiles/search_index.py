"""The web map's search index (QGIS-free): every building's id, name, address and position, written beside the
tileset as ``search.json`` so that the viewer finds a building by what the user types, offline and without a
server. Islands and sensors need no index: the viewer searches its GeoJSON layers.

The file is one table (``columns`` and ``rows``), compact for a city of 100 000 buildings: ``id``, ``name``,
``address`` ("Kaiserstraße 57, 76133 Karlsruhe"), ``lon``/``lat`` (degrees, WGS 84), ``height`` (ellipsoidal,
m: the centre of the building's box) and ``radius`` (m: half its box's diagonal), where the viewer flies to.
A building part is listed only when its building has no geometry of its own (else the building stands for it).
The single export (``export_3dtiles``) writes it with the viewer; the partitioned export does not yet.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer

from .frame import EnuFrame

SEARCH_FILE = "search.json"
SEARCH_COLUMNS = ("id", "name", "address", "lon", "lat", "height", "radius")


def _text(value: Any) -> str:
    """A stored value as text: None, NaN and blanks become ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def address_text(row: dict[str, Any]) -> str:
    """A building's address as one line: street and house number, postal code and city.

    Args:
        row: the building's attributes (``street``, ``house_number``, ``postal_code``, ``city``; any may be missing).

    Returns:
        The address, '' without any part.

    Example:
        >>> address_text({"street": "Kaiserstraße", "house_number": "57", "postal_code": "76133", "city": "Karlsruhe"})
        'Kaiserstraße 57, 76133 Karlsruhe'
        >>> address_text({"street": None, "city": "Karlsruhe"}), address_text({})
        ('Karlsruhe', '')
    """
    street = " ".join(p for p in (_text(row.get("street")), _text(row.get("house_number"))) if p)
    town = " ".join(p for p in (_text(row.get("postal_code")), _text(row.get("city"))) if p)
    return ", ".join(p for p in (street, town) if p)


def search_rows(rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any], frame: EnuFrame) -> list[list[Any]]:
    """The index's rows (``SEARCH_COLUMNS``) of the buildings ``rows`` with their ENU boxes ``lo``..``hi``.

    Args:
        rows: the buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) the boxes' lower corners in ``frame``.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        One row per building with an id (parts of a building that has geometry left out), in the given order.

    Example:
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))        # Karlsruhe
        >>> rows = [{"id": "B1", "name": "Rathaus", "street": "Marktplatz", "house_number": "1"},
        ...         {"id": "B1_p", "parent_id": "B1"}, {"id": "B2", "parent_id": "gone"}]
        >>> lo = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [30.0, 40.0, 0.0]])
        >>> hi = np.array([[20.0, 10.0, 20.0], [5.0, 5.0, 5.0], [36.0, 48.0, 0.0]])
        >>> [r[:3] + [r[6]] for r in search_rows(rows, lo, hi, frame)]
        [['B1', 'Rathaus', 'Marktplatz 1', 15.0], ['B2', '', '', 5.0]]
    """
    ids = {_text(r.get("id")) for r in rows}
    centres = frame.to_ecef((np.asarray(lo, np.float64) + np.asarray(hi, np.float64)) / 2)
    lon, lat, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(
        centres[:, 0], centres[:, 1], centres[:, 2])
    radius = np.linalg.norm(np.asarray(hi, np.float64) - np.asarray(lo, np.float64), axis=1) / 2
    out: list[list[Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        fid, parent = _text(row.get("id")), _text(row.get("parent_id"))
        if not fid or fid in seen or (parent and parent in ids):
            continue
        seen.add(fid)
        out.append([fid, _text(row.get("name")), address_text(row), round(float(lon[i]), 7),
                    round(float(lat[i]), 7), round(float(h[i]), 2), round(float(radius[i]), 1)])
    return out


def write_search_index(folder: Path, rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any],
                       frame: EnuFrame) -> dict[str, Any]:
    """Write ``folder/search.json``, the viewer's search index of the buildings (see ``search_rows``).

    Args:
        folder: the tileset folder.
        rows: the buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) the buildings' ENU boxes' lower corners.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        ``{"file": "search.json", "buildings": n}`` for the export report.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> write_search_index(folder, [{"id": "B1", "street": "Marktplatz"}], np.zeros((1, 3)), np.ones((1, 3)), frame)
        {'file': 'search.json', 'buildings': 1}
        >>> doc = json.loads((folder / SEARCH_FILE).read_text(encoding="utf-8"))
        >>> doc["columns"][:3], doc["rows"][0][:3]
        (['id', 'name', 'address'], ['B1', '', 'Marktplatz'])
    """
    table = search_rows(rows, lo, hi, frame)
    doc = {"version": 1, "columns": list(SEARCH_COLUMNS), "rows": table}
    (Path(folder) / SEARCH_FILE).write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
                                            encoding="utf-8")
    return {"file": SEARCH_FILE, "buildings": len(table)}
