"""The partitioned 3D Tiles export's plan alone, in a fresh process: its peak RSS, CPU time and tasks (issue 13).

``python bench/plan_rss.py CITY.gpkg [--partition N] [--implicit] [--workers N]``: runs ``plan_export`` on the
GeoPackage once and prints one JSON line: buildings, task count, peak RSS of this process (``resource.getrusage``
ru_maxrss, MB), the RSS before the plan (imports done, the cluster started), CPU seconds of the plan (user + system:
the coordinator's, its in-process Dask scheduler included), the pickled size of the tasks and of the shared
plan (what a mapper sends to the workers), and what the tasks hold in memory (tracemalloc, unpickled).
``--workers N``: the plan's passes run on a LocalCluster of N worker processes (the coordinator of a partitioned
export; without, the plan runs in this process).
"""
from __future__ import annotations

import argparse
import json
import pickle
import resource
import sys
import time
import tracemalloc


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("gpkg")
    parser.add_argument("--partition", type=int, default=None, help="buildings per partition at most")
    parser.add_argument("--implicit", action="store_true", help="implicit tiling")
    parser.add_argument("--workers", type=int, default=0, help="Dask worker processes for the plan's passes")
    args = parser.parse_args(argv)

    from geotwin.twin.tiles.export import ExportOptions
    from geotwin.twin.tiles.partitioned import PARTITION_BUILDINGS, plan_export

    client, extra = None, {}
    if args.workers:
        from geotwin.twin.scale.cluster import dask_mapper, open_client

        client = open_client(None, args.workers)
        extra["mapper"] = dask_mapper(client)
        list(extra["mapper"](abs, [-1, -2]))   # the workers started and serving
    before_rss = _rss_mb()
    cpu0, wall0 = _cpu(), time.monotonic()
    plan = plan_export(args.gpkg, ExportOptions(viewer=False, implicit=args.implicit),
                       partition_buildings=args.partition or PARTITION_BUILDINGS, **extra)
    cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
    if client is not None:
        client.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    blob = pickle.dumps(plan.tasks, protocol=pickle.HIGHEST_PROTOCOL)
    tasks_bytes = len(blob)
    tracemalloc.start()
    tasks = pickle.loads(blob)
    tasks_memory = tracemalloc.get_traced_memory()[0]   # what the plan's tasks hold in memory
    tracemalloc.stop()
    del tasks
    shared_bytes = len(pickle.dumps(plan.shared(), protocol=pickle.HIGHEST_PROTOCOL))
    print(json.dumps({"gpkg": args.gpkg, "workers": args.workers, "buildings": plan.buildings, "tasks": len(plan.tasks),
                      "implicit": args.implicit, "peak_rss_mb": round(peak, 1),
                      "rss_before_plan_mb": round(before_rss, 1),
                      "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "tasks_pickle_bytes": tasks_bytes,
                      "tasks_memory_bytes": tasks_memory,
                      "shared_plan_pickle_bytes": shared_bytes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
