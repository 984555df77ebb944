"""The shipped QML styles and the Processing post-processor that applies them to loaded outputs (here, below
the plugin, so that the algorithms that load styled outputs and the plugin both use them)."""
from __future__ import annotations

from collections import deque
from pathlib import Path

from qgis.core import QgsMapLayer, QgsProcessingContext, QgsProcessingFeedback, QgsProcessingLayerPostProcessorInterface

STYLE_DIR = Path(__file__).resolve().parent.parent / "resources" / "styles"

# Layer of the city model GeoPackage -> its style (2D and, for surfaces, the 3D renderer).
CITY_MODEL_STYLES = {
    "buildings": "buildings.qml",
    "building_surfaces": "building_surfaces_3d.qml",
    "footprints": "buildings.qml",
}


def style_path(name: str) -> Path:
    return STYLE_DIR / name


def _init_3d() -> None:
    """Register the 3D renderers (QGIS desktop has; headless runs have not), so 3D styles load."""
    try:
        from qgis._3d import Qgs3D
    except ImportError:  # a QGIS built without 3D: the 2D part of the style still applies
        return
    Qgs3D.initialize()


def apply_style(layer: QgsMapLayer, qml: str | Path) -> tuple[bool, str]:
    """Load a QML (every category it holds, 3D symbology included) onto the layer."""
    _init_3d()
    message, ok = layer.loadNamedStyle(str(style_path(str(qml))), QgsMapLayer.AllStyleCategories)
    if ok:
        layer.triggerRepaint()
    return ok, message


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies a QML style to a layer Processing loads on completion.

    Use one instance per layer. The context owns only the C++ side: the Python object is kept in ``alive``
    (the last few), else it would be collected before the run ends and QGIS would call the empty base class.
    """

    alive: deque[StylePostProcessor] = deque(maxlen=64)

    def __init__(self, qml: str) -> None:
        super().__init__()
        self.qml = qml
        StylePostProcessor.alive.append(self)

    def postProcessLayer(self, layer: QgsMapLayer, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> None:
        ok, message = apply_style(layer, self.qml)
        if not ok and feedback is not None:
            feedback.pushWarning(f"{self.qml}: {message}")


def load_city_model_on_completion(context: QgsProcessingContext, gpkg: str, output_name: str) -> None:
    """Have Processing load the city model layers of ``gpkg``, styled, when the run completes in a project."""
    project = context.project()
    if project is None:
        return
    for layer_name, qml in CITY_MODEL_STYLES.items():
        details = QgsProcessingContext.LayerDetails(layer_name, project, output_name)
        details.setPostProcessor(StylePostProcessor(qml))  # C++ side owned by the context
        context.addLayerToLoadOnCompletion(f"{gpkg}|layername={layer_name}", details)
