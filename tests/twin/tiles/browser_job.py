"""Run one job of the browser tests' driver (tests/browser/*.cjs: headless chromium through playwright-core) and
read its result: the job is written beside the test's files, the driver's last stdout line is its JSON result,
kept as result.json, and its stderr as driver.log, for a failing run to be read. ``served_site`` and
``page_values`` are the web map tests' shared page setup: the site served on loopback, one page driven, its
requests and errors checked."""
from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from geotwin.tests.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CESIUM_BUILD = ROOT / "node_modules" / "cesium" / "Build" / "Cesium"
WEBMAP_DRIVER = ROOT / "tests" / "browser" / "webmap.cjs"


def run_job(node: str, driver: Path, job: dict[str, Any], folder: Path, timeout: float) -> dict[str, Any]:
    """Write ``job`` to folder/job.json, run ``node driver job.json`` (``timeout`` s) and return its result;
    fails when the driver printed nothing or reports a fatal error (chromium did not start, the job was bad)."""
    (folder / "job.json").write_text(json.dumps(job))
    proc = subprocess.run([node, str(driver), str(folder / "job.json")], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    (folder / "driver.log").write_text(proc.stderr)
    assert proc.stdout.strip(), f"driver printed nothing; stderr:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    (folder / "result.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    assert "fatal" not in result, result.get("fatal")
    return result


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def served_site(folder: Path) -> Iterator[tuple[Path, str, str]]:
    """Check Debian's chromium and node, make ``folder/site`` with the CesiumJS build linked as ``site/cesium``
    and serve it on loopback while the block runs; yields (site, base URL, node)."""
    assert CHROMIUM.exists(), "Debian's chromium is required (apt-get install chromium)"
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    site = folder / "site"
    site.mkdir()
    (site / "cesium").symlink_to(CESIUM_BUILD, target_is_directory=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}", node
    finally:
        server.shutdown()
        server.server_close()


def page_values(node: str, url: str, steps: list[dict[str, Any]], folder: Path, timeout: float,
                locale: str = "de-DE") -> dict[str, Any]:
    """Drive one page (1280 x 800) of the web map through ``steps`` (tests/browser/webmap.cjs, ``run_job``) and
    return the values its steps read; fails when a request left the loopback or the page raised or logged an
    error."""
    job = {"timeoutMs": 90000, "pages": [
        {"url": url, "locale": locale, "viewport": {"width": 1280, "height": 800}, "steps": steps}]}
    result = run_job(node, WEBMAP_DRIVER, job, folder, timeout=timeout)
    assert result["foreignRequests"] == []
    page = result["pages"][0]
    assert "error" not in page, page.get("error")
    assert page["pageErrors"] == [] and page["consoleErrors"] == [], page
    values: dict[str, Any] = page["values"]
    return values
