"""SensorThings client against the local replay server: paging, filters, stalls, 5xx, bad JSON, auth."""
from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest

from geotwin.tests.sta_server import Fault, start
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.http import StaClient, StaError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sensors.sta_source import fetch_series

STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
FROST = ("sensorthings/frost/entitiesDefault.json", "sensorthings/frost/finegrainedsecurity_dataBatchPost.json")


@pytest.fixture
def docs(shared_data):
    return [shared_data / STA_DOC, *(shared_data / f for f in FROST)]


@pytest.fixture
def server(docs):
    srv = start(docs, page_size=100, max_top=100)
    yield srv
    srv.stop()


def _raw(shared_data):
    return json.loads((shared_data / STA_DOC).read_text(encoding="utf-8"))


def test_server_speaks_sensorthings(server):
    def get(path):
        with urllib.request.urlopen(server.base_url() + path, timeout=10) as r:
            return json.load(r)

    root = get("")
    assert {v["name"] for v in root["value"]} >= {"Things", "Datastreams", "Observations", "FeaturesOfInterest"}
    things = get("/Things?$count=true&$top=2")
    assert things["@iot.count"] == 6 and len(things["value"]) == 2
    assert things["@iot.nextLink"].endswith("$top=2&$skip=2")
    first = things["value"][0]
    assert first["@iot.selfLink"].endswith("/v1.1/Things(1)")
    assert first["Datastreams@iot.navigationLink"].endswith("/Things(1)/Datastreams")
    obs = get("/Datastreams(1)/Observations?$orderby=phenomenonTime%20desc&$top=1&$select=id,result")
    assert set(obs["value"][0]) == {"@iot.id", "result"}
    assert obs["value"][0]["result"] == 14.13                 # the last PM10 value of the day
    bad = urllib.request.Request(server.base_url() + "/Observations?$filter=result%20foo%201")
    with pytest.raises(urllib.error.HTTPError, match="^HTTP Error 400: ") as err:
        urllib.request.urlopen(bad, timeout=10)
    assert err.value.code == 400


def test_fetch_all_datastreams_with_paging(server, shared_data):
    client = StaClient(server.base_url(), timeout=10, retries=0)
    series, issues = fetch_series(client, "EPSG:32630")
    # 4 sensor.community + 2 FROST default + 8 FROST batch datastreams
    assert len(series) == 14
    raw = _raw(shared_data)
    by_name = {s.datastream_name: s for s in series}
    for ds in raw["Datastreams"]:
        s = by_name[ds["name"]]
        assert len(s.values) == len(ds["Observations"]) == 583
        assert s.values == [o["result"] for o in ds["Observations"]]
        assert s.self_link.startswith(server.base_url() + "/Datastreams(")
        assert s.unit_symbol == ds["unitOfMeasurement"]["symbol"]
    # 583 observations at 100 per page: 6 pages per sensor.community datastream
    obs_requests = [r for r in server.requests if "/Observations" in r]
    assert sum("Datastreams(1)/Observations" in r for r in obs_requests) == 6
    # the FROST 'Centigrade' datastream has the symbol "C": reported as an unknown unit
    assert any("unknown unit 'C'" in i.issue for i in issues)


def test_fetch_v10_and_time_window(server, shared_data):
    start_t = datetime(2017, 11, 15, 12, 0, tzinfo=UTC)
    end_t = datetime(2017, 11, 15, 13, 0, tzinfo=UTC)
    client = StaClient(server.base_url("v1.0"), timeout=10, retries=0)
    series, _ = fetch_series(client, "EPSG:32630", start=start_t, end=end_t)
    raw = _raw(shared_data)
    for ds in raw["Datastreams"]:
        expected = [o["result"] for o in ds["Observations"]
                    if "2017-11-15T12:00:00Z" <= o["phenomenonTime"] <= "2017-11-15T13:00:00Z"]
        got = next(s for s in series if s.datastream_name == ds["name"])
        assert got.values == expected and len(expected) == 24
    assert any("phenomenonTime%20ge%202017-11-15T12:00:00Z%20and%20phenomenonTime%20le%202017-11-15T13:00:00Z" in r
               for r in server.requests)
    frost = [s for s in series if s.sensor_name.startswith("Thing")]
    assert frost and all(not s.values for s in frost)     # 2023 observations are outside the window


def test_paging_loop_is_detected(server):
    server.faults.append(Fault("loop", match="/Observations", times=-1))
    client = StaClient(server.base_url(), timeout=10, retries=0)
    with pytest.raises(StaError, match="paging loop"):
        client.collect("Datastreams(1)/Observations")


def test_paging_stops_at_the_bound(server):
    rep = CollectingReporter()
    client = StaClient(server.base_url(), timeout=10, retries=0, max_pages=2, reporter=rep)
    items = client.collect("Datastreams(1)/Observations")
    assert len(items) == 200
    assert any("stopped after 2 pages" in w and "$skip=200" in w for w in rep.warnings)


def test_stalled_server_times_out_with_a_clear_error(server):
    server.faults.append(Fault("stall", match="/Things", times=-1, delay=20))
    client = StaClient(server.base_url(), timeout=0.5, retries=1, backoff=0.01)
    with pytest.raises(StaError, match=r"no answer within 0.5 s from http://127.0.0.1:\d+/FROST-Server/v1.1/Things"
                                       r".*gave up after 2 attempts"):
        client.get("Things")


def test_stall_once_then_answer(server):
    server.faults.append(Fault("stall", match="/Things", times=1, delay=20))
    rep = CollectingReporter()
    client = StaClient(server.base_url(), timeout=0.5, retries=2, backoff=0.01, reporter=rep)
    assert len(client.get("Things")["value"]) == 6
    assert len(rep.warnings) == 1 and "no answer within" in rep.warnings[0]


def test_5xx_retried_then_success(server):
    server.faults.append(Fault("status", match="/Datastreams", times=2, status=503))
    rep = CollectingReporter()
    client = StaClient(server.base_url(), timeout=10, retries=3, backoff=0.01, reporter=rep)
    assert len(client.collect("Datastreams")) == 14
    assert [w.split(";")[0] for w in rep.warnings] == [
        f"HTTP 503 from {server.base_url()}/Datastreams: injected failure"] * 2


def test_5xx_persisting_gives_a_clear_error(server):
    server.faults.append(Fault("status", match="/Datastreams", times=-1, status=502))
    client = StaClient(server.base_url(), timeout=10, retries=2, backoff=0.01)
    with pytest.raises(StaError, match=r"HTTP 502 from .*/Datastreams: injected failure \(gave up after 3 attempts\)"):
        client.get("Datastreams")


def test_4xx_is_not_retried(server):
    client = StaClient(server.base_url(), timeout=10, retries=3, backoff=0.01)
    with pytest.raises(StaError, match="HTTP 400 .*unsupported operator 'foo'"):
        client.get("Observations", {"$filter": "result foo 1"})
    assert sum("/Observations" in r for r in server.requests) == 1


def test_malformed_json_names_the_url(server):
    server.faults.append(Fault("malformed", match="/Locations", times=1))
    client = StaClient(server.base_url(), timeout=10, retries=3)
    with pytest.raises(InputError, match=r"malformed JSON from http://127.0.0.1:\d+/FROST-Server/v1.1/Locations"):
        client.get("Locations")


def test_basic_credentials_are_sent_and_never_shown(server):
    server.credentials = ("stadt", "geheim-123")
    with pytest.raises(StaError, match="access denied") as err:
        StaClient(server.base_url(), timeout=10, retries=0).get("Things")
    import base64

    header = {"Authorization": "Basic " + base64.b64encode(b"stadt:geheim-123").decode()}
    rep = CollectingReporter()
    client = StaClient(server.base_url(), timeout=10, retries=0, headers=header, reporter=rep)
    series, _ = fetch_series(client, "EPSG:32630", reporter=rep)
    assert len(series) == 14
    text = " ".join([str(err.value), *rep.infos, *rep.warnings])
    assert "geheim" not in text and header["Authorization"] not in text
    with pytest.raises(StaError, match="credentials in the URL are refused"):
        StaClient(server.base_url().replace("http://", "http://stadt:geheim-123@"))
