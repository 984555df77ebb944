"""The partitioned build over several city model GeoPackages against the single-process build of the same inputs:
the twin's CRS fixed once from all of them (mixed CRSs refused naming both files), cells that hold rows of two
inputs, and objects two inputs both have (the first input wins)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pyogrio
import pytest

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema.twin import KNOWN_SPECS
from geotwin.twin.scale.build import EarlierIds, build_partitioned
from geotwin.twin.scale.cluster import serial_mapper
from geotwin.twin.store.open import open_store

_spec = importlib.util.spec_from_file_location("scale_compare", Path(__file__).with_name("compare.py"))
_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_compare)
table = _compare.table
# ``sources`` names each input by its path, the same in both builds; ``builds`` says when and how it was built
TWIN_LAYERS_COMPARED = sorted(set(KNOWN_SPECS) - {"builds"})
GK3 = "EPSG:31467"   # DHDN / 3-degree Gauss-Kruger zone 3


def assert_same_twin(a, b):
    assert sorted(gpkg.list_layers(a)) == sorted(gpkg.list_layers(b))
    for layer in TWIN_LAYERS_COMPARED:
        assert table(a, layer) == table(b, layer), layer


def _ids(path, layer="buildings", column="id"):
    names, rows, _ = gpkg.read_table(path, layer, [column], geometry=False)
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def parts(delivery, tmp_path_factory):
    """City model GeoPackages of the delivery's tiles: west (tiles 0-3), east (4-7), and two that overlap in tiles
    3 and 4 (``first`` 0-4, ``second`` 3-7)."""
    work = tmp_path_factory.mktemp("parts")
    tiles = delivery["tiles"]
    out = {}
    for name, chosen in (("west", tiles[:4]), ("east", tiles[4:]), ("first", tiles[:5]), ("second", tiles[3:])):
        out[name] = work / f"{name}.gpkg"
        import_citymodel(chosen, out[name])
    return out


def _single(inputs, target):
    reporter = CollectingReporter()
    build_twin(open_store(target), BuildInputs(citymodel=[str(p) for p in inputs]), reporter=reporter)
    return reporter


def test_cells_with_rows_of_two_inputs_give_the_single_process_twin(parts, tmp_path):
    inputs = [parts["west"], parts["east"]]
    _single(inputs, tmp_path / "single.gpkg")
    reporter = CollectingReporter()
    result = build_partitioned(open_store(tmp_path / "twin.gpkg"), inputs, tmp_path / "work", serial_mapper(),
                               reporter, buildings_per_partition=60)
    # some cell holds buildings of both inputs (a tile border runs through it)
    sources = {}
    for cell in (tmp_path / "work" / "build" / "parts").glob("*.gpkg"):
        names, rows, _ = gpkg.read_table(cell, "buildings", ["source_file"], geometry=False)
        sources[cell.stem] = {r[0] for r in rows}
    west = set(_ids(parts["west"], column="source_file"))
    assert any(files & west and files - west for files in sources.values())
    assert result.buildings == 400 and len(result.added) == 400
    assert reporter.warnings == []
    assert_same_twin(tmp_path / "twin.gpkg", tmp_path / "single.gpkg")


def test_objects_of_two_inputs_the_first_input_wins_as_in_the_single_process_build(parts, tmp_path):
    inputs = [parts["first"], parts["second"]]
    first, second = _ids(parts["first"]), _ids(parts["second"])
    both = set(first) & set(second)
    assert len(both) > 20 and len(set(first) | set(second)) == 400
    single = _single(inputs, tmp_path / "single.gpkg")
    reporter = CollectingReporter()
    result = build_partitioned(open_store(tmp_path / "twin.gpkg"), [str(p) for p in inputs], tmp_path / "work",
                               serial_mapper(), reporter, buildings_per_partition=60)
    assert result.buildings == 400 and len(result.added) == 400
    twin = _ids(tmp_path / "twin.gpkg")
    assert len(twin) == len(set(twin)) == len(set(first) | set(second))   # no building twice
    assert_same_twin(tmp_path / "twin.gpkg", tmp_path / "single.gpkg")
    # the rows of the shared tiles come from the first input: its surfaces, not the second's as well
    surfaces = _ids(tmp_path / "twin.gpkg", "building_surfaces", "building_id")
    first_surfaces = _ids(parts["first"], "building_surfaces", "building_id")
    assert len(surfaces) == len(first_surfaces) + sum(b not in set(first) for b in
                                                     _ids(parts["second"], "building_surfaces", "building_id"))
    # the same warnings, word for word: rows skipped per layer of the second input, with an example id
    repeated = sorted(w for w in reporter.warnings if "the first input wins" in w)
    assert repeated == sorted(w for w in single.warnings if "the first input wins" in w)
    buildings = [w for w in repeated if " buildings rows " in w]
    assert len(buildings) == 1 and buildings[0].startswith(f"{parts['second']}: {len(both)} buildings rows of objects")


def _in_crs(source, target, crs: str):
    """A copy of a city model GeoPackage with every geometry layer transformed into ``crs``."""
    for name in gpkg.list_layers(source):
        frame = gpkg.read_frame(source, name)
        if getattr(frame, "crs", None) is not None:
            frame = frame.to_crs(crs)
        pyogrio.write_dataframe(frame, target, layer=name, driver="GPKG", append=target.exists())
    return target


def test_a_cell_reads_only_the_repeated_ids_of_its_own_rows(parts, tmp_path, monkeypatch):
    """Task 2 of issue 13: a cell leaves out the rows an earlier input has by asking the EarlierIds file for its own
    rows' ids (with the halo), never for all of an input's repeated ids; the twin is the single-process one."""
    inputs = [parts["first"], parts["second"]]
    both = set(_ids(parts["first"])) & set(_ids(parts["second"]))
    whole = EarlierIds.ids
    asked: list[tuple[int, str, set[str], set[str]]] = []
    original = EarlierIds.among

    def among(self, number, layer, ids):
        ids = set(ids)
        found = original(self, number, layer, ids)
        asked.append((number, layer, ids, found))
        assert found == ids & whole(self, number, layer)   # exactly the repeated ones among the cell's ids
        return found

    def refuse(self, number, layer):
        raise AssertionError("a cell read all repeated ids of an input")

    monkeypatch.setattr(EarlierIds, "among", among)
    monkeypatch.setattr(EarlierIds, "ids", refuse)
    build_partitioned(open_store(tmp_path / "twin.gpkg"), [str(p) for p in inputs], tmp_path / "work",
                      serial_mapper(), CollectingReporter(), buildings_per_partition=60)
    monkeypatch.setattr(EarlierIds, "ids", whole)
    _single(inputs, tmp_path / "single.gpkg")
    assert_same_twin(tmp_path / "twin.gpkg", tmp_path / "single.gpkg")
    buildings = [(ids, found) for number, layer, ids, found in asked if number == 1 and layer == "buildings"]
    assert len(buildings) > 3   # several cells, each asked for its own rows only
    assert max(len(ids) for ids, _ in buildings) < len(_ids(parts["second"]))
    assert set().union(*(found for _, found in buildings)) == both   # every repeated building left out somewhere


def test_the_twins_crs_is_fixed_first_and_reported(parts, tmp_path):
    reporter = CollectingReporter()
    build_partitioned(open_store(tmp_path / "twin.gpkg"), [parts["west"], parts["east"]], tmp_path / "work",
                      serial_mapper(), reporter, buildings_per_partition=200)
    crs = [m for m in reporter.infos if m.startswith("the twin's CRS")]
    assert crs == [f"the twin's CRS is EPSG:25832, the city model input's ({parts['west']})"]
    assert open_store(tmp_path / "twin.gpkg").crs() == "EPSG:25832"


def test_inputs_in_two_crss_are_refused_naming_both_files(parts, tmp_path):
    east_gk = _in_crs(parts["east"], tmp_path / "east_gk.gpkg", GK3)
    with pytest.raises(InputError, match=r"east_gk.gpkg: the city model inputs are in different CRSs \(EPSG:25832 "
                                         r"in .*west.gpkg, EPSG:31467 in .*east_gk.gpkg\): the partitioned build "
                                         r"reads the inputs in their own CRS"):
        build_partitioned(open_store(tmp_path / "refused.gpkg"), [parts["west"], east_gk], tmp_path / "work2",
                          serial_mapper(), buildings_per_partition=200)
    assert not (tmp_path / "refused.gpkg").exists()
    # the first input no longer decides: in the other order it is refused too
    with pytest.raises(InputError, match=r"west.gpkg: the city model inputs are in different CRSs \(EPSG:31467 in "
                                         r".*east_gk.gpkg, EPSG:25832 in .*west.gpkg\)"):
        build_partitioned(open_store(tmp_path / "refused.gpkg"), [east_gk, parts["west"]], tmp_path / "work2",
                          serial_mapper(), buildings_per_partition=200)
