"""One BLAS thread per Dask worker process (twin/scale/threads.py), unless the user asked for more.

Checked in the worker processes of a real embedded LocalCluster: the variables are in their environment (set
before they were spawned, so before they import numpy), the user's value is kept, and numpy's OpenBLAS in the
worker reports the thread count asked for (OpenBLAS's own count, read through ctypes), also when Dask's own
``pre-spawn-environ`` default is switched off. The command line's own process (``python -m geotwin``) caps its BLAS
threads the same way before it loads numpy: importing its entry modules loads none of the heavy libraries.
"""
from __future__ import annotations

import ctypes
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import cloudpickle
import dask
import distributed  # noqa: F401 - its config defaults are loaded before one is changed
import numpy as np

from geotwin.twin.scale.cluster import open_client
from geotwin.twin.scale.threads import BLAS_THREADS, cap_blas_threads, worker_environ

from .conftest import _env


def _blas_threads() -> tuple[dict[str, str | None], int | None]:
    """In the worker: its BLAS variables and what numpy's bundled OpenBLAS says it runs (None: no OpenBLAS)."""
    env = {name: os.environ.get(name) for name in BLAS_THREADS}
    libs = Path(np.__file__).parent.parent / "numpy.libs"
    for lib in sorted(libs.glob("libopenblas*.so*")) if libs.is_dir() else []:
        handle = ctypes.CDLL(str(lib))
        for symbol in ("openblas_get_num_threads64_", "openblas_get_num_threads", "scipy_openblas_get_num_threads64_"):
            if hasattr(handle, symbol):
                return env, int(getattr(handle, symbol)())
    return env, None


def test_worker_environ_keeps_what_the_user_set():
    assert worker_environ({}) == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    assert worker_environ({"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": ""}) == {
        "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}


def test_local_workers_run_one_blas_thread_unless_the_user_set_more(monkeypatch):
    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the workers cannot import the tests
    for name in BLAS_THREADS:   # restored after the test (Dask writes the spawn variables into this process too)
        monkeypatch.delenv(name, raising=False)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": {}}):   # not left to Dask's default
        with open_client(None, 1) as client:
            [(env, threads)] = client.run(_blas_threads).values()
    assert env == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    assert threads in (1, None)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    with open_client(None, 1) as client:
        [(env, threads)] = client.run(_blas_threads).values()
    assert env == {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}
    assert threads in (min(2, os.cpu_count() or 1), None)


def test_cap_blas_threads_sets_only_what_the_user_left_unset():
    env = {"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": " ", "HOME": "/h"}
    assert cap_blas_threads(env) == {"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": "1"}
    assert env == {"OPENBLAS_NUM_THREADS": "3", "OMP_NUM_THREADS": "1", "HOME": "/h"}


def test_the_command_line_entry_modules_load_no_numpy():
    code = ("import sys, geotwin.__main__, geotwin.twin.scale.__main__; print(sorted({m.split('.')[0] for m in "
            "sys.modules} & {'numpy', 'pyproj', 'shapely', 'osgeo', 'lxml', 'pandas', 'dask', 'distributed'}))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=_env())
    assert out.stdout.strip() == "[]"


def _cli_blas(tmp_path, tile, user: dict[str, str]) -> tuple[dict, int | None]:
    """``python -m geotwin import TILE --workers 0`` (the import runs in that process); at its exit: the BLAS
    variables and what numpy's OpenBLAS runs (numpy is looked up only then, so the command loads it first)."""
    argv = ["geotwin", "import", str(tile), "--output", str(tmp_path / "city.gpkg"), "--work", str(tmp_path / "w"),
            "--workers", "0"]
    code = ("import atexit, ctypes, json, os, runpy, sys\nfrom pathlib import Path\n"
            "from geotwin.twin.scale.threads import BLAS_THREADS\n"
            f"{inspect.getsource(_blas_threads)}\n"
            "def report():\n"
            "    global np\n"
            "    loaded = 'numpy' in sys.modules\n"
            "    import numpy as np\n"
            "    print('BLAS', json.dumps([loaded, *_blas_threads()]))\n"
            "atexit.register(report)\n"
            f"sys.argv = {argv!r}\n"
            "runpy.run_module('geotwin', run_name='__main__')\n")
    env = {k: v for k, v in _env().items() if k not in BLAS_THREADS} | user
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    reports = [x[5:] for x in out.stdout.splitlines() if x.startswith("BLAS ")]
    assert len(reports) == 1, out.stderr
    loaded, variables, threads = json.loads(reports[0])
    assert loaded   # the import loaded numpy (after the entry point capped its threads)
    return variables, threads


def test_the_command_line_runs_one_blas_thread_unless_the_user_set_more(delivery, tmp_path):
    variables, threads = _cli_blas(tmp_path / "a", delivery["tiles"][0], {})
    assert variables == {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    assert threads in (1, None)
    variables, threads = _cli_blas(tmp_path / "b", delivery["tiles"][0], {"OPENBLAS_NUM_THREADS": "2"})
    assert variables == {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "1"}
    assert threads in (min(2, os.cpu_count() or 1), None)
