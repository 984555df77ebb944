"""JSON documents written and measured in pieces, never held whole as one string.

``json.dumps(doc, indent=1)`` builds the document in memory: with an indent Python's encoder runs in Python and
keeps every piece (about a million for the root tileset.json of a million buildings, +52 MB) until it joins
them. ``write_json`` streams the same pieces to the file in batches, and ``json_size`` counts the UTF-8 bytes
of the same text; both give exactly the bytes ``json.dumps`` with the same options would.
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

_BATCH = 4096   # pieces joined per write: bounded memory, few calls


def _pieces(doc: Any, options: dict[str, Any]) -> Any:
    return json.JSONEncoder(**options).iterencode(doc)


def write_json(path: str | Path, doc: Any, **options: Any) -> int:
    """Write ``doc`` as JSON to ``path`` (UTF-8), as ``json.dumps(doc, **options)`` would, in bounded memory.

    Args:
        path: the file, replaced if it exists.
        doc: the document.
        **options: ``json.JSONEncoder`` options (indent, ensure_ascii, sort_keys, default, allow_nan ...).

    Returns:
        The number of bytes written.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "doc.json"
        >>> write_json(path, {"name": "Schloss", "höhe": 12.5}, indent=1, ensure_ascii=False)
        38
        >>> path.read_text(encoding="utf-8") == json.dumps({"name": "Schloss", "höhe": 12.5}, indent=1,
        ...                                               ensure_ascii=False)
        True
    """
    pieces = _pieces(doc, options)
    size = 0
    with open(path, "w", encoding="utf-8") as out:
        while batch := "".join(itertools.islice(pieces, _BATCH)):
            out.write(batch)
            size += len(batch.encode("utf-8"))
    return size


def json_size(doc: Any, **options: Any) -> int:
    """The UTF-8 size in bytes of ``json.dumps(doc, **options)``, without building that string.

    Example:
        >>> json_size({"name": "Schloss", "höhe": 12.5}, indent=1, ensure_ascii=False)
        38
        >>> json_size([1, 2]) == len(json.dumps([1, 2]))
        True
    """
    return sum(len(p.encode("utf-8")) for p in _pieces(doc, options))
