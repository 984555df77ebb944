"""Build geotwin.zip: the plugin only (no tests, benchmark or development files)."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE = ("metadata.txt", "__init__.py", "__main__.py", "LICENSE", "plugin", "processing", "twin", "bim", "resources")
EXCLUDE_SUFFIXES = (".pyc", ".pyo", ".ts", ".so", ".c", ".pyx")  # no compiled code (issue 16)
EXCLUDE_DIRS = {"__pycache__", ".pytest_cache"}


def plugin_files() -> list[Path]:
    """Every file that belongs into the installed plugin folder."""
    files: list[Path] = []
    for name in INCLUDE:
        path = ROOT / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and not EXCLUDE_DIRS & set(p.relative_to(ROOT).parts)
                         and not p.name.endswith(EXCLUDE_SUFFIXES))
    return files


def build(target: Path) -> Path:
    """Write the zip with the top-level folder ``geotwin/`` that QGIS's installer expects."""
    target = target.resolve()
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in plugin_files():
            info = zipfile.ZipInfo(f"geotwin/{path.relative_to(ROOT).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(target)
    return target


if __name__ == "__main__":
    out = build(Path(sys.argv[1] if len(sys.argv) > 1 else "geotwin.zip"))
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
