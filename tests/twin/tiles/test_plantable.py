"""The export plan's scratch table (twin/tiles/plantable.py): ``code`` gives every building the cell that
``descend_explicit`` / ``descend_implicit`` give all of them at once, keeps their ids and boxes in order, and holds
no more Python objects at a time for 30,000 buildings than for 6,000 (a coordinator beside a Dask client's thread
kept the heap that 20,000 rows' tuples at a time fragmented: its planning RSS grew with the city)."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from geotwin.twin.tiles import plantable
from geotwin.twin.tiles.plantable import PlanRows, descend_explicit, descend_implicit

SQUARE = (-600.0, -600.0, 1200.0)


def _boxes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lo = rng.uniform(-500.0, 500.0, (n, 3))
    hi = lo + rng.uniform(0.5, 40.0, (n, 3))
    keys = np.array([f"b{seed}-{i:06d}".encode() for i in range(n)])
    src = np.column_stack([lo[:, :2] + 456_000.0, hi[:, :2] + 5_428_000.0])
    return keys, src, lo, hi


def _coded(tmp_path, n: int, implicit: bool, seed: int = 1) -> tuple[PlanRows, tuple[np.ndarray, ...], int]:
    """A table of ``n`` buildings, coded; the traced peak of ``code`` (bytes of Python objects at a time)."""
    rows = PlanRows(tmp_path / f"plan-{n}-{implicit}.sqlite")
    boxes = _boxes(n, seed)
    rows.add_placed(*boxes)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        rows.code(SQUARE, implicit)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return rows, boxes, peak


@pytest.mark.parametrize("implicit", [False, True])
def test_code_gives_the_cells_of_all_buildings_at_once_in_order(tmp_path, implicit):
    rows, (keys, src, lo, hi), _ = _coded(tmp_path, 4_321, implicit)
    try:
        got = rows.con.execute("SELECT * FROM b ORDER BY rowid").fetchall()
    finally:
        rows.close()
    if implicit:
        codes, depths = descend_implicit(lo, hi, SQUARE, rows.levels)
    else:
        codes, depths = descend_explicit((lo + hi) / 2, SQUARE, rows.levels), np.zeros(len(lo), np.int64)
    assert len(got) == 4_321 > plantable.CODE_CHUNK * 2
    assert [r[0] for r in got] == codes.tolist()
    assert [r[1] for r in got] == depths.tolist()
    assert [r[2] for r in got] == keys.tolist()
    assert np.array([r[3:] for r in got]).tolist() == np.column_stack([src, lo, hi]).tolist()
    assert len(set(codes.tolist())) > 500   # the cells differ: a real descent, not one cell for all
    if implicit:
        assert depths.min() < depths.max()   # boxes stop at different depths


def test_code_holds_as_much_for_30000_buildings_as_for_6000(tmp_path):
    _, _, small = _coded(tmp_path, 6_000, False)
    _, _, large = _coded(tmp_path, 30_000, False)
    # a chunk of CODE_CHUNK rows' boxes: about 0.5 MB; all 30,000 rows' tuples would be over 10 MB
    assert large < 1.25 * small + 100_000, (small, large)
    assert large < 2_000_000, large
