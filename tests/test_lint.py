"""ruff and mypy --strict run in CI (`make test`) with 0 findings; the commands are those of `make lint`."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=env)


def test_ruff_has_no_findings():
    out = _run(["ruff", "check", "--no-cache", "."])
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-2000:]


def _mypy(tmp_path: Path, targets: list[str]) -> subprocess.CompletedProcess[str]:
    # mypy must see the repository as the package `geotwin`: .build/plugins/geotwin links to the root
    # (scripts/env.sh creates it; the test makes its own so that it also runs without env.sh).
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "geotwin").symlink_to(ROOT, target_is_directory=True)
    env = dict(os.environ, MYPYPATH=str(plugins))
    return _run(["mypy", "--no-incremental", "--cache-dir", os.devnull, *targets], env=env)


def test_mypy_strict_on_the_core_has_no_findings(tmp_path):
    out = _mypy(tmp_path, ["-p", "geotwin.twin", "-p", "geotwin.bim"])
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-2000:]
    assert "Success: no issues found" in out.stdout


def test_mypy_on_processing_and_plugin_has_no_findings(tmp_path):
    # --strict but for the two checks Any base classes rule out (pyproject.toml: qgis is Any, the stubs of
    # PyQGIS 3.22 being incomplete); the package's __init__ (classFactory) too.
    out = _mypy(tmp_path, ["-p", "geotwin.processing", "-p", "geotwin.plugin", "-m", "geotwin"])
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-2000:]
    assert "Success: no issues found in" in out.stdout
    checked = int(out.stdout.split("no issues found in ")[1].split()[0])
    assert checked >= 30, out.stdout   # every module of processing/ and plugin/, not a stray few
