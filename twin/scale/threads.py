"""One BLAS thread per worker process: the partitions already use every core, one process each.

numpy's OpenBLAS starts a thread per core in every process that imports it; on a LocalCluster of one worker per
core, a worker whose BLAS used them all would compete with the other workers for the same cores (2 workers x 2
threads on 2 cores). ``worker_environ`` gives the variables the worker processes start with: OPENBLAS_NUM_THREADS
and OMP_NUM_THREADS are 1 unless the user has set them (then the user's value is kept; a blank value counts as
unset). They must be in the environment before the worker imports numpy, so ``cluster.open_client`` hands them to
Dask's ``distributed.nanny.pre-spawn-environ`` (set before each worker process is spawned). Dask's default there
does the same today (both 1, a value in the environment kept); this keeps it so whatever that setting says.

``cap_blas_threads`` does the same for the command line's own process (``python -m geotwin``; with ``--workers 0``
the whole chain runs there), called by its entry points before anything imports numpy: none of the chain's
stages does BLAS work that more threads would speed up, and starting OpenBLAS's thread pool costs CPU time at
every start. Library modules never call it (in QGIS numpy is loaded long before, and the setting is QGIS's).
"""
from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def worker_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Give the BLAS thread variables of a worker process: "1", or the user's value where one is set.

    Args:
        environ: the environment to read the user's settings from (default: this process's).

    Returns:
        Every name of BLAS_THREADS with its value.

    Example:
        >>> worker_environ({})
        {'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '1'}
        >>> worker_environ({"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": " "})   # blank is not set
        {'OPENBLAS_NUM_THREADS': '1', 'OMP_NUM_THREADS': '4'}
    """
    env = os.environ if environ is None else environ
    return {name: (env.get(name) or "").strip() or "1" for name in BLAS_THREADS}


def cap_blas_threads(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set the BLAS thread variables of this process to what ``worker_environ`` gives: "1" where the user set none.

    Only a command line's entry point calls it, before numpy is imported (OpenBLAS reads them when it loads).

    Args:
        environ: the environment to change (default: this process's ``os.environ``).

    Returns:
        Every name of BLAS_THREADS with the value it has now.

    Example:
        >>> env = {"OPENBLAS_NUM_THREADS": "4", "PATH": "/usr/bin"}
        >>> cap_blas_threads(env)
        {'OPENBLAS_NUM_THREADS': '4', 'OMP_NUM_THREADS': '1'}
        >>> env["OMP_NUM_THREADS"], env["PATH"]
        ('1', '/usr/bin')
    """
    env = os.environ if environ is None else environ
    values = worker_environ(env)
    env.update(values)
    return values


__all__ = ["BLAS_THREADS", "cap_blas_threads", "worker_environ"]
