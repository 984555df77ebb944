"""One BLAS thread per Dask worker process (twin/scale/threads.py), unless the user asked for more.

Checked in the worker processes of a real embedded LocalCluster: the variables are in their environment (set
before they were spawned, so before they import numpy), the user's value is kept, and numpy's OpenBLAS in the
worker reports the thread count asked for (OpenBLAS's own count, read through ctypes), also when Dask's own
``pre-spawn-environ`` default is switched off.
"""
from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

import cloudpickle
import dask
import distributed  # noqa: F401 - its config defaults are loaded before one is changed
import numpy as np

from geotwin.twin.scale.cluster import open_client
from geotwin.twin.scale.threads import BLAS_THREADS, worker_environ


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
