"""Command line: listen to LoRaWAN uplinks over MQTT as a service, without QGIS.

    python -m geotwin.twin.sensors.listen --broker mqtts://broker:8883 --preset chirpstack \\
        --devices devices.json --output twin.gpkg [--duration 0] [--ca-file ca.pem]

The password comes from the environment variable GEOTWIN_MQTT_PASSWORD (never from the command line,
where other users could read it). SIGTERM and SIGINT stop it cleanly; it prints the counts.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from ..kernel.errors import GeoTwinError
from ..kernel.gpkg import SqliteError
from ..kernel.layers import LayerRef
from ..kernel.progress import Reporter
from .importer import LinkLayers
from .lorawan import TOPIC_PRESETS, Counts, PgUplinkStore, UplinkStore, load_devices
from .mqtt import default_client_id, listen, parse_broker


class _Print(Reporter):
    def info(self, message: str) -> None:
        print(message, flush=True)

    def warning(self, message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)


def safe_dsn(dsn: str) -> str:
    """Remove the password from a PostgreSQL connection string before it is printed.

    Args:
        dsn: the connection string.

    Returns:
        The string without ``password=...``.

    Example:
        >>> safe_dsn("host=db dbname=twin user=geo password=s3cret")
        'host=db dbname=twin user=geo '
    """
    import re

    return re.sub(r"password\s*=\s*('[^']*'|\S+)", "", dsn)


def layer_arg(text: str | None) -> LayerRef | None:
    """A layer of the command line: ``file`` or ``file|layer`` (None: not given).

    Example:
        >>> layer_arg("city.gpkg|footprints"), layer_arg("areas.geojson"), layer_arg(None)
        (LayerRef(path='city.gpkg', layer='footprints'), LayerRef(path='areas.geojson', layer=None), None)
    """
    if not text:
        return None
    path, _, layer = text.partition("|")
    return LayerRef(path, layer.removeprefix("layername=") or None)


def build_parser() -> argparse.ArgumentParser:
    """Make the command line parser of the listener service (``python -m geotwin.twin.sensors.listen``).

    Returns:
        The parser.

    Example:
        >>> args = build_parser().parse_args(["--broker", "localhost", "--devices", "d.json", "--output", "t.gpkg"])
        >>> args.preset, args.duration, args.crs
        ('chirpstack', 0.0, 'EPSG:25832')
    """
    parser = argparse.ArgumentParser(prog="python -m geotwin.twin.sensors.listen",
                                     description="Store LoRaWAN uplinks from MQTT in a twin GeoPackage.")
    parser.add_argument("--broker", required=True, help="host[:port], mqtt://host[:port] or mqtts://host[:port]")
    parser.add_argument("--preset", choices=sorted(TOPIC_PRESETS), default="chirpstack")
    parser.add_argument("--topic", action="append", default=[], help="a topic filter instead of the preset "
                        "(repeatable)")
    parser.add_argument("--devices", required=True, help="device table (JSON or CSV)")
    parser.add_argument("--output", help="twin or sensors GeoPackage (created when missing)")
    parser.add_argument("--dsn", default=os.environ.get("GEOTWIN_PG_DSN"),
                        help="or a PostgreSQL connection string of a twin built in PostGIS (default $GEOTWIN_PG_DSN)")
    parser.add_argument("--schema", default="geotwin", help="the twin's PostGIS schema (with --dsn)")
    parser.add_argument("--duration", type=float, default=0.0, help="seconds; 0 = until SIGTERM/SIGINT")
    parser.add_argument("--username", default=os.environ.get("GEOTWIN_MQTT_USERNAME"))
    parser.add_argument("--ca-file", help="CA certificate(s) for TLS; default: the system's CAs")
    parser.add_argument("--client-id", help="MQTT client id (default: fixed per output and topics)")
    parser.add_argument("--crs", default="EPSG:25832", help="CRS of a new output")
    parser.add_argument("--buildings", help="building footprints (file or file|layer) to link a device without an "
                        "imported sensor to, as the sensor import does (also the devices an earlier run without "
                        "--buildings/--areas left unlinked)")
    parser.add_argument("--areas", help="areas: parks, squares (file or file|layer), as the sensor import's")
    parser.add_argument("--tolerance", type=float, default=15.0, help="metres to the nearest façade (default 15)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the listener service: store the uplinks of the devices in the device table until the duration is over,
    or SIGTERM/SIGINT (``python -m geotwin.twin.sensors.listen``).

    Args:
        argv: the arguments (None: the command line's).

    Returns:
        The exit status: 0 after a clean stop, 1 after an error (printed).

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.suppress(SystemExit):
        ...     main(["--broker", "localhost", "--devices", "d.json", "--dsn", ""])   # neither --output nor --dsn
        >>> "give --output (a GeoPackage) or --dsn (a PostGIS twin)" in err.getvalue()
        True
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.output and not args.dsn:
        parser.error("give --output (a GeoPackage) or --dsn (a PostGIS twin)")
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        print(f"stopping ({signal.Signals(signum).name})", flush=True)
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    counts = Counts()
    try:
        broker = parse_broker(args.broker)
        if args.ca_file:
            broker.tls, broker.ca_file = True, args.ca_file
        broker.username = args.username
        broker.password = os.environ.get("GEOTWIN_MQTT_PASSWORD") if args.username else None
        topics = args.topic or TOPIC_PRESETS[args.preset]
        where = args.output or f"postgis:{safe_dsn(args.dsn)}/{args.schema}"
        broker.client_id = args.client_id or default_client_id(where, topics)
        devices = load_devices(args.devices)
        links = (LinkLayers(layer_arg(args.buildings), layer_arg(args.areas), args.tolerance)
                 if args.buildings or args.areas else None)
        store = UplinkStore(args.output, devices, args.crs, links) if args.output else \
            PgUplinkStore(args.dsn, args.schema, devices, links)
        if store.relinked:
            print(f"{store.relinked} sensors an earlier run left unlinked are linked now", flush=True)
        try:
            counts = listen(broker, topics, store, duration=args.duration, reporter=_Print(), stop=stop,
                            on_progress=lambda c: print(c.line(), flush=True))
        finally:
            store.close()
    except (GeoTwinError, SqliteError, OSError) as err:   # a store fault ends the service with its message
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(counts.line(), flush=True)
    for eui, n in sorted(counts.unknown_devices.items()):
        print(f"unknown device {eui}: {n} messages", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
