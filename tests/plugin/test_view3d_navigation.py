"""view3d.fit_navigation on a dock laid out as QGIS 3.22's 3D view (offscreen Qt): scene and on-screen navigation
side by side, the navigation's toggle on the view's toolbar. The real view in QGIS desktop is checked by
test_view3d_desktop (the scene gets its whole 800 px there)."""
from __future__ import annotations

import pytest


def _view(navigation_width: int, with_toggle: bool = True):
    """A dock widget as QGIS 3.22 builds its 3D view: a toolbar with the checked "Toggle On-Screen Navigation"
    (connected to the navigation's visibility, as QGIS does) above the scene and the navigation in a row."""
    from qgis.PyQt.QtWidgets import QDockWidget, QHBoxLayout, QToolBar, QVBoxLayout, QWidget

    class Qgs3DNavigationWidget(QWidget):  # the class name QGIS's widget reports (Qt's meta-object)
        pass

    dock = QDockWidget("3D")
    body = QWidget(dock)
    column, row = QVBoxLayout(body), QHBoxLayout()
    toolbar = QToolBar(body)
    scene, navigation = QWidget(body), Qgs3DNavigationWidget(body)
    navigation.setFixedWidth(navigation_width)
    if with_toggle:
        toggle = toolbar.addAction("Toggle On-Screen Navigation")
        toggle.setCheckable(True)
        toggle.setChecked(True)
        toggle.toggled.connect(navigation.setVisible)
    row.addWidget(scene, 1)
    row.addWidget(navigation)
    column.addWidget(toolbar)
    column.addLayout(row)
    dock.setWidget(body)
    dock.resize(800, 600)
    dock.show()
    return dock, scene, navigation, toolbar


@pytest.mark.parametrize("with_toggle", [True, False])
def test_wide_navigation_is_turned_off(qgis_app, with_toggle):
    from qgis.core import QgsApplication

    from geotwin.plugin.view3d import SCENE_SHARE, fit_navigation

    dock, scene, navigation, toolbar = _view(349, with_toggle)
    QgsApplication.processEvents()
    assert scene.width() < SCENE_SHARE * dock.width()  # as QGIS 3.22 opens it: 447 of 800 px
    assert fit_navigation(dock, 800) is True
    QgsApplication.processEvents()
    assert navigation.isHidden() and scene.width() >= SCENE_SHARE * dock.width()
    assert [a.isChecked() for a in toolbar.actions()] == ([False] if with_toggle else [])
    assert fit_navigation(dock, 800) is False  # already off
    if with_toggle:
        toolbar.actions()[0].setChecked(True)  # the user brings it back with the toggle
        assert navigation.isVisible()
    dock.deleteLater()


def test_narrow_navigation_or_none_is_left_alone(qgis_app):
    from qgis.core import QgsApplication
    from qgis.PyQt.QtWidgets import QDockWidget, QWidget

    from geotwin.plugin.view3d import fit_navigation

    dock, _scene, navigation, toolbar = _view(150)
    QgsApplication.processEvents()
    assert fit_navigation(dock, 800) is False  # 650 of 800 px for the scene: kept
    assert navigation.isVisible() and toolbar.actions()[0].isChecked()
    plain = QDockWidget("3D")
    plain.setWidget(QWidget(plain))
    assert fit_navigation(plain, 800) is False  # no navigation at all (another QGIS)
    dock.deleteLater()
    plain.deleteLater()
