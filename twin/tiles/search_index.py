"""The web map's search index (QGIS-free): every building's id, name, address and position, written beside the
tileset as ``search.json`` so that the viewer finds a building by what the user types, offline and without a
server. Islands and sensors need no index: the viewer searches its GeoJSON layers.

The file is one table (``columns`` and ``rows``), compact for a city of 100 000 buildings: ``id``, ``name``,
``address`` ("Kaiserstraße 57, 76133 Karlsruhe"), ``lon``/``lat`` (degrees, WGS 84), ``height`` (ellipsoidal,
m: the centre of the building's box) and ``radius`` (m: half its box's diagonal), where the viewer flies to.
A building part is listed only when its building has no geometry of its own (else the building stands for it).
The single export (``export_3dtiles``) writes it with the viewer. The partitioned export writes it too, streaming:
each partition writes its buildings' rows (``part_rows``, with each part's parent) into ``PARTS_DIR``, one JSON
line each in id order, and the root merges them (``merge_search_index``): the same file, byte for byte.
"""
from __future__ import annotations

import heapq
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer

from .frame import EnuFrame

SEARCH_FILE = "search.json"
SEARCH_COLUMNS = ("id", "name", "address", "lon", "lat", "height", "radius")
PARTS_DIR = ".search-parts"   # the partitioned export's rows per partition (kept for the next export's reuse)


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


def part_rows(rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any],
              frame: EnuFrame) -> list[list[Any]]:
    """The index's rows (``SEARCH_COLUMNS``) of the buildings ``rows``, every part kept, each row followed by
    the building's ``parent_id`` ('' without): what ``search_rows`` filters, in the given order.

    Args:
        rows: the buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) the boxes' lower corners in ``frame``.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        One row per building with an id (a repeated id once).

    Example:
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> rows = [{"id": "B1", "name": "Rathaus"}, {"id": "B1_p", "parent_id": "B1"}]
        >>> [r[:2] + r[-2:] for r in part_rows(rows, np.zeros((2, 3)), np.ones((2, 3)), frame)]
        [['B1', 'Rathaus', 0.9, ''], ['B1_p', '', 0.9, 'B1']]
    """
    centres = frame.to_ecef((np.asarray(lo, np.float64) + np.asarray(hi, np.float64)) / 2)
    lon, lat, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(
        centres[:, 0], centres[:, 1], centres[:, 2])
    radius = np.linalg.norm(np.asarray(hi, np.float64) - np.asarray(lo, np.float64), axis=1) / 2
    out: list[list[Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        fid = _text(row.get("id"))
        if not fid or fid in seen:
            continue
        seen.add(fid)
        out.append([fid, _text(row.get("name")), address_text(row), round(float(lon[i]), 7),
                    round(float(lat[i]), 7), round(float(h[i]), 2), round(float(radius[i]), 1),
                    _text(row.get("parent_id"))])
    return out


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
    return [r[:-1] for r in part_rows(rows, lo, hi, frame) if not (r[-1] and r[-1] in ids)]


def write_part_rows(path: Path, rows: Sequence[dict[str, Any]], lo: NDArray[Any], hi: NDArray[Any],
                    frame: EnuFrame) -> int:
    """Write one partition's ``part_rows`` to ``path``, one JSON line per building, sorted by id.

    Args:
        path: the file (its folder is created).
        rows: the partition's buildings' attributes, in the order of ``lo`` and ``hi``.
        lo: (N, 3) their ENU boxes' lower corners.
        hi: (N, 3) their upper corners.
        frame: the export's ENU frame.

    Returns:
        The number of rows written.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / PARTS_DIR / "0-0-0.jsonl"
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> write_part_rows(path, [{"id": "B2"}, {"id": "B1"}], np.zeros((2, 3)), np.ones((2, 3)), frame)
        2
        >>> [json.loads(line)[0] for line in path.read_text(encoding="utf-8").splitlines()]
        ['B1', 'B2']
    """
    table = sorted(part_rows(rows, lo, hi, frame), key=lambda r: str(r[0]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for row in table:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(table)


def _lines(path: Path) -> Iterator[list[Any]]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def merge_search_index(folder: Path, parts: Sequence[Path]) -> dict[str, Any]:
    """Write ``folder/search.json`` from the partitions' row files (``write_part_rows``), streaming: the rows
    merged in id order (as the single export lists them), a part left out when its parent is listed; the same
    bytes as ``write_search_index`` of all buildings at once. Each file is read three times, none held whole.

    Args:
        folder: the tileset folder.
        parts: the partitions' row files (each sorted by id; an id in one file only).

    Returns:
        ``{"file": "search.json", "buildings": n}`` for the export report.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))
        >>> a, b = folder / "a.jsonl", folder / "b.jsonl"
        >>> write_part_rows(a, [{"id": "B3"}, {"id": "B1_p", "parent_id": "B1"}], np.zeros((2, 3)),
        ...                 np.ones((2, 3)), frame)
        2
        >>> write_part_rows(b, [{"id": "B1"}, {"id": "B2_p", "parent_id": "B2"}], np.zeros((2, 3)),
        ...                 np.ones((2, 3)), frame)
        2
        >>> merge_search_index(folder, [a, b])
        {'file': 'search.json', 'buildings': 3}
        >>> [r[0] for r in json.loads((folder / SEARCH_FILE).read_text(encoding="utf-8"))["rows"]]
        ['B1', 'B2_p', 'B3']
    """
    wanted = {r[-1] for p in parts for r in _lines(p) if r[-1]}
    present = {r[0] for p in parts for r in _lines(p) if r[0] in wanted}
    n = 0
    with open(Path(folder) / SEARCH_FILE, "w", encoding="utf-8") as out:
        head = json.dumps({"version": 1, "columns": list(SEARCH_COLUMNS)}, ensure_ascii=False, separators=(",", ":"))
        out.write(head[:-1] + ',"rows":[')
        for row in heapq.merge(*(_lines(p) for p in parts), key=lambda r: str(r[0])):
            if row[-1] and row[-1] in present:
                continue
            out.write(("," if n else "") + json.dumps(row[:-1], ensure_ascii=False, separators=(",", ":")))
            n += 1
        out.write("]}")
    return {"file": SEARCH_FILE, "buildings": n}


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
