"""The twin's DGM as the 3D terrain: found beside the city model sources, added as a hillshade layer, its heights
those of the buildings' ground (same vertical datum, so no offset), and the errors of a bad DGM."""
from __future__ import annotations

import sqlite3

import pytest


def _centroids(gpkg) -> list[tuple[str, float, float, float]]:
    """(id, x, y, ground_height) of every building, the centre read by OGR (independent of QGIS)."""
    from osgeo import ogr

    ds = ogr.Open(str(gpkg))
    layer = ds.GetLayerByName("buildings")
    rows = []
    for feature in layer:
        centre = feature.GetGeometryRef().Centroid()
        rows.append((feature.GetField("id"), centre.GetX(), centre.GetY(), feature.GetField("ground_height")))
    return rows


def _gdal_height(path, x: float, y: float) -> float:
    from osgeo import gdal

    ds = gdal.Open(str(path))
    gt = ds.GetGeoTransform()
    col, row = int((x - gt[0]) / gt[1]), int((y - gt[3]) / gt[5])
    return float(ds.ReadAsArray(col, row, 1, 1)[0][0])


def test_open_twin_adds_the_dgm_beside_its_sources(twin):
    from qgis.core import QgsHillshadeRenderer, QgsProject

    from geotwin.plugin.twin_view import open_twin
    from geotwin.plugin.view3d import dgm_height

    gpkg = twin[0]
    source = sqlite3.connect(gpkg).execute("SELECT source_file FROM sources WHERE source_kind = 'citymodel'")
    expected = (gpkg.parent / "district" / "dgm.tif").resolve()
    assert expected.parent == __import__("pathlib").Path(source.fetchone()[0]).parent.resolve()
    project = QgsProject()
    try:
        result = open_twin(gpkg, project)
        dgm = result["dgm"]
        assert dgm is not None and result["dgm_error"] is None
        assert dgm.source() == str(expected) and dgm.id() in project.mapLayers()
        assert isinstance(dgm.renderer(), QgsHillshadeRenderer)
        assert result["group"].findLayer(dgm.id()) is not None
        rows = _centroids(gpkg)
        assert len(rows) > 20
        for building, x, y, ground in rows:
            height = dgm_height(dgm, x, y)
            assert height == pytest.approx(_gdal_height(expected, x, y), abs=1e-4), building
            assert abs(height - ground) < 0.5, building   # same datum: the buildings stand on the DGM
        assert dgm_height(dgm, 0.0, 0.0) is None
        # dgm=None: no DGM layer
        other = QgsProject()
        assert open_twin(gpkg, other, dgm=None)["dgm"] is None
        other.clear()
    finally:
        project.clear()


def test_find_dgm_takes_exactly_one(tmp_path):
    from geotwin.plugin.view3d import find_dgm

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert find_dgm([tmp_path / "a", tmp_path / "missing"]) is None
    (tmp_path / "a" / "DGM1_32_456.TIF").write_bytes(b"")
    (tmp_path / "a" / "dom1.tif").write_bytes(b"")
    assert find_dgm([tmp_path / "a"]) == (tmp_path / "a" / "DGM1_32_456.TIF").resolve()
    assert find_dgm([tmp_path / "a", tmp_path / "a"]) == (tmp_path / "a" / "DGM1_32_456.TIF").resolve()
    (tmp_path / "b" / "dgm.vrt").write_bytes(b"")
    assert find_dgm([tmp_path / "a", tmp_path / "b"]) is None  # two: the user picks


def test_a_bad_dgm_is_refused_by_name(tmp_path, twin):
    from osgeo import gdal
    from qgis.core import QgsProject

    from geotwin.plugin.twin_view import open_twin
    from geotwin.plugin.view3d import add_dgm_layer
    from geotwin.twin.kernel.errors import InputError

    project = QgsProject()
    try:
        broken = tmp_path / "dgm.tif"
        broken.write_text("not a raster")
        with pytest.raises(InputError, match="not a readable raster") as err:
            add_dgm_layer(project, broken)
        assert str(broken) in str(err.value)
        two = tmp_path / "two.tif"
        ds = gdal.GetDriverByName("GTiff").Create(str(two), 4, 4, 2, gdal.GDT_Float32)
        ds.SetGeoTransform((456000, 1, 0, 5429000, 0, -1))
        ds = None
        with pytest.raises(InputError, match="one band of heights"):
            add_dgm_layer(project, two)
        assert project.mapLayers() == {}
        # an explicit bad DGM fails the open; none is added
        with pytest.raises(InputError, match="not a readable raster"):
            open_twin(twin[0], project, dgm=broken)
    finally:
        project.clear()
