"""The sample district as a delivery of LoD2 tiles: every building in exactly one tile, the tiles readable."""
from __future__ import annotations

import re
import zipfile

import pytest

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.sample.tiles import split_tiles, zip_tiles

IDS = re.compile(r'<bldg:Building gml:id="([^"]+)"')


def test_every_building_is_in_exactly_one_tile(tmp_path):
    district = generate_district(tmp_path / "d", buildings=120, seed=1, formats=("citygml",))
    whole = IDS.findall(district.path("citygml").read_text(encoding="utf-8"))
    tiles = split_tiles(district.path("citygml"), tmp_path / "tiles", 6)
    assert 4 <= len(tiles) <= 8
    ids = [i for t in tiles for i in IDS.findall(t.read_text(encoding="utf-8"))]
    assert sorted(ids) == sorted(whole) and len(set(ids)) == 120
    archive = zip_tiles(tiles, tmp_path / "LoD2.zip")
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == sorted(f"LoD2/{t.name}" for t in tiles)
    result = import_citymodel([archive], tmp_path / "city.gpkg")
    assert result.buildings == 120 and len(result.sources) == len(tiles)


def test_bad_requests_are_refused(tmp_path):
    other = tmp_path / "other.gml"
    other.write_text("<x/>\n", encoding="utf-8")
    with pytest.raises(InputError, match="no cityObjectMember: not the sample district's CityGML"):
        split_tiles(other, tmp_path / "t", 4)
    with pytest.raises(InputError, match="the number of tiles must be at least 1, got 0"):
        split_tiles(other, tmp_path / "t", 0)
