"""The scale stage's work: import -> twin -> 3D Tiles of a zip of LoD2 tiles in partitions on a LocalCluster.

``python bench/scale.py ZIP WORK --workers N``: runs the three phases with one embedded LocalCluster of N worker
processes (one thread each) and prints one JSON line: per phase the wall seconds, the CPU seconds of the
coordinator and of the workers, and the peak RSS of every worker process (sampled with psutil every 0.2 s on
the worker pids the cluster reports). ``estimated_idle_seconds`` is the CPU-time-based estimate of a phase's
wall time on an idle machine: the coordinator merges while the workers run, so its CPU time before the first
partition is submitted (head) and after the last came in (tail), plus max(busiest worker, coordinator in between,
that CPU time over the machine's cores).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

import psutil

CORES = len(os.sched_getaffinity(0))


class Sampler:
    """Peak RSS and CPU times of the worker processes, sampled in a thread."""

    def __init__(self, client) -> None:
        self.client = client
        self.peak: dict[int, float] = {}
        self.phase_peak: dict[int, float] = {}   # since the phase began (reset_phase)
        self.own = os.getpid()
        self.own_peak = 0.0                       # this process (the coordinator, with the in-process scheduler)
        self.own_phase_peak = 0.0
        self.own_part_peak = 0.0                  # since the phase's head, its partitions or its tail began
        self.cpu: dict[int, float] = {}
        self.known_pids: list[int] = []
        self.pids_until = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def pids(self) -> list[int]:
        # asked of the cluster every 5 s, not at every sample: a round trip to every worker costs the coordinator
        # and the workers CPU time the phases would be charged with
        if time.monotonic() >= self.pids_until:
            self.known_pids = [int(p) for p in self.client.run(os.getpid).values()]
            self.pids_until = time.monotonic() + 5.0
        return self.known_pids

    def reset_phase(self) -> None:
        self.phase_peak, self.own_phase_peak, self.own_part_peak = {}, 0.0, 0.0

    def part_peak(self) -> float:
        """The coordinator's peak since the last call (or the phase's start), and start anew."""
        self.sample()
        peak, self.own_part_peak = self.own_part_peak, 0.0
        return peak

    def sample(self) -> None:
        own = psutil.Process(self.own).memory_info().rss / 2**20
        self.own_peak, self.own_phase_peak = max(self.own_peak, own), max(self.own_phase_peak, own)
        self.own_part_peak = max(self.own_part_peak, own)
        for pid in self.pids():
            try:
                proc = psutil.Process(pid)
                rss = proc.memory_info().rss / 2**20
                self.peak[pid] = max(self.peak.get(pid, 0.0), rss)
                self.phase_peak[pid] = max(self.phase_peak.get(pid, 0.0), rss)
                times = proc.cpu_times()
                self.cpu[pid] = times.user + times.system
            except psutil.NoSuchProcess:
                pass

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - the cluster is closing
                return
            self.stop.wait(0.2)

    def cpu_total(self) -> float:
        self.sample()
        return sum(self.cpu.values())

    def cpu_by_pid(self) -> dict[int, float]:
        self.sample()
        return dict(self.cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip")
    parser.add_argument("work")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-partition", type=int, default=4000)
    parser.add_argument("--phases", default="import,build,export", help="the phases to run (a later one needs the "
                        "earlier ones' output in WORK)")
    args = parser.parse_args(argv)
    from geotwin.twin.kernel.progress import Reporter
    from geotwin.twin.scale.build import build_partitioned
    from geotwin.twin.scale.cluster import dask_mapper, open_client
    from geotwin.twin.scale.export import export_tiles
    from geotwin.twin.scale.imports import import_partitioned
    from geotwin.twin.store.open import open_store

    work = Path(args.work)
    me = psutil.Process()
    reporter = Reporter()
    phases = {}
    with open_client(None, args.workers, reporter) as client:
        sampler = Sampler(client)
        sampler.thread.start()
        cluster_mapper = dask_mapper(client, reporter)
        starts: list[float] = []               # the coordinator's CPU when a phase's partitions were submitted
        ends: list[tuple[float, float]] = []   # (coordinator CPU, wall) when a phase's last partition came in
        part_peaks: list[float] = []           # the coordinator's peak RSS in the head, during the partitions

        def mapper(fn, items):
            part_peaks.append(sampler.part_peak())
            starts.append(sum(me.cpu_times()[:2]))
            yield from cluster_mapper(fn, items)
            ends.append((sum(me.cpu_times()[:2]), time.perf_counter()))
            part_peaks.append(sampler.part_peak())

        def phase(name, run):
            sampler.reset_phase()
            starts.clear()
            ends.clear()
            part_peaks.clear()
            load = os.getloadavg()
            cpu0, own0, t0 = sampler.cpu_by_pid(), sum(me.cpu_times()[:2]), time.perf_counter()
            out = run()
            seconds = time.perf_counter() - t0
            cpu1 = sampler.cpu_by_pid()
            per_worker = [cpu1[p] - cpu0.get(p, 0.0) for p in cpu1]
            own_end = sum(me.cpu_times()[:2])
            own = own_end - own0
            # The coordinator merges each partition while the workers run the rest; what it does before the first
            # partition is submitted (the head: planning) and after the last came in (the tail: the rest of the
            # merge, indexes, the root tileset) is serial. On an idle machine the phase takes about the head, plus
            # max(busiest worker, coordinator in between, all that CPU time over the cores), plus the tail: the
            # CPU-time-based estimate of the wall time.
            head = (starts[0] if starts else own0) - own0
            during = (ends[-1][0] if ends else own_end) - own0 - head
            tail = own - head - during
            busiest = max(per_worker, default=0.0)
            overlapped = head + max(busiest, during, (sum(per_worker) + during) / CORES)
            phases[name] = {"seconds": round(seconds, 2), "worker_cpu_seconds": round(sum(per_worker), 2),
                            "busiest_worker_cpu_seconds": round(busiest, 2),
                            "coordinator_cpu_seconds": round(own, 2),
                            "coordinator_head_cpu_seconds": round(head, 2),
                            "coordinator_tail_cpu_seconds": round(tail, 2),
                            "tail_seconds": round(t0 + seconds - ends[-1][1], 2) if ends else 0.0,
                            "estimated_idle_seconds": round(overlapped + tail, 2),
                            "estimated_idle_seconds_without_overlap": round(busiest + own, 2),
                            "load_average_at_start": [round(v, 2) for v in load],
                            "coordinator_rss_mb": round(me.memory_info().rss / 2**20, 1),
                            "coordinator_peak_rss_mb": round(sampler.own_phase_peak, 1),
                            # head (before the first partition), during the partitions, tail (after the last)
                            "coordinator_peak_rss_mb_head_during_tail": [round(v, 1) for v in (
                                *part_peaks[:1], max(part_peaks[1:], default=0.0), sampler.part_peak())],
                            "worker_peak_rss_mb": sorted(round(v, 1) for v in sampler.phase_peak.values())}
            return out

        run = set(args.phases.split(","))
        imported = built = exported = None
        if "import" in run:
            imported = phase("import", lambda: import_partitioned([args.zip], work / "city.gpkg", work, mapper,
                                                                  reporter))
        if "build" in run:
            built = phase("build", lambda: build_partitioned(open_store(work / "twin.gpkg"), [work / "city.gpkg"],
                                                             work, mapper, reporter,
                                                             buildings_per_partition=args.per_partition))
        if "export" in run:
            exported = phase("export", lambda: export_tiles(work / "twin.gpkg", work / "tiles", None, reporter,
                                                            mapper))
        sampler.stop.set()
        sampler.thread.join()
    print(json.dumps({"workers": args.workers, "cores": CORES, "buildings": imported.buildings if imported else None,
                      "import_partitions": imported.partitions if imported else None,
                      "build_partitions": built.partitions if built else None,
                      "twin_buildings": built.buildings if built else None,
                      "export": "partitioned",
                      "export_partitions": len(exported.report.get("partitions", [])) if exported else None,
                      "export_partition_buildings": sorted(p["buildings"] for p in exported.report["partitions"])
                      if exported else None,
                      "phases": phases, "worker_peak_rss_mb": sorted(round(v, 1) for v in sampler.peak.values()),
                      "coordinator_peak_rss_mb": round(max(sampler.own_peak, resource.getrusage(
                          resource.RUSAGE_SELF).ru_maxrss / 1024), 1),
                      "coordinator_end_rss_mb": round(me.memory_info().rss / 2**20, 1),
                      "store_bytes": {name: (sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
                                             if path.is_dir() else path.stat().st_size)
                                      for name, path in (("city_model", work / "city.gpkg"),
                                                         ("twin", work / "twin.gpkg"), ("tiles", work / "tiles"))
                                      if path.exists()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
