"""An MQTT subscription (paho-mqtt 2.x) that feeds LoRaWAN uplinks into an UplinkStore.

QoS 1 with a persistent session (clean_session=False and a fixed client id): the broker keeps what is
published while the listener is away, and a message is acknowledged only after its rows are committed,
so a crash or a broker restart loses nothing; what is delivered twice is recognised as a duplicate.
"""
from __future__ import annotations

import hashlib
import queue
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..kernel.errors import GeoTwinError
from ..kernel.progress import Reporter
from .lorawan import Counts, UplinkStore

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt
    from paho.mqtt.client import ConnectFlags, DisconnectFlags
    from paho.mqtt.properties import Properties
    from paho.mqtt.reasoncodes import ReasonCode

BATCH = 500
CONNECT_TIMEOUT_S = 15.0


@dataclass
class Broker:
    host: str
    port: int
    tls: bool = False
    ca_file: str | None = None        # None: the system's CAs
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    insecure: bool = False           # skip the host name check (self-signed certificate for another name)

    def describe(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def parse_broker(text: str) -> Broker:
    """Read the broker address of a LoRaWAN network server's MQTT integration.

    Args:
        text: ``host``, ``host:port``, ``mqtt://host[:port]`` or ``mqtts://host[:port]`` (TLS).

    Returns:
        The Broker (port 1883, with TLS 8883, when none is given).

    Raises:
        GeoTwinError: no host, an unknown scheme, credentials, a path or a query in the address.

    Example:
        >>> parse_broker("mqtts://lns.example.org")
        Broker(host='lns.example.org', port=8883, tls=True, ca_file=None, username=None, password=None,
               client_id=None, insecure=False)
        >>> parse_broker("127.0.0.1:1884").describe()
        'mqtt://127.0.0.1:1884'
        >>> parse_broker("mqtt://user:secret@lns.example.org")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: credentials in the broker address are refused: ...
    """
    text = (text or "").strip()
    if not text:
        raise GeoTwinError("no MQTT broker given")
    if "://" not in text:
        text = "mqtt://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise GeoTwinError(f"not a broker address: {text[:80]!r} ({err})") from None
    if parts.scheme not in ("mqtt", "mqtts", "ssl", "tls", "tcp"):
        raise GeoTwinError(f"unknown broker scheme {parts.scheme!r}: use mqtt:// or mqtts://")
    if parts.username is not None or parts.password is not None:
        raise GeoTwinError("credentials in the broker address are refused: use an authentication configuration")
    if not parts.hostname:
        raise GeoTwinError(f"no host in the broker address {text[:80]!r}")
    if parts.path not in ("", "/") or parts.query:
        raise GeoTwinError(f"a broker address has no path or query: {text[:80]!r}")
    tls = parts.scheme in ("mqtts", "ssl", "tls")
    return Broker(parts.hostname, port or (8883 if tls else 1883), tls)


def default_client_id(output: str | Path, topics: list[str]) -> str:
    """Make the MQTT client id of a listener: fixed per output and topics, so that a restarted listener
    resumes its persistent broker session.

    Args:
        output: the GeoPackage (its resolved path counts) or ``postgis:...`` target.
        topics: the subscribed topics (their order does not matter).

    Returns:
        ``geotwin-`` and 16 hex digits.

    Example:
        >>> a = default_client_id("postgis:twin", ["application/+/device/+/event/up", "v3/+/devices/+/up"])
        >>> a == default_client_id("postgis:twin", ["v3/+/devices/+/up", "application/+/device/+/event/up"])
        True
        >>> a.startswith("geotwin-"), len(a)
        (True, 24)
    """
    text = str(output)
    where = text if text.startswith("postgis:") else str(Path(text).resolve())
    digest = hashlib.sha1(f"{where}|{'|'.join(sorted(topics))}".encode()).hexdigest()[:16]
    return f"geotwin-{digest}"


Message = tuple[str, bytes, int, int]  # topic, payload, message id, QoS


class _Session:
    """The paho client of one ``listen`` run, the messages its network thread queues and what its callbacks saw."""

    def __init__(self, broker: Broker, topics: list[str], client_id: str, qos: int, reporter: Reporter) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.broker, self.topics, self.qos = broker, topics, qos
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.refused: str | None = None
        self.disconnects = 0
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                             protocol=mqtt.MQTTv311, manual_ack=True)
        client.reconnect_delay_set(1, 5)
        if broker.username is not None:
            client.username_pw_set(broker.username, broker.password)
            if not broker.tls:
                reporter.warning(f"credentials are sent to {broker.describe()} without TLS")
        if broker.tls:
            context = ssl.create_default_context(cafile=broker.ca_file) if broker.ca_file else \
                ssl.create_default_context()
            if broker.insecure:
                context.check_hostname = False
            client.tls_set_context(context)
        client.on_connect, client.on_disconnect, client.on_message = \
            self.on_connect, self.on_disconnect, self.on_message
        client.on_subscribe = self.on_subscribe
        self.client = client

    def on_connect(self, client: mqtt.Client, _userdata: object, _flags: ConnectFlags, reason_code: ReasonCode,
                   _properties: Properties | None) -> None:
        if reason_code.is_failure:
            self.refused = str(reason_code)
            return
        client.subscribe([(topic, self.qos) for topic in self.topics])
        self.connected.set()

    def on_subscribe(self, _client: mqtt.Client, _userdata: object, _mid: int, reason_codes: list[ReasonCode],
                     _properties: Properties | None) -> None:
        failed = [str(code) for code in reason_codes if code.is_failure]
        if failed:
            self.refused = f"subscription refused ({', '.join(failed)})"
        self.subscribed.set()

    def on_disconnect(self, _client: mqtt.Client, _userdata: object, _flags: DisconnectFlags,
                      _reason_code: ReasonCode, _properties: Properties | None) -> None:
        self.connected.clear()
        self.disconnects += 1

    def on_message(self, _client: mqtt.Client, _userdata: object, message: mqtt.MQTTMessage) -> None:
        self.inbox.put((message.topic, bytes(message.payload), message.mid, message.qos))

    def connect(self) -> None:
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        except (OSError, ssl.SSLError, ValueError) as err:
            raise GeoTwinError(f"cannot connect to the MQTT broker {self.broker.describe()}: {err}") from None

    def check_refused(self) -> None:
        if self.refused:
            raise GeoTwinError(f"the MQTT broker {self.broker.describe()} refused the connection: {self.refused}")

    def wait_subscribed(self, reporter: Reporter) -> None:
        """Until the broker confirmed the subscription; a refusal, a closed connection or a timeout raise."""
        waited = time.monotonic()
        while not self.subscribed.is_set():
            self.check_refused()
            if self.disconnects and not self.connected.is_set() and time.monotonic() - waited > 2:
                raise GeoTwinError(f"the MQTT broker {self.broker.describe()} closed the connection")
            if time.monotonic() - waited > CONNECT_TIMEOUT_S:
                raise GeoTwinError(f"no answer from the MQTT broker {self.broker.describe()} within "
                                   f"{CONNECT_TIMEOUT_S:g} s")
            reporter.check()
            time.sleep(0.05)

    def next_batch(self, timeout: float) -> list[Message]:
        """Up to BATCH queued messages, waiting at most ``timeout`` seconds for the first."""
        try:
            batch = [self.inbox.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(batch) < BATCH:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def store_batch(self, batch: list[Message], store: UplinkStore, counts: Counts) -> None:
        """Store the batch in one transaction, then acknowledge its messages (only once the rows are committed)."""
        store.begin()
        for topic, payload, _mid, _qos in batch:
            store.handle(topic, payload, counts)
        store.commit()
        for _topic, _payload, mid, mqos in batch:
            if mqos > 0:
                self.client.ack(mid, mqos)

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001 - already gone
            pass
        self.client.loop_stop()


def listen(broker: Broker, topics: list[str], store: UplinkStore, *, duration: float = 0.0,
           reporter: Reporter | None = None, stop: threading.Event | None = None,
           on_progress: Callable[[Counts], None] | None = None, qos: int = 1) -> Counts:
    """Subscribe to a LoRaWAN network server's MQTT topics and store the uplinks that arrive, until ``duration``
    seconds have passed (0: until stopped or cancelled). QoS 1 with a persistent session (see the module
    docstring): what is published while the listener is away arrives on its next run.

    Args:
        broker: the broker (host, port, TLS, credentials; ``client_id`` None: one fixed per store and topics).
        topics: the topics (MQTT wildcards allowed).
        store: where the uplinks go (an UplinkStore of a sensors or twin GeoPackage).
        duration: seconds to listen; 0 until ``stop`` is set or the reporter is cancelled.
        reporter: receives the log and progress, and is asked for cancellation.
        stop: set it (from another thread or ``on_progress``) to stop.
        on_progress: called with the counts whenever they change (at most about once a second when idle).
        qos: the subscription's QoS.

    Returns:
        The Counts: messages received, uplinks stored, observations, duplicates, unknown devices, malformed.

    Raises:
        GeoTwinError: no topics, the broker cannot be reached, refuses the connection or the subscription, or does
            not answer within 15 s.

    Example:
        >>> import tempfile, threading
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import mosquitto
        >>> from geotwin.twin.sample.sensors import write_lorawan
        >>> from .lorawan import UplinkStore, load_devices
        >>> from .replay import publish, read_recording
        >>> tmp = tempfile.TemporaryDirectory()
        >>> folder = Path(tmp.name)
        >>> write_lorawan(folder / "devices.json", folder / "uplinks.jsonl", 0)   # the sample district's devices
        (13, 8736)
        >>> messages = read_recording(folder / "uplinks.jsonl", limit=26)   # their first two uplinks each
        >>> store = UplinkStore(folder / "sensors.gpkg", load_devices(folder / "devices.json"), "EPSG:25832")
        >>> topics = ["application/+/device/+/event/up"]
        >>> with mosquitto() as broker:   # a real broker on 127.0.0.1
        ...     first = listen(broker, topics, store, duration=0.1)   # opens the persistent session
        ...     sent = publish(broker, messages)                      # kept for the session while it is away
        ...     done = threading.Event()
        ...     counts = listen(broker, topics, store, duration=30, stop=done,
        ...                     on_progress=lambda c: c.received >= sent and done.set())
        >>> first.received, sent, counts.line()
        (0, 26, '26 messages: 26 uplinks stored (26 observations), 0 duplicates, 0 from unknown devices, 0 malformed')
        >>> len({topic.split("/")[3] for topic, _ in messages})   # devices in the recording's first 26 lines
        13
        >>> store.close()
        >>> import sqlite3, contextlib
        >>> with contextlib.closing(sqlite3.connect(folder / "sensors.gpkg")) as db:
        ...     db.execute("SELECT count(*), count(DISTINCT dev_eui) FROM lorawan_uplinks").fetchone()
        (26, 13)
        >>> tmp.cleanup()
    """
    reporter = reporter or Reporter()
    stop = stop or threading.Event()
    if not topics:
        raise GeoTwinError("no MQTT topics given")
    client_id = broker.client_id or f"geotwin-{hashlib.sha1(str(store.path).encode()).hexdigest()[:16]}"
    session = _Session(broker, topics, client_id, qos, reporter)
    session.connect()
    counts = Counts()
    session.client.loop_start()
    try:
        session.wait_subscribed(reporter)
        reporter.info(f"listening on {broker.describe()} to {', '.join(topics)} (client id {client_id})")
        _receive(session, store, counts, duration, stop, reporter, on_progress)
    finally:
        session.close()
    return counts


def _receive(session: _Session, store: UplinkStore, counts: Counts, duration: float, stop: threading.Event,
             reporter: Reporter, on_progress: Callable[[Counts], None] | None) -> None:
    """Store what arrives until the deadline, ``stop`` or a cancel; report the counts when they change."""
    deadline = time.monotonic() + duration if duration > 0 else None
    last_report, reported = time.monotonic(), None
    while not stop.is_set() and not reporter.is_cancelled():
        if deadline is not None and time.monotonic() >= deadline:
            break
        session.check_refused()
        timeout = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
        batch = session.next_batch(timeout)
        if batch:
            session.store_batch(batch, store, counts)
        now = time.monotonic()
        if deadline is not None:
            reporter.progress(min(100.0, 100.0 * (1.0 - (deadline - now) / duration)))
        if (now - last_report >= 1.0 or batch) and reported != counts.line():
            reported = counts.line()
            last_report = now
            if on_progress:
                on_progress(counts)
