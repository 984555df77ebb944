"""scripts/build_accel.py: the optional compiled CityGML planner is built, or the build says why not and exits 1
(make setup then goes on with the pure-Python reader)."""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_accel", ROOT / "scripts" / "build_accel.py")
build_accel = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_accel)


def test_a_failed_build_says_why_and_exits_1(tmp_path, capsys):
    assert build_accel.main(["--quiet", str(tmp_path / "missing.pyx")]) == 1
    err = capsys.readouterr().err
    assert "the compiled CityGML planner was not built" in err and "pure-Python reader is used" in err
    assert not list(tmp_path.iterdir())  # nothing half-built left behind


@pytest.mark.skipif(importlib.util.find_spec("Cython") is None and not os.environ.get("CI"),
                    reason="Cython is not installed (make setup installs it)")
def test_the_build_makes_an_extension_that_plans(tmp_path, capsys):
    source = tmp_path / "_gmlplan.pyx"
    shutil.copy(ROOT / "twin" / "citymodel" / "_gmlplan.pyx", source)
    assert build_accel.main(["--quiet", str(source)]) == 0
    built = next(tmp_path.glob("_gmlplan*.so"))
    assert f"built {built}" in capsys.readouterr().out
    spec = importlib.util.spec_from_file_location("_gmlplan", built)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    building = etree.fromstring(
        '<Building xmlns:gml="http://www.opengis.net/gml" gml:id="b"><lod1Solid><gml:Solid><gml:exterior>'
        '<gml:CompositeSurface><gml:surfaceMember><gml:Polygon gml:id="p"><gml:exterior><gml:LinearRing>'
        "<gml:posList>0 0 0 4 0 0 4 3 0 0 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
        "</gml:surfaceMember></gml:CompositeSurface></gml:exterior></gml:Solid></lod1Solid></Building>")
    polygons, counts, ops, events, rings, opened, parts, _ = module.Building(building).plan(building)
    assert polygons == [("p", 1)] and counts == [1] and ops == [("1", 1, "", None, [0])] and events == [0]
    assert [r.tolist() for r in rings] == [[[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [4.0, 3.0, 0.0]]]
    assert opened == 0 and parts == []
