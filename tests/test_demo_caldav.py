"""The demo's CalDAV server has an account (scripts/demo_caldav.py, step 9d of scripts/demo.sh): a real Radicale
with a hashed htpasswd account refuses a request and a booking without credentials (401, "access denied") and takes
the booking that geotwin:booklearningisland makes through qgis_process with the demo's authentication configuration
(its own QGIS authentication database, unlocked by QGIS_AUTH_PASSWORD_FILE), as the demo runs it. The password
appears in no output."""
from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request

import shapely

from geotwin.tests.calendar_servers import free_port
from geotwin.tests.paths import ROOT
from geotwin.tests.twin.islands.test_importer_fixtures import CRS, X0, Y0
from geotwin.twin.examples import serving

SCRIPT = ROOT / "scripts" / "demo_caldav.py"
USER = "lerninseln"


def _call(url: str, method: str, auth: str | None = None) -> int:
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as err:
        return err.code


def _book(islands, time, env, authcfg=""):
    args = [str(ROOT / "scripts" / "qgis_process"), "run", "geotwin:booklearningisland", "--",
            f"INPUT={islands}|layername=learning_islands", "ISLAND=LI-001", f"TIME={time}", "DURATION=30", "SEATS=6",
            "NAME=Nachhilfe Physik"] + ([f"AUTHCFG={authcfg}"] if authcfg else [])
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_demo_books_with_an_account_and_refuses_anonymous_bookings(tmp_path):
    from geotwin.twin.kernel.gpkg import GpkgWriter
    from geotwin.twin.kernel.schema.islands import LEARNING_ISLANDS

    rad = tmp_path / "radicale"
    made = subprocess.run([sys.executable, str(SCRIPT), "accounts", str(rad), USER], capture_output=True, text=True,
                          check=True)
    password = (rad / "password").read_text(encoding="utf-8").strip()
    assert len(password) >= 20 and stat.S_IMODE((rad / "password").stat().st_mode) == 0o600
    users = (rad / "users").read_text(encoding="utf-8")
    assert users.startswith(f"{USER}:$") and password not in users          # hashed (SHA-512 crypt or bcrypt)
    assert password not in made.stdout + made.stderr
    port = free_port()
    with serving([sys.executable, str(SCRIPT), "serve", str(rad), str(port)], "radicale", port, timeout=60,
                 log=rad / "radicale.log"):
        base = f"http://127.0.0.1:{port}/{USER}/"
        assert _call(base + "li-001/", "MKCALENDAR") == 401
        assert _call(base + "li-001/", "MKCALENDAR", f"{USER}:wrong-password") == 401
        assert _call(base + "li-001/", "MKCALENDAR", f"{USER}:{password}") == 201
        islands = tmp_path / "islands.gpkg"
        writer = GpkgWriter(islands, CRS)
        writer.add(LEARNING_ISLANDS, {"id": "LI-001", "seats": 8, "opening_hours": "Mo-Fr 08:00-18:00",
                                      "calendar": base + "li-001/", "calendar_type": "caldav"}, shapely.Point(X0, Y0))
        writer.close()
        (tmp_path / "qgis-auth").mkdir()
        env = {**os.environ, "QGIS_AUTH_DB_DIR_PATH": str(tmp_path / "qgis-auth"),
               "QGIS_AUTH_PASSWORD_FILE": str(tmp_path / "qgis-auth" / "master")}
        cfg = subprocess.run([str(ROOT / "scripts" / "env.sh"), sys.executable, str(SCRIPT), "authcfg", str(rad),
                              f"http://127.0.0.1:{port}/"], env=env, capture_output=True, text=True, timeout=300)
        assert cfg.returncode == 0, cfg.stderr[-2000:]
        authcfg = cfg.stdout.strip().splitlines()[-1]
        assert len(authcfg) == 7 and password not in cfg.stdout + cfg.stderr
        # without credentials: the server answers 401, the booking is refused and nothing is written
        code, anonymous = _book(islands, "2026-11-24T15:30:00", env)
        assert code != 0 and "access denied" in anonymous, anonymous[-2000:]
        # with the demo's authentication configuration: booked
        code, booked = _book(islands, "2026-11-24T15:30:00", env, authcfg)
        assert code == 0 and "BOOKED:\ttrue" in booked, booked[-2000:]
        assert "island LI-001 booked 2026-11-24 15:30-16:00 for 6 seats" in booked
        with urllib.request.urlopen(urllib.request.Request(base + "li-001/", headers={
                "Authorization": "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()}),
                timeout=10) as answer:
            calendar = answer.read().decode()
        assert calendar.count("BEGIN:VEVENT") == 1 and "Nachhilfe Physik (6 seats)" in calendar
        assert password not in anonymous + booked
    assert password not in (rad / "radicale.log").read_text(errors="replace")


def test_an_unknown_command_is_named():
    proc = subprocess.run([sys.executable, str(SCRIPT), "nothing", "x"], capture_output=True, text=True)
    assert proc.returncode == 1 and "unknown command nothing: give accounts, serve, fill or authcfg" in proc.stderr
