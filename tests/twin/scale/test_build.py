"""twin/scale/build.py: the partitioned build's CRS. Its cells are cut in the city model's CRS, so a CRS
parameter naming another one is refused by name (a build in one process transforms instead), and the CRS used is
reported in the result."""
from __future__ import annotations

import pytest

from geotwin.twin.build import BuildInputs
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.scale.build import build_twin_scaled
from geotwin.twin.scale.cluster import serial_mapper
from geotwin.twin.store.open import open_store

HAMBURG = "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"


@pytest.fixture(scope="module")
def hamburg(tmp_path_factory, shared_data):
    city = tmp_path_factory.mktemp("scale-crs") / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], city)
    return city


def test_a_crs_parameter_other_than_the_city_models_is_refused(hamburg, tmp_path):
    inputs = BuildInputs(citymodel=[str(hamburg)])
    with pytest.raises(InputError, match=r"hamburg.gpkg: the partitioned build keeps the city model's CRS "
                                         r"EPSG:25832 and cannot transform it into EPSG:31467 \(the CRS parameter\)"):
        build_twin_scaled(open_store(tmp_path / "twin.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                          crs="EPSG:31467")
    assert not (tmp_path / "twin.gpkg").exists() and not (tmp_path / "work").exists()


@pytest.mark.parametrize("crs", [None, "EPSG:25832", "25832"])
def test_the_city_models_crs_is_used_and_reported(hamburg, tmp_path, crs):
    reporter = CollectingReporter()
    store = open_store(tmp_path / "twin.gpkg")
    result = build_twin_scaled(store, BuildInputs(citymodel=[str(hamburg)]), tmp_path / "work", serial_mapper(),
                               reporter, buildings_per_partition=20, crs=crs)
    assert result.crs == "EPSG:25832" == store.crs()
    assert result.buildings == 46 and len(result.added) == 46 + 72   # the published tile: buildings + parts
    assert any(m.endswith("the twin's CRS is EPSG:25832") for m in reporter.infos)
