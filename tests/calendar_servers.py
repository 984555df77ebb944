"""Real calendar servers for the tests: Radicale (CalDAV, htpasswd auth) in a subprocess on a free loopback
port, and iCalendar feeds served by http.server in a thread."""
from __future__ import annotations

import base64
import contextlib
import http.server
import socket
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from geotwin.twin.examples import serving

USER, PASSWORD = "lehrer", "geheim-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def radicale_server(folder: Path):
    """Yield the base URL of a Radicale server with user USER/PASSWORD (plain htpasswd); its output goes to
    ``folder/radicale.log``, whose end a failure to start quotes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users").write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    cmd = [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
           "--storage-filesystem-folder", str(folder / "collections"), "--auth-type", "htpasswd",
           "--auth-htpasswd-filename", str(folder / "users"), "--auth-htpasswd-encryption", "plain",
           "--rights-type", "owner_only", "--logging-level", "warning"]
    with serving(cmd, "radicale", port, timeout=30, log=folder / "radicale.log"):
        yield f"http://127.0.0.1:{port}/"


def make_calendar(base_url: str, name: str, ics_events: list[str] = ()) -> str:
    """Create collection /USER/<name>/ and put each VCALENDAR text into it; its URL."""
    import caldav

    client = caldav.DAVClient(url=base_url, username=USER, password=PASSWORD, require_tls=False,
                              enable_rfc6764=False)
    cal = client.principal().make_calendar(name=name, cal_id=name)
    url = str(cal.url)
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for n, text in enumerate(ics_events):   # a plain PUT, as any CalDAV client does
        request = urllib.request.Request(f"{url}event-{n}.ics", data=text.encode("utf-8"), method="PUT",
                                         headers={"Content-Type": "text/calendar; charset=utf-8",
                                                  "Authorization": auth})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status in (200, 201, 204), answer.status
    return url


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    redirects: dict[str, str] = {}
    requests: list[tuple[str, str | None]] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.requests.append((self.path, self.headers.get("Authorization")))
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.files.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def feed_server(files: dict[str, bytes], redirects: dict[str, str] | None = None):
    """Yield (base URL, handler class) serving ``files`` ({path: bytes}) on a loopback port; ``redirects``
    ({path: location}) answer 302."""
    handler = type("Feeds", (_Handler,), {"files": dict(files), "redirects": dict(redirects or {}),
                                          "requests": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
