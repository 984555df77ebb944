"""make package: the zip holds the plugin only and loads in a fresh QGIS plugin folder."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from geotwin.tests.paths import ROOT


def test_zip_holds_only_the_plugin_and_loads_in_qgis(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "package.py"), str(tmp_path / "geotwin.zip")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "geotwin.zip") as zf:
        names = zf.namelist()
        assert "geotwin/metadata.txt" in names and "geotwin/__init__.py" in names
        assert all(n.startswith("geotwin/") for n in names)
        tops = {n.split("/")[1] for n in names}
        assert not tops & {"tests", "bench", "scripts", ".ci", "Makefile", "node_modules", ".venv", "docs",
                           "requirements.txt", "requirements-dev.txt", "package.json"}
        assert any(n.endswith(".qm") for n in names), "compiled translations must ship"
        plugins = tmp_path / "plugins"
        zf.extractall(plugins)

    config = tmp_path / "config"
    ini = config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\ngeotwin=true\n")
    env = dict(os.environ, QGIS_PLUGINPATH=str(plugins), QGIS_CUSTOM_CONFIG_PATH=str(config),
               QT_QPA_PLATFORM="offscreen")
    # the dev checkout must not be what QGIS finds: drop it from PYTHONPATH
    env["PYTHONPATH"] = os.pathsep.join(p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                        if p and not p.startswith(str(ROOT)))
    site = subprocess.run([sys.executable, "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True).stdout.strip()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [site, env["PYTHONPATH"]]))
    listing = subprocess.run(["/usr/bin/qgis_process.bin", "list"], capture_output=True, text=True,
                             timeout=300, env=env)
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert "GeoTwin – Digitaler Geozwilling" in listing.stdout
    assert "geotwin:sampledistrict" in listing.stdout
    probe = subprocess.run(["/usr/bin/qgis_process.bin", "help", "geotwin:sampledistrict"],
                           capture_output=True, text=True, timeout=300, env=env)
    assert probe.returncode == 0
    # proves the installed copy (not the checkout) was loaded
    plugin_dir = subprocess.run(
        [sys.executable, "-c", "import geotwin, os; print(os.path.dirname(geotwin.__file__))"],
        capture_output=True, text=True, env=dict(env, PYTHONPATH=f"{plugins}{os.pathsep}{env['PYTHONPATH']}"))
    assert plugin_dir.stdout.strip() == str(plugins / "geotwin")
