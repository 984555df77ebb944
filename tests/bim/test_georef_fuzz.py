"""Fuzzing the IFC georeferencing with hypothesis: random IfcMapConversion values (NaN, infinities, zeros,
negatives, huge), CRS names, length and map units, IfcSite latitude/longitude compounds and elevations, and
manual anchors, written into the real KIT UTM sample's STEP text. Whatever the values, only GeoTwin's own
errors (GeoTwinError) may escape; a placement that is returned maps the model to finite coordinates inside the
target CRS's area of use (the import's check) or is refused by that check with a GeoTwinError."""
from __future__ import annotations

import math
import re
import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geotwin.bim import georef
from geotwin.bim.reader import open_ifc
from geotwin.twin.kernel.errors import GeoTwinError

SAMPLE = "ifc/georef/geographic-referencing-utm.ifc"
TARGETS = ("EPSG:25832", "EPSG:31467", "EPSG:4326", "EPSG:32616", "EPSG:3857", "EPSG:7856", "EPSG:3838")
CRS_NAMES = ("EPSG:25832", "EPSG:31467", "", "not a crs", "EPSG:999999", "EPSG:4326", "urn:ogc:def:crs:EPSG::3857",
             "EPSG:5834", "http://www.opengis.net/def/crs/EPSG/0/25833")
PREFIXES = ("$", ".MILLI.", ".CENTI.", ".DECI.", ".KILO.")
SPECIAL = ("-nan", "NAN", "inf", "$", "0.", "-0.", "1.E-300", "1.E300", "-1.")


def _real(value) -> str:
    """A STEP real, or a raw token (NaN as ifcopenshell reads it, $ for none)."""
    if isinstance(value, str):
        return value
    text = repr(float(value)).upper()
    return text if "." in text or "E" in text else text + "."


reals = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64), st.sampled_from(SPECIAL),
                  st.floats(min_value=-1e7, max_value=1e7), st.floats(min_value=0.9, max_value=1.1))
compound = st.one_of(st.none(), st.lists(st.integers(min_value=-10**7, max_value=10**7), min_size=0, max_size=5),
                     st.tuples(st.integers(-90, 90), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999999)))


@pytest.fixture(scope="module")
def template(shared_data):
    return (shared_data / SAMPLE).read_text()


def _file(text: str, directory, conversion: list, crs_name: str, length_prefix: str, map_prefix: str, lat, lon,
          elevation) -> str:
    def angle(value):
        return "$" if value is None else "(" + ",".join(str(v) for v in value) + ")"

    text = re.sub(r"IFCMAPCONVERSION\(#100011,#1,[^;]*\);",
                  "IFCMAPCONVERSION(#100011,#1," + ",".join(_real(v) for v in conversion) + ");", text)
    text = text.replace("IFCPROJECTEDCRS('EPSG:25832'", "IFCPROJECTEDCRS('" + crs_name.replace("'", "''") + "'")
    text = text.replace("#3= IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);", f"#3= IFCSIUNIT(*,.LENGTHUNIT.,{map_prefix},.METRE.);")
    text = text.replace("IFCSIUNIT(*,.LENGTHUNIT.,.MILLI.,.METRE.)", f"IFCSIUNIT(*,.LENGTHUNIT.,{length_prefix},.METRE.)")
    text = re.sub(r"\.ELEMENT\.,\(49,5,43,983700\),\(8,26,1,247300\),113\.7,",
                  f".ELEMENT.,{angle(lat)},{angle(lon)},{_real(elevation)},", text)
    path = directory / f"{uuid.uuid4().hex}.ifc"
    path.write_text(text)
    return str(path)


def _exercise(path: str, method: str, target: str, manual) -> None:
    """What the import does with the georeferencing: open, resolve, place a box and check the area of use."""
    try:
        model = open_ifc(path)
        placement = georef.resolve(model, method, target, manual=manual)
        if placement is None:
            return
        local = np.array([[-0.5, -0.5, 0.0], [0.5, 0.5, 4.0]])
        corners = np.array([[x, y, z] for x in local[:, 0] for y in local[:, 1] for z in local[:, 2]])
        placed = placement.apply(corners)
        georef.check_model_area(placement, (local[0], local[1]), (placed.min(axis=0), placed.max(axis=0)))
    except GeoTwinError:
        return
    assert np.isfinite(placed).all(), (placement.method, placed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conversion=st.lists(reals, min_size=6, max_size=6), crs_name=st.sampled_from(CRS_NAMES),
       length_prefix=st.sampled_from(PREFIXES), map_prefix=st.sampled_from(PREFIXES), lat=compound, lon=compound,
       elevation=reals, method=st.sampled_from(("auto", "map conversion", "site")), target=st.sampled_from(TARGETS))
def test_random_map_conversions_and_sites(template, tmp_path, conversion, crs_name, length_prefix, map_prefix, lat,
                                          lon, elevation, method, target):
    _exercise(_file(template, tmp_path, conversion, crs_name, length_prefix, map_prefix, lat, lon, elevation),
              method, target, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manual=st.tuples(*[st.one_of(st.floats(width=64), st.floats(min_value=-1e7, max_value=1e7))] * 4),
       target=st.sampled_from(TARGETS))
def test_random_manual_anchors(template, tmp_path, manual, target):
    path = _file(template, tmp_path, [458657.3, 5438232.25, 113.7, 0.27, 0.96, 0.001], "EPSG:25832", ".MILLI.", "$",
                 None, None, 0.0)
    _exercise(path, "manual", target, manual)


def test_the_template_is_the_sample(template, tmp_path):
    """The fuzzed file with the sample's own values places the pyramid where the sample does (the test bites)."""
    path = _file(template, tmp_path, [458657.3, 5438232.25, 113.7, 0.270600445976, 0.962691746426, 0.001],
                 "EPSG:25832", ".MILLI.", "$", (49, 5, 43, 983700), (8, 26, 1, 247300), 113.7)
    placement = georef.resolve(open_ifc(path), "auto", "EPSG:25832")
    origin = placement.apply(np.zeros((1, 3)))[0]
    assert math.dist(origin[:2], (458657.30, 5438232.25)) < 0.001 and placement.parameters["site_check_m"] < 0.01
