"""The analyst's 3D view: docked on the right at a useful size, its buildings standing on the ground.

QGIS desktop makes a 3D view with its "New 3D Map View" action; 3.22 opens it as a small floating panel
on a flat terrain at 0 m, while the twin's heights are absolute (a city lies at 100 m and more above sea
level). With a DGM (``find_dgm``) the view's terrain is the DGM (``dem_project_terrain`` on QGIS >= 3.26,
``dem_view_terrain`` on 3.22-3.24), whose heights share the buildings' vertical datum; without one
``stand_on_ground`` moves the flat terrain or the buildings. ``dock_new_view`` docks the panel and gives the
scene most of its width (``fit_navigation``: the on-screen navigation off, its toolbar toggle brings it back).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsHillshadeRenderer,
    QgsLayerTreeGroup,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTimer
from qgis.PyQt.QtWidgets import QAction, QApplication, QDockWidget, QMainWindow, QWidget

from ..processing.algorithm import tr
from ..twin.kernel.errors import InputError

VIEW_SHARE = 0.5     # of the main window's width given to a docked 3D view
MIN_VIEW_WIDTH = 480  # px
SCENE_SHARE = 0.75   # of the view's width the scene keeps: a wider on-screen navigation is turned off
#: The 3D view's on-screen navigation (QGIS app classes, found by name) and its toolbar toggle (translated in
#: QGIS's own catalogue; the view's class is Qgs3DMapCanvasDockWidget up to 3.24, Qgs3DMapCanvasWidget after).
NAVIGATION_CLASS, NAVIGATION_TEXT = "Qgs3DNavigationWidget", "Toggle On-Screen Navigation"
VIEW_CONTEXTS = ("Qgs3DMapCanvasDockWidget", "Qgs3DMapCanvasWidget")
PROJECT_TERRAIN = "project"   # the project's terrain (QGIS >= 3.26) carries the offset
LOWERED_SYMBOLS = "symbols"   # QGIS 3.22: the 3D symbols are lowered onto its flat terrain at 0 m


def project_terrain(project: QgsProject) -> Any:
    """The project's terrain provider (QGIS >= 3.26: Project Properties > Terrain), or None (3.22)."""
    properties = getattr(project, "elevationProperties", None)
    return properties().terrainProvider() if properties is not None else None


def stand_on_ground(project: QgsProject, layers: dict[str, QgsVectorLayer], ground: float | None) -> str | None:
    """Let the 3D view show the buildings on the ground without the user typing an offset.

    QGIS >= 3.26: a flat project terrain gets ``ground`` as its elevation offset (new 3D views take their
    terrain from the project); a DEM or mesh terrain (absolute heights) is left as the user set it.
    QGIS 3.22 (no project terrain, no Python access to a 3D view's settings): every 3D symbol of ``layers``
    is lowered by ``ground``, so the lowest building stands on the view's flat terrain at 0 m.
    Returns PROJECT_TERRAIN, LOWERED_SYMBOLS, or None when nothing was changed.
    """
    if ground is None:
        return None
    terrain = project_terrain(project)
    if terrain is not None:
        if terrain.type() != "flat":
            return None
        terrain.setOffset(float(ground))
        return PROJECT_TERRAIN
    for layer in layers.values():
        lower_3d_symbols(layer, float(ground))
    return LOWERED_SYMBOLS


def lower_3d_symbols(layer: QgsVectorLayer, offset: float) -> bool:
    """Lower every polygon symbol of the layer's rule-based 3D renderer by ``offset`` metres (symbol height)."""
    renderer = layer.renderer3D()
    if renderer is None or renderer.type() != "rulebased":
        return False
    from qgis._3d import QgsPolygon3DSymbol, QgsRuleBased3DRenderer
    from qgis.PyQt import sip

    renderer = sip.cast(renderer, QgsRuleBased3DRenderer).clone()
    todo = list(renderer.rootRule().children())
    while todo:
        rule = todo.pop()
        todo.extend(rule.children())
        symbol = rule.symbol()
        if symbol is None or symbol.type() != "polygon":
            continue
        copy = symbol.clone()
        sip.transferto(copy, None)  # the rule owns it below; this base-class wrapper must not delete it
        lowered = sip.cast(copy, QgsPolygon3DSymbol)
        lowered.setHeight(lowered.height() - offset)
        rule.setSymbol(lowered)
    layer.setRenderer3D(renderer)
    return True


def _address(widget: QWidget) -> int:
    """The C++ object's address: Python wrappers of C++-made widgets come and go, so id() is no identity."""
    from qgis.PyQt import sip

    return int(sip.unwrapinstance(widget))


def widgets_of(window: QMainWindow) -> set[int]:
    """The window's dock widgets and the application's top-level windows (to spot a new view)."""
    return {_address(w) for w in window.findChildren(QDockWidget)} | {
        _address(w) for w in QApplication.topLevelWidgets()}


def dock_new_view(window: QMainWindow, before: set[int]) -> QWidget | None:
    """Dock the 3D view that appeared since ``before`` (``widgets_of``) in the right dock area at
    VIEW_SHARE of the window's width; a view that opened as its own window (QGIS >= 3.30 can) is sized
    instead. Returns the view's dock or window, None when no new one is found."""
    docks = [d for d in window.findChildren(QDockWidget) if _address(d) not in before]
    width = max(MIN_VIEW_WIDTH, int(window.width() * VIEW_SHARE))
    if docks:
        dock = docks[-1]
        dock.setFloating(False)
        window.addDockWidget(Qt.RightDockWidgetArea, dock)
        dock.show()
        dock.raise_()
        window.resizeDocks([dock], [width], Qt.Horizontal)
        fit_navigation(dock, width)
        return dock
    windows = [w for w in QApplication.topLevelWidgets() if _address(w) not in before and w.isVisible()]
    if windows:
        windows[-1].resize(width, max(window.height() - 80, MIN_VIEW_WIDTH))
        return windows[-1]
    return None


def fit_navigation(view: QWidget, width: int) -> bool:
    """Turn the 3D view's on-screen navigation (compass, arrows: about 350 px in QGIS 3.22, beside the scene) off
    when it would leave the scene less than SCENE_SHARE of the view's ``width``; through the view's own toolbar
    toggle where there is one, so the user turns it back on there. Returns True when it was turned off.

    Example: ``fit_navigation(dock, 800)`` -> True in QGIS 3.22 (the scene then gets the whole 800 px)
    """
    panels = [w for w in view.findChildren(QWidget)
              if w.metaObject().className() == NAVIGATION_CLASS and not w.isHidden()]
    if not panels or width - max(max(p.sizeHint().width(), p.width()) for p in panels) >= SCENE_SHARE * width:
        return False
    texts = {NAVIGATION_TEXT} | {QCoreApplication.translate(c, NAVIGATION_TEXT) for c in VIEW_CONTEXTS}
    for toggle in view.findChildren(QAction):
        if toggle.isCheckable() and toggle.isChecked() and toggle.text() in texts:
            toggle.setChecked(False)  # QGIS hides the navigation and keeps the choice for new views
    for panel in panels:
        panel.hide()  # without a toggle found (another QGIS): hidden all the same
    return True


# --- The DGM as the 3D view's terrain -------------------------------------------------------------------------
# The twin's heights and a state's DGM share the vertical datum (DHHN2016 in Germany; the sample district's
# dgm.tif is the surface its buildings stand on), so on a DEM terrain of the DGM the buildings stand on the
# ground with no offset: stand_on_ground is then left out.

DGM_NAME = re.compile(r"^dgm.*\.(tif|tiff|vrt)$", re.IGNORECASE)  # dgm.tif, DGM1_32_456_5428.tif, dgm1.vrt
PROJECT_DEM = "project-dem"   # QGIS >= 3.26: the project's terrain is the DGM; new 3D views take it
VIEW_DEM = "view-dem"         # QGIS 3.22-3.24: the 3D view's own configuration dialog set the DGM terrain
DEM_TERRAIN_TYPE = 1          # QgsTerrainGenerator::Dem, the item data of the dialog's terrain type combo box
CONFIGURE_CONTEXT, CONFIGURE_TEXT = "Qgs3DMapCanvasDockWidget", "Configure…"  # the 3D view's toolbar action


def find_dgm(folders: Iterable[str | Path]) -> Path | None:
    """The one DGM raster (``dgm*.tif``/``.tiff``/``.vrt``, any case) in ``folders`` (the twin's and its city
    model sources' folders), None when there is none or more than one (the user then picks one: "Set DGM as
    3D terrain…")."""
    found: set[Path] = set()
    for folder in folders:
        path = Path(folder)
        if path.is_dir():
            found.update(p.resolve() for p in path.iterdir() if p.is_file() and DGM_NAME.match(p.name))
    return found.pop() if len(found) == 1 else None


def twin_folders(twin_label: str, sources: QgsVectorLayer | None) -> list[Path]:
    """Where a twin's DGM may lie: the twin GeoPackage's folder and the folders of its city model sources
    (the twin's ``sources`` table; the sample district writes dgm.tif beside its city model)."""
    folders = [Path(twin_label).parent] if Path(twin_label).is_file() else []
    if sources is not None and sources.fields().lookupField("source_file") >= 0:
        kind = sources.fields().lookupField("source_kind")
        for feature in sources.getFeatures():
            if kind >= 0 and feature["source_kind"] not in ("citymodel", None):
                continue
            value = feature["source_file"]
            if isinstance(value, str) and value and Path(value).is_absolute():
                folders.append(Path(value).parent)
    return list(dict.fromkeys(folders))


def add_dgm_layer(project: QgsProject, path: str | Path, group: QgsLayerTreeGroup | None = None) -> QgsRasterLayer:
    """Add the DGM raster to ``project`` (at the bottom of ``group``, else of the layer tree) as a grey
    hillshade; an InputError naming the file when it is no readable single-band raster with a CRS."""
    layer = QgsRasterLayer(str(path), tr("DGM (terrain)"), "gdal")
    if not layer.isValid():
        raise InputError(tr("not a readable raster"), path=str(path))
    if layer.bandCount() != 1 or not layer.crs().isValid():
        raise InputError(tr("a DGM needs one band of heights and a coordinate reference system"), path=str(path))
    renderer = QgsHillshadeRenderer(layer.dataProvider(), 1, 315.0, 45.0)
    renderer.setZFactor(1.0)
    layer.setRenderer(renderer)
    layer.setOpacity(0.6)
    project.addMapLayer(layer, False)
    (group if group is not None else project.layerTreeRoot()).addLayer(layer)
    return layer


def dgm_height(layer: QgsRasterLayer, x: float, y: float) -> float | None:
    """The DGM's height at ``x``, ``y`` (the layer's CRS) from its raster provider; None outside or on no-data."""
    value, ok = layer.dataProvider().sample(QgsPointXY(x, y), 1)
    return float(value) if ok and value == value else None


def dem_project_terrain(project: QgsProject, layer: QgsRasterLayer) -> str | None:
    """QGIS >= 3.26: make the DGM the project's terrain (Project Properties > Terrain; offset 0, scale 1), which
    every new 3D view takes (``dem_open_views`` for open ones). None on QGIS 3.22-3.24."""
    properties = getattr(project, "elevationProperties", None)
    if properties is None:
        return None
    from qgis.core import QgsRasterDemTerrainProvider

    provider = QgsRasterDemTerrainProvider()
    provider.setLayer(layer)
    provider.setOffset(0.0)
    provider.setScale(1.0)
    properties().setTerrainProvider(provider)
    return PROJECT_DEM


def dem_open_views(iface: Any, project: QgsProject) -> int:
    """Give the open 3D views the project's terrain where QGIS's Python reaches them (iface.mapCanvases3D and
    Qgs3DMapSettings.configureTerrainFromProject; QGIS 3.40 binds the latter not); returns how many."""
    canvases = getattr(iface, "mapCanvases3D", None)
    if canvases is None:
        return 0
    count = 0
    for canvas in canvases():
        settings = canvas.mapSettings()
        if settings is not None and hasattr(settings, "configureTerrainFromProject"):
            settings.configureTerrainFromProject(project.elevationProperties(), settings.extent())
            count += 1
    return count


def dem_view_terrain(view: QWidget, layer: QgsRasterLayer) -> bool:
    """QGIS 3.22-3.24 (no Python access to a 3D view's settings): set the DGM as the terrain of the docked 3D
    view ``view`` through its own "Configure…" dialog, as the user would: terrain type "DEM (Raster Layer)",
    the DGM layer, elevation offset 0, vertical scale 1, OK. Returns False when the view has no such action
    or the dialog is not the one expected (it is then closed unchanged)."""
    text = QCoreApplication.translate(CONFIGURE_CONTEXT, CONFIGURE_TEXT)
    actions = [a for a in view.findChildren(QAction) if a.text() == text and a.isEnabled()]
    if not actions:
        return False
    done: list[bool] = []

    def attempt(tries: int) -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog.findChild(QWidget, "cboTerrainType") is not None:
            done.append(_fill_dem_dialog(dialog, layer))
        elif tries > 0:
            QTimer.singleShot(100, lambda: attempt(tries - 1))
        elif dialog is not None:
            dialog.close()

    QTimer.singleShot(100, lambda: attempt(100))
    actions[0].trigger()  # a modal dialog: attempt() runs in its event loop and closes it
    return bool(done and done[0])


def _fill_dem_dialog(dialog: QWidget, layer: QgsRasterLayer) -> bool:
    """In the open 3D configuration dialog: choose the DEM terrain of ``layer`` and accept; reject otherwise."""
    from qgis.gui import QgsMapLayerComboBox
    from qgis.PyQt.QtWidgets import QComboBox, QDialog, QDoubleSpinBox

    if not isinstance(dialog, QDialog):
        dialog.close()
        return False
    kind = dialog.findChild(QComboBox, "cboTerrainType")
    layers = dialog.findChild(QComboBox, "cboTerrainLayer")  # PyQt sees a QComboBox: cast by its class name
    if layers is not None and layers.metaObject().className() == "QgsMapLayerComboBox":
        from qgis.PyQt import sip

        layers = sip.cast(layers, QgsMapLayerComboBox)
    else:
        layers = None
    offset = dialog.findChild(QDoubleSpinBox, "terrainElevationOffsetSpinBox")
    scale = dialog.findChild(QDoubleSpinBox, "spinTerrainScale")
    index = kind.findData(DEM_TERRAIN_TYPE) if kind is not None else -1
    if index < 0 or layers is None:
        dialog.reject()
        return False
    kind.setCurrentIndex(index)
    layers.setLayer(layer)
    chosen = layers.currentLayer()
    if chosen is None or chosen.id() != layer.id():  # wrappers come and go: compare the ids
        dialog.reject()
        return False
    for box, value in ((offset, 0.0), (scale, 1.0)):
        if box is not None:
            box.setValue(value)
    dialog.accept()
    return True
