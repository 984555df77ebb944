"""The EPSG codes twin/kernel/crs.py resolves without PROJ (``_KNOWN``, ``_KNOWN_INSIDE``) give what PROJ gives.

Every table entry is checked against pyproj: the kind of each code, the CrsInfo and compound WKT of every srsName
form with and without the table, the same errors, and the rectangles' images inside the CRS's area of use. And the
city model import of those codes leaves pyproj unloaded.
"""
from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from pyproj import CRS, Transformer
from pyproj.crs.crs import CompoundCRS

from geotwin.twin.kernel import crs as kcrs
from geotwin.twin.kernel.errors import InputError

HORIZONTAL = [c for c, vertical in kcrs._KNOWN.items() if not vertical]
VERTICAL = [c for c, vertical in kcrs._KNOWN.items() if vertical]


def _without_table(monkeypatch, call):
    """``call()`` with PROJ doing all the work (the tables emptied), restored after."""
    with monkeypatch.context() as m:
        m.setattr(kcrs, "_KNOWN", {})
        m.setattr(kcrs, "_KNOWN_INSIDE", {})
        return call()


def _forms(h: int, v: int) -> list[str]:
    return [f"EPSG:{h}", f"EPSG:{h}+{v}", f"urn:ogc:def:crs,crs:EPSG::{h},crs:EPSG::{v}",
            f"https://www.opengis.net/def/crs/EPSG/0/{h}", f"urn:ogc:def:crs:EPSG:6.12:{h}",
            f"http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/{h}"
            f"&2=http://www.opengis.net/def/crs/EPSG/0/{v}"]


def test_known_codes_are_what_proj_says():
    assert sorted(HORIZONTAL) == [25832, 25833] and sorted(VERTICAL) == [5783, 5784, 5785, 7699, 7837]
    for code, vertical in kcrs._KNOWN.items():
        crs = CRS.from_epsg(code)
        assert (crs.is_compound, crs.is_vertical, crs.to_epsg()) == (False, vertical, code)
        assert CRS.from_user_input(f"EPSG:{code}").to_epsg() == code   # what GpkgWriter._crs_text asked PROJ
        assert kcrs.known_epsg(f"EPSG:{code}") == f"EPSG:{code}"
    assert kcrs.known_epsg("EPSG:31467") is None and kcrs.known_epsg(" EPSG:25832") is None


@pytest.mark.parametrize(("h", "v"), list(itertools.product(HORIZONTAL, VERTICAL)))
def test_every_form_parses_as_proj_parses_it(monkeypatch, h, v):
    for text in _forms(h, v):
        fast = kcrs.parse_srs_name(text)
        slow = _without_table(monkeypatch, lambda t=text: kcrs.parse_srs_name(t))
        assert fast == slow
        assert (fast.horizontal, fast.vertical) == (f"EPSG:{h}", f"EPSG:{v}" if "+" in text or "," in text
                                                    or "&" in text else None)
        if fast.vertical is None:
            assert fast.compound_wkt is None
        else:   # the WKT the parse made before it was made lazily: a CompoundCRS of the two EPSG CRSs
            parts = [CRS.from_epsg(h), CRS.from_epsg(v)]
            assert fast.compound_wkt == CompoundCRS(f"{parts[0].name} + {parts[1].name}", parts).to_wkt()


def test_the_adv_names_parse_as_proj_parses_them(monkeypatch):
    for text in ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH", "urn:adv:crs:ETRS89_UTM33*DE_DHHN92_NH*GCG2016",
                 "urn:adv:crs:ETRS89_UTM32*DE_DHHN85_NOH", "urn:adv:crs:ETRS89_UTM33"):
        fast = kcrs.parse_srs_name(text)
        assert fast == _without_table(monkeypatch, lambda t=text: kcrs.parse_srs_name(t))
        assert fast.compound_wkt == _without_table(monkeypatch, lambda t=text: kcrs.parse_srs_name(t).compound_wkt)
    assert kcrs.parse_srs_name("urn:adv:crs:ETRS89_UTM33*DE_DHHN92_NH*GCG2016").geoid_model == "GCG2016"


@pytest.mark.parametrize(("text", "message"), [
    ("EPSG:7837+5783", r"two vertical CRSs in 'EPSG:7837\+5783'"),
    ("EPSG:25832+25833", r"two horizontal CRSs in 'EPSG:25832\+25833'"),
    ("EPSG:7837", r"'EPSG:7837' names only a vertical CRS; the horizontal CRS is unknown"),
])
def test_the_errors_are_projs(monkeypatch, text, message):
    with pytest.raises(InputError, match=message) as fast:
        kcrs.parse_srs_name(text)
    with pytest.raises(InputError, match=message) as slow:
        _without_table(monkeypatch, lambda: kcrs.parse_srs_name(text))
    assert str(fast.value) == str(slow.value)


def test_compound_code_keeps_epsgs_own_wkt():
    info = kcrs.parse_srs_name("EPSG:7415")
    assert (info.horizontal, info.vertical, info.compound_code) == ("EPSG:28992", "EPSG:5709", 7415)
    assert info.compound_wkt == CRS.from_epsg(7415).to_wkt()


@pytest.mark.parametrize("code", [f"EPSG:{c}" for c in HORIZONTAL])
def test_inside_rectangles_lie_in_the_area_of_use(monkeypatch, code):
    crs = CRS.from_user_input(code)
    area = crs.area_of_use
    to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    n = 2000
    for x0, y0, x1, y1 in kcrs._KNOWN_INSIDE[code]:
        xs = np.concatenate([np.linspace(x0, x1, n), np.full(n, x1), np.linspace(x1, x0, n), np.full(n, x0)])
        ys = np.concatenate([np.full(n, y0), np.linspace(y0, y1, n), np.full(n, y1), np.linspace(y1, y0, n)])
        lon, lat = to_geo.transform(xs, ys)   # the image of the rectangle is bounded by that of its edges
        assert area.west + 0.05 <= lon.min() and lon.max() <= area.east - 0.05
        assert area.south + 0.05 <= lat.min() and lat.max() <= area.north - 0.05
        info = kcrs.CrsInfo(code, None)
        rng = np.random.default_rng(16)
        boxes = [(x0, y0, x1, y1)]
        for _ in range(20):
            (xa, xb), (ya, yb) = np.sort(rng.uniform(x0, x1, 2)).tolist(), np.sort(rng.uniform(y0, y1, 2)).tolist()
            boxes.append((xa, ya, xb, yb))
        for box in boxes:
            assert kcrs._known_inside(code, box)
            assert kcrs.area_of_use_problem(info, box) is None
            assert _without_table(monkeypatch, lambda b=box, i=info: kcrs.area_of_use_problem(i, b)) is None
    outside = (3456000.0, 5429000.0, 3457000.0, 5430000.0)   # Gauss-Krueger numbers: PROJ's message as before
    assert not kcrs._known_inside(code, outside)
    assert kcrs.area_of_use_problem(kcrs.CrsInfo(code, None), outside) == _without_table(
        monkeypatch, lambda: kcrs.area_of_use_problem(kcrs.CrsInfo(code, None), outside))


def test_the_import_of_known_codes_loads_no_pyproj(tmp_path):
    gml = tmp_path / "one.gml"
    gml.write_text(
        '<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml" '
        'xmlns:bldg="http://www.opengis.net/citygml/building/2.0"><core:cityObjectMember><bldg:Building gml:id="b1">'
        '<bldg:lod1Solid><gml:Solid srsName="urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH"><gml:exterior>'
        '<gml:CompositeSurface>'
        + "".join(f'<gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList srsDimension="3">'
                  f'{ring}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember>'
                  for ring in _box_rings(456000.0, 5429000.0, 100.0, 10.0, 8.0, 6.0))
        + '</gml:CompositeSurface></gml:exterior></gml:Solid></bldg:lod1Solid></bldg:Building>'
        '</core:cityObjectMember></core:CityModel>', encoding="utf-8")
    code = ("import sys\nfrom geotwin.twin.citymodel.importer import import_citymodel\n"
            "left_out = sorted({m.split('.')[0] for m in sys.modules} & {'pyproj', 'osgeo', 'lxml'})\n"
            f"r = import_citymodel([{str(gml)!r}], {str(tmp_path / 'one.gpkg')!r})\n"
            "print(left_out, r.buildings, r.crs, r.vertical_crs, 'pyproj' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["[]", "1", "EPSG:25832", "EPSG:7837", "False"]


def _box_rings(x: float, y: float, z: float, dx: float, dy: float, dz: float) -> list[str]:
    """The six rings of a box, outward, as posList text."""
    c = [(x, y, z), (x + dx, y, z), (x + dx, y + dy, z), (x, y + dy, z)]
    top = [(px, py, z + dz) for px, py, _ in c]
    rings = [c[::-1], top] + [[c[i], c[(i + 1) % 4], top[(i + 1) % 4], top[i]] for i in range(4)]
    return [" ".join(f"{v}" for p in ring + ring[:1] for v in p) for ring in rings]
