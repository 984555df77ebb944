"""A real Mosquitto broker for the tests: own temp config, a free loopback port, optional TLS (a
self-signed certificate made with openssl) and a password file; restartable on the same port."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
DATA = Path(__file__).parent / "twin" / "sensors" / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(folder: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and 127.0.0.1; returns (cert, key)."""
    cert, key = folder / "broker.crt", folder / "broker.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={name}", "-addext",
                    f"subjectAltName=DNS:{name},IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


class Mosquitto:
    def __init__(self, folder: Path, tls: bool = False, users: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.tls = tls
        self.proc: subprocess.Popen | None = None
        self.cert = None
        lines = [f"listener {self.port} 127.0.0.1", "persistence true", f"persistence_location {folder}/",
                 "autosave_interval 1", f"log_dest file {folder}/mosquitto.log", "log_type all",
                 "max_queued_messages 10000"]
        if os.geteuid() == 0:
            lines.append("user root")   # else mosquitto drops to the user mosquitto, who cannot read the temp dir
        if users:
            pw = folder / "passwords"
            pw.write_text("")
            for user, password in users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(pw), user, password], check=True, capture_output=True)
            lines += ["allow_anonymous false", f"password_file {pw}"]
        else:
            lines.append("allow_anonymous true")
        if tls:
            self.cert, key = self_signed(folder)
            lines += [f"certfile {self.cert}", f"keyfile {key}"]
        self.config = folder / "mosquitto.conf"
        self.config.write_text("\n".join(lines) + "\n")

    def start(self) -> Mosquitto:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        for _ in range(200):
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.proc.stderr.read().decode()} {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not open its port")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()      # SIGTERM: the broker saves its persistence file
            self.proc.wait(10)
        self.proc = None

    def log(self) -> str:
        path = self.folder / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def publish(self, messages: list[tuple[str, bytes]], username: str | None = None,
                password: str | None = None) -> None:
        """Publish with QoS 1 and wait until the broker has acknowledged every message."""
        import ssl

        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{time.monotonic_ns()}")
        if username:
            client.username_pw_set(username, password)
        if self.tls:
            client.tls_set_context(ssl.create_default_context(cafile=str(self.cert)))
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        try:
            infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
            for info in infos:
                info.wait_for_publish(10)
                assert info.is_published()
        finally:
            client.disconnect()
            client.loop_stop()


def recordings(name: str) -> list[tuple[str, bytes]]:
    """(topic, payload) of a recorded uplink file (JSON lines of {"topic", "payload"})."""
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        out.append((doc["topic"], json.dumps(doc["payload"]).encode()))
    return out
