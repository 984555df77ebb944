"""Menu and toolbar entry "Open twin…": choose a twin GeoPackage and open the analyst's view of it."""
from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsCoordinateTransform, QgsProject, QgsSettings
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QFileDialog

from ..processing.algorithm import ICON, tr
from ..twin.errors import GeoTwinError
from ..twin.schema import BUILDINGS

LAST_DIR_KEY = "geotwin/last_twin_dir"
NEW_3D_VIEW_ACTION = "mActionNew3DMapCanvas"  # QGIS desktop's View > New 3D Map View


class TwinMenu:
    """Adds "Open twin…" to Plugins > GeoTwin and to the plugins toolbar."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.menu = tr("&GeoTwin")
        self.action: QAction | None = None

    def add(self) -> None:
        self.action = QAction(QIcon(str(ICON)), tr("Open twin…"), self.iface.mainWindow())
        self.action.setToolTip(tr("Open a GeoTwin twin GeoPackage: styled 2D and 3D layers, buildings linked "
                                  "to their BIM rooms, learning islands and sensors"))
        self.action.triggered.connect(self.choose_and_open)
        self.iface.addPluginToMenu(self.menu, self.action)
        self.iface.addToolBarIcon(self.action)

    def remove(self) -> None:
        if self.action is not None:
            self.iface.removePluginMenu(self.menu, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None

    def choose_and_open(self) -> None:
        settings = QgsSettings()
        path, _ = QFileDialog.getOpenFileName(self.iface.mainWindow(), tr("Open twin"),
                                              settings.value(LAST_DIR_KEY, "", str),
                                              tr("Twin GeoPackage (*.gpkg)"))
        if not path:
            return
        settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
        self.open(path)

    def open(self, path: str) -> dict | None:
        from .twin_view import open_twin

        bar = self.iface.messageBar()
        try:
            result = open_twin(path, QgsProject.instance())
        except GeoTwinError as err:
            bar.pushMessage(tr("GeoTwin"), str(err), Qgis.Critical, 0)
            return None
        project = QgsProject.instance()
        buildings = result["layers"][BUILDINGS.name]
        transform = QgsCoordinateTransform(buildings.crs(), project.crs(), project)
        self.iface.layerTreeCanvasBridge().setCanvasLayers()  # now, not deferred: the 3D view takes them
        canvas = self.iface.mapCanvas()
        canvas.setExtent(transform.transformBoundingBox(result["extent"]))
        canvas.refresh()
        new_3d = self.iface.mainWindow().findChild(QAction, NEW_3D_VIEW_ACTION)
        if new_3d is not None and new_3d.isEnabled():
            new_3d.trigger()
            view = tr("A 3D map view shows surfaces by type and BIM elements by IFC class.")
        else:
            view = tr("This QGIS has no 3D map view; the layers carry their 3D renderers for one that has.")
        bar.pushMessage(tr("GeoTwin"), tr("Opened {0}: {1} layers, {2} relations. {3} Identify a building and "
                                          "open its form to see its BIM rooms, learning islands and sensors.")
                        .format(Path(path).name, len(result["layers"]), len(result["relations"]), view),
                        Qgis.Success, 10)
        return result
