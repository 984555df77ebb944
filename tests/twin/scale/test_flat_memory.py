"""Issue 13, flat memory of the coordinator's merges and of the workers.

- The import's duplicate-id check keeps the ids in SQLite: its Python heap does not grow with the ids (tracemalloc
  at 20,000 and 80,000 ids in partitions of 5,000), and it finds the same duplicates as a Python set does.
- A partitioned build's added ids are read from the store (StoredIds, tested in test_chain); until the store is
  written only their number is known, and asking for one is an error naming why.
- The Dask mapper polls its futures without holding memory per poll (it held 2.4 kB per pending future per poll).
- ``release_memory`` gives freed C heap back to the system (RSS measured with psutil), and ``Releasing`` (what
  the Dask mapper runs on the workers) calls it after every item, also when the item fails.
"""
from __future__ import annotations

import functools
import pickle
import sqlite3
import time
import tracemalloc
from pathlib import Path

import psutil
import pytest

from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.memory import release_memory
from geotwin.twin.scale.build import _Unread
from geotwin.twin.scale.cluster import Releasing
from geotwin.twin.scale.imports import SeenIds

PART = 5_000


def _partitions(folder: Path, total: int, repeat_every: int) -> list[Path]:
    """GeoPackage-like partitions of ``total`` building rows; every ``repeat_every``-th id repeats an earlier
    partition's id."""
    paths = []
    for n, start in enumerate(range(0, total, PART)):
        path = folder / f"p{n}.gpkg"
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE buildings (fid INTEGER PRIMARY KEY, id TEXT, source_file TEXT)")
            ids = [f"DENW{(i - PART if n and i % repeat_every == 0 else i):012d}" for i in range(start, start + PART)]
            con.executemany("INSERT INTO buildings (id, source_file) VALUES (?, ?)", [(i, f"t{n}.gml") for i in ids])
        paths.append(path)
    return paths


def _check(paths: list[Path], folder: Path) -> tuple[int, list]:
    """SeenIds over the partitions under tracemalloc: (traced peak, the duplicates found)."""
    seen = SeenIds(folder)
    found = []
    tracemalloc.start()
    try:
        for n, path in enumerate(paths):
            found += [(n, *row) for row in seen.repeated(path, n)]
        return tracemalloc.get_traced_memory()[1], found
    finally:
        tracemalloc.stop()
        seen.close()


def _expected(paths: list[Path]) -> list:
    first: dict[str, int] = {}
    out = []
    for n, path in enumerate(paths):
        with sqlite3.connect(path) as con:
            rows = con.execute("SELECT id, source_file FROM buildings ORDER BY fid").fetchall()
        out += [(n, i, first[i], s) for i, s in rows if i in first]
        for i, _ in rows:
            first.setdefault(i, n)
    return out


def test_the_duplicate_check_finds_what_a_set_finds_with_a_flat_python_heap(tmp_path):
    small_dir, large_dir = tmp_path / "small", tmp_path / "large"
    small_dir.mkdir()
    large_dir.mkdir()
    small, large = _partitions(small_dir, 20_000, 97), _partitions(large_dir, 80_000, 97)
    small_peak, small_found = _check(small, small_dir)
    large_peak, large_found = _check(large, large_dir)
    assert small_found == _expected(small) and large_found == _expected(large) and len(large_found) > 100
    # a Python set of the ids would hold about 100 B per id (8 MB at 80,000); the ids stay in SQLite
    assert large_peak < 2 * 2**20, large_peak
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)
    assert sorted(p.name for p in large_dir.iterdir()) == sorted(f"p{n}.gpkg" for n in range(16))   # its file removed


def test_added_ids_before_the_store_is_written_are_counted_only():
    unread = _Unread(3)
    assert len(unread) == 3
    with pytest.raises(GeoTwinError, match="read from the store once the build is written"):
        unread[0]


def test_release_memory_gives_freed_heap_back():
    process = psutil.Process()
    keep = [bytearray(32 * 1024) for _ in range(6_000)]   # 190 MB in heap chunks (below glibc's mmap threshold)
    keep[-1][0] = 1
    full = process.memory_info().rss
    del keep
    held = process.memory_info().rss
    released = release_memory()
    after = process.memory_info().rss
    assert full - after > 100 * 2**20, (full, held, after)   # the freed chunks are no longer resident
    assert released or held - after < 16 * 2**20


def test_the_workers_release_after_every_item_also_a_failed_one():
    calls = []

    def fail(item):
        calls.append(item)
        raise ValueError(f"bad {item}")

    assert Releasing(abs)(-4) == 4 and Releasing(abs).__name__ == "abs"
    with pytest.raises(ValueError, match="bad 2"):
        Releasing(fail)(2)
    assert calls == [2]
    assert pickle.loads(pickle.dumps(Releasing(abs)))(-5) == 5   # sent to the workers by value


def test_waiting_for_the_cluster_holds_no_memory_per_poll():
    """The Dask mapper polls its pending futures four times a second; ``distributed.wait(timeout=...)`` left its
    waiters behind on every call that timed out (measured on this test: traced peak 35.6 MB and RSS +57 MB for 200
    pending tasks over 11 s; 0.9 GB over the 1,000,000-building import). Now it sleeps between polls: the traced
    peak stays near 2 MB."""
    import time

    from geotwin.twin.kernel.progress import Reporter
    from geotwin.twin.scale.cluster import dask_mapper, open_client

    with open_client(None, 1, Reporter()) as client:
        assert list(dask_mapper(client)(abs, [-1, -2])) in ([1, 2], [2, 1])   # the cluster is up
        tracemalloc.start()
        try:
            done = list(dask_mapper(client)(time.sleep, [0.05] * 200))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert done == [None] * 200
    assert peak < 8 * 2**20, peak


def test_the_embedded_cluster_workers_keep_no_profile_history():
    """Dask's statistical profiler keeps a worker's stack samples, a profile a second for an hour: measured 0.22 MB
    per busy second of worker RSS growth on a simple stack (13.4 MB in 60 s; 0.0 MB without). The embedded
    cluster's workers run without it."""
    from geotwin.twin.kernel.progress import Reporter
    from geotwin.twin.scale.cluster import open_client

    with open_client(None, 1, Reporter()) as client:
        assert client.submit(sum, range(30_000_000), pure=False).result() == 449_999_985_000_000
        state = client.run(lambda dask_worker: (dask_worker.profile_history.maxlen, len(dask_worker.profile_history),
                                                __import__("dask").config.get("distributed.worker.profile.enabled")))
    assert [s[1:] for s in state.values()] == [(0, False)], state


def test_the_mapper_sends_its_function_once_not_with_every_item():
    """The mapper's function goes to the in-process scheduler once, as a task the items' tasks depend on: submitted
    with every item, the scheduler held a copy per pending task (the 1,000,000-building export: +646 MB of RSS for
    its tasks' copies of the shared plan). 40 items of a function carrying 2 MB: the coordinator's traced peak
    stays at a few copies (pickling and sending make some; with one per item it would be 40, over 80 MB); the results are the function's."""
    from geotwin.twin.kernel.progress import Reporter
    from geotwin.twin.scale.cluster import dask_mapper, open_client

    payload = bytes(range(256)) * (2 * 2**20 // 256)
    carrying = functools.partial(bytes.count, payload)   # importable on the workers, unlike a class of this module
    with open_client(None, 1, Reporter()) as client:
        assert list(dask_mapper(client)(abs, [-1, -2])) in ([1, 2], [2, 1])   # the cluster is up
        tracemalloc.start()
        try:
            done = list(dask_mapper(client)(carrying, list(range(40))))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        left = ["not asked"]
        deadline = time.monotonic() + 30   # releasing is a message to the scheduler: give it a moment
        while left and time.monotonic() < deadline:
            left = client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks
                                                                   if "partial" in str(k)])
            time.sleep(0.1)
    assert sorted(done) == sorted(payload.count(i) for i in range(40)) == [8192] * 40
    assert peak < 10 * len(payload), peak   # a copy per item would be 40 copies, over 80 MB
    assert left == []   # the function's task is released with the items'


def test_the_mapper_hands_the_scheduler_a_window_of_tasks_not_all():
    """The in-process scheduler holds every submitted task's item until it is done (the export's 535 tasks of a
    1,000,000-building city: about 12 MB pickled). The mapper keeps at most WINDOW_PER_THREAD tasks per worker
    thread (at least WINDOW_MIN) submitted and not yet done: over 60 items on one worker, the scheduler never
    holds more than the window of tasks to run, and the results are all there."""
    from geotwin.twin.kernel.progress import Reporter
    from geotwin.twin.scale.cluster import WINDOW_MIN, WINDOW_PER_THREAD, dask_mapper, open_client

    assert WINDOW_PER_THREAD * 1 <= WINDOW_MIN   # one thread: the window is WINDOW_MIN
    with open_client(None, 1, Reporter()) as client:
        known: list[int] = []
        done = []
        for result in dask_mapper(client)(functools.partial(time.sleep), [0.02] * 60):
            done.append(result)
            known.append(client.run_on_scheduler(
                lambda dask_scheduler: sum(1 for k, t in dask_scheduler.tasks.items()
                                      if str(k).startswith("partial-") and t.state not in ("memory", "released"))))
    assert done == [None] * 60
    assert max(known) <= WINDOW_MIN, known   # submitted all at once, the first count would be near 60
    assert max(known) >= WINDOW_MIN - 1, known   # the window is used: the worker always has the next items
