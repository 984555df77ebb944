"""Regenerate the shipped city model QML styles with PyQGIS, so their XML is exactly what QGIS writes.

Run once after changing a colour: ``scripts/env.sh .venv/bin/python resources/styles/build_styles.py
<a city model GeoPackage written by geotwin:importcitymodel> [output folder]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # PYTHONSAFEPATH leaves this folder out
from qgis.core import QgsMapLayer, QgsSingleSymbolRenderer, QgsVectorLayer
from renderers import Style, categories_2d_3d, fill, write_styles  # noqa: E402

# Semantic surface type -> colour, shared by the 2D and the 3D style.
SURFACE_COLOURS = {"RoofSurface": "#a5432b", "WallSurface": "#dcdcdc", "GroundSurface": "#4d4d4d"}


def surfaces_style(layer: QgsVectorLayer) -> None:
    """building_surfaces: 2D categories and a rule-based 3D renderer by surface_type."""
    categories_2d_3d(layer, "surface_type", SURFACE_COLOURS, "0.1")


def buildings_style(layer: QgsVectorLayer) -> None:
    """buildings and footprints in 2D: a warm fill with a dark outline."""
    layer.setRenderer(QgsSingleSymbolRenderer(fill("#e0c9a6", "#5a4a3a", "0.2")))


STYLES: tuple[Style, ...] = (("building_surfaces", "building_surfaces_3d.qml", surfaces_style),
                             ("buildings", "buildings.qml", buildings_style))

if __name__ == "__main__":
    sys.exit(write_styles(STYLES, QgsMapLayer.Symbology | QgsMapLayer.Symbology3D))
