"""The demo's CalDAV server with an account, as an office runs it (scripts/demo.sh, step 9d).

    demo_caldav.py accounts FOLDER USER      an htpasswd account for USER with a new random password (hashed:
                                              bcrypt when the bcrypt module is there, else SHA-512 crypt)
    demo_caldav.py serve FOLDER PORT         run Radicale on 127.0.0.1:PORT with those accounts (owner_only rights)
    demo_caldav.py fill FOLDER PORT OUT      put LI-001.ics of the sample district into /USER/li-001/ (as USER) and
                                              name that collection as LI-001's calendar in OUT/islands.gpkg
    demo_caldav.py authcfg FOLDER URL        (with QGIS_AUTH_DB_DIR_PATH and QGIS_AUTH_PASSWORD_FILE set) store a
                                              Basic configuration of QGIS's authentication manager for URL; prints
                                              its id, which the booking gets as AUTHCFG

The password lives only in FOLDER/password (mode 600), the users file holds its hash, and the QGIS authentication
database holds it encrypted with a random master password (FOLDER/master, mode 600); nothing prints it.
"""
from __future__ import annotations

import base64
import os
import secrets
import sys
import time
import urllib.request
from pathlib import Path


def _secret_file(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text + "\n", encoding="utf-8")


def _hash(password: str) -> tuple[str, str]:
    """(htpasswd hash, Radicale's htpasswd_encryption)."""
    try:
        import bcrypt
    except ImportError:
        from passlib.hash import sha512_crypt  # Radicale's own dependency

        return sha512_crypt.hash(password), "sha512"
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode(), "bcrypt"


def accounts(folder: Path, user: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    _secret_file(folder / "password", password)
    hashed, encryption = _hash(password)
    (folder / "users").write_text(f"{user}:{hashed}\n", encoding="utf-8")
    (folder / "user").write_text(f"{user}\n{encryption}\n", encoding="utf-8")
    print(f"CalDAV account {user} ({encryption} htpasswd; its password is in {folder / 'password'})")


def _account(folder: Path) -> tuple[str, str, str]:
    user, encryption = (folder / "user").read_text(encoding="utf-8").split()
    return user, (folder / "password").read_text(encoding="utf-8").strip(), encryption


def serve(folder: Path, port: str) -> None:
    _, _, encryption = _account(folder)
    os.execv(sys.executable, [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
                              "--storage-filesystem-folder", str(folder / "collections"),
                              "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(folder / "users"),
                              "--auth-htpasswd-encryption", encryption, "--rights-type", "owner_only",
                              "--logging-level", "error"])


def fill(folder: Path, port: str, out: Path) -> None:
    import icalendar
    from osgeo import ogr

    user, password, _ = _account(folder)
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    base = f"http://127.0.0.1:{port}/{user}/"

    def call(url: str, method: str, data: bytes | None = None) -> int:
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "text/calendar", "Authorization": auth})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)

    for _ in range(300):   # wait for the server
        try:
            call(f"http://127.0.0.1:{port}/", "OPTIONS")
            break
        except OSError:
            time.sleep(0.1)
    call(base + "li-001/", "MKCALENDAR")
    # a CalDAV resource holds one event (UID, with its exceptions): the feed is split by UID
    feed = icalendar.Calendar.from_ical((out / "district" / "calendars" / "LI-001.ics").read_bytes())
    zones = [c for c in feed.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list[icalendar.cal.Component]] = {}
    for event in feed.walk("VEVENT"):
        by_uid.setdefault(str(event["UID"]), []).append(event)
    for n, (_, events) in enumerate(sorted(by_uid.items())):
        item = icalendar.Calendar()
        item.add("prodid", "-//GeoTwin demo//DE")
        item.add("version", "2.0")
        for component in zones + events:
            item.add_component(component)
        call(base + f"li-001/event-{n}.ics", "PUT", item.to_ical())
    print(f"{len(by_uid)} events of LI-001.ics put on the server (as {user})")
    ogr.UseExceptions()   # the island now names its CalDAV collection (GDAL: the GeoPackage's triggers need it)
    islands = ogr.Open(str(out / "islands.gpkg"), 1)
    islands.ExecuteSQL(f"UPDATE learning_islands SET calendar = '{base}li-001/', calendar_type = 'caldav' "
                       "WHERE id = 'LI-001'")
    islands = None
    print(f"LI-001's calendar: {base}li-001/ (CalDAV, Radicale on loopback, account {user})")


def authcfg(folder: Path, url: str) -> None:
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    master = Path(os.environ["QGIS_AUTH_PASSWORD_FILE"])
    if not master.exists():
        _secret_file(master, secrets.token_urlsafe(24))
    user, password, _ = _account(folder)
    app = QgsApplication([], False)
    app.initQgis()
    manager = QgsApplication.authManager()
    if not manager.setMasterPassword(master.read_text(encoding="utf-8").strip(), True):
        raise SystemExit("the master password of the demo's authentication database is refused")
    config = QgsAuthMethodConfig()
    config.setName("GeoTwin demo CalDAV")
    config.setMethod("Basic")
    config.setUri(url)
    config.setConfig("username", user)
    config.setConfig("password", password)
    stored = manager.storeAuthenticationConfig(config)
    if not (stored[0] if isinstance(stored, tuple) else stored):
        raise SystemExit("the authentication configuration was not stored")
    print(config.id())
    app.exitQgis()


def main(argv: list[str]) -> None:
    command, folder, *rest = argv
    if command == "accounts":
        accounts(Path(folder), rest[0])
    elif command == "serve":
        serve(Path(folder), rest[0])
    elif command == "fill":
        fill(Path(folder), rest[0], Path(rest[1]))
    elif command == "authcfg":
        authcfg(Path(folder), rest[0])
    else:
        raise SystemExit(f"unknown command {command}: give accounts, serve, fill or authcfg")


if __name__ == "__main__":
    main(sys.argv[1:])
