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


def test_serving_quotes_the_log_of_a_program_that_exits(tmp_path):
    log = tmp_path / "server.log"
    script = "import sys; print('config line 7: bad'); sys.stderr.write('fatal: no storage\\n'); sys.exit(2)"
    with pytest.raises(RuntimeError, match=r"^crasher exited with code 2: config line 7: bad\nfatal: no storage\n$"):
        with serving([sys.executable, "-c", script], "crasher", free_port(), timeout=30, log=log):
            pass
    assert log.read_text() == "config line 7: bad\nfatal: no storage\n"


@pytest.mark.timeout(60)   # a wall-clock deadline would wait forever here
def test_serving_waits_by_the_monotonic_clock_not_the_wall_clock(monkeypatch):
    """A wall clock set back (NTP) must not make the wait endless: the deadline counts on time.monotonic."""
    import datetime as real_datetime

    class Frozen(real_datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.datetime(2020, 1, 1, tzinfo=tz)

    monkeypatch.setattr("geotwin.twin.examples.datetime", Frozen)
    port = free_port()
    with pytest.raises(RuntimeError, match=rf"^sleeper did not open port {port} within 0.3 s$"):
        with serving(SLEEPER, "sleeper", port, timeout=0.3):
            pass
