"""A small OGC SensorThings API (v1.0/v1.1) HTTP client on the standard library.

GETs with a timeout and retries (5xx, 429, timeouts and connection errors, exponential
backoff), JSON checked and errors naming the URL, and ``@iot.nextLink`` paging up to a
bound with loop detection. Request headers (credentials) are sent but never logged or
put into messages; credentials in the URL are refused.
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from ..errors import GeoTwinError, InputError
from ..progress import Reporter

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class StaError(GeoTwinError):
    """The SensorThings service failed or answered something unusable."""


@dataclass
class Page:
    url: str
    items: list[dict]
    next_link: str | None


def entity_url(entity_set: str, entity_id) -> str:
    """``Datastreams(5)`` for numeric ids, ``Datastreams('a''b')`` for string ids."""
    if isinstance(entity_id, (int, float)) and not isinstance(entity_id, bool):
        return f"{entity_set}({int(entity_id)})"
    return f"{entity_set}('{str(entity_id).replace(chr(39), chr(39) * 2)}')"


class StaClient:
    """GET JSON from a SensorThings service rooted at ``base_url`` (ending in /v1.0 or /v1.1)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0,
                 headers: dict[str, str] | None = None, max_pages: int = 1000,
                 reporter: Reporter | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StaError(f"not an http(s) SensorThings URL: {base_url!r}")
        if parts.username or parts.password:
            raise StaError("credentials in the URL are refused; use an authentication configuration")
        self.base_url = base_url.rstrip("/")
        self.version = next((v for v in ("v1.1", "v1.0") if f"/{v}" in self.base_url), "")
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self._headers = {"Accept": "application/json", **(headers or {})}
        self.max_pages = max_pages
        self.reporter = reporter or Reporter()
        self.requests = 0

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        if params:
            query = "&".join(f"{k}={quote(str(v), safe='$(),;=/:@')}" for k, v in params.items())
            url += ("&" if "?" in url else "?") + query
        return url

    def get(self, path: str, params: dict[str, str] | None = None) -> dict:
        """The JSON object at ``path``; retries transient failures, raises StaError otherwise."""
        url = self.url(path, params)
        last = ""
        for attempt in range(self.retries + 1):
            self.reporter.check()
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                self.reporter.warning(f"{last}; retry {attempt}/{self.retries} in {delay:g} s")
                time.sleep(delay)
            self.requests += 1
            request = urllib.request.Request(url, headers=self._headers, method="GET")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
            except urllib.error.HTTPError as err:
                if err.code in RETRY_STATUS:
                    last = f"HTTP {err.code} from {url}"
                    continue
                detail = _error_message(err)
                if err.code in (401, 403):
                    raise StaError(f"HTTP {err.code} from {url}: access denied; check the authentication "
                                   "configuration") from None
                raise StaError(f"HTTP {err.code} from {url}{': ' + detail if detail else ''}") from None
            except (TimeoutError, socket.timeout):
                last = f"no answer within {self.timeout:g} s from {url}"
                continue
            except urllib.error.URLError as err:
                reason = err.reason
                if isinstance(reason, (TimeoutError, socket.timeout)):
                    last = f"no answer within {self.timeout:g} s from {url}"
                else:
                    last = f"cannot connect to {url}: {reason}"
                continue
            except (ConnectionError, OSError) as err:
                last = f"connection to {url} failed: {err}"
                continue
            try:
                doc = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise InputError(f"malformed JSON from {url}: {err}") from None
            if not isinstance(doc, dict):
                raise InputError(f"unexpected JSON from {url}: an object was expected")
            return doc
        raise StaError(f"{last} (gave up after {self.retries + 1} attempts)")

    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[Page]:
        """Pages of a collection, following ``@iot.nextLink`` up to ``max_pages``."""
        url = self.url(path, params)
        seen: set[str] = set()
        for number in range(1, self.max_pages + 1):
            seen.add(url)
            doc = self.get(url)
            items = doc.get("value")
            if not isinstance(items, list):
                raise InputError(f"no 'value' array in the answer from {url}")
            next_link = doc.get("@iot.nextLink")
            if next_link:
                next_link = urljoin(url, next_link)
                if next_link in seen:
                    raise StaError(f"paging loop: @iot.nextLink of {url} points back to a page already read")
            yield Page(url, items, next_link)
            if not next_link:
                return
            url = next_link
        self.reporter.warning(f"stopped after {self.max_pages} pages of {self.url(path, params)}; "
                              f"more data remains at {url}")

    def collect(self, path: str, params: dict[str, str] | None = None) -> list[dict]:
        return [item for page in self.pages(path, params) for item in page.items]

    def rest_of(self, entity: dict, nav: str) -> list[dict]:
        """An expanded collection of ``entity`` with the pages behind ``<nav>@iot.nextLink``."""
        items = list(entity.get(nav) or [])
        link = entity.get(f"{nav}@iot.nextLink")
        if link:
            items.extend(self.collect(link))
        return items


def _error_message(err: urllib.error.HTTPError) -> str:
    try:
        body = err.read(2000).decode("utf-8", "replace")
        doc = json.loads(body)
        return str(doc.get("message", ""))[:300] if isinstance(doc, dict) else ""
    except Exception:  # the body is only a hint
        return ""
