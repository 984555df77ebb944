"""Cancel from QGIS cancels the cluster's tasks: geotwin:buildtwin with SCHEDULER pointing at a real `dask scheduler`
with two `dask worker` processes on loopback (the fixture of tests/twin/scale), its feedback cancelled while the
cells run: the algorithm stops with "cancelled by the user", writes no twin, and the scheduler holds none of its
tasks (and no worker runs one) shortly after."""
from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("scale_conftest",
                                               Path(__file__).parents[1] / "twin" / "scale" / "conftest.py")
_scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_scale)
dask_scheduler = _scale.dask_scheduler   # the real loopback cluster (module scope)


@pytest.fixture(scope="module")
def citymodel(run_alg, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cancel-scheduler")
    district = run_alg("geotwin:sampledistrict", {"BUILDINGS": 300, "OUTPUT": str(folder / "district")})
    return run_alg("geotwin:importcitymodel", {"INPUT": [district["CITYGML"]],
                                               "OUTPUT": str(folder / "citymodel.gpkg")})["OUTPUT"]


def test_cancel_from_qgis_cancels_the_tasks_on_the_scheduler(run_alg, citymodel, dask_scheduler, tmp_path):
    from distributed import Client
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    fired: list[float] = []

    def fire(percent):
        if percent > 0 and not fired:   # the cells are on the cluster and one is done
            fired.append(time.monotonic())
            threading.Timer(0.05, feedback.cancel).start()

    feedback.progressChanged.connect(fire)
    with pytest.raises(QgsProcessingException, match="cancelled by the user"):
        run_alg("geotwin:buildtwin", {"CITYMODEL": [citymodel], "OUTPUT": str(tmp_path / "t.gpkg"),
                                      "SCHEDULER": dask_scheduler["address"]}, feedback)
    assert fired and time.monotonic() - fired[0] < 30
    assert f"Dask scheduler {dask_scheduler['address']}: 2 workers" in feedback.textLog()
    assert not (tmp_path / "t.gpkg").exists()

    def ours(dask_scheduler):
        return [str(k) for k, t in dask_scheduler.tasks.items() if str(k).startswith("build_partition-")]

    def executing(dask_worker):
        return dask_worker.state.executing_count

    with Client(dask_scheduler["address"], timeout=30) as client:
        deadline = time.monotonic() + 30
        while (client.run_on_scheduler(ours) or any(client.run(executing).values())) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.run_on_scheduler(ours) == []
        assert not any(client.run(executing).values())
        assert len(client.scheduler_info()["workers"]) == 2
