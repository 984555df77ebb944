"""Issue 13, flat memory: the partitioned import's merge packs each partition's R-tree entries into leaves of their
own as it merges the partition, and builds only the levels above them at the end.

Independent checks against the single-process import of the same delivery (one bulk load of all entries): every
layer's R-tree holds the same entries, SQLite's rtreecheck passes, the leaves are each partition's own (as many as
its entries need, counted from the partition's GeoPackage), and GDAL's bbox queries give the same features.
"""
from __future__ import annotations

import sqlite3

import numpy as np
import pyogrio

from geotwin.twin.scale.cluster import serial_mapper
from geotwin.twin.scale.imports import import_partitioned

LAYERS = ("buildings", "building_surfaces", "footprints")


def test_the_merged_rtrees_hold_the_single_process_entries_in_leaves_per_partition(delivery, single, tmp_path):
    result = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work", serial_mapper())
    assert result.partitions == len(delivery["tiles"]) and result.buildings == 400
    parts = sorted((tmp_path / "work" / "import" / "parts").glob("*.gpkg"))
    with sqlite3.connect(tmp_path / "city.gpkg") as con, sqlite3.connect(single["city"]) as one:
        for layer in (*LAYERS, "terrain"):
            rtree = f"rtree_{layer}_geom"
            assert con.execute(f"SELECT rtreecheck('{rtree}')").fetchone() == ("ok",), layer
            everything = f"SELECT * FROM {rtree} ORDER BY id"
            assert con.execute(everything).fetchall() == one.execute(everything).fetchall(), layer
        for layer in LAYERS:
            per_part = []
            for part in parts:
                with sqlite3.connect(part) as source:
                    per_part.append(source.execute(f"SELECT count(*) FROM rtree_{layer}_geom").fetchone()[0])
            leaves = con.execute(f"SELECT count(DISTINCT nodeno) FROM rtree_{layer}_geom_rowid").fetchone()[0]
            assert sum(per_part) > 51 and leaves == sum(-(-n // 51) for n in per_part), layer
    rng = np.random.default_rng(5)
    info = pyogrio.read_info(single["city"], layer="footprints")
    x0, y0, x1, y1 = info["total_bounds"]
    hits = 0
    for _ in range(10):
        x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
        box = (x, y, x + rng.uniform(5, 150), y + rng.uniform(5, 150))
        for layer in LAYERS:
            ours = pyogrio.read_dataframe(tmp_path / "city.gpkg", layer=layer, bbox=box, columns=["building_id"]
                                          if layer != "buildings" else ["id"], read_geometry=False)
            theirs = pyogrio.read_dataframe(single["city"], layer=layer, bbox=box, columns=list(ours.columns),
                                            read_geometry=False)
            assert sorted(ours.iloc[:, 0]) == sorted(theirs.iloc[:, 0]), (layer, box)
            hits += len(ours)
    assert hits > 100   # the boxes meet features
