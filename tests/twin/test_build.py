"""The twin's CRS is fixed once, first: the CRS parameter, else the city model's, else the IFC inputs'; inputs
that disagree without a parameter are refused; every other input is transformed into it; it is reported."""
from __future__ import annotations

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.store import open_store, read_store

HAMBURG = "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"
FZK_GML = "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
FZK_IFC = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
GK3 = "EPSG:31467"   # DHDN / 3-degree Gauss-Kruger zone 3: the same places, other coordinates


def _in_crs(source, target, crs: str):
    """A copy of an importer GeoPackage with every geometry layer transformed into ``crs`` (as another office
    would deliver the same objects); ``sources.horizontal_crs`` says so."""
    for name in gpkg.list_layers(source):
        frame = gpkg.read_frame(source, name)
        if getattr(frame, "crs", None) is not None:
            frame = frame.to_crs(crs)
        if name == "sources" and "horizontal_crs" in frame:
            frame["horizontal_crs"] = crs
        pyogrio.write_dataframe(frame, target, layer=name, driver="GPKG", append=target.exists())
    return target


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, shared_data):
    work = tmp_path_factory.mktemp("crs-rule")
    hamburg, fzk = work / "hamburg.gpkg", work / "fzk.gpkg"
    import_citymodel([shared_data / HAMBURG], hamburg)
    import_citymodel([shared_data / FZK_GML], fzk)
    ifc = work / "ifc.gpkg"
    import_ifc(shared_data / FZK_IFC, ifc, ImportOptions(target_crs="EPSG:25832"))
    return {"hamburg": hamburg, "fzk": fzk, "fzk_gk": _in_crs(fzk, work / "fzk_gk.gpkg", GK3),
            "ifc": ifc, "ifc_gk": _in_crs(ifc, work / "ifc_gk.gpkg", GK3)}


def _infos(reporter: CollectingReporter) -> list[str]:
    return [m for m in reporter.infos if m.startswith("the twin's CRS")]


def _coords(frame, ids, column="id"):
    rows = frame[frame[column].isin(ids)].sort_values(column)
    return np.concatenate([shapely.get_coordinates(g, include_z=True) for g in rows.geometry])


def test_city_models_in_two_crss_need_the_parameter(tmp_path, inputs):
    city = [str(inputs["hamburg"]), str(inputs["fzk_gk"])]
    with pytest.raises(InputError, match=r"fzk_gk.gpkg: the city model inputs are in different CRSs "
                                         r"\(EPSG:25832 in .*hamburg.gpkg, EPSG:31467 in .*fzk_gk.gpkg\): give the "
                                         r"CRS parameter"):
        build_twin(open_store(tmp_path / "refused.gpkg"), BuildInputs(citymodel=city))
    assert not (tmp_path / "refused.gpkg").exists()

    reporter = CollectingReporter()
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=city), reporter=reporter, crs="epsg:25832")
    assert _infos(reporter) == ["the twin's CRS is EPSG:25832, from the CRS parameter"]
    assert store.crs() == "EPSG:25832"
    twin = read_store(store)["buildings"]
    original = gpkg.read_frame(inputs["fzk"], "buildings")
    fzk_ids = set(original["id"])
    assert len(twin) == 118 + len(fzk_ids)
    # the Gauss-Kruger copy came back into UTM: the original coordinates within a millimetre
    np.testing.assert_allclose(_coords(twin, fzk_ids), _coords(original, fzk_ids), atol=1e-3)


def test_the_parameter_overrides_agreeing_inputs(tmp_path, inputs):
    reporter = CollectingReporter()
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(inputs["fzk"])]), reporter=reporter, crs="31467")
    assert _infos(reporter) == ["the twin's CRS is EPSG:31467, from the CRS parameter"]
    assert store.crs() == "EPSG:31467"
    original = gpkg.read_frame(inputs["fzk"], "buildings")
    x, y, z = _coords(original, set(original["id"])).T
    expected = np.column_stack([*Transformer.from_crs(25832, 31467, always_xy=True).transform(x, y), z])
    twin = read_store(store)["buildings"]
    np.testing.assert_allclose(_coords(twin, set(original["id"])), expected, atol=1e-3)


def test_without_parameter_the_city_model_decides(tmp_path, inputs):
    reporter = CollectingReporter()
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(inputs["fzk"])], ifc=[str(inputs["ifc_gk"])]), reporter=reporter)
    assert _infos(reporter) == [f"the twin's CRS is EPSG:25832, the city model input's ({inputs['fzk']})"]
    assert store.crs() == "EPSG:25832"
    bim = read_store(store)["bim_buildings"]
    original = gpkg.read_frame(inputs["ifc"], "bim_buildings")
    assert len(bim) == len(original) == 1
    np.testing.assert_allclose(shapely.get_coordinates(bim.geometry.iloc[0], include_z=True),
                               shapely.get_coordinates(original.geometry.iloc[0], include_z=True), atol=1e-3)


def test_ifc_inputs_decide_without_a_city_model(tmp_path, inputs):
    reporter = CollectingReporter()
    store = open_store(tmp_path / "gk.gpkg")
    build_twin(store, BuildInputs(ifc=[str(inputs["ifc_gk"])]), reporter=reporter)
    assert _infos(reporter) == [f"the twin's CRS is {GK3}, the IFC input's ({inputs['ifc_gk']})"]
    assert store.crs() == GK3

    both = BuildInputs(ifc=[str(inputs["ifc"]), str(inputs["ifc_gk"])])
    with pytest.raises(InputError, match=r"ifc_gk.gpkg: the IFC inputs are in different CRSs \(EPSG:25832 in "):
        build_twin(open_store(tmp_path / "refused.gpkg"), both)
    reporter = CollectingReporter()
    build_twin(open_store(tmp_path / "utm.gpkg"), both, reporter=reporter, crs="EPSG:25832")
    assert _infos(reporter) == ["the twin's CRS is EPSG:25832, from the CRS parameter"]


def test_an_unchanged_rebuild_keeps_the_stored_crs(tmp_path, inputs):
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(inputs["fzk_gk"])]))
    reporter = CollectingReporter()
    build_twin(store, BuildInputs(citymodel=[str(inputs["fzk_gk"])]), reporter=reporter)
    assert _infos(reporter) == [f"the twin's CRS is {GK3}, the store's (citymodel inputs unchanged)"]


def test_a_crs_parameter_that_is_no_crs(tmp_path, inputs):
    with pytest.raises(InputError, match="the CRS parameter 'EPSG:999999' is no CRS pyproj knows"):
        build_twin(open_store(tmp_path / "twin.gpkg"), BuildInputs(citymodel=[str(inputs["fzk"])]),
                   crs="EPSG:999999")
    assert not (tmp_path / "twin.gpkg").exists()


def test_a_rebuild_into_another_crs_reads_every_input_again(tmp_path, inputs):
    """Unchanged inputs are normally taken from the store; in another CRS the stored layers would only be
    relabelled, so every input is read again and transformed (coordinates checked against pyproj)."""
    store = open_store(tmp_path / "twin.gpkg")
    first = build_twin(store, BuildInputs(citymodel=[str(inputs["fzk"])], ifc=[str(inputs["ifc"])]))
    assert first.crs == "EPSG:25832" and store.crs() == "EPSG:25832"
    before = read_store(store)
    reporter = CollectingReporter()
    again = build_twin(store, BuildInputs(citymodel=[str(inputs["fzk"])], ifc=[str(inputs["ifc"])]),
                       reporter=reporter, crs=GK3)
    assert again.crs == GK3 == store.crs() and again.reused == []
    assert f"every input is read again: the twin's CRS changes from EPSG:25832 to {GK3}" in reporter.infos
    after = read_store(store)
    to_gk = Transformer.from_crs(25832, 31467, always_xy=True)
    for layer, key in (("buildings", "id"), ("building_surfaces", "id"), ("bim_elements", "global_id")):
        ids = set(before[layer][key])
        assert len(ids) >= 1 and set(after[layer][key]) == ids, layer
        x, y, z = _coords(before[layer], ids, key).T
        np.testing.assert_allclose(_coords(after[layer], ids, key),
                                   np.column_stack([*to_gk.transform(x, y), z]), atol=1e-3, err_msg=layer)
    # and back, with nothing changed since: the stored CRS again, the inputs reused
    third = build_twin(store, BuildInputs(citymodel=[str(inputs["fzk"])], ifc=[str(inputs["ifc"])]), crs=GK3)
    assert third.crs == GK3 and sorted(third.reused) == ["citymodel", "ifc"]
