"""`bench/run.py --repeat N`: a tool's runs summed up as medians, highest peak and spread; ratios of the medians.

Real figures from a loaded machine (stop 24's 10k export and py3dtiles, slowed by other jobs); no timing asserts.
"""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from geotwin.tests.paths import ROOT


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("geotwin_bench_run_repeat", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(seconds, cpu_seconds, peak, items=10_000, ok=True, error=None):
    return {"seconds": seconds, "cpu_seconds": cpu_seconds,
            "throughput": round(items / seconds, 1) if ok else None,
            "cpu_throughput": round(items / cpu_seconds, 1) if ok else None,
            "peak_rss_mb": peak, "ok": ok, "error": error}


OURS = [_run(3.088, 3.30, 121.5), _run(6.912, 4.10, 122.8), _run(4.375, 3.62, 120.9)]
PEER = [_run(34.48, 33.78, 312.0), _run(71.20, 47.06, 301.4), _run(40.65, 35.70, 318.2)]


def test_medians_of_three_runs_and_the_highest_peak(run):
    a = run.aggregate(OURS)
    assert a["repeats"] == 3 and a["failed_runs"] == 0 and a["ok"] is True and a["error"] is None
    # the middle of 3.088, 4.375, 6.912 s; of 3238.3, 1446.8, 2285.7/s; of 3030.3, 2439.0, 2762.4 per CPU s
    assert a["seconds"] == 4.375 and a["cpu_seconds"] == 3.62
    assert a["throughput"] == 2285.7 and a["cpu_throughput"] == 2762.4
    # with an odd count the median throughput is the median run's: items / median seconds
    assert a["throughput"] == round(10_000 / a["seconds"], 1)
    assert a["peak_rss_mb"] == 122.8
    assert a["spread"] == {"seconds": [3.088, 6.912], "cpu_seconds": [3.30, 4.10], "throughput": [1446.8, 3238.3],
                           "cpu_throughput": [2439.0, 3030.3], "peak_rss_mb": [120.9, 122.8]}


def test_an_even_count_averages_the_middle_two(run):
    a = run.aggregate(PEER + [_run(38.0, 36.9, 305.0)])
    # throughputs 290.0, 140.4, 246.0, 263.2/s: the middle two 246.0 and 263.2
    assert a["throughput"] == pytest.approx((246.0 + 263.2) / 2, abs=1e-9)
    assert a["seconds"] == pytest.approx((38.0 + 40.65) / 2, abs=1e-9)
    assert a["cpu_throughput"] == pytest.approx((280.1 + 271.0) / 2, abs=1e-9)
    assert a["peak_rss_mb"] == 318.2


def test_failed_runs_are_counted_and_left_out_of_the_medians(run):
    failed = _run(3600.0, 3550.0, 2048.0, ok=False, error="timed out after 3600 s")
    a = run.aggregate([OURS[0], failed, OURS[2]])
    assert a["ok"] is False and a["failed_runs"] == 1 and a["error"] == "timed out after 3600 s"
    assert a["throughput"] == pytest.approx((3238.3 + 2285.7) / 2, abs=1e-9)
    assert a["peak_rss_mb"] == 121.5 and a["spread"]["seconds"] == [3.088, 4.375]
    none = run.aggregate([failed])
    assert none["throughput"] is None and none["cpu_throughput"] is None and none["spread"]["throughput"] is None
    assert none["peak_rss_mb"] == 2048.0


def test_paired_ratios_skip_a_round_where_either_failed(run):
    assert run.paired_ratios(OURS, PEER, "cpu_throughput") == [
        round(3030.3 / 296.0, 2), round(2439.0 / 212.5, 2), round(2762.4 / 280.1, 2)]
    peer = [PEER[0], _run(1.0, 1.0, 1.0, ok=False, error="exit code 1: boom"), PEER[2]]
    assert run.paired_ratios(OURS, peer, "throughput") == [round(3238.3 / 290.0, 2), round(2285.7 / 246.0, 2)]


def _entry(run, tool, runs):
    return {"stage": "tiles", "size": 10_000, "tool": tool, "input": "x", **run.aggregate(runs), "runs": runs}


def test_compare_divides_the_medians_and_keeps_each_rounds_ratio(run, tmp_path, capsys):
    bench = run.Bench(60, tmp_path, repeat=3)
    bench.compare(_entry(run, "ours", OURS), _entry(run, "peer", PEER), 10.0, memory_no_higher=True)
    [c] = bench.comparisons
    # medians: 2285.7 / 246.0 wall, 2762.4 / 280.1 per CPU s (not the median of the round ratios)
    assert c["throughput_ratio"] == round(2285.7 / 246.0, 2) == 9.29
    assert c["cpu_throughput_ratio"] == round(2762.4 / 280.1, 2) == 9.86
    assert c["memory_ratio"] == round(122.8 / 318.2, 2)
    assert c["round_ratios"]["cpu_throughput"] == [10.24, 11.48, 9.86]
    assert c["spread"] == {"throughput_ratio": [9.29, 11.17], "cpu_throughput_ratio": [9.86, 11.48]}
    assert c["pass"] is False and c["pass_per_cpu_second"] is False
    assert "per CPU second 9.86x, rounds 9.86-11.48x" in capsys.readouterr().out


def test_run_tools_interleaves_the_rounds_and_records_every_run(run, tmp_path):
    order: list[str] = []
    seen: list[dict] = []
    tools = [run.Tool(name, role, [sys.executable, "-c", f"print({json.dumps(json.dumps({'tool': name}))})"], 1,
                      "items", "none", before=(lambda name=name: order.append(name)), after=seen.append)
             for name, role in (("a", "ours"), ("b", "peer"))]
    bench = run.Bench(120, tmp_path, repeat=3)
    a, b = bench.run_tools("s", 1, tools)
    assert order == ["a", "b", "a", "b", "a", "b"]
    assert len(seen) == 6 and [r["round"] for r in seen] == [1, 1, 2, 2, 3, 3]
    for entry, name in ((a, "a"), (b, "b")):
        assert entry["ok"] and entry["repeats"] == 3 and [r["round"] for r in entry["runs"]] == [1, 2, 3]
        assert entry["reported"] == {"tool": name} and all(r["reported"] == {"tool": name} for r in entry["runs"])
        values = sorted(r["throughput"] for r in entry["runs"])
        assert entry["throughput"] == values[1] and entry["spread"]["throughput"] == [values[0], values[2]]
        assert entry["peak_rss_mb"] == max(r["peak_rss_mb"] for r in entry["runs"])
    assert bench.results == {"s": [a, b]}
    # an override: one round only
    [c] = bench.run_tools("s", 1, tools[:1], repeat=1)
    assert c["repeats"] == 1 and len(c["runs"]) == 1 and order[-1] == "a"
