"""Regenerate the twin's own QML styles (BIM, learning islands, sensors) with PyQGIS.

The city model styles come from build_styles.py. Run once after changing a colour:
``scripts/env.sh .venv/bin/python resources/styles/build_twin_styles.py <a twin GeoPackage from geotwin:buildtwin>``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_HASH_SEED", "0")  # before Qt starts: a stable XML attribute order from run to run
from qgis._3d import QgsRuleBased3DRenderer
from qgis.core import (QgsApplication, QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsMapLayer,
                       QgsMarkerSymbol, QgsPalLayerSettings, QgsRendererCategory, QgsSingleSymbolRenderer,
                       QgsTextFormat, QgsVectorLayer, QgsVectorLayerSimpleLabeling)
from qgis.PyQt.QtGui import QColor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from build_styles import OTHER_COLOUR, _symbol_3d  # noqa: E402  (the city model's 3D material)

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
    categories = [QgsRendererCategory(name, QgsFillSymbol.createSimple(
        {"color": colour, "outline_color": "#333333", "outline_width": "0.05"}), name)
        for name, colour in IFC_COLOURS.items()]
    categories.append(QgsRendererCategory(None, QgsFillSymbol.createSimple(
        {"color": OTHER_COLOUR, "outline_color": "#333333", "outline_width": "0.05"}), "other"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("ifc_class", categories))
    root = QgsRuleBased3DRenderer.Rule(None)
    for name, colour in IFC_COLOURS.items():
        root.appendChild(QgsRuleBased3DRenderer.Rule(_symbol_3d(colour), f"\"ifc_class\" = '{name}'", name))
    root.appendChild(QgsRuleBased3DRenderer.Rule(_symbol_3d(OTHER_COLOUR), "", "other", True))
    layer.setRenderer3D(QgsRuleBased3DRenderer(root))


def bim_spaces_style(layer: QgsVectorLayer) -> None:
    """bim_spaces: translucent blue rooms with their number."""
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": "80,140,200,90", "outline_color": "#2c5d8a", "outline_width": "0.2"})))
    _labels(layer, "coalesce(\"number\", \"name\")", "#2c5d8a")


def islands_style(layer: QgsVectorLayer) -> None:
    """learning_islands: green circles, linked ones darker, with their name."""
    def marker(colour: str) -> QgsMarkerSymbol:
        return QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "outline_color": "#ffffff",
                                             "outline_width": "0.4", "size": "3.6"})
    layer.setRenderer(QgsCategorizedSymbolRenderer("link_status", [
        QgsRendererCategory("linked", marker("#1b8a3a"), "linked"),
        QgsRendererCategory(None, marker("#9ccc65"), "not fully linked")]))
    _labels(layer, "\"name\"", "#1b5e20")


def sensors_style(layer: QgsVectorLayer) -> None:
    """sensors: orange triangles labelled with their latest value and unit."""
    layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
        {"name": "triangle", "color": "#f57c00", "outline_color": "#ffffff", "outline_width": "0.4",
         "size": "3.6"})))
    _labels(layer, "\"observed_property\" || ': ' || coalesce(round(\"latest_value\", 1), '–') || ' ' "
                   "|| coalesce(\"unit_symbol\", '')", "#8a4500")


def _labels(layer: QgsVectorLayer, expression: str, colour: str) -> None:
    text = QgsTextFormat()
    text.setSize(8)
    text.setColor(QColor(colour))
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    settings = QgsPalLayerSettings()
    settings.fieldName = expression
    settings.isExpression = True
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


STYLES = (("bim_elements", "bim_elements_3d.qml", bim_elements_style),
          ("bim_spaces", "bim_spaces.qml", bim_spaces_style),
          ("learning_islands", "learning_islands.qml", islands_style),
          ("sensors", "sensors.qml", sensors_style))


def main(gpkg: str) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    from qgis._3d import Qgs3D

    Qgs3D.initialize()
    for layer_name, qml, style in STYLES:
        layer = QgsVectorLayer(f"{gpkg}|layername={layer_name}", layer_name, "ogr")
        if not layer.isValid():
            print(f"{gpkg}: no layer {layer_name}", file=sys.stderr)
            return 1
        style(layer)
        message, ok = layer.saveNamedStyle(str(HERE / qml), QgsMapLayer.Symbology | QgsMapLayer.Symbology3D
                                              | QgsMapLayer.Labeling)
        if not ok:
            print(f"{qml}: {message}", file=sys.stderr)
            return 1
        print(HERE / qml)
        del layer  # before exitQgis, which would otherwise crash on the layer's provider
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
