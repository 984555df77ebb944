"""The web map's live sensor chart (resources/viewer/live_chart.js) in headless chromium, driven by
tests/browser/webmap.cjs with every non-loopback request aborted: a sensor whose SensorThings
Datastream (the real sensor.community station-day in the replay server tests/sta_server.py, CORS as
FROST's http.cors.enable) holds its observations. The chart shows the server's observations of the 24
hours (or 7 days) up to the newest, the newest value with its unit and Europe/Berlin time, marked stale;
one more point after the server adds an observation and the next refresh; a nextLink to another host is
not followed; with the server stopped it keeps the values it loaded, and a page loaded then draws the exported
series.json (or, without one, nothing), saying so in English and German."""
from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from geotwin.tests.paths import ROOT
from geotwin.tests.sta_server import Fault
from geotwin.tests.sta_server import start as start_sta
from geotwin.tests.twin.tiles.browser_job import run_job
from geotwin.tests.twin.tiles.http_json import JsonAnswerHandler
from geotwin.tests.twin.tiles.test_viewer_browser import (
    CESIUM_BUILD,
    CHROMIUM,
    GROUND_H,
    STA_DOC,
    enu_to_geodetic,
    number_text,
    time_text,
    write_fixture_tileset,
)
from geotwin.twin.tiles.viewer import write_viewer

DRIVER = ROOT / "tests" / "browser" / "webmap.cjs"
PM10 = 0                      # the document's first Datastream (PM10, µg/m³): @iot.id 1 in the replay server
OLD_EXTRA = ("2017-11-12T12:00:00Z", 41.5)   # three days before the real day: in the 7 days, not in the 24 h
ADDED = ("2017-11-16T00:00:41Z", 17.25)      # two minutes after the day's last value


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def within(observations: list[dict], hours: int) -> list[dict]:
    """The observations of the ``hours`` up to the newest, oldest first (what the chart should draw)."""
    newest = max(_iso(o["phenomenonTime"]) for o in observations)
    kept = [o for o in observations if _iso(o["phenomenonTime"]) >= newest - timedelta(hours=hours)]
    return sorted(kept, key=lambda o: o["phenomenonTime"])


class SiteHandler(JsonAnswerHandler):
    """The site's files, and /control/... for the test: add an observation, answer the chart's first page
    with a nextLink to another host from now on, stop the SensorThings server."""

    def __init__(self, *args, control: dict, **kwargs):
        self.control = control
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802 (http.server's name)
        action = self.path.removeprefix("/control/")
        if action == self.path:
            return super().do_GET()
        answer = self.control[action]()
        self.send_json(json.dumps(answer).encode())
        return None


@pytest.fixture
def live_site(tmp_path, shared_data):
    """The fixture city with one sensor linked to the PM10 Datastream of a replay server (pages of 250),
    a second replay server on 127.0.0.2 (another host), and the site's server with its controls."""
    doc = json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))
    sta = start_sta([shared_data / STA_DOC], page_size=100, max_top=250)
    other = start_sta([shared_data / STA_DOC], host="127.0.0.2")
    stream_id = 1
    assert sta.store.entities["Datastreams"][stream_id]["name"] == doc["Datastreams"][PM10]["name"]
    observations = [dict(o) for o in doc["Datastreams"][PM10]["Observations"]]

    def add(time_value: tuple[str, float]) -> dict:
        obs = {"phenomenonTime": time_value[0], "result": time_value[1]}
        sta.store.insert("Observations", dict(obs), parent=("Datastreams", stream_id, "Observations"))
        observations.append(obs)
        return obs

    add(OLD_EXTRA)
    control = {
        "add": lambda: add(ADDED),
        "foreign": lambda: sta.faults.append(Fault("next_to", match="$top=1000&$select", times=-1,
                                                   location=other.root + "/")) or "ok",
        "stop": lambda: sta.stop() or "stopped",
    }
    site = tmp_path / "site"
    site.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SiteHandler, directory=str(site),
                                                                     control=control))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    sta.cors = base
    try:
        yield {"site": site, "base": base, "sta": sta, "other": other, "doc": doc, "observations": observations,
               "link": f"{sta.base_url()}/Datastreams({stream_id})"}
    finally:
        server.shutdown()
        server.server_close()
        other.stop()
        if not sta.release.is_set():
            sta.stop()


def write_city(site: Path, doc: dict, link: str, name: str = "city", with_series: bool = True) -> dict:
    """The fixture tileset with one sensor (its stored value: the day's first) and series.json of the
    day's first twelve real values; the viewer refreshing every 2 s."""
    if not (site / "cesium").exists():
        (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)
    city = site / name
    write_fixture_tileset(city, "1.1")
    lon, lat, _ = enu_to_geodetic(22.0, -20.0, 0.0)
    stream = doc["Datastreams"][PM10]
    day = sorted(stream["Observations"], key=lambda o: o["phenomenonTime"])
    unit = stream["unitOfMeasurement"]["symbol"]
    props = {"sensor_key": "pm10-3121", "sensor_name": stream["name"], "latest_value": day[0]["result"],
             "unit_symbol": unit, "latest_time": day[0]["phenomenonTime"], "self_link": link}
    (city / "sensors.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}]}),
        encoding="utf-8")
    series = {"unit": unit, "property": "PM10", "t": [o["phenomenonTime"] for o in day[:12]],
              "v": [o["result"] for o in day[:12]]}
    if with_series:
        (city / "series.json").write_text(json.dumps({"pm10-3121": series}), encoding="utf-8")
    write_viewer(city, cesium_url=site / "cesium", title="GeoTwin", extra_layers={"Sensors": "../sensors.geojson"},
                 sensor_refresh_seconds=2)
    return {"lon": lon, "lat": lat, "unit": unit, "series": series}


CHART = ("(() => { const r = document.querySelector('#info .live-chart'); if (!r) return null;"
         " return {state: r.dataset.state, source: r.dataset.source, hours: window.geotwin.liveChart.hours,"
         " points: Array.from(r.querySelectorAll('.chart circle')).map(c => [c.dataset.time, Number(c.dataset.value)]),"
         " latest: (r.querySelector('.live-chart-latest') || {}).textContent || null,"
         " stale: !!r.querySelector('.live-chart-latest .stale'),"
         " note: r.querySelector('.live-chart-note').textContent,"
         " pressed: Array.from(r.querySelectorAll('button[aria-pressed=true]')).map(b => b.dataset.hours),"
         " value: (document.querySelector('#info-highlights .value') || {}).textContent || null,"
         " measured: (document.querySelector('#info-highlights .measured') || {}).textContent || null}; })()")


def live(hours: int, latest: float) -> str:
    """A wait: the chart shows live values of the span with this newest value."""
    return (f"(() => {{ const r = document.querySelector('#info .live-chart'); return r && r.dataset.state === 'live'"
            f" && window.geotwin.liveChart.hours === {hours} && window.geotwin.liveChart.latest === {latest}; }})()")


def value_is(text: str) -> str:
    """A wait: the info box's big value line reads ``text`` (a sensor refresh filled it again)."""
    return f"(document.querySelector('#info-highlights .value') || {{}}).textContent === {json.dumps(text)}"


def test_live_chart_in_headless_chromium(tmp_path, live_site):
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    s = live_site
    city = write_city(s["site"], s["doc"], s["link"])
    write_city(s["site"], s["doc"], s["link"], "bare", with_series=False)
    day = within(s["observations"], 24)
    newest = day[-1]
    unit = city["unit"]
    sensor_click = {"clickAt": {"lon": city["lon"], "lat": city["lat"], "height": GROUND_H, "offsetY": -22},
                    "as": "pick"}
    look = {"lookAt": [city["lon"], city["lat"], GROUND_H, 0, -45, 120]}
    fallback = {"wait": "(document.querySelector('#info .live-chart') || {dataset: {}}).dataset.state === 'fallback'"}
    # a login cookie of the page's host: cookies ignore the port, so only the fetch's credentials mode keeps
    # it from the SensorThings server on another port of 127.0.0.1
    cookie = {"eval": "document.cookie = 'geotwin_session=s3cr3t; path=/'", "as": "cookie"}
    job = {"timeoutMs": 60000, "pages": [{"url": f"{s['base']}/city/viewer/index.html", "locale": "en-US", "steps": [
        cookie, look, sensor_click,
        {"wait": live(24, newest["result"])}, {"wait": value_is(f"{number_text(newest['result'])}\u00a0{unit}")},
        {"eval": CHART, "as": "day"},
        {"click": "#info .live-chart button[data-hours='168']"},
        {"wait": live(168, newest["result"])}, {"eval": CHART, "as": "week"},
        {"eval": "fetch('/control/add').then(r => r.json())", "as": "added"},
        {"wait": live(168, ADDED[1])}, {"wait": value_is(f"{number_text(ADDED[1])}\u00a0{unit}")},
        {"eval": CHART, "as": "week_added"},
        {"click": "#info .live-chart button[data-hours='24']"},
        {"wait": live(24, ADDED[1])}, {"eval": CHART, "as": "day_added"},
        {"eval": "fetch('/control/foreign').then(r => r.json())", "as": "foreign"},
        {"wait": "document.querySelector('#info .live-chart-note').textContent.includes('another host')"},
        {"eval": CHART, "as": "foreign_chart"},
        {"eval": "fetch('/control/stop').then(r => r.json())", "as": "stopped"},
        fallback, {"eval": CHART, "as": "kept"}, {"screenshot": str(tmp_path / "kept.png")},
        {"click": "#lang-switch"}, {"eval": CHART, "as": "kept_de"},
    ]}, {"url": f"{s['base']}/city/viewer/index.html", "locale": "en-US", "steps": [
        look, sensor_click, fallback, {"eval": CHART, "as": "series"}, {"click": "#lang-switch"},
        {"eval": CHART, "as": "series_de"}]},
        {"url": f"{s['base']}/bare/viewer/index.html", "locale": "de-DE", "steps": [
            look, sensor_click, fallback, {"eval": CHART, "as": "none"}]},
    ]}
    result = run_job(node, DRIVER, job, tmp_path, timeout=600)
    assert result["foreignRequests"] == []
    for page in result["pages"]:
        v = page["values"]
        assert "error" not in page, (page.get("error"), {k: v[k] for k in v if k != "pick"})
        assert page["pageErrors"] == [], page["pageErrors"]
        # the only console errors: the requests to the stopped server
        assert all(re.search("ERR_CONNECTION_(REFUSED|RESET)", e) for e in page["consoleErrors"]), page["consoleErrors"]
        assert v["pick"]["pickedId"] == "pm10-3121", v["pick"]
    page = result["pages"][0]
    check_live(page["values"], s, city, day, newest)
    check_paging(s, page)
    chart_headers = [h for path, h in s["sta"].headers_seen if "$select=phenomenonTime,result" in unquote(path)]
    assert chart_headers and not any("s3cr3t" in str(h) or "Authorization" in h for h in chart_headers)
    check_fallback(result["pages"], city)


def check_live(v: dict, s: dict, city: dict, day: list[dict], newest: dict) -> None:
    """The drawn points are the server's: the 24 h and 7 days up to the newest, one more after an addition."""
    d = v["day"]
    assert d["state"] == "live" and d["source"] == "sta" and d["pressed"] == ["24"]
    assert d["points"] == [[o["phenomenonTime"], o["result"]] for o in day]
    assert len(d["points"]) == 583  # the whole real day; the value three days before is left out
    unit = city["unit"]
    assert d["latest"].startswith(f"Latest: {number_text(newest['result'])}\u00a0{unit}, {time_text(newest['phenomenonTime'])}")
    assert d["stale"] and "stale: " in d["latest"] and "years ago" in d["latest"], d["latest"]
    assert d["note"].startswith("583 values from SensorThings, loaded at "), d["note"]
    # the big value line and its time: the newest observation (the refresh replaced the stored first value)
    assert d["value"] == f"{number_text(newest['result'])}\u00a0{unit}" != f"{number_text(day[0]['result'])}\u00a0{unit}"
    assert d["measured"].startswith(f"Measured: {time_text(newest['phenomenonTime'])}") and "stale: " in d["measured"]
    w = v["week"]
    assert w["pressed"] == ["168"] and len(w["points"]) == 584
    assert w["points"][0] == [OLD_EXTRA[0], OLD_EXTRA[1]] and w["points"][1:] == d["points"]
    assert v["added"] == {"phenomenonTime": ADDED[0], "result": ADDED[1]}
    wa = v["week_added"]
    assert len(wa["points"]) == len(w["points"]) + 1 and wa["points"][-1] == list(ADDED)
    assert wa["latest"].startswith(f"Latest: {number_text(ADDED[1])}\u00a0{unit}, {time_text(ADDED[0])}")
    # the live refresh changed the big value line too, not only the chart
    assert wa["value"] == f"{number_text(ADDED[1])}\u00a0{unit}" != d["value"]
    assert wa["measured"].startswith(f"Measured: {time_text(ADDED[0])}"), wa["measured"]
    da = v["day_added"]
    expected = within(s["observations"], 24)
    assert da["points"] == [[o["phenomenonTime"], o["result"]] for o in expected]
    assert len(da["points"]) == len(d["points"]) + 1


def check_paging(s: dict, page: dict) -> None:
    """Pages of 250 followed through @iot.nextLink; the nextLink to 127.0.0.2 not followed (no request
    reached that host, and the browser asked for no foreign URL)."""
    chart_requests = [unquote(r) for r in s["sta"].requests if "$select=phenomenonTime,result" in unquote(r)]
    assert any("$skip=250" in r for r in chart_requests) and any("$skip=500" in r for r in chart_requests)
    assert s["other"].requests == []
    assert not any(u.startswith("http://127.0.0.2") for u in page["requests"])
    f = page["values"]["foreign_chart"]
    assert "the next page is on another host (127.0.0.2:" in f["note"] and "not followed" in f["note"]
    assert len(f["points"]) == 250  # the first page only


def check_fallback(pages: list[dict], city: dict) -> None:
    """With the server stopped: the values loaded before, else series.json's, else nothing; said so (English
    and German)."""
    v = pages[0]["values"]
    k = v["kept"]
    assert k["state"] == "fallback" and k["source"] == "sta-kept"
    assert k["points"] == v["foreign_chart"]["points"] and k["latest"] == v["foreign_chart"]["latest"]
    assert re.match(r"SensorThings server not reachable \(.+\): showing the values loaded at \d\d:\d\d", k["note"]), k
    assert re.match(r"SensorThings-Server nicht erreichbar \(.+\): die um \d\d:\d\d geladenen Werte werden gezeigt",
                    v["kept_de"]["note"]), v["kept_de"]
    f = pages[1]["values"]["series"]
    series = city["series"]
    assert f["state"] == "fallback" and f["source"] == "series" and f["latest"] is None
    assert f["points"] == [[t, x] for t, x in zip(series["t"], series["v"])]
    assert f["note"].startswith("SensorThings server not reachable (") and "showing the exported series" in f["note"]
    g = pages[1]["values"]["series_de"]
    assert g["note"].startswith("SensorThings-Server nicht erreichbar (") and "exportierte Zeitreihe" in g["note"]
    assert g["points"] == f["points"]
    n = pages[2]["values"]["none"]
    assert n["source"] == "none" and n["points"] == [] and "keine exportierte Zeitreihe" in n["note"], n
