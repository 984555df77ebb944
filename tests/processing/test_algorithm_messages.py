"""qgis_process (the real binary) prints each error once, as ERROR:, and each warning once, as WARNING:."""
from __future__ import annotations

import subprocess

import pyogrio
from lxml import etree

from geotwin.tests.paths import ROOT

FZK_GML = "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
HAMBURG22 = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"


def _qgis_process(*args: str) -> tuple[int, str]:
    proc = subprocess.run([str(ROOT / "scripts" / "qgis_process"), "run", *args], capture_output=True, text=True,
                          timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def test_a_failing_run_prints_its_error_once(tmp_path, shared_data):
    user = tmp_path / "user.gpkg"
    pyogrio.write_dataframe(pyogrio.read_dataframe(shared_data / "wlan/muenchen/wlan-standorte-muenchen.geojson"),
                            user, layer="wlan", driver="GPKG")
    before = user.read_bytes()
    code, out = _qgis_process("geotwin:importcitymodel", "--", f"INPUT={shared_data / FZK_GML}", f"OUTPUT={user}")
    assert code != 0
    message = f"{user}: the output exists and holds data that GeoTwin did not write: wlan (1 table)"
    assert out.count(message) == 1, out
    assert out.count("ERROR:") == 1 and f"ERROR:\t{message}" in out, out
    assert "Traceback" not in out and user.read_bytes() == before


def test_a_storage_fault_is_printed_once_with_the_real_path(tmp_path, shared_data):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be")
    target = blocker / "fzk.gpkg"
    code, out = _qgis_process("geotwin:importcitymodel", "--", f"INPUT={shared_data / FZK_GML}", f"OUTPUT={target}")
    assert code != 0
    message = f"{target}: cannot write the output: {blocker} is a file, not a folder"
    assert out.count("cannot write the output") == 1 and f"ERROR:\t{message}" in out, out
    assert "Traceback" not in out and ".tmp" not in out


def test_warnings_of_a_successful_run_are_warnings_printed_once(tmp_path, shared_data):
    out_gpkg = tmp_path / "mixed.gpkg"
    code, out = _qgis_process("geotwin:importcitymodel", "--", f"INPUT={shared_data / HAMBURG22}",
                              f"INPUT={shared_data / FZK_GML}", f"OUTPUT={out_gpkg}")
    assert code == 0, out
    warning = "the sources use different vertical CRSs"
    assert out.count(warning) == 1, out
    line = next(ln for ln in out.splitlines() if warning in ln)
    assert "WARNING:\t" in line and "ERROR" not in out, out
    tags = [f"{{http://www.opengis.net/citygml/building/{v}}}{t}" for v in ("1.0", "2.0")
            for t in ("Building", "BuildingPart")]
    expected = sum(1 for f in (HAMBURG22, FZK_GML) for _ in etree.parse(str(shared_data / f)).iter(*tags))
    assert len(pyogrio.read_dataframe(out_gpkg, layer="buildings", read_geometry=False)) == expected == 119


def test_storage_faults_become_messages_and_bugs_keep_their_traceback(qgis_processing):
    import errno
    import sqlite3

    from geotwin.processing.algorithm import _failure
    from geotwin.twin.kernel.errors import InputError

    assert _failure(PermissionError(errno.EACCES, "Permission denied", "/data/x.gpkg")) == \
        "/data/x.gpkg: permission denied"
    assert _failure(OSError(errno.ENOSPC, "No space left on device")) == "no space left on the device"
    assert _failure(sqlite3.OperationalError("database or disk is full")) == \
        "database or disk is full (is the disk full?)"
    assert _failure(InputError("broken", path="/a.gml", line=3)) == "/a.gml, line 3: broken"
    assert _failure(KeyError("x")) is None and _failure(ValueError("bug")) is None


def test_every_algorithm_is_guarded(qgis_processing):
    from qgis.core import QgsApplication

    from geotwin.processing.algorithm import GeoTwinAlgorithm

    provider = QgsApplication.processingRegistry().providerById("geotwin")
    algorithms = [a for a in provider.algorithms() if isinstance(a, GeoTwinAlgorithm)]   # not the models
    assert len(algorithms) == len(list((ROOT / "processing" / "algorithms").glob("[a-z]*.py")))
    for alg in algorithms:
        assert getattr(type(alg).processAlgorithm, "geotwin_guarded", False), alg.id()
