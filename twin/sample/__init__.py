"""The deterministic sample district: Karlsruhe's fan city around Friedrichsplatz (QGIS-free)."""
from __future__ import annotations

from .generator import FORMATS, MAX_BUILDINGS, MIN_BUILDINGS, DistrictManifest, generate_district

__all__ = ["FORMATS", "MAX_BUILDINGS", "MIN_BUILDINGS", "DistrictManifest", "generate_district"]
