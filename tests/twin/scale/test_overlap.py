"""The coordinator merges each partition while the workers run the rest: the import's and the build's output is
the same, row for row and feature id for feature id, whatever order the partitions finish in; a failed
partition is still named while the others complete, and nothing is written."""
from __future__ import annotations

import functools
import re
import sqlite3
import time
from pathlib import Path

import pytest

from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.build import build_partitioned
from geotwin.twin.scale.cluster import dask_mapper, serial_mapper
from geotwin.twin.scale.imports import PartitionsFailed, import_partitioned
from geotwin.twin.scale.manifest import Manifest
from geotwin.twin.store.open import open_store

from .conftest import rezip

# the run's time stamps, and the path and checksum of the twin's input (each test imports its own city model
# GeoPackage: the same rows, another path and time stamps)
WHEN = {"imported_at", "built_at", "timestamp", "last_change", "input_path", "input_checksum"}
STAMP = re.compile(r'"created": "[^"]*"')   # the output marker's time stamp


def _plain(value):
    """A value without the marker's time stamp, a zip member without the archive's folder (tests zip the same
    tiles in different folders)."""
    if not isinstance(value, str):
        return value
    value = STAMP.sub("", value)
    return value.rpartition("!/")[2] if ".zip!/" in value else value


def exact(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows in feature id (rowid) order with all their columns and geometry blobs (no time stamps);
    GeoPackage metadata tables with their rows as they are."""
    out = {}
    with sqlite3.connect(path) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                            "'rtree_%' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        for name in tables:
            columns = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")') if r[1] not in WHEN]
            quoted = ", ".join(f'"{c}"' for c in columns)
            order = "rowid" if name not in ("gpkg_spatial_ref_sys",) else "srs_id"
            rows = con.execute(f'SELECT {quoted} FROM "{name}" ORDER BY {order}').fetchall()
            out[name] = [tuple(_plain(v) for v in row) for row in rows]
        rtrees = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE "
                                            "'rtree_%' AND name NOT LIKE '%\\_node' ESCAPE '\\' AND name NOT LIKE "
                                            "'%\\_parent' ESCAPE '\\' AND name NOT LIKE '%\\_rowid' ESCAPE '\\'")]
        for name in rtrees:
            out[name] = con.execute(f'SELECT * FROM "{name}" ORDER BY id').fetchall()
    return out


def assert_identical(a: Path, b: Path) -> None:
    first, second = exact(a), exact(b)
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name
    assert sum(len(rows) for rows in first.values()) > 1000   # real content, not two empty files


def reordered(order):
    """A mapper that runs the items in this process, in their order, and hands the results back in the order
    ``order(n)`` gives for n items (a permutation of range(n)): an adversarial completion order."""
    def mapper(fn, items):
        items = list(items)
        results = [fn(item) for item in items]
        for i in order(len(items)):
            yield results[i]
    return mapper


def first_last(n):
    return [*range(n - 1, 0, -1), 0]   # everything before the first, and backwards


def interleaved(n):
    return [*range(1, n, 2), *range(0, n, 2)]


def late_mapper(inner, late):
    """``inner`` with the items named in ``late`` delayed by their seconds on the worker."""
    def mapper(fn, items):
        def late_fn(item):   # a closure: pickled by value for the workers, which cannot import this module
            time.sleep(late.get(str(item), 0.0))
            return fn(item)
        return inner(late_fn, items)
    return mapper


@pytest.fixture(scope="module")
def reference(delivery, tmp_path_factory):
    """The partitioned import and build run in order in this process (as before the merge overlapped)."""
    work = tmp_path_factory.mktemp("reference")
    imported = import_partitioned([delivery["zip"]], work / "city.gpkg", work / "work", serial_mapper())
    build_partitioned(open_store(work / "twin.gpkg"), [work / "city.gpkg"], work / "work", serial_mapper(),
                      buildings_per_partition=40)
    return {"city": work / "city.gpkg", "twin": work / "twin.gpkg", "keys": [*imported.ran]}


@pytest.mark.parametrize("order", [first_last, interleaved])
def test_the_import_and_build_merged_in_any_completion_order_are_identical(delivery, reference, tmp_path, order):
    reporter = CollectingReporter()
    result = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work",
                                reordered(order), reporter)
    assert result.ran == [reference["keys"][i] for i in order(len(reference["keys"]))]   # the completion order
    assert_identical(tmp_path / "city.gpkg", reference["city"])
    assert reporter.last_progress == 100.0
    built = build_partitioned(open_store(tmp_path / "twin.gpkg"), [tmp_path / "city.gpkg"], tmp_path / "work",
                              reordered(order), buildings_per_partition=40)
    assert built.buildings == 400 and len(built.ran) == built.partitions > 6
    assert_identical(tmp_path / "twin.gpkg", reference["twin"])


def test_the_merge_runs_while_the_partitions_after_it_are_still_running(delivery, tmp_path):
    reporter = CollectingReporter()
    seen = []

    def watching(fn, items):   # what the merge had done each time the next partition starts
        for item in items:
            seen.append(reporter.last_progress)
            yield fn(item)

    result = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work", watching, reporter)
    steps = 2 * result.partitions   # each partition: imported, then merged
    # before partition n + 1 starts, partitions 1..n are imported and merged
    assert seen == [0.0] + [100.0 * 2 * n / steps for n in range(1, result.partitions)]


def _broken(delivery, tmp_path):
    """The delivery with its third tile cut in half: (the zip, that partition's key, repair())."""
    broken = delivery["tiles"][2]
    text = broken.read_text(encoding="utf-8")
    archive = rezip(delivery, tmp_path / "LoD2_NW.zip", {broken.name: text[: len(text) // 2]})
    return archive, f"{archive}!/LoD2/{broken.name}", functools.partial(rezip, delivery, archive)


def test_a_failed_partition_finishing_last_is_named_the_rest_complete_and_nothing_is_written(delivery, reference,
                                                                                            tmp_path):
    archive, key, repair = _broken(delivery, tmp_path)
    reporter = CollectingReporter()
    with pytest.raises(PartitionsFailed, match=rf"1 of {len(delivery['tiles'])} import partitions failed "
                                               rf"\({key}: ") as failure:
        import_partitioned([archive], tmp_path / "city.gpkg", tmp_path / "work",   # the first two merged before
                           reordered(lambda n: [0, 1, *range(3, n), 2]), reporter)
    assert [k for k, _ in failure.value.failed] == [key]
    assert any(w.startswith(f"partition {key} failed") for w in reporter.warnings)
    assert not (tmp_path / "city.gpkg").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".zip" and not p.name.startswith("tiles-")) \
        == ["work"]   # no temporary output left
    repair()
    again = import_partitioned([archive], tmp_path / "city.gpkg", tmp_path / "work", serial_mapper())
    assert again.ran == [key] and len(again.reused) == len(delivery["tiles"]) - 1   # the rest completed before
    assert_identical(tmp_path / "city.gpkg", reference["city"])


def test_on_a_real_cluster_the_first_partitions_finishing_last_give_the_identical_outputs(delivery, reference,
                                                                                        client, tmp_path):
    first = reference["keys"][0]
    reporter = CollectingReporter()
    mapper = late_mapper(dask_mapper(client, reporter), {first: 3.0, "cell_0_0": 3.0})
    result = import_partitioned([delivery["zip"]], tmp_path / "city.gpkg", tmp_path / "work", mapper, reporter)
    assert result.ran[0] != first   # it started first and finished after others
    assert_identical(tmp_path / "city.gpkg", reference["city"])
    built = build_partitioned(open_store(tmp_path / "twin.gpkg"), [tmp_path / "city.gpkg"], tmp_path / "work",
                              mapper, reporter, buildings_per_partition=40)
    assert built.ran[0] != "cell_0_0"
    assert_identical(tmp_path / "twin.gpkg", reference["twin"])


def test_on_a_real_cluster_a_failed_partition_finishing_last_is_named_and_the_rest_complete(delivery, reference,
                                                                                          client, tmp_path):
    archive, key, repair = _broken(delivery, tmp_path)
    reporter = CollectingReporter()
    with pytest.raises(PartitionsFailed, match=rf"1 of {len(delivery['tiles'])} import partitions failed "
                                               rf"\({key}: "):
        import_partitioned([archive], tmp_path / "city.gpkg", tmp_path / "work",
                           late_mapper(dask_mapper(client, reporter), {key: 3.0}), reporter)
    assert not (tmp_path / "city.gpkg").exists()
    repair()
    again = import_partitioned([archive], tmp_path / "city.gpkg", tmp_path / "work", dask_mapper(client))
    assert again.ran == [key] and len(again.reused) == len(delivery["tiles"]) - 1
    assert_identical(tmp_path / "city.gpkg", reference["city"])


def test_failed_cells_on_a_real_cluster_are_named_the_rest_complete_and_the_store_is_untouched(reference, client,
                                                                                             tmp_path):
    twin = tmp_path / "twin.gpkg"
    reporter = CollectingReporter()
    with pytest.raises(PartitionsFailed, match=r"\d+ of \d+ build partitions failed \(cell_\d+_\d+: ") as failure:
        build_partitioned(open_store(twin), [reference["city"]], tmp_path / "work", dask_mapper(client, reporter),
                          reporter, buildings_per_partition=40, halo=0.5)   # buildings reach beyond 0.5 m
    failed = [k for k, _ in failure.value.failed]
    assert failed and all(any(w.startswith(f"partition {k} failed: ") for w in reporter.warnings) for k in failed)
    assert not twin.exists()
    cells = set(Manifest(tmp_path / "work" / "build", "build").entries)
    total = int(re.search(r"of (\d+) build", str(failure.value)).group(1))
    assert len(cells) + len(failed) == total and not cells & set(failed)   # every other cell completed
