"""srsName forms of real deliveries (AdV URNs with quasigeoid, EPSG URNs/URIs, compound forms, CityJSON
referenceSystem), one by one against EPSG (pyproj), and the errors for unknown or contradictory names."""
from __future__ import annotations

import re

import pytest
from pyproj import CRS

from geotwin.twin.kernel.crs import ACCEPTED_FORMS, ADV_FORMS, crs_from_cityjson, crs_override, parse_srs_name
from geotwin.twin.kernel.errors import InputError

GCG = "GCG2016"

# (srsName as written, horizontal EPSG, vertical EPSG or None, quasigeoid or None)
FORMS = [
    # AdV URNs. Current LoD2 deliveries name the quasigeoid too (e.g. LGLN, CityBIT exports):
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016", 25832, 7837, GCG),
    ("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH*GCG2016", 25833, 7837, GCG),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH", 25832, 7837, None),   # NRW, Bavaria, Hamburg 2022
    ("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH", 25833, 7837, None),   # Berlin, Saxony, Brandenburg
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH", 25832, 5783, None),     # FZK-Haus, Hamburg 2016
    ("urn:adv:crs:ETRS89_UTM33*DE_DHHN92_NH", 25833, 5783, None),
    ("urn:adv:crs:ETRS89_UTM31*DE_DHHN92_NH", 25831, 5783, None),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH*GCG2011", 25832, 5783, "GCG2011"),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH*GCG05", 25832, 5783, "GCG05"),
    ("urn:adv:crs:ETRS89_UTM32", 25832, None, None),
    ("urn:adv:crs:ETRS89_UTM33", 25833, None, None),
    ("urn:adv:crs:ETRS89_3GK3*DE_DHHN2016_NH", 8395, 7837, None),     # Hamburg's ETRS89 Gauss-Krueger
    ("urn:adv:crs:ETRS89_Lat-Lon", 4258, None, None),
    ("urn:adv:crs:ETRS89_Lat-Lon*DE_DHHN2016_NH", 4258, 7837, None),
    ("urn:adv:crs:DE_DHDN_Lat-Lon", 4314, None, None),
    ("urn:adv:crs:DE_DHDN_3GK2*DE_DHHN92_NH", 31466, 5783, None),
    ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH", 31467, 5783, None),
    ("urn:adv:crs:DE_DHDN_3GK4*DE_DHHN92_NH", 31468, 5783, None),
    ("urn:adv:crs:DE_DHDN_3GK5*DE_DHHN92_NH", 31469, 5783, None),
    ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN12_NOH", 31467, 7699, None),    # DHHN12 normal-orthometric
    ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN85_NOH", 31467, 5784, None),
    ("urn:adv:crs:DE_DHDN_3GK3_BW100*DE_DHHN12_NOH", 31467, 7699, None),  # state realisation (Baden-W.)
    ("urn:adv:crs:DE_DHDN_3GK2_NW177*DE_DHHN92_NH", 31466, 5783, None),
    ("urn:adv:crs:DE_DHDN_3GK4*DE_DHN92_NH", 31468, 5783, None),       # 3DCityDB documentation's spelling
    ("urn:adv:crs:DE_42/83_3GK4*DE_SNN76_NH", 2398, 5785, None),
    ("urn:adv:crs:ETRS89_UTM33*DE_SNN76_NH", 25833, 5785, None),
    ("urn:adv:crs:DE_RD/83_3GK5*DE_DHHN92_NH", 3399, 5783, None),
    ("urn:adv:crs:DE_PD/83_3GK4*DE_DHHN92_NH", 3397, 5783, None),
    # the same, written loosely: case, blanks, reversed or repeated parts, empty parts
    ("urn:adv:crs:etrs89_utm32*de_dhhn2016_nh*gcg2016", 25832, 7837, GCG),
    ("URN:ADV:CRS:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016", 25832, 7837, GCG),
    ("urn:adv:crs:ETRS89_UTM32 * DE_DHHN2016_NH * GCG2016", 25832, 7837, GCG),
    ("  urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016\n", 25832, 7837, GCG),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG 2016", 25832, 7837, GCG),
    ("urn:adv:crs:DE_DHHN2016_NH*ETRS89_UTM32", 25832, 7837, None),
    ("urn:adv:crs:GCG2016*DE_DHHN2016_NH*ETRS89_UTM32", 25832, 7837, GCG),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016*GCG2016", 25832, 7837, GCG),
    ("urn:adv:crs:ETRS89_UTM32*ETRS89_UTM32*DE_DHHN2016_NH", 25832, 7837, None),
    ("urn:adv:crs:ETRS89_UTM32**DE_DHHN2016_NH*", 25832, 7837, None),
    ("urn:adv:crs:ETRS89_Lat_Lon", 4258, None, None),
    # EPSG codes, URNs (with and without version), URIs, compound forms
    ("EPSG:25832", 25832, None, None),
    ("epsg:25832", 25832, None, None),
    ("EPSG::25832", 25832, None, None),
    ("25832", 25832, None, None),
    ("EPSG:25832+7837", 25832, 7837, None),
    ("EPSG:25833+5783", 25833, 5783, None),
    ("EPSG:5555", 25832, 5783, None),                                  # ETRS89 / UTM 32N + DHHN92 height
    ("urn:ogc:def:crs:EPSG::25832", 25832, None, None),
    ("urn:ogc:def:crs:EPSG:6.12:25832", 25832, None, None),
    ("urn:ogc:def:crs:EPSG:25832", 25832, None, None),
    ("urn:x-ogc:def:crs:EPSG:25833", 25833, None, None),
    ("urn:ogc:def:crs:EPSG::5555", 25832, 5783, None),
    ("urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837", 25832, 7837, None),
    ("urn:ogc:def:crs,crs:EPSG:6.12:25832,crs:EPSG:6.12:5783", 25832, 5783, None),
    # malformed URNs of real exporters: a Karlsruhe city model (glob3mobile/g3m), a Berlin building
    ("urn:ogc:def,crs::EPSG:31467", 31467, None, None),
    ("urn:ogc:def,crs,crs:EPSG:6.12:25833,crs:EPSG:6.12:5783", 25833, 5783, None),
    ("urn:x-ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837", 25832, 7837, None),
    ("http://www.opengis.net/def/crs/EPSG/0/25832", 25832, None, None),
    ("https://www.opengis.net/def/crs/EPSG/0/25833", 25833, None, None),
    ("http://www.opengis.net/def/crs/EPSG/9.9.1/25832", 25832, None, None),
    ("http://www.opengis.net/gml/srs/epsg.xml#25832", 25832, None, None),
    ("http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/25832"
     "&2=http://www.opengis.net/def/crs/EPSG/0/7837", 25832, 7837, None),
    ("https://www.opengis.net/def/crs-compound?1=https://www.opengis.net/def/crs/EPSG/0/25833"
     "&2=https://www.opengis.net/def/crs/EPSG/0/7837", 25833, 7837, None),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326, None, None),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, None, None),
    # CityJSON referenceSystem: 1.0 URN, 1.1/2.0 URI
    ("urn:ogc:def:crs:EPSG::7415", 28992, 5709, None),
    ("https://www.opengis.net/def/crs/EPSG/0/7415", 28992, 5709, None),
    ("https://www.opengis.net/def/crs/EPSG/0/2056", 2056, None, None),
]


@pytest.mark.parametrize("text, horizontal, vertical, geoid", FORMS, ids=[f[0].strip() for f in FORMS])
def test_srs_name_form(text, horizontal, vertical, geoid):
    info = parse_srs_name(text)
    assert (info.horizontal, info.vertical, info.geoid_model) == (
        f"EPSG:{horizontal}", f"EPSG:{vertical}" if vertical else None, geoid)
    assert info.source_text == text.strip()
    assert not CRS.from_epsg(horizontal).is_vertical
    if vertical is None:
        assert info.compound_wkt is None
    else:
        compound = CRS.from_wkt(info.compound_wkt)
        assert [p.to_epsg() for p in compound.sub_crs_list] == [horizontal, vertical]
        assert CRS.from_epsg(vertical).is_vertical
    # the user's CRS override and CityJSON's referenceSystem accept the same forms
    assert crs_override(text) == info
    assert crs_from_cityjson(text) == info


# Each AdV part against the EPSG definition it is mapped to: the datum EPSG names for it.
@pytest.mark.parametrize("part, epsg_name", [
    ("ETRS89_UTM31", "ETRS89 / UTM zone 31N"), ("ETRS89_UTM32", "ETRS89 / UTM zone 32N"),
    ("ETRS89_UTM33", "ETRS89 / UTM zone 33N"), ("ETRS89_3GK3", "ETRS89 / Gauss-Kruger CM 9E"),
    ("ETRS89_Lat-Lon", "ETRS89"), ("DE_DHDN_Lat-Lon", "DHDN"),
    ("DE_DHDN_3GK2", "DHDN / 3-degree Gauss-Kruger zone 2"), ("DE_DHDN_3GK3", "DHDN / 3-degree Gauss-Kruger zone 3"),
    ("DE_DHDN_3GK4", "DHDN / 3-degree Gauss-Kruger zone 4"), ("DE_DHDN_3GK5", "DHDN / 3-degree Gauss-Kruger zone 5"),
    ("DE_42/83_3GK3", "Pulkovo 1942(83) / 3-degree Gauss-Kruger zone 3"),
    ("DE_42/83_3GK5", "Pulkovo 1942(83) / 3-degree Gauss-Kruger zone 5"),
    ("DE_PD/83_3GK3", "PD/83 / 3-degree Gauss-Kruger zone 3"), ("DE_PD/83_3GK4", "PD/83 / 3-degree Gauss-Kruger zone 4"),
    ("DE_RD/83_3GK4", "RD/83 / 3-degree Gauss-Kruger zone 4"), ("DE_RD/83_3GK5", "RD/83 / 3-degree Gauss-Kruger zone 5"),
])
def test_adv_positions_match_epsg_names(part, epsg_name):
    info = parse_srs_name(f"urn:adv:crs:{part}")
    assert CRS.from_user_input(info.horizontal).name == epsg_name
    assert part in ADV_FORMS


@pytest.mark.parametrize("part, epsg_name", [
    ("DE_DHHN2016_NH", "DHHN2016 height"), ("DE_DHHN92_NH", "DHHN92 height"), ("DE_DHHN12_NOH", "DHHN12 height"),
    ("DE_DHHN85_NOH", "DHHN85 height"), ("DE_SNN76_NH", "SNN76 height"),
])
def test_adv_heights_match_epsg_names(part, epsg_name):
    info = parse_srs_name(f"urn:adv:crs:ETRS89_UTM32*{part}")
    vertical = CRS.from_user_input(info.vertical)
    assert vertical.name == epsg_name and vertical.is_vertical
    assert part in ADV_FORMS


def test_dhhn12_is_the_1912_datum():
    """DE_DHHN12_NOH: EPSG:7699 "DHHN12 height" on the Deutsches Haupthoehennetz 1912."""
    info = parse_srs_name("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN12_NOH")
    assert CRS.from_user_input(info.vertical).datum.name == "Deutsches Haupthoehennetz 1912"


@pytest.mark.parametrize("bad, message", [
    ("", "empty srsName"),
    ("   ", "empty srsName"),
    ("local:grid", "unknown srsName 'local:grid'; accepted forms: EPSG:25832"),
    ("urn:ogc:def:crs:FOO::1", "unknown srsName 'urn:ogc:def:crs:FOO::1'"),
    ("urn:adv:crs:ETRS89_UTM99", "unknown AdV CRS part 'ETRS89_UTM99'"),
    ("urn:adv:crs:ETRS89_UTM32*DE_NOHEIGHT", "unknown AdV CRS part 'DE_NOHEIGHT'"),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG1999", "unknown AdV CRS part 'GCG1999'"),
    ("urn:adv:crs:ETRS89_3GK4", "unknown AdV CRS part 'ETRS89_3GK4'"),       # EPSG has no such CRS
    ("urn:adv:crs:ETRS89_GK3", "unknown AdV CRS part 'ETRS89_GK3'"),
    ("urn:adv:crs:ETRS89_Lat-Lon-h", "unknown AdV CRS part 'ETRS89_Lat-Lon-h'"),  # ellipsoidal heights
    ("urn:adv:crs:DE_DHDN_3GK3_BW1", "unknown AdV CRS part 'DE_DHDN_3GK3_BW1'"),
    ("urn:adv:crs:DE_DHHN2016_NH", "names no position (horizontal) CRS"),
    ("urn:adv:crs:DE_DHHN2016_NH*GCG2016", "names no position (horizontal) CRS"),
    ("urn:adv:crs:", "names no position (horizontal) CRS"),
    ("urn:adv:crs:ETRS89_UTM32*ETRS89_UTM33", "names two position systems (ETRS89_UTM32, ETRS89_UTM33)"),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN92_NH*DE_DHHN2016_NH", "names two height systems"),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016*GCG2011", "names two quasigeoid systems"),
    ("EPSG:5783", "names only a vertical CRS"),
    ("EPSG:999999", "unknown CRS EPSG:999999"),
    ("EPSG:25832+25833", "two horizontal CRSs"),
    ("urn:ogc:def:crs,crs:EPSG::25832,crs:FOO::1", "unsupported compound srsName"),
    ("http://www.opengis.net/def/crs-compound?1=foo&2=bar", "unsupported compound srsName"),
    ("urn:ogc:def,crs::FOO:31467", "unknown srsName"),          # malformed and not an EPSG reference
    ("urn:ogc:def,crs::EPSG:31467,crs:OGC::CRS84", "unknown srsName"),
])
def test_unknown_or_contradictory_names_are_refused(bad, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_srs_name(bad)


def test_unknown_name_lists_the_accepted_forms_briefly():
    with pytest.raises(InputError, match="unknown AdV CRS part 'DE_DHHN2016'") as caught:
        parse_srs_name("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016*GCG2016")  # "_NH" missing
    text = str(caught.value)
    assert "'DE_DHHN2016'" in text and "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016*GCG2016" in text
    for part in ("ETRS89_UTM32", "DE_DHDN_3GK3", "DE_DHHN2016_NH", "DE_DHHN12_NOH", "GCG2016"):
        assert part in text
    assert len(text) < 800
    with pytest.raises(InputError, match="^unknown srsName 'CRS:whatever'; accepted forms: ") as caught:
        parse_srs_name("CRS:whatever")
    assert str(caught.value) == f"unknown srsName 'CRS:whatever'; accepted forms: {ACCEPTED_FORMS}"
    assert len(ACCEPTED_FORMS) < 800
    for form in ("EPSG:25832+7837", "urn:ogc:def:crs:EPSG::25832", "urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837",
                 "www.opengis.net/def/crs/EPSG/0/25832", "crs-compound?1=", "urn:adv:crs:<position>"):
        assert form in ACCEPTED_FORMS


def test_override_keeps_the_quasigeoid_and_reads_wkt():
    info = crs_override("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016")
    assert (info.horizontal, info.vertical, info.geoid_model) == ("EPSG:25832", "EPSG:7837", GCG)
    wkt = crs_override(CRS.from_epsg(5555).to_wkt())  # not a srsName form: pyproj identifies it
    assert (wkt.horizontal, wkt.vertical, wkt.geoid_model) == ("EPSG:25832", "EPSG:5783", None)
