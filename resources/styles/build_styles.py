"""Regenerate the shipped QML styles with PyQGIS, so their XML is exactly what QGIS writes.

Run once after changing a colour: ``scripts/env.sh .venv/bin/python resources/styles/build_styles.py
<a city model GeoPackage written by geotwin:importcitymodel>``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from qgis._3d import Qgs3DTypes, QgsPhongMaterialSettings, QgsPolygon3DSymbol, QgsRuleBased3DRenderer
from qgis.core import (QgsApplication, QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsMapLayer,
                       QgsRendererCategory, QgsSingleSymbolRenderer, QgsVectorLayer)
from qgis.PyQt.QtGui import QColor

HERE = Path(__file__).resolve().parent
# Semantic surface type -> colour, shared by the 2D and the 3D style.
SURFACE_COLOURS = {"RoofSurface": "#a5432b", "WallSurface": "#dcdcdc", "GroundSurface": "#4d4d4d"}
OTHER_COLOUR = "#c9b99b"


def _symbol_3d(colour: str) -> QgsPolygon3DSymbol:
    material = QgsPhongMaterialSettings()
    material.setAmbient(QColor(colour).darker(250))
    material.setDiffuse(QColor(colour))
    material.setSpecular(QColor("#202020"))
    symbol = QgsPolygon3DSymbol()
    symbol.setMaterial(material)
    symbol.setAltitudeClamping(Qgs3DTypes.AltClampAbsolute)  # z is the real height
    symbol.setCullingMode(Qgs3DTypes.NoCulling)               # source rings are not consistently oriented
    symbol.setAddBackFaces(True)
    return symbol


def surfaces_style(layer: QgsVectorLayer) -> None:
    """building_surfaces: 2D categories and a rule-based 3D renderer by surface_type."""
    categories = [QgsRendererCategory(name, QgsFillSymbol.createSimple(
        {"color": colour, "outline_color": "#333333", "outline_width": "0.1"}), name)
        for name, colour in SURFACE_COLOURS.items()]
    categories.append(QgsRendererCategory(None, QgsFillSymbol.createSimple(
        {"color": OTHER_COLOUR, "outline_color": "#333333", "outline_width": "0.1"}), "other"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("surface_type", categories))
    root = QgsRuleBased3DRenderer.Rule(None)
    for name, colour in SURFACE_COLOURS.items():
        root.appendChild(QgsRuleBased3DRenderer.Rule(_symbol_3d(colour), f"\"surface_type\" = '{name}'", name))
    root.appendChild(QgsRuleBased3DRenderer.Rule(_symbol_3d(OTHER_COLOUR), "", "other", True))
    layer.setRenderer3D(QgsRuleBased3DRenderer(root))


def buildings_style(layer: QgsVectorLayer) -> None:
    """buildings and footprints in 2D: a warm fill with a dark outline."""
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": "#e0c9a6", "outline_color": "#5a4a3a", "outline_width": "0.2"})))


def main(gpkg: str) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    for layer_name, qml, style in (("building_surfaces", "building_surfaces_3d.qml", surfaces_style),
                                   ("buildings", "buildings.qml", buildings_style)):
        layer = QgsVectorLayer(f"{gpkg}|layername={layer_name}", layer_name, "ogr")
        assert layer.isValid(), layer_name
        style(layer)
        message, ok = layer.saveNamedStyle(str(HERE / qml), QgsMapLayer.Symbology | QgsMapLayer.Symbology3D)
        assert ok, message
    app.exitQgis()


if __name__ == "__main__":
    main(sys.argv[1])
