"""The chain at state scale: import, twin build and 3D Tiles export in partitions on Dask distributed.

``cluster`` (where it runs: an embedded LocalCluster or an existing scheduler, and the mapper that runs
partitions there), ``imports`` (a partition per delivery file or zip member), ``build`` (a partition per
spatial tile, each building owned by the tile of its reference point), ``export`` (the 3D Tiles export with
the mapper), ``manifest`` (what a re-run can skip); ``python -m geotwin.twin.scale`` is the command line.
"""
