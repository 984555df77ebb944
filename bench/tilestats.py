"""Tile-size distribution of an explicit 3D Tiles tileset: content bytes per tile, of the leaves in particular."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _contents(tile: dict) -> list[str]:
    uris = [c.get("uri") or c.get("url") for c in tile.get("contents", [])]
    if "content" in tile:
        uris.append(tile["content"].get("uri") or tile["content"].get("url"))
    return [u for u in uris if u]


def tile_size_distribution(folder: str | Path, buildings: int) -> dict:
    """Walk ``folder``/tileset.json (and tilesets it references); sizes of the tiles' content files."""
    folder = Path(folder)
    sizes: list[int] = []
    leaves: list[int] = []
    pending = [folder / "tileset.json"]
    while pending:
        tileset = pending.pop()
        stack = [json.loads(tileset.read_text(encoding="utf-8"))["root"]]
        while stack:
            tile = stack.pop()
            own = 0
            for uri in _contents(tile):
                path = tileset.parent / uri
                if path.suffix == ".json":
                    pending.append(path)
                elif path.exists():
                    own += path.stat().st_size
            children = tile.get("children", [])
            stack.extend(children)
            if own:
                sizes.append(own)
                if not children:
                    leaves.append(own)
    total = sum(sizes)
    leaf = np.array(leaves or [0])
    return {"tiles": len(sizes), "leaves": len(leaves), "total_bytes": total,
            "leaf_p50_bytes": int(np.percentile(leaf, 50)), "leaf_p95_bytes": int(np.percentile(leaf, 95)),
            "leaf_max_bytes": int(leaf.max()), "bytes_per_building": round(total / buildings, 1) if buildings else None}
