"""The partitions' per-tile report entries and content records, kept in a scratch SQLite file until the root.

The partitioned export's report lists every tile (``tiles``, sorted by uri) and every content record
(``incremental.tiles``, by uri); held as Python objects in the coordinator until the root is written, they grow with
the city (1,726 tiles and 2.3 MB at 100,000 buildings) and their report is built whole at the root.
``TileRows`` takes each partition's entries as its summary comes in (``add``: one row each, compact JSON) and
gives them back one by one, in the report's order, as ``write_json`` writes the report (``StreamedList``,
``StreamedDict``): the coordinator holds a partition's entries at a time, whatever the number of tiles.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.jsonfile import StreamedDict, StreamedList

__all__ = ["TileRows"]


class TileRows:
    """The tiles' report entries and records of the partitions, in the SQLite file ``path`` (created).

    As the report built them from the summaries in memory: the entries sorted by uri (stably: in the order they
    were added), the records by uri in the order each uri first came, each the last one given for it, without
    its ``rewritten`` flag; a uri is rewritten when any of its records says so (a record without it is).

    Example:
        >>> import tempfile
        >>> rows = TileRows(Path(tempfile.mkdtemp()) / "tiles.sqlite")
        >>> rows.add("1/0/0", [{"uri": "tiles/1/0/0.glb", "bytes": 9, "leaf": True}],
        ...          {"tiles/1/0/0.glb": {"key": "k1", "rewritten": False}})
        (1, 0)
        >>> rows.add("top", [{"uri": "tiles/0/0/0.glb", "bytes": 5, "leaf": False}], {"tiles/0/0/0.glb": {"key": "k0"}})
        (1, 1)
        >>> [t["uri"] for t in rows.tiles()], dict(rows.records().items()), rows.rewritten(), rows.reused()
        (['tiles/0/0/0.glb', 'tiles/1/0/0.glb'], {'tiles/1/0/0.glb': {'key': 'k1'}, 'tiles/0/0/0.glb': {'key': 'k0'}}, \
['tiles/0/0/0.glb'], ['tiles/1/0/0.glb'])
        >>> rows.close()
    """

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE tiles (uri TEXT, seq INTEGER, entry TEXT, bytes INTEGER, leaf INTEGER,"
            " PRIMARY KEY (uri, seq)) WITHOUT ROWID;"
            "CREATE TABLE records (uri TEXT PRIMARY KEY, seq INTEGER, record TEXT, rewritten INTEGER);")
        self.count = 0    # tile entries
        self.seq = 0
        self.counts: dict[str, tuple[int, int]] = {}   # per partition: its tiles, its records rewritten

    def add(self, key: str, tiles: list[dict[str, Any]], records: dict[str, dict[str, Any]]) -> tuple[int, int]:
        """Keep the tile entries and records of the partition ``key``; its number of tiles and of records
        rewritten (also in ``counts``)."""
        first = self.seq
        self.seq += len(tiles) + len(records)
        rows = [(str(t["uri"]), first + i, json.dumps(t, separators=(",", ":")), int(t["bytes"]), bool(t["leaf"]))
                for i, t in enumerate(tiles)]
        flags = [bool(r.get("rewritten", True)) for r in records.values()]
        kept = [(uri, first + len(tiles) + i, json.dumps({k: v for k, v in r.items() if k != "rewritten"},
                                                         separators=(",", ":")), flag)
                for i, ((uri, r), flag) in enumerate(zip(records.items(), flags))]
        self.con.execute("BEGIN")
        self.con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?, ?)", rows)
        self.con.executemany("INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT (uri) DO UPDATE SET "
                             "record = excluded.record, rewritten = max(rewritten, excluded.rewritten)", kept)
        self.con.execute("COMMIT")
        self.count += len(tiles)
        self.counts[key] = (len(tiles), sum(flags))
        return self.counts[key]

    def _entries(self) -> Iterator[dict[str, Any]]:
        for (entry,) in self.con.execute("SELECT entry FROM tiles ORDER BY uri, seq"):
            yield json.loads(entry)

    def tiles(self) -> StreamedList:
        """The tile entries sorted by uri, read as they are written."""
        return StreamedList(self._entries, self.count)

    def _records(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for uri, record in self.con.execute("SELECT uri, record FROM records ORDER BY seq"):
            yield uri, json.loads(record)

    def records(self) -> StreamedDict:
        """The records by uri (in the order the uris came), read as they are written."""
        (count,) = self.con.execute("SELECT count(*) FROM records").fetchone()
        return StreamedDict(self._records, count)

    def rewritten(self) -> list[str]:
        """The uris rewritten, sorted."""
        return [u for (u,) in self.con.execute("SELECT uri FROM records WHERE rewritten ORDER BY uri")]

    def reused(self) -> list[str]:
        """The uris not rewritten (their earlier files kept), sorted."""
        return [u for (u,) in self.con.execute("SELECT uri FROM records WHERE NOT rewritten ORDER BY uri")]

    def sizes(self) -> tuple[NDArray[Any], NDArray[Any]]:
        """The tiles' sizes in bytes, and those of the leaves (all of them when there is no leaf)."""
        rows = self.con.execute("SELECT bytes, leaf FROM tiles ORDER BY uri, seq").fetchall()
        sizes = np.array([r[0] for r in rows], dtype=np.int64)
        leaf = np.array([r[0] for r in rows if r[1]], dtype=np.int64)
        return sizes, leaf if len(leaf) else sizes

    def close(self) -> None:
        self.con.close()
