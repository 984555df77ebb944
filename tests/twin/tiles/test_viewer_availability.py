"""The web map's availability text from availability.json's opening hours (issue 15): an island closed at the page's
time says "geschlossen (öffnet Mo 14:00)" / "closed (opens Mon 14:00)", never "free"; an open one "free now until
12:00 (closes 18:00)"; hours by arrangement "opening hours unknown (nach Vereinbarung)". The file is written by
``availability_json`` for a fixed time, and the page's clock (headless chromium) is fixed a few minutes later. When the
server rewrites the file (a new booking), the page reloads it and the island says "busy until 13:00". The page never
shows the old file again: not from chromium's HTTP cache (a rewrite of the same size in the same second is "not
modified"), not from a slow answer arriving last, not after a hung request."""
from __future__ import annotations

import functools
import json
import shutil
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles.browser_job import run_job
from geotwin.tests.twin.tiles.test_viewer_browser import (
    CESIUM_BUILD,
    CHROMIUM,
    GROUND_H,
    enu_to_geodetic,
    write_fixture_tileset,
)
from geotwin.tests.twin.tiles.test_viewer_webmap import QuietHandler, serve
from geotwin.twin.islands.availability import availability_json
from geotwin.twin.islands.opening_hours import OPEN_END_COMMENT
from geotwin.twin.tiles.viewer import write_viewer

DRIVER = ROOT / "tests" / "browser" / "webmap.cjs"
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN)    # a Sunday (no holiday), 10:00 in Berlin
PAGE_TIME = NOW + timedelta(minutes=7)
STATE = "(document.querySelector('#info .availability') || {dataset: {}}).dataset.state"
ISLANDS = [  # id, east, north (m, around the fixture's origin), opening hours
    ("island-closed", -14.0, -20.0, "Mo-Fr 14:00-18:00; PH off"),
    ("island-open", 22.0, -20.0, "Tu-Fr 09:30-17:00; Sa,Su 10:00-18:00"),
    ("island-arrangement", 4.0, -45.0, "\"nach Vereinbarung\""),
]


class _Rewriting(QuietHandler):
    """Serves availability.json, and availability_later.json in its place once the page has asked for /rewrite."""
    rewritten = False

    def do_GET(self):
        if self.path == "/rewrite":
            type(self).rewritten = True
            self.send_response(204)
            self.end_headers()
            return
        if type(self).rewritten and self.path.split("?")[0] == "/city/availability.json":
            self.path = "/city/availability_later.json"
        super().do_GET()


class _Recording(_Rewriting):
    """_Rewriting that answers availability.json only after DELAY s (a slow server) and records every such request:
    how many answered ones were open at once, whether it asked "modified since?" (If-Modified-Since / If-None-Match), the
    answer's status; after /hang the next one is held unanswered until ``release`` is set (a hung request)."""
    DELAY = 1.5   # longer than the page's refresh interval (1 s)
    lock = threading.Lock()
    release = threading.Event()
    hang = False
    open_now = 0
    most_open = 0
    answers: list[dict] = []
    status = 0

    def send_response(self, code, message=None):
        self.status = code
        super().send_response(code, message)

    def do_GET(self):
        cls = _Recording
        if self.path == "/hang":
            cls.hang = True
            self.send_response(204)
            self.end_headers()
            return
        if self.path.split("?")[0] != "/city/availability.json":
            super().do_GET()
            return
        with cls.lock:
            rewritten, held, cls.hang = cls.rewritten, cls.hang, False
            cls.open_now += not held   # the held one: given up by the page, not counted
            cls.most_open = max(cls.most_open, cls.open_now)
        try:
            if held:
                cls.release.wait(120)
                return
            time.sleep(cls.DELAY)
            super().do_GET()
        finally:
            with cls.lock:
                cls.open_now -= not held
                cls.answers.append({"rewritten": rewritten, "held": held, "status": self.status, "conditional": bool(
                    self.headers.get("If-Modified-Since") or self.headers.get("If-None-Match"))})


def test_the_viewer_knows_the_open_end_comment():
    """The viewer translates the open end's comment of twin/islands/opening_hours.py: the same text."""
    assert f'row.note === "{OPEN_END_COMMENT}"' in (ROOT / "resources" / "viewer" / "viewer.js").read_text()


def _island_site(tmp_path):
    """site/city: the fixture tileset, the three islands and their availability.json (generated at NOW), with
    availability_later.json (the open island booked from 10:00 instead of 12:00: the same size, written in the same
    second) for _Rewriting; returns (site, where: island -> (lon, lat))."""
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    site = tmp_path / "site"
    city = site / "city"
    city.mkdir(parents=True)
    (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)
    write_fixture_tileset(city, "1.1")
    feed = tmp_path / "open.ics"   # the open island is booked 12:00-13:00 today
    feed.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\n"
                    "DTSTART;TZID=Europe/Berlin:20261122T120000\r\nDTEND;TZID=Europe/Berlin:20261122T130000\r\n"
                    "SUMMARY:AG\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    records, features, where = [], [], {}
    for iid, east, north, hours in ISLANDS:
        lon, lat, _ = enu_to_geodetic(east, north, 0.0)
        where[iid] = (lon, lat)
        records.append({"id": iid, "opening_hours": hours, "calendar": str(feed) if iid == "island-open" else None})
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"id": iid, "name": iid, "seats": 8, "opening_hours": hours}})
    doc = availability_json(records, city / "availability.json", now=NOW)
    # the intervals start at local midnight of the generation day (the file is the same all day)
    assert doc["islands"]["island-closed"]["hours"][0] == ["2026-11-22T00:00:00+01:00", "2026-11-23T14:00:00+01:00",
                                                           "closed"]
    (city / "islands.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    # the file as the server rewrites it later (python -m geotwin.twin.islands.availability): booked 10:00-13:00
    later = tmp_path / "later.ics"
    later.write_text(feed.read_text().replace("T120000", "T100000"))
    availability_json([{**r, "calendar": str(later)} if r["calendar"] else r for r in records],
                      city / "availability_later.json", now=NOW)
    return site, where


def _click(where, iid: str, name: str) -> list[dict]:
    """The driver's steps that look at an island, click it and read its info box and availability state."""
    lon, lat = where[iid]
    return [{"lookAt": [lon, lat, GROUND_H, 0, -45, 120]},
            {"clickAt": {"lon": lon, "lat": lat, "height": GROUND_H, "offsetY": -22}, "as": name},
            {"eval": STATE, "as": name + "_state"}]


def test_closed_island_is_not_free_in_headless_chromium(tmp_path):
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    site, where = _island_site(tmp_path)
    city = site / "city"
    write_viewer(city, cesium_url=site / "cesium", extra_layers={"Learning islands": "../islands.geojson"},
                 sensor_refresh_seconds=1)
    click = functools.partial(_click, where)

    _Rewriting.rewritten = False
    server, base = serve(functools.partial(_Rewriting, directory=str(site)))
    try:
        job = {"timeoutMs": 60000, "pages": [{
            "url": f"{base}/city/viewer/index.html", "locale": "de-DE", "clock": PAGE_TIME.isoformat(),
            "steps": [{"wait": "window.geotwin.extras && window.geotwin.extras.availability"},
                      {"eval": "new Date().toISOString()", "as": "clock"}, *click("island-closed", "closed_de"),
                      {"click": "#lang-switch"},
                      {"eval": "document.getElementById('info').innerText", "as": "closed_en"},
                      *click("island-open", "open_en"), *click("island-arrangement", "unknown_en"),
                      # the server rewrites availability.json; the page reloads it (twice: one begun later)
                      {"eval": "fetch('/rewrite').then(function () { window.refreshesBefore = "
                               "window.geotwin.availabilityRefreshes || 0; return 1; })", "as": "rewritten"},
                      {"wait": "(window.geotwin.availabilityRefreshes || 0) >= window.refreshesBefore + 2"},
                      *click("island-open", "busy_en")]}]}
        result = run_job(node, DRIVER, job, tmp_path, timeout=600)
    finally:
        server.shutdown()
        server.server_close()
    page = result["pages"][0]
    assert "error" not in page, page.get("error")
    assert page["pageErrors"] == [] and page["consoleErrors"] == [] and page["failedRequests"] == [], page
    v = page["values"]
    assert v["clock"] == PAGE_TIME.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    # Sunday 10:07: the school's island is closed until Monday 14:00 (German, then English), never "free"
    closed_de = v["closed_de"]
    assert closed_de["pickedId"] == "island-closed", closed_de
    assert v["closed_de_state"] == "closed"
    assert "geschlossen (öffnet Mo 14:00)" in closed_de["text"], closed_de["text"]
    assert "frei" not in closed_de["text"]
    assert "closed (opens Mon 14:00)" in v["closed_en"] and "free" not in v["closed_en"], v["closed_en"]
    # the museum's island: open Sundays 10-18, booked from 12:00
    assert v["open_en"]["pickedId"] == "island-open", v["open_en"]
    assert v["open_en_state"] == "free" and "free now until 12:00 (closes 18:00)" in v["open_en"]["text"]
    # by arrangement: unknown with the comment, not free
    assert v["unknown_en"]["pickedId"] == "island-arrangement", v["unknown_en"]
    assert v["unknown_en_state"] == "unknown"
    assert "opening hours unknown (nach Vereinbarung)" in v["unknown_en"]["text"]
    assert "free" not in v["unknown_en"]["text"]
    # after the server's rewrite (booked from 10:00), the reloaded file: busy until 13:00
    assert v["busy_en"]["pickedId"] == "island-open" and v["busy_en_state"] == "busy", v["busy_en"]
    assert "busy until 13:00" in v["busy_en"]["text"] and "free now" not in v["busy_en"]["text"], v["busy_en"]


def test_availability_is_never_stale_in_headless_chromium(tmp_path):
    """How an old availability.json reached the page. (1) The server answers more slowly (1.5 s) than the refresh
    interval (1 s; under load, or when Playwright's page clock runs an interval that fell behind several times at
    once): each run asked again, and an answer begun before a rewrite could arrive last; the page asks once at a
    time, (2) gives up a hung request after
    three intervals and (3) updates the open info box. (4) The first load asked "modified since?" (or took the
    browser's cache): the rewritten file has the same size and second, the server answered 304 and the page
    showed the old booking ("free") for good when it does not refresh (sensor_refresh_seconds=0). With chromium's
    HTTP cache on (no request interception)."""
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    site, where = _island_site(tmp_path)
    city = site / "city"
    layers = {"Learning islands": "../islands.geojson"}
    write_viewer(city, cesium_url=site / "cesium", extra_layers=layers, sensor_refresh_seconds=1)
    shutil.copytree(city / "viewer", city / "refreshing")
    write_viewer(city, cesium_url=site / "cesium", extra_layers=layers, sensor_refresh_seconds=0)
    assert (city / "availability.json").stat().st_size == (city / "availability_later.json").stat().st_size
    count = "(window.geotwin.availabilityRefreshes || 0)"
    two_more = [{"eval": f"window.before = {count}", "as": "before"}, {"wait": f"{count} >= window.before + 2"}]
    _Recording.rewritten, _Recording.hang, _Recording.most_open, _Recording.answers = False, False, 0, []
    _Recording.release.clear()
    server, base = serve(functools.partial(_Recording, directory=str(site)))
    try:
        job = {"timeoutMs": 60000, "pages": [{
            "url": f"{base}/city/refreshing/index.html", "locale": "en-GB", "clock": PAGE_TIME.isoformat(),
            "intercept": False,
            "steps": [{"wait": f"{count} >= 1"}, *two_more,
                      *_click(where, "island-open", "old"),
                      {"eval": "fetch('/hang').then(function () { return 1; })", "as": "hang"}, *two_more,
                      {"eval": "fetch('/rewrite').then(function () { return 1; })", "as": "rewritten"}, *two_more,
                      {"eval": STATE, "as": "open_box_state"},
                      {"eval": "document.getElementById('info').innerText", "as": "open_box"},
                      {"goto": f"{base}/city/viewer/index.html"},
                      {"wait": "window.geotwin.extras && window.geotwin.extras.availability"},
                      *_click(where, "island-open", "new")]}]}
        result = run_job(node, DRIVER, job, tmp_path, timeout=600)
    finally:
        _Recording.release.set()
        server.shutdown()
        server.server_close()
    assert result["foreignRequests"] == []
    page = result["pages"][0]
    assert "error" not in page, page.get("error")
    assert page["pageErrors"] == [] and page["consoleErrors"] == [] and page["failedRequests"] == [], page
    v = page["values"]
    answers = _Recording.answers
    assert _Recording.most_open == 1, answers                                               # (1)
    assert [a["held"] for a in answers].count(True) == 1, answers                          # (2)
    assert v["old"]["pickedId"] == "island-open" and v["old_state"] == "free", v["old"]
    assert v["open_box_state"] == "busy" and "busy until 13:00" in v["open_box"], v["open_box"]  # (3)
    answered = [a for a in answers if not a["held"]]
    assert all(a["status"] == 200 and not a["conditional"] for a in answered), answers      # (4)
    assert sum(a["rewritten"] for a in answered) >= 3, answers
    assert v["new"]["pickedId"] == "island-open" and v["new_state"] == "busy", v["new"]
    assert "busy until 13:00" in v["new"]["text"] and "free now" not in v["new"]["text"], v["new"]
