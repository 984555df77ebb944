"""Hypothesis fuzzing of the sensor readers with documents mutated from the real test data:
SensorThings JSON (local documents and server answers over HTTP, parsed by the client and
fetch_series) and the sensor.community CSV exports. Nothing but GeoTwin's own errors may escape."""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geotwin.tests.paths import SHARED_DATA
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.http import StaClient
from geotwin.twin.sensors.export_source import read_exports
from geotwin.twin.sensors.sta_source import fetch_series, read_sta_document

SHARED = SHARED_DATA
STA_DOCS = ("sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json",
            "sensorthings/frost/entitiesDefault.json")
CSV_FILES = ("sensors/sensor-community-aberdeen/2017-11-10_sds011_sensor_5331.csv",
             "sensors/sensor-community-aberdeen/2017-11-10_dht22_sensor_5332.csv")
CRS = "EPSG:32630"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _small(doc):
    """The real document with at most 6 observations per datastream (the structure, not the bulk)."""
    doc = copy.deepcopy(doc)
    for ds in doc.get("Datastreams", []) if isinstance(doc, dict) else []:
        ds["Observations"] = ds.get("Observations", [])[:6]
    return doc


BASES = [_small(json.loads((SHARED / p).read_text(encoding="utf-8"))) for p in STA_DOCS]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10 ** 30, max_value=10 ** 30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
    | st.sampled_from(["", "2017-11-15T00:00:00Z", "2017-11-15T00:00:00Z/2017-11-16T00:00:00Z", "99999999999999999",
                       "-1", "0000-00-00", "10000-01-01T00:00:00", "NaN", "1e400", "http://127.0.0.2/x", "../x",
                       "Datastreams(1)", "'); DROP", "\x00", "µg/m³"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "coordinates", "geometry", "@iot.id", "name", "location", "result",
                         "phenomenonTime", "value", "Datastreams", "Observations", "Locations", "x"]),
        children, max_size=4),
    max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated(draw, base):
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 6))):
        paths = list(_paths(doc))
        path = paths[draw(st.integers(0, len(paths) - 1))]
        op = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if not path:
            if op == "replace":
                doc = draw(json_values)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        if op == "replace":
            parent[key] = draw(json_values)
        elif op == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        else:
            parent[key] = [copy.deepcopy(parent[key])] * 2
    return doc


def _text(doc, data) -> bytes:
    raw = json.dumps(doc, allow_nan=True).encode("utf-8")
    if data.draw(st.booleans()):        # byte-level damage: cut, flip or insert
        pos = data.draw(st.integers(0, len(raw)))
        raw = raw[:pos] + data.draw(st.binary(max_size=8)) + raw[pos + data.draw(st.integers(0, 8)):]
    return raw


def _only_geotwin_errors(call) -> None:
    try:
        call()
    except GeoTwinError:
        pass


@FUZZ
@given(data=st.data(), which=st.integers(0, len(BASES) - 1))
def test_sta_documents_raise_only_geotwin_errors(tmp_path, data, which):
    raw = _text(data.draw(mutated(BASES[which])), data)
    path = tmp_path / "thing.json"
    path.write_bytes(raw)
    _only_geotwin_errors(lambda: read_sta_document(path, CRS))
    _only_geotwin_errors(lambda: read_exports([path], CRS))


class _Pages(ThreadingHTTPServer):
    """Answers /Things with ``things`` and any other path with ``observations`` (raw bytes)."""

    daemon_threads = True
    things = b"{}"
    observations = b"{}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        body = self.server.things if "/Things" in self.path else self.server.observations
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def pages():
    srv = _Pages(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _server_pages(base: dict, root: str) -> tuple[dict, dict]:
    """A Things page (Locations and Datastreams expanded) and an Observations page, as a server sends them."""
    thing = {k: v for k, v in base.items() if k != "Datastreams"}
    thing["@iot.id"] = 1
    thing["Datastreams"] = [{k: v for k, v in ds.items() if k != "Observations"} | {
        "@iot.id": i, "Observations@iot.navigationLink": f"{root}/Datastreams({i})/Observations"}
        for i, ds in enumerate(base["Datastreams"], 1)]
    obs = [{"@iot.id": i, **o} for i, o in enumerate(base["Datastreams"][0]["Observations"], 1)]
    return ({"@iot.count": 1, "value": [thing]},
            {"value": obs, "@iot.nextLink": f"{root}/Datastreams(1)/Observations?$skip=6"})


@FUZZ
@given(data=st.data(), which=st.integers(0, len(BASES) - 1))
def test_server_answers_raise_only_geotwin_errors(pages, data, which):
    root = f"http://127.0.0.1:{pages.server_address[1]}/v1.1"
    things, observations = _server_pages(BASES[which], root)
    if data.draw(st.booleans()):
        things = data.draw(mutated(things))
    else:
        observations = data.draw(mutated(observations))
    pages.things, pages.observations = _text(things, data), _text(observations, data)
    client = StaClient(root, timeout=5, retries=0, max_pages=3)
    _only_geotwin_errors(lambda: fetch_series(client, CRS))


def test_unmutated_server_pages_are_read(pages):
    """The fuzz harness itself works: the unmutated pages give every datastream and observation."""
    root = f"http://127.0.0.1:{pages.server_address[1]}/v1.1"
    things, observations = _server_pages(BASES[0], root)
    observations.pop("@iot.nextLink")
    pages.things, pages.observations = json.dumps(things).encode(), json.dumps(observations).encode()
    series, _ = fetch_series(StaClient(root, timeout=5, retries=0), CRS)
    assert len(series) == 4 and all(len(s.values) == 6 for s in series)


CSV_LINES = [(SHARED / p).read_text(encoding="utf-8").splitlines()[:25] for p in CSV_FILES]
noise = st.text(alphabet=st.sampled_from(list(";,\t\"'\n\r\x00 -.eE0123456789:TZaäµ€\u2212\ufeff")), max_size=12)


@st.composite
def mutated_csv(draw, lines):
    lines = list(lines)
    for _ in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        op = draw(st.sampled_from(["cut", "insert", "drop", "duplicate", "field"]))
        if op == "cut":
            a = draw(st.integers(0, len(line)))
            lines[i] = line[:a] + line[a + draw(st.integers(0, 20)):]
        elif op == "insert":
            a = draw(st.integers(0, len(line)))
            lines[i] = line[:a] + draw(noise) + line[a:]
        elif op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        else:
            fields = line.split(";")
            fields[draw(st.integers(0, len(fields) - 1))] = draw(noise | st.sampled_from(
                ["", "nan", "inf", "1e999", "-999", "57.138", "-2.077", "2017-13-45T99:00:00", "1" * 400]))
            lines[i] = ";".join(fields)
    text = "\n".join(lines)
    raw = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])), "replace")
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(raw)))
        raw = raw[:pos] + draw(st.binary(max_size=6)) + raw[pos:]
    return raw


@FUZZ
@given(data=st.data(), which=st.integers(0, len(CSV_LINES) - 1))
def test_sensor_csv_raises_only_geotwin_errors(tmp_path, data, which):
    path = tmp_path / "export.csv"
    path.write_bytes(data.draw(mutated_csv(CSV_LINES[which])))
    _only_geotwin_errors(lambda: read_exports([path], CRS))


@pytest.fixture(scope="module")
def raw():
    from geotwin.tests.sta_hostile import RawServer

    holder = {"answer": b""}
    srv = RawServer(lambda conn: conn.sendall(holder["answer"]))
    srv.holder = holder
    yield srv
    srv.stop()


@FUZZ
@given(data=st.data())
def test_damaged_http_answers_raise_only_geotwin_errors(raw, data):
    """A valid answer (chunked or with a length) of real observations, damaged at the byte level."""
    obs = BASES[0]["Datastreams"][0]["Observations"]
    body = json.dumps({"value": obs, "@iot.nextLink": raw.url + "/Things?$skip=6"}).encode()
    if data.draw(st.booleans()):
        framed = b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(
            f"{len(body[i:i + 100]):x}\r\n".encode() + body[i:i + 100] + b"\r\n" for i in range(0, len(body), 100)
        ) + b"0\r\n\r\n"
    else:
        framed = f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + framed
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(answer)))
        answer = answer[:pos] + data.draw(st.binary(max_size=6)) + answer[pos + data.draw(st.integers(0, 6)):]
    raw.holder["answer"] = answer
    _only_geotwin_errors(lambda: StaClient(raw.url, timeout=2, retries=0, max_pages=2).collect("Things"))
