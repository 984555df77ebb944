"""geotwin:importsensors against hostile servers: a real QGIS authcfg (own auth database, in a
subprocess) whose credentials never reach a second host (127.0.0.2) through a redirect or an
@iot.nextLink; bounded waits, cancel and the size limits through the algorithm."""
from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

from geotwin.tests.auth_config import run_auth_script
from geotwin.tests.paths import ROOT
from geotwin.tests.sta_server import Fault, start

STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
SECRET = "geheim-Pa55-x9"

SCRIPT = """
    sta = basic_auth("sta-basic", "stadt", sys.argv[3])
    results = {}
    for name, url in json.loads(sys.argv[1]).items():
        try:
            res = processing.run("geotwin:importsensors", {
                "URL": url, "AUTHCFG": sta, "TARGET_CRS": "EPSG:32630", "TIMEOUT": 10,
                "RETRIES": 0, "OUTPUT": sys.argv[2] + name + ".gpkg"}, feedback=Feedback())
            results[name] = res["SENSORS"]
        except Exception as err:
            results[name] = str(err)
    finish(results)
"""


def test_authcfg_credentials_never_reach_another_host(shared_data, tmp_path, python_exe):
    doc = [shared_data / STA_DOC]
    redirecting, paging, moved = (start(doc, page_size=100, max_top=100) for _ in range(3))
    foreign = start(doc, page_size=100, max_top=100, host="127.0.0.2")
    for srv in (redirecting, paging, moved):
        srv.credentials = ("stadt", SECRET)
    redirecting.faults.append(Fault("redirect", match="/Things", status=302, location=foreign.base_url() + "/Things"))
    paging.faults.append(Fault("next_to", match="/Observations", times=-1, location=foreign.root + "/"))
    # every request under /old/ is moved permanently to the same path without /old on the same host
    moved.faults.append(Fault("redirect", match="/old/", times=-1, status=301, location="{path}"))
    urls = {"redirect": redirecting.base_url(), "nextlink": paging.base_url(),
            "same_origin": moved.origin + "/old/FROST-Server/v1.1"}
    try:
        proc, doc = run_auth_script(SCRIPT, [json.dumps(urls), str(tmp_path / "out_"), SECRET], tmp_path, python_exe)
    finally:
        for srv in (redirecting, paging, moved, foreign):
            srv.stop()
    results = doc["results"]
    here, there = (f"http://127.0.0.1:{redirecting.server_address[1]}",
                   f"http://127.0.0.2:{foreign.server_address[1]}")
    assert "refused the HTTP 302 redirect" in results["redirect"]
    assert here in results["redirect"] and there in results["redirect"]
    assert "refused the @iot.nextLink" in results["nextlink"] and there in results["nextlink"]
    assert f"http://127.0.0.1:{paging.server_address[1]}" in results["nextlink"]
    assert results["same_origin"] == 4
    # the second host got no request at all: no Authorization header, no credentials
    assert foreign.headers_seen == []
    # the configured hosts got the credentials on every request, also after the same-origin redirect
    for srv in (redirecting, paging, moved):
        assert srv.headers_seen and all(h.get("Authorization", "").startswith("Basic ") for _, h in srv.headers_seen)
    assert any(p.startswith("/FROST-Server/") for p, _ in moved.headers_seen)
    assert SECRET not in proc.stdout and SECRET not in proc.stderr


@pytest.fixture
def service(shared_data):
    srv = start([shared_data / STA_DOC], page_size=100, max_top=100)
    yield srv
    srv.stop()


def test_algorithm_drip_fails_within_the_timeout(run_alg, service, tmp_path):
    from qgis.core import QgsProcessingException

    service.faults.append(Fault("drip", match="/Things", times=-1, delay=0.2))
    began = time.monotonic()
    with pytest.raises(QgsProcessingException, match=r"/Things.* sent \d+ bytes in 2\.\d s, slower than the "
                                                     r"TIMEOUT of 2 s"):
        run_alg("geotwin:importsensors", {"URL": service.base_url(), "TIMEOUT": 2, "RETRIES": 0,
                                          "OUTPUT": str(tmp_path / "s.gpkg")})
    assert time.monotonic() - began < 2 + 3
    assert not (tmp_path / "s.gpkg").exists()


def test_algorithm_cancel_during_a_drip(run_alg, service, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    service.faults.append(Fault("drip", match="/Observations", times=-1, delay=0.2))
    feedback = QgsProcessingFeedback()
    fired: list[float] = []

    def cancel() -> None:
        time.sleep(1.5)
        fired.append(time.monotonic())
        feedback.cancel()

    threading.Thread(target=cancel, daemon=True).start()
    with pytest.raises(QgsProcessingException, match="cancelled by the user"):
        run_alg("geotwin:importsensors", {"URL": service.base_url(), "TIMEOUT": 60, "RETRIES": 0,
                                          "OUTPUT": str(tmp_path / "s.gpkg")}, feedback)
    assert fired and time.monotonic() - fired[0] < 1.5


def test_algorithm_page_size_and_observation_limits(run_alg, service, tmp_path):
    from qgis.core import QgsProcessingException

    out = str(tmp_path / "s.gpkg")
    with pytest.raises(QgsProcessingException, match=r"answer from http://127.0.0.1:\d+/FROST-Server/v1.1/Things\?"
                                                     r".* is larger than the page limit of 0.001 MB \(MAX_PAGE_MB\)"):
        run_alg("geotwin:importsensors", {"URL": service.base_url(), "MAX_PAGE_MB": 0.001, "OUTPUT": out})
    with pytest.raises(QgsProcessingException, match="more than 1000 observations .*MAX_OBSERVATIONS"):
        run_alg("geotwin:importsensors", {"URL": service.base_url(), "MAX_OBSERVATIONS": 1000, "OUTPUT": out})
    import signal

    before = signal.getsignal(signal.SIGINT)
    res = run_alg("geotwin:importsensors", {"URL": service.base_url(), "MAX_OBSERVATIONS": 4 * 583,
                                            "MAX_PAGE_MB": 1, "OUTPUT": out})
    assert res["SENSORS"] == 4 and res["OBSERVATIONS"] == 4 * 583
    assert signal.getsignal(signal.SIGINT) is before        # the Ctrl-C handler of the run is gone


def test_algorithm_refuses_a_redirect_to_another_host(run_alg, service, shared_data, tmp_path):
    from qgis.core import QgsProcessingException

    foreign = start([shared_data / STA_DOC], host="127.0.0.2")
    try:
        service.faults.append(Fault("redirect", match="/Things", status=307, location=foreign.base_url() + "/Things"))
        with pytest.raises(QgsProcessingException, match=r"refused the HTTP 307 redirect .* to another host: "
                                                         r"http://127\.0\.0\.2:\d+ is not the configured service "
                                                         r"http://127\.0\.0\.1:\d+"):
            run_alg("geotwin:importsensors", {"URL": service.base_url(), "OUTPUT": str(tmp_path / "s.gpkg")})
        assert foreign.headers_seen == []
    finally:
        foreign.stop()


def test_ctrl_c_cancels_qgis_process_during_a_drip(service, tmp_path):
    """SIGINT to qgis_process while it waits on a dripping server: a clean cancel within about a second
    (it used to be ignored until the server finished, then end in an IncompleteRead traceback)."""
    import signal

    service.faults.append(Fault("drip", match="/Observations", times=-1, delay=0.5))
    qgis_process = ROOT / "scripts" / "qgis_process"
    proc = subprocess.Popen([str(qgis_process), "run", "geotwin:importsensors", "--", f"URL={service.base_url()}",
                             "TIMEOUT=60", "RETRIES=0", f"OUTPUT={tmp_path / 's.gpkg'}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        waited = time.monotonic()
        while not any("/Observations" in p for p, _ in service.headers_seen):
            assert proc.poll() is None and time.monotonic() - waited < 120, "qgis_process did not reach the drip"
            time.sleep(0.1)
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        ended = time.monotonic()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert ended - sent < 3, out[-2000:]
    assert proc.returncode != 0 and "cancelled by the user" in out
    assert "Traceback" not in out and not (tmp_path / "s.gpkg").exists()
