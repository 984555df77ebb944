"""Helpers of the SensorThings security tests: a raw TCP server that answers every connection with
scripted bytes (broken HTTP that http.server cannot produce), and a test CA with a certificate for
127.0.0.1 (made with the openssl command line tool)."""
from __future__ import annotations

import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path


class RawServer:
    """Accepts connections on ``host``; ``script(conn)`` writes whatever it likes to each one."""

    def __init__(self, script: Callable[[socket.socket], None], host: str = "127.0.0.1") -> None:
        self.script = script
        self.sock = socket.create_server((host, 0))
        self.port = self.sock.getsockname()[1]
        self.host = host
        self.connections = 0
        self.received: list[bytes] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True, name="raw-server").start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/FROST-Server/v1.1"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                more = conn.recv(65536)
                if not more:
                    break
                data += more
            self.received.append(data)
            self.script(conn)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stop(self) -> None:
        self.stopped.set()
        self.sock.close()


def send(payload: bytes) -> Callable[[socket.socket], None]:
    return lambda conn: conn.sendall(payload)


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def drip(payload: bytes, delay: float) -> Callable[[socket.socket], None]:
    def script(conn: socket.socket) -> None:
        for i in range(len(payload)):
            conn.sendall(payload[i:i + 1])
            time.sleep(delay)
    return script


def http(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
            "Connection: close\r\n\r\n").encode() + body


def make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate for 127.0.0.1, server key)."""
    ca_key, ca_crt = folder / "ca.key", folder / "ca.crt"
    key, csr, crt, ext = folder / "server.key", folder / "server.csr", folder / "server.crt", folder / "ext.cnf"

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "2",
        "-subj", "/CN=GeoTwin test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(crt), "-days", "2", "-extfile", str(ext))
    return ca_crt, crt, key


def server_context(crt: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(crt), str(key))
    return context


class Proxy:
    """A minimal HTTP proxy on 127.0.0.1: CONNECT tunnels and absolute-form GETs, each relayed byte
    for byte; ``requests`` keeps every request line and ``auth`` every Proxy-Authorization seen."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self.auth: list[str | None] = []
        self.forwarded_heads: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True, name="proxy").start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        from urllib.parse import urlsplit

        upstream = None
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                more = conn.recv(65536)
                if not more:
                    return
                data += more
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ")
            self.requests.append(lines[0])
            self.auth.append(next((ln.split(":", 1)[1].strip() for ln in lines[1:]
                                   if ln.lower().startswith("proxy-authorization:")), None))
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)))
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                parts = urlsplit(target)
                upstream = socket.create_connection((parts.hostname, parts.port or 80))
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                kept = [ln for ln in lines[1:] if not ln.lower().startswith("proxy-authorization:")]
                forwarded = "\r\n".join([f"{method} {path} {version}", *kept]).encode("latin-1") + b"\r\n\r\n"
                self.forwarded_heads.append(forwarded)
                upstream.sendall(forwarded + rest)
            _pipe(conn, upstream)
        except OSError:
            pass
        finally:
            for s in (conn, upstream):
                if s is not None:
                    s.close()

    def stop(self) -> None:
        self.sock.close()


def _pipe(a: socket.socket, b: socket.socket) -> None:
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, b)
    sel.register(b, selectors.EVENT_READ, a)
    while True:
        for key, _ in sel.select(timeout=10):
            data = key.fileobj.recv(65536)
            if not data:
                return
            key.data.sendall(data)
