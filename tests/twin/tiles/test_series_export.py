"""series.json beside a twin's 3D Tiles: each sensor's numeric observations of its last 7 days, checked
against the twin GeoPackage's observations read independently with sqlite3."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.twin_tiles import SERIES_NAME


@pytest.fixture(scope="module")
def export(run_alg, district_sources, tmp_path_factory):
    out = tmp_path_factory.mktemp("series")
    inputs = district_sources(out, 12)
    twin = Path(run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(out / "twin.gpkg")})["OUTPUT"])
    result = export_3dtiles(twin, out / "tiles", ExportOptions())
    return twin, out / "tiles", result


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_series_equal_the_stored_observations(export):
    twin, folder, result = export
    series = json.loads((folder / SERIES_NAME).read_text(encoding="utf-8"))
    assert result.report["twin"]["series"] == SERIES_NAME
    with sqlite3.connect(twin) as db:
        keys = [k for (k,) in db.execute("SELECT DISTINCT sensor_key FROM observations")]
        numeric = {}
        for key in keys:
            rows = [(t, v) for t, v in db.execute(
                "SELECT phenomenon_time, result FROM observations WHERE sensor_key = ? "
                "AND result IS NOT NULL", (key,))]
            if rows:
                numeric[key] = rows
    assert numeric, "the district's sensors have numeric observations"
    assert set(series) == set(numeric)
    for key, rows in numeric.items():
        latest = max(_when(t) for t, _ in rows)
        expected = sorted((_when(t), v) for t, v in rows if _when(t) >= latest - timedelta(days=7))
        assert [_when(t) for t in series[key]["t"]] == [t for t, _ in expected]
        assert series[key]["v"] == pytest.approx([v for _, v in expected], abs=1e-12)
        assert series[key]["unit"] is not None


def test_city_model_alone_writes_no_series(export, tmp_path):
    twin, _, _ = export
    # the city model GeoPackage beside the twin's inputs has no sensors: no series.json
    city = next(twin.parent.glob("citymodel.gpkg"))
    result = export_3dtiles(city, tmp_path / "tiles", ExportOptions())
    assert not (tmp_path / "tiles" / SERIES_NAME).exists()
    assert result.report.get("twin", {}).get("series") is None


def test_availability_beside_the_tiles_and_no_private_calendar_fields(export):
    from geotwin.twin.islands.availability import availability_json
    from geotwin.twin.tiles.twin_tiles import AVAILABILITY_NAME

    twin, folder, result = export
    assert result.report["twin"]["availability"] == AVAILABILITY_NAME
    doc = json.loads((folder / AVAILABILITY_NAME).read_text(encoding="utf-8"))
    islands = json.loads((folder / "islands.geojson").read_text(encoding="utf-8"))
    assert set(doc["islands"]) == {str(f["id"]) for f in islands["features"]}
    with sqlite3.connect(twin) as db:
        calendars = {i: c for i, c in db.execute("SELECT id, calendar FROM learning_islands") if c}
    assert calendars, "the sample district's classroom islands name a calendar"
    assert {i for i, e in doc["islands"].items() if e["calendar"] == "ok"} == set(calendars)
    # the same computation at the export's own time gives the same busy intervals
    again = availability_json(twin, now=datetime.fromisoformat(doc["generated"]))
    assert {i: e["busy"] for i, e in again["islands"].items()} == {i: e["busy"] for i, e in doc["islands"].items()}
    for feature in islands["features"]:
        assert not {"calendar", "calendar_type", "calendar_address", "calendar_error"} & set(feature["properties"])
    published = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in folder.rglob("*.json*"))
    for location in calendars.values():
        assert location not in published


def test_availability_rewritten_by_the_command_line(export, tmp_path, python_exe):
    """cron beside a published web map: the command rewrites availability.json from the twin; the viewer
    reloads it (resources/viewer/viewer.js refreshAvailability)."""
    import subprocess

    from geotwin.tests.paths import ROOT

    twin, folder, _ = export
    target = tmp_path / "availability.json"
    run = subprocess.run([python_exe, "-m", "geotwin.twin.islands.availability", str(twin), str(target)],
                         capture_output=True, text=True, cwd=ROOT.parent, timeout=300)
    assert run.returncode == 0, run.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    exported = json.loads((folder / "availability.json").read_text(encoding="utf-8"))
    assert set(doc["islands"]) == set(exported["islands"])
    busy = sum(len(e["busy"]) for e in doc["islands"].values())
    assert f"{len(doc['islands'])} islands, {busy} busy intervals" in run.stdout
    assert not any("error" in e for e in doc["islands"].values())
    bad = subprocess.run([python_exe, "-m", "geotwin.twin.islands.availability", str(twin), str(target),
                          "--days", "40"], capture_output=True, text=True, cwd=ROOT.parent, timeout=120)
    assert bad.returncode == 2 and "--days must be between 1 and 31" in bad.stderr
    missing = subprocess.run([python_exe, "-m", "geotwin.twin.islands.availability", str(tmp_path / "none.gpkg"),
                              str(target)], capture_output=True, text=True, cwd=ROOT.parent, timeout=120)
    assert missing.returncode == 1 and "none.gpkg" in missing.stderr
