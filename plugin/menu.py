"""Menu and toolbar entry "Open twin…": choose a twin GeoPackage and open the analyst's view of it."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import Qgis, QgsCoordinateTransform, QgsProject, QgsProviderRegistry, QgsSettings
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QFileDialog, QInputDialog

from ..processing.algorithm import ICON, tr
from ..twin.kernel.errors import GeoTwinError
from ..twin.kernel.schema import BUILDINGS

if TYPE_CHECKING:
    from .series_dock import SeriesDock
    from .tiles_layer import TilesResult
    from .twin_view import TwinSource

LAST_DIR_KEY = "geotwin/last_twin_dir"
NEW_3D_VIEW_ACTION = "mActionNew3DMapCanvas"  # QGIS desktop's View > New 3D Map View


class TwinMenu:
    """Adds "Open twin…" (a GeoPackage; also on the plugins toolbar) and "Open twin from PostGIS…"
    to Plugins > GeoTwin."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.menu = tr("&GeoTwin")
        self.action: QAction | None = None
        self.postgis_action: QAction | None = None
        self.series_action: QAction | None = None
        self.tiles_action: QAction | None = None
        self.series_dock: SeriesDock | None = None
        self.view_3d: Any = None  # the docked 3D view the last open() made
        self.dgm_action: QAction | None = None
        self.group: Any = None  # the layer tree group of the last opened twin
        # (layers, offset) when the last open() lowered the 3D symbols (QGIS 3.22)
        self.lowered: tuple[Any, Any] | None = None

    def add(self) -> None:
        self.action = QAction(QIcon(str(ICON)), tr("Open twin…"), self.iface.mainWindow())
        self.action.setToolTip(tr("Open a GeoTwin twin GeoPackage: styled 2D and 3D layers, buildings linked "
                                  "to their BIM rooms, learning islands and sensors"))
        self.action.triggered.connect(self.choose_and_open)
        self.iface.addPluginToMenu(self.menu, self.action)
        self.iface.addToolBarIcon(self.action)
        self.postgis_action = QAction(QIcon(str(ICON)), tr("Open twin from PostGIS…"), self.iface.mainWindow())
        self.postgis_action.triggered.connect(self.choose_postgis_and_open)
        self.iface.addPluginToMenu(self.menu, self.postgis_action)
        self.series_action = QAction(QIcon(str(ICON)), tr("Sensor time series…"), self.iface.mainWindow())
        self.series_action.triggered.connect(self.show_series)
        self.iface.addPluginToMenu(self.menu, self.series_action)
        self.dgm_action = QAction(QIcon(str(ICON)), tr("Set DGM as 3D terrain…"), self.iface.mainWindow())
        self.dgm_action.setToolTip(tr("Add a digital terrain model (e.g. a DGM1 GeoTIFF) as a hillshade layer and "
                                      "make it the terrain of the 3D map view"))
        self.dgm_action.triggered.connect(self.choose_and_set_dgm)
        self.iface.addPluginToMenu(self.menu, self.dgm_action)
        self.tiles_action = QAction(QIcon(str(ICON)), tr("Add 3D tileset…"), self.iface.mainWindow())
        self.tiles_action.setToolTip(tr("Add an exported GeoTwin tileset (tileset.json) as a 3D tiles layer "
                                        "(QGIS 3.34 or later, tiles exported for the QGIS 3D tiles layer)"))
        self.tiles_action.triggered.connect(self.choose_and_add_tileset)
        self.iface.addPluginToMenu(self.menu, self.tiles_action)

    def show_series(self) -> None:
        """The time series dock for the active layer's GeoPackage (a twin or sensors GeoPackage)."""
        from qgis.PyQt.QtCore import Qt

        from .series_dock import SeriesDock, gpkg_of_layer

        path = gpkg_of_layer(self.iface.activeLayer())
        if path is None:
            self.iface.messageBar().pushMessage(tr("GeoTwin"), tr("Select a sensors layer of a twin GeoPackage "
                                                                  "first."), Qgis.Warning, 10)
            return
        if self.series_dock is None:
            self.series_dock = SeriesDock(parent=self.iface.mainWindow())
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.series_dock)
        try:
            self.series_dock.set_store(path)
        except GeoTwinError as err:
            self.iface.messageBar().pushMessage(tr("GeoTwin"), str(err), Qgis.Critical, 0)
            return
        self.series_dock.show()

    def remove(self) -> None:
        if self.action is not None:
            self.iface.removePluginMenu(self.menu, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        if self.postgis_action is not None:
            self.iface.removePluginMenu(self.menu, self.postgis_action)
            self.postgis_action.deleteLater()
            self.postgis_action = None
        if self.series_action is not None:
            self.iface.removePluginMenu(self.menu, self.series_action)
            self.series_action.deleteLater()
            self.series_action = None
        if self.dgm_action is not None:
            self.iface.removePluginMenu(self.menu, self.dgm_action)
            self.dgm_action.deleteLater()
            self.dgm_action = None
        if self.tiles_action is not None:
            self.iface.removePluginMenu(self.menu, self.tiles_action)
            self.tiles_action.deleteLater()
            self.tiles_action = None
        if self.series_dock is not None:
            self.iface.removeDockWidget(self.series_dock)
            self.series_dock.deleteLater()
            self.series_dock = None

    def choose_and_open(self) -> None:
        settings = QgsSettings()
        path, _ = QFileDialog.getOpenFileName(self.iface.mainWindow(), tr("Open twin"),
                                              settings.value(LAST_DIR_KEY, "", str),
                                              tr("Twin GeoPackage (*.gpkg)"))
        if not path:
            return
        settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
        self.open(path)

    def choose_and_add_tileset(self) -> None:
        settings = QgsSettings()
        path, _ = QFileDialog.getOpenFileName(self.iface.mainWindow(), tr("Add 3D tileset"),
                                              settings.value(LAST_DIR_KEY, "", str), tr("3D Tiles (tileset.json)"))
        if path:
            settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
            self.add_tileset(path)

    def add_tileset(self, path: str) -> TilesResult | None:
        """Add a tileset.json as a 3D tiles layer where this QGIS can show it (plugin/tiles_layer.py); the
        message bar says what was done."""
        from .tiles_layer import add_tileset, log

        try:
            result = add_tileset(path, QgsProject.instance())
        except GeoTwinError as err:
            self.iface.messageBar().pushMessage(tr("GeoTwin"), str(err), Qgis.Critical, 0)
            return None
        log(result)
        self.iface.messageBar().pushMessage(tr("GeoTwin"), result.message, result.level, 15)
        return result

    def choose_postgis_and_open(self) -> None:
        from .twin_view import postgis_source

        window = self.iface.mainWindow()
        names = sorted(QgsProviderRegistry.instance().providerMetadata("postgres").connections(False))
        if not names:
            self.iface.messageBar().pushMessage(tr("GeoTwin"), tr("No PostgreSQL connection: add one in the Data "
                                                                  "Source Manager first."), Qgis.Warning, 10)
            return
        name, ok = QInputDialog.getItem(window, tr("Open twin from PostGIS"), tr("Connection"), names, 0, False)
        if not ok:
            return
        schema, ok = QInputDialog.getText(window, tr("Open twin from PostGIS"), tr("Schema"), text="geotwin")
        if not ok or not schema.strip():
            return
        try:
            source = postgis_source(name, schema.strip())
        except GeoTwinError as err:
            self.iface.messageBar().pushMessage(tr("GeoTwin"), str(err), Qgis.Critical, 0)
            return
        self.open(source)

    def open(self, path: str | Path | TwinSource) -> dict[str, Any] | None:
        """Open a twin GeoPackage path (or a twin_view.TwinSource), zoom to it and open a 3D view."""
        from .twin_view import TwinSource, open_twin

        bar = self.iface.messageBar()
        label = path.label if isinstance(path, TwinSource) else Path(path).name
        try:
            result = open_twin(path, QgsProject.instance())
        except GeoTwinError as err:
            bar.pushMessage(tr("GeoTwin"), str(err), Qgis.Critical, 0)
            return None
        project = QgsProject.instance()
        self.group = result["group"]
        buildings = result["layers"][BUILDINGS.name]
        transform = QgsCoordinateTransform(buildings.crs(), project.crs(), project)
        self.iface.layerTreeCanvasBridge().setCanvasLayers()  # now, not deferred: the 3D view takes them
        canvas = self.iface.mapCanvas()
        canvas.setExtent(transform.transformBoundingBox(result["extent"]))
        canvas.refresh()
        view = self.open_3d_view(project, result)
        bar.pushMessage(tr("GeoTwin"), tr("Opened {0}: {1} layers, {2} relations. {3} Identify a building and "
                                          "open its form to see its BIM rooms, learning islands and sensors.")
                        .format(label, len(result["layers"]), len(result["relations"]), view),
                        Qgis.Success, 10)
        if result.get("dgm_error"):
            bar.pushMessage(tr("GeoTwin"), tr("The DGM beside the twin was not used: {0}").format(
                result["dgm_error"]), Qgis.Warning, 10)
        return result

    def open_3d_view(self, project: QgsProject, result: dict[str, Any]) -> str:
        """Open a 3D view with QGIS desktop's action, dock it on the right and stand the buildings on the
        ground: on the twin's DGM as the view's terrain (view3d.py) when there is one, else on a flat terrain
        at the lowest building ground (view3d.stand_on_ground); returns the sentence for the message bar."""
        from .view3d import dem_project_terrain, dock_new_view, project_terrain, widgets_of

        window = self.iface.mainWindow()
        new_3d = window.findChild(QAction, NEW_3D_VIEW_ACTION)
        if new_3d is None or not new_3d.isEnabled():
            return tr("This QGIS has no 3D map view; the layers carry their 3D renderers for one that has.")
        dgm, ground = result.get("dgm"), result["ground_height"]
        how = dem_project_terrain(project, dgm) if dgm is not None else None  # QGIS >= 3.26: before the view
        if how is None and project_terrain(project) is not None:
            how = self.stand_on_ground(project, result)  # QGIS >= 3.26 without a DGM: the flat terrain's offset
        before = widgets_of(window)
        new_3d.trigger()
        self.view_3d = dock_new_view(window, before)
        if how is None and project_terrain(project) is None:
            how = self.dem_or_lowered(project, result)  # QGIS 3.22-3.24: on the open view
        return tr("A 3D map view shows surfaces by type and BIM elements by IFC class.") + self.terrain_sentence(
            how, dgm, ground)

    def stand_on_ground(self, project: QgsProject, result: dict[str, Any]) -> str | None:
        from .view3d import LOWERED_SYMBOLS, stand_on_ground

        how = stand_on_ground(project, result["layers"], result["ground_height"])
        self.lowered = (result["layers"], result["ground_height"]) if how == LOWERED_SYMBOLS else None
        return how

    def dem_or_lowered(self, project: QgsProject, result: dict[str, Any]) -> str | None:
        """QGIS 3.22-3.24: the DGM as the open view's terrain (its configuration dialog), else the buildings
        lowered onto its flat terrain at 0 m."""
        from .view3d import VIEW_DEM, dem_view_terrain

        dgm = result.get("dgm")
        if dgm is not None and self.view_3d is not None and dem_view_terrain(self.view_3d, dgm):
            self.lowered = None
            return VIEW_DEM
        return self.stand_on_ground(project, result)

    @staticmethod
    def terrain_sentence(how: str | None, dgm: Any, ground: float | None) -> str:
        from .localize import number
        from .view3d import LOWERED_SYMBOLS, PROJECT_DEM, PROJECT_TERRAIN, VIEW_DEM

        shown = number(ground) if ground is not None else ""
        if how in (PROJECT_DEM, VIEW_DEM):
            return " " + tr("Its terrain is the DGM {0}; buildings and terrain share its heights.").format(
                Path(dgm.source()).name)
        if how == PROJECT_TERRAIN:
            return " " + tr("Its terrain lies at the lowest building ground, {0} m (Project Properties, "
                            "Terrain).").format(shown)
        if how == LOWERED_SYMBOLS:
            return " " + tr("Heights are shown {0} m lower (the lowest building ground), so the buildings "
                            "stand on its flat terrain.").format(shown)
        return ""

    def choose_and_set_dgm(self) -> None:
        settings = QgsSettings()
        path, _ = QFileDialog.getOpenFileName(self.iface.mainWindow(), tr("Set DGM as 3D terrain"),
                                              settings.value(LAST_DIR_KEY, "", str),
                                              tr("Digital terrain model (*.tif *.tiff *.vrt *.asc *.xyz)"))
        if path:
            settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
            self.set_dgm(path)

    def set_dgm(self, path: str) -> str | None:
        """Add a DGM raster as a hillshade layer and make it the 3D terrain: the project's (QGIS >= 3.26, also
        the open 3D views' on 3.36+), else the last 3D view's that "Open twin…" docked (its buildings raised
        back if they were lowered). Returns how (view3d.PROJECT_DEM/VIEW_DEM), None when only added."""
        from .view3d import (
            VIEW_DEM,
            add_dgm_layer,
            dem_open_views,
            dem_project_terrain,
            dem_view_terrain,
            lower_3d_symbols,
        )

        bar, project = self.iface.messageBar(), QgsProject.instance()
        try:
            layer = add_dgm_layer(project, path, self.group)
        except GeoTwinError as err:
            bar.pushMessage(tr("GeoTwin"), str(err), Qgis.Critical, 0)
            return None
        how = dem_project_terrain(project, layer)
        if how is not None:
            dem_open_views(self.iface, project)
        elif self.view_3d is not None and dem_view_terrain(self.view_3d, layer):
            how = VIEW_DEM
            if self.lowered is not None:
                layers, ground = self.lowered
                for lowered in layers.values():
                    lower_3d_symbols(lowered, -float(ground))
                self.lowered = None
        if how is None:
            bar.pushMessage(tr("GeoTwin"), tr("Added the DGM {0}. Open a twin first to see it as the 3D view's "
                                              "terrain.").format(Path(path).name), Qgis.Info, 10)
        else:
            bar.pushMessage(tr("GeoTwin"), self.terrain_sentence(how, layer, None).strip(), Qgis.Success, 10)
        return how
