"""The kernel's HTTP client, on the standard library, safe against a hostile or faulty server: written for the
OGC SensorThings API (v1.0/v1.1; its paging and entity links are here too) and shared by every source that reads
over HTTP (sensors, calendar feeds).

* Credentials (the headers and query parameters of an authentication configuration) are sent only
  to the origin (scheme, host, port) of the configured URL. A redirect (301/302/303/307/308), an
  ``@iot.nextLink`` or a navigation link to another origin is refused with an error naming both
  hosts, whether or not credentials are configured (a service links within itself; a foreign link
  is a misconfigured ``serviceRootUrl`` or an attack). HTTPS to HTTP is refused even on the same
  host. Credentials in the URL are refused. Redirects are followed here, not by urllib, so no
  library code ever forwards a header.
* ``timeout`` bounds each request as a whole (connect, TLS, headers and body, slow drips included);
  the reporter's cancel flag is checked at least every ``POLL`` seconds while waiting.
* ``max_page_bytes`` bounds each answer, counted while reading; ``max_pages`` the pages of one
  collection (a warning, the data read so far is kept) and ``max_total_pages`` all pages (an error).
* Retries (5xx, 429, timeouts, connection failures) with exponential backoff, bounded and cancellable.
* Every failure is a StaError or InputError naming the URL (without credentials), never a traceback.
* The environment's proxy (http_proxy, https_proxy, no_proxy) is used as urllib would: absolute-form
  requests for http, a CONNECT tunnel for https (the proxy sees only the encrypted stream).
"""
from __future__ import annotations

import errno
import json
import os
import re
import select
import socket
import ssl
import string
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from .errors import GeoTwinError, InputError
from .progress import Reporter

JsonObject = dict[str, Any]  # a parsed JSON object (values as json.loads gives them)
# socket.getaddrinfo's entries: family, type, proto, canonname, sockaddr
AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str,
                 tuple[str, int] | tuple[str, int, int, int] | tuple[int, bytes]]

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
POLL = 0.25                      # seconds between cancel/deadline checks while waiting on the network
MAX_HEAD_BYTES = 64 * 1024       # status line and headers of one answer
MAX_ERROR_BYTES = 64 * 1024      # body kept of an error answer (for its message)
DEFAULT_PAGE_MB = 64.0
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


class StaError(GeoTwinError):
    """The SensorThings service failed or answered something unusable."""


class _Transient(Exception):
    """A failure worth a retry (timeout, connection, 5xx); the message is user-facing."""


@dataclass
class Page:
    url: str
    items: list[object]     # the ``value`` array as sent (entities are JSON objects unless the server is broken)
    next_link: str | None


def entity_url(entity_set: str, entity_id: str | int | float) -> str:
    """Address one SensorThings entity.

    Args:
        entity_set: the entity set (``Things``, ``Datastreams``...).
        entity_id: its ``@iot.id``.

    Returns:
        ``Datastreams(5)`` for a numeric id, ``Things('a''b')`` (quotes doubled, URL-encoded) for a text one.

    Example:
        >>> entity_url("Datastreams", 5), entity_url("Datastreams", 5.0)
        ('Datastreams(5)', 'Datastreams(5)')
        >>> entity_url("Things", "Schule 1")
        "Things('Schule%201')"
    """
    if isinstance(entity_id, (int, float)) and not isinstance(entity_id, bool):
        return f"{entity_set}({int(entity_id)})"
    return f"{entity_set}('{quote(str(entity_id).replace(chr(39), chr(39) * 2), safe='')}')"


def origin(url: str) -> tuple[str, str, int]:
    """Give the origin of an http(s) URL (what credentials and redirects are bound to).

    Args:
        url: the URL.

    Returns:
        (scheme, host in lower case, port; 80/443 when not given).

    Raises:
        StaError: not an http(s) URL.

    Example:
        >>> origin("https://Sensors.Example.org/v1.1/Things")
        ('https', 'sensors.example.org', 443)
        >>> origin("ftp://example.org")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.http.StaError: not an http(s) URL: 'ftp://example.org'
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise StaError(f"not a valid URL: {safe_url(url)!r} ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise StaError(f"not an http(s) URL: {safe_url(url)!r}")
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def origin_text(url: str) -> str:
    """Write the origin of an http(s) URL as text.

    Args:
        url: the URL.

    Returns:
        ``scheme://host:port`` (an IPv6 host in brackets).

    Example:
        >>> origin_text("http://[::1]:8080/v1.1"), origin_text("https://example.org/x")
        ('http://[::1]:8080', 'https://example.org:443')
    """
    scheme, host, port = origin(url)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}"


def safe_url(url: str) -> str:
    """Remove the user name and password from a URL before it goes into a message.

    Args:
        url: the URL.

    Returns:
        The URL without credentials (at most 500 characters).

    Example:
        >>> safe_url("https://user:secret@sensors.example.org/v1.1")
        'https://sensors.example.org/v1.1'
    """
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "(an unreadable URL)"
    if "@" not in parts.netloc:
        return str(url)[:500]
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))[:500]


class _Exchange:
    """One HTTP/1.1 request on its own connection, every wait bounded by ``deadline`` and cancel."""

    def __init__(self, url: str, timeout: float, reporter: Reporter, tls: ssl.SSLContext | None = None,
                 request_url: str | None = None) -> None:
        """``url`` names the request in messages; ``request_url`` (default ``url``) is what is sent."""
        self.url, self.timeout, self.reporter, self.tls = url, timeout, reporter, tls
        self.request_url = request_url or url
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.sock: socket.socket | None = None
        self.buf = bytearray()
        self.received = 0
        self.eof = False
        self.via_proxy = False
        self.proxy_auth: str | None = None

    # ---- waiting -----------------------------------------------------------------------------------

    def _left(self) -> float:
        self.reporter.check()
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self._too_slow()
        return left

    def _too_slow(self) -> _Transient:
        if self.received == 0:
            return _Transient(f"no answer within {self.timeout:g} s from {safe_url(self.url)}")
        spent = time.monotonic() - self.started
        return _Transient(f"{safe_url(self.url)} sent {self.received} bytes in {spent:.1f} s, slower than the "
                          f"TIMEOUT of {self.timeout:g} s")

    def _resolve(self, host: str, port: int) -> list[AddrInfo]:
        box: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as err:
                box["error"] = err
            done.set()

        threading.Thread(target=run, daemon=True, name="sta-dns").start()
        while not done.wait(min(POLL, self._left())):
            pass
        if "error" in box:
            raise _Transient(f"cannot resolve the host {host!r} of {safe_url(self.url)}: {box['error']}")
        infos: list[AddrInfo] = box["infos"]
        return infos

    @property
    def _open_sock(self) -> socket.socket:
        """The connection's socket (after ``connect``)."""
        if self.sock is None:
            raise _Transient(f"connection to {safe_url(self.url)} is not open")
        return self.sock

    def connect(self) -> None:
        """TCP (directly or through the environment's proxy: http_proxy/https_proxy, no_proxy), then TLS."""
        scheme, host, port = origin(self.url)
        proxy = _proxy_for(scheme, host)
        if proxy is None:
            self.sock = self._tcp(host, port, safe_url(self.url))
        else:
            p_scheme, p_host, p_port = origin(proxy)
            if p_scheme != "http":
                raise StaError(f"the proxy {safe_url(proxy)} is not an http:// proxy (needed for {safe_url(self.url)})")
            self.sock = self._tcp(p_host, p_port, f"the proxy {safe_url(proxy)} for {safe_url(self.url)}")
            self.proxy_auth = _basic(proxy)
            if scheme == "https":
                self._tunnel(host, port, proxy)
            else:
                self.via_proxy = True
        if scheme == "https":
            self._tls(host)

    def _tcp(self, host: str, port: int, what: str) -> socket.socket:
        last: OSError | None = None
        for family, _, proto, _, address in self._resolve(host, port):
            sock = socket.socket(family, socket.SOCK_STREAM, proto)
            try:
                sock.setblocking(False)
                code = sock.connect_ex(address)
                if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
                    raise OSError(code, os.strerror(code))
                while not select.select([], [sock], [], min(POLL, self._left()))[1]:
                    pass
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code))
            except OSError as err:
                sock.close()
                last = err
                continue
            except BaseException:
                sock.close()
                raise
            return sock
        raise _Transient(f"cannot connect to {what}: {last}")

    def _tunnel(self, host: str, port: int, proxy: str) -> None:
        """HTTP CONNECT through the proxy (the TLS session then runs end to end)."""
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        if self.proxy_auth:
            lines.append(f"Proxy-Authorization: {self.proxy_auth}")
        self._send_all(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
        status, _ = self.head()
        if status != 200:
            raise StaError(f"the proxy {safe_url(proxy)} refused the tunnel to {authority} (HTTP {status})")
        if self.buf:
            raise StaError(f"the proxy {safe_url(proxy)} sent data before the TLS handshake")

    def _tls(self, host: str) -> None:
        context = self.tls or ssl.create_default_context()
        try:
            tls_sock = context.wrap_socket(self._open_sock, server_hostname=host, do_handshake_on_connect=False)
            self.sock = tls_sock
        except (ssl.SSLError, OSError, ValueError) as err:
            raise StaError(f"TLS error with {safe_url(self.url)}: {err}") from None
        while True:
            tls_sock.settimeout(min(POLL, self._left()))
            try:
                tls_sock.do_handshake()
                return
            except (TimeoutError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except ssl.SSLCertVerificationError as err:
                raise StaError(f"TLS certificate of {safe_url(self.url)} not accepted: "
                               f"{err.verify_message or err}") from None
            except ssl.SSLError as err:
                raise StaError(f"TLS error with {safe_url(self.url)}: {err.reason or err}") from None
            except OSError as err:
                raise _Transient(f"connection to {safe_url(self.url)} failed during TLS: {err}") from None

    def send(self, headers: dict[str, str]) -> None:
        parts = urlsplit(self.request_url)
        # spaces, control and non-ASCII characters percent-encoded (UTF-8); existing %XX escapes kept
        target = quote(parts.path or "/", safe=string.punctuation)
        if parts.query:
            target += "?" + quote(parts.query, safe=string.punctuation)
        authority = parts.netloc.rpartition("@")[2]
        if not authority.isascii():
            try:
                authority = (parts.hostname or "").encode("idna").decode("ascii") + (
                    f":{parts.port}" if parts.port else "")
            except UnicodeError:
                raise StaError(f"the host name of {safe_url(self.url)} is not a valid international name") from None
        if self.via_proxy:      # plain http through a proxy: the absolute form
            target = f"{parts.scheme}://{authority}{target}"
        lines = [f"GET {target} HTTP/1.1", f"Host: {authority}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if self.via_proxy and self.proxy_auth:
            lines.append(f"Proxy-Authorization: {self.proxy_auth}")
        self._send_all(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))

    def _send_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            self._open_sock.settimeout(min(POLL, self._left()))
            try:
                sent = self._open_sock.send(view)
            except (TimeoutError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                continue
            except OSError as err:
                raise _Transient(f"connection to {safe_url(self.url)} failed while sending: {err}") from None
            view = view[sent:]

    # ---- reading -----------------------------------------------------------------------------------

    def _more(self) -> bool:
        """Read what the server sends next into the buffer; False at the end of the connection."""
        while True:
            self._open_sock.settimeout(min(POLL, self._left()))
            try:
                data = self._open_sock.recv(65536)
            except (TimeoutError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except ssl.SSLError as err:
                raise _Transient(f"TLS error while reading from {safe_url(self.url)}: {err.reason or err}") from None
            except OSError as err:
                raise _Transient(f"connection to {safe_url(self.url)} failed after {self.received} bytes: "
                                 f"{err}") from None
            if not data:
                self.eof = True
                return False
            self.received += len(data)
            self.buf += data
            return True

    def _line(self, limit: int) -> bytes:
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[:end + 1])
                del self.buf[:end + 1]
                return line.rstrip(b"\r\n")
            if len(self.buf) > limit:
                raise StaError(f"{safe_url(self.url)} sent a header or chunk line longer than {limit} bytes")
            if not self._more():
                raise _Transient(f"{safe_url(self.url)} closed the connection after {self.received} bytes, "
                                 "in the middle of the answer's head")

    def head(self) -> tuple[int, dict[str, str]]:
        """Status and headers (lower-case names) of the final (non-1xx) answer."""
        for _ in range(10):
            status_line = self._line(MAX_HEAD_BYTES)
            m = re.fullmatch(rb"HTTP/1\.[01] (\d{3})(?: .*)?", status_line)
            if not m:
                raise StaError(f"{safe_url(self.url)} did not answer in HTTP/1.x "
                               f"(first line {status_line[:80]!r})")
            headers: dict[str, str] = {}
            size = len(status_line)
            while True:
                line = self._line(MAX_HEAD_BYTES)
                size += len(line) + 2
                if size > MAX_HEAD_BYTES:
                    raise StaError(f"{safe_url(self.url)} sent more than {MAX_HEAD_BYTES // 1024} KiB of headers")
                if not line:
                    break
                name, sep, value = line.decode("latin-1").partition(":")
                if not sep:
                    raise StaError(f"{safe_url(self.url)} sent a malformed header line {line[:80]!r}")
                key = name.strip().lower()
                headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
            status = int(m.group(1))
            if status >= 200 or status == 101:
                return status, headers
        raise StaError(f"{safe_url(self.url)} sent too many interim (1xx) answers")

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._more():
                raise _Transient(f"{safe_url(self.url)} closed the connection early, after {self.received} "
                                 "bytes (incomplete answer)")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def body(self, headers: dict[str, str], limit: int, *, truncate: bool = False) -> bytes:
        """The body, decoded from chunked transfer; more than ``limit`` bytes raise _TooLarge (or are cut)."""
        out = bytearray()

        def add(data: bytes) -> bool:
            room = limit - len(out)
            out.extend(data[:max(room, 0)])
            if len(data) > room:
                if truncate:
                    return False
                raise _TooLarge(len(out) + len(data))
            return True

        encoding = headers.get("transfer-encoding", "").lower()
        if "chunked" in encoding:
            while True:
                size_line = self._line(1024).split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise StaError(f"{safe_url(self.url)} sent a malformed chunk size {size_line[:40]!r}") from None
                if size == 0:
                    while self._line(MAX_HEAD_BYTES):   # trailers up to the empty line
                        pass
                    return bytes(out)
                while size:
                    if not self.buf and not self._more():
                        raise _Transient(f"{safe_url(self.url)} closed the connection early, after "
                                         f"{self.received} bytes (incomplete answer)")
                    piece = bytes(self.buf[:size])
                    del self.buf[:len(piece)]
                    size -= len(piece)
                    if not add(piece):
                        return bytes(out)
                self._take(2)
        if "content-length" in headers:
            try:
                length = int(headers["content-length"].split(",")[0])
            except ValueError:
                raise StaError(f"{safe_url(self.url)} sent a malformed Content-Length "
                               f"{headers['content-length'][:40]!r}") from None
            if length < 0:
                raise StaError(f"{safe_url(self.url)} sent a negative Content-Length")
            if length > limit and not truncate:
                raise _TooLarge(length, announced=True)
            left = min(length, limit) if truncate else length
            while left:
                if not self.buf and not self._more():
                    raise _Transient(f"{safe_url(self.url)} closed the connection after {len(out)} of "
                                     f"{length} bytes (incomplete answer)")
                piece = bytes(self.buf[:left])
                del self.buf[:len(piece)]
                left -= len(piece)
                add(piece)
            return bytes(out)
        while True:                                     # until the server closes the connection
            if self.buf:
                piece = bytes(self.buf)
                self.buf.clear()
                if not add(piece):
                    return bytes(out)
            if not self._more():
                return bytes(out)

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None


def _proxy_for(scheme: str, host: str) -> str | None:
    """The proxy URL the environment names for ``scheme`` (http_proxy, https_proxy), unless no_proxy
    (or the system's bypass list) exempts ``host``."""
    import urllib.request

    proxy = urllib.request.getproxies().get(scheme)
    if not proxy:
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    try:
        if urllib.request.proxy_bypass(host):
            return None
    except (OSError, ValueError):
        pass
    return proxy


def _basic(proxy: str) -> str | None:
    """The Proxy-Authorization of a proxy URL with user:password, else None."""
    import base64
    from urllib.parse import unquote

    parts = urlsplit(proxy)
    if not parts.username:
        return None
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


class _TooLarge(Exception):
    def __init__(self, size: int, announced: bool = False) -> None:
        super().__init__(size)
        self.size, self.announced = size, announced


class StaClient:
    """GET JSON from a SensorThings service rooted at ``base_url`` (ending in /v1.0 or /v1.1).

    ``headers`` and ``params`` are credentials: sent only to the origin of ``base_url``.
    ``cafile``: the CA certificates to trust for HTTPS instead of the system's (private CAs, tests).
    """

    def __init__(self, base_url: str, *, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0,
                 headers: dict[str, str] | None = None, params: dict[str, str] | None = None,
                 max_pages: int = 1000, max_total_pages: int = 100_000,
                 max_page_mb: float = DEFAULT_PAGE_MB, cafile: str | None = None,
                 reporter: Reporter | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StaError(f"not an http(s) SensorThings URL: {safe_url(base_url)!r}")
        if "@" in parts.netloc:
            raise StaError("credentials in the URL are refused; use an authentication configuration")
        self.origin = origin(base_url)
        self.base_url = base_url.rstrip("/")
        self.version = next((v for v in ("v1.1", "v1.0") if f"/{v}" in self.base_url), "")
        if not timeout > 0 or not max_page_mb > 0:
            raise StaError("the timeout and the page size limit must be positive")
        self.timeout, self.retries, self.backoff = float(timeout), max(0, int(retries)), float(backoff)
        for name, value in (headers or {}).items():
            if _UNSAFE.sub("", name) != name or "\r" in value or "\n" in value or ":" in name:
                raise StaError(f"the authentication header {name!r} is malformed")
        self._credentials = dict(headers or {})
        self._credential_params = dict(params or {})
        self.max_pages, self.max_total_pages = int(max_pages), int(max_total_pages)
        self.max_page_bytes = int(max_page_mb * 1024 * 1024)
        self.max_page_mb = max_page_mb
        self.reporter = reporter or Reporter()
        self._cafile = cafile
        self._tls: ssl.SSLContext | None = None
        self.requests = 0
        self.pages_read = 0

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        if params:
            query = "&".join(f"{k}={quote(str(v), safe='$(),;=/:@')}" for k, v in params.items())
            url += ("&" if "?" in url else "?") + query
        return url

    # ---- origin policy -----------------------------------------------------------------------------

    def check_link(self, target: str, source: str, what: str) -> None:
        """Refuse ``target`` (reached by ``what`` from ``source``) unless it has the service's origin."""
        if "@" in urlsplit(target).netloc:
            raise StaError(f"refused the {what} of {safe_url(source)}: it carries credentials in the URL "
                           f"({safe_url(target)})")
        to = origin(target)
        if to == self.origin:
            return
        here = origin_text(self.base_url)
        if self.origin[0] == "https" and to[0] == "http":
            raise StaError(f"refused the {what} of {safe_url(source)} from HTTPS to HTTP ({origin_text(target)}): "
                           f"a downgrade would expose the data and the credentials of {here}")
        raise StaError(f"refused the {what} of {safe_url(source)} to another host: {origin_text(target)} is not "
                       f"the configured service {here}; credentials and requests go only to {here} "
                       "(check the service's serviceRootUrl, or use that host's URL)")

    def _request_headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": "identity",
                   "User-Agent": "GeoTwin-SensorThings", "Connection": "close"}
        if origin(url) == self.origin:      # never true for another origin: check_link refused it before
            headers.update(self._credentials)
        return headers

    def _with_params(self, url: str) -> str:
        if not self._credential_params or origin(url) != self.origin:
            return url
        query = "&".join(f"{quote(k, safe='')}={quote(str(v), safe='')}" for k, v in self._credential_params.items())
        return url + ("&" if "?" in url else "?") + query

    # ---- requests ----------------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, str] | None = None, *, source: str | None = None,
            what: str = "link") -> JsonObject:
        """The JSON object at ``path``; retries transient failures, raises StaError otherwise.

        ``source``/``what`` tell where an absolute URL came from (for the origin check's message).
        """
        return self._json(*self.get_body(path, params, source=source, what=what))

    def get_body(self, path: str, params: dict[str, str] | None = None, *, source: str | None = None,
                 what: str = "link") -> tuple[str, dict[str, str], bytes]:
        """The answer at ``path`` as (final URL after redirects, lower-case headers, body), as ``get`` reads
        it but not parsed."""
        url = self.url(path, params)
        self.check_link(url, source or self.base_url, what)
        last = ""
        for attempt in range(self.retries + 1):
            self.reporter.check()
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                self.reporter.warning(f"{last}; retry {attempt}/{self.retries} in {delay:g} s")
                self._sleep(delay)
            try:
                return self._get_once(url)
            except _Transient as err:
                last = str(err)
        raise StaError(f"{last} (gave up after {self.retries + 1} attempts)")

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while True:
            self.reporter.check()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(POLL, left))

    def _get_once(self, url: str) -> tuple[str, dict[str, str], bytes]:
        """One GET with its same-origin redirects: (final URL, headers, body)."""
        for _ in range(MAX_REDIRECTS + 1):
            self.requests += 1
            if self._tls is None and url.lower().startswith("https:"):
                try:
                    self._tls = ssl.create_default_context(cafile=self._cafile)
                except (OSError, ssl.SSLError) as err:
                    raise StaError(f"cannot load the CA certificates {self._cafile}: {err}") from None
            exchange = _Exchange(url, self.timeout, self.reporter, self._tls, self._with_params(url))
            try:
                exchange.connect()
                exchange.send(self._request_headers(url))
                status, headers = exchange.head()
                if status in REDIRECT_STATUS:
                    location = headers.get("location", "").strip()
                    if not location:
                        raise StaError(f"HTTP {status} from {safe_url(url)} without a Location")
                    target = urljoin(url, location)
                    self.check_link(target, url, f"HTTP {status} redirect")
                    url = target
                    continue
                if not 200 <= status < 300:
                    self._fail(url, status, headers, exchange.body(headers, MAX_ERROR_BYTES, truncate=True))
                try:
                    body = exchange.body(headers, self.max_page_bytes)
                except _TooLarge as err:
                    raise StaError(f"the answer from {safe_url(url)} is larger than the page limit of "
                                   f"{self.max_page_mb:g} MB (MAX_PAGE_MB)"
                                   + (f": it announces {err.size} bytes" if err.announced else
                                      f": stopped after {err.size} bytes") + "; refused") from None
            finally:
                exchange.close()
            return url, headers, body
        raise StaError(f"more than {MAX_REDIRECTS} redirects from {safe_url(url)}")

    def _fail(self, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        detail = _error_message(body, headers.get("content-type", ""))
        if status in RETRY_STATUS:
            raise _Transient(f"HTTP {status} from {safe_url(url)}{': ' + detail[:200] if detail else ''}")
        if status in (401, 403):
            raise StaError(f"HTTP {status} from {safe_url(url)}: access denied; check the authentication "
                           "configuration")
        raise StaError(f"HTTP {status} from {safe_url(url)}{': ' + detail if detail else ''}")

    def _json(self, url: str, headers: dict[str, str], body: bytes) -> JsonObject:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind and "json" not in kind and kind not in ("text/plain", "application/octet-stream"):
            raise InputError(f"{safe_url(url)} answered {kind}, not JSON: {_excerpt(body)!r}")
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError) as err:
            reason = "nested too deeply" if isinstance(err, RecursionError) else err
            raise InputError(f"malformed JSON from {safe_url(url)}: {reason}") from None
        if not isinstance(doc, dict):
            raise InputError(f"unexpected JSON from {safe_url(url)}: an object was expected")
        return doc

    # ---- paging ------------------------------------------------------------------------------------

    def pages(self, path: str, params: dict[str, str] | None = None, *, source: str | None = None,
              what: str = "link") -> Iterator[Page]:
        """Pages of a collection, following ``@iot.nextLink`` up to ``max_pages``."""
        url = self.url(path, params)
        seen: set[str] = set()
        for _page in range(1, self.max_pages + 1):
            seen.add(url)
            doc = self.get(url, source=source, what=what)
            self.pages_read += 1
            if self.pages_read > self.max_total_pages:
                raise StaError(f"more than {self.max_total_pages} pages read from {origin_text(self.base_url)}; "
                               "stopped (narrow the time window or raise the limit)")
            items = doc.get("value")
            if not isinstance(items, list):
                raise InputError(f"no 'value' array in the answer from {safe_url(url)}")
            next_link = doc.get("@iot.nextLink")
            if next_link is not None and not isinstance(next_link, str):
                raise InputError(f"the @iot.nextLink of {safe_url(url)} is not a URL: {str(next_link)[:80]!r}")
            if next_link:
                next_link = urljoin(url, next_link)
                if next_link in seen:
                    raise StaError(f"paging loop: @iot.nextLink of {safe_url(url)} points back to a page "
                                   "already read")
                self.check_link(next_link, url, "@iot.nextLink")
            yield Page(url, items, next_link)
            if not next_link:
                return
            source, what, url = url, "@iot.nextLink", next_link
        self.reporter.warning(f"stopped after {self.max_pages} pages of {safe_url(self.url(path, params))}; "
                              f"more data remains at {safe_url(url)}")

    def collect(self, path: str, params: dict[str, str] | None = None, *, source: str | None = None,
                what: str = "link") -> list[object]:
        return [item for page in self.pages(path, params, source=source, what=what) for item in page.items]

    def rest_of(self, entity: JsonObject, nav: str) -> list[object]:
        """An expanded collection of ``entity`` with the pages behind ``<nav>@iot.nextLink``."""
        items = entity.get(nav)
        items = list(items) if isinstance(items, list) else []
        link = entity.get(f"{nav}@iot.nextLink")
        if isinstance(link, str) and link:
            origin_of = entity.get("@iot.selfLink") if isinstance(entity.get("@iot.selfLink"), str) else None
            items.extend(self.collect(link, source=origin_of or self.base_url, what=f"{nav}@iot.nextLink"))
        return items


def _excerpt(body: bytes, size: int = 200) -> str:
    text = body[:size * 4].decode("utf-8", "replace")
    return re.sub(r"\s+", " ", "".join(ch for ch in text if ch.isprintable() or ch.isspace())).strip()[:size]


def _error_message(body: bytes, content_type: str) -> str:
    """The ``message`` of a JSON error answer, else an excerpt of the body."""
    try:
        doc = json.loads(body)
        if isinstance(doc, dict) and doc.get("message"):
            return _excerpt(str(doc["message"]).encode("utf-8"), 300)
    except (ValueError, RecursionError):
        pass
    return _excerpt(body, 300)
