"""The optional compiled planner of the CityGML reader (twin/citymodel/_gmlplan.pyx, issue 16) gives what the
pure-Python planner gives, and each is really used when it should be.

Per building of every CityGML file of ../shared/data, of a generated district and of the district with one unusual
building (test_citygml_fast.MUTATIONS and more), the compiled plans (polygons, ring counts, surface operations, xlink
cache events, parsed rings, open-ring count, parts) equal the Python plans; the objects read and the GeoPackages
written with the compiled planner equal those of GEOTWIN_PURE_PYTHON=1 (row for row, scripts/import_identity.py's
comparison). Without a built extension these tests are skipped, except under CI (make setup builds it there).
"""
from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from geotwin.tests.paths import SHARED_DATA
from geotwin.twin.citymodel import citygml

from .conftest import import_with_rd_fallback

ROOT = Path(__file__).resolve().parents[3]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAST = _load("citygml_fast_cases", Path(__file__).with_name("test_citygml_fast.py"))
IDENTITY = _load("import_identity_script", ROOT / "scripts" / "import_identity.py")
DATA = SHARED_DATA if SHARED_DATA.exists() else Path("/work/shared/data")
CITYGML = sorted((DATA / "citygml").rglob("*.gml")) + sorted((DATA / "citygml").rglob("*.xml"))
BUILT = any((ROOT / "twin" / "citymodel").glob("_gmlplan*.so"))

needs_extension = pytest.mark.skipif(not BUILT and not os.environ.get("CI"),
                                     reason="the compiled planner is not built (scripts/build_accel.py)")


def _buildings(path: Path) -> list:
    tree = etree.parse(str(path))
    return [el for el in tree.iter(*citygml._BUILDING_TAGS) if not citygml._inside_building(el)]


def _plan_state(prepared) -> list:
    out = []
    for el, plan in prepared.plans.items():
        out.append((el.get(citygml._GML_ID) or el.get(citygml._GML32_ID), plan.polygons, plan.ring_counts, plan.ops,
                    plan.events, plan.open, [r.tolist() for r in plan.rings], [id(p) for p in plan.parts]))
    return out


def _compare_plans(path: Path) -> tuple[int, int, int]:
    """Every building of ``path`` planned both ways (rings parsed as _drain parses them), the plans equal; returns
    (objects the compiled planner planned, objects the Python planner planned with usable rings, objects)."""
    compiled = citygml.accelerator()
    assert compiled is not None
    by_c = by_python = objects = 0
    for el in _buildings(path):
        python = citygml._Prepared(el, None)
        citygml._plan_rings(list(python.plans.values()))
        fast = citygml._Prepared(el, compiled)
        citygml._plan_rings(list(fast.plans.values()))  # the objects handed to the Python planner
        assert fast.srs_names == python.srs_names and fast.duplicates == python.duplicates
        assert list(fast.parts) == list(python.parts) and list(fast.parts.values()) == list(python.parts.values())
        assert _plan_state(fast) == _plan_state(python), path
        building = compiled.Building(el)
        for obj in fast.parts:
            objects += 1
            planned = building.plan(obj) if building.unique else None
            by_c += planned is not None
            by_python += obj in python.plans and python.plans[obj].open >= 0
            if planned is not None and planned[-1] is not None:
                assert planned[-1] == citygml._attributes(obj)
                ATTRIBUTES_BY_C.append(1)
    return by_c, by_python, objects


ATTRIBUTES_BY_C: list[int] = []  # objects whose attributes the compiled planner read


def _rows(path: Path) -> tuple:
    return FAST._read(path)


@needs_extension
def test_the_compiled_planner_is_used_when_built(tmp_path, monkeypatch):
    assert BUILT, "under CI make setup must build the compiled planner"
    monkeypatch.delenv("GEOTWIN_PURE_PYTHON", raising=False)
    assert citygml.accelerator() is not None
    path = FAST._district(tmp_path, buildings=30)
    compiled, python = [], []
    original_compiled, original_read = citygml._Plan.compiled.__func__, citygml._Plan.read
    monkeypatch.setattr(citygml._Plan, "compiled",
                        classmethod(lambda cls, *a: compiled.append(1) or original_compiled(cls, *a)))
    monkeypatch.setattr(citygml._Plan, "read", lambda self, el: python.append(1) or original_read(self, el))
    rows = _rows(path)
    assert len(rows[0]) == 30 and len(compiled) == 30 and not python


def test_the_pure_python_planner_is_used_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOTWIN_PURE_PYTHON", "1")
    assert citygml.accelerator() is None
    path = FAST._district(tmp_path, buildings=30)
    compiled, python = [], []
    original_compiled, original_read = citygml._Plan.compiled.__func__, citygml._Plan.read
    monkeypatch.setattr(citygml._Plan, "compiled",
                        classmethod(lambda cls, *a: compiled.append(1) or original_compiled(cls, *a)))
    monkeypatch.setattr(citygml._Plan, "read", lambda self, el: python.append(1) or original_read(self, el))
    rows = _rows(path)
    assert len(rows[0]) == 30 and len(python) == 30 and not compiled


@needs_extension
def test_a_stale_build_is_not_used(monkeypatch):
    monkeypatch.delenv("GEOTWIN_PURE_PYTHON", raising=False)
    monkeypatch.delitem(citygml._ACCELERATOR, "module", raising=False)
    monkeypatch.setattr(citygml, "_ACCELERATOR_API", citygml.accelerator().API + 1)
    monkeypatch.delitem(citygml._ACCELERATOR, "module")
    assert citygml.accelerator() is None  # an extension built from an older .pyx: the pure-Python reader


def test_without_the_extension_the_pure_python_reader_runs(monkeypatch, shared_data):
    def missing(name, package=None):
        raise ImportError(f"No module named {name!r}")

    monkeypatch.delenv("GEOTWIN_PURE_PYTHON", raising=False)
    monkeypatch.delitem(citygml._ACCELERATOR, "module", raising=False)
    monkeypatch.setattr(citygml.importlib, "import_module", missing)
    assert citygml.accelerator() is None
    path = shared_data / "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"
    (house,) = citygml.read_citygml(path)
    assert len(house.surfaces) == 7 and house.attributes["measured_height"] == 6.52


@needs_extension
@pytest.mark.parametrize("path", CITYGML, ids=lambda p: str(p.relative_to(DATA)))
def test_compiled_plans_equal_python_plans_on_real_files(path):
    by_c, by_python, objects = _compare_plans(path)
    assert objects >= 1 and by_c == by_python  # every object the Python planner plans is planned in C


@needs_extension
def test_compiled_plans_equal_python_plans_on_the_district(tmp_path):
    path = FAST._district(tmp_path, buildings=200)
    assert _compare_plans(path) == (200, 200, 200)


EXTRA = {
    # whitespace Python's split() knows and the compiled parser does not: handed to the Python planner
    "no-break-space": lambda t: FAST._first(r'(<gml:posList srsDimension="3">[^ <]*) ', "\\1\u00a0", t),
    "cdata-posList": lambda t: FAST._first(r'<gml:posList srsDimension="3">([^<]*)</gml:posList>',
                                           r'<gml:posList srsDimension="3"><![CDATA[\1]]></gml:posList>', t),
    "polygon-without-id": lambda t: FAST._first(r'<gml:Polygon gml:id="[^"]*">', "<gml:Polygon>", t),
    "building-without-id": lambda t: FAST._first(r'<bldg:Building gml:id="[^"]*">', "<bldg:Building>", t),
    "srsName-in-building": lambda t: FAST._first(r"<gml:MultiSurface>", '<gml:MultiSurface srsName="EPSG:25832">', t),
    "gml-3.2": lambda t: t.replace('xmlns:gml="http://www.opengis.net/gml"',
                                   'xmlns:gml="http://www.opengis.net/gml/3.2"'),
    "number-forms": lambda t: FAST._first(r'<gml:posList srsDimension="3">([0-9]+)\.([0-9]+) ',
                                          r'<gml:posList srsDimension="3">+\1.\2e0 ', t),
    "attribute-forms": lambda t: FAST._first(r"(<bldg:function>[^<]*</bldg:function>)", "\\1"
                                             "<bldg:function>second</bldg:function><gml:name>Other</gml:name>"
                                             "<bldg:storeysBelowGround>zwei</bldg:storeysBelowGround>"
                                             "<bldg:yearOfConstruction> 1907 </bldg:yearOfConstruction>"
                                             '<gen:intAttribute name="n"><gen:value>x7</gen:value></gen:intAttribute>'
                                             "<gen:doubleAttribute><gen:name>d</gen:name><gen:value> 2.5 </gen:value>"
                                             '</gen:doubleAttribute><gen:stringAttribute name="function"><gen:value>'
                                             "f</gen:value></gen:stringAttribute><bldg:usage>  a\u00a0 b\u2003c "
                                             "</bldg:usage><bldg:usage>u2</bldg:usage>", t),
    "second-address": lambda t: FAST._first(r"(<bldg:address>.*?</bldg:address>)", "\\1\\1", t).replace(
        "</xAL:ThoroughfareNumber>", "</xAL:ThoroughfareNumber><xAL:ThoroughfareNumberSuffix>a"
        "</xAL:ThoroughfareNumberSuffix>", 1),
    "external-reference": lambda t: FAST._first(r"(<bldg:function>)", "<core:externalReference><core:informationSystem>"
                                                "x</core:informationSystem></core:externalReference>\\1", t),
    "date-of-construction": lambda t: FAST._first(r"(<bldg:function>)", "<bldg:dateOfConstruction>1907-01-01"
                                                  "</bldg:dateOfConstruction>\\1", t),
    "generic-attribute-set": lambda t: FAST._first(r"(<bldg:function>)", '<gen:genericAttributeSet name="s">'
                                                   '<gen:stringAttribute name="a"><gen:value>1</gen:value>'
                                                   "</gen:stringAttribute></gen:genericAttributeSet>\\1", t),
    "one-line-posList-of-2-points": lambda t: FAST._first(r'<gml:posList srsDimension="3">[^<]*</gml:posList>',
                                                          '<gml:posList srsDimension="3">1 2 3 4 5 6</gml:posList>', t),
}
CASES = {**FAST.MUTATIONS, **EXTRA}


@needs_extension
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_equals_pure_python_on_unusual_buildings(tmp_path, monkeypatch, name):
    path = FAST._district(tmp_path)
    text = path.read_text(encoding="utf-8")
    changed = CASES[name](text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    by_c, by_python, objects = _compare_plans(path)
    first = _buildings(path)[0]
    planned = citygml.accelerator().Building(first).plan(first)
    if name in ("external-reference", "date-of-construction", "generic-attribute-set"):
        assert planned[-1] is None  # the attributes handed to citygml._attributes
    elif name in ("attribute-forms", "second-address"):
        assert planned[-1] == citygml._attributes(first) and len(planned[-1]) >= 10
    handed_back = name == "no-break-space"  # to the Python planner, which plans it (CDATA is text when parsed)
    assert by_c == by_python - handed_back and by_c >= 11 and objects >= 12
    monkeypatch.delenv("GEOTWIN_PURE_PYTHON", raising=False)
    fast = _rows(path)
    monkeypatch.setenv("GEOTWIN_PURE_PYTHON", "1")
    assert fast == _rows(path)
    assert len(fast[0]) >= 10


@needs_extension
def test_lines_beyond_65535_are_read_as_lxml_reads_them(tmp_path):
    path = FAST._district(tmp_path, buildings=700)
    assert _compare_plans(path) == (700, 700, 700)
    last = _buildings(path)[-1]
    planned = citygml.accelerator().Building(last).plan(last)
    assert planned[0][0][1] == citygml.source_line(last.find(".//{*}Polygon")) > 70000


@needs_extension
def test_the_compiled_planner_reads_the_attributes(tmp_path):
    ATTRIBUTES_BY_C.clear()
    assert _compare_plans(FAST._district(tmp_path, buildings=50)) == (50, 50, 50)
    assert len(ATTRIBUTES_BY_C) == 50


@needs_extension
def test_unusual_text_is_handed_to_the_python_planner(tmp_path):
    path = FAST._district(tmp_path, buildings=10)
    text = path.read_text(encoding="utf-8")
    path.write_text(EXTRA["no-break-space"](text), encoding="utf-8")
    first, second = _buildings(path)[:2]
    compiled = citygml.accelerator()
    assert compiled.Building(first).plan(first) is None
    assert compiled.Building(second).plan(second) is not None
    python = citygml._Prepared(first, None)  # the Python planner reads the same text
    citygml._plan_rings(list(python.plans.values()))
    assert python.plans[first].open == 0 and len(python.plans[first].rings) == 6


@needs_extension
@pytest.mark.parametrize("path", CITYGML, ids=lambda p: str(p.relative_to(DATA)))
def test_geopackages_equal_with_and_without_the_compiled_planner(path, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOTWIN_PURE_PYTHON", "1")
    import_with_rd_fallback(path, tmp_path / "python.gpkg")
    monkeypatch.delenv("GEOTWIN_PURE_PYTHON")
    import_with_rd_fallback(path, tmp_path / "compiled.gpkg")
    assert IDENTITY.compare(tmp_path / "python.gpkg", tmp_path / "compiled.gpkg") is None


@needs_extension
def test_district_geopackages_equal_with_and_without_the_compiled_planner(tmp_path, monkeypatch):
    path = FAST._district(tmp_path, buildings=500)
    monkeypatch.setenv("GEOTWIN_PURE_PYTHON", "1")
    import_with_rd_fallback(path, tmp_path / "python.gpkg")
    monkeypatch.delenv("GEOTWIN_PURE_PYTHON")
    import_with_rd_fallback(path, tmp_path / "compiled.gpkg")
    assert IDENTITY.compare(tmp_path / "python.gpkg", tmp_path / "compiled.gpkg") is None
    with sqlite3.connect(tmp_path / "compiled.gpkg") as con:
        assert con.execute("SELECT count(*) FROM buildings").fetchone()[0] == 500


_DIGITS = st.text("0123456789", min_size=0, max_size=24)
_NUMBERS = st.builds(lambda sign, whole, point, fraction, exp: f"{sign}{whole}{point}{fraction}{exp}",
                     st.sampled_from(["", "-", "+"]), _DIGITS, st.sampled_from(["", "."]), _DIGITS,
                     st.one_of(st.just(""), st.builds(lambda e, sign, n: f"{e}{sign}{n}", st.sampled_from("eE"),
                                                       st.sampled_from(["", "-", "+"]),
                                                       st.integers(0, 400).map(str)))).filter(bool)


@needs_extension
@settings(max_examples=2000, deadline=None)
@given(st.lists(_NUMBERS, min_size=1, max_size=8))
def test_numbers_are_read_as_python_reads_them(tokens):
    """Every token Python's float() reads is read to the same bits (Clinger's fast path or Python's parser); any
    other makes the text unusual (handed to the Python planner, which reports it)."""
    compiled = citygml.accelerator()
    try:
        expected = [float(t) for t in tokens]
    except ValueError:
        with pytest.raises(compiled.Unusual, match="not"):
            compiled.values(" ".join(tokens))
        return
    assert [v.hex() for v in compiled.values("\n ".join(tokens))] == [v.hex() for v in expected]


@needs_extension
@pytest.mark.parametrize("text, message", [("1 2 nan", "not a plain number"), ("1\u00a02", "not a plain number"),
                                           ("1 --2", "not a number"), ("1e5x", "not a plain number"),
                                           ("1_000", "not a plain number")])
def test_numbers_python_reads_otherwise_are_unusual(text, message):
    with pytest.raises(citygml.accelerator().Unusual, match=message):
        citygml.accelerator().values(text)
