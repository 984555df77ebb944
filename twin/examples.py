"""What the docstring examples share: a built sample twin (the sample district imported and built once per
process), the path of the project's real test data (``shared_data``) and a city model delivery made of it
(``city_delivery``).

The sample twin chains the sources and the build (sample district -> city model, learning islands and sensors
GeoPackages -> twin), so it sits above the build layer (.importlinter); nothing in the core imports this module,
only Example blocks do.
"""
from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

if TYPE_CHECKING:
    from .sensors.mqtt import Broker
    from .tiles.twin_layers import TwinExtras


@dataclass(frozen=True)
class SampleTwin:
    """The files of a built sample twin, all in one temporary ``folder``.

    Attributes:
        folder: the temporary folder holding everything below (removed when the process exits).
        district: the generated district folder (district.gml, learning_islands.geojson, sensors.csv, ...).
        city: the imported city model GeoPackage.
        islands: the imported learning islands GeoPackage.
        sensors: the sensors GeoPackage (the district's last day, 2025-06-08, of observations).
        twin: the twin GeoPackage built from the three.
    """

    folder: Path
    district: Path
    city: Path
    islands: Path
    sensors: Path
    twin: Path


_FOLDERS: list[tempfile.TemporaryDirectory[str]] = []

#: ../shared/data beside the repository (the plugin package): the real public test data, listed in its README.md;
#: the tests find it the same way (tests/paths.py). Never copied into the repository.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """Find a file or folder of the project's real test data (``../shared/data``, see its README.md).

    Args:
        parts: the path below ``../shared/data``, one part per argument or with slashes.

    Returns:
        The existing path.

    Raises:
        FileNotFoundError: the path does not exist (no shared data beside this checkout, or a wrong name).

    Example:
        >>> path = shared_data("citygml/fzk-haus/citygml2", "FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml")
        >>> path.name, path.stat().st_size
        ('FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml', 13633)
        >>> shared_data("no-such-file.gml")
        Traceback (most recent call last):
        ...
        FileNotFoundError: the real test data has no no-such-file.gml (looked in .../shared/data)
    """
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"the real test data has no {'/'.join(parts)} (looked in {SHARED_DATA})")
    return path


@functools.cache
def sample_twin(buildings: int = 12) -> SampleTwin:
    """Generate the sample district, import its city model, learning islands and sensors and build a twin from
    them, once per process and building count; later calls return the same files. Treat them as read-only and
    write outputs into a folder of your own.

    Args:
        buildings: how many buildings the district has (10 to 1,000,000; keep it small, it is built in full).

    Returns:
        The SampleTwin with the paths of the district and of the GeoPackages.

    Raises:
        InputError: a building count the sample district does not allow.

    Example:
        >>> sample = sample_twin()
        >>> sample.twin.is_file(), sample.city.parent == sample.folder, sample_twin() is sample
        (True, True, True)
        >>> from geotwin.twin.kernel import gpkg
        >>> buildings = gpkg.read_table(sample.twin, "buildings", geometry=False)[1]
        >>> len(buildings), sorted(p.name for p in sample.folder.iterdir())
        (12, ['city.gpkg', 'district', 'islands.gpkg', 'sensors.gpkg', 'twin.gpkg'])
    """
    from .build import BuildInputs, build_twin
    from .citymodel.importer import import_citymodel
    from .islands.importer import import_learning_islands
    from .sample.generator import generate_district
    from .sensors.export_source import read_exports
    from .sensors.importer import write_sensors
    from .store.geopackage import GpkgStore

    holder = tempfile.TemporaryDirectory(prefix="geotwin-sample-")
    folder = Path(holder.name)
    district = folder / "district"
    generate_district(district, buildings=buildings, formats=["citygml", "islands", "sensors"])
    sample = SampleTwin(folder, district, folder / "city.gpkg", folder / "islands.gpkg", folder / "sensors.gpkg",
                        folder / "twin.gpkg")
    import_citymodel([district / "district.gml"], sample.city)
    import_learning_islands(str(district / "learning_islands.geojson"), str(sample.islands))
    exports = read_exports([district / "sensors.csv"], "EPSG:25832", start=datetime(2025, 6, 8, tzinfo=UTC))
    write_sensors(*exports, str(sample.sensors), "EPSG:25832")
    build_twin(GpkgStore(sample.twin), BuildInputs(citymodel=[str(sample.city)], islands=[str(sample.islands)],
                                                   sensors=[str(sample.sensors)]))
    _FOLDERS.append(holder)   # kept alive until the process exits, then removed
    return sample


@functools.cache
def city_delivery() -> Path:
    """Build a city model delivery as offices ship one, from the real test data, once per process: a folder with a
    zip archive of tiles (beside a readme and an archive inside the archive), a gzipped tile, an XML file that is
    no city model and a hidden file. Treat it as read-only.

    The folder holds ``tiles.zip`` (``lod2/fzk-haus.gml``: the FZK-Haus in CityGML 2.0, 1 building, EPSG:25832 +
    DHHN92 heights; ``readme.txt``; ``old.zip``), ``hamburg.xml.gz`` (the Hamburg 2022 LoD2 tile in CityGML 1.0:
    47 buildings with 71 parts, EPSG:25832 + DHHN2016 heights), ``schema.xml`` and ``.DS_Store``.

    Returns:
        The folder (removed when the process exits).

    Raises:
        FileNotFoundError: the real test data is missing (see ``shared_data``).

    Example:
        >>> folder = city_delivery()
        >>> sorted(p.name for p in folder.iterdir()), city_delivery() == folder
        (['.DS_Store', 'hamburg.xml.gz', 'schema.xml', 'tiles.zip'], True)
        >>> zipfile.ZipFile(folder / "tiles.zip").namelist()
        ['lod2/fzk-haus.gml', 'readme.txt', 'old.zip']
    """
    fzk = shared_data("citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml")
    hamburg = shared_data("citygml/hamburg/2022/LoD2_576_5950_1_HH.xml")
    holder = tempfile.TemporaryDirectory(prefix="geotwin-delivery-")
    folder = Path(holder.name).resolve() / "delivery"
    folder.mkdir()
    with zipfile.ZipFile(folder / "tiles.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(fzk, "lod2/fzk-haus.gml")
        archive.writestr("readme.txt", "Lieferung der Gebaeudemodelle, Stand 2026\n")
        archive.writestr("old.zip", b"PK\x05\x06" + bytes(18))   # an empty zip archive
    (folder / "hamburg.xml.gz").write_bytes(gzip.compress(hamburg.read_bytes(), compresslevel=1))
    (folder / "schema.xml").write_text('<?xml version="1.0"?>\n<schema xmlns="http://www.w3.org/2001/XMLSchema"/>\n')
    (folder / ".DS_Store").write_bytes(bytes(8))
    _FOLDERS.append(holder)   # kept alive until the process exits, then removed
    return folder


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _sta_handler(things: list[dict[str, Any]], observations: dict[int, list[dict[str, Any]]],
                 page_size: int) -> type[http.server.BaseHTTPRequestHandler]:
    """The request handler of ``sta_replay``."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/v1.1/Things":
                self.send({"@iot.count": len(things), "value": things})
                return
            match = re.fullmatch(r"/v1\.1/Datastreams\((\d+)\)/Observations", parts.path)
            if match is None or int(match[1]) not in observations:
                self.send({"code": 404, "message": "Nothing found."}, 404)
                return
            rows = observations[int(match[1])]
            for op, text in re.findall(r"phenomenonTime (ge|le) (\S+)", query.get("$filter", "")):
                limit = _when(text)
                rows = [o for o in rows
                        if (_when(o["phenomenonTime"]) >= limit if op == "ge" else _when(o["phenomenonTime"]) <= limit)]
            skip, top = int(query.get("$skip", 0)), min(int(query.get("$top", page_size)), page_size)
            page: dict[str, Any] = {"value": rows[skip:skip + top]}
            if skip + top < len(rows):
                page["@iot.nextLink"] = (f"http://{self.headers['Host']}{parts.path}?"
                                         + urlencode({**query, "$skip": skip + top}, quote_via=quote))
            self.send(page)

        def send(self, doc: object, status: int = 200) -> None:
            body = json.dumps(doc).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def sta_replay(document: Path, page_size: int = 200) -> Iterator[str]:
    """Serve a SensorThings deep-insert document (Things with their Locations, Datastreams and Observations)
    read-only as a SensorThings API v1.1 service on 127.0.0.1, in a thread, for the examples of the client.

    It answers what the client asks: ``Things`` (each with its Locations and Datastreams inline, the Datastreams
    numbered from 1 in document order, without their Observations) and ``Datastreams(id)/Observations``, ordered
    by time, filtered by ``phenomenonTime ge/le <time>`` and paged by ``$top``/``$skip`` with ``@iot.nextLink``
    (at most ``page_size`` a page); anything else is a 404.

    Args:
        document: the deep-insert document (a Thing, a list of them, or ``{"value": [...]}``).
        page_size: the server's largest page.

    Yields:
        The service's base URL, ``http://127.0.0.1:PORT/v1.1``.

    Example:
        >>> from urllib.request import urlopen
        >>> document = shared_data("sensors/sta-deep-insert_sensor-community-3121_2017-11-15_derived.json")
        >>> with sta_replay(document) as url:
        ...     things = json.load(urlopen(url + "/Things", timeout=10))["value"]
        ...     page = json.load(urlopen(url + "/Datastreams(1)/Observations?$top=2", timeout=10))
        >>> [ds["name"] for ds in things[0]["Datastreams"]], things[0]["Locations"][0]["location"]["coordinates"]
        (['PM10 #5331', 'PM2.5 #5331', 'Temperature #5332', 'Humidity #5332'], [-2.077, 57.138])
        >>> page["value"][1], page["@iot.nextLink"].endswith("/Datastreams(1)/Observations?%24top=2&%24skip=2")
        ({'phenomenonTime': '2017-11-15T00:04:48Z', 'result': 10.0}, True)
    """
    doc = json.loads(Path(document).read_text(encoding="utf-8"))
    items = doc["value"] if isinstance(doc, dict) and "value" in doc else doc if isinstance(doc, list) else [doc]
    things: list[dict[str, Any]] = []
    observations: dict[int, list[dict[str, Any]]] = {}
    for n, thing in enumerate(items, 1):
        streams = []
        for ds in thing.get("Datastreams", []):
            ds_id = len(observations) + 1
            observations[ds_id] = sorted(ds.get("Observations", []), key=lambda o: _when(o["phenomenonTime"]))
            streams.append({"@iot.id": ds_id, **{k: v for k, v in ds.items() if k != "Observations"}})
        things.append({"@iot.id": n, **{k: v for k, v in thing.items() if k != "Datastreams"},
                       "Datastreams": streams})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _sta_handler(things, observations, page_size))
    thread = threading.Thread(target=server.serve_forever, name="sta replay", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1.1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _free_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(command: list[str], name: str, port: int, timeout: float = 10.0,
            log: Path | None = None) -> Iterator[None]:
    """Run a server program for an example until it accepts connections on 127.0.0.1:``port``; stop it (terminate,
    after 5 s kill) on leaving the block.

    Args:
        command: the program and its arguments (it must listen on ``port``).
        name: the server's name in the messages.
        port: its port on 127.0.0.1.
        timeout: the longest wait for the port to open (s, on the monotonic clock).
        log: a file for the program's output (stdout and stderr), whose end a failure's message quotes;
            by default the output is discarded.

    Raises:
        RuntimeError: the program exits, or does not open the port within ``timeout``.

    Example:
        >>> import sys, urllib.request
        >>> port = _free_port()
        >>> with serving([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)], "http.server", port):
        ...     urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).status
        200
        >>> with serving([sys.executable, "-c", "raise SystemExit(3)"], "quitter", port):
        ...     pass
        Traceback (most recent call last):
        ...
        RuntimeError: quitter exited with code 3
    """
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("wb")) if log is not None else subprocess.DEVNULL
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            _await_port(process, name, port, timeout, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _await_port(process: subprocess.Popen[bytes], name: str, port: int, timeout: float, log: Path | None) -> None:
    """Wait until ``process`` accepts connections on 127.0.0.1:``port`` (see serving)."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            tail = f": {log.read_text(encoding='utf-8', errors='replace')[-2000:]}" if log is not None else ""
            raise RuntimeError(f"{name} exited with code {process.returncode}{tail}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not open port {port} within {timeout:g} s") from None
            threading.Event().wait(0.02)


@contextlib.contextmanager
def mosquitto(timeout: float = 10.0) -> Iterator[Broker]:
    """Run a Mosquitto MQTT broker (the ``mosquitto`` program) on a free port of 127.0.0.1 for an example:
    anonymous, no TLS, sessions kept in memory; stopped on leaving the block.

    Args:
        timeout: the longest wait for the broker to open its port.

    Yields:
        The Broker to connect to.

    Raises:
        FileNotFoundError: no ``mosquitto`` program on this machine.
        RuntimeError: the broker exits or does not open its port in time.

    Example:
        >>> with mosquitto() as broker:
        ...     socket.create_connection((broker.host, broker.port), timeout=5).close()
        ...     broker.describe().startswith("mqtt://127.0.0.1:")
        True
    """
    from .sensors.mqtt import Broker

    program = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(program).is_file():
        raise FileNotFoundError("no mosquitto program (install the mosquitto package)")
    with tempfile.TemporaryDirectory(prefix="geotwin-mosquitto-") as folder:
        port = _free_port()
        lines = [f"listener {port} 127.0.0.1", "allow_anonymous true", "persistence false", "log_dest none"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            lines.append("user root")   # else mosquitto drops to the user mosquitto
        config = Path(folder) / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with serving([program, "-c", str(config)], "mosquitto", port, timeout):
            yield Broker("127.0.0.1", port)


#: the user and password of ``caldav_server``
CALDAV_USER, CALDAV_PASSWORD = "lehrer", "geheim-42"


@contextlib.contextmanager
def caldav_server(*calendars: str, timeout: float = 15.0) -> Iterator[dict[str, str]]:
    """Run a Radicale CalDAV server (``python -m radicale`` in a subprocess, on a free port of 127.0.0.1) with user
    CALDAV_USER / CALDAV_PASSWORD and empty calendar collections, for an example; stopped and removed on leaving
    the block. Radicale's delay after a failed login (the client's first request has no credentials) is switched
    off.

    Args:
        calendars: the names of the calendars to make (collections ``/lehrer/<name>/``).
        timeout: the longest wait for the server to answer.

    Yields:
        Each calendar's collection URL by name.

    Raises:
        RuntimeError: the server exits or does not answer in time.

    Example:
        >>> from caldav.davclient import DAVClient
        >>> with caldav_server("insel-a", "insel-b") as urls:
        ...     client = DAVClient(url=urls["insel-a"], username=CALDAV_USER, password=CALDAV_PASSWORD,
        ...                        require_tls=False, enable_rfc6764=False)
        ...     names = sorted(c.get_display_name() for c in client.principal().calendars())
        >>> names, urls["insel-a"].endswith("/lehrer/insel-a/")
        (['insel-a', 'insel-b'], True)
    """
    import sys

    from caldav.davclient import DAVClient

    with tempfile.TemporaryDirectory(prefix="geotwin-caldav-") as folder:
        users = Path(folder) / "users"
        users.write_text(f"{CALDAV_USER}:{CALDAV_PASSWORD}\n", encoding="utf-8")
        port = _free_port()
        command = [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
                   "--storage-filesystem-folder", str(Path(folder) / "collections"), "--auth-type", "htpasswd",
                   "--auth-htpasswd-filename", str(users), "--auth-htpasswd-encryption", "plain", "--auth-delay", "0",
                   "--rights-type", "owner_only", "--logging-level", "error"]
        with serving(command, "radicale", port, timeout):
            client = DAVClient(url=f"http://127.0.0.1:{port}/", username=CALDAV_USER, password=CALDAV_PASSWORD,
                               timeout=10, require_tls=False, enable_rfc6764=False)
            principal = client.principal()
            yield {name: str(principal.make_calendar(name=name, cal_id=name).url) for name in calendars}


def sample_extras() -> tuple[Path, TwinExtras]:
    """Read the extras of sample_twin() as the 3D Tiles export reads them: its sensors, learning islands and BIM.

    Returns:
        (the twin GeoPackage of sample_twin, its TwinExtras).

    Example:
        >>> twin, extras = sample_extras()
        >>> twin == sample_twin().twin, type(extras).__name__
        (True, 'TwinExtras')
    """
    from .tiles.source import read_city_model
    from .tiles.twin_layers import read_twin_extras

    twin = sample_twin().twin   # sample_twin() exactly: the cache of sample_twin(12) would be another twin
    return twin, read_twin_extras(twin, read_city_model(twin).rows)
