"""Which optional Python packages are missing, and how to install them into QGIS's Python."""
from __future__ import annotations

import importlib.util
import os
import sys

# import name -> pip distribution name
PIP_NAMES = {
    "geopandas": "geopandas",
    "shapely": "shapely",
    "pyproj": "pyproj",
    "pyogrio": "pyogrio",
    "lxml": "lxml",
    "numpy": "numpy",
    "ifcopenshell": "ifcopenshell",
    "py3dtiles": "py3dtiles",
    "mapbox_earcut": "mapbox-earcut",
    "pygltflib": "pygltflib",
    # the terrain of the 3D Tiles export
    "pydelatin": "pydelatin",
    "quantized_mesh_encoder": "quantized-mesh-encoder",
    "osgeo": "GDAL",
}


def _importable(name: str) -> bool:
    if name in sys.modules:
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def missing_modules(names: tuple[str, ...] | list[str]) -> list[str]:
    """The subset of import names that cannot be imported here."""
    return [n for n in names if not _importable(n)]


def python_executable() -> str:
    """The interpreter behind QGIS's embedded Python (sys.executable may be the qgis binary)."""
    exe = sys.executable or ""
    if os.path.basename(exe).lower().startswith("python"):
        return exe
    if sys.platform == "win32":
        return "python"
    for candidate in ("python3", "python"):
        path = os.path.join(sys.exec_prefix, "bin", candidate)
        if os.path.exists(path):
            return path
    return "python3"


def install_command(missing: list[str], platform: str | None = None) -> str:
    """The exact shell command that installs the missing packages into QGIS's Python."""
    platform = platform or sys.platform
    pkgs = " ".join(PIP_NAMES.get(m, m) for m in missing)
    if platform == "win32":
        return f"python -m pip install {pkgs}   (run in the OSGeo4W Shell)"
    return f"{python_executable()} -m pip install --user {pkgs}"


def missing_message(missing: list[str], platform: str | None = None) -> str:
    """One message that names what is missing and how to install it."""
    names = ", ".join(PIP_NAMES.get(m, m) for m in missing)
    return (
        f"GeoTwin needs the Python package(s) {names}, which QGIS's Python cannot import. "
        f"Install them with: {install_command(missing, platform)} and restart QGIS."
    )
