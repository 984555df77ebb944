"""The analyst's view as the user meets it: a building's form without relation warnings, German (or English)
aliases, legend classes, sensor labels and numbers, the 3D view docked with the buildings on the ground."""
from __future__ import annotations

import sqlite3

import pytest

from geotwin.tests.paths import ROOT
from geotwin.twin.kernel.schema import BUILDING_SURFACES
from geotwin.twin.kernel.schema.bim import BIM_BUILDINGS, BIM_ELEMENTS, BIM_SPACES, BIM_STOREYS
from geotwin.twin.kernel.schema.islands import LEARNING_ISLANDS
from geotwin.twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
from geotwin.twin.kernel.schema.twin import CONFLATION_REPORT, HEIGHT_REPORT, LINKS, TWIN_BUILDINGS, TWIN_SOURCES

SPECS = {s.name: s for s in (TWIN_BUILDINGS, BUILDING_SURFACES, BIM_BUILDINGS, BIM_ELEMENTS, BIM_SPACES, BIM_STOREYS,
                             LEARNING_ISLANDS, SENSORS, OBSERVATIONS, CONFLATION_REPORT, HEIGHT_REPORT, LINKS,
                             TWIN_SOURCES)}
RELATION_NOISE = ("Missing Relation in configuration", "Failed to create relation widget", "Invalid relation",
                  "inconsistent layer")


@pytest.fixture
def locale():
    """Switch the QGIS locale (the setting, Qt's default locale as QGIS sets it at start-up, the plugin's
    translator) for one test; restored afterwards."""
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QLocale

    from geotwin.plugin.i18n import install_translator

    settings = QgsSettings()
    before, qt_before = settings.value("locale/userLocale", None), QLocale()

    def switch(name: str) -> None:
        settings.setValue("locale/userLocale", name)
        QLocale.setDefault(QLocale(name))
        install_translator(name[:2])

    yield switch
    QLocale.setDefault(qt_before)
    if before is None:
        settings.remove("locale/userLocale")
    else:
        settings.setValue("locale/userLocale", before)
    install_translator()


@pytest.fixture
def instance_twin(twin):
    """The twin opened in QgsProject.instance(), as the desktop does (relation widgets resolve there)."""
    from qgis.core import QgsProject

    from geotwin.plugin.twin_view import open_twin

    project = QgsProject.instance()
    result = open_twin(twin[0], project)
    yield project, result
    project.clear()


def _sql(gpkg, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(gpkg) as con:
        return con.execute(sql, args).fetchall()


def _delete_now(widget) -> None:
    """Delete a widget and whatever it posted for deletion now (deleteLater would run after the project is
    cleared, and a form's relation editors would then reach deleted layers)."""
    from qgis.core import QgsApplication
    from qgis.PyQt import sip
    from qgis.PyQt.QtCore import QCoreApplication, QEvent

    sip.delete(widget)
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    QgsApplication.processEvents()


def _form_values(form, fields) -> dict[str, str]:
    """What the form's editor widgets of ``fields`` show."""
    from qgis.gui import QgsEditorWidgetWrapper
    from qgis.PyQt.QtWidgets import QComboBox, QLineEdit

    shown = {}
    for widget in form.findChildren(QComboBox) + form.findChildren(QLineEdit):
        wrapper = QgsEditorWidgetWrapper.fromWidget(widget)
        if wrapper is not None and wrapper.field().name() in fields:
            shown[wrapper.field().name()] = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
    return shown


def _form_context():
    """An attribute editor context with the layer tools QGIS desktop hands every form (the twin is read-only;
    a form without them crashes QGIS 3.22). Returns the context and the tools (keep both alive)."""
    from qgis.core import QgsVectorLayerTools
    from qgis.gui import QgsAttributeEditorContext

    class ReadOnlyTools(QgsVectorLayerTools):  # what QGIS desktop hands every form; the twin is read-only
        def addFeature(self, *args):  # noqa: N802
            return False, None

        def startEditing(self, layer):  # noqa: N802
            return False

        def stopEditing(self, layer, allowCancel=True):  # noqa: N802, N803
            return False

        def saveEdits(self, layer):  # noqa: N802
            return False

        def copyMoveFeatures(self, *args):  # noqa: N802
            return False

    tools = ReadOnlyTools()
    context = QgsAttributeEditorContext()
    context.setVectorLayerTools(tools)
    return context, tools


def test_building_form_opens_without_relation_warnings(twin, instance_twin, qgis_app, capfd):
    """The school's form with all its tabs shown (rooms, elements, islands, sensors and their rows): nothing in
    QGIS's message log, nothing on stderr about relations."""
    from qgis.core import QgsApplication
    from qgis.gui import QgsAttributeForm, QgsRelationEditorWidget
    from qgis.PyQt.QtWidgets import QTabWidget

    gpkg, manifest, _ = twin
    _, result = instance_twin
    logged: list[str] = []
    log = QgsApplication.messageLog()
    log.messageReceived.connect(lambda message, tag, level: logged.append(message))
    capfd.readouterr()
    context, tools = _form_context()
    buildings = result["layers"]["buildings"]
    school = next(buildings.getFeatures(f"\"id\" = '{manifest['school']['id']}'"))
    form = QgsAttributeForm(buildings, school, context)
    form.show()
    tabs = form.findChildren(QTabWidget)
    assert tabs and tabs[0].count() == 5
    for index in range(tabs[0].count()):
        tabs[0].setCurrentIndex(index)
        QgsApplication.processEvents()
    for _ in range(5):
        QgsApplication.processEvents()
    editors = form.findChildren(QgsRelationEditorWidget)
    shown_codes = _form_values(form, ("roof_type", "function"))
    assert len(editors) >= 4  # the real relation editors (one a tab, its n:m views too), not the basic fallback
    stderr = capfd.readouterr().err
    form.close()
    _delete_now(form)  # before the fixture clears the project: its widgets hold the layers
    assert [m for m in logged if any(n in m for n in RELATION_NOISE)] == []
    assert [line for line in stderr.splitlines() if any(n in line for n in RELATION_NOISE)] == []
    # the school's flat roof and function read by name in its form (the UI language: English here)
    assert shown_codes == {"roof_type": f"Flat roof ({school['roof_type']})",
                           "function": f"Allgemein bildende Schule ({school['function']})"}
    assert school["roof_type"] == "1000"
    # the referencing fields show the parent through their relation (not an id the user cannot read)
    islands = result["layers"]["learning_islands"]
    setup = islands.editorWidgetSetup(islands.fields().lookupField("building_id"))
    assert setup.type() == "RelationReference"
    assert setup.config()["Relation"] == result["relations"]["building_islands"].id()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_aliases_legend_and_sensor_labels_follow_the_locale(twin, locale, lang):
    from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextUtils, QgsProject

    from geotwin.plugin.localize import ALIASES, LEGEND, PROPERTIES
    from geotwin.plugin.twin_view import open_twin

    side = 1 if lang == "de" else 0
    locale("de_DE" if lang == "de" else "en_GB")
    gpkg = twin[0]
    project = QgsProject()
    try:
        result = open_twin(gpkg, project)
        layers = result["layers"]
        # every field of every twin layer has its alias in the UI language
        for key, layer in layers.items():
            for index, field in enumerate(layer.fields()):
                if field.name() == "fid":
                    continue
                assert layer.attributeAlias(index) == ALIASES[field.name()][side], (key, field.name())
        for spec in SPECS.values():
            assert set(spec.fields) <= set(ALIASES), spec.name
        assert layers["buildings"].attributeAlias(layers["buildings"].fields().lookupField("ground_height")) == (
            "Geländehöhe (m)" if lang == "de" else "Ground height (m)")
        _check_named_codes(gpkg, layers["buildings"], lang)
        # legend classes
        surfaces = {c.value(): c.label() for c in layers["building_surfaces"].renderer().categories()}
        assert surfaces["RoofSurface"] == LEGEND["RoofSurface"][side]
        assert surfaces["RoofSurface"] == ("Dachfläche" if lang == "de" else "Roof surface")
        islands = [c.label() for c in layers["learning_islands"].renderer().categories()]
        assert islands == [LEGEND["linked"][side], LEGEND["not fully linked"][side]]
        elements = {c.value(): c.label() for c in layers["bim_elements"].renderer().categories()}
        assert elements["IfcWall"] == ("Wand" if lang == "de" else "Wall")
        # sensor labels: the property's name and the value with the locale's decimal separator
        sensors = layers["sensors"]
        expression = QgsExpression(sensors.labeling().settings().fieldName)
        context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(sensors))
        rows = dict((k, (p, v, u)) for k, p, v, u in _sql(
            gpkg, "SELECT sensor_key, observed_property, latest_value, unit_symbol FROM sensors"))
        checked = 0
        for feature in sensors.getFeatures():
            context.setFeature(feature)
            label = expression.evaluate(context)
            assert not expression.hasEvalError(), expression.evalErrorString()
            prop, value, unit = rows[feature["sensor_key"]]
            name = PROPERTIES[prop][side]
            if prop == "Parking space occupancy":
                word = ("belegt" if value >= 0.5 else "frei") if lang == "de" else (
                    "occupied" if value >= 0.5 else "free")
                assert label == f"{name}: {word}"
            else:
                text = f"{round(value, 1):g}"
                assert label == f"{name}: {text.replace('.', ',') if lang == 'de' else text} {unit}"
            checked += 1
        assert checked == len(rows) > 0
        if lang == "de":
            assert any("," in expression.evaluate(_ctx(context, f)) for f in sensors.getFeatures())
        assert [g.name() for g in result["group"].children()][0] == (
            "Lerninseln & Sensoren" if lang == "de" else "Learning islands & sensors")
    finally:
        project.clear()


def _check_named_codes(gpkg, buildings, lang: str) -> None:
    """Roof type and function read by name in the forms and the table ("Satteldach (3100)"), names from the web
    map's lists; the stored codes unchanged."""
    import json

    from qgis.core import QgsApplication

    roofs = json.loads((ROOT / "resources" / "viewer" / "dachform.json").read_text(encoding="utf-8"))["names"]
    functions = json.loads((ROOT / "resources" / "viewer" / "gebaeudefunktion.json").read_text(encoding="utf-8"))
    stored = dict(_sql(gpkg, "SELECT id, roof_type || '|' || function FROM buildings"))
    registry, checked = QgsApplication.fieldFormatterRegistry(), 0
    for feature in buildings.getFeatures():
        roof, function = stored[feature["id"]].split("|")
        assert (feature["roof_type"], feature["function"]) == (roof, function)
        for field, name in (("roof_type", roofs[roof][lang]), ("function", functions["names"][function[-4:]])):
            index = buildings.fields().lookupField(field)
            setup = buildings.editorWidgetSetup(index)
            assert setup.type() == "ValueMap"
            shown = registry.fieldFormatter("ValueMap").representValue(buildings, index, setup.config(), None,
                                                                       feature[field])
            assert shown == f"{name} ({feature[field]})"
            checked += 1
    assert checked == 2 * len(stored) > 0


def _ctx(context, feature):
    context.setFeature(feature)
    return context


def test_numbers_take_the_locale_decimal_separator(locale):
    from geotwin.plugin.localize import number

    assert number(114.8, locale="de") == "114,8" and number(114.8, locale="en") == "114.8"
    assert number(1234.56, 2, locale="de") == "1.234,56"
    locale("de_DE")
    assert number(114.84) == "114,8"


class _Desktop3DAction:
    """Stands in for QGIS 3.22 desktop's View > New 3D Map View, which the stub iface of the tests lacks: a
    QAction named mActionNew3DMapCanvas that adds a floating 400×400 dock widget, as 3.22 does."""

    def __init__(self, window) -> None:
        from qgis.PyQt.QtCore import Qt
        from qgis.PyQt.QtWidgets import QAction, QDockWidget, QLabel

        self.window = window
        self.action = QAction("New 3D Map View", window)
        self.action.setObjectName("mActionNew3DMapCanvas")
        window.addAction(self.action)

        def new_view() -> None:
            dock = QDockWidget("3D Map 1", window)
            dock.setWidget(QLabel("3D"))
            window.addDockWidget(Qt.RightDockWidgetArea, dock)
            dock.setFloating(True)
            dock.resize(400, 400)
            dock.show()

        self.action.triggered.connect(new_view)

    def remove(self) -> None:
        self.window.removeAction(self.action)
        self.action.deleteLater()


def test_3d_view_is_docked_with_the_buildings_on_the_ground(twin, qgis_iface, locale):
    from qgis._3d import QgsPolygon3DSymbol, QgsRuleBased3DRenderer
    from qgis.core import Qgis, QgsProject
    from qgis.PyQt import sip
    from qgis.PyQt.QtCore import Qt

    from geotwin.plugin.menu import TwinMenu
    from geotwin.plugin.view3d import MIN_VIEW_WIDTH, VIEW_SHARE, project_terrain

    locale("de_DE")
    gpkg = twin[0]
    window = qgis_iface.mainWindow()
    window.resize(1600, 1000)
    window.show()
    desktop = _Desktop3DAction(window)
    menu = TwinMenu(qgis_iface)
    menu.add()
    try:
        result = menu.open(str(gpkg))
        dock = menu.view_3d
        assert dock is not None and not dock.isFloating()
        assert window.dockWidgetArea(dock) == Qt.RightDockWidgetArea
        assert dock.width() >= min(MIN_VIEW_WIDTH, int(window.width() * VIEW_SHARE)) - 10 > 400
        ground = _sql(gpkg, "SELECT min(ground_height) FROM buildings")[0][0]
        assert result["ground_height"] == pytest.approx(ground)
        shown = f"{ground:.1f}".replace(".", ",")
        message = [m for m in qgis_iface.messageBar().get_messages(Qgis.Success) if "3D" in m][-1]
        assert f"{shown} m" in message and "114.8" not in message
        terrain = project_terrain(QgsProject.instance())
        if terrain is not None:  # QGIS >= 3.26: the project's flat terrain carries the offset
            assert terrain.offset() == pytest.approx(ground)
        else:                    # QGIS 3.22: the 3D symbols are lowered onto the flat terrain at 0 m
            for key in ("building_surfaces", "bim_elements"):
                renderer = sip.cast(result["layers"][key].renderer3D(), QgsRuleBased3DRenderer)
                todo, heights = list(renderer.rootRule().children()), []
                while todo:
                    rule = todo.pop()
                    todo.extend(rule.children())
                    if rule.symbol() is not None:
                        heights.append(sip.cast(rule.symbol(), QgsPolygon3DSymbol).height())
                assert heights and all(h == pytest.approx(-ground) for h in heights), key
    finally:
        menu.remove()
        desktop.remove()
        for dock in window.findChildren(type(menu.view_3d)) if menu.view_3d is not None else []:
            dock.deleteLater()
        QgsProject.instance().clear()


SCREENSHOT = ROOT / "docs" / "screenshots" / "analyst-de.png"


def _wait_for_canvas(canvas) -> None:
    import time

    from qgis.core import QgsApplication

    done = []
    canvas.mapCanvasRefreshed.connect(lambda: done.append(True))
    canvas.refresh()
    deadline = time.monotonic() + 60
    while (not done or canvas.isDrawing()) and time.monotonic() < deadline:
        QgsApplication.processEvents()
        time.sleep(0.02)
    assert done, "the map canvas did not finish rendering"


def test_analyst_view_screenshot_german(twin, locale, tmp_path):
    """The analyst's view in German as offscreen QGIS draws it: the layer tree with its legend, the map of the
    twin, and the school's form docked on the right (aliases and relation tabs). QGIS 3.22 has no Python
    binding of a 3D canvas or offscreen 3D engine and offscreen Qt has no OpenGL display, so the 3D scene is
    not in the picture. Refreshed into docs/screenshots with GEOTWIN_UPDATE_SCREENSHOTS=1."""
    import os
    import shutil

    from qgis.core import QgsApplication, QgsLayerTreeModel, QgsProject
    from qgis.gui import (
        QgsAttributeForm,
        QgsLayerTreeMapCanvasBridge,
        QgsLayerTreeView,
        QgsMapCanvas,
    )
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtGui import QImage
    from qgis.PyQt.QtWidgets import QDockWidget, QMainWindow

    from geotwin.plugin.twin_view import open_twin

    locale("de_DE")
    gpkg, manifest, _ = twin
    project = QgsProject.instance()
    window = QMainWindow()
    try:
        result = open_twin(gpkg, project)
        window.setWindowTitle(f"QGIS – GeoTwin: {gpkg.name}")
        window.resize(1600, 1000)
        canvas = QgsMapCanvas(window)
        canvas.setCanvasColor(Qt.white)
        window.setCentralWidget(canvas)
        tree = QgsLayerTreeView()
        model = QgsLayerTreeModel(project.layerTreeRoot())
        model.setFlag(QgsLayerTreeModel.ShowLegend, True)
        tree.setModel(model)
        tree.expandAll()
        left = QDockWidget("Layer", window)
        left.setWidget(tree)
        window.addDockWidget(Qt.LeftDockWidgetArea, left)
        bridge = QgsLayerTreeMapCanvasBridge(project.layerTreeRoot(), canvas)
        bridge.setCanvasLayers()
        canvas.setDestinationCrs(project.crs())
        school = next(result["layers"]["buildings"].getFeatures(f"\"id\" = '{manifest['school']['id']}'"))
        context, tools = _form_context()
        form = QgsAttributeForm(result["layers"]["buildings"], school, context)
        right = QDockWidget(f"Gebäude – {school['name'] or school['id']}", window)
        right.setWidget(form)
        window.addDockWidget(Qt.RightDockWidgetArea, right)
        window.resizeDocks([left, right], [330, 520], Qt.Horizontal)
        window.show()
        QgsApplication.processEvents()
        canvas.setExtent(result["extent"].buffered(20))
        _wait_for_canvas(canvas)
        shot = tmp_path / "analyst-de.png"
        assert window.grab().save(str(shot))
        image = QImage(str(shot))
        assert (image.width(), image.height()) == (1600, 1000)
        # the map is drawn: the canvas area holds more than its background colour
        rect = canvas.geometry()
        colours = {image.pixel(x, y) for x in range(rect.left() + 5, rect.right() - 5, 17)
                   for y in range(rect.top() + 5, rect.bottom() - 5, 17)}
        assert len(colours) > 5
        assert right.isVisible() and not right.isFloating() and right.width() > 400
        labels = {form.layer().attributeAlias(i) for i in range(form.layer().fields().count())}
        assert "Geländehöhe (m)" in labels
        # the form writes numbers with the decimal comma (QGIS's field formatter follows the locale)
        from qgis.PyQt.QtWidgets import QLineEdit

        texts = {w.text() for w in form.findChildren(QLineEdit)}
        height = school["measured_height"]
        assert f"{height:g}".replace(".", ",") in texts and ("." not in f"{height:g}" or f"{height:g}" not in texts)
        assert shot.stat().st_size > 20_000
        if os.environ.get("GEOTWIN_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)
    finally:
        window.close()
        _delete_now(window)  # the form and canvas before their layers go
        project.clear()


def test_dock_new_view_without_a_dock(qgis_iface):
    """Nothing new: None; a view that opens as its own window (QGIS >= 3.30 may): sized, not docked; no ground
    height: nothing changed."""
    from qgis.core import QgsProject
    from qgis.PyQt.QtWidgets import QWidget

    from geotwin.plugin.view3d import MIN_VIEW_WIDTH, dock_new_view, stand_on_ground, widgets_of

    window = qgis_iface.mainWindow()
    window.resize(1600, 1000)
    assert dock_new_view(window, widgets_of(window)) is None
    before = widgets_of(window)
    own = QWidget()
    own.resize(400, 400)
    own.show()
    try:
        assert dock_new_view(window, before) is own
        assert own.width() == max(MIN_VIEW_WIDTH, 800) and own.height() == 920
    finally:
        own.close()
        _delete_now(own)
    assert stand_on_ground(QgsProject(), {}, None) is None
