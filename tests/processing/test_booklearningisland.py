"""geotwin:booklearningisland (and refreshislandavailability) with an authcfg of QGIS's authentication manager
against a real CalDAV server (Radicale); own auth database in a subprocess."""
from __future__ import annotations

from geotwin.tests.auth_config import run_auth_script
from geotwin.tests.calendar_servers import PASSWORD, USER, make_calendar, radicale_server
from geotwin.tests.twin.islands.test_importer_fixtures import CRS, X0, Y0

SCRIPT = """
    ids = {name: basic_auth(name, sys.argv[3], password, uri)
           for name, password, uri in (("right", sys.argv[4], ""), ("wrong", "nope", ""),
                                       ("elsewhere", sys.argv[4], "https://elsewhere.example/"))}
    layer = sys.argv[1]
    runs = [("book", "dav", "2026-11-24T10:00:00", 90, "right"),
            ("conflict", "dav", "2026-11-24T11:00:00", 30, "right"),
            ("wrong", "dav", "2026-11-24T15:00:00", 30, "wrong"),
            ("elsewhere", "dav", "2026-11-24T15:00:00", 30, "elsewhere"),
            ("link", "web", "2026-11-24T15:00:00", 45, "")]
    results = {}
    for key, island, time, minutes, auth in runs:
        try:
            res = processing.run("geotwin:booklearningisland", {
                "INPUT": layer, "ISLAND": island, "TIME": time, "DURATION": minutes, "SEATS": 2,
                "NAME": "Klasse 7b", "AUTHCFG": ids.get(auth, "")}, feedback=Feedback())
            results[key] = {k: res[k] for k in ("BOOKED", "UID", "BOOKING_URL", "MESSAGE")}
        except Exception as err:
            results[key] = str(err)
    res = processing.run("geotwin:refreshislandavailability", {
        "INPUT": layer, "START": "2026-11-24T00:00:00", "END": "2026-11-25T00:00:00", "AUTHCFG": ids["right"],
        "OUTPUT": sys.argv[2]}, feedback=Feedback())
    results["refresh"] = {k: res[k] for k in ("CALENDARS", "BUSY", "FREE", "ERRORS")}
    finish(results)
"""


def test_book_with_authcfg_conflict_wrong_password_and_link(tmp_path, python_exe):
    import pyogrio
    import shapely

    from geotwin.twin.kernel.gpkg import GpkgWriter
    from geotwin.twin.kernel.schema.islands import LEARNING_ISLANDS

    with radicale_server(tmp_path / "radicale") as base:
        cal = make_calendar(base, "li-002")
        writer = GpkgWriter(tmp_path / "l.gpkg", CRS)
        for k, rec in enumerate([{"id": "dav", "calendar": cal, "calendar_type": "caldav"},
                                 {"id": "web", "booking_url": "https://b.example/buchen?i={island}&von={start}"}]):
            writer.add(LEARNING_ISLANDS, {"seats": 8, "opening_hours": "Mo-Fr 08:00-18:00; PH,SH off", **rec},
                       shapely.Point(X0 + k, Y0))
        writer.close()
        out = tmp_path / "avail.gpkg"
        proc, doc = run_auth_script(SCRIPT, [f"{tmp_path / 'l.gpkg'}|layername=learning_islands", str(out), USER,
                                             PASSWORD], tmp_path, python_exe)
    results = doc["results"]
    assert results["book"]["BOOKED"] is True and results["book"]["UID"].endswith("@geotwin")
    assert "island dav is already booked from 2026-11-24 10:00 to 2026-11-24 11:30" in results["conflict"]
    assert "access denied" in results["wrong"]
    assert "access denied" in results["elsewhere"]          # credentials for another host are not sent
    assert results["link"]["BOOKED"] is False
    assert results["link"]["BOOKING_URL"] == "https://b.example/buchen?i=web&von=2026-11-24T15%3A00%2B01%3A00"
    assert results["refresh"] == {"CALENDARS": 1, "BUSY": 1, "FREE": 2, "ERRORS": 0}
    rows = pyogrio.read_dataframe(out, layer="island_availability")
    assert sorted(rows["status"]) == ["busy", "free", "free"]
    assert PASSWORD not in proc.stdout and PASSWORD not in proc.stderr
    assert PASSWORD.encode() not in out.read_bytes()
