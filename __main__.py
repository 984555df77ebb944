"""``python -m geotwin import|build|export …``: the partitioned chain on Dask distributed, without QGIS.

The command line of ``twin/scale/__main__.py`` (see there, or ``python -m geotwin --help``); the folder that
holds this plugin folder must be on ``PYTHONPATH`` (e.g. QGIS's ``python/plugins``).
"""
import sys

from .twin.scale.__main__ import main
from .twin.scale.threads import cap_blas_threads

if __name__ == "__main__":
    cap_blas_threads()   # one BLAS thread unless the user set more, before main loads numpy (twin/scale/threads.py)
    sys.exit(main())
