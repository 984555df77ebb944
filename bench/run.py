"""GeoTwin benchmark: each stage beside its peers on the same generated input, in one run.

``bench/run.py [--sizes 10000,100000] [--stages gen,import,tiles,tiles-partitioned,ifc] [--repeat 3] [--quick]
[--output FILE]``

Every tool runs as its own process through measure(): wall time, CPU seconds (user + system of the process
tree) and the peak RSS summed over the process and all its children. The speed of the shared machine varies
2-3x between runs, so every tool of a stage runs ``--repeat`` times (3 by default), interleaved with its peers
(ours, peer, ours, peer, ...): each tool meets the same load as the tools it is compared with. The summary
uses the median throughput and CPU throughput and the highest peak RSS of a tool's runs; ratios are
quotients of those medians, shown with the spread of the ratios of the runs made side by side. Prints each
run, the medians with their spread (min-max) and the ratios, and writes a JSON result
(bench/results/latest.json by default) that keeps every run's raw figures beside the medians and spreads.
Inputs are cached in bench/inputs/.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # scripts/env.sh sets PYTHONSAFEPATH: the script's folder is not on the path

from measure import Measurement, measure  # noqa: E402
from tilestats import tile_size_distribution  # noqa: E402

INPUTS = BENCH / "inputs"
ROOT = BENCH.parent
COMPILED = ("twin", "bim")     # GeoTwin's packages byte-compiled before anything is measured
STAGES = ("gen", "import", "tiles", "tiles-partitioned", "ifc", "scale")
SEED = 1
RSS_LIMIT_MB = 1536.0          # issue 3: peak RSS <= 1.5 GB on 100k buildings, whatever the format
PARTITION = 20_000             # buildings per partition of the partitioned export (issue 13)
TILES_TARGET = 10.0            # issue 4: >= 10x py3dtiles export's buildings/s, memory no higher
IFC_TARGET = 2.0               # issue 5: >= 2x py3dtiles convert's elements/s
PY = sys.executable
VENV_BIN = Path(PY).parent


def compile_sources(root: Path = ROOT, folders: tuple[str, ...] = COMPILED) -> bool:
    """Byte-compile GeoTwin's packages (compileall, quiet) before anything is measured: else the first tool to
    import a module compiles it and writes its .pyc, and that time would be counted in its measurement.

    Returns whether every file compiled (a read-only tree is measured as it is, with a warning)."""
    ok = all([compileall.compile_dir(str(root / folder), quiet=1) for folder in folders])
    if not ok:
        print(f"  warning: not every file of {', '.join(folders)} could be byte-compiled", file=sys.stderr)
    return ok


def _stage_cmd(*args: str) -> list[str]:
    return [PY, str(BENCH / "stages.py"), *args]


def _tool(name: str) -> str:
    exe = VENV_BIN / name
    return str(exe) if exe.exists() else (shutil.which(name) or name)


def _last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


class Tool(NamedTuple):
    """One tool of a stage: its command and what it is measured on; ``before`` runs ahead of each of its runs
    (untimed, e.g. removing the output of the run before), ``after`` gets each run's raw figures."""
    tool: str
    role: str
    cmd: list[str]
    items: int
    unit: str
    input_label: str
    extra: dict = {}   # noqa: RUF012 (read only: written into the tool's entry)
    before: Callable[[], None] | None = None
    after: Callable[[dict], None] | None = None


RUN_FIGURES = ("seconds", "cpu_seconds", "throughput", "cpu_throughput", "peak_rss_mb")


def aggregate(runs: list[dict]) -> dict:
    """The summary of a tool's repeated runs: the median of seconds, CPU seconds, throughput and CPU throughput
    and the highest peak RSS, over the runs that succeeded; ``spread`` holds each figure's [min, max].

    Example:
    >>> runs = [{"seconds": 2.0, "cpu_seconds": 1.8, "throughput": 500.0, "cpu_throughput": 555.6,
    ...          "peak_rss_mb": 120.0, "ok": True, "error": None},
    ...         {"seconds": 4.0, "cpu_seconds": 2.0, "throughput": 250.0, "cpu_throughput": 500.0,
    ...          "peak_rss_mb": 118.0, "ok": True, "error": None},
    ...         {"seconds": 2.5, "cpu_seconds": 2.5, "throughput": 400.0, "cpu_throughput": 400.0,
    ...          "peak_rss_mb": 125.0, "ok": True, "error": None}]
    >>> a = aggregate(runs)
    >>> a["throughput"], a["cpu_throughput"], a["peak_rss_mb"], a["spread"]["throughput"]
    (400.0, 500.0, 125.0, [250.0, 500.0])
    """
    good = [r for r in runs if r["ok"]]
    out: dict = {"repeats": len(runs), "failed_runs": len(runs) - len(good), "ok": bool(runs) and not
                 (len(runs) - len(good)), "error": next((r["error"] for r in runs if not r["ok"]), None)}
    spread = {}
    for key in RUN_FIGURES:
        values = [r[key] for r in good if r[key] is not None]
        spread[key] = [min(values), max(values)] if values else None
        if key == "peak_rss_mb":  # memory: the worst successful run counts (of all runs if none succeeded)
            out[key] = max(values or [r[key] for r in runs] or [0.0])
        else:
            out[key] = round(statistics.median(values), 3) if values else None
    out["spread"] = spread
    return out


def paired_ratios(ours: list[dict], peer: list[dict], key: str) -> list[float]:
    """The ratio of ``key`` in each round (ours' n-th run against the peer's n-th run, which ran next to it).

    Example:
    >>> paired_ratios([{"cpu_throughput": 3000.0}, {"cpu_throughput": 1500.0}],
    ...               [{"cpu_throughput": 300.0}, {"cpu_throughput": 125.0}], "cpu_throughput")
    [10.0, 12.0]
    """
    return [round(o[key] / p[key], 2) for o, p in zip(ours, peer) if o.get(key) and p.get(key)]


class Bench:
    def __init__(self, timeout: float, work: Path, repeat: int = 1) -> None:
        self.timeout = timeout
        self.work = work
        self.repeat = repeat
        self.results: dict[str, list[dict]] = {}
        self.comparisons: list[dict] = []
        self.checks: list[dict] = []
        self.imported: dict[int, Path] = {}   # size -> this run's import of the CityGML (exported by the tiles stages)

    def run_tools(self, stage: str, size: int, tools: list[Tool], repeat: int | None = None) -> list[dict]:
        """Run every tool ``repeat`` times (the bench's --repeat by default), interleaved: round 1 runs each tool
        once in order, then round 2, and so on, so that each tool meets the machine's load next to its peers.
        Returns (and records) one summary entry per tool: medians and spread (aggregate) and every run."""
        repeat = self.repeat if repeat is None else repeat
        runs: list[list[dict]] = [[] for _ in tools]
        for round_ in range(1, repeat + 1):
            for t, tool_runs in zip(tools, runs):
                if t.before:
                    t.before()
                label = f" [{round_}/{repeat}]" if repeat > 1 else ""
                r = self._measure(stage, size, t, label)
                r["round"] = round_
                tool_runs.append(r)
                if t.after:
                    t.after(r)
        entries = []
        for t, tool_runs in zip(tools, runs):
            entry = {"stage": stage, "size": size, "tool": t.tool, "role": t.role, "input": t.input_label,
                     "command": " ".join(Path(c).name if i == 0 else c for i, c in enumerate(t.cmd)),
                     "items": t.items, "unit": t.unit, **aggregate(tool_runs), **t.extra}
            reported = next((r["reported"] for r in tool_runs if r["ok"]), None)
            if reported is not None:
                entry["reported"] = reported  # the first successful run's; each run keeps its own
            entry["runs"] = tool_runs
            self.results.setdefault(stage, []).append(entry)
            entries.append(entry)
            if repeat > 1:
                _print_summary(entry)
        return entries

    def _measure(self, stage: str, size: int, t: Tool, label: str) -> dict:
        print(f"  {stage:<6} {size:>7} {t.tool} ({t.input_label}){label} ...", end="", flush=True)
        load = os.getloadavg()[0]
        m: Measurement = measure(t.cmd, timeout=self.timeout)
        ok = m.returncode == 0 and not m.timed_out
        r = {"seconds": round(m.seconds, 3), "cpu_seconds": round(m.cpu_seconds, 2),
             "throughput": round(t.items / m.seconds, 1) if ok and m.seconds > 0 else None,
             "cpu_throughput": round(t.items / m.cpu_seconds, 1) if ok and m.cpu_seconds > 0 else None,
             "peak_rss_mb": round(m.peak_rss_mb, 1), "ok": ok, "error": None, "load_average_at_start": round(load, 2)}
        if ok:
            r["reported"] = _last_json(m.stdout)
            print(f" {m.seconds:8.2f} s  {r['throughput']:>10.1f} {t.unit}/s  "
                  f"({r['cpu_throughput'] or 0:>10.1f} per CPU s)  peak {m.peak_rss_mb:7.1f} MB")
        else:
            tail = (m.stderr or m.stdout).strip().splitlines()[-5:]
            r["error"] = (f"timed out after {self.timeout:.0f} s" if m.timed_out
                          else f"exit code {m.returncode}: " + " | ".join(tail))
            print(f" FAILED ({r['error']})")
        return r

    def compare(self, ours: dict, peer: dict, target: float | None = None, memory_no_higher: bool = False,
                limit: bool = False) -> None:
        """Ratios of the medians (memory: of the highest peaks); with repeats, also each round's ratio."""
        ratio = (ours["throughput"] / peer["throughput"]
                 if ours["throughput"] and peer["throughput"] else None)
        cpu_ratio = (ours["cpu_throughput"] / peer["cpu_throughput"]
                     if ours["cpu_throughput"] and peer["cpu_throughput"] else None)
        memory_ratio = ours["peak_rss_mb"] / peer["peak_rss_mb"] if peer["peak_rss_mb"] else None
        c = {"stage": ours["stage"], "size": ours["size"], "ours": f"{ours['tool']} ({ours['input']})",
             "peer": f"{peer['tool']} ({peer['input']})", "throughput_ratio": _round(ratio, 2),
             "cpu_throughput_ratio": _round(cpu_ratio, 2), "memory_ratio": _round(memory_ratio, 2),
             "peer_error": peer["error"]}
        rounds = {key: paired_ratios(ours.get("runs", []), peer.get("runs", []), key)
                  for key in ("throughput", "cpu_throughput")}
        if len(ours.get("runs", [])) > 1:
            c["round_ratios"] = rounds
            c["spread"] = {f"{k}_ratio": [min(v), max(v)] if v else None for k, v in rounds.items()}
        if limit:  # the peer is the raw parse of the same file: the ratio is our fraction of that limit
            c["kind"] = "fraction of the raw parse limit"
        if target is not None:
            c["target"] = f">= {target:g}x peer throughput" + (", peak RSS no higher" if memory_no_higher else "")
            memory_ok = not memory_no_higher or (memory_ratio is not None and memory_ratio <= 1.0)
            c["pass"] = ratio is not None and ratio >= target and memory_ok
            c["pass_per_cpu_second"] = cpu_ratio is not None and cpu_ratio >= target and memory_ok
        self.comparisons.append(c)
        _print_comparison(c, ratio, cpu_ratio, memory_ratio, limit, peer["error"] or ours["error"] or "")


def _print_summary(entry: dict) -> None:
    sp = entry["spread"]
    if entry["throughput"] is None:
        print(f"  = {entry['tool']} ({entry['input']}): every run failed")
        return
    cpu = (f", per CPU s {entry['cpu_throughput']:,.0f} ({sp['cpu_throughput'][0]:,.0f}-{sp['cpu_throughput'][1]:,.0f})"
           if entry["cpu_throughput"] else "")
    failed = f", {entry['failed_runs']} of {entry['repeats']} runs failed" if entry["failed_runs"] else ""
    print(f"  = {entry['tool']} ({entry['input']}), median of {entry['repeats'] - entry['failed_runs']}: "
          f"{entry['throughput']:,.0f} {entry['unit']}/s ({sp['throughput'][0]:,.0f}-{sp['throughput'][1]:,.0f})"
          f"{cpu}; peak {entry['peak_rss_mb']:.1f} MB (highest){failed}")


def _print_comparison(c: dict, ratio, cpu_ratio, memory_ratio, limit: bool, error: str) -> None:
    shown = f"{ratio:.2f}x" if ratio is not None else f"n/a ({error})"
    spread = c.get("spread", {})
    cpu_range = spread.get("cpu_throughput_ratio")
    rounds = f", rounds {cpu_range[0]:.2f}-{cpu_range[1]:.2f}x" if cpu_range else ""
    mem = (f" (per CPU second {cpu_ratio:.2f}x{rounds})" if cpu_ratio else "") + (
        f", memory {memory_ratio:.2f}x" if memory_ratio else "")
    verdict = "" if "pass" not in c else ("  PASS" if c["pass"] else "  MISS")
    label = "fraction of the limit: " if limit else "throughput "
    print(f"  -> {c['ours']} vs {c['peer']}: {label}{shown}{mem}{verdict}")


def _round(value, digits):
    return None if value is None else round(value, digits)


def district(size: int) -> Path:
    return INPUTS / f"district-{size}"


def stage_gen(bench: Bench, size: int, repeat: int | None = None) -> None:
    out = district(size)
    INPUTS.mkdir(parents=True, exist_ok=True)
    bench.run_tools("gen", size, [Tool("geotwin.twin.sample", "ours", [PY, "-m", "geotwin.twin.sample", str(out),
                                                                      "--buildings", str(size), "--seed", str(SEED)],
                                       size, "buildings", "all formats")], repeat=repeat)


def _district_size(folder: Path) -> int | None:
    """The buildings of the district cached in ``folder`` (None: none there)."""
    manifest = folder / "district.json"
    return json.loads(manifest.read_text())["buildings"] if manifest.exists() else None


def ensure_district(bench: Bench, size: int) -> Path:
    out = district(size)
    if _district_size(out) != size:
        print(f"  generating the {size}-building district (cached in {out})")
        stage_gen(bench, size, repeat=1)
    return out


def gpkg_of(size: int) -> Path:
    return INPUTS / f"citymodel-{size}.gpkg"


def _removing(*paths: Path) -> Callable[[], None]:
    """A ``before`` hook: each run starts without the output of the runs before (its own and, given their paths,
    its peers': at 1,000,000 buildings a scale run leaves about 18 GB, whose cached pages the next run would
    otherwise have to reclaim while it is measured)."""
    def remove() -> None:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    return remove


def stage_import(bench: Bench, size: int) -> None:
    d = ensure_district(bench, size)
    cityjson = str(d / "district.city.json")
    ours = []
    for fmt, name in (("CityGML", "district.gml"), ("CityJSONSeq", "district.city.jsonl"),
                      ("CityJSON", "district.city.json")):
        target = bench.work / f"citymodel-{size}-{fmt.lower()}.gpkg"
        ours.append(Tool("geotwin import_citymodel", "ours", _stage_cmd("citymodel", str(d / name), str(target)),
                         size, "buildings", fmt, before=_removing(target)))
    peers = [Tool("cjio CLI", "peer", [_tool("cjio"), cityjson, "info"], size, "buildings", "CityJSON"),
             Tool("cjio API load", "peer", _stage_cmd("cjio-load", cityjson), size, "buildings", "CityJSON")]
    # the raw parse limit of each format (issue 16): what reading the file's geometry costs at least
    limits = [Tool(f"raw parse limit: {what}", "limit", _stage_cmd(stage, str(d / name)), size, "buildings", fmt)
              for fmt, stage, name, what in (
                  ("CityGML", "limit-citygml", "district.gml", "lxml iterparse, every posList to numpy"),
                  ("CityJSONSeq", "limit-cityjsonseq", "district.city.jsonl", "json.loads of every line"),
                  ("CityJSON", "limit-cityjson", "district.city.json", "json.loads of the file"))]
    entries = bench.run_tools("import", size, ours + peers + limits)
    ours_entries, peer_entries, limit_entries = entries[:3], entries[3:5], entries[5:]
    if ours_entries[0]["ok"]:  # the tiles stage exports this run's import of the CityGML
        bench.imported[size] = bench.work / f"citymodel-{size}-citygml.gpkg"
    for e in ours_entries:
        bench.checks.append({"stage": "import", "size": size, "input": e["input"],
                             "target": f"peak RSS <= {RSS_LIMIT_MB:.0f} MB (issue 3, at 100k buildings)",
                             "applies": size >= 100_000, "peak_rss_mb": e["peak_rss_mb"],
                             "pass": e["ok"] and e["peak_rss_mb"] <= RSS_LIMIT_MB})
    for e in ours_entries:
        for peer in peer_entries:
            bench.compare(e, peer)
    for e, limit in zip(ours_entries, limit_entries):
        bench.compare(e, limit, limit=True)


def _citymodel(bench: Bench, size: int) -> Path:
    """The imported district: this run's import stage's, else the cache in bench/inputs (made if missing)."""
    if size in bench.imported and bench.imported[size].exists():
        return bench.imported[size]
    gpkg = gpkg_of(size)
    if not gpkg.exists():
        d = ensure_district(bench, size)
        print(f"  importing the {size}-building CityGML for the export (cached in {gpkg})")
        tmp = gpkg.with_name(f"citymodel-{size}.{os.getpid()}.tmp.gpkg")
        m = measure(_stage_cmd("citymodel", str(d / "district.gml"), str(tmp)), timeout=bench.timeout)
        if m.returncode != 0:
            raise SystemExit(f"import for the tiles stage failed: {m.stderr.strip()[-2000:]}")
        os.replace(tmp, gpkg)
    return gpkg


def stage_tiles(bench: Bench, size: int) -> None:
    gpkg = _citymodel(bench, size)
    wkb = bench.work / f"wkb-{size}"
    prep = measure(_stage_cmd("wkb-dir", str(gpkg), str(wkb)), timeout=bench.timeout)
    if prep.returncode != 0:
        raise SystemExit(f"writing the WKB buildings failed: {prep.stderr.strip()[-2000:]}")
    info = _last_json(prep.stdout)
    count = info["wkb_files"]
    print(f"  wrote {count} WKB MultiPolygonZ files (untimed), offset {info['offset']}")
    out, peer_out = bench.work / f"tiles-{size}", bench.work / f"py3dtiles-{size}"
    sizes: dict[str, dict] = {}

    def tile_sizes(key: str, folder: Path) -> Callable[[dict], None]:
        def after(run: dict) -> None:  # the tiles are the same every run: their sizes are taken once
            if run["ok"] and key not in sizes:
                sizes[key] = tile_size_distribution(folder, count)
        return after

    ours, peer = bench.run_tools("tiles", size, [
        Tool("geotwin export_3dtiles", "ours", _stage_cmd("tiles", str(gpkg), str(out)), count, "buildings",
             "GeoPackage", before=_removing(out), after=tile_sizes("ours", out)),
        Tool("py3dtiles export", "peer", [_tool("py3dtiles"), "export", "-d", str(wkb), "-o", *map(str, info["offset"]),
                                          "-s", str(peer_out), "--spec-version", "1.1"], count, "buildings",
             "WKB directory", before=_removing(peer_out), after=tile_sizes("peer", peer_out))])
    if "ours" in sizes:
        ours["tile_sizes"] = t = sizes["ours"]
        print(f"  tile sizes: {t['tiles']} tiles, {t['leaves']} leaves, leaf p50 {t['leaf_p50_bytes']} B, "
              f"p95 {t['leaf_p95_bytes']} B, max {t['leaf_max_bytes']} B, {t['bytes_per_building']:.0f} B/building")
    if "peer" in sizes:
        peer["tile_sizes"] = sizes["peer"]
    bench.compare(ours, peer, TILES_TARGET, memory_no_higher=True)
    for path in (wkb, out, peer_out):
        shutil.rmtree(path, ignore_errors=True)


def stage_tiles_partitioned(bench: Bench, size: int) -> None:
    """Issue 13: the partitioned export (partitions run one after another in one process: its peak RSS is what
    one Dask worker or the planning process needs; and on a Dask LocalCluster of 2 workers, whose peak RSS is
    summed over the scheduler, the workers and the planning process) beside the single-process export."""
    gpkg = _citymodel(bench, size)
    out, single_out, dask_out = (bench.work / f"tiles-{kind}-{size}" for kind in ("partitioned", "single", "dask"))
    partitioned = f"geotwin export_partitioned ({PARTITION} buildings/partition, "
    single, ours, dask = bench.run_tools("tiles-partitioned", size, [
        Tool("geotwin export_3dtiles (single process)", "peer", _stage_cmd("tiles", str(gpkg), str(single_out)),
             size, "buildings", "GeoPackage", before=_removing(single_out)),
        Tool(partitioned + "serial)", "ours", _stage_cmd("tiles-partitioned", str(gpkg), str(out), "--partition",
                                                         str(PARTITION)), size, "buildings", "GeoPackage",
             before=_removing(out)),
        Tool(partitioned + "Dask LocalCluster, 2 workers)", "ours",
             _stage_cmd("tiles-partitioned", str(gpkg), str(dask_out), "--partition", str(PARTITION), "--workers",
                        "2"), size, "buildings", "GeoPackage", {"workers": 2}, before=_removing(dask_out))])
    bench.compare(ours, single)
    bench.compare(dask, single)
    bench.checks.append({"stage": "tiles-partitioned", "size": size,
                         "target": f"peak RSS <= {RSS_LIMIT_MB:.0f} MB (issue 13, per process)",
                         "peak_rss_mb": ours["peak_rss_mb"],
                         "pass": ours["ok"] and ours["peak_rss_mb"] <= RSS_LIMIT_MB})
    for path in (out, single_out, dask_out):
        shutil.rmtree(path, ignore_errors=True)


def scale_input(bench: Bench, size: int, inputs: Path = INPUTS) -> tuple[Path, int]:
    """The district as a zip of LoD2 tiles of about 4,000 buildings each (cached in ``inputs``, bench/inputs).

    A district of ``size`` already cached is split; else only its CityGML is generated (the same seed, the same
    buildings), beside the zip, and removed once zipped: the other formats of a state-sized district (a third
    of its generation time at 1,000,000 buildings, 1.8 GB) serve no other stage at that size."""
    from geotwin.twin.sample.tiles import split_tiles, zip_tiles

    archive = inputs / f"scale-{size}" / "LoD2_NW.zip"
    if not archive.exists():
        cached = inputs / f"district-{size}"
        made = archive.parent / "district"
        if _district_size(cached) == size:
            gml = cached / "district.gml"
        else:
            print(f"  generating the CityGML of the {size}-building district (for {archive})")
            shutil.rmtree(made, ignore_errors=True)
            subprocess.run([PY, "-m", "geotwin.twin.sample", str(made), "--buildings", str(size), "--seed",
                            str(SEED), "--formats", "citygml"], check=True)
            gml = made / "district.gml"
        tiles = split_tiles(gml, archive.parent / "tiles", max(1, round(size / 4000)))
        zip_tiles(tiles, archive.with_suffix(".tmp"))
        os.replace(archive.with_suffix(".tmp"), archive)
        shutil.rmtree(archive.parent / "tiles")
        shutil.rmtree(made, ignore_errors=True)
    import zipfile

    with zipfile.ZipFile(archive) as zf:
        return archive, len(zf.namelist())


def stage_scale(bench: Bench, size: int) -> None:
    """import -> twin -> 3D Tiles in partitions on a LocalCluster of 1 and of 2 workers (issue 13)."""
    archive, tiles = scale_input(bench, size)
    works = {w: bench.work / f"scale-{size}-{w}" for w in (1, 2)}
    entries = dict(zip((1, 2), bench.run_tools("scale", size, [
        Tool(f"geotwin scale chain, {w} worker(s)", "ours", [PY, str(BENCH / "scale.py"), str(archive), str(work),
                                                             "--workers", str(w)], size, "buildings",
             f"zip of {tiles} LoD2 tiles", {"workers": w}, before=_removing(*works.values()))
        for w, work in works.items()])))
    for work in works.values():
        shutil.rmtree(work, ignore_errors=True)
    for e in entries.values():  # the phases of the first successful run (each run's are in its raw figures)
        if e["ok"]:
            r = e["reported"]
            print("    " + ", ".join(f"{k} {v['seconds']:.1f} s (workers {v['worker_cpu_seconds']:.1f} CPU s, "
                                    f"coordinator {v['coordinator_cpu_seconds']:.1f} CPU s)"
                                    for k, v in r["phases"].items())
                  + f"; worker peak RSS {r['worker_peak_rss_mb']} MB; export {r['export']}")
            print("    store: " + ", ".join(f"{k.replace('_', ' ')} {v / 2**20:.1f} MB ({v / size / 1024:.2f} kB "
                                           "per building)" for k, v in r.get("store_bytes", {}).items())
                  + f"; coordinator peak RSS {r['coordinator_peak_rss_mb']} MB")
    one, two = entries[1], entries[2]
    if one["ok"] and two["ok"]:
        speedup = one["seconds"] / two["seconds"]
        cpu = {w: sum(p["worker_cpu_seconds"] + p["coordinator_cpu_seconds"]
                      for p in entries[w]["reported"]["phases"].values()) for w in (1, 2)}
        idle = {w: sum(p["estimated_idle_seconds"] for p in entries[w]["reported"]["phases"].values())
                for w in (1, 2)}
        peak = max(two["reported"]["worker_peak_rss_mb"] + one["reported"]["worker_peak_rss_mb"])
        bench.checks.append({"stage": "scale", "size": size, "speedup_2_over_1": round(speedup, 2),
                             "estimated_idle_seconds": {str(k): round(v, 1) for k, v in idle.items()},
                             "cpu_based_speedup_2_over_1": round(idle[1] / idle[2], 2) if idle[2] else None,
                             "cpu_throughput_2_workers": round(size / idle[2], 1) if idle[2] else None,
                             "cpu_seconds": {str(k): round(v, 1) for k, v in cpu.items()},
                             "target": "speedup >= 1.7x, worker peak RSS <= 1536 MB (issue 13)",
                             "worker_peak_rss_mb": peak, "pass": speedup >= 1.7 and peak <= RSS_LIMIT_MB})
        print(f"  -> CPU-time estimate on an idle machine: {idle[1]:.0f} s with 1 worker, {idle[2]:.0f} s with 2 "
              f"({idle[1] / max(idle[2], 1e-9):.2f}x)")
        print(f"  -> speedup of 2 workers over 1: {speedup:.2f}x (CPU seconds {cpu[1]:.0f} and {cpu[2]:.0f}); "
              f"highest worker peak RSS {peak:.0f} MB")


def ifc_file(elements: int) -> Path:
    path = INPUTS / f"bench-{elements}.ifc"
    if not path.exists():
        print(f"  generating an IFC of {elements} elements (cached in {path})")
        INPUTS.mkdir(parents=True, exist_ok=True)
        from ifc_input import write_bench_ifc

        tmp = path.with_suffix(".ifc.tmp")
        write_bench_ifc(tmp, elements)
        os.replace(tmp, path)
    return path


def stage_ifc(bench: Bench, elements: int) -> None:
    ifc = ifc_file(elements)
    cores = os.cpu_count() or 1
    gpkgs = {n: bench.work / f"bim-{elements}-{n}.gpkg" for n in sorted({0, 1, max(1, cores - 1)})}
    peer_out = bench.work / f"py3dtiles-ifc-{elements}"
    *ours, raw, peer = bench.run_tools("ifc", elements, [
        *(Tool(f"geotwin import_ifc, {_workers(n)}", "ours", _stage_cmd("bim", str(ifc), str(gpkg), "--processes",
                                                                         str(n)), elements, "elements", "IFC4",
               {"processes": n}, before=_removing(gpkg)) for n, gpkg in gpkgs.items()),
        Tool("ifcopenshell.geom.iterator, 1 thread", "peer", _stage_cmd("ifc-iterator", str(ifc), "--threads", "1"),
             elements, "elements", "IFC4", {"threads": 1}),
        Tool(f"py3dtiles convert, {cores} jobs (its default)", "peer",
             [_tool("py3dtiles"), "convert", str(ifc), "--out", str(peer_out), "--overwrite"], elements, "elements",
             "IFC4", {"threads": cores}, before=_removing(peer_out))])
    for entry in ours:
        bench.compare(entry, peer, IFC_TARGET)
    bench.compare(ours[0], raw)


def _workers(n: int) -> str:
    return "geometry in-process" if n == 0 else f"{n} geometry worker{'s' if n > 1 else ''}"


def _versions() -> dict:
    out = {}
    for dist in ("py3dtiles", "cjio", "ifcopenshell", "shapely", "numpy", "lxml", "pyogrio"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="district sizes in buildings (default 10000,100000)")
    parser.add_argument("--ifc-elements", type=int, default=10_000, help="elements of the IFC (default 10000)")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"subset of {','.join(STAGES)}")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 buildings and 1,000 IFC elements")
    parser.add_argument("--output", default=str(BENCH / "results" / "latest.json"), help="JSON result file")
    parser.add_argument("--note", action="append", default=[], help="a remark stored in the JSON (repeatable)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of every tool, interleaved with its peers; medians are reported (default 3)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before one tool run is stopped")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    elements = 1000 if args.quick else args.ifc_elements
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stages {unknown}; choose from {','.join(STAGES)}")
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, not {args.repeat}")

    started = time.time()
    load = os.getloadavg()
    compiled = compile_sources()
    with tempfile.TemporaryDirectory(prefix="geotwin-bench-") as tmp:
        bench = Bench(args.timeout, Path(tmp), args.repeat)
        city = [(s, f) for s, f in (("gen", stage_gen), ("import", stage_import), ("tiles", stage_tiles),
                                    ("tiles-partitioned", stage_tiles_partitioned), ("scale", stage_scale))
                if s in stages]
        for size in sizes if city else []:
            print(f"== {size} buildings")
            for _, func in city:
                func(bench, size)
        if "ifc" in stages:
            print(f"== IFC, {elements} elements")
            stage_ifc(bench, elements)
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(time.time() - started, 1),
        "arguments": {"sizes": sizes, "ifc_elements": elements, "stages": stages, "quick": args.quick, "seed": SEED,
                      "repeat": args.repeat},
        "machine": {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "load_average_at_start": [round(x, 2) for x in load], "python": platform.python_version(),
                    "platform": platform.platform()},
        "versions": _versions(),
        "notes": args.note,
        "byte_compiled": compiled,
        "method": "each tool runs as its own process; seconds are wall time, peak_rss_mb the highest summed RSS "
                  "of the process and all its children (sampled every 20 ms); throughput = items / seconds on "
                  "the same input for every tool; cpu_seconds (user + system of the tree) shows how much of the "
                  "wall time was spent computing on a shared machine; cpu_throughput = items / cpu_seconds; "
                  f"every tool of a stage runs {args.repeat} time(s), interleaved with its peers (round 1 runs each "
                  "tool once, then round 2, ...); an entry's seconds, cpu_seconds, throughput and cpu_throughput "
                  "are the medians over its successful runs, peak_rss_mb the highest of its runs, spread each "
                  "figure's [min, max] and runs every run's raw figures; ratios are quotients of the medians (of "
                  "the highest peaks for memory), round_ratios each round's ratio of the runs made next to each "
                  "other; targets are judged on the median wall-time ratio (pass) and on the median CPU ratio "
                  "(pass_per_cpu_second); GeoTwin's " + " and ".join(f"{f}/" for f in COMPILED)
                  + " are byte-compiled (compileall) before the first measurement, so no tool's time includes "
                  "compiling them",
        "stages": bench.results,
        "comparisons": bench.comparisons,
        "checks": bench.checks,
    }
    target = Path(args.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_file = target.with_name(target.name + ".tmp")
    tmp_file.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp_file, target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
