"""JSON documents written and measured in pieces, never held whole as one string.

``json.dumps(doc, indent=1)`` builds the document in memory: with an indent Python's encoder runs in Python and
keeps every piece (about a million for the root tileset.json of a million buildings, +52 MB) until it joins
them. ``write_json`` streams the same pieces to the file in batches, and ``json_size`` counts the UTF-8 bytes
of the same text; both give exactly the bytes ``json.dumps`` with the same options would.

``PackedJSON`` keeps a part of a document compressed until it is written (a partition's tileset fragment: 22 kB
of Python objects, 1.6 kB packed); ``write_json`` and ``json_size`` write it as the document it holds.
``StreamedList`` and ``StreamedDict`` are an array and an object whose items are made as they are written (the
partitioned export's per-tile report entries, read from a scratch file): never held whole.
"""
from __future__ import annotations

import itertools
import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

_BATCH = 4096   # pieces joined per write: bounded memory, few calls


class PackedJSON:
    """A JSON document held as compressed compact text, written by ``write_json`` as the document itself.

    Example:
        >>> packed = PackedJSON({"geometricError": 0.1, "content": {"uri": "tiles/7/2/26.glb"}})
        >>> packed.unpacked()
        {'geometricError': 0.1, 'content': {'uri': 'tiles/7/2/26.glb'}}
        >>> json_size([packed]) == len(json.dumps([packed.unpacked()]))
        True
    """

    __slots__ = ("data",)

    def __init__(self, doc: Any) -> None:
        self.data = zlib.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8"), 1)

    def unpacked(self) -> Any:
        """The document, as new objects (floats round-trip exactly: JSON writes their shortest repr)."""
        return json.loads(zlib.decompress(self.data))

    def __repr__(self) -> str:
        return f"PackedJSON({len(self.data)} bytes)"


class StreamedList(list):  # type: ignore[type-arg]
    """A JSON array of ``length`` items that ``items()`` makes each time it is written (``write_json``,
    ``json_size``: Python's JSON encoder iterates it); it holds none of them. Only those two write it: the C
    encoder of ``json.dumps`` without an indent would write it empty.

    Example:
        >>> streamed = StreamedList(lambda: (n * n for n in range(3)), 3)
        >>> len(streamed), list(streamed), json_size(streamed) == len(json.dumps([0, 1, 4]))
        (3, [0, 1, 4], True)
    """

    def __init__(self, items: Callable[[], Iterable[Any]], length: int) -> None:
        super().__init__()
        self.items, self.length = items, length

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items())

    def __len__(self) -> int:
        return self.length


class StreamedDict(dict):  # type: ignore[type-arg]
    """A JSON object of ``length`` members that ``items()`` makes, as (key, value), each time it is written
    (``write_json``, ``json_size``); it holds none of them. Only those two write it (not ``json.dumps``).

    Example:
        >>> streamed = StreamedDict(lambda: ((str(n), n) for n in range(2)), 2)
        >>> len(streamed), json_size(streamed, indent=1) == len(json.dumps({"0": 0, "1": 1}, indent=1))
        (2, True)
    """

    def __init__(self, items: Callable[[], Iterable[tuple[str, Any]]], length: int) -> None:
        super().__init__()
        self.made, self.length = items, length

    def items(self) -> Any:
        return self.made()

    def __len__(self) -> int:
        return self.length


def unpacked(doc: Any) -> Any:
    """``doc`` itself, or the document a PackedJSON holds.

    Example:
        >>> unpacked(PackedJSON([1, 2])), unpacked({"a": 1})
        ([1, 2], {'a': 1})
    """
    return doc.unpacked() if isinstance(doc, PackedJSON) else doc


def _default(value: Any) -> Any:
    if isinstance(value, PackedJSON):
        return value.unpacked()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _pieces(doc: Any, options: dict[str, Any]) -> Any:
    return json.JSONEncoder(**{"default": _default, **options}).iterencode(doc)


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
