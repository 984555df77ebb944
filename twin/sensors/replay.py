"""Replay recorded uplinks (JSON lines of {"topic", "payload"}) into an MQTT broker, for a demo:

    python -m geotwin.twin.sensors.replay --broker 127.0.0.1:1883 sample/sensors.uplinks.jsonl [--skip N] [--limit N]
"""
from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
from pathlib import Path

from ..kernel.errors import GeoTwinError, InputError
from .mqtt import Broker, parse_broker


def read_recording(path: str | Path, limit: int | None = None, skip: int = 0) -> list[tuple[str, bytes]]:
    """Read a recording of MQTT messages: one JSON object per line with ``topic`` and ``payload`` (an object, or
    text).

    Args:
        path: the recording (JSON lines).
        limit: the most messages read.
        skip: messages left out before the first one read (e.g. those a sensor import already holds).

    Returns:
        (topic, payload bytes) of each line.

    Raises:
        InputError: a line without both (naming it).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "uplinks.jsonl"
        ...     _ = path.write_text('{"topic": "application/1/device/a/event/up", "payload": {"fCnt": 1}}\\n'
        ...                         '{"topic": "application/1/device/a/event/up", "payload": {"fCnt": 2}}\\n')
        ...     read_recording(path), read_recording(path, skip=1)
        ([('application/1/device/a/event/up', b'{"fCnt": 1}'), ('application/1/device/a/event/up', b'{"fCnt": 2}')], \
[('application/1/device/a/event/up', b'{"fCnt": 2}')])
    """
    out: list[tuple[str, bytes]] = []
    skipped = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if limit is not None and len(out) >= limit:
                break
            if not line.strip():
                continue
            if skipped < skip:
                skipped += 1
                continue
            try:
                doc = json.loads(line)
                topic, payload = doc["topic"], doc["payload"]
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise InputError(f"not a recorded message ({err})", path=str(path), line=number) from None
            out.append((str(topic), json.dumps(payload).encode() if not isinstance(payload, str) else payload.encode()))
    return out


def publish(broker: Broker, messages: list[tuple[str, bytes]], qos: int = 1) -> int:
    """Publish messages to an MQTT broker and wait for its acknowledgements.

    Args:
        broker: the broker (host, port, TLS, credentials, client id).
        messages: (topic, payload) of each message, as read_recording gives them.
        qos: the QoS of the messages.

    Returns:
        The number published.

    Raises:
        GeoTwinError: the broker cannot be reached, or does not acknowledge a message within 30 s.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import mosquitto
        >>> from geotwin.twin.sample.sensors import write_lorawan
        >>> from .mqtt import parse_broker
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = write_lorawan(Path(tmp) / "devices.json", Path(tmp) / "uplinks.jsonl", 0)
        ...     messages = read_recording(Path(tmp) / "uplinks.jsonl", limit=5)
        >>> with mosquitto() as broker:   # a real broker on 127.0.0.1
        ...     publish(broker, messages)
        ...     stopped = broker
        5
        >>> publish(stopped, messages)   # the broker is gone
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: cannot connect to the MQTT broker mqtt://127.0.0.1:...: ...refused
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=broker.client_id or "")
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    if broker.tls:
        client.tls_set_context(ssl.create_default_context(cafile=broker.ca_file) if broker.ca_file
                               else ssl.create_default_context())
    try:
        client.connect(broker.host, broker.port)
    except (OSError, ssl.SSLError) as err:
        raise GeoTwinError(f"cannot connect to the MQTT broker {broker.describe()}: {err}") from None
    client.loop_start()
    try:
        infos = [client.publish(topic, payload, qos=qos) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(30)
            if not info.is_published():
                raise GeoTwinError(f"the MQTT broker {broker.describe()} did not acknowledge a message")
    finally:
        client.disconnect()
        client.loop_stop()
    return len(messages)


def main(argv: list[str] | None = None) -> int:
    """Replay a recording into an MQTT broker from the command line (``python -m geotwin.twin.sensors.replay``);
    the password comes from GEOTWIN_MQTT_PASSWORD, the user from ``--username`` or GEOTWIN_MQTT_USERNAME.

    Args:
        argv: ``--broker ADDRESS [--ca-file FILE] [--username NAME] [--skip N] [--limit N] RECORDING`` (None:
            sys.argv).

    Returns:
        The exit code: 0 when published, 1 on an error (printed to standard error).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import mosquitto
        >>> from geotwin.twin.sample.sensors import write_lorawan
        >>> tmp = tempfile.TemporaryDirectory()
        >>> recording = Path(tmp.name) / "uplinks.jsonl"
        >>> _ = write_lorawan(Path(tmp.name) / "devices.json", recording, 0)
        >>> with mosquitto() as broker:   # a real broker on 127.0.0.1
        ...     address = f"{broker.host}:{broker.port}"
        ...     main(["--broker", address, "--limit", "12", str(recording)])
        12 messages published to mqtt://127.0.0.1:...
        0
        >>> main(["--broker", address, str(recording)])   # the broker is gone: the error goes to standard error
        1
        >>> tmp.cleanup()
    """
    parser = argparse.ArgumentParser(prog="python -m geotwin.twin.sensors.replay", description=__doc__.split("\n")[0])
    parser.add_argument("--broker", required=True)
    parser.add_argument("--ca-file")
    parser.add_argument("--username", default=os.environ.get("GEOTWIN_MQTT_USERNAME"))
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N messages")
    parser.add_argument("--limit", type=int, help="publish at most N messages")
    parser.add_argument("recording")
    args = parser.parse_args(argv)
    try:
        broker = parse_broker(args.broker)
        if args.ca_file:
            broker.tls, broker.ca_file = True, args.ca_file
        if args.username:
            broker.username, broker.password = args.username, os.environ.get("GEOTWIN_MQTT_PASSWORD")
        n = publish(broker, read_recording(args.recording, args.limit, args.skip))
    except GeoTwinError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{n} messages published to {broker.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
