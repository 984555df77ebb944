"""python -m geotwin.twin.sample OUTPUT --buildings N --seed S [--formats citygml,cityjson,...]"""
from __future__ import annotations

import argparse
import sys

from ..kernel.errors import GeoTwinError
from ..kernel.progress import Reporter
from .generator import FORMATS, MAX_BUILDINGS, MIN_BUILDINGS, generate_district


class _PrintReporter(Reporter):
    def info(self, message: str) -> None:
        print(message, flush=True)

    def warning(self, message: str) -> None:
        print(f"warning: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Write the sample district from the command line (``python -m geotwin.twin.sample OUTPUT``).

    Args:
        argv: the arguments (None: the command line's).

    Returns:
        0, or 2 after an error (printed).

    Example:
        >>> import contextlib, io, tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()) as out:
        ...     status = main([str(Path(tmp) / "d"), "--buildings", "10", "--formats", "islands"])
        >>> status, [line.split(":")[0] for line in out.getvalue().splitlines() if line.endswith(".geojson")]
        (0, ['islands'])
    """
    parser = argparse.ArgumentParser(prog="python -m geotwin.twin.sample",
                                     description="Write the GeoTwin sample district (Karlsruhe, Friedrichsplatz).")
    parser.add_argument("output", help="output folder (created; replaced when it holds an earlier district)")
    parser.add_argument("--buildings", type=int, default=400,
                        help=f"number of buildings, {MIN_BUILDINGS}..{MAX_BUILDINGS} (default 400)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"comma-separated subset of {','.join(FORMATS)} (default: all)")
    args = parser.parse_args(argv)
    try:
        manifest = generate_district(args.output, buildings=args.buildings, seed=args.seed,
                                     formats=tuple(f.strip() for f in args.formats.split(",") if f.strip()),
                                     reporter=_PrintReporter())
    except GeoTwinError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for key in manifest.files:
        print(f"{key}: {manifest.path(key)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
