"""Implicit tiling: availability bitstreams in binary .subtree files (3D Tiles 1.1, quadtree)."""
from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
from numpy.typing import NDArray


def morton(x: int, y: int) -> int:
    """Give a tile's Morton index in a quadtree: the x bits at even, the y bits at odd positions.

    Args:
        x: the tile's column in its level.
        y: its row.

    Returns:
        The Morton index.

    Example:
        >>> morton(1, 0), morton(0, 1), morton(3, 5)
        (1, 2, 39)
    """
    m = 0
    for bit in range(32):
        m |= ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
    return m


def _availability(bits: NDArray[Any], views: list[Any], blob: bytearray) -> dict[str, Any]:
    count = int(bits.sum())
    if count == 0:
        return {"constant": 0}
    if count == bits.size:
        return {"constant": 1}
    data = np.packbits(bits.astype(bool), bitorder="little").tobytes()
    while len(blob) % 8:
        blob.append(0)
    views.append({"buffer": 0, "byteOffset": len(blob), "byteLength": len(data)})
    blob += data
    return {"bitstream": len(views) - 1, "availableCount": count}


def subtree_bytes(root_level: int, root_x: int, root_y: int, levels: int,
                  tiles: set[tuple[int, int, int]],
                  contents: set[tuple[int, int, int]]) -> tuple[bytes, dict[str, Any]]:
    """Write the .subtree file of an implicit tileset's subtree: tile, content and child-subtree availability.

    Args:
        root_level: the level of the subtree's root.
        root_x: its column.
        root_y: its row.
        levels: the levels the subtree spans.
        tiles: every available tile (level, x, y) of the tileset.
        contents: the tiles with content.

    Returns:
        (the .subtree bytes, its JSON part).

    Example:
        >>> data, header = subtree_bytes(0, 0, 0, 2, tiles={(0, 0, 0), (1, 1, 0)}, contents={(1, 1, 0)})
        >>> header["tileAvailability"], header["contentAvailability"]
        ({'bitstream': 0, 'availableCount': 2}, [{'bitstream': 1, 'availableCount': 1}])
        >>> read_subtree(data)[0] == header
        True
    """
    n_tiles = (4 ** levels - 1) // 3
    tile_bits = np.zeros(n_tiles, np.uint8)
    content_bits = np.zeros(n_tiles, np.uint8)
    child_bits = np.zeros(4 ** levels, np.uint8)
    for (lv, x, y) in tiles:
        local = lv - root_level
        if local < 0:
            continue
        lx, ly = x - (root_x << local), y - (root_y << local)
        if not (0 <= lx < (1 << local) and 0 <= ly < (1 << local)):
            continue
        if local < levels:
            idx = (4 ** local - 1) // 3 + morton(lx, ly)
            tile_bits[idx] = 1
            if (lv, x, y) in contents:
                content_bits[idx] = 1
        elif local == levels:
            child_bits[morton(lx, ly)] = 1
    views: list[Any] = []
    blob = bytearray()
    doc = {
        "tileAvailability": _availability(tile_bits, views, blob),
        "contentAvailability": [_availability(content_bits, views, blob)],
        "childSubtreeAvailability": _availability(child_bits, views, blob),
    }
    while len(blob) % 8:
        blob.append(0)
    if views:
        doc["buffers"] = [{"byteLength": len(blob)}]
        doc["bufferViews"] = views
    js = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    js += b" " * (-len(js) % 8)
    header = struct.pack("<4sIQQ", b"subt", 1, len(js), len(blob))
    return header + js + bytes(blob), doc


def read_subtree(data: bytes) -> tuple[dict[str, Any], bytes]:
    """Read a .subtree file back (tests and readers of the tiles use it).

    Args:
        data: the file's bytes.

    Returns:
        (its JSON part, its binary part).

    Raises:
        ValueError: not a 3D Tiles subtree.

    Example:
        >>> header, binary = read_subtree(subtree_bytes(0, 0, 0, 1, {(0, 0, 0)}, set())[0])
        >>> header["tileAvailability"]
        {'constant': 1}
        >>> read_subtree(b"glTF" + bytes(20))
        Traceback (most recent call last):
        ...
        ValueError: not a 3D Tiles subtree
    """
    magic, version, jlen, blen = struct.unpack_from("<4sIQQ", data, 0)
    if magic != b"subt" or version != 1:
        raise ValueError("not a 3D Tiles subtree")
    return json.loads(data[24:24 + jlen]), data[24 + jlen:24 + jlen + blen]
