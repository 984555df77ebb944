"""The shipped QML styles and the Processing post-processor that applies them to loaded outputs (here, below
the plugin, so that the algorithms that load styled outputs and the plugin both use them)."""
from __future__ import annotations

from collections import deque
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsEditorWidgetSetup,
    QgsMapLayer,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsSettings,
    QgsValueMapFieldFormatter,
    QgsVectorLayer,
)

from ..twin.tiles.code_names import CODED_FIELDS, shown

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


def ui_language() -> str:
    """'de' when QGIS runs in German, else 'en' (the languages of the code lists)."""
    return "de" if str(QgsSettings().value("locale/userLocale", "en_US") or "en_US")[:2] == "de" else "en"


def name_codes(layer: QgsVectorLayer, lang: str | None = None) -> list[str]:
    """Give the coded fields (``function``, ``roof_type``) a ValueMap widget that names every value the
    layer holds as the web map does ("Satteldach (3100)", in ``lang``, default the UI language); unknown values
    and NULL read as stored. The data stay as they are. Returns the fields so set.

    Example: ``name_codes(buildings, "de")`` -> ``['function', 'roof_type']``
    """
    lang = lang or ui_language()
    named = []
    for field in CODED_FIELDS:
        index = layer.fields().lookupField(field)
        if index < 0:
            continue
        # the ValueMap formatter shows "(value)" for a value it lacks: every stored value gets an entry
        entries = {QgsApplication.nullRepresentation(): QgsValueMapFieldFormatter.NULL_VALUE}
        for value in sorted(str(v) for v in layer.uniqueValues(index) if v is not None and not _null(v)):
            entries.setdefault(shown(field, value, lang), value)
        layer.setEditorWidgetSetup(index, QgsEditorWidgetSetup("ValueMap", {
            "map": [{text: value} for text, value in entries.items()]}))
        named.append(field)
    return named


def _null(value: object) -> bool:
    is_null = getattr(value, "isNull", None)  # a NULL QVariant
    return bool(is_null()) if callable(is_null) else False


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies a QML style to a layer Processing loads on completion, and names its coded fields (``name_codes``).

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
        if isinstance(layer, QgsVectorLayer):
            name_codes(layer)
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
