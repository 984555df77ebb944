"""Fixtures of the tests that run in QGIS >= 3.34 (a Debian 13 chroot with QGIS 3.40: scripts/qgis-next-test.sh).

Not collected by the host's pytest (tests/conftest.py ignores this folder; its QGIS is 3.22). The host prepares
the data (tests/qgis_next/prepare.py: the sample district, its 3D Tiles for both targets, expected.json) and
names its folder in GEOTWIN_NEXT_DATA.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def qgis_app():
    """QGIS's application, initialised once (offscreen, no GUI)."""
    from qgis.core import Qgis, QgsApplication

    assert Qgis.versionInt() >= 33400, f"these tests need QGIS 3.34 or later, this is {Qgis.QGIS_VERSION}"
    app = QgsApplication([], False)
    app.initQgis()
    yield app
    app.exitQgis()


@pytest.fixture(scope="session")
def next_data() -> Path:
    """The folder prepared on the host (GEOTWIN_NEXT_DATA)."""
    folder = os.environ.get("GEOTWIN_NEXT_DATA")
    if not folder or not (Path(folder) / "expected.json").is_file():
        pytest.fail(f"GEOTWIN_NEXT_DATA must name a folder prepared by tests/qgis_next/prepare.py, got {folder!r}")
    return Path(folder)


@pytest.fixture(scope="session")
def expected(next_data) -> dict:
    """expected.json of the prepared folder (computed on the host without QGIS)."""
    return json.loads((next_data / "expected.json").read_text(encoding="utf-8"))
