"""The analyst's 3D view in real QGIS desktop: open a twin with the plugin's own "Open twin…" code, wait for the
docked 3D view to load its scene on the twin's DGM, grab it, save the project and a JSON report.

Run inside QGIS desktop on an X server with OpenGL (scripts/screenshot_analyst.sh starts Xvfb with Mesa's
llvmpipe): ``qgis --code scripts/screenshot_analyst.py``. Environment:
  GEOTWIN_TWIN      the twin GeoPackage to open (required)
  GEOTWIN_SHOT      PNG of the 3D view (dock with its toolbar), written when set
  GEOTWIN_WINDOW    PNG of the whole QGIS window, written when set
  GEOTWIN_PROJECT   the project saved after loading (.qgs: the 3D view's settings are in it), when set
  GEOTWIN_REPORT    JSON report (required): QGIS version, the messages, the DGM layer, the view, errors
  GEOTWIN_SIZE      window size, default 1600x1000
QGIS is left with os._exit once the report is written (QGIS 3.22 can crash while quitting with a 3D view).
"""
from __future__ import annotations

import json
import os
import time
import traceback

from qgis.core import Qgis, QgsApplication, QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QLabel, QProgressBar
from qgis.utils import iface, plugins

REPORT = os.environ["GEOTWIN_REPORT"]
LOAD_TIMEOUT = 120.0   # s for the 3D scene to load (llvmpipe renders on the CPU)
QUIET = 4.0            # s without pending 3D jobs that count as loaded
state: dict = {"qgis": Qgis.QGIS_VERSION, "messages": [], "errors": [], "steps": []}


def finish() -> None:
    with open(REPORT, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=1, default=str)
    os._exit(0)


def guarded(step):
    def run() -> None:
        try:
            state["steps"].append(step.__name__)
            step()
        except Exception:  # noqa: BLE001 - the report carries it
            state["errors"].append(traceback.format_exc())
            finish()
    return run


def message(item) -> None:
    try:
        state["messages"].append(" ".join(label.text() for label in item.findChildren(QLabel)))
    except Exception as err:  # noqa: BLE001 - a slot must not raise (QGIS would open its error dialog)
        state["messages"].append(repr(err))


@guarded
def open_twin() -> None:
    width, height = (int(v) for v in os.environ.get("GEOTWIN_SIZE", "1600x1000").split("x"))
    window = iface.mainWindow()
    window.setGeometry(0, 0, width, height)
    iface.messageBar().widgetAdded.connect(message)
    menu = plugins["geotwin"].menu
    result = menu.open(os.environ["GEOTWIN_TWIN"])
    if result is None:
        raise RuntimeError("the twin did not open: " + " | ".join(state["messages"]))
    dgm = result.get("dgm")
    state["dgm"] = {"id": dgm.id(), "source": dgm.source(), "name": dgm.name()} if dgm is not None else None
    state["dgm_error"] = result.get("dgm_error")
    state["ground_height"] = result["ground_height"]
    state["view"] = menu.view_3d is not None
    state["started"] = time.monotonic()
    state["quiet_since"] = None
    QTimer.singleShot(2000, wait_for_scene)


@guarded
def wait_for_scene() -> None:
    """The 3D view shows a progress bar while it has pending jobs (tiles, features); wait until it has been
    hidden for QUIET seconds."""
    dock = plugins["geotwin"].menu.view_3d
    busy = any(bar.isVisible() for bar in dock.findChildren(QProgressBar)) if dock is not None else False
    now = time.monotonic()
    if busy:
        state["quiet_since"] = None
    elif state["quiet_since"] is None:
        state["quiet_since"] = now
    if (state["quiet_since"] is not None and now - state["quiet_since"] >= QUIET) or now - state["started"] > \
            LOAD_TIMEOUT:
        state["load_seconds"] = round(now - state["started"], 1)
        state["loaded"] = not busy
        QTimer.singleShot(500, grab)
        return
    QTimer.singleShot(250, wait_for_scene)


def view_widths(dock) -> dict:
    """The widths of the 3D view's scene and on-screen navigation widgets (by their C++ class) and the view's
    checkable toolbar actions (text, checked)."""
    from qgis.PyQt.QtWidgets import QAction, QWidget

    def of_class(name: str) -> list:
        return [[w.width(), w.isVisible()] for w in dock.findChildren(QWidget) if w.metaObject().className() == name]

    return {"dock": dock.width(), "canvas": of_class("Qgs3DMapCanvas"), "scene": of_class("QWindowContainer"),
            "navigation": of_class("Qgs3DNavigationWidget"),
            "toggles": [[a.text(), a.isChecked()] for a in dock.findChildren(QAction) if a.isCheckable()]}


@guarded
def grab() -> None:
    dock = plugins["geotwin"].menu.view_3d
    screen = QApplication.primaryScreen()
    window = iface.mainWindow()
    if dock is not None:
        top_left = dock.mapToGlobal(dock.rect().topLeft())
        state["view_size"] = [dock.width(), dock.height()]
        state["widths"] = view_widths(dock)
        shot = os.environ.get("GEOTWIN_SHOT")
        if shot:
            image = screen.grabWindow(0, top_left.x(), top_left.y(), dock.width(), dock.height())
            state["shot"] = image.save(shot) and shot
    whole = os.environ.get("GEOTWIN_WINDOW")
    if whole:
        origin = window.mapToGlobal(window.rect().topLeft())
        state["window"] = screen.grabWindow(0, origin.x(), origin.y(), window.width(), window.height()).save(
            whole) and whole
    project_file = os.environ.get("GEOTWIN_PROJECT")
    if project_file:
        state["project"] = QgsProject.instance().write(project_file) and project_file
    state["terrain_provider"] = (QgsProject.instance().elevationProperties().terrainProvider().type()
                                 if hasattr(QgsProject.instance(), "elevationProperties") else None)
    finish()


QTimer.singleShot(3000, open_twin)
QTimer.singleShot(int((LOAD_TIMEOUT + 60) * 1000), lambda: (state["errors"].append("timed out"), finish()))
QgsApplication.processEvents()
