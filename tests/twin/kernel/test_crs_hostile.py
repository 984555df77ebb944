"""Hostile srsName / referenceSystem text: only InputError (short, naming the input), never another exception."""
from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geotwin.twin.citymodel.model import CrsInfo
from geotwin.twin.kernel.crs import MAX_SRS_NAME, crs_override, parse_srs_name, suggest_crs
from geotwin.twin.kernel.errors import InputError


@pytest.mark.parametrize("text", [
    "urn:adv:crs:" + "*" * 900,
    "urn:adv:crs:ETRS89_UTM32" + "*DE_DHHN2016_NH" * 60,     # repeated part: tolerated
    "EPSG:" + "9" * 400,
    "EPSG:25832\x00",
    "EPSG:\uff12\uff15\uff18\uff13\uff12",                    # full-width digits are not an EPSG code
    "urn:ogc:def:crs:EPSG:" + "1" * 900 + "x",
    "urn:ogc:def:crs," + ",".join(["crs:EPSG::25832"] * 50),
    "http://www.opengis.net/def/crs-compound?" + "&".join(f"{i}=EPSG:25832" for i in range(60)),
    "urn:adv:crs:ETRS89_UTM32*\u202eHN_6102NHHD_ED",
])
def test_hostile_names(text):
    try:
        info = parse_srs_name(text)
    except InputError as err:
        assert len(str(err)) < 1500
    else:
        assert info.horizontal == "EPSG:25832"  # only the repeated-part case parses


def test_overlong_name_is_refused_before_parsing():
    text = "urn:adv:crs:ETRS89_UTM32*" + "DE_DHHN2016_NH*" * 100_000
    with pytest.raises(InputError, match=f"srsName too long \\({len(text)} characters, at most {MAX_SRS_NAME}\\)"):
        parse_srs_name(text)
    assert len(text) > 1_000_000
    with pytest.raises(InputError, match=r"^cannot understand the CRS 'urn:adv:crs:ETRS89_UTM32\*DE_DHHN2016_NH\*"):
        crs_override(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.text(max_size=120),
    st.builds(lambda parts: "urn:adv:crs:" + "*".join(parts),
              st.lists(st.sampled_from(["ETRS89_UTM32", "etrs89_utm33", "DE_DHHN2016_NH", "DE_DHHN92_NH", "GCG2016",
                                        "GCG2011", "DE_DHDN_3GK3_BW100", " ", "", "X", "ETRS89_Lat-Lon"]), max_size=5)),
    st.builds(lambda a, b: f"EPSG:{a}+{b}", st.integers(0, 10**7), st.integers(0, 10**7)),
    st.text(alphabet=string.printable, max_size=60).map(lambda t: "urn:ogc:def:crs:EPSG:" + t),
))
def test_parser_raises_only_input_error(text):
    try:
        info = parse_srs_name(text)
    except InputError:
        return
    assert isinstance(info, CrsInfo) and info.horizontal.startswith("EPSG:")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=4, max_size=4))
def test_suggest_crs_never_raises_on_numbers(bbox):
    for guess in suggest_crs(bbox):
        assert -180 <= guess.lonlat_bbox[0] <= 180 and -90 <= guess.lonlat_bbox[1] <= 90
