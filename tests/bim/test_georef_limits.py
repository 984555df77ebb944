"""bim/georef.py at its edges: every validation error and limit, the unit and scale rules, the CRS name forms,
the area-of-use rule across the antimeridian and the other map conversion forms (IFC2X3 ePSet, IfcRigidOperation
projected and geographic, IfcMapConversionScaled).

Fast (no geometry): models are written with ifcopenshell.api or created entity by entity; expected numbers come
from pyproj, ifcopenshell.util.geolocation and plain trigonometry.
"""
from __future__ import annotations

import math

import ifcopenshell
import ifcopenshell.util.geolocation as geo
import numpy as np
import pyproj
import pytest

from geotwin.bim import georef
from geotwin.bim.reader import open_ifc
from geotwin.twin.kernel.errors import InputError

L = "IfcMapConversion #7"
TAIL = "; correct the georeferencing in the authoring tool, or choose GEOREFERENCING manual or fit to footprint$"


def _api():
    import ifcopenshell.api as api
    import ifcopenshell.api.aggregate  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.context  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.georeference  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.project  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.pset  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.unit  # noqa: F401  (loads the submodule)

    return api


def _model(schema="IFC4", prefix=None, site=True):
    """A project in metres (``prefix`` None) or millimetres, a Model context, optionally one site at the origin."""
    api = _api()
    f = api.project.create_file(version=schema)
    if schema == "IFC2X3":  # IFC2X3 requires an owner history: a user and an application
        org = f.createIfcOrganization(None, "GeoTwin tests")
        f.createIfcPersonAndOrganization(f.createIfcPerson(), org)
        f.createIfcApplication(org, "1", "GeoTwin tests", "geotwin-tests")
    project = api.root.create_entity(f, ifc_class="IfcProject", name="P")
    api.unit.assign_unit(f, units=[api.unit.add_si_unit(f, unit_type="LENGTHUNIT", prefix=prefix)])
    context = api.context.add_context(f, context_type="Model")
    if site:
        s = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
        api.aggregate.assign_object(f, relating_object=project, products=[s])
        api.geometry.edit_object_placement(f, product=s, matrix=np.eye(4), is_si=True)
    return f, project, context


def _conversion(f, crs="EPSG:25832", **attributes):
    api = _api()
    api.georeference.add_georeferencing(f)
    api.georeference.edit_georeferencing(f, projected_crs={"Name": crs}, coordinate_operation=attributes)
    return f.by_type("IfcMapConversion")[0]


def _resolve(f, target="EPSG:25832", method="auto", path=None):
    """Resolve a model written to disk and read back (as the importer reads it)."""
    if path is not None:
        f.write(str(path))
        f = open_ifc(path)
    warnings: list[str] = []
    return georef.resolve(f, method, target, warnings=warnings), warnings


class _Site:
    """Just what _compound_degrees reads of an IfcSite."""

    def __init__(self, **angles):
        self.__dict__.update(angles)

    def id(self):
        return 42


# ------------------------------------------------------------------ values: _number, _finite


def test_number_unwraps_measures_and_leaves_everything_else():
    f = ifcopenshell.file(schema="IFC4")
    assert georef._number(f.createIfcLengthMeasure(5.5)) == 5.5
    assert georef._number(f.createIfcReal(-2.25)) == -2.25
    point = f.createIfcCartesianPoint((1.0, 2.0))
    assert georef._number(point) is point
    assert georef._number("7") == "7" and georef._number(None) is None


@pytest.mark.parametrize("value, required, match", [
    (None, True, r"^L: A None is missing or not a number \(the attribute is required\)" + TAIL),
    (True, False, r"^L: A True is not a number" + TAIL),
    ("12", True, r"^L: A '12' is not a number" + TAIL),
    (float("nan"), False, r"^L: A nan is not a finite number" + TAIL),
    (float("-inf"), True, r"^L: A -inf is not a finite number" + TAIL),
])
def test_finite_refuses_with_entity_and_attribute(value, required, match):
    with pytest.raises(InputError, match=match):
        georef._finite("L", "A", value, required=required)


def test_finite_accepts_numbers_and_optional_absence():
    assert georef._finite("L", "A", None, required=False) is None
    got = georef._finite("L", "A", 3, required=True)
    assert got == 3.0 and isinstance(got, float)
    assert georef._finite("L", "A", ifcopenshell.file(schema="IFC4").createIfcLengthMeasure(-0.5),
                          required=True) == -0.5


# ------------------------------------------------------------------ _validated: every limit and error


def _v(values, map_unit_m=1.0, **kw):
    kw.setdefault("height_required", False)
    return georef._validated(L, values, map_unit_m, **kw)


def test_validated_defaults_when_only_eastings_and_northings_are_given():
    params, scale = _v({"Eastings": 1.5, "Northings": -2.5})
    assert params == geo.HelmertTransformation(1.5, -2.5, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0) and scale is None
    params, scale = _v({"Eastings": 1.5, "Northings": 2.5, "OrthogonalHeight": 7.0, "XAxisAbscissa": 0.6,
                        "XAxisOrdinate": -0.8, "Scale": 0.001, "FactorX": 0.9996, "FactorY": 0.9995, "FactorZ": 1.01})
    assert params == geo.HelmertTransformation(1.5, 2.5, 7.0, 0.6, -0.8, 0.001, 0.9996, 0.9995, 1.01)
    assert scale == 0.001


def test_validated_one_axis_component_given():
    """Only one of XAxisAbscissa/XAxisOrdinate: the other is 0 (a quarter turn, or none)."""
    params, _ = _v({"Eastings": 0.0, "Northings": 0.0, "XAxisOrdinate": 1.0})
    assert (params.xaa, params.xao) == (0.0, 1.0)
    params, _ = _v({"Eastings": 0.0, "Northings": 0.0, "XAxisAbscissa": 2.0})
    assert (params.xaa, params.xao) == (2.0, 0.0)
    # without rotation (IfcRigidOperation) a given axis is ignored
    params, _ = _v({"Eastings": 0.0, "Northings": 0.0, "XAxisAbscissa": 0.0, "XAxisOrdinate": 1.0}, rotation=False)
    assert (params.xaa, params.xao) == (1.0, 0.0)
    params, _ = _v({"Eastings": 0.0, "Northings": 0.0, "XAxisAbscissa": 1e-11, "XAxisOrdinate": 0.0})
    assert params.xaa == 1e-11   # tiny but not zero: a direction


@pytest.mark.parametrize("values, match", [
    ({"Northings": 0.0}, r"^IfcMapConversion #7: Eastings None is missing or not a number"),
    ({"Eastings": 0.0}, r"^IfcMapConversion #7: Northings None is missing"),
    ({"Eastings": 1e8 + 0.5, "Northings": 0.0},
     r"^IfcMapConversion #7: Eastings 100000000\.5 lies beyond any map CRS \(\|value\| > 1e\+08 map units\)" + TAIL),
    ({"Eastings": 0.0, "Northings": -1e8 - 0.5}, r"^IfcMapConversion #7: Northings -100000000\.5 lies beyond"),
    ({"Eastings": 0.0, "Northings": 0.0, "OrthogonalHeight": 1e5 + 0.5},
     r"^IfcMapConversion #7: OrthogonalHeight 100000\.5 is no height on Earth \(\|value\| > 100000 m\)" + TAIL),
    ({"Eastings": 0.0, "Northings": 0.0, "OrthogonalHeight": -1e5 - 0.5}, r"OrthogonalHeight -100000\.5 is no h"),
    ({"Eastings": 0.0, "Northings": 0.0, "XAxisAbscissa": 0.0, "XAxisOrdinate": 0.0},
     r"^IfcMapConversion #7: XAxisAbscissa/XAxisOrdinate \(0\.0, 0\.0\) is a zero vector: the rotation is undefined"),
    ({"Eastings": 0.0, "Northings": 0.0, "XAxisAbscissa": 1e-13},
     r"XAxisAbscissa/XAxisOrdinate \(1e-13, None\) is a zero vector"),
    ({"Eastings": 0.0, "Northings": 0.0, "Scale": 0.0},
     r"^IfcMapConversion #7: Scale 0\.0 must be positive \(0 collapses the model, a negative scale mirrors it\)"),
    ({"Eastings": 0.0, "Northings": 0.0, "Scale": -0.001}, r"Scale -0\.001 must be positive"),
    ({"Eastings": 0.0, "Northings": 0.0, "FactorX": None, "FactorY": 1.0, "FactorZ": 1.0},
     r"^IfcMapConversion #7: FactorX None is missing or not a number \(the attribute is required\)"),
    ({"Eastings": 0.0, "Northings": 0.0, "FactorX": 1.0, "FactorY": 0.0, "FactorZ": 1.0},
     r"^IfcMapConversion #7: FactorY 0\.0 must be positive" + TAIL),
    ({"Eastings": 0.0, "Northings": 0.0, "FactorX": 1.0, "FactorY": 1.0, "FactorZ": -1.0},
     r"^IfcMapConversion #7: FactorZ -1\.0 must be positive"),
])
def test_validated_refuses(values, match):
    with pytest.raises(InputError, match=match):
        _v(values)


def test_validated_limits_themselves_are_accepted():
    params, _ = _v({"Eastings": 1e8, "Northings": -1e8, "OrthogonalHeight": -1e5})
    assert (params.e, params.n, params.h) == (1e8, -1e8, -1e5)
    params, scale = _v({"Eastings": 0.0, "Northings": 0.0, "Scale": 1e-9, "FactorX": 1e-9})
    assert scale == 1e-9 and params.factor_x == 1e-9


def test_validated_height_limit_is_in_metres_and_height_can_be_required():
    """The height limit counts metres: 60 000 map units of 2 m are 120 km (refused); of 0.5 m, 30 km."""
    with pytest.raises(InputError, match=r"OrthogonalHeight 60000\.0 is no height on Earth"):
        _v({"Eastings": 0.0, "Northings": 0.0, "OrthogonalHeight": 60000.0}, map_unit_m=2.0)
    assert _v({"Eastings": 0.0, "Northings": 0.0, "OrthogonalHeight": 150000.0}, map_unit_m=0.5)[0].h == 150000.0
    with pytest.raises(InputError, match=r"^IfcMapConversion #7: OrthogonalHeight None is missing"):
        _v({"Eastings": 0.0, "Northings": 0.0}, height_required=True)
    with pytest.raises(InputError, match=r"^IfcMapConversion #7: Height None is missing"):
        _v({"FirstCoordinate": 1.0, "SecondCoordinate": 2.0}, height_required=True,
           axes=("FirstCoordinate", "SecondCoordinate", "Height"))
    with pytest.raises(InputError, match=r"^IfcMapConversion #7: SecondCoordinate 200000000\.0 lies beyond"):
        _v({"FirstCoordinate": 1.0, "SecondCoordinate": 2e8}, axes=("FirstCoordinate", "SecondCoordinate", "Height"))


# ------------------------------------------------------------------ _scale_factor


@pytest.mark.parametrize("given, ratio, applied, warning", [
    (None, 1.0, 1.0, None),
    (None, 0.001, 0.001, "Scale is not given although project and map units differ; applied the unit conversion 0.001"),
    (1.0, 1.0, 1.0, None),
    (1.04, 1.0, 1.04, None),
    (0.96, 1.0, 0.96, None),
    (1.2, 1.0, 1.2, "Scale 1.2 is implausible for a map projection (unit conversion 1); applied as given"),
    (0.9, 1.0, 0.9, "Scale 0.9 is implausible for a map projection (unit conversion 1); applied as given"),
    (1.04, 0.001, 0.00104, "Scale 1.04 does not include the unit conversion 0.001; applied 0.00104"),
    (0.96, 0.001, 0.00096, "Scale 0.96 does not include the unit conversion 0.001; applied 0.00096"),
    (1040.0, 0.001, 0.001, "Scale 1040 is the inverse of the unit conversion 0.001 (a common writer error); "
                           "applied 0.001"),
    (960.0, 0.001, 0.001, "Scale 960 is the inverse of the unit conversion 0.001 (a common writer error); "
                          "applied 0.001"),
    (1.2, 0.001, 1.2, "Scale 1.2 is implausible for a map projection (unit conversion 0.001); applied as given"),
    (1200.0, 0.001, 1200.0, "Scale 1200 is implausible for a map projection (unit conversion 0.001); applied as "
                            "given"),
    (3.2808, 3.28084, 3.2808, None),
])
def test_scale_factor_rules(given, ratio, applied, warning):
    warnings: list[str] = []
    assert georef._scale_factor(given, ratio, warnings) == pytest.approx(applied, rel=1e-12)
    assert warnings == ([warning] if warning else [])


# ------------------------------------------------------------------ compound angles, sites at 0/0


@pytest.mark.parametrize("angle, match", [
    ((49, 0), r"^IfcSite #42 RefLatitude \(49, 0\) is not a compound angle \(degrees, minutes, seconds\[, mill"),
    ((49, 0, 0, 0, 0), r"^IfcSite #42 RefLatitude \(49, 0, 0, 0, 0\) is not a compound angle"),
    ((49, True, 0), r"is not a compound angle"),
    ((49, 0, 1.5), r"is not a compound angle"),
    ((49, -5, 0), r"^IfcSite #42 RefLatitude \(49, -5, 0\) mixes signs: all parts of a compound angle share one s"),
    ((-49, 0, 5), r"mixes signs"),
    ((49, 60, 0), r"^IfcSite #42 RefLatitude \(49, 60, 0\): minutes and seconds must be below 60, millionths below"),
    ((-49, -60, 0), r"minutes and seconds must be below 60"),
    ((49, 0, 60), r"minutes and seconds must be below 60"),
    ((-49, 0, -60), r"minutes and seconds must be below 60"),
    ((49, 0, 0, 1_000_000), r"millionths below 10\^6"),
    ((-49, 0, 0, -1_000_000), r"millionths below 10\^6"),
    ((90, 0, 1), r"^IfcSite #42 RefLatitude \(90, 0, 1\) = 90\.000278° lies beyond ±90°$"),
    ((-90, 0, 0, -1), r"= -90\.000000° lies beyond ±90°$"),
])
def test_compound_angle_errors(angle, match):
    with pytest.raises(InputError, match=match):
        georef._compound_degrees(_Site(RefLatitude=angle), "RefLatitude", 90.0)


@pytest.mark.parametrize("angle, degrees", [
    ((49, 30, 36), 49.51), ((-8, -15, -36, -500000), -(8 + 15 / 60 + 36.5 / 3600)), ((0, 0, 0), 0.0),
    ((90, 0, 0), 90.0), ((-90, 0, 0, 0), -90.0), ((12, 59, 59, 999_999), 12 + 59 / 60 + 59.999999 / 3600),
    ((0, -30, 0), -0.5), ((0, 0, -36), -0.01),
])
def test_compound_angles(angle, degrees):
    assert georef._compound_degrees(_Site(RefLatitude=angle), "RefLatitude", 90.0) == pytest.approx(degrees, abs=1e-12)
    assert georef._compound_degrees(_Site(), "RefLatitude", 90.0) is None
    assert georef._compound_degrees(_Site(RefLongitude=(180, 0, 0)), "RefLongitude", 180.0) == 180.0


@pytest.mark.parametrize("lat, lon, expected", [
    ((0, 0, 0), (0, 0, 0, 0), None), ((0, 0, 0), (8, 0, 0), (8.0, 0.0)), ((49, 0, 0), (0, 0, 0), (0.0, 49.0)),
    (None, (8, 0, 0), None), ((49, 0, 0), None, None), ((0, 0, 0, 1), (0, 0, 0), (0.0, 1 / 3.6e9)),
])
def test_site_lonlat_zero_is_no_position(lat, lon, expected):
    site = _Site(**{k: v for k, v in (("RefLatitude", lat), ("RefLongitude", lon)) if v is not None})
    assert georef._site_lonlat(site) == (pytest.approx(expected) if expected else None)


def test_zero_sites_lists_only_sites_at_zero_zero():
    f, project, _ = _model(site=False)
    api = _api()
    sites = [api.root.create_entity(f, ifc_class="IfcSite", name=f"S{i}") for i in range(5)]
    for site, (lat, lon) in zip(sites, [((0, 0, 0), (0, 0, 0)), ((0, 0, 0), (8, 0, 0)), ((49, 0, 0), (0, 0, 0)),
                                        ((0, 0, 0, 0), (0, 0, 0, 0)), ((0, 99, 0), (0, 0, 0))]):
        site.RefLatitude, site.RefLongitude = lat, lon
    assert georef._zero_sites(f) == [sites[0], sites[3]]
    message = georef._no_georeferencing_message(f)
    assert message.startswith(f"the file carries no georeferencing (IfcSite #{sites[0].id()} RefLatitude/RefLongitude"
                              " are 0/0, an authoring tool's default and not a position, and there is no IfcMapConv")


# ------------------------------------------------------------------ CRS names and transformations


@pytest.mark.parametrize("name, expected", [
    ("EPSG:25832", "EPSG:25832"), ("EPSG::25832", "EPSG:25832"), ("25833", "EPSG:25833"),
    (" 31467 ", "EPSG:31467"), ("http://www.opengis.net/def/crs/EPSG/0/25832", "http://www.opengis.net/def/crs/EPSG/0/25832"),
    ("https://example.org/crs/25833", "EPSG:25833"), ("", None), ("  ", None), (None, None),
    ("EPSG:999999", None), ("999999", None),
])
def test_resolve_crs_forms(name, expected):
    assert georef._resolve_crs(name) == expected


def test_crs_helpers():
    assert georef._crs_label(pyproj.CRS("EPSG:25832")) == "EPSG:25832"
    assert georef._crs_label(pyproj.CRS("+proj=tmerc +lon_0=9 +ellps=GRS80")) == "unknown"
    assert georef.horizontal_crs("EPSG:25832+7837").to_epsg() == 25832
    assert georef.horizontal_crs("EPSG:7837").to_epsg() == 7837   # not compound: itself
    assert georef.target_horizontal("EPSG:5650").to_epsg() == 5650
    with pytest.raises(InputError, match=r"^the target CRS 'EPSG:0' is unknown to PROJ: "):
        georef.target_horizontal("EPSG:0")
    f, _, _ = _model(prefix="MILLI")
    assert georef.project_unit_m(f) == pytest.approx(0.001)
    assert georef._named_unit_m(None) is None
    assert georef._named_unit_m(f.by_type("IfcSIUnit")[0]) == pytest.approx(0.001)
    broken = f.createIfcConversionBasedUnit(None, "LENGTHUNIT", "BROKEN", None)
    assert georef._named_unit_m(broken) is None


def test_transformer_cases():
    warnings: list[str] = []
    assert georef._transformer("EPSG:25832", "EPSG:25832+7837", warnings) == (None, 0.0) and warnings == []
    transformer, accuracy = georef._transformer("EPSG:4647", "EPSG:25832", warnings)
    assert accuracy == 0.0 and transformer.transform(32458000.0, 5430000.0) == pytest.approx((458000.0, 5430000.0))
    assert warnings == [f"transformed from EPSG:4647 to EPSG:25832 with '{transformer.description}' (accuracy 0 m)"]
    warnings = []
    transformer, accuracy = georef._transformer("EPSG:2000", "EPSG:25832", warnings)
    assert accuracy is None and "Ballpark" in transformer.description
    assert warnings == [f"PROJ knows no datum transformation from Anguilla 1957 to ETRS89: '{transformer.description}'"
                        " ignores the datum shift (BALLPARK, errors of metres to hundreds of metres); import into the "
                        "map conversion's own CRS to avoid it"]
    warnings = []
    group = pyproj.transformer.TransformerGroup("EPSG:3857", "EPSG:25832", always_xy=True)
    transformer, accuracy = georef._transformer("EPSG:3857", "EPSG:25832", warnings)
    assert accuracy == group.transformers[0].accuracy == 1.0
    assert warnings[0].endswith("(accuracy 1 m)")


# ------------------------------------------------------------------ plausibility: suggest_crs, area of use


@pytest.mark.parametrize("lon, lat, code", [
    (6.0, 84.0, "EPSG:25832"), (6.0, 84.0001, "EPSG:5041"), (6.0, -84.0, "EPSG:32732"), (6.0, -84.0001, "EPSG:5042"),
    (-12.01, 40.0, "EPSG:25828"), (-12.0, 40.0, "EPSG:25829"), (37.0, 75.0, "EPSG:25837"), (42.0, 40.0, "EPSG:32638"),
    (41.99, 40.0, "EPSG:32637"), (180.0, 10.0, "EPSG:32660"), (-179.99, -10.0, "EPSG:32701"),
    (3.0, 0.0, "EPSG:32631"), (3.0, -0.1, "EPSG:32731"), (-30.0, 60.0, "EPSG:32626"), (20.0, 60.0, "EPSG:25834"),
])
def test_suggest_crs_zone_edges(lon, lat, code):
    assert georef.suggest_crs(lon, lat) == f"{code} ({pyproj.CRS(code).name})"


def test_in_area_across_the_antimeridian_and_without_an_area():
    crs = pyproj.CRS("EPSG:3994")   # Mercator 41: 155 E .. 170 W (across the antimeridian), 60 S .. 25 S
    assert georef._in_area(crs, 170.0, -40.0, 175.0, -30.0)
    assert georef._in_area(crs, -172.0, -40.0, -172.0, -30.0)
    assert georef._in_area(crs, 152.5, -40.0, 152.5, -40.0)          # within 3° west of 155 E
    assert not georef._in_area(crs, 151.5, -40.0, 151.5, -40.0)
    assert georef._in_area(crs, -167.5, -40.0, -167.5, -40.0)        # within 3° east of 170 W
    assert not georef._in_area(crs, -166.5, -40.0, -166.5, -40.0)
    assert not georef._in_area(crs, 170.0, -64.0, 170.0, -30.0)
    assert not georef._in_area(crs, 170.0, -40.0, 170.0, -21.0)
    assert georef._in_area(crs, 170.0, -62.5, 170.0, -22.5)
    assert georef._in_area(crs, 152.0, -63.0, 152.0, -22.0)          # the margins' exact edges
    assert not georef._in_area(crs, 152.0, -63.0001, 152.0, -22.0)
    assert not georef._in_area(crs, 152.0, -63.0, 152.0, -21.9999)
    assert not georef._in_area(crs, 151.9999, -40.0, 151.9999, -40.0)
    assert not georef._in_area(crs, 0.0, -40.0, 0.0, -40.0)
    custom = pyproj.CRS("+proj=tmerc +lon_0=9 +ellps=GRS80 +units=m")
    assert custom.area_of_use is None and georef._in_area(custom, 100.0, 80.0, 100.0, 80.0)
    crs = pyproj.CRS("EPSG:25832")
    assert georef._in_area(crs, 9.0, 86.0, 9.0, 86.0)   # north 84 + 3
    assert not georef._in_area(crs, 9.0, 87.5, 9.0, 87.5)
    assert not georef._in_area(crs, 9.0, 50.0, 18.5, 50.0)   # max beyond the east margin


def test_outside_message_hemispheres():
    crs = pyproj.CRS("EPSG:25832")
    text = georef._outside_message("X", -70.25, -33.5, crs)
    assert text.startswith("X lies at 33.500000 S, 70.250000 W, outside the area of use of EPSG:25832 (")
    assert text.endswith(f"e.g. {georef.suggest_crs(-70.25, -33.5)}")
    assert georef._outside_message("X", 1.0, 2.0, crs, "HINT").endswith("e.g. HINT")
    assert "lies at 2.000000 N, 1.000000 E," in georef._outside_message("X", 1.0, 2.0, crs)
    with pytest.raises(InputError, match=r"^IfcSite #3 lies at 33\.500000 S, 70\.250000 W, outside the area of use"):
        georef._check_lonlat_in_area(crs, -70.25, -33.5, "IfcSite #3")
    assert georef._check_lonlat_in_area(crs, 8.4, 49.0, "IfcSite #3") is None


def _box(placement, lo=(0.0, 0.0, 0.0), hi=(10.0, 10.0, 3.0)):
    local = (np.array(lo), np.array(hi))
    placed = placement.apply(np.array(local))
    return local, (placed.min(axis=0), placed.max(axis=0))


def test_check_model_area_in_a_custom_crs_and_a_geographic_one():
    custom = "+proj=tmerc +lon_0=9 +k=0.9996 +x_0=500000 +ellps=GRS80 +units=m +no_defs"
    placement = georef.manual_placement(custom, 456000.0, 5429000.0, 0.0, 0.0, [])
    local, placed = _box(placement)
    assert georef.check_model_area(placement, local, placed) is None
    nan = (np.array([np.nan, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]))
    with pytest.raises(InputError, match=r"^the model placed by manual has no finite coordinates in the target CRS$"):
        georef.check_model_area(placement, local, nan)
    with pytest.raises(InputError, match=r"^the model placed by manual has no finite coordinates"):
        georef.check_model_area(placement, local, (np.array([0.0, 0.0, 0.0]), np.array([1.0, np.inf, 1.0])))
    # geographic target: inside, and beyond the margin
    placement = georef.manual_placement("EPSG:4258", 8.4, 49.0, 0.0, 0.0, [])
    assert georef.check_model_area(placement, *_box(placement, hi=(0.001, 0.001, 1.0))) is None
    placement = georef.manual_placement("EPSG:4258", -30.0, 20.0, 0.0, 0.0, [])
    with pytest.raises(InputError, match=r"^the model placed by manual lies at 20\.000500 N, 29\.999500 W, outside the "
                                         r"area of use of EPSG:4258 .*e\.g\. EPSG:32626 "):
        georef.check_model_area(placement, *_box(placement, hi=(0.001, 0.001, 1.0)))


def test_check_model_area_non_finite_placement_is_refused():
    placement = georef.manual_placement("EPSG:25832", 456000.0, 5429000.0, 0.0, 0.0, [])
    local, _ = _box(placement)
    bad = (np.array([np.nan, 5429000.0, 0.0]), np.array([456010.0, 5429010.0, 3.0]))
    with pytest.raises(InputError, match=r"^the model placed by manual lies at 49\.\d+ N, 8\.\d+ E, outside the area "
                                         r"of use of EPSG:25832"):
        georef.check_model_area(placement, local, bad)


def test_check_model_area_unprojectable_is_probably_wrong():
    placement = georef.manual_placement("EPSG:25832", 9e7, 9e7, 0.0, 0.0, [])
    local, placed = _box(placement)
    with pytest.raises(InputError, match=r"^the model placed by manual lands at E 90000000\.00\.\.90000010\.00, "
                                         r"N 90000000\.00\.\.90000010\.00, outside the area of use of EPSG:25832; the "
                                         r"georeferencing is probably wrong$"):
        georef.check_model_area(placement, local, placed)
    placement.map_crs = "EPSG:0"
    assert georef._map_lonlat(placement, np.zeros((1, 3))) is None
    with pytest.raises(InputError, match=r"the georeferencing is probably wrong$"):
        georef.check_model_area(placement, local, placed)


def test_map_lonlat_through_the_map_crs():
    placement = georef.manual_placement("EPSG:25832", 456000.0, 5429000.0, 0.0, 90.0, [])
    placement.map_crs = "EPSG:25832"
    lonlat = georef._map_lonlat(placement, np.array([[0.0, 0.0, 0.0], [0.0, 100.0, 0.0]]))
    want = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4258", always_xy=True).transform(
        [456000.0, 455900.0], [5429000.0, 5429000.0])
    assert lonlat == pytest.approx(np.column_stack(want), abs=1e-9)
    geographic = georef.manual_placement("EPSG:4326", 8.4, 49.0, 0.0, 0.0, [])
    geographic.map_crs = ""
    assert georef._map_lonlat(geographic, np.array([[0.5, 0.25, 3.0]])) == pytest.approx(np.array([[8.9, 49.25]]))


# ------------------------------------------------------------------ map conversions: forms and reports


def test_map_conversion_report_in_its_own_crs(tmp_path):
    f, _, _ = _model()
    _conversion(f, Eastings=456000.0, Northings=5429000.0, OrthogonalHeight=112.5, XAxisAbscissa=0.0,
                XAxisOrdinate=1.0, Scale=1.0)
    f.by_type("IfcProjectedCRS")[0].VerticalDatum = "DHHN2016"
    placement, warnings = _resolve(f, path=tmp_path / "m.ifc")
    assert warnings == []
    assert (placement.method, placement.source_crs, placement.map_crs) == ("map conversion",) + ("EPSG:25832",) * 2
    assert placement.vertical_datum == "DHHN2016" and placement.transformer is None
    assert placement.expected_accuracy_m == 0.001 and placement.unit_scale == 1.0 and placement.scale == 1.0
    assert (placement.eastings, placement.northings, placement.orthogonal_height) == (456000.0, 5429000.0, 112.5)
    assert placement.rotation_deg == pytest.approx(90.0)
    p = placement.parameters
    assert (p["crs_name"], p["scale_given"], p["scale_applied"], p["project_unit_m"], p["map_unit_m"], p["rigid"]) \
        == ("EPSG:25832", 1.0, 1.0, 1.0, 1.0, False)
    assert (p["x_axis_abscissa"], p["x_axis_ordinate"], p["factor_x"], p["factor_y"], p["factor_z"]) \
        == (0.0, 1.0, 1.0, 1.0, 1.0)
    assert p["entity"] == f"IfcMapConversion #{open_ifc(tmp_path / 'm.ifc').by_type('IfcMapConversion')[0].id()}"
    assert placement.apply(np.array([[2.0, 1.0, 3.0]]))[0] == pytest.approx([455999.0, 5429002.0, 115.5])
    assert placement.apply(np.zeros((0, 3))).shape == (0, 3)


def test_map_conversion_without_height_and_axis(tmp_path):
    f, _, _ = _model()
    conversion = _conversion(f, Eastings=456000.0, Northings=5429000.0)
    conversion.OrthogonalHeight = None if f.schema != "IFC4" else 0.0
    f.schema  # noqa: B018
    placement, warnings = _resolve(f, path=tmp_path / "m.ifc")
    assert placement.vertical_datum == "OrthogonalHeight datum of EPSG:25832"
    assert placement.parameters["x_axis_abscissa"] == 1.0 and placement.parameters["x_axis_ordinate"] == 0.0
    assert placement.parameters["scale_given"] is None and placement.rotation_deg == 0.0


def test_map_conversion_ifc4x3_without_height_is_warned(tmp_path):
    f, _, _ = _model(schema="IFC4X3_ADD2")
    conversion = _conversion(f, Eastings=456000.0, Northings=5429000.0, Scale=1.0)
    conversion.OrthogonalHeight = None
    placement, warnings = _resolve(f, path=tmp_path / "m.ifc")
    assert warnings == [f"IfcMapConversion #{conversion.id()}: OrthogonalHeight is not given; 0 assumed"]
    assert placement.apply(np.array([[1.0, 2.0, 3.0]]))[0] == pytest.approx([456001.0, 5429002.0, 3.0])


@pytest.mark.parametrize("name, word", [("", "empty"), ("   ", "empty"), ("EPSG:999999", "unknown")])
def test_map_conversion_crs_assumed(tmp_path, name, word):
    f, _, _ = _model()
    _conversion(f, crs=name or "X", Eastings=456000.0, Northings=5429000.0, OrthogonalHeight=0.0, Scale=1.0)
    f.by_type("IfcProjectedCRS")[0].Name = name
    placement, warnings = _resolve(f, target="EPSG:25833", path=tmp_path / "a.ifc")
    assert warnings[0] == (f"the map conversion's CRS name {name!r} is {word}: ASSUMED the target CRS EPSG:25833; "
                           "check the placement or choose another GEOREFERENCING method")
    assert placement.method == "map conversion (CRS assumed)"
    assert placement.source_crs == "EPSG:25833 (assumed)" and placement.map_crs == "EPSG:25833"
    assert placement.expected_accuracy_m is None and placement.transformer is None
    assert placement.apply(np.zeros((1, 3)))[0] == pytest.approx([456000.0, 5429000.0, 0.0])
    # placed outside the assumed CRS: the numbers are probably local
    far = georef.manual_placement("EPSG:25833", 1000.0, 2000.0, 0.0, 0.0, [])
    far.source_crs, far.eastings, far.northings = placement.source_crs, 1000.0, 2000.0
    with pytest.raises(InputError, match=r"outside the area of use of EPSG:25833: the map conversion names no CRS, so "
                                         r"its Eastings/Northings \(1000, 2000\) are probably local\. Choose the "
                                         r"TARGET_CRS they belong to, or GEOREFERENCING manual or fit to footprint$"):
        georef.check_model_area(far, *_box(far))


def test_outside_the_target_but_inside_the_own_crs_names_both(tmp_path):
    """A map conversion in EPSG:25833 (Berlin) imported into EPSG:2056 (Switzerland): the hint names the map
    conversion's own CRS and the UTM zone."""
    f, _, _ = _model()
    _conversion(f, crs="EPSG:25833", Eastings=392000.0, Northings=5820000.0, OrthogonalHeight=35.0, Scale=1.0)
    placement, _ = _resolve(f, target="EPSG:2056", path=tmp_path / "b.ifc")
    with pytest.raises(InputError, match=r"outside the area of use of EPSG:2056 .*e\.g\. EPSG:25833 \(the map "
                                         r"conversion's own CRS\) or EPSG:25833 \(ETRS89 / UTM zone 33N\)$"):
        georef.check_model_area(placement, *_box(placement))


@pytest.mark.parametrize("factors, warned", [((0.9996, 0.9996, 1.0), []), ((0.94, 1.0, 1.0), ["FactorX 0.94"]),
                                             ((1.0, 1.06, 1.0), ["FactorY 1.06"]), ((1.0, 1.0, 1.5), [])])
def test_scaled_conversion_factors(tmp_path, factors, warned):
    f, _, _ = _model(schema="IFC4X3_ADD2")
    api = _api()
    api.georeference.add_georeferencing(f, ifc_class="IfcMapConversionScaled")
    api.georeference.edit_georeferencing(f, projected_crs={"Name": "EPSG:25832"}, coordinate_operation={
        "Eastings": 456000.0, "Northings": 5429000.0, "OrthogonalHeight": 10.0, "Scale": 1.0,
        "FactorX": factors[0], "FactorY": factors[1], "FactorZ": factors[2]})
    op = f.by_type("IfcMapConversionScaled")[0]
    placement, warnings = _resolve(f, path=tmp_path / "s.ifc")
    assert warnings == [f"IfcMapConversionScaled #{op.id()}: {w} is far from 1 for a map projection's scale; applied "
                        "as given" for w in warned]
    assert placement.scale == pytest.approx(factors[0])
    want = geo.xyz2enh(2.0, 3.0, 4.0, 456000.0, 5429000.0, 10.0, 1.0, 0.0, 1.0, *factors)
    assert placement.apply(np.array([[2.0, 3.0, 4.0]]))[0] == pytest.approx(want, abs=1e-9)
    assert (placement.parameters["factor_y"], placement.parameters["factor_z"]) == factors[1:]


def test_coordinate_operation_prefers_the_model_context():
    f, _, model = _model(schema="IFC4")
    plan = _api().context.add_context(f, context_type="Plan")
    crs = f.createIfcProjectedCRS("EPSG:25832")
    first = f.createIfcMapConversion(plan, crs, 1.0, 2.0, 3.0)
    second = f.createIfcMapConversion(model, crs, 4.0, 5.0, 6.0)
    assert georef._coordinate_operation(f) == second
    second.SourceCRS = plan
    assert georef._coordinate_operation(f) == first   # no Model context: the first one
    f2, _, _ = _model(schema="IFC2X3")
    assert georef._coordinate_operation(f2) is None


def _rigid(tmp_path, target, first, second, height=None, name="r.ifc", angle_unit=None, height_unit=None,
           prefix=None):
    f, _, model = _model(schema="IFC4X3_ADD2", prefix=prefix)
    if target == "geographic":
        crs = f.createIfcGeographicCRS("EPSG:4258", None, None, None, angle_unit, height_unit)
        first, second = f.createIfcPlaneAngleMeasure(first), f.createIfcPlaneAngleMeasure(second)
    else:
        crs = f.createIfcProjectedCRS(target)
        first, second = f.createIfcLengthMeasure(first), f.createIfcLengthMeasure(second)
    op = f.createIfcRigidOperation(model, crs, first, second, height)
    f.write(str(tmp_path / name))
    return tmp_path / name, op.id()


def test_projected_rigid_operation_is_a_translation(tmp_path):
    path, op = _rigid(tmp_path, "EPSG:25833", 392000.0, 5820000.0, 34.5)
    placement, warnings = _resolve(open_ifc(path), target="EPSG:25833")
    assert placement.method == "rigid operation" and placement.parameters["rigid"] is True
    assert warnings == ["placed by IfcRigidOperation: a translation without rotation or scale"]
    assert placement.apply(np.array([[3.0, 4.0, 5.0]]))[0] == pytest.approx([392003.0, 5820004.0, 39.5])
    path, op = _rigid(tmp_path, "EPSG:25833", 392000.0, 5820000.0, None, name="n.ifc")
    placement, warnings = _resolve(open_ifc(path), target="EPSG:25833")
    assert f"IfcRigidOperation #{op}: Height is not given; 0 assumed" in warnings
    assert placement.orthogonal_height == 0.0


def test_geographic_rigid_operation_is_placed_like_a_site(tmp_path):
    path, op = _rigid(tmp_path, "geographic", 8.4, 49.0, 115.0)
    placement, warnings = _resolve(open_ifc(path), target="EPSG:25832")
    assert placement.method == "rigid operation (geographic)"
    assert placement.source_crs == "EPSG:4258"
    e, n = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:25832", always_xy=True).transform(8.4, 49.0)
    assert placement.apply(np.zeros((1, 3)))[0] == pytest.approx([e, n, 115.0], abs=1e-6)
    assert placement.parameters["source"] == f"IfcRigidOperation #{op} to EPSG:4258"
    assert placement.parameters["site_origin_m"] == [0.0, 0.0, 0.0]
    # angles in radians (an SI unit) and heights in millimetres (a named unit)
    f = ifcopenshell.file(schema="IFC4X3_ADD2")
    radian = f.createIfcSIUnit(None, "PLANEANGLEUNIT", None, "RADIAN")
    mm = f.createIfcSIUnit(None, "LENGTHUNIT", "MILLI", "METRE")
    anchor_path, _ = _rigid(tmp_path, "geographic", math.radians(8.4), math.radians(49.0), 115000.0, name="rad.ifc")
    model = open_ifc(anchor_path)
    crs = model.by_type("IfcGeographicCRS")[0]
    crs.AngleUnit = model.add(radian)
    crs.HeightUnit = model.add(mm)
    lon, lat, height, _, source, site, geographic = georef._geographic_anchor(model)
    assert (lon, lat, height) == pytest.approx((8.4, 49.0, 115.0)) and site is None and geographic == "EPSG:4258"


@pytest.mark.parametrize("first, second, height, match", [
    (180.5, 49.0, 0.0, r"FirstCoordinate/SecondCoordinate \(180\.5, 49\.0\) is no longitude/latitude"),
    (-180.5, 49.0, 0.0, r"FirstCoordinate/SecondCoordinate \(-180\.5, 49\.0\) is no longitude/latitude"),
    (8.4, 90.5, 0.0, r"FirstCoordinate/SecondCoordinate \(8\.4, 90\.5\) is no longitude/latitude"),
    (8.4, -90.5, 0.0, r"FirstCoordinate/SecondCoordinate \(8\.4, -90\.5\) is no longitude/latitude"),
    (8.4, 49.0, 100000.5, r"Height 100000\.5 is no height on Earth \(\|value\| > 100000 m\)"),
    (8.4, 49.0, -100000.5, r"Height -100000\.5 is no height on Earth"),
])
def test_geographic_rigid_operation_limits(tmp_path, first, second, height, match):
    path, op = _rigid(tmp_path, "geographic", first, second, height)
    with pytest.raises(InputError, match=rf"^IfcRigidOperation #{op}: {match}"):
        _resolve(open_ifc(path), target="EPSG:25832")


def test_geographic_rigid_operation_at_its_limits(tmp_path):
    path, _ = _rigid(tmp_path, "geographic", 180.0, 90.0, 100000.0)
    assert georef._geographic_anchor(open_ifc(path))[:3] == (180.0, 90.0, 100000.0)


def test_site_ref_elevation_limit(tmp_path):
    f, _, _ = _model(prefix="MILLI")
    site = f.by_type("IfcSite")[0]
    site.RefLatitude, site.RefLongitude = (49, 0, 0), (8, 24, 0)
    site.RefElevation = 1e8 + 1000.0   # 100 001 m in millimetres
    f.write(str(tmp_path / "s.ifc"))
    with pytest.raises(InputError, match=rf"^IfcSite #{site.id()}: RefElevation 100001000\.0 is no height on Earth;"):
        _resolve(open_ifc(tmp_path / "s.ifc"))
    site.RefElevation = 1e8   # 100 km: the limit itself
    f.write(str(tmp_path / "t.ifc"))
    assert georef._geographic_anchor(open_ifc(tmp_path / "t.ifc"))[2] == pytest.approx(1e5)


def test_site_placement_with_true_north(tmp_path):
    """TrueNorth turned 30° west of project north: the model turns by convergence - 30°."""
    import ifcopenshell.api.georeference  # noqa: F401

    f, _, _ = _model()
    site = f.by_type("IfcSite")[0]
    site.RefLatitude, site.RefLongitude = geo.dd2dms(49.0, use_us=True), geo.dd2dms(10.0, use_us=True)
    site.RefElevation = 100.0
    _api().georeference.edit_true_north(f, true_north=30.0)
    assert geo.get_true_north(f) == pytest.approx(30.0)
    placement, warnings = _resolve(f, path=tmp_path / "t.ifc")
    factors = pyproj.Proj("EPSG:25832").get_factors(10.0, 49.0)
    theta = math.radians(factors.meridian_convergence - 30.0)
    e, n = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(10.0, 49.0)
    k = factors.meridional_scale
    got = placement.apply(np.array([[10.0, 0.0, 1.0]]))[0]
    assert got == pytest.approx([e + 10 * k * math.cos(theta), n + 10 * k * math.sin(theta), 101.0], abs=1e-6)
    assert placement.rotation_deg == pytest.approx(math.degrees(theta))
    assert placement.matrix.shape == (4, 4) and placement.matrix[3].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert placement.parameters["true_north_deg"] == pytest.approx(30.0)
    assert placement.expected_accuracy_m == 1.0 and placement.unit_scale == 1.0
    assert placement.vertical_datum == "RefElevation (datum not stated)"
    assert warnings[0].startswith(f"no map conversion: placed by IfcSite #{site.id()} {site.GlobalId} latitude/"
                                  "longitude (49.0000000 N, 10.0000000 E) on WGS 84")


def test_resolve_wraps_unreadable_entities():
    class Broken:
        schema = "IFC4"

        def by_type(self, name):
            raise TypeError("entity list broken")

    with pytest.raises(InputError, match=r"^the georeferencing entities cannot be read \(TypeError: entity list "
                                         r"broken\)$"):
        georef.resolve(Broken(), "auto", "EPSG:25832")
    with pytest.raises(InputError, match=r"^unknown georeferencing method 'Auto' \(one of auto, map conversion, "
                                         r"site, manual, fit to footprint\)$"):
        georef.resolve(Broken(), "Auto", "EPSG:25832")


def test_manual_placement_through_resolve():
    placement = georef.resolve(None, georef.MANUAL, "EPSG:25832", manual=(456000.0, 5429000.0, 100.0, 0.0))
    assert placement.apply(np.array([[1.0, 2.0, 3.0]]))[0] == pytest.approx([456001.0, 5429002.0, 103.0])
    assert placement.parameters == {"easting": 456000.0, "northing": 5429000.0, "height": 100.0, "rotation_deg": 0.0}


# ------------------------------------------------------------------ IFC2X3 ePSet_MapConversion


@pytest.mark.parametrize("map_unit, expected, warned", [
    ("METRE", 1.0, False), ("meter", 1.0, False), (" MILLIMETRE ", None, True), ("FOOT", None, False),
    ("", None, False), (None, None, False),
])
def test_ifc2x3_epset_map_unit(tmp_path, map_unit, expected, warned):
    api = _api()
    f, project, _ = _model(schema="IFC2X3", prefix="MILLI")
    conversion = api.pset.add_pset(f, product=project, name="ePSet_MapConversion")
    api.pset.edit_pset(f, pset=conversion, properties={"Eastings": 456000.0, "Northings": 5429000.0,
                                                      "OrthogonalHeight": 50.0, "XAxisAbscissa": 1.0,
                                                      "XAxisOrdinate": 0.0, "Scale": 0.001})
    crs = api.pset.add_pset(f, product=project, name="ePSet_ProjectedCRS")
    api.pset.edit_pset(f, pset=crs, properties={"Name": "EPSG:25832", "MapUnit": map_unit,
                                               "VerticalDatum": "DHHN2016"})
    placement, warnings = _resolve(f, path=tmp_path / "e.ifc")
    assert placement.method == "ePSet map conversion" and placement.vertical_datum == "DHHN2016"
    assert placement.parameters["entity"] == f"ePSet_MapConversion #{conversion.id()} of IfcProject #{project.id()}"
    assert [w for w in warnings if w.startswith("MapUnit")] == (
        ["MapUnit (0.001 m) differs from the unit of EPSG:25832 (1 m); used the CRS's unit"] if warned else [])
    assert placement.apply(np.array([[1.0, 2.0, 3.0]]))[0] == pytest.approx([456001.0, 5429002.0, 53.0])
    found = georef._ifc2x3_map_conversion(open_ifc(tmp_path / "e.ifc"))
    assert found[4] == (pytest.approx(expected) if expected else (0.001 if warned else None))


def test_ifc2x3_without_epset_has_no_map_conversion(tmp_path):
    f, project, _ = _model(schema="IFC2X3")
    _api().pset.add_pset(f, product=project, name="Pset_Other")
    assert georef._ifc2x3_map_conversion(f) is None
    warnings: list[str] = []
    assert georef.map_conversion(f, "EPSG:25832", warnings) is None and warnings == []


# ------------------------------------------------------------------ the site cross-check


def test_site_cross_check_near_and_geographic(tmp_path):
    e0, n0 = 456000.0, 5429000.0
    lon, lat = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(e0 + 2.0, n0)
    f, _, _ = _model()
    site = f.by_type("IfcSite")[0]
    site.RefLatitude, site.RefLongitude = geo.dd2dms(lat, use_us=True), geo.dd2dms(lon, use_us=True)
    _conversion(f, Eastings=e0, Northings=n0, OrthogonalHeight=0.0, Scale=1.0)
    placement, warnings = _resolve(f, path=tmp_path / "c.ifc")
    assert placement.parameters["site_check_m"] == pytest.approx(2.0, abs=0.01)
    assert placement.parameters["site_check_datum"] == "WGS 84"
    assert placement.parameters["site_check"].startswith(
        f"IfcSite #{site.id()} {site.GlobalId} RefLatitude/RefLongitude, read on WGS 84, transformed to ETRS89 with '")
    assert placement.parameters["site_check"].endswith("lies 2.0 m from the map conversion's position in EPSG:25832")
    assert not [w for w in warnings if "IfcSite" in w]
    # a map conversion into a geographic CRS is not compared
    placement = georef.manual_placement("EPSG:4258", 8.4, 49.0, 0.0, 0.0, [])
    placement.map_crs = "EPSG:4258"
    georef._cross_check_site(open_ifc(tmp_path / "c.ifc"), placement, [])
    assert "site_check_m" not in placement.parameters


def test_site_cross_check_with_a_broken_site_angle(tmp_path):
    f, _, _ = _model()
    site = f.by_type("IfcSite")[0]
    site.RefLatitude, site.RefLongitude = (49, 75, 0), (8, 0, 0)
    _conversion(f, Eastings=456000.0, Northings=5429000.0, OrthogonalHeight=0.0, Scale=1.0)
    placement, warnings = _resolve(f, path=tmp_path / "c.ifc")
    assert warnings == [f"IfcSite latitude/longitude not comparable: IfcSite #{site.id()} RefLatitude (49, 75, 0): "
                        "minutes and seconds must be below 60, millionths below 10^6"]
    assert "site_check_m" not in placement.parameters


# ------------------------------------------------------------------ defaults, WCS, transformations at their edges


def test_placement_defaults():
    """What a placement says when its maker (bim/fit.py, manual_placement) leaves a field out."""
    p = georef.Placement("m", "EPSG:25832", np.eye(4))
    assert (p.eastings, p.northings, p.orthogonal_height, p.rotation_deg) == (0.0, 0.0, 0.0, 0.0)
    assert (p.scale, p.unit_scale, p.residual_m) == (1.0, 1.0, 0.0)
    assert p.grid_convergence_deg is None and p.expected_accuracy_m is None and p.transformer is None
    assert (p.source_crs, p.map_crs, p.vertical_datum, p.warnings, p.parameters) == ("", "", "", [], {})
    manual = georef.manual_placement("EPSG:25832", 1.0, 2.0, 3.0, 4.0, [])
    assert (manual.scale, manual.unit_scale, manual.residual_m, manual.transformer) == (1.0, 1.0, 0.0, None)


def test_world_coordinate_system_is_undone_first(tmp_path):
    """A WCS moved and turned in the model context: world coordinates go through its inverse, as ifcopenshell's
    auto_xyz2enh does (project millimetres in, map metres out)."""
    f, _, context = _model(prefix="MILLI")
    wcs = context.WorldCoordinateSystem
    wcs.Location.Coordinates = (1000.0, -2000.0, 500.0)
    wcs.RefDirection = f.createIfcDirection((0.0, 1.0, 0.0))
    wcs.Axis = f.createIfcDirection((0.0, 0.0, 1.0))
    _conversion(f, Eastings=456000.0, Northings=5429000.0, OrthogonalHeight=100.0, XAxisAbscissa=0.8,
                XAxisOrdinate=0.6, Scale=0.001)
    placement, _ = _resolve(f, path=tmp_path / "w.ifc")
    model = open_ifc(tmp_path / "w.ifc")
    assert not np.allclose(geo.get_wcs(model), np.eye(4))
    for xyz_m in ([0.0, 0.0, 0.0], [12.5, -3.0, 4.0], [1.0, 2.0, -0.5]):
        want = geo.auto_xyz2enh(model, *(np.array(xyz_m) * 1000.0))
        assert placement.apply(np.array([xyz_m]))[0] == pytest.approx(want, abs=1e-4)   # 0.1 mm


def test_transformer_edges():
    assert georef._transformer("EPSG:4326", "OGC:CRS84", []) == (None, 0.0)   # only the axis order differs
    warnings: list[str] = []
    towgs84 = "+proj=tmerc +lon_0=9 +k=0.9996 +x_0=500000 +ellps=GRS80 +towgs84=0,0,0 +units=m"
    transformer, accuracy = georef._transformer(towgs84, "EPSG:25832", warnings)
    assert accuracy is None and transformer.accuracy == -1.0 and not georef._is_ballpark(transformer)
    assert warnings == [f"transformed from unknown to EPSG:25832 with '{transformer.description}' (accuracy unknown)"]
    with pytest.raises(InputError, match=r"^PROJ knows no transformation from Moon \(2015\) - Sphere / Ocentric to "
                                         r"EPSG:25832$"):
        georef._transformer("IAU_2015:30100", "EPSG:25832", [])


def test_ifc2x3_quantity_set_of_that_name_is_no_map_conversion():
    """Only property sets count: a quantity set that happens to be called ePSet_MapConversion is ignored."""
    api = _api()
    f, project, _ = _model(schema="IFC2X3")
    qto = api.pset.add_qto(f, product=project, name="ePSet_MapConversion")
    api.pset.edit_qto(f, qto=qto, properties={"Eastings": 456000.0})
    assert qto.is_a("IfcElementQuantity")
    assert georef._ifc2x3_map_conversion(f) is None
    assert georef.map_conversion(f, "EPSG:25832", []) is None


def test_site_in_a_datum_without_a_transformation_from_wgs84_names_the_ballpark(tmp_path):
    """Kuala Lumpur into GDM2000 / Peninsular RSO (EPSG:3375): PROJ has only a ballpark WGS 84 -> GDM2000 step; the
    placement says so in its warning."""
    f, _, _ = _model()
    site = f.by_type("IfcSite")[0]
    site.RefLatitude, site.RefLongitude = geo.dd2dms(3.15, use_us=True), geo.dd2dms(101.7, use_us=True)
    placement, warnings = _resolve(f, target="EPSG:3375", path=tmp_path / "kl.ifc")
    assert placement.method == "site" and placement.matrix.shape == (4, 4)
    assert "(BALLPARK: the datum shift is ignored, errors of metres to hundreds of metres)" in warnings[0]
    assert warnings[0].startswith(f"no map conversion: placed by IfcSite #{site.id()} {site.GlobalId} latitude/"
                                  "longitude (3.1500000 N, 101.7000000 E) on WGS 84, transformed to GDM2000 with '")


def test_in_area_exact_edges():
    crs = pyproj.CRS("EPSG:25832")
    west, south, east, north = crs.area_of_use.bounds
    for lon, lat in ((west - 3.0, 50.0), (east + 3.0, 50.0), (9.0, south - 3.0), (9.0, north + 3.0)):
        assert georef._in_area(crs, lon, lat, lon, lat), (lon, lat)
    assert georef._in_area(crs, west - 3.0, south - 3.0, east + 3.0, north + 3.0)


def test_area_check_when_proj_raises_is_a_refusal(monkeypatch):
    """PROJ may raise (not return inf) for numbers outside a projection's domain: that is outside, not inside."""
    placement = georef.manual_placement("EPSG:25832", 456000.0, 5429000.0, 0.0, 0.0, [])
    local, placed = _box(placement)
    real = pyproj.Transformer.from_crs

    class Raising:
        def __init__(self, inner):
            self.inner = inner

        def transform_bounds(self, *args, **kwargs):
            raise pyproj.exceptions.ProjError("out of domain")

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(pyproj.Transformer, "from_crs", lambda *a, **k: Raising(real(*a, **k)))
    with pytest.raises(InputError, match=r"^the model placed by manual lies at 49\.\d+ N, 8\.\d+ E, outside the area "
                                         r"of use of EPSG:25832"):
        georef.check_model_area(placement, local, placed)


@pytest.mark.parametrize("metres, warned", [(4.5, False), (5.5, True)])
def test_site_check_warns_beyond_five_metres(tmp_path, metres, warned):
    e0, n0 = 456000.0, 5429000.0
    lon, lat = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(e0 + metres, n0)
    f, _, _ = _model()
    site = f.by_type("IfcSite")[0]
    site.RefLatitude, site.RefLongitude = geo.dd2dms(lat, use_us=True), geo.dd2dms(lon, use_us=True)
    _conversion(f, Eastings=e0, Northings=n0, OrthogonalHeight=0.0, Scale=1.0)
    placement, warnings = _resolve(f, path=tmp_path / "c.ifc")
    assert placement.parameters["site_check_m"] == pytest.approx(metres, abs=0.01)
    assert any(w.endswith("one of them is wrong (the map conversion was used)") for w in warnings) is warned
    assert ("site_check" in placement.parameters) is not warned


@pytest.mark.parametrize("attribute, angle, limit", [("RefLatitude", (90, 30, 0), 90.0), ("RefLatitude", (-90, -30, 0), 90.0),
                                                     ("RefLongitude", (180, 30, 0), 180.0),
                                                     ("RefLongitude", (-180, 0, -1), 180.0)])
def test_compound_angle_just_beyond_its_limit(attribute, angle, limit):
    """Half a degree beyond ±90° latitude / ±180° longitude is refused (not only beyond the next whole degree)."""
    with pytest.raises(InputError, match=rf"^IfcSite #42 {attribute} .* lies beyond ±{limit:g}°$"):
        georef._compound_degrees(_Site(**{attribute: angle}), attribute, limit)
    site = _Site(RefLatitude=angle if attribute == "RefLatitude" else (49, 0, 0),
                 RefLongitude=angle if attribute == "RefLongitude" else (8, 0, 0))
    with pytest.raises(InputError, match="lies beyond"):
        georef._site_lonlat(site)


def test_compound_angle_millionths_exactly():
    """A millionth of an arc second is 1/3.6e9 degree: 49° 1' 2.5" to 1e-14 degree (about a nanometre)."""
    expected = 49 + (1 * 60 + 2.5) / 3600
    assert georef._compound_degrees(_Site(RefLatitude=(49, 1, 2, 500000)), "RefLatitude", 90.0) == \
        pytest.approx(expected, abs=1e-14)
    assert georef._compound_degrees(_Site(RefLatitude=(0, 0, 0, 1)), "RefLatitude", 90.0) == \
        pytest.approx(1 / 3_600_000_000, rel=1e-12)


def test_zero_sites_look_past_a_broken_site():
    """A site whose angle is no valid compound angle is skipped; the sites after it are still looked at."""
    f, project, _ = _model(site=False)
    api = _api()
    broken, zero = (api.root.create_entity(f, ifc_class="IfcSite", name=n) for n in ("broken", "zero"))
    broken.RefLatitude, broken.RefLongitude = (0, 99, 0), (0, 0, 0)
    zero.RefLatitude, zero.RefLongitude = (0, 0, 0), (0, 0, 0)
    assert georef._zero_sites(f) == [zero]


@pytest.mark.parametrize("origin, at, distance", [
    (None, (2.0, 0.0), 2.0),                   # a site without ObjectPlacement lies at the model origin
    ((10.0, -5.0, 0.0), (10.0, -5.0), 0.0),    # the site's own origin, mapped with the conversion: the same point
    ((10.0, -5.0, 0.0), (0.0, 0.0), math.hypot(10.0, 5.0)),
])
def test_site_cross_check_uses_the_site_origin(tmp_path, origin, at, distance):
    """The cross-check compares RefLatitude/RefLongitude with where the map conversion puts the site's origin
    (plain Pythagoras on UTM metres is the reference)."""
    e0, n0 = 456000.0, 5429000.0
    lon, lat = pyproj.Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(e0 + at[0], n0 + at[1])
    f, project, _ = _model(site=False)
    api = _api()
    site = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    api.aggregate.assign_object(f, relating_object=project, products=[site])
    if origin is not None:
        matrix = np.eye(4)
        matrix[:3, 3] = origin
        api.geometry.edit_object_placement(f, product=site, matrix=matrix, is_si=True)
    site.RefLatitude, site.RefLongitude = geo.dd2dms(lat, use_us=True), geo.dd2dms(lon, use_us=True)
    _conversion(f, Eastings=e0, Northings=n0, OrthogonalHeight=0.0, Scale=1.0)
    placement, warnings = _resolve(f, path=tmp_path / "s.ifc")
    assert placement.parameters["site_check_m"] == pytest.approx(distance, abs=0.01)
    # beyond 5 m the two positions disagree: a warning naming both
    assert len([w for w in warnings if w.endswith(": one of them is wrong (the map conversion was used)")]) \
        == (1 if distance > 5.0 else 0)


def _utm(lon, lat):
    """The WGS 84 UTM zone by its definition: zone floor((lon + 180) / 6) + 1 (1..60), north from the equator."""
    zone = min(60, int(math.floor((lon + 180.0) / 6.0)) + 1)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def test_suggested_crs_limits():
    """UTM up to ±84° (UPS beyond), zone 1 at -180° and 60 at +180°, the northern zone from latitude 0; ETRS89's UTM
    where its EPSG area of use holds the position, edges included."""
    west, south, east, north = pyproj.CRS("EPSG:25832").area_of_use.bounds
    cases = {(9.0, 84.0): "EPSG:25832", (9.0, 84.01): "EPSG:5041", (9.0, -84.0): _utm(9.0, -84.0),
             (9.0, -84.01): "EPSG:5042", (180.0, 10.0): _utm(179.9, 10.0), (-180.0, 10.0): _utm(-180.0, 10.0),
             (9.0, 0.0): _utm(9.0, 0.0), (9.0, -0.01): _utm(9.0, -0.01), (west, 50.0): "EPSG:25832",
             (9.0, south): "EPSG:25832", (9.0, south - 0.01): _utm(9.0, south - 0.01),
             (-74.0, 40.7): _utm(-74.0, 40.7)}
    assert (_utm(180.0, 10.0), _utm(-180.0, 10.0), _utm(9.0, 0.0), _utm(9.0, -84.0)) == \
        ("EPSG:32660", "EPSG:32601", "EPSG:32632", "EPSG:32732")   # 180° belongs to zone 60, not a 61st
    for (lon, lat), code in cases.items():
        assert georef.suggest_crs(lon, lat) == f"{code} ({pyproj.CRS(code).name})", (lon, lat)
