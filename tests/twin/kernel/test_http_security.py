"""The SensorThings client against hostile or faulty servers: credentials stay on the configured
origin (redirects, @iot.nextLink, HTTPS downgrade), every wait is bounded and cancellable, every
answer is bounded in size, and every network failure is a clear GeoTwin error naming the URL.

Two loopback hosts (127.0.0.1 and 127.0.0.2) stand for the service and a foreign host; the foreign
one logs every request's headers. The time bounds below are behavioural (an import must not hang),
with generous margins, not speed benchmarks.
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from geotwin.tests.sta_hostile import RawServer, drip, http, make_ca, reset, send, server_context
from geotwin.tests.sta_server import Fault, start
from geotwin.twin.kernel.errors import Cancelled, GeoTwinError, InputError
from geotwin.twin.kernel.http import StaClient, StaError
from geotwin.twin.kernel.progress import CollectingReporter, Reporter
from geotwin.twin.sensors.sta_source import fetch_series

STA_DOC = "sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json"
SECRET = "geheim-Pa55-x9"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"stadt:{SECRET}".encode()).decode()}


@pytest.fixture
def service(shared_data):
    """The configured service on 127.0.0.1, requiring HTTP Basic credentials."""
    srv = start([shared_data / STA_DOC], page_size=100, max_top=100)
    srv.credentials = ("stadt", SECRET)
    yield srv
    srv.stop()


@pytest.fixture
def foreign(shared_data):
    """Another host (127.0.0.2) serving the same data without authentication."""
    srv = start([shared_data / STA_DOC], page_size=100, max_top=100, host="127.0.0.2")
    yield srv
    srv.stop()


def client(srv, **kw) -> StaClient:
    kw.setdefault("timeout", 10)
    kw.setdefault("retries", 0)
    return StaClient(srv.base_url(), headers=kw.pop("headers", AUTH), **kw)


def no_secret(err) -> None:
    assert SECRET not in str(err) and AUTH["Authorization"] not in str(err)


# ---- credentials stay on the origin ---------------------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_host_is_refused_and_never_contacted(service, foreign, status):
    service.faults.append(Fault("redirect", match="/Things", status=status, location=foreign.base_url() + "/Things"))
    with pytest.raises(StaError, match=f"HTTP {status} redirect") as err:
        client(service).get("Things")
    message = str(err.value)
    assert f"HTTP {status} redirect" in message
    assert f"http://127.0.0.1:{service.server_address[1]}" in message
    assert f"http://127.0.0.2:{foreign.server_address[1]}" in message
    assert foreign.headers_seen == []            # the foreign host got no request at all, so no credentials
    assert len(service.headers_seen) == 1 and service.headers_seen[0][1]["Authorization"] == AUTH["Authorization"]
    no_secret(err.value)


def test_redirect_to_another_host_is_refused_without_credentials_too(service, foreign):
    service.credentials = None
    service.faults.append(Fault("redirect", match="/Things", status=302, location=foreign.base_url() + "/Things"))
    with pytest.raises(StaError, match="127.0.0.2"):
        client(service, headers={}).get("Things")
    assert foreign.headers_seen == []


def test_next_link_to_another_host_is_refused_and_never_contacted(service, foreign):
    service.faults.append(Fault("next_to", match="/Observations", times=-1, location=foreign.root + "/"))
    with pytest.raises(StaError, match="@iot.nextLink") as err:
        client(service).collect("Datastreams(1)/Observations")
    message = str(err.value)
    assert "@iot.nextLink" in message and "127.0.0.2" in message and "127.0.0.1" in message
    assert foreign.headers_seen == []
    assert sum("/Observations" in p for p, _ in service.headers_seen) == 1
    no_secret(err.value)


def test_next_link_to_another_host_through_fetch_series(service, foreign):
    """The whole import: the first Observations page is read, the foreign nextLink refused."""
    service.faults.append(Fault("next_to", match="/Observations", times=-1, location=foreign.root + "/"))
    with pytest.raises(StaError, match=r"refused the @iot\.nextLink .* to another host: http://127\.0\.0\.2"):
        fetch_series(client(service), "EPSG:32630")
    assert foreign.headers_seen == []


def test_navigation_link_to_another_host_is_refused(service, foreign):
    """A Datastreams@iot.nextLink of an expanded Thing pointing elsewhere (rest_of)."""
    thing = {"@iot.id": 1, "Datastreams": [], "Datastreams@iot.nextLink": foreign.base_url() + "/Datastreams"}
    with pytest.raises(StaError, match="Datastreams@iot.nextLink .*127.0.0.2"):
        client(service).rest_of(thing, "Datastreams")
    assert foreign.headers_seen == []


def test_same_origin_redirect_keeps_working_with_credentials(service):
    service.faults.append(Fault("redirect", match="/v1.0/Things", status=301,
                                location="/FROST-Server/v1.1/Things?$count=true"))
    doc = StaClient(service.base_url("v1.0"), timeout=10, retries=0, headers=AUTH).get("Things")
    assert doc["@iot.count"] == 1 and len(doc["value"]) == 1
    paths = [p for p, _ in service.headers_seen]
    assert paths == ["/FROST-Server/v1.0/Things", "/FROST-Server/v1.1/Things?$count=true"]
    assert all(h["Authorization"] == AUTH["Authorization"] for _, h in service.headers_seen)


def test_redirect_loop_is_bounded(service):
    service.faults.append(Fault("redirect", match="/Things", times=-1, status=307,
                                location="/FROST-Server/v1.1/Things"))
    with pytest.raises(StaError, match=r"more than 5 redirects from http://127.0.0.1:\d+/FROST-Server/v1.1/Things"):
        client(service).get("Things")
    assert len(service.headers_seen) == 6


def test_redirect_with_credentials_in_the_location_is_refused(service):
    port = service.server_address[1]
    service.faults.append(Fault("redirect", match="/Things", status=302,
                                location=f"http://evil:pw@127.0.0.1:{port}/x"))
    with pytest.raises(StaError, match="carries credentials in the URL") as err:
        client(service).get("Things")
    assert "evil" not in str(err.value) and ":pw@" not in str(err.value)


def test_redirect_without_location_is_an_error(service):
    service.faults.append(Fault("redirect", match="/Things", status=302, location=""))
    with pytest.raises(StaError, match="HTTP 302 from .*/Things without a Location"):
        client(service).get("Things")


def test_credentials_in_the_configured_url_are_refused(service):
    with pytest.raises(StaError, match="credentials in the URL are refused") as err:
        StaClient(service.base_url().replace("http://", f"http://stadt:{SECRET}@"))
    no_secret(err.value)


def test_malformed_authentication_header_is_refused(service):
    with pytest.raises(StaError, match="authentication header 'X-Key' is malformed"):
        StaClient(service.base_url(), headers={"X-Key": "a\r\nHost: evil"})


def test_credential_query_parameters_go_only_to_the_origin(service, foreign):
    service.credentials = None
    StaClient(service.base_url(), timeout=10, retries=0, params={"api_key": SECRET}).get("Things")
    assert service.requests == [f"/FROST-Server/v1.1/Things?api_key={SECRET}"]
    service.faults.append(Fault("next_to", match="/Observations", times=-1, location=foreign.root + "/"))
    with pytest.raises(StaError, match="127.0.0.2"):
        StaClient(service.base_url(), timeout=10, retries=0, params={"api_key": SECRET}).collect(
            "Datastreams(1)/Observations")
    assert foreign.requests == []


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def tls_service(shared_data, tls_files):
    ca, crt, key = tls_files
    srv = start([shared_data / STA_DOC], page_size=100, max_top=100, tls=server_context(crt, key))
    srv.credentials = ("stadt", SECRET)
    yield srv
    srv.stop()


def test_https_service_works_with_its_ca(tls_service, tls_files):
    c = StaClient(tls_service.base_url(), timeout=10, retries=0, headers=AUTH, cafile=str(tls_files[0]))
    assert tls_service.base_url().startswith("https://127.0.0.1:")
    assert len(c.collect("Datastreams(1)/Observations")) == 583


def test_https_to_http_redirect_on_the_same_host_is_refused(tls_service, tls_files, shared_data):
    plain = start([shared_data / STA_DOC], page_size=100, max_top=100)   # http on the same host
    try:
        tls_service.faults.append(Fault("redirect", match="/Things", status=302,
                                        location=plain.base_url() + "/Things"))
        c = StaClient(tls_service.base_url(), timeout=10, retries=0, headers=AUTH, cafile=str(tls_files[0]))
        with pytest.raises(StaError, match=r"from HTTPS to HTTP \(http://127\.0\.0\.1:\d+\)"):
            c.get("Things")
        tls_service.faults[:] = [Fault("next_to", match="/Observations", times=-1, location=plain.root + "/")]
        with pytest.raises(StaError, match="@iot.nextLink .*from HTTPS to HTTP"):
            c.collect("Datastreams(1)/Observations")
        assert plain.headers_seen == []
    finally:
        plain.stop()


def test_untrusted_certificate_is_a_clear_error(tls_service):
    with pytest.raises(StaError, match=r"TLS certificate of https://127.0.0.1:\d+/FROST-Server/v1.1/Things "
                                       r"not accepted: .*(self.signed|unable to get local issuer)"):
        StaClient(tls_service.base_url(), timeout=10, retries=2, headers=AUTH).get("Things")


def test_https_to_a_plain_http_server_is_a_clear_tls_error(service):
    url = service.base_url().replace("http://", "https://")
    with pytest.raises(StaError, match=r"TLS error with https://127.0.0.1:\d+/FROST-Server/v1.1/Things"):
        StaClient(url, timeout=5, retries=0).get("Things")


# ---- bounded waits, cancel ------------------------------------------------------------------------

def test_dripping_server_fails_within_the_timeout(service):
    """One byte every 0.2 s: the socket never times out, the whole-request deadline does."""
    service.faults.append(Fault("drip", match="/Things", times=-1, delay=0.2))
    began = time.monotonic()
    with pytest.raises(StaError, match=r"http://127.0.0.1:\d+/FROST-Server/v1.1/Things sent \d+ bytes in "
                                       r"2\.\d s, slower than the TIMEOUT of 2 s \(gave up after 1 attempts\)"):
        client(service, timeout=2).get("Things")
    assert time.monotonic() - began < 2 + 3


def test_dripping_server_with_retries_stays_bounded(service):
    service.faults.append(Fault("drip", match="/Things", times=-1, delay=0.2))
    rep = CollectingReporter()
    began = time.monotonic()
    with pytest.raises(StaError, match="slower than the TIMEOUT of 1.5 s .*gave up after 2 attempts"):
        client(service, timeout=1.5, retries=1, backoff=0.1, reporter=rep).get("Things")
    assert time.monotonic() - began < 2 * 1.5 + 0.1 + 3
    assert len(rep.warnings) == 1 and "retry 1/1" in rep.warnings[0]


def test_headers_that_drip_are_bounded_too():
    raw = RawServer(drip(b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 1000 + b"\r\n\r\n{}", 0.05))
    try:
        began = time.monotonic()
        with pytest.raises(StaError, match=r"sent \d+ bytes in 1\.\d s, slower than the TIMEOUT of 1 s"):
            StaClient(raw.url, timeout=1, retries=0).get("Things")
        assert time.monotonic() - began < 1 + 3
    finally:
        raw.stop()


class EventReporter(Reporter):
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.at: float | None = None

    def is_cancelled(self) -> bool:
        return self.stop.is_set()

    def cancel_in(self, seconds: float) -> None:
        def fire() -> None:
            time.sleep(seconds)
            self.at = time.monotonic()
            self.stop.set()
        threading.Thread(target=fire, daemon=True).start()


@pytest.mark.parametrize("fault", [Fault("drip", match="/Things", times=-1, delay=0.2),
                                   Fault("stall", match="/Things", times=-1, delay=60)])
def test_cancel_during_a_read_takes_effect_quickly(service, fault):
    service.faults.append(fault)
    rep = EventReporter()
    rep.cancel_in(1.0)
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        client(service, timeout=60, reporter=rep).get("Things")
    assert time.monotonic() - rep.at < 1.5


def test_cancel_during_the_retry_backoff(service):
    service.faults.append(Fault("status", match="/Things", times=-1, status=503))
    rep = EventReporter()
    rep.cancel_in(0.5)
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        client(service, retries=3, backoff=60, reporter=rep).get("Things")
    assert time.monotonic() - rep.at < 1.5


def test_cancel_during_fetch_series_paging(service):
    service.faults.append(Fault("drip", match="/Observations", times=-1, delay=0.2))
    rep = EventReporter()
    rep.cancel_in(1.0)
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        fetch_series(client(service, timeout=60, reporter=rep), "EPSG:32630", reporter=rep)
    assert time.monotonic() - rep.at < 1.5


# ---- bounded answers ------------------------------------------------------------------------------

RSS_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    from geotwin.twin.kernel.http import StaClient, StaError
    client = StaClient(sys.argv[1], timeout=120, retries=0, max_page_mb=float(sys.argv[2]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        client.get("Things")
        error = None
    except StaError as err:
        error = str(err)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("RESULT" + json.dumps({"error": error, "growth_kb": after - before}))
""")


def test_huge_page_is_refused_while_reading_with_bounded_memory(service, tmp_path, python_exe):
    """A 400 MB page (chunked, no length announced) is refused after 64 MB; the client's peak
    memory grows by about the limit, not by the page."""
    service.credentials = None
    service.faults.append(Fault("endless", match="/Things", size=400 * 1024 * 1024))
    script = tmp_path / "rss.py"
    script.write_text(RSS_SCRIPT, encoding="utf-8")
    proc = subprocess.run([python_exe, str(script), service.base_url(), "64"], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(line[len("RESULT"):])
    assert result["error"] is not None
    assert "larger than the page limit of 64 MB (MAX_PAGE_MB): stopped after" in result["error"]
    stopped = int(result["error"].split("stopped after ")[1].split(" ")[0])
    assert 64 * 1024 * 1024 < stopped <= 66 * 1024 * 1024
    assert result["growth_kb"] < 200 * 1024, result         # the 400 MB page would need > 400 MB


def test_announced_huge_length_is_refused_before_reading():
    raw = RawServer(send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 419430400\r\n\r\n"
                         + b"{" * 1000))
    try:
        with pytest.raises(StaError, match=r"larger than the page limit of 1 MB \(MAX_PAGE_MB\): it announces "
                                           r"419430400 bytes"):
            StaClient(raw.url, timeout=5, retries=0, max_page_mb=1).get("Things")
    finally:
        raw.stop()


def test_page_limit_applies_to_real_pages(service):
    """A real Observations page is about 16 kB: a 10 kB limit refuses it, naming the URL."""
    with pytest.raises(StaError, match=r"answer from http://127.0.0.1:\d+/FROST-Server/v1.1/Datastreams\(1\)/"
                                       r"Observations is larger than the page limit of 0.01 MB"):
        client(service, max_page_mb=0.01).collect("Datastreams(1)/Observations")


def test_total_pages_are_capped(service):
    with pytest.raises(StaError, match=r"more than 3 pages read from http://127.0.0.1:\d+"):
        client(service, max_total_pages=3).collect("Datastreams(1)/Observations")


def test_observations_are_capped(service):
    with pytest.raises(StaError, match="more than 1000 observations from .*: stopped; narrow the time window"):
        fetch_series(client(service), "EPSG:32630", max_observations=1000)
    fetch_series(client(service), "EPSG:32630", max_observations=4 * 583)   # exactly all of them


# ---- every failure a clear error naming the URL ---------------------------------------------------

BODY = json.dumps({"value": []}).encode()


@pytest.mark.parametrize("script, pattern, error", [
    (reset, r"connection to http://127.0.0.1:\d+/FROST-Server/v1.1/Things failed|closed the connection", StaError),
    (send(http("200 OK", BODY)[:-3]), r"closed the connection after 10 of 13 bytes \(incomplete answer\)", StaError),
    (send(b"SSH-2.0-OpenSSH_9.2\r\n"), r"did not answer in HTTP/1.x \(first line b'SSH-2.0-OpenSSH_9.2'\)", StaError),
    (send(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 20000), r"more than 64 KiB of headers", StaError),
    (send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), r"malformed chunk size b'zz'", StaError),
    (send(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n"), r"negative Content-Length", StaError),
    (send(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), r"malformed Content-Length 'x'", StaError),
    (send(b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n"), r"malformed header line", StaError),
    (send(http("404 Not Found", b"<html><h1>No such\n service</h1></html>", "text/html")),
     r"HTTP 404 from http://127.0.0.1:\d+/FROST-Server/v1.1/Things: <html><h1>No such service</h1></html>", StaError),
    (send(http("400 Bad Request", json.dumps({"message": "bad $filter"}).encode())), r"HTTP 400 .*: bad \$filter",
     StaError),
    (send(http("502 Bad Gateway", b"<html>upstream\tdown</html>", "text/html")),
     r"HTTP 502 from http://127.0.0.1:\d+/FROST-Server/v1.1/Things: <html>upstream down</html> \(gave up after 2 "
     r"attempts\)", StaError),
    (send(http("200 OK", b"<html>login</html>", "text/html")),
     r"http://127.0.0.1:\d+/FROST-Server/v1.1/Things answered text/html, not JSON: '<html>login</html>'", InputError),
    (send(http("200 OK", b'{"value": [1, 2')), r"malformed JSON from http://127.0.0.1:\d+/FROST-Server/v1.1/Things",
     InputError),
    (send(http("200 OK", b"[" * 100000 + b"]" * 100000)), r"malformed JSON .*nested too deeply", InputError),
    (send(http("200 OK", b"\xff\xfe{}")), r"malformed JSON from", InputError),
    (send(http("200 OK", b"[1, 2]")), r"unexpected JSON from .*: an object was expected", InputError),
    (send(http("200 OK", b'{"value": 5}')), r"no 'value' array in the answer from", InputError),
    (send(http("200 OK", b'{"value": [], "@iot.nextLink": 7}')), r"@iot.nextLink of .* is not a URL: '7'",
     InputError),
    (send(http("200 OK", b'{"value": [], "@iot.nextLink": "ftp://127.0.0.1/x"}')), r"not an http\(s\) URL",
     StaError),
    (send(http("200 OK", b'{"value": [], "@iot.nextLink": "http://127.0.0.1:99999/x"}')), r"not a valid URL",
     StaError),
])
def test_broken_answers_are_clear_errors(script, pattern, error):
    raw = RawServer(script)
    try:
        with pytest.raises(error, match=pattern) as err:
            StaClient(raw.url, timeout=5, retries=1, backoff=0.01, headers=AUTH).collect("Things")
        no_secret(err.value)
        assert isinstance(err.value, GeoTwinError)
    finally:
        raw.stop()


def test_request_carries_no_secret_into_messages_and_is_well_formed():
    raw = RawServer(send(http("200 OK", BODY)))
    try:
        StaClient(raw.url, timeout=5, retries=0, headers=AUTH).get("Things", {"$filter": "name eq 'a b\r\nX: y'"})
        head = raw.received[0].decode("latin-1")
        assert head.startswith("GET /FROST-Server/v1.1/Things?$filter=name%20eq%20%27a%20b%0D%0AX:%20y%27 "
                               "HTTP/1.1\r\n")
        assert f"Host: 127.0.0.1:{raw.port}\r\n" in head and f"Authorization: {AUTH['Authorization']}\r\n" in head
    finally:
        raw.stop()


def test_non_ascii_in_the_url_is_sent_percent_encoded():
    raw = RawServer(send(http("200 OK", BODY)))
    try:
        StaClient(raw.url, timeout=5, retries=0).get("Things", {"$filter": "name eq 'Schloßplatz %41'"})
        line = raw.received[0].decode("ascii").split("\r\n")[0]
        assert line == "GET /FROST-Server/v1.1/Things?$filter=name%20eq%20%27Schlo%C3%9Fplatz%20%2541%27 HTTP/1.1"
        StaClient(raw.url, timeout=5, retries=0).get(raw.url + "/Things?$filter=name eq 'Schloßplatz'")
        line = raw.received[1].decode("ascii").split("\r\n")[0]
        assert line == "GET /FROST-Server/v1.1/Things?$filter=name%20eq%20'Schlo%C3%9Fplatz' HTTP/1.1"
    finally:
        raw.stop()


def test_connection_refused_is_retried_then_a_clear_error():
    raw = RawServer(send(b""))
    url = raw.url
    raw.stop()      # nothing listens on the port any more
    rep = CollectingReporter()
    with pytest.raises(StaError, match=r"cannot connect to http://127.0.0.1:\d+/FROST-Server/v1.1/Things: .*"
                                       r"(refused|111).*gave up after 3 attempts"):
        StaClient(url, timeout=5, retries=2, backoff=0.01, reporter=rep).get("Things")
    assert len(rep.warnings) == 2


def test_unknown_host_is_a_clear_error():
    with pytest.raises(StaError, match=r"(cannot resolve the host 'sta\.invalid'|no answer within 5 s) "
                                       r".*http://sta.invalid/v1.1/Things"):
        StaClient("http://sta.invalid/v1.1", timeout=5, retries=0).get("Things")


def test_5xx_error_then_success_after_incomplete_read():
    answers = iter([send(http("200 OK", BODY)[:-3]), send(http("200 OK", BODY))])
    raw = RawServer(lambda conn: next(answers)(conn))
    try:
        rep = CollectingReporter()
        assert StaClient(raw.url, timeout=5, retries=1, backoff=0.01, reporter=rep).get("Things") == {"value": []}
        assert "incomplete answer" in rep.warnings[0]
    finally:
        raw.stop()


def test_chunked_answer_is_decoded():
    body = b'{"value": [{"@iot.id": 1}], "x": "' + b"y" * 5000 + b'"}'
    chunks = b"".join(f"{len(body[i:i + 999]):x};ext=1\r\n".encode() + body[i:i + 999] + b"\r\n"
                      for i in range(0, len(body), 999))
    raw = RawServer(send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         + chunks + b"0\r\nX-Trailer: 1\r\n\r\n"))
    try:
        assert StaClient(raw.url, timeout=5, retries=0).get("Things")["value"] == [{"@iot.id": 1}]
    finally:
        raw.stop()


def test_answer_until_close_is_read():
    raw = RawServer(send(b"HTTP/1.0 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\r\n" + BODY))
    try:
        assert StaClient(raw.url, timeout=5, retries=0).get("Things") == {"value": []}
    finally:
        raw.stop()


# ---- proxies from the environment -----------------------------------------------------------------

@pytest.fixture
def proxy(monkeypatch):
    from geotwin.tests.sta_hostile import Proxy

    srv = Proxy()
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield srv
    srv.stop()


def test_http_through_the_environment_proxy(service, proxy, monkeypatch):
    monkeypatch.setenv("http_proxy", proxy.url.replace("http://", "http://px:px-pw@"))
    assert len(client(service).collect("Datastreams(1)/Observations")) == 583
    assert proxy.requests[0].startswith(f"GET {service.base_url()}/Datastreams(1)/Observations HTTP/1.1")
    assert len(proxy.requests) == 6
    assert proxy.auth[0] == "Basic " + base64.b64encode(b"px:px-pw").decode()
    # the service got its own credentials, never the proxy's
    assert all(h["Authorization"] == AUTH["Authorization"] and "Proxy-Authorization" not in h
               for _, h in service.headers_seen)
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    client(service).get("Things")
    assert len(proxy.requests) == 6


def test_https_tunnels_through_the_environment_proxy(tls_service, tls_files, proxy, monkeypatch):
    monkeypatch.setenv("https_proxy", proxy.url)
    c = StaClient(tls_service.base_url(), timeout=10, retries=0, headers=AUTH, cafile=str(tls_files[0]))
    assert len(c.get("Things")["value"]) == 1
    assert proxy.requests == [f"CONNECT 127.0.0.1:{tls_service.server_address[1]} HTTP/1.1"]
    assert proxy.forwarded_heads == []           # the proxy saw only the encrypted tunnel


def test_proxy_refusing_the_tunnel_is_a_clear_error(tls_service, monkeypatch):
    raw = RawServer(send(http("407 Proxy Authentication Required", b"")))
    try:
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{raw.port}")
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        with pytest.raises(StaError, match=r"the proxy http://127.0.0.1:\d+ refused the tunnel to 127.0.0.1:\d+ "
                                           r"\(HTTP 407\)"):
            StaClient(tls_service.base_url(), timeout=5, retries=0).get("Things")
    finally:
        raw.stop()
