"""The browser tests' HTTP handler base: static files of a site folder without a request log, and
``send_json`` for the answers the tests compute themselves (a SensorThings proxy, test controls)."""
from __future__ import annotations

from http.server import SimpleHTTPRequestHandler


class JsonAnswerHandler(SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler (``directory=`` the site) that logs nothing and can answer JSON bytes."""

    def send_json(self, body: bytes, status: int = 200) -> None:
        """Answer ``body`` (JSON text, UTF-8) with ``status``, its Content-Type and Content-Length."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass
