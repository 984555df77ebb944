"""`make bench` byte-compiles GeoTwin's packages before it measures anything (bench/run.py compile_sources).

Checked on a throwaway tree: every module of the named folders gets its .pyc where the import system looks for it
(nested packages too, nothing outside them), and a file that does not compile is reported (False) without stopping
the others.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from geotwin.tests.paths import ROOT


def _run_module():
    spec = importlib.util.spec_from_file_location("geotwin_bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cached(path: Path) -> bool:
    return Path(importlib.util.cache_from_source(str(path))).exists()


def test_compile_sources_writes_the_bytecode_of_every_module(tmp_path):
    run = _run_module()
    assert run.COMPILED == ("twin", "bim")
    files = [tmp_path / "twin" / "__init__.py", tmp_path / "twin" / "deep" / "mod.py", tmp_path / "bim" / "b.py",
             tmp_path / "other" / "left.py"]
    for n, path in enumerate(files):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"VALUE = {n}\n")
    assert [_cached(p) for p in files] == [False] * 4
    assert run.compile_sources(tmp_path, ("twin", "bim")) is True
    assert [_cached(p) for p in files] == [True, True, True, False]   # only the folders named


def test_a_file_that_does_not_compile_is_reported_and_the_others_compiled(tmp_path, capsys):
    run = _run_module()
    (tmp_path / "twin").mkdir()
    (tmp_path / "twin" / "good.py").write_text("X = 1\n")
    (tmp_path / "twin" / "broken.py").write_text("def broken(:\n")
    assert run.compile_sources(tmp_path, ("twin",)) is False
    assert "not every file of twin could be byte-compiled" in capsys.readouterr().err
    assert _cached(tmp_path / "twin" / "good.py") and not _cached(tmp_path / "twin" / "broken.py")
