"""One area-of-use rule for every placement method: a model whose placed bounding box leaves the target CRS's area
of use is refused, naming the CRS that holds it; a ballpark datum transformation is named.

Expected suggestions are computed independently from the model's longitude/latitude (pyproj) with the UTM rule
zone = floor((lon + 180) / 6) + 1: ETRS89 / UTM (EPSG:258NN) in Europe, else WGS 84 / UTM (326NN / 327NN).
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from shapely import affinity

from geotwin.bim import georef
from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.kernel.errors import InputError

from .test_georef import make_georeferenced_ifc

EARTHWORKS = "ifc/georef/Georeferencing-Earthworks-12d-1.ifc"
HOUSE = "ifc/small/IfcOpenHouse_IFC4.ifc"
FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"


def _utm(lon: float, lat: float) -> str:
    zone = math.floor((lon + 180) / 6) + 1
    europe = lat >= 39 and 28 <= zone <= 37   # roughly the area of use of ETRS89 / UTM
    return f"EPSG:{(25800 if europe else 32600 if lat >= 0 else 32700) + zone}"


def _refused(path, out, options, match):
    with pytest.raises(InputError, match=match) as info:
        import_ifc(path, out, options)
    assert not out.exists()
    return str(info.value)


def test_utm_rule():
    assert georef.suggest_crs(8.4, 49.0).startswith("EPSG:25832 ")
    assert georef.suggest_crs(-87.6, 41.9).startswith("EPSG:32616 ")
    assert georef.suggest_crs(151.2, -33.9).startswith("EPSG:32756 ")
    assert georef.suggest_crs(179.99, 10.0).startswith("EPSG:32660 ")
    assert georef.suggest_crs(-180.0, 10.0).startswith("EPSG:32601 ")
    assert georef.suggest_crs(10.0, 88.0).startswith("EPSG:5041 ") and georef.suggest_crs(0.0, -89.0).startswith(
        "EPSG:5042 ")
    for lon in np.arange(-179.5, 180.0, 7.3):   # the suggestion's own area of use holds the point
        for lat in (-79.0, -33.0, 0.5, 45.0, 71.0):
            code = georef.suggest_crs(float(lon), lat).split()[0]
            west, south, east, north = pyproj.CRS(code).area_of_use.bounds
            assert west <= lon <= east and south <= lat <= north, (lon, lat, code)


def test_map_conversion_across_the_globe_is_refused(shared_data, tmp_path):
    """The Australian earthworks model (EPSG:7856) into EPSG:25832: before, a ballpark transformation put it
    at N -9 702 337 with only a warning."""
    message = _refused(shared_data / EARTHWORKS, tmp_path / "ew.gpkg", ImportOptions(target_crs="EPSG:25832"),
                       "outside the area of use of EPSG:25832")
    # the model's own vertices, in EPSG:7856 (identity conversion), give the position
    out = tmp_path / "own.gpkg"
    import_ifc(shared_data / EARTHWORKS, out, ImportOptions(target_crs="EPSG:7856"))
    xy = shapely.get_coordinates(gpd.read_file(out, layer="bim_elements").geometry.dropna())
    lon, lat = pyproj.Transformer.from_crs("EPSG:7856", "EPSG:7844", always_xy=True).transform(*xy.mean(axis=0))
    assert lat < 0 and 150 < lon < 156
    assert f"EPSG:7856 (the map conversion's own CRS) or {_utm(lon, lat)}" in message


def test_epset_map_conversion_outside_is_refused(tmp_path):
    """IFC2X3 ePSet_MapConversion in EPSG:25832 at N 1 000 000 (about 9° N): outside zone 32's area of use."""
    path = tmp_path / "south.ifc"
    make_georeferenced_ifc(path, "IFC2X3", eastings=458000.0, northings=1000000.0, height=10.0, angle_deg=0.0)
    message = _refused(path, tmp_path / "south.gpkg", ImportOptions(), "outside the area of use of EPSG:25832")
    lon, lat = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4258", always_xy=True).transform(458010.0, 1000005.0)
    assert f"e.g. {_utm(lon, lat)}" in message and "ePSet map conversion" in message


def test_site_outside_is_refused_with_the_zone_that_holds_it(shared_data, tmp_path):
    """FZK-Haus at 8.44° E into ETRS89 / UTM 33 (12°..18° E, used up to 3° beyond): refused, zone 32 suggested."""
    message = _refused(shared_data / FZK, tmp_path / "fzk.gpkg", ImportOptions(target_crs="EPSG:25833"),
                       "outside the area of use of EPSG:25833")
    assert "e.g. EPSG:25832 (ETRS89 / UTM zone 32N)" in message


def test_rigid_operation_within_the_margin_is_placed(shared_data, tmp_path):
    """14.09° E in EPSG:25832 (6°..12° E): within the 3° that zone 32 is used beyond its area (all Germany)."""
    out = tmp_path / "rigid.gpkg"
    result = import_ifc(shared_data / "ifc/georef/geographic-referencing-rigid-operation.ifc", out,
                        ImportOptions(target_crs="EPSG:25832"))
    assert result.elements == 2


def test_manual_placement_outside_is_refused(shared_data, tmp_path):
    """A manual anchor at E 0, N 0 of EPSG:25832 lies on the equator, 4.5° E: refused like any other method."""
    message = _refused(shared_data / HOUSE, tmp_path / "house.gpkg",
                       ImportOptions(georeferencing="manual", manual=(0.0, 0.0, 0.0, 0.0)),
                       "placed by manual lies at .*outside the area of use of EPSG:25832")
    lon, lat = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4258", always_xy=True).transform(0.0, 0.0)
    assert f"e.g. {_utm(lon, lat)}" in message


def test_fit_outside_is_refused(shared_data, tmp_path):
    """A footprint near E 0, N 0 of EPSG:25832 (a layer in the wrong CRS): the fitted model is refused."""
    path = shared_data / HOUSE
    local = tmp_path / "local.gpkg"
    import_ifc(path, local, ImportOptions(georeferencing="manual", manual=(457000.0, 5429000.0, 0.0, 0.0)))
    outline = affinity.translate(shapely.force_2d(gpd.read_file(local, layer="bim_buildings").geometry.iloc[0]),
                                 -457000.0 + 120.0, -5429000.0 + 80.0)
    _refused(path, tmp_path / "fit.gpkg", ImportOptions(georeferencing="fit to footprint",
                                                        footprints=[("x", outline.geoms[0])], fit_height=0.0),
             "placed by fit to footprint lies at .*outside the area of use of EPSG:25832")


def test_in_area_ballpark_transformation_is_named(tmp_path):
    """A map conversion in Pulkovo 1942(58) / 3-degree Gauss-Krueger zone 4 (EPSG:3838, former GDR) at Leipzig into
    ETRS89 / UTM 33: PROJ knows no Pulkovo 1942(58) -> ETRS89 shift there, only a ballpark one: placed, the
    warning names it, the accuracy is unknown."""
    crs = pyproj.CRS("EPSG:3838")
    e, n = pyproj.Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True).transform(12.37, 51.34)
    best = pyproj.transformer.TransformerGroup(crs, "EPSG:25833", always_xy=True).transformers[0]
    assert "ballpark" in best.description.lower()
    path, out = tmp_path / "leipzig.ifc", tmp_path / "leipzig.gpkg"
    make_georeferenced_ifc(path, "IFC4", eastings=e, northings=n, height=110.0, angle_deg=0.0, crs="EPSG:3838")
    result = import_ifc(path, out, ImportOptions(target_crs="EPSG:25833"))
    assert result.elements == 1 and result.placement.expected_accuracy_m is None
    assert result.placement.apply(np.zeros((1, 3)))[0, :2] == pytest.approx(best.transform(e, n), abs=0.001)
    report = pyogrio.read_dataframe(out, layer="georef_report").iloc[0]
    assert "BALLPARK" in report.warnings and "Pulkovo 1942(58) to ETRS89" in report.warnings


def test_custom_crs_without_an_area_of_use_accepts_finite_placements(shared_data, tmp_path):
    """A target CRS given as a PROJ string has no area of use: any finite placement is accepted, NaN refused."""
    custom = pyproj.CRS("+proj=tmerc +lat_0=0 +lon_0=9 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m").to_wkt()
    assert pyproj.CRS(custom).area_of_use is None
    out = tmp_path / "custom.gpkg"
    result = import_ifc(shared_data / HOUSE, out,
                        ImportOptions(georeferencing="manual", manual=(1.0, 2.0, 3.0, 0.0), target_crs=custom))
    import ifcopenshell

    model = ifcopenshell.open(str(shared_data / HOUSE))
    assert result.elements == sum(1 for e in model.by_type("IfcElement")
                                  if not e.is_a("IfcOpeningElement") and not e.is_a("IfcVirtualElement"))
    placement = result.placement
    nan = np.array([np.nan] * 3)
    with pytest.raises(InputError, match="no finite coordinates"):
        georef.check_model_area(placement, (np.zeros(3), np.ones(3)), (nan, nan))
