"""Regenerate the twin's own QML styles (BIM, learning islands, sensors) with PyQGIS.

The city model styles come from build_styles.py. Run once after changing a colour:
``scripts/env.sh .venv/bin/python resources/styles/build_twin_styles.py
<a twin GeoPackage from geotwin:buildtwin> [output folder]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # PYTHONSAFEPATH leaves this folder out
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsMapLayer,
    QgsRendererCategory,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from renderers import Style, categories_2d_3d, fill, labels, marker, write_styles  # noqa: E402

# IFC class -> colour, shared by the 2D and the 3D style of bim_elements.
IFC_COLOURS = {
    "IfcWall": "#e8e4d8", "IfcWallStandardCase": "#e8e4d8", "IfcCurtainWall": "#9ec9e2",
    "IfcSlab": "#9e9e9e", "IfcRoof": "#a5432b", "IfcWindow": "#7fb3d5", "IfcDoor": "#8d6e63",
    "IfcColumn": "#bdbdbd", "IfcBeam": "#8f8f8f", "IfcMember": "#a1887f", "IfcPlate": "#aed6f1",
    "IfcStair": "#cfa46b", "IfcStairFlight": "#cfa46b", "IfcRamp": "#cfa46b", "IfcRailing": "#5d6d7e",
    "IfcCovering": "#d7ccc8", "IfcFooting": "#616161", "IfcFurnishingElement": "#6d8b3a",
    "IfcBuildingElementProxy": "#c39bd3",
}


def bim_elements_style(layer: QgsVectorLayer) -> None:
    """bim_elements: 2D categories and a rule-based 3D renderer by ifc_class."""
    categories_2d_3d(layer, "ifc_class", IFC_COLOURS, "0.05")


def bim_spaces_style(layer: QgsVectorLayer) -> None:
    """bim_spaces: translucent blue rooms with their number."""
    layer.setRenderer(QgsSingleSymbolRenderer(fill("80,140,200,90", "#2c5d8a", "0.2")))
    labels(layer, "coalesce(\"number\", \"name\")", "#2c5d8a")


def islands_style(layer: QgsVectorLayer) -> None:
    """learning_islands: green circles, linked ones darker, with their name."""
    layer.setRenderer(QgsCategorizedSymbolRenderer("link_status", [
        QgsRendererCategory("linked", marker("circle", "#1b8a3a"), "linked"),
        QgsRendererCategory(None, marker("circle", "#9ccc65"), "not fully linked")]))
    labels(layer, "\"name\"", "#1b5e20")


def sensors_style(layer: QgsVectorLayer) -> None:
    """sensors: orange triangles labelled with their latest value and unit."""
    layer.setRenderer(QgsSingleSymbolRenderer(marker("triangle", "#f57c00")))
    labels(layer, "\"observed_property\" || ': ' || coalesce(round(\"latest_value\", 1), '–') || ' ' "
                  "|| coalesce(\"unit_symbol\", '')", "#8a4500")


STYLES: tuple[Style, ...] = (("bim_elements", "bim_elements_3d.qml", bim_elements_style),
                             ("bim_spaces", "bim_spaces.qml", bim_spaces_style),
                             ("learning_islands", "learning_islands.qml", islands_style),
                             ("sensors", "sensors.qml", sensors_style))

if __name__ == "__main__":
    sys.exit(write_styles(STYLES, QgsMapLayer.Symbology | QgsMapLayer.Symbology3D | QgsMapLayer.Labeling))
