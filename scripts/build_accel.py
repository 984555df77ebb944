"""Build the optional compiled planner of the CityGML reader (twin/citymodel/_gmlplan.pyx, issue 16).

Cython turns the .pyx into C (twin/citymodel/_gmlplan.c), gcc builds the extension next to it against Python's,
lxml's and libxml2's headers (it reads libxml2's node structs through lxml and links no library). Both files are
git-ignored. Without them the reader runs its pure-Python planner, which stays the reference (also with
GEOTWIN_PURE_PYTHON=1). Exits non-zero, saying why, when a tool is missing:
make setup goes on without the extension.

Usage: .venv/bin/python scripts/build_accel.py [--quiet] [SOURCE.pyx]
"""
from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "twin" / "citymodel" / "_gmlplan.pyx"


def _libxml2_flags() -> list[str]:
    """The compile flags of libxml2 (xml2-config, else pkg-config, else Debian's include path)."""
    for cmd in (["xml2-config", "--cflags"], ["pkg-config", "--cflags", "libxml-2.0"]):
        if shutil.which(cmd[0]):
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode == 0 and done.stdout.strip():
                return shlex.split(done.stdout)
    return ["-I/usr/include/libxml2"]


def build(quiet: bool = False, source: Path = SOURCE) -> Path:
    """Cythonize and compile ``source``; returns the built extension's path, next to it (raises on any failure)."""
    import lxml  # noqa: PLC0415

    includes = [f"-I{p}" for p in lxml.get_include()]
    c_file = source.with_suffix(".c")
    target = source.with_name("_gmlplan" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run([sys.executable, "-m", "cython", "-3", "--fast-fail", "--module-name",
                    "geotwin.twin.citymodel._gmlplan", *includes, str(source), "-o", str(c_file)],
                   check=True, capture_output=quiet)
    cc = sysconfig.get_config_var("CC") or "gcc"
    cmd = [*shlex.split(cc), "-shared", "-fPIC", "-O2", "-fno-strict-aliasing", "-w",
           f"-I{sysconfig.get_paths()['include']}", *includes, *_libxml2_flags(), str(c_file), "-o",
           str(target) + ".tmp"]
    subprocess.run(cmd, check=True, capture_output=quiet)
    Path(str(target) + ".tmp").replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    quiet = "--quiet" in args
    source = Path(next((a for a in args if a.endswith(".pyx")), SOURCE))
    try:
        target = build(quiet, source)
    except (OSError, subprocess.CalledProcessError, ImportError) as err:
        detail = getattr(err, "stderr", None)
        print(f"build_accel: the compiled CityGML planner was not built ({err}); the pure-Python reader is used"
              + (f"\n{detail.decode(errors='replace')[-2000:]}" if isinstance(detail, bytes) else ""),
              file=sys.stderr)
        return 1
    print(f"build_accel: built {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
