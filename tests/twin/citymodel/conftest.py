"""Helpers shared by the city model tests."""
from __future__ import annotations

from pathlib import Path

from geotwin.twin.citymodel.importer import ImportResult, import_citymodel
from geotwin.twin.kernel.errors import InputError


def import_with_rd_fallback(path: Path, out: Path) -> ImportResult:
    """``import_citymodel`` of one file; a sample that states no CRS (the cjio samples) as RD New + NAP (EPSG:7415)."""
    try:
        return import_citymodel([path], out)
    except InputError as err:
        if "states no CRS" not in str(err):
            raise
        return import_citymodel([path], out, "EPSG:7415")
