"""importsensors with an authcfg of QGIS's authentication manager (own auth database in a subprocess)."""
from __future__ import annotations

import json
import os
import subprocess
import textwrap

from geotwin.tests.sta_server import start

STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
SECRET = "geheim-Pa55-x9"

SCRIPT = textwrap.dedent("""
    import json, sys
    from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsProcessingFeedback
    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing
    import geotwin
    plugin = geotwin.classFactory(None)
    plugin.initProcessing()
    manager = QgsApplication.authManager()
    assert manager.setMasterPassword("master-password", True)
    cfg = QgsAuthMethodConfig()
    cfg.setName("sta-basic")
    cfg.setMethod("Basic")
    cfg.setConfig("username", "stadt")
    cfg.setConfig("password", sys.argv[3])
    stored = manager.storeAuthenticationConfig(cfg)
    assert (stored[0] if isinstance(stored, tuple) else stored), "auth config not stored"
    log = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, text):
            log.append(text)

        def pushWarning(self, text):
            log.append(text)

        def reportError(self, text, fatalError=False):
            log.append(text)

        def pushDebugInfo(self, text):
            log.append(text)

        def pushCommandInfo(self, text):
            log.append(text)

    results = {}
    for authcfg in ("", cfg.id()):
        try:
            res = processing.run("geotwin:importsensors", {
                "URL": sys.argv[1], "AUTHCFG": authcfg, "TARGET_CRS": "EPSG:32630", "TIMEOUT": 10,
                "RETRIES": 0, "OUTPUT": sys.argv[2]}, feedback=Feedback())
            results[authcfg or "none"] = res["SENSORS"]
        except Exception as err:
            results[authcfg or "none"] = str(err)
    print("RESULT" + json.dumps({"results": results, "log": log}))
    app.exitQgis()
""")


def test_authcfg_credentials_are_sent_and_never_logged_or_written(shared_data, tmp_path, python_exe):
    server = start([shared_data / STA_DOC], page_size=100, max_top=1000)
    server.credentials = ("stadt", SECRET)
    auth_dir = tmp_path / "auth"
    auth_dir.mkdir()
    out = tmp_path / "sensors.gpkg"
    script = tmp_path / "run.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "QGIS_AUTH_DB_DIR_PATH": str(auth_dir), "QGIS_CUSTOM_CONFIG_PATH": str(tmp_path / "cfg")}
    try:
        proc = subprocess.run([python_exe, str(script), server.base_url(), str(out), SECRET], env=env,
                              capture_output=True, text=True, timeout=300)
    finally:
        server.stop()
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    doc = json.loads(line[len("RESULT"):])
    results = doc["results"]
    assert "access denied" in results["none"]
    assert [v for k, v in results.items() if k != "none"] == [4]
    # the server saw the credentials; nothing we logged or wrote contains them
    assert not any(SECRET in text for text in doc["log"])
    assert SECRET not in proc.stdout
    assert SECRET.encode() not in out.read_bytes()
    assert SECRET not in proc.stderr
