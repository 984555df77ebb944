"""twin/kernel/crs.py pinned down: every srsName form against pyproj, the parse errors, the area-of-use margin at
all four edges and across the antimeridian, and the suggestions (zone number, swapped axes)."""
from __future__ import annotations

import pytest
from pyproj import CRS, Transformer

from geotwin.twin.kernel.crs import (
    AREA_OF_USE_MARGIN_DEG,
    MAX_SRS_NAME,
    CrsInfo,
    area_of_use_problem,
    crs_override,
    parse_srs_name,
    suggest_crs,
)
from geotwin.twin.kernel.errors import InputError


@pytest.mark.parametrize("text, h, v", [
    ("EPSG::25832", "EPSG:25832", None),
    ("epsg:25833", "EPSG:25833", None),
    ("  31467 ", "EPSG:31467", None),
    ("urn:x-ogc:def:crs:EPSG:6.12:25832", "EPSG:25832", None),
    ("http://www.opengis.net/gml/srs/epsg.xml#25832", "EPSG:25832", None),
    ("https://www.opengis.net/def/crs/EPSG/0/4258", "EPSG:4258", None),
    ("EPSG:25832+7837", "EPSG:25832", "EPSG:7837"),
    ("http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/25832"
     "&2=http://www.opengis.net/def/crs/EPSG/0/7837", "EPSG:25832", "EPSG:7837"),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", None),
    ("CRS84", "EPSG:4326", None),
    ("urn:ogc:def,crs::EPSG:31467", "EPSG:31467", None),
    ("urn:ogc:def,crs::epsg:31467", "EPSG:31467", None),
    ("urn:ogc:def,crs,crs:EPSG:6.12:25833,crs:EPSG:6.12:5783", "EPSG:25833", "EPSG:5783"),
    ("urn:adv:crs:de_dhdn_3gk3*de_dhhn92_nh", "EPSG:31467", "EPSG:5783"),
    ("urn:adv:crs:DE_DHDN_3GK3_BW100*DE_DHN92_NH", "EPSG:31467", "EPSG:5783"),
    ("urn:adv:crs:etrs89_lat_lon", "EPSG:4258", None),
    ("urn:adv:crs:ETRS89_UTM32 * ETRS89_UTM32 ** DE_DHHN2016_NH", "EPSG:25832", "EPSG:7837"),
])
def test_forms(text, h, v):
    info = parse_srs_name(text)
    assert (info.horizontal, info.vertical, info.source_text) == (h, v, text.strip())
    if v is None:
        assert info.compound_wkt is None
    else:
        compound = CRS.from_wkt(info.compound_wkt)
        assert [c.to_epsg() for c in compound.sub_crs_list] == [int(h[5:]), int(v[5:])]


def test_adv_quasigeoid_any_case_and_the_compound_epsg_code():
    info = parse_srs_name("urn:adv:crs:etrs89_utm32*de_dhhn2016_nh*gcg2016")
    assert (info.horizontal, info.vertical, info.geoid_model) == ("EPSG:25832", "EPSG:7837", "GCG2016")
    assert parse_srs_name("urn:adv:crs:ETRS89_UTM32").geoid_model is None
    rd = parse_srs_name("EPSG:7415")   # RD New + NAP: split, its own compound WKT kept
    assert (rd.horizontal, rd.vertical) == ("EPSG:28992", "EPSG:5709")
    assert CRS.from_wkt(rd.compound_wkt).to_epsg() == 7415


@pytest.mark.parametrize("text, match", [
    ("", r"^empty srsName$"),
    ("   ", r"^empty srsName$"),
    ("EPSG:25832+25833", r"^two horizontal CRSs in 'EPSG:25832\+25833'$"),
    ("urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::31467", r"^two horizontal CRSs in "),
    ("urn:ogc:def:crs,crs:EPSG::7415,crs:EPSG::25832", r"^two horizontal CRSs in "),
    ("EPSG:5783+7837", r"^two vertical CRSs in "),
    ("EPSG:7837", r"^'EPSG:7837' names only a vertical CRS; the horizontal CRS is unknown$"),
    ("EPSG:999999", r"^unknown CRS EPSG:999999 in 'EPSG:999999': "),
    ("urn:ogc:def:crs,crs:EPSG::25832,crs:FOO::1", r"^unsupported compound srsName "),
    ("http://www.opengis.net/def/crs-compound?1=foo", r"^unsupported compound srsName "),
    ("urn:adv:crs:ETRS89_UTM99", r"^unknown AdV CRS part 'ETRS89_UTM99' in .*; accepted: urn:adv:crs:"),
    ("urn:adv:crs:ETRS89_UTM32*ETRS89_UTM33", r"names two position systems \(ETRS89_UTM32, ETRS89_UTM33\)$"),
    ("urn:adv:crs:DE_DHHN92_NH*DE_DHHN2016_NH", r"names two height systems"),
    ("urn:adv:crs:DE_DHHN2016_NH*GCG2016", r"names no position \(horizontal\) CRS; accepted: "),
    ("urn:adv:crs:", r"names no position"),
    ("urn:ogc:def,crs:EPSG:25832,foo", r"^unknown srsName .*; accepted forms: EPSG:25832, "),
    ("Gauss-Krueger", r"^unknown srsName 'Gauss-Krueger'; accepted forms"),
    ("urn:ogc:def,crs::EPSG:\u0663\u0661\u0664\u0666\u0667", r"^unknown srsName "),  # Arabic-Indic digits
    ("EPSG:\u0663\u0661\u0664\u0666\u0667", r"^unknown srsName "),
])
def test_errors(text, match):
    with pytest.raises(InputError, match=match):
        parse_srs_name(text)


def test_length_limit():
    parse_srs_name(" " * 10 + "EPSG:25832")   # blanks around do not count
    at_limit = "EPSG:" + "0" * (MAX_SRS_NAME - 10) + "25832"
    assert len(at_limit) == MAX_SRS_NAME and parse_srs_name(at_limit).horizontal == "EPSG:25832"
    with pytest.raises(InputError, match=rf"^srsName too long \({MAX_SRS_NAME + 1} characters, at most "
                                         rf"{MAX_SRS_NAME}\): 'EPSG:0"):
        parse_srs_name("EPSG:0" + at_limit[5:])
    long = "x" * 200
    with pytest.raises(InputError, match=r"^unknown srsName 'x{120}\.\.\.'"):
        parse_srs_name(long)


def test_override_accepts_wkt_and_names_the_failures():
    wkt = CRS.from_epsg(25832).to_wkt()
    assert crs_override(wkt).horizontal == "EPSG:25832"
    both = crs_override(CRS.from_epsg(7415).to_wkt())
    assert (both.horizontal, both.vertical) == ("EPSG:28992", "EPSG:5709")
    assert crs_override("EPSG:25832+7837").vertical == "EPSG:7837"
    with pytest.raises(InputError, match=r"^cannot understand the CRS 'no such crs': "):
        crs_override("no such crs")
    with pytest.raises(InputError, match=r"^the CRS .* has no horizontal part$"):
        crs_override(CRS.from_epsg(7837).to_wkt())
    with pytest.raises(InputError, match=r"^no EPSG code matches the CRS "):
        crs_override("+proj=tmerc +lat_0=0 +lon_0=10.3 +k=1 +x_0=123 +y_0=0 +ellps=GRS80 +units=m")


def _utm32(lon, lat):
    return Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(lon, lat)


@pytest.mark.parametrize("edge", ["west", "east", "south", "north"])
def test_area_of_use_margin_at_each_edge(edge):
    """Half a degree beyond the published area of use still fits; a little more does not."""
    area = CRS.from_epsg(25832).area_of_use
    info = CrsInfo("EPSG:25832", None)
    mid_lon, mid_lat = (area.west + area.east) / 2, 60.0
    for delta, fits in ((AREA_OF_USE_MARGIN_DEG - 0.02, True), (AREA_OF_USE_MARGIN_DEG + 0.02, False)):
        lon, lat = {"west": (area.west - delta, mid_lat), "east": (area.east + delta, mid_lat),
                    "south": (mid_lon, area.south - delta), "north": (mid_lon, area.north + delta)}[edge]
        x, y = _utm32(lon, lat)
        problem = area_of_use_problem(info, (x - 1, y - 1, x + 1, y + 1))
        assert (problem is None) == fits, (edge, delta, problem)
        if not fits:
            assert problem.startswith("coordinates (") and "lie outside the area of use of EPSG:25832" in problem
            assert problem.endswith("; give the right CRS as the CRS override")


def test_area_of_use_problem_messages():
    info = CrsInfo("EPSG:25832", None)
    assert area_of_use_problem(info, (455000, 5427000, 457000, 5429000)) is None
    assert area_of_use_problem(CrsInfo(None, None), (0, 0, 1, 1)) is None
    assert area_of_use_problem(info, (float("nan"), 0, 1, 1)) == "coordinates are not finite: (nan, 0, 1, 1)"
    # Gauss-Krueger zone 3 numbers declared as UTM 32
    gk = area_of_use_problem(info, (3456000, 5427000, 3457000, 5428000))
    assert "the coordinates look like EPSG:31467 (DHDN / 3-degree Gauss-Kruger zone 3)" in gk
    # UTM eastings without the zone number, declared as Gauss-Krueger zone 3
    nozone = area_of_use_problem(CrsInfo("EPSG:31467", None), (456000, 5427000, 457000, 5428000))
    assert "EPSG:31467 eastings without the zone number in front (AdV/NAS style): add 3000000 to x" in nozone
    # latitude/longitude declared as UTM: swapped and unswapped geographic guesses in Germany, first
    ll = area_of_use_problem(info, (8.4, 49.0, 8.5, 49.1))
    assert "the coordinates look like EPSG:4258" in ll
    nothing = area_of_use_problem(info, (-5e7, -5e7, -4e7, -4e7))
    assert nothing.endswith("they fit none of EPSG:25832, EPSG:25833, EPSG:25831, EPSG:4647, EPSG:5650, "
                            "EPSG:31467, EPSG:31466, EPSG:31468, EPSG:31469, EPSG:4258, EPSG:4326, EPSG:3857, "
                            "EPSG:28992, EPSG:2056 either; give the right CRS as the CRS override")


def test_suggest_crs_order_swaps_and_limits():
    x, y = _utm32(8.4, 49.0)
    guesses = suggest_crs((x, y))
    assert guesses[0].crs == "EPSG:25832" and not guesses[0].swapped and guesses[0].in_germany
    lonlat = suggest_crs((49.0, 8.4))   # latitude first
    assert [(g.crs, g.swapped) for g in lonlat][:2] == [("EPSG:4258", True), ("EPSG:4326", True)]
    assert str(lonlat[0]) == "EPSG:4258 (ETRS89) with x and y swapped (latitude first)"
    assert lonlat[0].lonlat_bbox == pytest.approx((8.4, 49.0, 8.4, 49.0))
    assert suggest_crs((float("inf"), 0.0)) == []
    assert [g.crs for g in suggest_crs((8.4, 49.0), declared="EPSG:4326")][:2] == ["EPSG:4326", "EPSG:4258"]
    assert suggest_crs((x, y), candidates=("EPSG:nonsense", "EPSG:25832"))[0].crs == "EPSG:25832"
    # outside Europe: sorted after the European ones, flags false
    far = suggest_crs((-122.4, 37.8))
    assert far and not far[0].in_germany and not far[0].in_europe
    with pytest.raises(ValueError, match=r"^expected \(x, y\) or \(xmin, ymin, xmax, ymax\), got 3 numbers$"):
        suggest_crs((1.0, 2.0, 3.0))


def test_area_across_the_antimeridian():
    """EPSG:3832 (PDC Mercator, area 98.69E..70W across 180): both sides of the antimeridian fit."""
    area = CRS.from_epsg(3832).area_of_use
    assert area.west > area.east
    to = Transformer.from_crs("EPSG:4326", "EPSG:3832", always_xy=True)
    for lon in (170.0, -170.0, area.west - 0.4):
        x, y = to.transform(lon, 0.0)
        assert area_of_use_problem(CrsInfo("EPSG:3832", None), (x, y, x, y)) is None, lon
    x, y = to.transform(0.0, 0.0)
    assert area_of_use_problem(CrsInfo("EPSG:3832", None), (x, y, x, y)) is not None


@pytest.mark.parametrize("name, code, words", [
    ("ETRS89_UTM31", 25831, "UTM zone 31N"), ("ETRS89_UTM32", 25832, "UTM zone 32N"),
    ("ETRS89_UTM33", 25833, "UTM zone 33N"), ("ETRS89_3GK3", 8395, "Gauss-Kruger CM 9E"),
    ("ETRS89_Lat-Lon", 4258, "ETRS89"), ("DE_DHDN_3GK2", 31466, "zone 2"), ("DE_DHDN_3GK3", 31467, "zone 3"),
    ("DE_DHDN_3GK4", 31468, "zone 4"), ("DE_DHDN_3GK5", 31469, "zone 5"), ("DE_DHDN_Lat-Lon", 4314, "DHDN"),
    ("DE_42/83_3GK3", 2397, "Pulkovo 1942(83) / 3-degree Gauss-Kruger zone 3"),
    ("DE_42/83_3GK4", 2398, "Pulkovo 1942(83) / 3-degree Gauss-Kruger zone 4"),
    ("DE_42/83_3GK5", 2399, "Pulkovo 1942(83) / 3-degree Gauss-Kruger zone 5"),
    ("DE_PD/83_3GK3", 3396, "PD/83 / 3-degree Gauss-Kruger zone 3"),
    ("DE_PD/83_3GK4", 3397, "PD/83 / 3-degree Gauss-Kruger zone 4"),
    ("DE_RD/83_3GK4", 3398, "RD/83 / 3-degree Gauss-Kruger zone 4"),
    ("DE_RD/83_3GK5", 3399, "RD/83 / 3-degree Gauss-Kruger zone 5"),
])
def test_every_adv_position(name, code, words):
    assert words in CRS.from_epsg(code).name     # the table's code is the CRS its name says
    for text in (name, name.lower()):
        assert parse_srs_name(f"urn:adv:crs:{text}").horizontal == f"EPSG:{code}"


@pytest.mark.parametrize("name, code", [("DE_DHHN2016_NH", 7837), ("DE_DHHN92_NH", 5783), ("DE_DHHN12_NOH", 7699),
                                        ("DE_DHHN85_NOH", 5784), ("DE_SNN76_NH", 5785)])
def test_every_adv_height(name, code):
    info = parse_srs_name(f"urn:adv:crs:ETRS89_UTM32*{name.lower()}*gcg2011")
    assert (info.vertical, info.geoid_model) == (f"EPSG:{code}", "GCG2011")
    assert CRS.from_epsg(code).is_vertical
    assert parse_srs_name(f"urn:adv:crs:ETRS89_UTM32*{name}*GCG05").geoid_model == "GCG05"


@pytest.mark.parametrize("lon, lat, germany, europe", [
    (11.1, 47.4, True, True),     # Garmisch, 0.13 degrees above Germany's southern edge
    (10.0, 54.9, True, True),     # Flensburg
    (24.9, 35.3, False, True),    # Crete, 0.3 degrees above Europe's southern edge
    (20.0, 71.5, False, True),    # North Cape
    (-10.5, 52.0, False, True),   # western Ireland
    (10.0, 34.5, False, False),   # Tunisia
])
def test_germany_and_europe_boxes(lon, lat, germany, europe):
    guess = next(g for g in suggest_crs((lon, lat)) if g.crs == "EPSG:4326" and not g.swapped)
    assert (guess.in_germany, guess.in_europe) == (germany, europe)
