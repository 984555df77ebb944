"""Georeferencing of IFC files: every file in ifc/georef, FZK-Haus by IfcSite, generated files with known parameters.

Expected positions come from the files' stated values and from independent pyproj/numpy computations.
"""
from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest

from geotwin.bim import georef
from geotwin.bim.reader import open_ifc
from geotwin.twin.kernel.errors import InputError

GEOREF = "ifc/georef"


def _resolve(path, target="EPSG:25832", method="auto"):
    warnings: list[str] = []
    model = open_ifc(path, warnings)
    return georef.resolve(model, method, target, warnings=warnings), warnings


def _at(placement, *xyz):
    return placement.apply(np.array([xyz], dtype=float))[0]


def test_utm_map_conversion_lands_on_stated_coordinates(shared_data):
    placement, warnings = _resolve(shared_data / GEOREF / "geographic-referencing-utm.ifc")
    assert placement.method == "map conversion"
    assert placement.source_crs == "EPSG:25832"
    origin = _at(placement, 0, 0, 0)
    assert abs(origin[0] - 458657.30) < 0.01 and abs(origin[1] - 5438232.25) < 0.01
    assert origin[2] == pytest.approx(113.7, abs=0.001)
    # the file's XAxisAbscissa/Ordinate, applied independently: local x = 1 m (1000 mm)
    xaa, xao = 0.270600445976, 0.962691746426
    east = _at(placement, 1.0, 0, 0)
    north = _at(placement, 0, 1.0, 0)
    assert east[:2] == pytest.approx([458657.30 + xaa, 5438232.25 + xao], abs=1e-6)
    assert north[:2] == pytest.approx([458657.30 - xao, 5438232.25 + xaa], abs=1e-6)
    assert placement.rotation_deg == pytest.approx(math.degrees(math.atan2(xao, xaa)), abs=1e-9)
    # Scale 1000 with millimetre project units is the inverse unit conversion: reported, 1 mm stays 1 mm
    assert any("Scale 1000" in w for w in warnings)
    assert placement.scale == pytest.approx(1.0)
    # the file's IfcSite latitude/longitude (49 5 43.9837 N, 8 26 1.2473 E) confirms the conversion within 1 cm
    assert placement.parameters["site_check_m"] < 0.01


def test_gauss_krueger_map_conversion_is_transformed(shared_data):
    placement, warnings = _resolve(shared_data / GEOREF / "geographic-referencing-gk.ifc")
    assert placement.source_crs == "EPSG:31467"
    expected = pyproj.Transformer.from_crs("EPSG:31467", "EPSG:25832", always_xy=True).transform(
        3458715.92, 5439966.65)
    origin = _at(placement, 0, 0, 0)
    assert origin[:2] == pytest.approx(expected, abs=0.001)
    # the GK sample describes the UTM sample's point (KIT Campus North); DHDN->ETRS89 without BeTA2007 ~ 1-3 m
    assert math.dist(origin[:2], (458657.30, 5438232.25)) < 3.0
    assert placement.expected_accuracy_m is not None and placement.expected_accuracy_m >= 0.1
    assert any("EPSG:31467 to EPSG:25832" in w for w in warnings)
    assert 0.1 < placement.parameters["site_check_m"] < 3.0  # the same point by latitude/longitude


def test_compound_gk4_map_conversion_ut_georef_1(shared_data):
    placement, warnings = _resolve(shared_data / GEOREF / "UT_GeoRef_1.ifc")
    assert placement.source_crs == "EPSG:5834"
    assert placement.vertical_datum == "EPSG:5783"
    expected = pyproj.Transformer.from_crs("EPSG:5684", "EPSG:25832", always_xy=True).transform(4468005.0, 5334600.0)
    origin = _at(placement, 0, 0, 0)
    assert origin[:2] == pytest.approx(expected, abs=0.001)
    assert origin[2] == pytest.approx(515.0, abs=1e-9)
    assert any("IFC4X3_RC2" in w for w in warnings)


def test_earthworks_identity_conversion_in_its_own_crs(shared_data):
    placement, _ = _resolve(shared_data / GEOREF / "Georeferencing-Earthworks-12d-1.ifc", "EPSG:7856")
    assert placement.transformer is None
    point = np.array([[306123.456, 6245678.9, 12.5]])
    assert placement.apply(point) == pytest.approx(point, abs=1e-9)
    # into a CRS of another continent PROJ has only a ballpark operation: named (the import then refuses the
    # model, tests/bim/test_georef_area_of_use.py)
    _, warnings = _resolve(shared_data / GEOREF / "Georeferencing-Earthworks-12d-1.ifc", "EPSG:25832")
    assert any("BALLPARK" in w and "GDA2020 to ETRS89" in w for w in warnings)


def test_rigid_operation_to_geographic_crs(shared_data):
    placement, _ = _resolve(shared_data / GEOREF / "geographic-referencing-rigid-operation.ifc", "EPSG:25833")
    expected = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:25833", always_xy=True).transform(
        14.0902217, 46.3623297)
    origin = _at(placement, 0, 0, 0)
    assert origin[:2] == pytest.approx(expected, abs=0.001)
    assert origin[2] == pytest.approx(475.0)
    # into a WGS 84 grid the ETRS89 anchor goes through PROJ's datum transformation
    placement, _ = _resolve(shared_data / GEOREF / "geographic-referencing-rigid-operation.ifc", "EPSG:32633")
    expected = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:32633", always_xy=True).transform(
        14.0902217, 46.3623297)
    assert _at(placement, 0, 0, 0)[:2] == pytest.approx(expected, abs=0.001)


def test_map_conversion_with_empty_crs_name_is_assumed_and_warned(shared_data):
    placement, warnings = _resolve(shared_data / GEOREF / "ifcopenshell-geolocation-mapconversion-angle_IFC4.ifc")
    assert placement.method == "map conversion (CRS assumed)"
    assert placement.expected_accuracy_m is None
    assert any("CRS name '' is empty" in w for w in warnings)
    # XAxisAbscissa 0.866, XAxisOrdinate -0.5: local x turns 30 degrees clockwise
    east = _at(placement, 1.0, 0, 0) - _at(placement, 0, 0, 0)
    assert east[:2] == pytest.approx([math.cos(math.radians(-30)), math.sin(math.radians(-30))], abs=1e-9)
    with pytest.raises(InputError, match="RefLatitude"):
        _resolve(shared_data / GEOREF / "ifcopenshell-geolocation-mapconversion-angle_IFC4.ifc", method="site")


def test_fzk_haus_placed_by_site_with_true_north_and_convergence(shared_data):
    placement, warnings = _resolve(shared_data / "ifc/fzk-haus/AC20-FZK-Haus.ifc")
    assert placement.method == "site"
    lon, lat = 8 + 26 / 60 + 11 / 3600 + 540400 / 3.6e9, 49 + 6 / 60 + 1 / 3600 + 566000 / 3.6e9
    to_utm = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:25832", always_xy=True)
    e0, n0 = to_utm.transform(lon, lat)
    origin = _at(placement, 0, 0, 0)
    assert origin == pytest.approx([e0, n0, 110.0], abs=0.001)
    assert abs(origin[0] - 458870) < 1 and abs(origin[1] - 5438774) < 1
    # the file's TrueNorth (0.766, 0.643) must point to geographic north, found by projecting a point 100 m north
    e1, n1 = to_utm.transform(lon, lat + 0.0009)
    grid_north = np.array([e1 - e0, n1 - n0]) / math.hypot(e1 - e0, n1 - n0)
    true_north_local = np.array([0.766044443119, 0.642787609687])
    mapped = _at(placement, *true_north_local, 0)[:2] - origin[:2]
    assert mapped / np.linalg.norm(mapped) == pytest.approx(grid_north, abs=1e-6)
    assert any("accuracy about a metre" in w for w in warnings)


def test_site_outside_target_crs_is_refused_and_no_georef_asks_for_manual(shared_data):
    with pytest.raises(InputError, match="outside the area of use of EPSG:25832.*e.g. EPSG:32616"):
        _resolve(shared_data / "ifc/medium/duplex_IFC2X3.ifc")
    placement, _ = _resolve(shared_data / "ifc/medium/duplex_IFC2X3.ifc", "EPSG:32616")
    expected = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True).transform(
        -(87 + 38 / 60 + 21 / 3600 + 839999 / 3.6e9), 41 + 52 / 60 + 27 / 3600 + 840000 / 3.6e9)
    assert _at(placement, 0, 0, 0)[:2] == pytest.approx(expected, abs=0.001)
    with pytest.raises(InputError, match="no georeferencing.*MANUAL_EASTING.*FOOTPRINTS"):
        _resolve(shared_data / "ifc/small/IfcOpenHouse_IFC4.ifc")


def make_georeferenced_ifc(path, schema: str, *, eastings: float, northings: float, height: float,
                           angle_deg: float, crs: str = "EPSG:25832", broken_element: bool = False,
                           factors: tuple[float, float, float] | None = None):
    """A one-wall IFC in millimetres with a known map conversion, written with ifcopenshell.api."""
    import ifcopenshell.api as api
    import ifcopenshell.api.aggregate  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.context  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.georeference  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.project  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.spatial  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.unit  # noqa: F401  (loads the submodule)

    f = api.project.create_file(version=schema)
    if schema == "IFC2X3":  # IFC2X3 requires an owner history: a user and an application
        org = f.createIfcOrganization(None, "GeoTwin tests")
        f.createIfcPersonAndOrganization(f.createIfcPerson(), org)
        f.createIfcApplication(org, "1", "GeoTwin tests", "geotwin-tests")
    project = api.root.create_entity(f, ifc_class="IfcProject", name="Generated")
    length = api.unit.add_si_unit(f, unit_type="LENGTHUNIT", prefix="MILLI")
    api.unit.assign_unit(f, units=[length])
    model = api.context.add_context(f, context_type="Model")
    body = api.context.add_context(f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW",
                                   parent=model)
    site = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    building = api.root.create_entity(f, ifc_class="IfcBuilding", name="Building")
    storey = api.root.create_entity(f, ifc_class="IfcBuildingStorey", name="EG")
    api.aggregate.assign_object(f, relating_object=project, products=[site])
    api.aggregate.assign_object(f, relating_object=site, products=[building])
    api.aggregate.assign_object(f, relating_object=building, products=[storey])
    api.georeference.add_georeferencing(f, ifc_class="IfcMapConversionScaled" if factors else "IfcMapConversion")
    xaa, xao = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    operation = {"Eastings": eastings, "Northings": northings, "OrthogonalHeight": height,
                 "XAxisAbscissa": xaa, "XAxisOrdinate": xao, "Scale": 0.001}
    if factors:
        operation.update(FactorX=factors[0], FactorY=factors[1], FactorZ=factors[2])
    api.georeference.edit_georeferencing(f, projected_crs={"Name": crs}, coordinate_operation=operation)
    wall = api.root.create_entity(f, ifc_class="IfcWall", name="Wall")
    api.spatial.assign_container(f, relating_structure=storey, products=[wall])
    rep = api.geometry.add_wall_representation(f, context=body, length=5.0, height=3.0, thickness=0.2)
    api.geometry.assign_representation(f, product=wall, representation=rep)
    matrix = np.eye(4)
    matrix[:3, 3] = [10.0, 5.0, 0.0]
    api.geometry.edit_object_placement(f, product=wall, matrix=matrix, is_si=True)
    if broken_element:
        proxy = api.root.create_entity(f, ifc_class="IfcBuildingElementProxy", name="Broken")
        api.spatial.assign_container(f, relating_structure=storey, products=[proxy])
        profile = f.createIfcRectangleProfileDef("AREA", None, None, 0.0, 0.0)
        solid = f.createIfcExtrudedAreaSolid(profile, None, f.createIfcDirection((0.0, 0.0, 1.0)), 0.0)
        shape = f.createIfcShapeRepresentation(body, "Body", "SweptSolid", [solid])
        proxy.Representation = f.createIfcProductDefinitionShape(None, None, [shape])
        api.geometry.edit_object_placement(f, product=proxy, matrix=np.eye(4), is_si=True)
    f.write(str(path))
    return wall.GlobalId


@pytest.mark.parametrize("schema", ["IFC4", "IFC2X3"])
def test_generated_map_conversion_round_trip(tmp_path, schema):
    e, n, h, angle = 458123.4567, 5438765.4321, 115.789, 33.0
    path = tmp_path / f"generated_{schema}.ifc"
    make_georeferenced_ifc(path, schema, eastings=e, northings=n, height=h, angle_deg=angle)
    placement, warnings = _resolve(path)
    assert placement.method == ("ePSet map conversion" if schema == "IFC2X3" else "map conversion")
    local = np.array([[0.0, 0.0, 0.0], [10.0, 5.0, 0.0], [15.0, 5.2, 3.0], [-7.25, 12.5, -2.0]])
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    expected = np.column_stack([e + c * local[:, 0] - s * local[:, 1], n + s * local[:, 0] + c * local[:, 1],
                                h + local[:, 2]])
    assert placement.apply(local) == pytest.approx(expected, abs=0.001)
    assert placement.scale == pytest.approx(1.0) and placement.unit_scale == pytest.approx(0.001)
    assert not any("Scale" in w for w in warnings)


def test_generated_ifc4x3_scaled_conversion_in_gauss_krueger(tmp_path):
    """IFC4X3 IfcMapConversionScaled in EPSG:31467: factors, rotation, then PROJ to EPSG:25832."""
    e, n, h, angle, k = 3458700.125, 5439950.875, 114.5, -47.5, 0.9996
    path = tmp_path / "scaled.ifc"
    make_georeferenced_ifc(path, "IFC4X3_ADD2", eastings=e, northings=n, height=h, angle_deg=angle,
                           crs="EPSG:31467", factors=(k, k, 1.0))
    placement, warnings = _resolve(path)
    assert placement.source_crs == "EPSG:31467" and placement.scale == pytest.approx(k)
    local = np.array([[0.0, 0.0, 0.0], [40.0, -25.0, 7.5], [-12.5, 60.0, -3.0]])
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    gk_e = e + k * (c * local[:, 0] - s * local[:, 1])
    gk_n = n + k * (s * local[:, 0] + c * local[:, 1])
    utm_e, utm_n = pyproj.Transformer.from_crs("EPSG:31467", "EPSG:25832", always_xy=True).transform(gk_e, gk_n)
    got = placement.apply(local)
    assert got[:, 0] == pytest.approx(utm_e, abs=0.001) and got[:, 1] == pytest.approx(utm_n, abs=0.001)
    assert got[:, 2] == pytest.approx(h + local[:, 2], abs=0.001)
    assert any("EPSG:31467 to EPSG:25832" in w for w in warnings)
