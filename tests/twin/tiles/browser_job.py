"""Run one job of the browser tests' driver (tests/browser/*.cjs: headless chromium through playwright-core) and
read its result: the job is written beside the test's files, the driver's last stdout line is its JSON result,
kept as result.json, and its stderr as driver.log, for a failing run to be read."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from geotwin.tests.paths import ROOT


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
