"""python -m geotwin.twin.scale without QGIS: import, build and export, exit codes and messages."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

from .conftest import _env, free_port


def _run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "geotwin.twin.scale", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=_env())


def test_the_chain_on_the_command_line(delivery, tmp_path):
    work = tmp_path / "work"
    out = _run("import", delivery["zip"], "--output", tmp_path / "city.gpkg", "--work", work, "--workers", "0")
    assert out.returncode == 0, out.stderr
    assert "imported 400 buildings from" in out.stdout and "progress 100 %" in out.stderr
    assert "qgis" not in out.stderr.lower()
    out = _run("build", "--citymodel", tmp_path / "city.gpkg", "--output", tmp_path / "twin.gpkg", "--work", work,
               "--workers", "1", "--per-partition", "150")
    assert out.returncode == 0, out.stderr
    assert "Dask LocalCluster: 1 worker processes" in out.stdout and "Dask dashboard" in out.stdout
    assert "twin in" in out.stdout and "400 buildings" in out.stdout
    out = _run("export", "--source", tmp_path / "twin.gpkg", "--output", tmp_path / "tiles", "--workers", "0")
    assert out.returncode == 0, out.stderr
    tileset = json.loads((tmp_path / "tiles" / "tileset.json").read_text())
    assert tileset["asset"]["version"] in ("1.0", "1.1")
    # the import is done: a re-run only merges
    out = _run("import", delivery["zip"], "--output", tmp_path / "city.gpkg", "--work", work, "--workers", "0")
    assert out.returncode == 0 and f"{len(delivery['tiles'])} done in an earlier run" in out.stdout


def test_failed_partitions_exit_with_3_naming_them(delivery, tmp_path):
    archive = tmp_path / "broken.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(delivery["tiles"][0], "LoD2/good.gml")
        zf.writestr("LoD2/bad.gml", delivery["tiles"][1].read_text()[:5000])
    out = _run("import", archive, "--output", tmp_path / "city.gpkg", "--work", tmp_path / "w", "--workers", "0")
    assert out.returncode == 3
    assert "error: 1 of 2 import partitions failed" in out.stderr and "broken.zip!/LoD2/bad.gml" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_unreachable_scheduler_exits_with_1(tmp_path):
    out = _run("export", "--source", tmp_path / "none.gpkg", "--output", tmp_path / "t",
               "--scheduler", f"tcp://127.0.0.1:{free_port()}", timeout=120)
    assert out.returncode == 1
    assert "error: cannot reach the Dask scheduler at tcp://127.0.0.1:" in out.stderr


def test_wrong_arguments_exit_with_2(tmp_path):
    out = _run("import", "--output", tmp_path / "c.gpkg")
    assert out.returncode == 2 and "required" in out.stderr
    out = _run("build", "--citymodel", tmp_path / "raw.gml", "--output", tmp_path / "t.gpkg", "--work", tmp_path,
               "--workers", "0")
    assert out.returncode == 1 and "the partitioned build reads GeoPackages of the city model import" in out.stderr


def test_the_command_line_needs_no_qgis(tmp_path):
    code = ("import sys, runpy; sys.argv = ['x', '--help'];\n"
            "try:\n    runpy.run_module('geotwin.twin.scale', run_name='__main__')\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "import|build|export" in out.stdout or "{import,build,export}" in out.stdout
    assert os.environ.get("GEOTWIN_TEST_NEVER_SET") is None


def test_python_m_geotwin_exports_a_twin_in_partitions_and_again_only_what_changed(single, tmp_path):
    """``python -m geotwin export`` on a LocalCluster of one worker: the partitioned export (progress, the
    dashboard line); exported again, every tile is kept."""
    def export():
        return subprocess.run([sys.executable, "-m", "geotwin", "export", "--source", str(single["twin"]), "--output",
                               str(tmp_path / "tiles"), "--workers", "1", "--per-partition", "100"],
                              capture_output=True, text=True, timeout=600, env=_env())

    out = export()
    assert out.returncode == 0, out.stderr
    assert "Dask LocalCluster: 1 worker processes" in out.stdout and "Dask dashboard" in out.stdout
    assert "planning the partitioned export" in out.stdout and "progress 100 %" in out.stderr
    report = json.loads((tmp_path / "tiles" / "export_report.json").read_text())
    tiles = len(report["tiles"])
    assert len(report["partitions"]) >= 1 and report["buildings"] == 400   # explicit: an LoD1 tile is whole
    assert f"{tiles} tiles from {len(report['partitions'])} partition(s) ({tiles} written, 0 unchanged" in out.stdout
    again = export()
    assert again.returncode == 0, again.stderr
    assert f"(0 written, {tiles} unchanged and kept)" in again.stdout


def test_python_m_geotwin_help_names_the_commands():
    out = subprocess.run([sys.executable, "-m", "geotwin", "--help"], capture_output=True, text=True, timeout=120,
                         env=_env())
    assert out.returncode == 0 and out.stdout.startswith("usage: python -m geotwin [-h] {import,build,export}")
