"""Coordinates against their declared CRS's area of use: suggest_crs guesses on real coordinates (checked
with pyproj), and the readers refusing real files whose srsName/referenceSystem is rewritten to a wrong CRS,
while the real files and every srsName form of a real delivery still import with the right CRS."""
from __future__ import annotations

import json
import math
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from pyproj import CRS, Transformer

from geotwin.twin.citymodel.citygml import read_citygml
from geotwin.twin.citymodel.cityjson import read_cityjson
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.citymodel.model import CrsInfo, Skipped
from geotwin.twin.kernel.crs import CANDIDATE_CRS, area_of_use_problem, crs_override, parse_srs_name, suggest_crs
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema import CITY_MODEL_SOURCES, SOURCES
from geotwin.twin.kernel.schema.twin import TWIN_SOURCES

GML = "http://www.opengis.net/gml"
HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
FZK = "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"
SRS = re.compile(r'srsName="[^"]*"')


def gml_bbox(path: Path) -> tuple[float, float, float, float]:
    """2D bbox of every gml:posList / gml:pos of a file, read with lxml (independent of the reader)."""
    tree = etree.parse(str(path))
    xs, ys = [], []
    for el in tree.iter(f"{{{GML}}}posList", f"{{{GML}}}pos"):
        dim = int(el.get("srsDimension") or 3)
        values = np.array(el.text.split(), dtype=float).reshape(-1, dim)
        xs.extend(values[:, 0])
        ys.extend(values[:, 1])
    return min(xs), min(ys), max(xs), max(ys)


def buildings_in(path: Path) -> int:
    """Top-level bldg:Building elements (not parts), counted with lxml."""
    tree = etree.parse(str(path))
    return len(tree.xpath("//*[local-name()='Building' and not(ancestor::*[local-name()='Building'])]"))


def to(code: str, bbox, source: str = "EPSG:25832"):
    t = Transformer.from_crs(source, code, always_xy=True)
    x0, y0 = t.transform(bbox[0], bbox[1])
    x1, y1 = t.transform(bbox[2], bbox[3])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def with_srs(src: Path, dst: Path, srs_name: str) -> Path:
    """A copy of a real CityGML file whose every srsName is ``srs_name``."""
    text = src.read_text("utf-8")
    assert SRS.search(text)
    dst.write_text(SRS.sub(lambda _: f'srsName="{srs_name}"', text), "utf-8")
    return dst


def sources_rows(gpkg: Path) -> list[dict]:
    with sqlite3.connect(gpkg) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM sources ORDER BY fid")]


# -- suggest_crs on real coordinates ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def karlsruhe(shared_data) -> tuple[float, float, float, float]:
    return gml_bbox(shared_data / FZK)


@pytest.fixture(scope="module")
def hamburg(shared_data) -> tuple[float, float, float, float]:
    return gml_bbox(shared_data / HAMBURG)


def test_utm_numbers_look_like_utm32(karlsruhe, hamburg):
    for bbox in (karlsruhe, hamburg):
        guesses = suggest_crs(bbox)
        assert guesses[0].crs == "EPSG:25832" and not guesses[0].swapped and guesses[0].in_germany
        # where the guess puts them: as pyproj transforms them
        lon0, lat0, lon1, lat1 = to("EPSG:4258", bbox)
        np.testing.assert_allclose(guesses[0].lonlat_bbox, (lon0, lat0, lon1, lat1), atol=2e-4)
        assert str(guesses[0]) == "EPSG:25832 (ETRS89 / UTM zone 32N)"
        # other zones fit the same numbers (UTM is ambiguous): listed, but after zone 32
        assert [g.crs for g in guesses].index("EPSG:25831") > 0
        assert not any(g.crs in ("EPSG:31467", "EPSG:28992", "EPSG:2056", "EPSG:4647") for g in guesses)


@pytest.mark.parametrize("code, expected", [
    ("EPSG:31467", "EPSG:31467"),   # Gauss-Krueger zone 3 (zone number 3 before the easting)
    ("EPSG:4647", "EPSG:4647"),     # UTM 32 with the zone number 32 before the easting
    ("EPSG:3857", "EPSG:3857"),     # web Mercator
    ("EPSG:28992", None),           # Karlsruhe is outside RD New's area: pyproj still converts, we refuse it
])
def test_transformed_numbers_are_recognised(karlsruhe, code, expected):
    guesses = suggest_crs(to(code, karlsruhe))
    if expected is None:
        assert "EPSG:28992" not in [g.crs for g in guesses]
    else:
        assert guesses[0].crs == expected
        # in the guess's own geographic CRS (DHDN for Gauss-Krueger: about 100 m from ETRS89 here)
        geographic = CRS.from_user_input(expected).geodetic_crs.to_epsg()
        np.testing.assert_allclose(guesses[0].lonlat_bbox, to(f"EPSG:{geographic}", karlsruhe), atol=2e-4)


def test_latitude_first_is_recognised_as_swapped(karlsruhe):
    lon0, lat0, lon1, lat1 = to("EPSG:4258", karlsruhe)
    first = suggest_crs((lat0, lon0, lat1, lon1))[0]
    assert (first.crs, first.swapped, first.in_germany) == ("EPSG:4258", True, True)
    assert str(first).endswith("with x and y swapped (latitude first)")
    first = suggest_crs((lon0, lat0, lon1, lat1))[0]
    assert (first.crs, first.swapped) == ("EPSG:4258", False)


def test_berlin_utm33_numbers_name_both_zones():
    """Berlin in UTM 33: the same numbers read as UTM 32 also lie in Germany; both are named."""
    x, y = Transformer.from_crs("EPSG:4258", "EPSG:25833", always_xy=True).transform(13.405, 52.52)
    codes = [g.crs for g in suggest_crs((x, y))]
    assert {"EPSG:25832", "EPSG:25833"} <= set(codes[:2])


def test_dutch_and_swiss_numbers(shared_data):
    for name, code in (("cjio/delft.json", "EPSG:28992"), ("cjio/zurich_subset_lod2.json", "EPSG:2056")):
        doc = json.loads((shared_data / "cityjson" / name).read_text())
        v = np.asarray(doc["vertices"], float) * doc["transform"]["scale"] + doc["transform"]["translate"]
        bbox = (*v[:, :2].min(axis=0), *v[:, :2].max(axis=0))
        assert suggest_crs(bbox)[0].crs == code


def test_point_declared_and_limits(karlsruhe):
    x, y = karlsruhe[:2]
    assert [g.crs for g in suggest_crs((x, y))] == [g.crs for g in suggest_crs((x, y, x, y))]
    gk = to("EPSG:31467", karlsruhe)
    # a declared CRS outside the candidate list comes first when it fits (DHDN GK 3, east-north axes)
    assert suggest_crs(gk, declared="EPSG:5677")[0].crs == "EPSG:5677"
    # the IFC import passes its target CRS as given: WKT works, an unknown name is skipped
    assert suggest_crs(gk, declared=CRS.from_epsg(5677).to_wkt())[0].crs == "EPSG:5677"
    assert suggest_crs((x, y), declared="not a CRS")[0].crs == "EPSG:25832"
    assert suggest_crs((1e12, 1e12)) == []
    assert suggest_crs((math.nan, 0.0)) == [] and suggest_crs((math.inf, 0.0, 1.0, 1.0)) == []
    with pytest.raises(ValueError, match="got 3 numbers"):
        suggest_crs((1.0, 2.0, 3.0))
    assert len(CANDIDATE_CRS) == len(set(CANDIDATE_CRS)) == 14


# -- area_of_use_problem --------------------------------------------------------------------------------

def test_problem_names_declared_crs_and_guess(karlsruhe):
    problem = area_of_use_problem(parse_srs_name("EPSG:4326"), karlsruhe)
    assert "outside the area of use of EPSG:4326 (WGS 84; World" in problem
    assert "look like EPSG:25832 (ETRS89 / UTM zone 32N)" in problem
    assert problem.endswith("give the right CRS as the CRS override")
    gk = to("EPSG:31467", karlsruhe)
    problem = area_of_use_problem(parse_srs_name("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016"), gk)
    assert "outside the area of use of EPSG:25832" in problem
    assert "look like EPSG:31467 (DHDN / 3-degree Gauss-Kruger zone 3)" in problem
    assert "fit none of EPSG:25832" in area_of_use_problem(parse_srs_name("EPSG:25832"), (1e12, 1e12, 1e12, 1e12))
    assert "not finite" in area_of_use_problem(parse_srs_name("EPSG:25832"), (math.nan, 0, 1, 1))
    assert area_of_use_problem(CrsInfo(None, None), karlsruhe) is None
    assert area_of_use_problem(parse_srs_name("EPSG:25832"), karlsruhe) is None


# -- the real files ---------------------------------------------------------------------------------------

def test_every_real_citygml_file_imports_with_its_crs(shared_data, tmp_path):
    files = sorted((shared_data / "citygml").rglob("*.*ml"))
    assert len(files) == 11
    result = import_citymodel([shared_data / "citygml"], tmp_path / "all.gpkg")
    rows = {Path(r["source_file"]).resolve(): r for r in sources_rows(tmp_path / "all.gpkg")}
    assert set(rows) == {f.resolve() for f in files}
    for path in files:
        srs = SRS.search(path.read_text("utf-8")).group(0)[9:-1]
        row = rows[path.resolve()]
        assert row["horizontal_crs"] == "EPSG:25832" and row["crs_source"] == srs
        assert row["vertical_crs"] == ("EPSG:7837" if "DHHN2016" in srs else "EPSG:5783")
        assert row["geoid_model"] == ""
    assert result.crs == "EPSG:25832"


def test_every_real_cityjson_file_reads_with_its_crs(shared_data):
    expected = {"delft.json": ("EPSG:28992", "EPSG:5709"), "zurich_subset_lod2.json": ("EPSG:2056", None),
                "DenHaag_01_v2.0_derived.city.json": ("EPSG:28992", "EPSG:5709")}
    files = sorted((shared_data / "cityjson").rglob("*.json"))
    assert len(files) == 7
    for path in files:
        doc = json.loads(path.read_text())
        if (doc.get("metadata") or {}).get("referenceSystem"):
            source = read_cityjson(path)
            assert (source.crs.horizontal, source.crs.vertical) == expected[path.name]
        else:  # the cjio samples without a CRS are Dutch (RD New + NAP): they need the override
            with pytest.raises(InputError, match="states no CRS"):
                read_cityjson(path)
            source = read_cityjson(path, crs_override("EPSG:7415"))
        objects = [o for o in source if not isinstance(o, Skipped)]
        types = [o.get("type") for o in doc["CityObjects"].values()]
        assert len(objects) > 0 or "Building" not in types
        assert source.crs_problem is None


# every srsName form a real delivery of this tile could carry: same CRS, same buildings
HAMBURG_FORMS = [
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016", "GCG2016"),
    ("urn:adv:crs:etrs89_utm32*de_dhhn2016_nh*gcg2016", "GCG2016"),
    ("urn:adv:crs:DE_DHHN2016_NH*ETRS89_UTM32", None),
    ("urn:ogc:def:crs:EPSG:6.12:25832", None),
    ("urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837", None),
    ("https://www.opengis.net/def/crs/EPSG/0/25832", None),
    ("http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/25832"
     "&amp;2=http://www.opengis.net/def/crs/EPSG/0/7837", None),
    ("EPSG:25832+7837", None),
]


@pytest.mark.parametrize("srs_name, geoid", HAMBURG_FORMS)
def test_hamburg_tile_in_every_form(shared_data, tmp_path, srs_name, geoid):
    path = with_srs(shared_data / HAMBURG, tmp_path / "tile.xml", srs_name)
    reporter = CollectingReporter()
    source = read_citygml(path, reporter=reporter)
    objects = [o for o in source if not isinstance(o, Skipped)]
    assert source.crs.horizontal == "EPSG:25832" and source.crs.geoid_model == geoid
    assert source.crs.vertical == ("EPSG:7837" if "7837" in srs_name or "DHHN2016" in srs_name.upper() else None)
    assert len([o for o in objects if o.object_class == "Building"]) == buildings_in(shared_data / HAMBURG)
    assert not any("area of use" in w for w in reporter.warnings)


def test_gcg2016_tile_records_the_quasigeoid(shared_data, tmp_path):
    srs_name = "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016"
    path = with_srs(shared_data / HAMBURG, tmp_path / "LoD2_576_5950_1_HH.xml", srs_name)
    reporter = CollectingReporter()
    result = import_citymodel([path], tmp_path / "hh.gpkg", reporter=reporter)
    (row,) = sources_rows(tmp_path / "hh.gpkg")
    assert (row["horizontal_crs"], row["vertical_crs"], row["geoid_model"], row["crs_source"]) == (
        "EPSG:25832", "EPSG:7837", "GCG2016", srs_name)
    assert result.buildings == buildings_in(shared_data / HAMBURG) and result.vertical_crs == "EPSG:7837"
    assert any("quasigeoid GCG2016" in m for m in reporter.infos)
    # the column sits after crs_source; the twin's sources keep their columns (stores built before)
    assert list(CITY_MODEL_SOURCES.fields) == [*list(SOURCES.fields)[:6], "geoid_model", *list(SOURCES.fields)[6:]]
    assert "geoid_model" not in TWIN_SOURCES.fields


def test_wgs84_declared_utm_coordinates_are_refused(shared_data, tmp_path):
    path = with_srs(shared_data / HAMBURG, tmp_path / "tile.xml", "EPSG:4326")
    reporter = CollectingReporter()
    source = read_citygml(path, reporter=reporter)
    assert any("gml:Envelope: coordinates" in w for w in reporter.warnings)
    with pytest.raises(InputError, match="outside the area of use of EPSG:4326") as caught:
        list(source)
    text = str(caught.value)
    assert text.startswith(str(path)) and "outside the area of use of EPSG:4326" in text
    assert "look like EPSG:25832 (ETRS89 / UTM zone 32N)" in text
    # the whole import is refused: no GeoPackage is written
    with pytest.raises(InputError, match="look like EPSG:25832"):
        import_citymodel([path], tmp_path / "out.gpkg")
    assert not (tmp_path / "out.gpkg").exists()
    # the CRS override imports the same file
    result = import_citymodel([path], tmp_path / "out.gpkg", crs_override="EPSG:25832+7837")
    assert result.crs == "EPSG:25832" and result.buildings == buildings_in(shared_data / HAMBURG)
    (row,) = sources_rows(tmp_path / "out.gpkg")
    assert (row["horizontal_crs"], row["crs_source"]) == ("EPSG:25832", "EPSG:25832+7837")


def test_gauss_krueger_declared_utm_coordinates_are_refused(shared_data, tmp_path):
    path = with_srs(shared_data / FZK, tmp_path / "fzk.gml", "urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH")
    with pytest.raises(InputError, match=r"outside the area of use of EPSG:31467 .*look like EPSG:25832"):
        list(read_citygml(path))


def test_placeholder_envelope_does_not_decide(shared_data, tmp_path):
    """An envelope 0 0 0 / 1 1 1 is only a warning: the real coordinates fit their CRS."""
    text = (shared_data / HAMBURG).read_text("utf-8")
    text, n = re.subn(r"<gml:lowerCorner[^>]*>[^<]*</gml:lowerCorner>\s*<gml:upperCorner[^>]*>[^<]*</gml:upperCorner>",
                      "<gml:lowerCorner>0 0 0</gml:lowerCorner><gml:upperCorner>1 1 1</gml:upperCorner>", text, count=1)
    assert n == 1
    path = tmp_path / "tile.xml"
    path.write_text(text, "utf-8")
    reporter = CollectingReporter()
    objects = list(read_citygml(path, reporter=reporter))
    assert any("gml:Envelope" in w and "EPSG:25832" in w for w in reporter.warnings)
    assert len([o for o in objects if getattr(o, "object_class", "") == "Building"]) == buildings_in(shared_data / HAMBURG)


def test_cityjson_declaring_wgs84_is_refused(shared_data, tmp_path):
    doc = json.loads((shared_data / "cityjson/cjio/delft.json").read_text())
    doc["metadata"]["referenceSystem"] = "https://www.opengis.net/def/crs/EPSG/0/4326"
    path = tmp_path / "delft.json"
    path.write_text(json.dumps(doc))
    reporter = CollectingReporter()
    source = read_cityjson(path, reporter=reporter)
    assert any("metadata.geographicalExtent: coordinates" in w for w in reporter.warnings)
    with pytest.raises(InputError, match=r"vertices: .*EPSG:4326.*look like EPSG:28992 \(Amersfoort / RD New\)"):
        list(source)
    # CityJSON 1.0's URN form of the right CRS reads the file
    doc["metadata"]["referenceSystem"] = "urn:ogc:def:crs:EPSG::7415"
    path.write_text(json.dumps(doc))
    source = read_cityjson(path)
    assert (source.crs.horizontal, source.crs.vertical) == ("EPSG:28992", "EPSG:5709")
    assert len([o for o in source if not isinstance(o, Skipped)]) > 0


def test_unknown_srs_name_in_a_file_is_named(shared_data, tmp_path):
    path = with_srs(shared_data / FZK, tmp_path / "fzk.gml", "urn:adv:crs:ETRS89_UTM32*DE_DHHN2016*GCG2016")
    with pytest.raises(InputError, match="unknown AdV CRS part 'DE_DHDN2016'|unknown AdV CRS part 'DE_DHHN2016'") as caught:
        read_citygml(path)
    assert str(caught.value).startswith(str(path))
    assert "unknown AdV CRS part 'DE_DHHN2016'" in str(caught.value) and "DE_DHHN2016_NH" in str(caught.value)
    # the override still imports it
    source = read_citygml(path, crs_override=crs_override("EPSG:25832+7837"))
    assert len(list(source)) == buildings_in(shared_data / FZK)


def test_area_crossing_the_antimeridian():
    """EPSG:3832 (PDC Mercator) covers 98.69 E to 68 W across 180: Fiji and Samoa fit, Europe does not."""
    to_pdc = Transformer.from_crs("EPSG:4326", "EPSG:3832", always_xy=True)
    info = parse_srs_name("EPSG:3832")
    for lon, lat in ((178.4, -18.1), (-170.7, -14.3)):
        x, y = to_pdc.transform(lon, lat)
        assert area_of_use_problem(info, (x, y, x, y)) is None
    x, y = to_pdc.transform(8.4, 49.0)
    assert "outside the area of use of EPSG:3832" in area_of_use_problem(info, (x, y, x, y))


def test_gauss_krueger_without_zone_number_gets_a_hint(karlsruhe):
    """AdV/NAS write Gauss-Krueger eastings without the zone number: declared EPSG:31467 expects it."""
    gk = to("EPSG:31467", karlsruhe)
    bare = (gk[0] - 3_000_000, gk[1], gk[2] - 3_000_000, gk[3])
    problem = area_of_use_problem(parse_srs_name("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH"), bare)
    assert "they are EPSG:31467 eastings without the zone number in front (AdV/NAS style): add 3000000 to x" in problem
    # UTM has no zone number in its false easting: no such hint
    assert "zone number in front" not in area_of_use_problem(parse_srs_name("EPSG:25832"), (3457842, 5439083, 3457854, 5439093))
