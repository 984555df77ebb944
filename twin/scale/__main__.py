"""Command line for servers and cron jobs, without QGIS: the chain in partitions on Dask distributed.

    python -m geotwin import DELIVERY... --output city.gpkg --work WORK [--crs EPSG:25832] [--lod 2]
    python -m geotwin build --citymodel city.gpkg --output twin.gpkg|DSN [--schema geotwin] --work WORK
    python -m geotwin export --source twin.gpkg|DSN [--schema geotwin] --output tiles/ [--per-partition N]

(``python -m geotwin.twin.scale`` is the same.) The export runs the partitioned 3D Tiles export; what that does
not cover (a twin with BIM detail, learning islands or sensors) is exported in this process, with a warning.

Every command takes ``--scheduler tcp://host:8786`` (an existing Dask cluster) or ``--workers N`` (an
embedded LocalCluster of N processes; default: this machine's cores; 0 runs in this process without Dask).
Progress goes to stderr as a bar, messages (the Dask dashboard link among them) to stdout.
Exit codes: 0 done, 1 error, 2 wrong arguments, 3 some partitions failed (named; the others are done and a
re-run does only the failed ones), 130 interrupted (Ctrl-C; the cluster's tasks are cancelled).
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from ..kernel.errors import Cancelled, GeoTwinError
from ..kernel.progress import Reporter
from .cluster import Mapper, cluster_mapper, serial_mapper
from .threads import cap_blas_threads

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
_BAR = 30


class ConsoleReporter(Reporter):
    """Messages to stdout, warnings and a progress bar to stderr (a line per 10 % when stderr is no terminal)."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.tty = bool(getattr(self.err, "isatty", lambda: False)())
        self.shown = -1

    def progress(self, percent: float) -> None:
        percent = max(0.0, min(100.0, percent))
        if self.tty:
            filled = int(_BAR * percent / 100.0)
            self.err.write(f"\r[{'#' * filled}{'.' * (_BAR - filled)}] {percent:5.1f} %")
            self.err.flush()
        elif int(percent // 10) > self.shown:
            self.shown = int(percent // 10)
            print(f"progress {self.shown * 10} %", file=self.err, flush=True)

    def _line(self) -> None:
        if self.tty:
            self.err.write("\r" + " " * (_BAR + 12) + "\r")

    def info(self, message: str) -> None:
        self._line()
        print(message, file=self.out, flush=True)

    def warning(self, message: str) -> None:
        self._line()
        print(f"warning: {message}", file=self.err, flush=True)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``python -m geotwin.twin.scale`` (import, build, export).

    Returns:
        The parser.

    Example:
        >>> args = build_parser().parse_args(["export", "--source", "twin.gpkg", "--output", "tiles", "--workers", "0"])
        >>> args.command, args.source, args.schema, args.output, args.workers, args.scheduler
        ('export', 'twin.gpkg', 'geotwin', 'tiles', 0, '')
    """
    parser = argparse.ArgumentParser(prog="python -m geotwin", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--scheduler", default="", help="Dask scheduler address (tcp://host:8786); default: an "
                        "embedded LocalCluster")
    common.add_argument("--workers", type=int, default=None,
                        help="worker processes of the embedded LocalCluster (default: the machine's cores; 0: no "
                             "Dask, run in this process)")
    imp = sub.add_parser("import", parents=[common], help="import a city model delivery in partitions")
    imp.add_argument("inputs", nargs="+", help="files, folders, zip archives of CityGML/CityJSON tiles")
    imp.add_argument("--output", required=True, help="the city model GeoPackage to write")
    imp.add_argument("--work", required=True, help="work folder (partitions and the manifest of finished ones)")
    imp.add_argument("--crs", default=None, help="CRS override (e.g. EPSG:25832)")
    imp.add_argument("--lod", default="highest", help="level of detail (default: highest)")
    imp.add_argument("--max-inflated-mb", type=float, default=None, help="per file or member (MiB)")
    imp.add_argument("--max-json-mb", type=float, default=None, help="per CityJSON document (MiB)")
    bld = sub.add_parser("build", parents=[common], help="build the twin of a city model in spatial partitions")
    bld.add_argument("--citymodel", nargs="+", required=True, help="city model GeoPackage(s) of the import")
    bld.add_argument("--output", required=True, help="twin GeoPackage or PostgreSQL connection string")
    bld.add_argument("--schema", default="geotwin", help="PostGIS schema (default geotwin)")
    bld.add_argument("--work", required=True, help="work folder (partitions and the manifest of finished ones)")
    bld.add_argument("--per-partition", type=int, default=4000, help="buildings per partition on average")
    bld.add_argument("--halo", type=float, default=250.0, help="halo around each partition in metres")
    exp = sub.add_parser("export", parents=[common], help="export a twin or city model as 3D Tiles")
    exp.add_argument("--source", required=True, help="twin or city model GeoPackage, or a connection string")
    exp.add_argument("--schema", default="geotwin", help="PostGIS schema (default geotwin)")
    exp.add_argument("--output", required=True, help="output folder (an earlier export there: only the changed "
                     "tiles are written)")
    exp.add_argument("--per-partition", type=int, default=None,
                     help="buildings per partition (quadtree subtree) at most (default 20000)")
    return parser


@contextlib.contextmanager
def mapper_for(scheduler: str, workers: int | None, reporter: Reporter) -> Iterator[Mapper]:
    """Give the mapper for the command line's options: serial for ``--workers 0``, else Dask (closed afterwards).

    Args:
        scheduler: ``--scheduler`` (empty: none).
        workers: ``--workers`` (None: the cores; 0: this process).
        reporter: progress, cancel and messages.

    Yields:
        The mapper.

    Example:
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> with mapper_for("", 0, Reporter()) as mapper:
        ...     list(mapper(len, ["ab", "c"]))
        [2, 1]
    """
    if not scheduler and workers == 0:
        reporter.info("running in this process (no Dask)")
        yield serial_mapper(reporter)
        return
    with cluster_mapper(scheduler or None, workers, reporter) as mapper:
        yield mapper


def run(args: argparse.Namespace, reporter: Reporter) -> Any:
    """Run the parsed command (import, build or export).

    Args:
        args: the parsed command line (see build_parser).
        reporter: progress, cancel and messages.

    Returns:
        The command's result (ScaleImportResult, the build's or the export's result).

    Raises:
        GeoTwinError: bad input; PartitionsFailed when some partitions failed.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.kernel.progress import Reporter
        >>> folder = tempfile.mkdtemp()
        >>> args = build_parser().parse_args(["export", "--source", f"{folder}/none.gpkg",
        ...                                   "--output", f"{folder}/tiles", "--workers", "0"])
        >>> run(args, Reporter())
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: .../none.gpkg: no 'buildings' layer: import a city model or build ...
    """
    with mapper_for(args.scheduler, args.workers, reporter) as mapper:
        if args.command == "import":
            from .imports import import_partitioned

            return import_partitioned(args.inputs, args.output, args.work, mapper, reporter, crs_override=args.crs,
                                      lod=args.lod, max_inflated_mb=args.max_inflated_mb,
                                      max_json_mb=args.max_json_mb)
        if args.command == "build":
            from ..store.open import open_store
            from .build import build_partitioned

            return build_partitioned(open_store(args.output, args.schema), args.citymodel, args.work, mapper,
                                     reporter, buildings_per_partition=args.per_partition, halo=args.halo)
        from ..tiles.partitioned import PARTITION_BUILDINGS
        from .export import export_tiles

        return export_tiles(args.source, args.output, None, reporter, mapper, fallback=True, schema=args.schema,
                            partition_buildings=args.per_partition or PARTITION_BUILDINGS)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code.

    The codes (see the module docstring): 0 done, 1 error, 2 wrong arguments, 3 some partitions failed,
    130 interrupted.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code; the error is printed to stderr.

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> main(["export", "--source", f"{folder}/none.gpkg", "--output", f"{folder}/tiles", "--workers", "0"])
        running in this process (no Dask)
        1
    """
    args = build_parser().parse_args(argv)
    from .imports import PartitionsFailed  # here, not at the top: it loads numpy (see threads.cap_blas_threads)

    reporter = ConsoleReporter()
    try:
        run(args, reporter)
    except PartitionsFailed as err:
        print(f"\nerror: {err}", file=sys.stderr, flush=True)
        return EXIT_PARTIAL
    except (KeyboardInterrupt, Cancelled):
        print("\ninterrupted: the cluster's tasks were cancelled", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except GeoTwinError as err:
        print(f"\nerror: {err}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    reporter.progress(100.0)
    print(file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    cap_blas_threads()   # before main's import, build or export loads numpy: see threads.py
    sys.exit(main())
