"""TileRows: the partitions' tile entries and records kept in SQLite give the report the in-memory merge gave."""
from __future__ import annotations

import json

import numpy as np

from geotwin.twin.kernel.jsonfile import json_size, write_json
from geotwin.twin.tiles.tilerows import TileRows


def _parts() -> list[tuple[str, list[dict], dict[str, dict]]]:
    rng = np.random.default_rng(7)
    parts = []
    for p in range(6):
        uris = [f"tiles/{p % 3 + 2}/{int(x)}/{p}.glb" for x in rng.integers(0, 50, 12)]
        tiles = [{"uri": u, "bytes": int(rng.integers(100, 9000)), "kind": "lod2", "leaf": bool(i % 3), "höhe": 0.1 * i}
                 for i, u in enumerate(dict.fromkeys(uris))]
        records = {t["uri"]: {"key": f"k{p}-{i}", "min": [float(rng.random()), -1e-7], "rewritten": bool(i % 2)}
                   for i, t in enumerate(tiles)}
        records.pop(tiles[0]["uri"])["rewritten"] = False
        records[tiles[0]["uri"]] = {"key": "no flag"}            # a record without the flag counts as rewritten
        if p:
            records["tiles/0/0/0.glb"] = {"key": f"shared {p}", "rewritten": p == 2}   # one uri from several
        parts.append((f"{p}/0/0", tiles, records))
    return parts


def test_the_report_parts_of_the_in_memory_merge(tmp_path):
    parts = _parts()
    rows = TileRows(tmp_path / "tiles.sqlite")
    for key, tiles, records in parts:
        assert rows.add(key, tiles, records) == (len(tiles), sum(r.get("rewritten", True) for r in records.values()))
    # the merge the report made in memory (independent of TileRows)
    tiles = sorted((t for _, ts, _ in parts for t in ts), key=lambda t: str(t["uri"]))
    records = {u: {k: v for k, v in r.items() if k != "rewritten"} for _, _, rs in parts for u, r in rs.items()}
    rewritten = {u for _, _, rs in parts for u, r in rs.items() if r.get("rewritten", True)}
    assert records["tiles/0/0/0.glb"] == {"key": "shared 5"} and "tiles/0/0/0.glb" in rewritten
    doc = {"tiles": rows.tiles(), "incremental": {"tiles": rows.records()}}
    expected = {"tiles": tiles, "incremental": {"tiles": records}}
    text = json.dumps(expected, indent=1, ensure_ascii=False)
    assert write_json(tmp_path / "r.json", doc, indent=1, ensure_ascii=False) == len(text.encode("utf-8"))
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == text     # twice: streamed again each time
    assert json_size(doc, indent=1, ensure_ascii=False) == len(text.encode("utf-8"))
    assert rows.rewritten() == sorted(rewritten) and rows.reused() == sorted(set(records) - rewritten)
    sizes, leaf = rows.sizes()
    assert sorted(sizes.tolist()) == sorted(t["bytes"] for t in tiles)
    assert sorted(leaf.tolist()) == sorted(t["bytes"] for t in tiles if t["leaf"])
    assert rows.counts["0/0/0"] == (len(parts[0][1]), sum(r.get("rewritten", True) for r in parts[0][2].values()))
    rows.close()


def test_no_leaf_gives_every_size(tmp_path):
    rows = TileRows(tmp_path / "tiles.sqlite")
    rows.add("top", [{"uri": "tiles/0/0/0.glb", "bytes": 7, "leaf": False}], {})
    sizes, leaf = rows.sizes()
    assert sizes.tolist() == leaf.tolist() == [7] and len(rows.tiles()) == 1 and len(rows.records()) == 0
    assert write_json(tmp_path / "e.json", rows.records()) == 2 and (tmp_path / "e.json").read_text() == "{}"
    rows.close()
