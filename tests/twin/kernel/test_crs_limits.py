"""twin/kernel/crs.py at its limits: the longitude/latitude range, the area-of-use margin of a geographic CRS
across the antimeridian (exact, no projection in between), the Germany/Europe boxes' edges, the PROJ-string
override at pyproj's identification confidence, the zone-number prefix, and the message with one guess.

Expected values come from pyproj (areas of use, identification) and the EPSG definitions.
"""
from __future__ import annotations

import dataclasses

import pytest
from pyproj import CRS

from geotwin.twin.kernel import crs as kcrs
from geotwin.twin.kernel.errors import InputError

NZ = "EPSG:4167"   # NZGD2000, geographic, area 160.6 E .. 171.2 W (across the antimeridian), 55.95 S .. 25.88 S


def test_nz_area_is_as_published():
    area = CRS(NZ).area_of_use
    assert (area.west, area.south, area.east, area.north) == (160.6, -55.95, -171.2, -25.88)


@pytest.mark.parametrize("bbox, fits", [
    ((170.0, -40.0, 175.0, -30.0), True),
    ((160.1, -40.0, 160.1, -40.0), True),     # west - 0.5
    ((160.09, -40.0, 160.09, -40.0), False),
    ((-170.7, -40.0, -170.7, -40.0), True),   # east + 0.5
    ((-170.69, -40.0, -170.69, -40.0), False),
    ((170.0, -56.45, 170.0, -40.0), True),    # south - 0.5
    ((170.0, -56.46, 170.0, -40.0), False),
    ((170.0, -40.0, 170.0, -25.38), True),    # north + 0.5
    ((170.0, -40.0, 170.0, -25.37), False),
    ((175.0, -40.0, -175.0, -40.0), True),    # both sides of the antimeridian
    ((0.0, -40.0, 0.0, -40.0), False),
    ((170.0, -40.0, 0.0, -40.0), False),
])
def test_geographic_area_across_the_antimeridian_has_exact_edges(bbox, fits):
    guess = kcrs._fits(NZ, bbox, swapped=False)
    assert (guess is not None) == fits
    if fits:
        assert guess.lonlat_bbox == bbox and guess.crs == NZ and guess.name == "NZGD2000"
        assert not guess.swapped and not guess.in_germany and not guess.in_europe


@pytest.mark.parametrize("bbox, fits", [
    ((-180.0, -90.0, 180.0, 90.0), True), ((-180.2, 0.0, 0.0, 0.0), False), ((0.0, 0.0, 180.2, 0.0), False),
    ((0.0, -90.2, 0.0, 0.0), False), ((0.0, 0.0, 0.0, 90.2), False), ((179.9, 89.9, 180.0, 90.0), True),
])
def test_lonlat_beyond_the_globe_is_no_position(bbox, fits):
    """The margin of 0.5° must not let longitudes beyond ±180 or latitudes beyond ±90 through."""
    assert (kcrs._lonlat_bbox("EPSG:4326", bbox) is not None) == fits
    assert (kcrs._fits("EPSG:4326", bbox, swapped=False) is not None) == fits


def test_lonlat_bbox_of_a_projected_crs_is_its_transform_bounds():
    box = (456000.0, 5429000.0, 457000.0, 5430000.0)
    lonlat = kcrs._lonlat_bbox("EPSG:25832", box)
    from pyproj import Transformer

    want = Transformer.from_crs("EPSG:25832", "EPSG:4258", always_xy=True).transform_bounds(*box, densify_pts=21)
    assert lonlat == pytest.approx(want, abs=1e-7)
    assert all(isinstance(v, float) for v in lonlat)
    assert kcrs._lonlat_bbox("EPSG:25832", (456000.0, 5429000.0, 4.0e7, 5430000.0)) is None   # beyond the domain


@pytest.mark.parametrize("lon, lat, germany, europe", [
    (5.86, 47.27, True, True), (15.04, 55.09, True, True), (5.8599, 50.0, False, True), (10.0, 55.0901, False, True),
    (-11.0, 35.0, False, True), (32.0, 72.0, False, True), (-11.0001, 50.0, False, False), (20.0, 72.0001, False, False),
    (15.0401, 50.0, False, True), (10.0, 47.2699, False, True), (32.0001, 50.0, False, False),
    (20.0, 34.9999, False, False),
])
def test_germany_and_europe_edges_are_inside(lon, lat, germany, europe):
    guess = kcrs._fits("EPSG:4326", (lon, lat, lon, lat), swapped=False)
    assert (guess.in_germany, guess.in_europe) == (germany, europe)


def test_inside_rect_edges():
    outer = (1.0, 2.0, 3.0, 4.0)
    assert kcrs._inside_rect(outer, outer, 0.0)
    assert kcrs._inside_rect((0.5, 1.5, 3.5, 4.5), outer, 0.5)
    for inner in ((0.9, 2.0, 3.0, 4.0), (1.0, 1.9, 3.0, 4.0), (1.0, 2.0, 3.1, 4.0), (1.0, 2.0, 3.0, 4.1)):
        assert not kcrs._inside_rect(inner, outer, 0.0)


def test_guess_is_frozen_and_printed_with_the_swap():
    guess = kcrs._fits("EPSG:4326", (49.0, 8.4, 49.0, 8.4), swapped=True)
    assert guess.lonlat_bbox == (8.4, 49.0, 8.4, 49.0) and guess.swapped
    assert str(guess) == "EPSG:4326 (WGS 84) with x and y swapped (latitude first)"
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'crs'"):
        guess.crs = "EPSG:4258"  # type: ignore[misc]
    assert len({guess, kcrs._fits("EPSG:4326", (49.0, 8.4, 49.0, 8.4), swapped=True)}) == 1


def test_override_from_a_proj_string_at_the_identification_confidence():
    """pyproj identifies a PROJ string with confidence 70, a renamed WKT with more; both are accepted."""
    text = "+proj=utm +zone=32 +ellps=GRS80 +units=m +no_defs"
    assert CRS(text).to_epsg(min_confidence=70) == 25832 and CRS(text).to_epsg(min_confidence=71) is None
    info = kcrs.crs_override(text)
    assert (info.horizontal, info.vertical, info.source_text) == ("EPSG:25832", None, text)
    with pytest.raises(InputError, match=r"^no EPSG code matches the CRS '\+proj=tmerc \+lon_0=9\.5 "):
        kcrs.crs_override("+proj=tmerc +lon_0=9.5 +ellps=GRS80 +units=m")


@pytest.mark.parametrize("code, prefix", [
    ("EPSG:31467", 3000000.0), ("EPSG:31469", 5000000.0), ("EPSG:4647", 32000000.0), ("EPSG:25832", 0.0),
    ("EPSG:4326", 0.0), ("EPSG:3857", 0.0), ("EPSG:2056", 0.0), ("EPSG:3035", 0.0),
    ("EPSG:2193", 0.0),   # NZTM: Transverse Mercator, false easting 1 600 000 m (no x 500 000 zone form)
])
def test_zone_prefix(code, prefix):
    value = kcrs._zone_prefix(CRS(code))
    assert value == prefix and isinstance(value, float)


def test_problem_with_exactly_one_guess_has_no_alternatives():
    info = kcrs.parse_srs_name("EPSG:28992")
    box = (-845000.0, 463000.0, -844900.0, 463100.0)
    assert [g.crs for g in kcrs.suggest_crs(box, "EPSG:28992")] == ["EPSG:3857"]
    message = kcrs.area_of_use_problem(info, box)
    assert message == ("coordinates (-845000.0, 463000.0, -844900.0, 463100.0) lie outside the area of use of "
                       "EPSG:28992 (Amersfoort / RD New; Netherlands - onshore: lon 3.2..7.22, lat 50.75..53.7); the "
                       "coordinates look like EPSG:3857 (WGS 84 / Pseudo-Mercator); give the right CRS as the CRS "
                       "override")


def test_problem_for_non_finite_and_fitting_boxes():
    info = kcrs.parse_srs_name("EPSG:25832")
    assert kcrs.area_of_use_problem(info, (456000.0, 5429000.0, 456100.0, 5429100.0)) is None
    assert kcrs.area_of_use_problem(info, (456000.0, float("nan"), 1.0, 2.0)) == \
        "coordinates are not finite: (456000.0, nan, 1.0, 2.0)"
    assert kcrs.area_of_use_problem(kcrs.CrsInfo(None, None), (0.0, 0.0, 1.0, 1.0)) is None


def test_srs_name_limit_is_1000_characters():
    """The limit itself, written out (not read from the module): 1000 characters pass, 1001 are refused."""
    at_limit = "EPSG:" + "0" * 990 + "25832"
    assert len(at_limit) == 1000 and kcrs.parse_srs_name(at_limit).horizontal == "EPSG:25832"
    with pytest.raises(InputError, match=r"^srsName too long \(1001 characters, at most 1000\): 'EPSG:0000"):
        kcrs.parse_srs_name("EPSG:0" + at_limit[5:])
    assert kcrs._shown("x" * 120) == repr("x" * 120) and kcrs._shown("x" * 121) == repr("x" * 120 + "...")


@pytest.mark.parametrize("text", ["epsg:25832+7837", "Epsg:25832+7837", "urn:OGC:def:crs:epsg::25832",
                                  "HTTP://WWW.OPENGIS.NET/def/crs/EPSG/0/25832", "urn:adv:crs:etrs89_utm32"])
def test_forms_in_any_case(text):
    assert kcrs.parse_srs_name(text).horizontal == "EPSG:25832"


@pytest.mark.parametrize("text", ["EPSG:\uff12\uff15\uff18\uff13\uff12+7837", "EPSG:25832+\u0667\u0668\u0663\u0667",
                                  "EPSG:\uff12\uff15\uff18\uff13\uff12", "\u0662\u0665\u0668\u0663\u0662"])
def test_only_ascii_digits_are_codes(text):
    """Fullwidth or Arabic-Indic digits are no EPSG code (int() would read them): refused, naming the text."""
    with pytest.raises(InputError, match=r"^unknown srsName '.*'; accepted forms: EPSG:25832, "):
        kcrs.parse_srs_name(text)


def test_compound_wkt_is_epsgs_own_for_one_compound_code():
    """One compound code (RD New + NAP): its WKT is EPSG's; two codes: a compound made of both, named after them."""
    one = kcrs.parse_srs_name("EPSG:7415")
    assert (one.horizontal, one.vertical) == ("EPSG:28992", "EPSG:5709")
    assert one.compound_wkt == CRS.from_epsg(7415).to_wkt()
    assert CRS.from_wkt(one.compound_wkt).name == "Amersfoort / RD New + NAP height"
    two = kcrs.parse_srs_name("EPSG:25832+7837")
    assert CRS.from_wkt(two.compound_wkt).name == "ETRS89 / UTM zone 32N + DHHN2016 height"
    assert CRS.from_wkt(two.compound_wkt).sub_crs_list == [CRS.from_epsg(25832), CRS.from_epsg(7837)]
    assert kcrs.parse_srs_name("EPSG:25832").compound_wkt is None


def test_info_without_epsg_codes_is_refused():
    """Every public path hands _info EPSG-identified CRSs (pyproj identifies all EPSG codes); a CRS without a code
    (horizontal, or vertical) is still refused there, naming the source."""
    custom = CRS("+proj=tmerc +lon_0=9.5 +ellps=GRS80 +units=m")
    with pytest.raises(InputError, match=r"^'src' has no EPSG code$"):
        kcrs._info(custom, None, "src")
    vertical = CRS.from_epsg(7837)
    custom_vertical = CRS.from_json_dict({k: v for k, v in vertical.to_json_dict().items() if k != "id"}
                                         | {"name": "local height", "datum": {"type": "VerticalReferenceFrame",
                                                                             "name": "local datum"}})
    assert custom_vertical.to_epsg() is None
    with pytest.raises(InputError, match=r"^'src' has no EPSG code$"):
        kcrs._info(CRS.from_epsg(25832), custom_vertical, "src")
    assert kcrs._info(CRS.from_epsg(25832), vertical, "src").vertical == "EPSG:7837"


def test_numbers_far_outside_the_projection_domain_are_no_guess():
    """N = -74 500 km in UTM 32: PROJ's inverse returns a finite point in Germany (49.5° N, 6.2° E), which does not
    map back: the corners must come back within a metre (plus 1e-6 of the numbers), so this is no guess."""
    box = (300000.0, -74500000.0, 300010.0, -74499990.0)
    crs, to_geo = kcrs._to_lonlat("EPSG:25832")
    lon, lat = to_geo.transform(box[0], box[1])
    assert 6.0 < lon < 6.5 and 49.0 < lat < 50.0   # finite nonsense inside the area of use
    back = to_geo.transform(lon, lat, direction="INVERSE")
    assert abs(back[1] - box[1]) > 1e6
    assert kcrs._lonlat_bbox("EPSG:25832", box) is None and kcrs._fits("EPSG:25832", box, False) is None
    assert "EPSG:25832" not in [g.crs for g in kcrs.suggest_crs(box)]
    # a box that does map back, 1e-6 relative tolerance: accepted
    assert kcrs._lonlat_bbox("EPSG:25832", (456000.0, 5429000.0, 456000.0, 5429000.0)) is not None


def test_guesses_in_germany_come_before_the_declared_crs():
    """Gauss-Krueger zone 3 numbers (Karlsruhe) declared as Pseudo-Mercator: the guess in Germany comes first."""
    guesses = kcrs.suggest_crs((3456000, 5429000, 3457000, 5430000), declared="EPSG:3857")
    assert [(g.crs, g.in_germany, g.in_europe) for g in guesses] == [("EPSG:31467", True, True),
                                                                      ("EPSG:3857", False, True)]


UTM32_AREA = ("lie outside the area of use of EPSG:25832 (ETRS89 / UTM zone 32N; Europe between 6°E and 12°E: "
              "lon 6.0..12.01, lat 38.76..84.33)")   # EPSG's published area of use of 25832


@pytest.mark.parametrize("box, looks_like", [
    # two guesses: both named
    ((3456000, 5429000, 3457000, 5430000),
     "EPSG:31467 (DHDN / 3-degree Gauss-Kruger zone 3) (or EPSG:3857 (WGS 84 / Pseudo-Mercator))"),
    # four guesses (lon/lat in Karlsruhe fits ETRS89, WGS 84 either way round, Pseudo-Mercator): the first three
    ((8.4, 49.0, 8.41, 49.01),
     "EPSG:4258 (ETRS89) (or EPSG:4326 (WGS 84), EPSG:4326 (WGS 84) with x and y swapped (latitude first))"),
    # one guess
    ((100, 100, 200, 200), "EPSG:3857 (WGS 84 / Pseudo-Mercator)"),
])
def test_problem_names_at_most_three_guesses(box, looks_like):
    problem = kcrs.area_of_use_problem(kcrs.crs_override("EPSG:25832"), box)
    assert problem == (f"coordinates {tuple(float(v) for v in box)} {UTM32_AREA}; the coordinates look like "
                       f"{looks_like}; give the right CRS as the CRS override")


def test_a_declared_wkt_is_named_by_its_epsg_code():
    """A declared CRS given as WKT is named in the guesses by its EPSG code, as the candidates are."""
    box = (456000, 5429000, 457000, 5430000)
    guesses = kcrs.suggest_crs(box, declared=CRS.from_epsg(25832).to_wkt(), candidates=())
    assert [(g.crs, g.name) for g in guesses] == [("EPSG:25832", "ETRS89 / UTM zone 32N")]


def test_guesses_in_europe_come_before_the_declared_crs_outside_it():
    """Longitude/latitude of Paris declared as Pseudo-Mercator (metres: a point off West Africa): the readings in
    Europe (ETRS89, WGS 84) come first, then the declared CRS, then the swapped reading (off Somalia)."""
    guesses = kcrs.suggest_crs((2.35, 48.85, 2.36, 48.86), declared="EPSG:3857")
    assert [(g.crs, g.swapped, g.in_germany, g.in_europe) for g in guesses] == [
        ("EPSG:4258", False, False, True), ("EPSG:4326", False, False, True), ("EPSG:3857", False, False, False),
        ("EPSG:4326", True, False, False)]
