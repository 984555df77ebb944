"""twin/examples.py's ``serving``: the one start / wait / stop of the examples' server programs (Mosquitto,
Radicale): a program that exits or never listens is named in the error, and the program is gone afterwards."""
from __future__ import annotations

import socket
import sys

import pytest

from geotwin.twin.examples import serving

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serving_yields_while_the_port_is_open_and_stops_the_program():
    port = free_port()
    listener = (f"import socket; s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(); "
                "[s.accept()[0].close() for _ in range(100)]")
    with serving([sys.executable, "-c", listener], "listener", port, timeout=30):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(OSError, match="refused"):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_serving_names_a_program_that_exits():
    with pytest.raises(RuntimeError, match=r"^quitter exited with code 3$"):
        with serving([sys.executable, "-c", "raise SystemExit(3)"], "quitter", free_port(), timeout=30):
            pass


def test_serving_names_a_program_that_never_listens():
    port = free_port()
    with pytest.raises(RuntimeError, match=rf"^sleeper did not open port {port} within 0.5 s$"):
        with serving(SLEEPER, "sleeper", port, timeout=0.5):
            pass
