"""`make demo` end to end (scripts/demo.sh with qgis_process, a local Radicale and Mosquitto): the chain's outputs,
the free island, the week's availability, a CalDAV booking and the refused overlap, the stored LoRaWAN uplinks."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess

from geotwin.tests.paths import ROOT


def _rows(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_the_demo_runs_the_chain_books_a_classroom_and_stores_uplinks(tmp_path):
    out = tmp_path / "demo"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh"), str(out), "60"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    # the chain: a twin of the 60 generated buildings (the school linked to its IFC) and a 3D Tiles tileset with the viewer
    district = json.loads((out / "district" / "district.json").read_text())
    assert district["buildings"] == 60
    assert _rows(out / "twin.gpkg", "SELECT count(*), sum(origin = 'citymodel') FROM buildings") == [(60, 60)]
    assert json.loads((out / "tiles" / "tileset.json").read_text())["asset"]["version"] in ("1.0", "1.1")
    assert (out / "tiles" / "viewer" / "index.html").is_file()
    # the CalDAV booking: written after the conflict check, the overlap refused, the server's day read back
    assert re.search(r"BOOKED:\ttrue", log) and "island LI-001 booked 2026-11-24 15:30-16:00 for 6 seats" in log
    assert "the requested slot 2026-11-24 16:00-17:00 is refused" in log
    day = _rows(out / "island_availability_caldav.gpkg",
                "SELECT substr(start, 12, 5), substr(end, 12, 5), status, summary FROM island_availability "
                "WHERE island_id = 'LI-001' ORDER BY start")
    assert ("15:30", "16:00", "busy", "Nachhilfe Physik (6 seats)") in day
    assert [d for d in day if d[0] == "16:00"] == [("16:00", "17:30", "busy", "Klasse 7b")]
    # the week's availability from the .ics feeds, as step 8b reports it
    counts = re.search(r"(\d+) busy and (\d+) free intervals from 2026-11-23", log)
    assert counts and _rows(out / "island_availability.gpkg",
                            "SELECT sum(status = 'busy'), sum(status = 'free') FROM island_availability") == [
        (int(counts[1]), int(counts[2]))]
    # LoRaWAN: the 500 replayed uplinks stored once each
    assert re.search(r"STORED:\t500\b", log) and re.search(r"DUPLICATES:\t0\b", log)
    assert _rows(out / "lorawan.gpkg", "SELECT count(*) FROM lorawan_uplinks") == [(500,)]
    # the charts (step 11): series.json beside the tiles holds each sensor's observations of the twin (read here with
    # sqlite3), soil moisture, noise and temperature among them, and the step reports each property's points
    series = json.loads((out / "tiles" / "series.json").read_text(encoding="utf-8"))
    stored = _rows(out / "twin.gpkg", "SELECT sensor_key, count(*) FROM observations WHERE result IS NOT NULL "
                                      "GROUP BY sensor_key")
    assert sorted((key, len(s["v"])) for key, s in series.items()) == sorted(stored)
    units = {s["property"]: s["unit"] for s in series.values()}
    assert {"Soil moisture": "%", "Sound pressure level (A-weighted)": "dB(A)", "Air temperature": "°C"}.items() <= \
        units.items()
    for prop in ("Soil moisture", "Sound pressure level (A-weighted)", "Air temperature"):
        points = sum(len(s["v"]) for s in series.values() if s["property"] == prop)
        assert re.search(rf"{re.escape(prop)} \[{re.escape(units[prop])}\]: \d+ sensors, {points} points", log)
    assert "series.json" in (out / "tiles" / "viewer" / "index.html").read_text(encoding="utf-8")
