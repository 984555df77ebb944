"""The renderer set-up the QML style builders share, and the run that saves their styles as QML.

Qt orders an element's XML attributes by a hash whose seed is random per process unless
``QT_HASH_SEED=0`` is in the environment when Qt starts. Setting it from Python is too late once
anything of Qt is imported (and import sorting puts ``qgis`` before this module), so ``write_styles``
runs the builder again in a child process with the seed fixed when it is not. Rule keys are derived
from the rules, not random, so an unchanged style regenerates byte for byte.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from qgis._3d import Qgs3DTypes, QgsPhongMaterialSettings, QgsPolygon3DSymbol, QgsRuleBased3DRenderer
from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsMapLayer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

HERE = Path(__file__).resolve().parent
HASH_SEED = "0"  # Qt's hash seed for a stable XML attribute order (read once, when Qt starts)
OTHER_COLOUR = "#c9b99b"  # what a category table does not name, in 2D and 3D
OUTLINE = "#333333"

#: (layer name in the GeoPackage, QML file name, what styles the layer)
Style = tuple[str, str, Callable[[QgsVectorLayer], None]]


def symbol_3d(colour: str) -> QgsPolygon3DSymbol:
    """A phong-shaded polygon at its real height, both faces drawn."""
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


def fill(colour: str, outline: str, width: str) -> QgsFillSymbol:
    return QgsFillSymbol.createSimple({"color": colour, "outline_color": outline, "outline_width": width})


def marker(shape: str, colour: str) -> QgsMarkerSymbol:
    """A 3.6 mm point marker with a white outline."""
    return QgsMarkerSymbol.createSimple({"name": shape, "color": colour, "outline_color": "#ffffff",
                                         "outline_width": "0.4", "size": "3.6"})


def categories_2d_3d(layer: QgsVectorLayer, field: str, colours: dict[str, str], outline_width: str) -> None:
    """2D categories and a rule-based 3D renderer by ``field``: a colour a value, OTHER_COLOUR for the rest."""
    categories = [QgsRendererCategory(name, fill(colour, OUTLINE, outline_width), name)
                  for name, colour in colours.items()]
    categories.append(QgsRendererCategory(None, fill(OTHER_COLOUR, OUTLINE, outline_width), "other"))
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    root = QgsRuleBased3DRenderer.Rule(None)
    root.setRuleKey(_key(field))
    rules = [QgsRuleBased3DRenderer.Rule(symbol_3d(colour), f"\"{field}\" = '{name}'", name)
             for name, colour in colours.items()]
    rules.append(QgsRuleBased3DRenderer.Rule(symbol_3d(OTHER_COLOUR), "", "other", True))
    for rule in rules:
        rule.setRuleKey(_key(f"{field}/{rule.description()}"))
        root.appendChild(rule)
    layer.setRenderer3D(QgsRuleBased3DRenderer(root))


def labels(layer: QgsVectorLayer, expression: str, colour: str) -> None:
    """8 pt labels of ``expression`` in ``colour`` with a white buffer."""
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


def _key(name: str) -> str:
    return f"{{{uuid.uuid5(uuid.NAMESPACE_URL, f'geotwin:style:{name}')}}}"


def write_styles(styles: tuple[Style, ...], categories: QgsMapLayer.StyleCategories) -> int:
    """Style the layers of the GeoPackage named by the first argument and save the ``categories`` of
    their styles as QML, into the folder named by the second argument (default: next to this module).
    Returns the exit status. Without ``QT_HASH_SEED=0`` in the environment it reruns the calling script
    (``sys.argv``) in a child process that has it, and returns the child's status."""
    if os.environ.get("QT_HASH_SEED") != HASH_SEED:
        return subprocess.call([sys.executable, *sys.argv], env={**os.environ, "QT_HASH_SEED": HASH_SEED})
    gpkg, directory = sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else HERE
    app = QgsApplication([], False)
    app.initQgis()
    from qgis._3d import Qgs3D

    Qgs3D.initialize()
    for layer_name, qml, style in styles:
        layer = QgsVectorLayer(f"{gpkg}|layername={layer_name}", layer_name, "ogr")
        if not layer.isValid():
            print(f"{gpkg}: no layer {layer_name}", file=sys.stderr)
            return 1
        style(layer)
        message, ok = layer.saveNamedStyle(str(directory / qml), categories)
        if not ok:
            print(f"{qml}: {message}", file=sys.stderr)
            return 1
        print(directory / qml)
        del layer  # before exitQgis, which would otherwise crash on the layer's provider
    app.exitQgis()
    return 0
