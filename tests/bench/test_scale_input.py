"""bench/run.py scale_input: the scale stage's zip of LoD2 tiles, from a cached district or from a CityGML made
for it alone (the same seed, the same buildings) and removed once zipped."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import zipfile

import pytest

from geotwin.tests.paths import ROOT
from geotwin.twin.sample.generator import generate_district

_ID = re.compile(r'<bldg:Building gml:id="([^"]+)"')
_MEMBER = re.compile(r"<core:cityObjectMember>.*?</core:cityObjectMember>", re.S)


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("geotwin_bench_run_scale_input", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _zipped_members(archive) -> list[str]:
    with zipfile.ZipFile(archive) as zf:
        return [m for name in zf.namelist() for m in _MEMBER.findall(zf.read(name).decode("utf-8"))]


def test_without_a_cached_district_only_its_citygml_is_made_and_removed(run, tmp_path):
    archive, tiles = run.scale_input(None, 6000, tmp_path / "inputs")
    assert archive == tmp_path / "inputs" / "scale-6000" / "LoD2_NW.zip"
    assert tiles == 2   # about 6,000 / 4,000 tiles
    assert sorted(p.name for p in archive.parent.iterdir()) == ["LoD2_NW.zip"]   # the CityGML and tiles removed
    assert not (tmp_path / "inputs" / "district-6000").exists()
    # the buildings of the district the gen stage writes with the bench's seed (every format), each once, the same
    whole = generate_district(tmp_path / "whole", buildings=6000, seed=run.SEED)
    expected = _MEMBER.findall(whole.path("citygml").read_text(encoding="utf-8"))
    members = _zipped_members(archive)
    ids = [_ID.search(m).group(1) for m in members]
    assert len(ids) == len(set(ids)) == len(expected) == 6000
    assert sorted(members) == sorted(expected)


def test_a_cached_district_is_split_without_generating(run, tmp_path, monkeypatch):
    inputs = tmp_path / "inputs"
    cached = generate_district(inputs / "district-5000", buildings=5000, seed=run.SEED, formats=["citygml"])
    expected = _MEMBER.findall(cached.path("citygml").read_text(encoding="utf-8"))

    def refuse(*args, **kwargs):
        raise AssertionError(f"generated although the district is cached: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)
    archive, tiles = run.scale_input(None, 5000, inputs)
    assert tiles == 1
    assert sorted(_zipped_members(archive)) == sorted(expected) and len(expected) == 5000
    assert (inputs / "district-5000" / "district.gml").is_file()   # the cache is left as it was
    assert run.scale_input(None, 5000, inputs) == (archive, 1)   # the zip itself is cached
