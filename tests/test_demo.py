"""`make demo` end to end (scripts/demo.sh with qgis_process, a local Radicale and Mosquitto): the chain's outputs,
the free island, the week's availability, a CalDAV booking and the refused overlap, the LoRaWAN uplinks stored into
the sensors GeoPackage before the build: one linked twin sensor per device, charted in series.json."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.sensors.test_lorawan_twin import LIVE, expected_links, expected_series


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
    # ... on a server with an account (hashed htpasswd), through the demo's authentication configuration; the
    # password is in no output
    password = (out / "radicale" / "password").read_text(encoding="utf-8").strip()
    assert re.search(r"the bookings use the authentication configuration [0-9a-z]{7} \(Basic, user lerninseln", log)
    assert password not in log and password not in (out / "radicale" / "users").read_text(encoding="utf-8")
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
    # LoRaWAN: the 520 replayed uplinks (8 June 14:00-23:45) stored once each, into the sensors GeoPackage the build
    # reads, onto the sensors the import made for the devices (no second sensor per device)
    assert re.search(rf"STORED:\t{LIVE}\b", log) and re.search(r"DUPLICATES:\t0\b", log)
    assert _rows(out / "sensors.gpkg", "SELECT count(*) FROM lorawan_uplinks") == [(LIVE,)]
    assert not (out / "lorawan.gpkg").exists()
    assert log.index("== 6. LoRaWAN live") < log.index("== 7. Build the twin") < log.index("== 8. 3D Tiles")
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
    # every device of the table is one twin sensor, linked as its position says, charted with its SensorThings
    # history until the cut and then the replayed uplinks' decoded values (both read here with json)
    district = out / "district"
    devices = json.loads((district / "sensors.devices.json").read_text(encoding="utf-8"))["devices"]
    by_eui = {}
    for key, attributes, link_type, link_id in _rows(out / "twin.gpkg",
                                                     "SELECT sensor_key, attributes, link_type, link_id FROM sensors"):
        by_eui.setdefault(json.loads(attributes)["thing_properties"]["devEUI"].lower(), []).append(
            (key, (link_type, link_id)))
    assert sorted(by_eui) == sorted(d["dev_eui"].lower() for d in devices) and len(devices) == 13
    assert all(len(v) == 1 for v in by_eui.values())
    links = {f: (k, t) for f, t, k in _rows(
        out / "twin.gpkg", "SELECT from_id, to_id, json_extract(details, '$.link_type') FROM links "
                           "WHERE from_layer = 'sensors' AND relation = 'observes'")}
    links_wanted = expected_links(district, devices)
    series_wanted = expected_series(district)
    for d in devices:
        [(key, link)] = by_eui[d["dev_eui"].lower()]
        assert link == links[key] == links_wanted[d["dev_eui"]], d["sensor_id"]
        assert list(zip(series[key]["t"], series[key]["v"])) == series_wanted[d["dev_eui"].lower()], key
