"""One BLAS thread per worker process: the partitions already use every core, one process each.

numpy's OpenBLAS starts a thread per core in every process that imports it; on a LocalCluster of one worker per
core, a worker whose BLAS used them all would compete with the other workers for the same cores (2 workers x 2
threads on 2 cores). ``worker_environ`` gives the variables the worker processes start with: OPENBLAS_NUM_THREADS
and OMP_NUM_THREADS are 1 unless the user has set them (then the user's value is kept; a blank value counts as
unset). They must be in the environment before the worker imports numpy, so ``cluster.open_client`` hands them to
Dask's ``distributed.nanny.pre-spawn-environ`` (set before each worker process is spawned). Dask's default there
does the same today (both 1, a value in the environment kept); this keeps it so whatever that setting says.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

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


__all__ = ["BLAS_THREADS", "worker_environ"]
