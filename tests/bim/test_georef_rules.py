"""bim/georef.py pinned down: the sign of the site origin offset, map conversions into CRSs in US survey feet,
MapUnit against the CRS's unit, the Scale rules and limits, and no false warning on the Karlsruhe (KIT) files.

Models are written with ifcopenshell.api; expected coordinates come from pyproj and plain trigonometry.
"""
from __future__ import annotations

import math

import ifcopenshell.util.geolocation as geo
import numpy as np
import pyproj
import pytest

from geotwin.bim import georef
from geotwin.bim.reader import open_ifc
from geotwin.twin.kernel.errors import InputError

FT_US = 0.3048006096012192      # metres per US survey foot
CA = "EPSG:2227"                # NAD83 / California zone 3 (ftUS)
KIT = ("ifc/georef/geographic-referencing-utm.ifc", "ifc/georef/geographic-referencing-gk.ifc")


def _build(path, *, prefix="MILLI", site_offset=(0.0, 0.0, 0.0), latlon=None, elevation=None, conversion=None,
           map_unit=None, schema="IFC4"):
    """One site (placed at ``site_offset`` metres, RefLatitude/RefLongitude ``latlon``) and optionally an
    IfcMapConversion ``conversion`` (dict of its attributes plus "crs"), with MapUnit ``map_unit`` (metres per
    unit: a conversion-based unit, or "metre")."""
    import ifcopenshell.api as api
    import ifcopenshell.api.aggregate  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.context  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.georeference  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.project  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.unit  # noqa: F401  (loads the submodule)

    f = api.project.create_file(version=schema)
    project = api.root.create_entity(f, ifc_class="IfcProject", name="P")
    length = api.unit.add_si_unit(f, unit_type="LENGTHUNIT", prefix=prefix)
    api.unit.assign_unit(f, units=[length])
    api.context.add_context(f, context_type="Model")
    site = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    api.aggregate.assign_object(f, relating_object=project, products=[site])
    matrix = np.eye(4)
    matrix[:3, 3] = site_offset
    api.geometry.edit_object_placement(f, product=site, matrix=matrix, is_si=True)
    if latlon is not None:
        site.RefLatitude = geo.dd2dms(latlon[0], use_us=True)
        site.RefLongitude = geo.dd2dms(latlon[1], use_us=True)
        site.RefElevation = elevation
    if conversion is not None:
        conversion = dict(conversion)
        crs = conversion.pop("crs")
        api.georeference.add_georeferencing(f)
        api.georeference.edit_georeferencing(f, projected_crs={"Name": crs}, coordinate_operation=conversion)
        if map_unit is not None:
            metre = f.createIfcSIUnit(None, "LENGTHUNIT", None, "METRE")
            if map_unit == "metre":
                unit = metre
            else:
                dims = f.createIfcDimensionalExponents(1, 0, 0, 0, 0, 0, 0)
                unit = f.createIfcConversionBasedUnit(dims, "LENGTHUNIT", "US SURVEY FOOT",
                                                      f.createIfcMeasureWithUnit(f.createIfcLengthMeasure(map_unit),
                                                                                 metre))
            f.by_type("IfcProjectedCRS")[0].MapUnit = unit
    f.write(str(path))
    return path


def _resolve(path, target, method="auto"):
    warnings: list[str] = []
    return georef.resolve(open_ifc(path), method, target, warnings=warnings), warnings


# ------------------------------------------------------------------ site origin offset


@pytest.mark.parametrize("offset", [(120.0, -45.5, 3.0), (-80.0, 30.0, -2.0)])
@pytest.mark.parametrize("prefix", ["MILLI", None])
def test_site_placement_puts_the_site_origin_on_its_latitude_longitude(tmp_path, offset, prefix):
    lat, lon, elevation = 49.0105, 8.4105, 115.25
    path = _build(tmp_path / "s.ifc", prefix=prefix, site_offset=offset, latlon=(lat, lon),
                  elevation=elevation * (1000.0 if prefix == "MILLI" else 1.0))
    placement, warnings = _resolve(path, "EPSG:25832")
    assert placement.method == "site"
    e, n = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(lon, lat)
    # the site's own origin (IFC world coordinates = the offset) lands on its latitude/longitude
    assert placement.apply(np.array([offset]))[0] == pytest.approx([e, n, elevation], abs=2e-3)
    # the world origin lies -offset from it, turned by the grid convergence, scaled by the point scale
    factors = pyproj.Proj("EPSG:25832").get_factors(lon, lat)
    k, t = factors.meridional_scale, math.radians(factors.meridian_convergence)
    dx, dy = -offset[0], -offset[1]
    want = [e + k * (math.cos(t) * dx - math.sin(t) * dy), n + k * (math.sin(t) * dx + math.cos(t) * dy),
            elevation - offset[2]]
    assert placement.apply(np.zeros((1, 3)))[0] == pytest.approx(want, abs=2e-3)
    assert placement.parameters["site_origin_m"] == pytest.approx(list(offset))
    assert placement.grid_convergence_deg == pytest.approx(factors.meridian_convergence)
    assert placement.scale == pytest.approx(k) and placement.eastings == pytest.approx(e)
    assert any("RefElevation is not stated" in w for w in warnings)


def test_site_check_uses_the_site_origin_not_the_world_origin(tmp_path):
    """Map conversion + IfcSite lat/lon of the site's own origin, which is 300 m from the world origin: the cross
    check must compare the mapped site origin (0 m apart), not the world origin (300 m)."""
    e0, n0, offset = 456000.0, 5429000.0, (300.0, 0.0, 0.0)
    lon, lat = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(e0 + 300.0, n0)
    path = _build(tmp_path / "c.ifc", site_offset=offset, latlon=(lat, lon),
                  conversion={"crs": "EPSG:25832", "Eastings": e0, "Northings": n0, "OrthogonalHeight": 100.0,
                              "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0, "Scale": 0.001})
    placement, warnings = _resolve(path, "EPSG:25832")
    assert placement.method == "map conversion"
    assert placement.parameters["site_check_m"] == pytest.approx(0.0, abs=0.01)
    assert not any("wrong" in w for w in warnings)
    # the site placed elsewhere: the distance is the real one, with a warning beyond 5 m
    far = _build(tmp_path / "f.ifc", site_offset=(0.0, 0.0, 0.0), latlon=(lat, lon),
                 conversion={"crs": "EPSG:25832", "Eastings": e0, "Northings": n0, "OrthogonalHeight": 100.0,
                             "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0, "Scale": 0.001})
    placement, warnings = _resolve(far, "EPSG:25832")
    assert placement.parameters["site_check_m"] == pytest.approx(300.0, abs=0.01)
    assert [w for w in warnings if w.endswith("one of them is wrong (the map conversion was used)")]
    assert "lies 300.0 m from the map conversion's position" in " ".join(warnings)


# ------------------------------------------------------------------ non-metre map units


def _ca_point():
    """A point inside California zone 3, in US survey feet."""
    return 6_050_000.0, 2_110_000.0


@pytest.mark.parametrize("map_unit", [FT_US, None])
def test_map_conversion_in_us_survey_feet(tmp_path, map_unit):
    e, n = _ca_point()
    h_ft, angle = 50.0, 20.0
    ratio = 0.001 / FT_US   # project millimetres in map feet
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    path = _build(tmp_path / "ft.ifc", conversion={"crs": CA, "Eastings": e, "Northings": n, "OrthogonalHeight": h_ft,
                                                    "XAxisAbscissa": c, "XAxisOrdinate": s, "Scale": ratio},
                  map_unit=map_unit)
    placement, warnings = _resolve(path, CA)
    assert placement.unit_scale == pytest.approx(ratio) and placement.scale == pytest.approx(1.0)
    assert placement.parameters["map_unit_m"] == pytest.approx(FT_US)
    assert placement.orthogonal_height == pytest.approx(h_ft * FT_US)
    assert not any("Scale" in w or "MapUnit" in w for w in warnings)
    local = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [3.0, 4.0, 2.5]])   # IFC world metres
    want = np.column_stack([e + (c * local[:, 0] - s * local[:, 1]) / FT_US,
                            n + (s * local[:, 0] + c * local[:, 1]) / FT_US,
                            h_ft * FT_US + local[:, 2]])                         # feet, feet, metres
    assert placement.apply(local) == pytest.approx(want, abs=1e-4)
    # into a metric CRS: the same points through pyproj
    placement, _ = _resolve(path, "EPSG:26910")
    x, y = pyproj.Transformer.from_crs(CA, "EPSG:26910", always_xy=True).transform(want[:, 0], want[:, 1])
    got = placement.apply(local)
    assert got[:, 0] == pytest.approx(x, abs=1e-3) and got[:, 1] == pytest.approx(y, abs=1e-3)


def test_map_unit_that_contradicts_the_crs_is_replaced(tmp_path):
    e, n = _ca_point()
    path = _build(tmp_path / "m.ifc", conversion={"crs": CA, "Eastings": e, "Northings": n, "OrthogonalHeight": 0.0,
                                                   "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0,
                                                   "Scale": 0.001 / FT_US}, map_unit="metre")
    placement, warnings = _resolve(path, CA)
    assert f"MapUnit (1 m) differs from the unit of {CA} ({FT_US:g} m); used the CRS's unit" in warnings
    assert placement.parameters["map_unit_m"] == pytest.approx(FT_US)
    assert placement.apply(np.array([[FT_US, 0.0, 0.0]]))[0][:2] == pytest.approx([e + 1.0, n], abs=1e-6)


def test_site_check_distance_is_in_metres_for_a_feet_crs(tmp_path):
    e, n = _ca_point()
    lon, lat = pyproj.Transformer.from_crs(CA, "EPSG:4269", always_xy=True).transform(e + 1000.0, n)
    path = _build(tmp_path / "c.ifc", latlon=(lat, lon),
                  conversion={"crs": CA, "Eastings": e, "Northings": n, "OrthogonalHeight": 0.0,
                              "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0, "Scale": 0.001 / FT_US})
    placement, warnings = _resolve(path, CA)
    # 1000 ft apart (NAD83 and WGS 84 differ here by about a metre): reported in metres
    assert placement.parameters["site_check_m"] == pytest.approx(1000.0 * FT_US, abs=2.0)
    assert any(w.endswith("one of them is wrong (the map conversion was used)") for w in warnings)


# ------------------------------------------------------------------ Scale rules and limits


@pytest.mark.parametrize("scale, applied, warning", [
    (0.001, 0.001, None),
    (0.0010005, 0.0010005, None),
    (None, 0.001, "Scale is not given although project and map units differ; applied the unit conversion 0.001"),
    (1.0, 0.001, "Scale 1 does not include the unit conversion 0.001; applied 0.001"),
    (1000.0, 0.001, "Scale 1000 is the inverse of the unit conversion 0.001 (a common writer error); applied 0.001"),
    (0.003, 0.003, "Scale 0.003 is implausible for a map projection (unit conversion 0.001); applied as given"),
])
def test_scale_rules(tmp_path, scale, applied, warning):
    conversion = {"crs": "EPSG:25832", "Eastings": 456000.0, "Northings": 5429000.0, "OrthogonalHeight": 100.0,
                  "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0, "Scale": scale}
    path = _build(tmp_path / "s.ifc", conversion=conversion)
    placement, warnings = _resolve(path, "EPSG:25832")
    assert placement.parameters["scale_applied"] == pytest.approx(applied)
    assert [w for w in warnings if w.startswith("Scale")] == ([warning] if warning else [])
    assert placement.apply(np.array([[10.0, 0.0, 0.0]]))[0][0] == pytest.approx(456000.0 + 10.0 * applied / 0.001)


@pytest.mark.parametrize("scale, word, times", [(0.00009, "shrink", "11.1"), (0.0101, "stretch", "10.1")])
def test_scale_beyond_ten_times_the_unit_conversion_is_refused(tmp_path, scale, word, times):
    conversion = {"crs": "EPSG:25832", "Eastings": 456000.0, "Northings": 5429000.0, "OrthogonalHeight": 100.0,
                  "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0, "Scale": scale}
    path = _build(tmp_path / "s.ifc", conversion=conversion)
    with pytest.raises(InputError, match=rf"Scale.*would {word} the model {times} times"):
        _resolve(path, "EPSG:25832")


def test_metre_project_without_scale_needs_no_warning(tmp_path):
    conversion = {"crs": "EPSG:25832", "Eastings": 456000.0, "Northings": 5429000.0,
                  "XAxisAbscissa": 0.0, "XAxisOrdinate": 1.0}
    path = _build(tmp_path / "m.ifc", prefix=None, conversion=conversion)
    placement, warnings = _resolve(path, "EPSG:25832")
    assert placement.rotation_deg == pytest.approx(90.0)
    assert placement.apply(np.array([[1.0, 0.0, 0.0]]))[0] == pytest.approx([456000.0, 5429001.0, 1.0 - 1.0])
    assert [w for w in warnings if "Scale" in w] == []


# ------------------------------------------------------------------ methods and errors


def test_methods_and_their_errors(tmp_path, shared_data):
    site_only = shared_data / "ifc/fzk-haus/AC20-FZK-Haus.ifc"
    with pytest.raises(InputError, match=r"^unknown georeferencing method 'magic' \(one of "):
        _resolve(site_only, "EPSG:25832", "magic")
    with pytest.raises(InputError, match="^the file has no IfcMapConversion / ePSet_MapConversion$"):
        _resolve(site_only, "EPSG:25832", georef.MAP_CONVERSION)
    with pytest.raises(InputError, match="^manual georeferencing needs an easting, a northing, a height and a rotation$"):
        _resolve(site_only, "EPSG:25832", georef.MANUAL)
    with pytest.raises(InputError, match=r"^the target CRS 'EPSG:999999' is unknown to PROJ"):
        _resolve(site_only, "EPSG:999999")
    assert _resolve(site_only, "EPSG:25832", georef.FIT)[0] is None
    assert _resolve(site_only, "EPSG:25832", georef.SITE)[0].method == "site"
    no_site = _build(tmp_path / "n.ifc")
    with pytest.raises(InputError, match="^IfcSite has no usable RefLatitude/RefLongitude: the file carries no "):
        _resolve(no_site, "EPSG:25832", georef.SITE)
    with pytest.raises(georef.NoGeoreferencing, match=r"no IfcMapConversion, ePSet_MapConversion or IfcSite"):
        _resolve(no_site, "EPSG:25832")


# ------------------------------------------------------------------ the Karlsruhe files: no false warning


@pytest.mark.parametrize("name", KIT)
@pytest.mark.parametrize("target", ["EPSG:25832", "EPSG:31467", "EPSG:4647"])
def test_karlsruhe_files_raise_no_false_georeferencing_warning(shared_data, name, target):
    """The KIT Campus North samples: map conversion and IfcSite latitude/longitude agree (within the DHDN
    transformation's accuracy), the placed model lies in every target's area of use: no warning may call the
    georeferencing wrong."""
    placement, warnings = _resolve(shared_data / name, target)
    assert placement.method == "map conversion"
    assert placement.parameters["site_check_m"] < 5.0
    assert not [w for w in warnings if "wrong" in w or "outside" in w], warnings
    local = (np.array([-20.0, -20.0, 0.0]), np.array([20.0, 20.0, 10.0]))
    placed = placement.apply(np.array([local[0], local[1]]))
    georef.check_model_area(placement, local, (placed.min(axis=0), placed.max(axis=0)))   # does not raise
    lon, lat = pyproj.Transformer.from_crs(target, "EPSG:4326", always_xy=True).transform(*placed[0][:2])
    assert (lon, lat) == pytest.approx((8.43, 49.095), abs=0.01)   # KIT Campus North


# ------------------------------------------------------------------ manual placement, area of use


def test_manual_placement_and_its_limits():
    warnings: list[str] = []
    p = georef.manual_placement("EPSG:25832", 456000.0, 5429000.0, 115.0, 30.0, warnings)
    c, s = math.cos(math.radians(30.0)), math.sin(math.radians(30.0))
    assert p.apply(np.array([[10.0, 5.0, 2.0]]))[0] == pytest.approx([456000.0 + 10 * c - 5 * s,
                                                                      5429000.0 + 10 * s + 5 * c, 117.0])
    assert warnings == ["manual placement: as accurate as the anchor point and rotation given"]
    assert (p.method, p.rotation_deg, p.orthogonal_height) == (georef.MANUAL, 30.0, 115.0)
    for args, match in [((float("nan"), 0.0, 0.0, 0.0), r"^manual placement: MANUAL_EASTING nan is not a finite"),
                        ((0.0, None, 0.0, 0.0), r"^manual placement: MANUAL_NORTHING None is not a finite"),
                        ((0.0, 0.0, float("inf"), 0.0), r"^manual placement: MANUAL_HEIGHT inf is not"),
                        ((0.0, 0.0, 0.0, float("-inf")), r"^manual placement: MANUAL_ROTATION -inf is not"),
                        ((1.00001e8, 0.0, 0.0, 0.0), r"lies beyond any map CRS$"),
                        ((0.0, -1.00001e8, 0.0, 0.0), r"lies beyond any map CRS$"),
                        ((0.0, 0.0, 100001.0, 0.0), r"lies beyond any map CRS$")]:
        with pytest.raises(InputError, match=match):
            georef.manual_placement("EPSG:25832", *args, [])
    georef.manual_placement("EPSG:25832", 1e8, -1e8, -1e5, 0.0, [])   # the limits themselves are accepted


@pytest.mark.parametrize("lon, lat, code", [(8.4, 49.0, "EPSG:25832"), (-122.4, 37.8, "EPSG:32610"),
                                            (151.2, -33.9, "EPSG:32756"), (13.5, 52.5, "EPSG:25833"),
                                            (-5.9, 37.4, "EPSG:25830"), (10.0, 85.0, "EPSG:5041"),
                                            (10.0, -85.0, "EPSG:5042"), (179.9, 10.0, "EPSG:32660"),
                                            (-180.0, 10.0, "EPSG:32601")])
def test_suggested_crs_holds_the_point(lon, lat, code):
    text = georef.suggest_crs(lon, lat)
    assert text.startswith(code + " (")
    area = pyproj.CRS(code).area_of_use
    assert area.west <= lon <= area.east and area.south <= lat <= area.north
    assert text == f"{code} ({pyproj.CRS(code).name})"


def test_area_check_margin_and_refusal(tmp_path):
    crs = georef.horizontal_crs("EPSG:25832")
    west, south, east, north = crs.area_of_use.bounds
    assert georef._in_area(crs, east + 2.99, 50.0, east + 2.99, 50.0)
    assert not georef._in_area(crs, east + 3.01, 50.0, east + 3.01, 50.0)
    assert georef._in_area(crs, west - 2.99, 50.0, west - 2.99, 50.0)
    assert not georef._in_area(crs, west - 3.01, 50.0, west - 3.01, 50.0)
    assert not georef._in_area(crs, 9.0, south - 3.01, 9.0, south - 3.01)
    assert georef._in_area(crs, 9.0, south - 2.99, 9.0, south - 2.99)
    # a model placed at 9 degrees north with EPSG:25832: refused, naming the UTM zone that holds it
    placement = georef.manual_placement("EPSG:25832", 550000.0, 1000000.0, 0.0, 0.0, [])
    local = (np.array([0.0, 0.0, 0.0]), np.array([10.0, 10.0, 3.0]))
    with pytest.raises(InputError, match=r"the model placed by manual lies at 9\.\d+ N, 9\.\d+ E, outside the area "
                                         r"of use of EPSG:25832 .*e\.g\. EPSG:32632 \(WGS 84 / UTM zone 32N\)$"):
        placed = placement.apply(np.array(local))
        georef.check_model_area(placement, local, (placed.min(axis=0), placed.max(axis=0)))
    # no bounding boxes: nothing to check
    assert georef.check_model_area(placement, None, None) is None


def test_gauss_krueger_transformation_named_with_its_accuracy(shared_data):
    """The KIT Gauss-Krueger sample into UTM: the operation PROJ ranks first, its accuracy, and the better one
    whose grid is not installed, as pyproj lists them."""
    placement, warnings = _resolve(shared_data / KIT[1], "EPSG:25832")
    group = pyproj.transformer.TransformerGroup(pyproj.CRS("EPSG:31467"), pyproj.CRS("EPSG:25832"), always_xy=True)
    best = group.transformers[0]
    assert placement.expected_accuracy_m == pytest.approx(best.accuracy)
    assert (f"transformed from EPSG:31467 to EPSG:25832 with '{best.description}' (accuracy {best.accuracy:g} m)"
            in warnings)
    if group.unavailable_operations:
        assert (f"a more accurate transformation is not installed: '{group.unavailable_operations[0].name}' "
                "(install its grid with projsync or the proj-data package)") in warnings


def test_height_limit_counts_in_metres_for_a_feet_crs(tmp_path):
    """OrthogonalHeight in US survey feet: 300 000 ft (91.4 km) is still a height on Earth, 330 000 ft is not."""
    e, n = _ca_point()
    conversion = {"crs": CA, "Eastings": e, "Northings": n, "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0,
                  "Scale": 0.001 / FT_US}
    ok = _build(tmp_path / "ok.ifc", conversion={**conversion, "OrthogonalHeight": 300000.0})
    assert _resolve(ok, CA)[0].orthogonal_height == pytest.approx(300000.0 * FT_US)
    bad = _build(tmp_path / "bad.ifc", conversion={**conversion, "OrthogonalHeight": 330000.0})
    with pytest.raises(InputError, match=r"OrthogonalHeight .*is no height on Earth \(\|value\| > 100000 m\)"):
        _resolve(bad, CA)
