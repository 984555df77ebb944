"""importsensors with an authcfg of QGIS's authentication manager (own auth database in a subprocess)."""
from __future__ import annotations

from geotwin.tests.auth_config import run_auth_script
from geotwin.tests.sta_server import start

STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
SECRET = "geheim-Pa55-x9"

SCRIPT = """
    sta = basic_auth("sta-basic", "stadt", sys.argv[3])
    results = {}
    for authcfg in ("", sta):
        try:
            res = processing.run("geotwin:importsensors", {
                "URL": sys.argv[1], "AUTHCFG": authcfg, "TARGET_CRS": "EPSG:32630", "TIMEOUT": 10,
                "RETRIES": 0, "OUTPUT": sys.argv[2]}, feedback=Feedback())
            results[authcfg or "none"] = res["SENSORS"]
        except Exception as err:
            results[authcfg or "none"] = str(err)
    finish(results)
"""


def test_authcfg_credentials_are_sent_and_never_logged_or_written(shared_data, tmp_path, python_exe):
    server = start([shared_data / STA_DOC], page_size=100, max_top=1000)
    server.credentials = ("stadt", SECRET)
    out = tmp_path / "sensors.gpkg"
    try:
        proc, doc = run_auth_script(SCRIPT, [server.base_url(), str(out), SECRET], tmp_path, python_exe)
    finally:
        server.stop()
    results = doc["results"]
    assert "access denied" in results["none"]
    assert [v for k, v in results.items() if k != "none"] == [4]
    # the server saw the credentials; nothing we logged or wrote contains them
    assert not any(SECRET in text for text in doc["log"])
    assert SECRET not in proc.stdout
    assert SECRET.encode() not in out.read_bytes()
    assert SECRET not in proc.stderr
