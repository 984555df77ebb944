"""Ctrl-C (SIGINT) during any geotwin algorithm cancels it cleanly in the main thread; the handler that was
there before is restored, a second Ctrl-C reaches it, and a run in another thread leaves handlers alone."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

DUPLEX = "ifc/medium/duplex_IFC2X3.ifc"


def _sigint_on_progress(feedback, twice: bool = False):
    """Ctrl-C as soon as the run reports progress (so surely during the run, whatever the machine's load);
    with ``twice`` a second Ctrl-C follows as soon as the first has cancelled the feedback."""
    def send(*_):
        if not feedback.sent:
            feedback.sent = True
            os.kill(os.getpid(), signal.SIGINT)    # handled in this (the main) thread right away

    feedback.sent = False
    feedback.progressChanged.connect(send)
    if twice:
        feedback.canceled.connect(lambda: os.kill(os.getpid(), signal.SIGINT))
    return feedback


@pytest.fixture
def own_handler():
    """A Python SIGINT handler of the caller's, put back afterwards."""
    calls = []
    before = signal.signal(signal.SIGINT, lambda *_: calls.append(time.monotonic()))
    yield calls
    signal.signal(signal.SIGINT, before)


def test_sigint_cancels_an_algorithm_and_restores_the_handler(run_alg, shared_data, tmp_path, own_handler):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    handler = signal.getsignal(signal.SIGINT)
    out = tmp_path / "duplex.gpkg"
    feedback = _sigint_on_progress(QgsProcessingFeedback())
    with pytest.raises(QgsProcessingException, match="^cancelled by the user$"):
        run_alg("geotwin:importifc", {"INPUT": str(shared_data / DUPLEX), "TARGET_CRS": "EPSG:32616",
                                      "OUTPUT": str(out)}, feedback)
    assert feedback.sent
    assert signal.getsignal(signal.SIGINT) is handler and own_handler == []   # the run's handler took the signal
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_second_sigint_reaches_the_previous_handler(run_alg, tmp_path, own_handler):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = _sigint_on_progress(QgsProcessingFeedback(), twice=True)
    with pytest.raises(QgsProcessingException, match="^cancelled by the user$"):
        run_alg("geotwin:sampledistrict", {"BUILDINGS": 200_000, "OUTPUT": str(tmp_path / "district")}, feedback)
    assert len(own_handler) == 1                      # the first cancelled, the second went to the caller's
    assert not (tmp_path / "district").exists()


def test_an_ignored_sigint_stays_ignored_after_a_run(run_alg, tmp_path):
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        res = run_alg("geotwin:sampledistrict", {"BUILDINGS": 10, "OUTPUT": str(tmp_path / "district")})
        assert res["BUILDING_COUNT"] == 10
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_run_in_another_thread_leaves_the_handlers_alone(run_alg, tmp_path, own_handler):
    """QGIS runs algorithms in task threads, where signal.signal() raises; the run neither fails nor touches
    the main thread's handler, and cancelling its feedback still works."""
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    handler = signal.getsignal(signal.SIGINT)
    results, errors = [], []

    def run(params, feedback=None):
        try:
            results.append(run_alg("geotwin:sampledistrict", params, feedback))
        except Exception as err:  # noqa: BLE001 - collected for the assertion below
            errors.append(err)

    worker = threading.Thread(target=run, args=({"BUILDINGS": 10, "OUTPUT": str(tmp_path / "a")},))
    worker.start()
    worker.join(120)
    assert not errors and results[0]["BUILDING_COUNT"] == 10
    assert signal.getsignal(signal.SIGINT) is handler

    feedback = QgsProcessingFeedback()
    worker = threading.Thread(target=run, args=({"BUILDINGS": 200_000, "OUTPUT": str(tmp_path / "b")}, feedback))
    worker.start()
    time.sleep(0.5)
    feedback.cancel()
    worker.join(60)
    assert not worker.is_alive() and len(errors) == 1 and isinstance(errors[0], QgsProcessingException)
    assert str(errors[0]) == "cancelled by the user" and not (tmp_path / "b").exists()
    assert signal.getsignal(signal.SIGINT) is handler and own_handler == []
