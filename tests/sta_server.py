"""A faithful, read-only OGC SensorThings API v1.0/v1.1 replay server for the tests.

It loads real documents (deep-insert entities such as the FROST-Server test documents and
the sensor.community station-day, and ``$batch``-style request lists) and serves them on
127.0.0.1 as the OGC specification (17-079r1, v1.1) defines reading:

* entity sets, single entities ``Things(1)`` and navigation ``Datastreams(1)/Observations``;
* ``@iot.id``, ``@iot.selfLink``, ``<Nav>@iot.navigationLink``;
* ``$top`` / ``$skip`` with ``@iot.nextLink`` (server page size ``page_size``), ``$count``;
* ``$filter`` with ``eq ne gt ge lt le``, ``and``/``or``, ISO 8601 datetime, number and string
  literals (phenomenonTime compares by its start for intervals);
* ``$orderby``, ``$select`` (``id`` selects ``@iot.id``), ``$expand`` with nested options
  (``Datastreams($expand=ObservedProperty;$top=2)``, ``Thing/Locations``).

Faults for protocol tests: ``server.faults`` is a list of ``Fault`` applied in order to
matching requests (HTTP status, a stall, malformed JSON, a nextLink that loops, a redirect, a
nextLink to another server, a body that drips one byte at a time, an endless page, a non-JSON
content type), ``server.credentials`` requires HTTP Basic authentication and ``server.cors`` (an origin or
"*") answers with ``Access-Control-Allow-Origin`` as FROST's ``http.cors.enable`` does. Every request's
headers are logged in ``server.headers_seen``. ``host`` may be any loopback address (127.0.0.2
is a second host on Linux), ``tls`` an ``ssl.SSLContext`` to serve HTTPS.
"""
from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

# entity set -> {navigation property: (target set, is_collection)}
NAVIGATION: dict[str, dict[str, tuple[str, bool]]] = {
    "Things": {"Locations": ("Locations", True), "HistoricalLocations": ("HistoricalLocations", True),
               "Datastreams": ("Datastreams", True)},
    "Locations": {"Things": ("Things", True), "HistoricalLocations": ("HistoricalLocations", True)},
    "HistoricalLocations": {"Thing": ("Things", False), "Locations": ("Locations", True)},
    "Datastreams": {"Thing": ("Things", False), "Sensor": ("Sensors", False),
                    "ObservedProperty": ("ObservedProperties", False), "Observations": ("Observations", True)},
    "Sensors": {"Datastreams": ("Datastreams", True)},
    "ObservedProperties": {"Datastreams": ("Datastreams", True)},
    "Observations": {"Datastream": ("Datastreams", False), "FeatureOfInterest": ("FeaturesOfInterest", False)},
    "FeaturesOfInterest": {"Observations": ("Observations", True)},
}
# the inverse navigation property of each link
INVERSE = {
    ("Things", "Locations"): "Things", ("Locations", "Things"): "Locations",
    ("Things", "Datastreams"): "Thing", ("Datastreams", "Thing"): "Datastreams",
    ("Datastreams", "Sensor"): "Datastreams", ("Sensors", "Datastreams"): "Sensor",
    ("Datastreams", "ObservedProperty"): "Datastreams", ("ObservedProperties", "Datastreams"): "ObservedProperty",
    ("Datastreams", "Observations"): "Datastream", ("Observations", "Datastream"): "Observations",
    ("Observations", "FeatureOfInterest"): "Observations", ("FeaturesOfInterest", "Observations"): "FeatureOfInterest",
    ("Things", "HistoricalLocations"): "Thing", ("HistoricalLocations", "Thing"): "HistoricalLocations",
    ("Locations", "HistoricalLocations"): "Locations", ("HistoricalLocations", "Locations"): "HistoricalLocations",
}
SINGULAR = {"Thing": "Things", "Sensor": "Sensors", "ObservedProperty": "ObservedProperties",
            "Datastream": "Datastreams", "FeatureOfInterest": "FeaturesOfInterest"}


class QueryError(ValueError):
    """A request the server rejects with 400, like FROST does."""


class Store:
    """Entities by set and id, with two-way links, filled from deep-insert documents."""

    def __init__(self) -> None:
        self.entities: dict[str, dict[int, dict]] = {name: {} for name in NAVIGATION}
        self.links: dict[str, dict[int, dict[str, list[int]]]] = {name: {} for name in NAVIGATION}
        self._next = {name: 1 for name in NAVIGATION}
        self._refs: dict[str, tuple[str, int]] = {}

    def _new(self, entity_set: str, props: dict) -> int:
        eid = self._next[entity_set]
        self._next[entity_set] += 1
        self.entities[entity_set][eid] = props
        self.links[entity_set][eid] = {nav: [] for nav in NAVIGATION[entity_set]}
        return eid

    def link(self, a_set: str, a_id: int, nav: str, b_id: int) -> None:
        target, _ = NAVIGATION[a_set][nav]
        if b_id not in self.links[a_set][a_id][nav]:
            self.links[a_set][a_id][nav].append(b_id)
        inverse = INVERSE[(a_set, nav)]
        if a_id not in self.links[target][b_id][inverse]:
            self.links[target][b_id][inverse].append(a_id)

    def insert(self, entity_set: str, body: dict, *, parent: tuple[str, int, str] | None = None) -> int:
        """Deep insert: nested navigation entities are created, ``{"@iot.id": ...}`` references linked."""
        if "@iot.id" in body and len(body) == 1:
            ref = body["@iot.id"]
            eid = self._refs[ref][1] if isinstance(ref, str) and ref.startswith("$") else int(ref)
        else:
            props = {k: v for k, v in body.items() if k not in NAVIGATION[entity_set] and "@" not in k
                     and k[0].islower()}
            eid = self._new(entity_set, props)
            for nav, value in body.items():
                if nav not in NAVIGATION[entity_set]:
                    continue
                target, many = NAVIGATION[entity_set][nav]
                for item in (value if many else [value]):
                    child = self.insert(target, item, parent=(entity_set, eid, nav))
                    self.link(entity_set, eid, nav, child)
            if entity_set == "Observations" and not self.links["Observations"][eid]["FeatureOfInterest"]:
                self._feature_of_interest(eid, parent)
        if parent is not None:
            self.link(parent[0], parent[1], parent[2], eid)
        return eid

    def _feature_of_interest(self, obs_id: int, parent) -> None:
        ds = parent[1] if parent and parent[0] == "Datastreams" else None
        if ds is None:
            return
        things = self.links["Datastreams"][ds]["Thing"]
        locs = self.links["Things"][things[0]]["Locations"] if things else []
        if not locs:
            return
        loc = self.entities["Locations"][locs[0]]
        key = f"foi-of-location-{locs[0]}"
        if key not in self._refs:
            foi = self._new("FeaturesOfInterest", {"name": loc.get("name", ""), "description": loc.get("description", ""),
                                                   "encodingType": loc.get("encodingType"),
                                                   "feature": loc.get("location")})
            self._refs[key] = ("FeaturesOfInterest", foi)
        self.link("Observations", obs_id, "FeatureOfInterest", self._refs[key][1])

    def load(self, document: dict | list) -> None:
        """A Thing deep-insert document, a list of them, or a ``$batch`` request list (other entity types
        are ignored)."""
        if isinstance(document, list):
            for thing in document:
                self.load(thing)
        elif "requests" in document:
            for req in document["requests"]:
                url = req.get("url", "").strip("/")
                if req.get("method", "").lower() != "post" or url not in NAVIGATION:
                    continue
                eid = self.insert(url, _resolve(req.get("body", {}), self._refs))
                if req.get("id"):
                    self._refs[f"${req['id']}"] = (url, eid)
        elif "Datastreams" in document or "Locations" in document:
            self.insert("Things", document)


def _resolve(body, refs):
    if isinstance(body, dict):
        return {k: _resolve(v, refs) for k, v in body.items()}
    if isinstance(body, list):
        return [_resolve(v, refs) for v in body]
    return body


# ---- query options ---------------------------------------------------------------------------

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def _to_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _literal(token: str):
    if token.startswith("'") and token.endswith("'"):
        return token[1:-1].replace("''", "'")
    if _DATETIME.match(token):
        return _to_datetime(token)
    if token in ("true", "false"):
        return token == "true"
    if token == "null":
        return None
    try:
        return float(token)
    except ValueError:
        raise QueryError(f"cannot parse literal {token!r}") from None


_OPS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b}


def _prop_value(entity: dict, eid: int, prop: str):
    if prop in ("id", "@iot.id"):
        return float(eid)
    value = entity.get(prop)
    if prop.endswith("Time") and isinstance(value, str):
        return _to_datetime(value.split("/")[0])
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    return value


def compile_filter(text: str):
    """A predicate(entity, id) for the supported $filter subset."""
    tokens = re.findall(r"'(?:[^']|'')*'|\(|\)|[^\s()]+", text)
    if not tokens:
        raise QueryError("empty $filter")
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary():
        if peek() == "(":
            take()
            pred = disjunction()
            if take() != ")":
                raise QueryError("missing ')' in $filter")
            return pred
        if pos + 3 > len(tokens):
            raise QueryError(f"incomplete comparison in $filter: {text!r}")
        prop, op, lit = take(), take(), take()
        if op not in _OPS:
            raise QueryError(f"unsupported operator {op!r} in $filter")
        value = _literal(lit)

        def pred(entity, eid):
            have = _prop_value(entity, eid, prop)
            if have is None or value is None:
                return _OPS[op](have, value) if op in ("eq", "ne") else False
            try:
                return _OPS[op](have, value)
            except TypeError:
                return False
        return pred

    def conjunction():
        preds = [primary()]
        while peek() == "and":
            take()
            preds.append(primary())
        return lambda e, i: all(p(e, i) for p in preds)

    def disjunction():
        preds = [conjunction()]
        while peek() == "or":
            take()
            preds.append(conjunction())
        return lambda e, i: any(p(e, i) for p in preds)

    pred = disjunction()
    if pos != len(tokens):
        raise QueryError(f"cannot parse $filter near {' '.join(tokens[pos:])!r}")
    return pred


def split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [s.strip() for s in out if s.strip()]


def parse_expand(text: str) -> dict[str, dict[str, str]]:
    """'A($top=2;$expand=B),C/D' -> {'A': {'$top': '2', '$expand': 'B'}, 'C': {'$expand': 'D'}}."""
    result: dict[str, dict[str, str]] = {}
    for item in split_top(text, ","):
        m = re.fullmatch(r"([A-Za-z]+)(?:/(.+?))?(?:\((.*)\))?", item, re.S)
        if not m:
            raise QueryError(f"cannot parse $expand item {item!r}")
        nav, rest, opts = m.group(1), m.group(2), m.group(3)
        options = dict(o.split("=", 1) for o in split_top(opts, ";")) if opts else {}
        if rest:
            options["$expand"] = f"{options['$expand']},{rest}" if "$expand" in options else rest
        result[nav] = options
    return result


@dataclass
class Fault:
    """Applied to requests whose path+query contains ``match``, ``times`` times (-1: always)."""

    kind: str            # "status" | "stall" | "malformed" | "loop" | "redirect" | "next_to" | "drip"
    match: str = ""      # | "endless" | "html"
    times: int = 1
    status: int = 503
    delay: float = 30.0  # stall: how long; drip: seconds between bytes
    location: str = ""   # redirect: the Location (absolute, or a path on this server; "{path}" stands for
    #                      the request's path without its first segment); next_to: a base URL
    size: int = 0        # endless: bytes to stream (chunked)


class StaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, store: Store, page_size: int = 100, max_top: int = 1000, host: str = "127.0.0.1",
                 tls=None) -> None:
        super().__init__((host, 0), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.store, self.page_size, self.max_top = store, page_size, max_top
        self.faults: list[Fault] = []
        self.credentials: tuple[str, str] | None = None
        self.cors: str | None = None
        self.requests: list[str] = []
        self.headers_seen: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.server_address[0]}:{self.server_address[1]}"

    @property
    def root(self) -> str:
        return f"{self.origin}/FROST-Server"

    def base_url(self, version: str = "v1.1") -> str:
        return f"{self.root}/{version}"

    def fault_for(self, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times != 0 and fault.match in target:
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: StaServer

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def end_headers(self) -> None:
        if self.server.cors is not None:
            self.send_header("Access-Control-Allow-Origin", self.server.cors)
        super().end_headers()

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, doc) -> None:
        self._send(status, json.dumps(doc).encode("utf-8"))

    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append(self.path)
        self.server.headers_seen.append((self.path, dict(self.headers.items())))
        if self.server.credentials is not None:
            user, password = self.server.credentials
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="FROST-Server"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        fault = self.server.fault_for(self.path)
        if fault is not None and fault.kind == "stall":
            self.server.release.wait(fault.delay)
            return
        if fault is not None and fault.kind == "status":
            self._json(fault.status, {"code": fault.status, "type": "error", "message": "injected failure"})
            return
        if fault is not None and fault.kind == "redirect":
            self.send_response(fault.status)
            rest = "/" + self.path.lstrip("/").partition("/")[2]      # the path without its first segment
            self.send_header("Location", fault.location.replace("{path}", rest))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if fault is not None and fault.kind == "endless":
            self._endless(fault.size)
            return
        try:
            doc = self._answer()
        except QueryError as err:
            self._json(400, {"code": 400, "type": "error", "message": str(err)})
            return
        except LookupError as err:
            self._json(404, {"code": 404, "type": "error", "message": str(err)})
            return
        if fault is not None and fault.kind == "malformed":
            self._send(200, json.dumps(doc).encode("utf-8")[:-7] + b"<html>")
            return
        if fault is not None and fault.kind == "loop" and "@iot.nextLink" in doc:
            doc["@iot.nextLink"] = f"{self.server.scheme}://{self.headers.get('Host')}{self.path}"
        if fault is not None and fault.kind == "next_to" and "@iot.nextLink" in doc:
            doc["@iot.nextLink"] = fault.location + doc["@iot.nextLink"].split("/FROST-Server/", 1)[1]
        if fault is not None and fault.kind == "html":
            self._send(200, b"<html><body>Please log in</body></html>", "text/html; charset=utf-8")
            return
        if fault is not None and fault.kind == "drip":
            self._drip(json.dumps(doc).encode("utf-8"), fault.delay)
            return
        self._json(200, doc)

    def _drip(self, body: bytes, delay: float) -> None:
        """The answer with its true Content-Length, one byte every ``delay`` seconds."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                if self.server.release.wait(delay):
                    return
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
        except OSError:  # the client gave up
            pass

    def _endless(self, size: int) -> None:
        """A chunked JSON page of ``size`` bytes (a valid start: {"value": [{...}, {...}, ...),
        generated while sending, so that the server holds no more than one chunk."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        item = json.dumps({"@iot.id": 1, "phenomenonTime": "2017-11-15T00:00:00Z", "result": 1.0}).encode()
        chunk = b"".join([item + b","] * (1024 * 1024 // (len(item) + 1)))
        sent = 0
        try:
            head = b'{"value": ['
            self.wfile.write(f"{len(head):x}\r\n".encode() + head + b"\r\n")
            while sent < size:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up
            pass

    # ---- resource resolution ----

    def _answer(self):
        parts = urlsplit(self.path)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) < 2 or segments[0] != "FROST-Server" or segments[1] not in ("v1.0", "v1.1"):
            raise LookupError(f"no such path {parts.path}")
        version = segments[1]
        base = f"{self.server.scheme}://{self.headers.get('Host')}/FROST-Server/{version}"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if len(segments) == 2:
            doc = {"value": [{"name": n, "url": f"{base}/{n}"} for n in NAVIGATION]}
            if version == "v1.1":
                doc["serverSettings"] = {"conformance": ["http://www.opengis.net/spec/iot_sensing/1.1/req/core"]}
            return doc
        store = self.server.store
        entity_set, ids = None, None
        for seg in segments[2:]:
            m = re.fullmatch(r"([A-Za-z]+)(?:\((\d+)\))?", seg)
            if not m:
                raise LookupError(f"cannot resolve {seg}")
            name, key = m.group(1), m.group(2)
            if entity_set is None:
                if name not in NAVIGATION:
                    raise LookupError(f"no entity set {name}")
                entity_set, ids = name, sorted(store.entities[name])
            else:
                if len(ids) != 1 or name not in NAVIGATION[entity_set]:
                    raise LookupError(f"cannot navigate {name} from {entity_set}")
                target, _ = NAVIGATION[entity_set][name]
                ids = list(store.links[entity_set][ids[0]][name])
                entity_set = target
            if key is not None:
                if int(key) not in ids:
                    raise LookupError(f"{name}({key}) not found")
                ids = [int(key)]
        last = segments[-1]
        is_single = bool(re.fullmatch(r"[A-Za-z]+\(\d+\)", last)) or last in SINGULAR
        if is_single:
            if not ids:
                raise LookupError("no entity")
            return self._entity(base, entity_set, ids[0], query)
        own = f"{base}/{'/'.join(segments[2:])}"
        return self._collection(base, entity_set, ids, query, own)

    def _collection(self, base: str, entity_set: str, ids: list[int], options: dict, own_url: str | None):
        store = self.server.store
        if "$filter" in options:
            pred = compile_filter(options["$filter"])
            ids = [i for i in ids if pred(store.entities[entity_set][i], i)]
        order = options.get("$orderby")
        ids = sorted(ids)
        if order:
            for clause in reversed(split_top(order, ",")):
                prop, _, direction = clause.partition(" ")
                direction = direction.strip() or "asc"
                if direction not in ("asc", "desc"):
                    raise QueryError(f"bad $orderby direction {direction!r}")
                keyed = [(_prop_value(store.entities[entity_set][i], i, prop), i) for i in ids]
                present = [k for k in keyed if k[0] is not None]
                missing = [k for k in keyed if k[0] is None]
                present.sort(key=lambda k: k[0], reverse=direction == "desc")
                ids = [i for _, i in present + missing]
        try:
            top = int(options.get("$top", self.server.page_size))
            skip = int(options.get("$skip", 0))
        except ValueError as err:
            raise QueryError(f"bad $top/$skip: {err}") from None
        if top < 0 or skip < 0:
            raise QueryError("$top and $skip must not be negative")
        top = min(top, self.server.max_top)
        page = ids[skip:skip + top]
        doc: dict = {}
        if options.get("$count") == "true":
            doc["@iot.count"] = len(ids)
        doc["value"] = [self._entity(base, entity_set, i, options) for i in page]
        if skip + top < len(ids) and own_url is not None:
            kept = {k: v for k, v in options.items() if k not in ("$skip", "$top")}
            kept["$top"] = str(top)
            kept["$skip"] = str(skip + top)
            doc["@iot.nextLink"] = own_url + "?" + "&".join(
                f"{k}={quote(v, safe='$(),;=/:')}" for k, v in kept.items())
        return doc

    def _entity(self, base: str, entity_set: str, eid: int, options: dict) -> dict:
        store = self.server.store
        props = store.entities[entity_set][eid]
        self_link = f"{base}/{entity_set}({eid})"
        select = [s.strip() for s in options["$select"].split(",")] if options.get("$select") else None
        out: dict = {}
        if select is None or "id" in select or "@iot.id" in select:
            out["@iot.id"] = eid
        if select is None or "@iot.selfLink" in select or "selfLink" in select:
            out["@iot.selfLink"] = self_link
        for key, value in props.items():
            if select is None or key in select:
                out[key] = value
        if select is None:
            for nav in NAVIGATION[entity_set]:
                out[f"{nav}@iot.navigationLink"] = f"{self_link}/{nav}"
        for nav, sub in parse_expand(options.get("$expand", "")).items() if options.get("$expand") else ():
            if nav not in NAVIGATION[entity_set]:
                raise QueryError(f"{entity_set} has no navigation property {nav}")
            target, many = NAVIGATION[entity_set][nav]
            linked = store.links[entity_set][eid][nav]
            if many:
                coll = self._collection(base, target, linked, sub, f"{self_link}/{nav}")
                out[nav] = coll["value"]
                if "@iot.nextLink" in coll:
                    out[f"{nav}@iot.nextLink"] = coll["@iot.nextLink"]
                if "@iot.count" in coll:
                    out[f"{nav}@iot.count"] = coll["@iot.count"]
            elif linked:
                out[nav] = self._entity(base, target, linked[0], sub)
        return out


def load_store(paths: list[Path]) -> Store:
    store = Store()
    for path in paths:
        store.load(json.loads(Path(path).read_text(encoding="utf-8")))
    return store


def start(paths: list[Path], page_size: int = 100, max_top: int = 1000, host: str = "127.0.0.1",
          tls=None) -> StaServer:
    """Start a server in a daemon thread; call ``stop()`` when done."""
    server = StaServer(load_store(paths), page_size=page_size, max_top=max_top, host=host, tls=tls)
    threading.Thread(target=server.serve_forever, daemon=True, name="sta-replay").start()
    return server
