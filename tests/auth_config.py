"""Run a geotwin algorithm in a subprocess with its own QGIS authentication database (the tests of authcfg
parameters: importsensors, listensensors, booklearningisland, refreshislandavailability).

A test writes only what its script does with the algorithm; ``run_auth_script`` puts PRELUDE in front of it.
The prelude starts QGIS and Processing, loads the plugin, unlocks a fresh authentication database and defines
``basic_auth(name, user, password, uri="")`` (stores a Basic configuration, returns its id), ``Feedback``
(collects every message in ``log``) and ``finish(results)`` (prints them after ``RESULT`` and exits QGIS).
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

PRELUDE = textwrap.dedent("""
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
    log = []


    def basic_auth(name, user, password, uri=""):
        cfg = QgsAuthMethodConfig()
        cfg.setName(name)
        cfg.setMethod("Basic")
        cfg.setUri(uri)
        cfg.setConfig("username", user)
        cfg.setConfig("password", password)
        stored = manager.storeAuthenticationConfig(cfg)
        assert (stored[0] if isinstance(stored, tuple) else stored), "auth config not stored"
        return cfg.id()


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


    def finish(results):
        print("RESULT" + json.dumps({"results": results, "log": log}))
        app.exitQgis()
""")


def run_auth_script(body: str, args: list[str], tmp_path: Path, python_exe: str,
                    timeout: float = 300) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run PRELUDE + ``body`` (dedented) with ``args`` as sys.argv[1:] in a subprocess whose authentication
    database and QGIS settings live in ``tmp_path`` (auth/, cfg/); the finished process and the document
    its ``finish`` printed ({"results": ..., "log": [...]}). Fails the test when nothing was printed."""
    auth_dir = tmp_path / "auth"
    auth_dir.mkdir()
    script = tmp_path / "run.py"
    script.write_text(PRELUDE + textwrap.dedent(body), encoding="utf-8")
    env = {**os.environ, "QGIS_AUTH_DB_DIR_PATH": str(auth_dir), "QGIS_CUSTOM_CONFIG_PATH": str(tmp_path / "cfg")}
    proc = subprocess.run([python_exe, str(script), *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc, json.loads(line[len("RESULT"):])
