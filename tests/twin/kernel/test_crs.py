"""srsName / referenceSystem / user CRS parsing against EPSG definitions (pyproj) and the real files' headers."""
from __future__ import annotations

import re

import pytest
from pyproj import CRS

from geotwin.twin.kernel.crs import area_of_use_problem, crs_from_cityjson, crs_override, parse_srs_name
from geotwin.twin.kernel.errors import InputError


@pytest.mark.parametrize("text, horizontal, vertical", [
    ("EPSG:25832", "EPSG:25832", None),
    ("epsg:25832", "EPSG:25832", None),
    ("urn:ogc:def:crs:EPSG::25832", "EPSG:25832", None),
    ("urn:ogc:def:crs:EPSG:6.12:25832", "EPSG:25832", None),
    ("urn:x-ogc:def:crs:EPSG:25833", "EPSG:25833", None),
    ("urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837", "EPSG:25832", "EPSG:7837"),
    ("urn:ogc:def:crs,crs:EPSG:6.12:25832,crs:EPSG:6.12:5783", "EPSG:25832", "EPSG:5783"),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH", "EPSG:25832", "EPSG:7837"),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH", "EPSG:25832", "EPSG:5783"),
    ("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH", "EPSG:25833", "EPSG:7837"),
    ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH", "EPSG:31467", "EPSG:5783"),
    ("urn:adv:crs:ETRS89_UTM32", "EPSG:25832", None),
    ("http://www.opengis.net/def/crs/EPSG/0/25832", "EPSG:25832", None),
    ("https://www.opengis.net/def/crs/EPSG/0/25832", "EPSG:25832", None),
    ("http://www.opengis.net/gml/srs/epsg.xml#25832", "EPSG:25832", None),
    ("http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/25832"
     "&2=http://www.opengis.net/def/crs/EPSG/0/7837", "EPSG:25832", "EPSG:7837"),
    ("EPSG:7415", "EPSG:28992", "EPSG:5709"),        # Amersfoort / RD New + NAP height
    ("EPSG:2056+5728", "EPSG:2056", "EPSG:5728"),     # CH1903+ / LV95 + LN02 height
    ("EPSG:5555", "EPSG:25832", "EPSG:5783"),         # ETRS89 / UTM 32N + DHHN92 height
])
def test_srs_name_forms(text, horizontal, vertical):
    info = parse_srs_name(text)
    assert (info.horizontal, info.vertical) == (horizontal, vertical)
    assert info.source_text == text
    if vertical is None:
        assert info.compound_wkt is None
    else:
        # the WKT describes exactly the two parts, as EPSG defines them
        compound = CRS.from_wkt(info.compound_wkt)
        assert compound.is_compound
        assert [p.to_epsg() for p in compound.sub_crs_list] == [int(horizontal[5:]), int(vertical[5:])]
        assert CRS.from_epsg(int(vertical[5:])).is_vertical


def test_compound_code_split_matches_epsg_definition():
    for code in (7415, 5555, 9518):
        expected = [p.to_epsg() for p in CRS.from_epsg(code).sub_crs_list]
        info = parse_srs_name(f"urn:ogc:def:crs:EPSG::{code}")
        assert [int(info.horizontal[5:]), int(info.vertical[5:])] == expected


def test_cityjson_reference_systems():
    assert (crs_from_cityjson("https://www.opengis.net/def/crs/EPSG/0/7415").vertical) == "EPSG:5709"
    info = crs_from_cityjson("https://www.opengis.net/def/crs/EPSG/0/2056")
    assert (info.horizontal, info.vertical) == ("EPSG:2056", None)
    assert crs_from_cityjson("urn:ogc:def:crs:EPSG::7415").horizontal == "EPSG:28992"


def test_override_forms():
    assert crs_override("EPSG:25832").horizontal == "EPSG:25832"
    info = crs_override("EPSG:25832+7837")
    assert (info.horizontal, info.vertical) == ("EPSG:25832", "EPSG:7837")
    info = crs_override(CRS.from_epsg(5555).to_wkt())  # WKT of a compound CRS
    assert (info.horizontal, info.vertical) == ("EPSG:25832", "EPSG:5783")
    assert crs_override(CRS.from_epsg(31467).to_wkt()).horizontal == "EPSG:31467"
    for junk, match in (("", "^cannot understand the CRS ''"), ("nonsense", "^cannot understand the CRS 'nonsense'"),
                        ("EPSG:5783", "^the CRS 'EPSG:5783' has no horizontal part$")):  # empty, unparsable, vertical
        with pytest.raises(InputError, match=match):
            crs_override(junk)


@pytest.mark.parametrize("bad, match", [
    ("", "^empty srsName$"), ("EPSG:999999", "^unknown CRS EPSG:999999 in 'EPSG:999999'"),
    ("urn:adv:crs:NOWHERE_UTM99", "^unknown AdV CRS part 'NOWHERE_UTM99'"),
    ("local:grid", "^unknown srsName 'local:grid'; accepted forms: "),
    ("urn:adv:crs:ETRS89_UTM32*DE_NOHEIGHT", "^unknown AdV CRS part 'DE_NOHEIGHT'"),
    ("EPSG:5783", "^'EPSG:5783' names only a vertical CRS; the horizontal CRS is unknown$")])
def test_unknown_or_incomplete_names_are_refused(bad, match):
    with pytest.raises(InputError, match=match):
        parse_srs_name(bad)


def test_real_files_srs_names(shared_data):
    """The CRS each real file states (read with a regex here) maps to the datum its header names."""
    expected = {"hamburg/2016": "EPSG:5783", "hamburg/2022": "EPSG:7837"}  # DHHN92 / DHHN2016 height
    for folder, vertical in expected.items():
        text = (shared_data / "citygml" / folder / "LoD2_576_5950_1_HH.xml").read_text("utf-8")
        srs = re.search(r'srsName="([^"]+)"', text).group(1)
        info = parse_srs_name(srs)
        assert info.horizontal == "EPSG:25832" and info.vertical == vertical
        assert CRS.from_user_input(vertical).name == ("DHHN92 height" if "92" in srs else "DHHN2016 height")


def test_area_of_use():
    utm32 = parse_srs_name("EPSG:25832")
    # Hamburg tile envelope and FZK-Haus (Karlsruhe): inside UTM 32N's area of use
    assert area_of_use_problem(utm32, (576229.976, 5949995.357, 576576.105, 5950845.71)) is None
    assert area_of_use_problem(utm32, (457842.0, 5439083.0, 457854.0, 5439093.0)) is None
    # Gauss-Krueger eastings (zone prefix 3) or UTM with zone prefix 32 are flagged
    assert "outside the area of use of EPSG:25832" in area_of_use_problem(utm32, (3457842, 5439083, 3457854, 5439093))
    assert area_of_use_problem(utm32, (32457842, 5439083, 32457854, 5439093)) is not None
    # Karlsruhe coordinates declared as RD New (Netherlands)
    assert "EPSG:28992" in area_of_use_problem(parse_srs_name("EPSG:7415"), (457842, 5439083, 457854, 5439093))
