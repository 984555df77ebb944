"""The plugin's paths for QGIS >= 3.34 and >= 3.26 in a real QGIS 3.40 (Debian 13 chroot; scripts/qgis-next-test.sh).

- plugin/tiles_layer.py ``add_tileset``: the sample district's tileset exported for QGIS becomes a valid
  QgsTiledSceneLayer whose CRS and extent are the tileset's bounding volume (computed on the host from
  tileset.json with pyproj), and a 2D render of it draws every point inside a building and none away from them
  (footprints read on the host by OGR); the tileset exported for Cesium is not added.
- plugin/view3d.py ``dem_project_terrain``: the DGM becomes the project's terrain, read back from the project and
  from the project file, its heights those GDAL reads on the host.
"""
from __future__ import annotations

from pathlib import Path

import pytest


def _tiles_layer():
    from geotwin.plugin import tiles_layer

    return tiles_layer


def _delete(project) -> None:
    """Clear and delete a QgsProject now: one the garbage collector frees after exitQgis crashes QGIS 3.40."""
    from qgis.PyQt import sip

    project.clear()
    sip.delete(project)


@pytest.fixture()
def project(qgis_app):
    from qgis.core import QgsProject

    project = QgsProject()
    yield project
    _delete(project)


@pytest.fixture()
def added(project, next_data):
    """The result of add_tileset for the tileset exported for QGIS."""
    return _tiles_layer().add_tileset(next_data / "tiles-qgis" / "tileset.json", project)


def test_the_tileset_for_qgis_becomes_a_valid_tiled_scene_layer(added, project, next_data):
    from qgis.core import Qgis, QgsTiledSceneLayer

    tl = _tiles_layer()
    assert tl.tiles_client(Qgis.versionInt(), "qgis") == tl.ADD_LAYER
    assert added.decision == tl.ADD_LAYER and added.level == Qgis.Success
    layer = added.layer
    assert isinstance(layer, QgsTiledSceneLayer) and layer.isValid(), layer.error().summary()
    assert layer.providerType() == "cesiumtiles" and layer.name() == "tiles-qgis"
    assert project.mapLayers() == {layer.id(): layer}
    assert layer.dataProvider().uri().param("url") == (next_data / "tiles-qgis" / "tileset.json").as_uri()
    assert layer.renderer3D() is not None and layer.renderer3D().type() == "tiledscene"
    assert "tiles-qgis" in added.message and "3D" in added.message


def test_the_layer_has_the_tilesets_crs_and_region(added, expected):
    from qgis.core import QgsCoordinateReferenceSystem

    layer = added.layer
    assert layer.crs() == QgsCoordinateReferenceSystem("EPSG:4979"), layer.crs().authid()
    extent = layer.extent()
    west, south, east, north = expected["region"]
    tolerance = 1e-7   # degrees, about 1 cm
    assert extent.xMinimum() == pytest.approx(west, abs=tolerance)
    assert extent.yMinimum() == pytest.approx(south, abs=tolerance)
    assert extent.xMaximum() == pytest.approx(east, abs=tolerance)
    assert extent.yMaximum() == pytest.approx(north, abs=tolerance)
    # and the region is that of the district's buildings (within 0.2 m, 2e-6 degrees)
    for got, want in zip((west, south, east, north), expected["footprints_lonlat"], strict=True):
        assert got == pytest.approx(want, abs=2e-6)


def _render(layer, expected: dict, renderer=None):
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsRectangle,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    if renderer is not None:
        layer.setRenderer(renderer)
    x0, y0, x1, y1 = expected["bounds"]
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem(expected["crs"]))
    settings.setOutputSize(QSize(700, round(700 * (y1 - y0) / (x1 - x0))))
    settings.setExtent(QgsRectangle(x0, y0, x1, y1))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job, settings


def _colour_at(image, settings, x: float, y: float):
    import math

    point = settings.mapToPixel().transform(x, y)
    column, row = math.floor(point.x()), math.floor(point.y())
    assert 0 <= column < image.width() and 0 <= row < image.height(), (x, y)
    return image.pixelColor(column, row)


@pytest.mark.parametrize("kind", ["default", "wireframe"])
def test_a_render_draws_the_buildings_and_nothing_beside_them(added, expected, tmp_path, kind):
    """The layer's own renderer (as the user sees it in 2D) and a wireframe with a filled black symbol: every
    point 1 m inside a footprint is drawn, every point 6 m away from all footprints stays background."""
    from qgis.core import QgsFillSymbol, QgsTiledSceneWireframeRenderer
    from qgis.PyQt.QtGui import QColor

    renderer = None
    if kind == "wireframe":
        renderer = QgsTiledSceneWireframeRenderer()
        renderer.setFillSymbol(QgsFillSymbol.createSimple({"color": "black", "outline_color": "black"}))
    job, settings = _render(added.layer, expected, renderer)
    image = job.renderedImage()
    image.save(str(tmp_path / f"{kind}.png"))
    assert [e.message for e in job.errors()] == []
    white = QColor(255, 255, 255)
    assert len(expected["inside"]) > 100 and len(expected["outside"]) > 100
    outside = [p for p in expected["outside"] if _colour_at(image, settings, *p) != white]
    assert outside == [], f"{len(outside)} of {len(expected['outside'])} points away from buildings drawn"
    inside = [p for p in expected["inside"] if _colour_at(image, settings, *p) == white]
    assert inside == [], f"{len(inside)} of {len(expected['inside'])} points inside buildings not drawn"


def test_the_tileset_for_cesium_is_not_added(project, next_data):
    from qgis.core import Qgis

    tl = _tiles_layer()
    result = tl.add_tileset(next_data / "tiles-cesium" / "tileset.json", project)
    assert result.decision == tl.CESIUM_ONLY and result.layer is None and result.level == Qgis.Warning
    assert project.mapLayers() == {}
    assert "QGIS 3D tiles layer" in result.message


def test_draco_decoding_is_read_from_the_loaded_core_library(qgis_app):
    """qgis_decodes_draco looks for the extension's name in QGIS's core library; a QGIS built with Draco links
    libdraco, so both answers agree (Debian 13's 3.40 has neither)."""
    tl = _tiles_layer()
    maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    assert any("qgis_core" in path.name for path in tl._core_libraries())
    assert tl.qgis_decodes_draco() is ("libdraco" in maps)


def test_the_dgm_becomes_the_projects_terrain(project, expected, next_data, tmp_path):
    from qgis.core import QgsProject, QgsRasterDemTerrainProvider

    from geotwin.plugin.view3d import PROJECT_DEM, add_dgm_layer, dem_project_terrain, project_terrain

    dgm = next_data / expected["dgm"]
    layer = add_dgm_layer(project, dgm)
    assert project_terrain(project).type() == "flat"   # a new project's terrain
    assert dem_project_terrain(project, layer) == PROJECT_DEM
    terrain = project_terrain(project)
    assert isinstance(terrain, QgsRasterDemTerrainProvider) and terrain.type() == "raster"
    assert terrain.layer().id() == layer.id() and terrain.offset() == 0.0 and terrain.scale() == 1.0
    for building in expected["buildings"]:
        height = terrain.heightAt(building["x"], building["y"])
        assert height == pytest.approx(building["dgm"], abs=1e-4), building["id"]
        assert abs(height - building["ground"]) < 0.5, building["id"]   # the buildings stand on it

    path = tmp_path / "terrain.qgz"
    assert project.write(str(path))
    again = QgsProject()
    try:
        assert again.read(str(path))
        read = again.elevationProperties().terrainProvider()
        assert read.type() == "raster" and read.offset() == 0.0 and read.scale() == 1.0
        assert read.layer() is not None and Path(read.layer().source()) == dgm
        first = expected["buildings"][0]
        assert read.heightAt(first["x"], first["y"]) == pytest.approx(first["dgm"], abs=1e-4)
    finally:
        _delete(again)
