"""The partitioned export's search index on synthetic rows, without the tiles: the partitions' side and the root's
merge (issue 13).

``python bench/search_merge.py [--rows 100000] [--parts 8] [--runs 3]``: the rows of
``tests/twin/tiles/test_search_shards.synthetic_rows`` dealt to ``--parts`` partitions; per run, the CPU seconds
(``time.process_time``) of writing every partition's file (``write_part_table``) and of the root's
``merge_search_index``; then the merge's peak traced memory (``tracemalloc``, one more run) and the files' size.
Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

from geotwin.tests.twin.tiles.test_search_shards import synthetic_rows
from geotwin.twin.tiles.search_index import PART_SUFFIX, merge_search_index, write_part_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = synthetic_rows(args.rows)
    folder = Path(tempfile.mkdtemp(prefix="search-merge-"))
    try:
        files = [folder / f"p{k}{PART_SUFFIX}" for k in range(args.parts)]
        part_cpu, merge_cpu = [], []
        for run in range(args.runs):
            started = time.process_time()
            for k, path in enumerate(files):
                write_part_table(path, rows[k::args.parts])
            part_cpu.append(round(time.process_time() - started, 3))
            started = time.process_time()
            result = merge_search_index(folder / f"out{run}", files)
            merge_cpu.append(round(time.process_time() - started, 3))
        tracemalloc.start()
        merge_search_index(folder / "traced", files)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(json.dumps({"rows": args.rows, "parts": args.parts, "buildings": result["buildings"],
                          "shards": result["shards"], "partitions_cpu_s": part_cpu, "merge_cpu_s": merge_cpu,
                          "merge_traced_peak_mb": round(peak / 1e6, 1),
                          "part_files_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1)}))
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
