"""The analyst's 3D view: docked on the right at a useful size, its buildings standing on the ground.

QGIS desktop makes a 3D view with its "New 3D Map View" action; 3.22 opens it as a small floating panel
on a flat terrain at 0 m, while the twin's heights are absolute (a city lies at 100 m and more above sea
level). ``stand_on_ground`` fixes the height, ``dock_new_view`` the panel.
"""
from __future__ import annotations

from typing import Any

from qgis.core import QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget

VIEW_SHARE = 0.5     # of the main window's width given to a docked 3D view
MIN_VIEW_WIDTH = 480  # px
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
        return dock
    windows = [w for w in QApplication.topLevelWidgets() if _address(w) not in before and w.isVisible()]
    if windows:
        windows[-1].resize(width, max(window.height() - 80, MIN_VIEW_WIDTH))
        return windows[-1]
    return None
