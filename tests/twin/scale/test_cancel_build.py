"""Cancel of the partitioned twin build on the real cluster (`dask scheduler` + two `dask worker` processes): while
the cells run, and while they are merged into the store. Afterwards the scheduler holds none of the build's tasks
and no worker runs one, the target has no twin (nothing partial), and a re-run builds only the cells that were not
finished and gives the single-process twin."""
from __future__ import annotations

import importlib.util
import json
import time
from contextlib import closing
from pathlib import Path

import pytest

from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.errors import Cancelled
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema.twin import KNOWN_SPECS
from geotwin.twin.scale.build import build_partitioned
from geotwin.twin.scale.cluster import dask_mapper
from geotwin.twin.store.open import open_store

_spec = importlib.util.spec_from_file_location("scale_compare", Path(__file__).with_name("compare.py"))
_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_compare)
table = _compare.table
PER_CELL = 40


def _buildings(path: Path) -> int:
    with closing(gpkg.connect(path)) as con:
        return int(con.execute("SELECT count(*) FROM buildings").fetchone()[0])


@pytest.mark.parametrize("when, after", [("while the cells run", 0.0), ("while the cells are merged", 70.0)])
def test_cancel_mid_build_leaves_no_tasks_and_no_twin_and_a_rerun_gives_the_single_process_twin(
        single, client, tmp_path, when, after):
    class CancelAfter(CollectingReporter):
        def is_cancelled(self):
            return self.last_progress > after

    reporter = CancelAfter()
    target, work = tmp_path / "twin.gpkg", tmp_path / "work"
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        build_partitioned(open_store(target), [single["city"]], work, dask_mapper(client, reporter), reporter,
                          buildings_per_partition=PER_CELL)
    assert reporter.last_progress > after, when

    def _ours(dask_scheduler):   # defined here: pickled by value to the scheduler (the tests are no package)
        return [str(k) for k, t in dask_scheduler.tasks.items() if str(k).startswith("build_partition-")]

    def _executing(dask_worker):
        return dask_worker.state.executing_count

    deadline = time.monotonic() + 30
    while (client.run_on_scheduler(_ours) or any(client.run(_executing).values())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.run_on_scheduler(_ours) == [] and not any(client.run(_executing).values())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]   # no twin, nor a temporary of it
    finished = json.loads((work / "build" / "manifest.json").read_text(encoding="utf-8"))["partitions"]
    assert finished

    again = CollectingReporter()
    result = build_partitioned(open_store(target), [single["city"]], work, dask_mapper(client, again), again,
                               buildings_per_partition=PER_CELL)
    assert sorted(result.reused) == sorted(finished) and len(result.ran) == result.partitions - len(finished)
    assert result.buildings == 400 and _buildings(target) == _buildings(single["twin"]) >= 400
    assert sorted(gpkg.list_layers(target)) == sorted(gpkg.list_layers(single["twin"]))
    for layer in sorted(set(KNOWN_SPECS) - {"builds"}):
        assert table(target, layer) == table(single["twin"], layer), layer
