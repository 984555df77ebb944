"""geotwin:buildtwin and incremental rebuilds on the Hamburg 2016/2022 tile, checked against the raw XML."""
from __future__ import annotations

import copy
import hashlib
import uuid

import pyogrio
import pytest
from lxml import etree

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.store import open_store, read_store

TILE = "LoD2_576_5950_1_HH.xml"
BLDG = "http://www.opengis.net/citygml/building/1.0"
GML = "http://www.opengis.net/gml"
OBJECTS = (f"{{{BLDG}}}Building", f"{{{BLDG}}}BuildingPart")


def raw_objects(path) -> dict[str, str]:
    """gml:id -> digest of the object's own XML (its building parts cut out), read with lxml."""
    out = {}
    for el in etree.parse(str(path)).iter(*OBJECTS):
        own = copy.deepcopy(el)
        for part in own.findall(f"{{{BLDG}}}consistsOfBuildingPart"):
            own.remove(part)
        out[el.get(f"{{{GML}}}id")] = hashlib.sha256(etree.tostring(own, method="c14n")).hexdigest()
    return out


def raw_objects_v2(path) -> list[str]:
    """gml:ids of the Buildings of a CityGML 2.0 file."""
    return [el.get(f"{{{GML}}}id") for el in etree.parse(str(path)).iter(
        "{http://www.opengis.net/citygml/building/2.0}Building")]


def expected_changes(old: dict[str, str], new: dict[str, str]) -> tuple[list, list, list]:
    return (sorted(set(new) - set(old)), sorted(set(old) - set(new)),
            sorted(k for k in set(old) & set(new) if old[k] != new[k]))


def edited_2022(shared_data, target_dir):
    """The 2022 tile with one building (and its parts) deleted, one part's measuredHeight changed and one
    building without parts raised by 0.5 m; returns the file and the edited ids."""
    tree = etree.parse(str(shared_data / "citygml/hamburg/2022" / TILE))
    buildings = list(tree.iter(f"{{{BLDG}}}Building"))
    with_parts = [b for b in buildings if b.find(f"{{{BLDG}}}consistsOfBuildingPart") is not None]
    without_parts = [b for b in buildings if b.find(f"{{{BLDG}}}consistsOfBuildingPart") is None]
    deleted = with_parts[0]
    member = deleted.getparent()
    member.getparent().remove(member)
    part = with_parts[1].find(f".//{{{BLDG}}}BuildingPart")
    height = part.find(f"{{{BLDG}}}measuredHeight")
    height.text = f"{float(height.text) + 1.25:.3f}"
    raised = without_parts[0]
    for pos in raised.iter(f"{{{GML}}}posList", f"{{{GML}}}pos"):
        values = [float(v) for v in pos.text.split()]
        pos.text = " ".join(f"{v + 0.5:.3f}" if i % 3 == 2 else repr(v) for i, v in enumerate(values))
    target_dir.mkdir()
    path = target_dir / TILE
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path, {"deleted": deleted.get(f"{{{GML}}}id"), "part": part.get(f"{{{GML}}}id"),
                  "raised": raised.get(f"{{{GML}}}id")}


def test_hamburg_incremental_rebuild(tmp_path, shared_data):
    tile16, tile22 = (shared_data / f"citygml/hamburg/{year}" / TILE for year in (2016, 2022))
    raw16, raw22 = raw_objects(tile16), raw_objects(tile22)
    assert (len(raw16), len(raw22)) == (46 + 72, 47 + 71)  # buildings + parts, as published
    target = tmp_path / "twin.gpkg"
    store = open_store(target)

    first = build_twin(store, BuildInputs(citymodel=[str(tile16)]))
    assert first.added == sorted(raw16) and not first.removed and not first.modified
    assert first.buildings == 46

    second = build_twin(store, BuildInputs(citymodel=[str(tile22)]))
    added, removed, modified = expected_changes(raw16, raw22)
    assert (second.added, second.removed, second.modified) == (added, removed, modified)
    assert len(second.added) == 118 and len(second.removed) == 118  # the 2022 tile has all-new gml:ids
    twin = read_store(store)
    assert set(twin["buildings"]["id"]) == set(raw22) and second.buildings == 47
    changes = twin["changes"][twin["changes"]["build_id"] == 2]
    building_changes = changes[changes["layer"] == "buildings"]
    assert sorted(building_changes[building_changes["change"] == "added"]["object_id"]) == added
    assert sorted(building_changes[building_changes["change"] == "removed"]["object_id"]) == removed

    third = build_twin(store, BuildInputs(citymodel=[str(tile22)]))
    assert third.reused == ["citymodel"]
    assert (third.added, third.removed, third.modified) == ([], [], [])

    fids_before = _fids(target)
    edited, ids = edited_2022(shared_data, tmp_path / "edited")
    raw_edited = raw_objects(edited)
    fourth = build_twin(store, BuildInputs(citymodel=[str(edited)]))
    added, removed, modified = expected_changes(raw22, raw_edited)
    assert (fourth.added, fourth.removed, fourth.modified) == (added, removed, modified)
    assert modified == sorted([ids["part"], ids["raised"]]) and ids["deleted"] in removed and not added
    # only the changed rows were rewritten: every unchanged building keeps its row (fid)
    fids_after = _fids(target)
    unchanged = set(raw22) - set(removed) - set(modified)
    assert {k: fids_after[k] for k in unchanged} == {k: fids_before[k] for k in unchanged}
    twin = read_store(store)
    raised = twin["buildings"].set_index("id").loc[ids["raised"]]
    old_raised = pyogrio.read_dataframe(target, layer="buildings", where=f"id = '{ids['raised']}'")
    assert raised["roof_height"] == pytest.approx(old_raised["roof_height"][0])
    assert list(twin["builds"]["modified"]) == [0, 0, 0, 2]


def _fids(path) -> dict[str, int]:
    frame = pyogrio.read_dataframe(path, layer="buildings", columns=["id"], read_geometry=False, fid_as_index=True)
    return dict(zip(frame["id"], frame.index))


def _drop_schema(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_buildtwin_algorithm_gpkg_and_postgis(run_alg, tmp_path, shared_data, pg_dsn, pg_connection):
    tile16 = shared_data / "citygml/hamburg/2016" / TILE
    raw16 = raw_objects(tile16)
    gpkg = tmp_path / "twin.gpkg"
    common = {"CITYMODEL": [str(tile16)], "IOU_THRESHOLD": 0.5, "HEIGHT_TOLERANCE": 1.0}
    to_gpkg = run_alg("geotwin:buildtwin", {**common, "OUTPUT": str(gpkg)})
    assert to_gpkg["OUTPUT"] == str(gpkg)
    expected = {"BUILDINGS": 46, "MATCHED": 0, "UNMATCHED": 0, "MISMATCHES": 0, "ADDED": len(raw16),
                "REMOVED": 0, "MODIFIED": 0}
    assert {k: to_gpkg[k] for k in expected} == expected
    assert set(read_store(open_store(gpkg))["buildings"]["id"]) == set(raw16)

    schema = f"t_{uuid.uuid4().hex[:10]}"
    try:
        to_pg = run_alg("geotwin:buildtwin", {**common, "DATABASE": pg_connection, "SCHEMA": schema})
        assert to_pg["OUTPUT"] == f"postgres:{pg_connection}/{schema}"
        assert {k: to_pg[k] for k in expected} == expected
        twin = read_store(open_store(pg_dsn, schema))
        assert set(twin["buildings"]["id"]) == set(raw16)
        assert twin["sources"]["checksum_sha256"].tolist() == [hashlib.sha256(tile16.read_bytes()).hexdigest()]
    finally:
        _drop_schema(pg_dsn, schema)


def test_buildtwin_needs_exactly_one_output(run_alg, tmp_path, shared_data):
    from qgis.core import QgsProcessingException

    tile16 = str(shared_data / "citygml/hamburg/2016" / TILE)
    with pytest.raises(QgsProcessingException, match="either an output GeoPackage or a PostGIS connection"):
        run_alg("geotwin:buildtwin", {"CITYMODEL": [tile16]})


def test_an_object_in_two_city_model_inputs_is_kept_once(tmp_path, shared_data):
    """FZK-Haus LoD2 and LoD1 share one gml:id: the first input wins, the duplicate is named in a warning."""
    from geotwin.twin.kernel.progress import CollectingReporter

    folder = shared_data / "citygml/fzk-haus/citygml2"
    lod2, lod1 = folder / "fzk_haus_lod2_v2.gml", folder / "fzk_haus_lod1_v2.gml"
    [gml_id] = raw_objects_v2(lod2)
    assert raw_objects_v2(lod1) == [gml_id]
    polygons = len(etree.parse(str(lod2)).findall(f".//{{{GML}}}Polygon"))
    reporter = CollectingReporter()
    store = open_store(tmp_path / "twin.gpkg")
    result = build_twin(store, BuildInputs(citymodel=[str(lod2), str(lod1)]), reporter=reporter)
    twin = read_store(store)
    assert result.buildings == 1 and list(twin["buildings"]["lod"]) == ["2"]
    assert len(twin["building_surfaces"]) == polygons
    assert any(str(lod1) in w and gml_id in w and "first input wins" in w for w in reporter.warnings)
    assert len(twin["sources"]) == 2


def test_twin_of_the_generated_district(tmp_path):
    """The whole chain on a small sample district: city model, the school's IFC, islands and sensors."""
    import re

    from geotwin.bim.importer import ImportOptions, import_ifc
    from geotwin.twin.islands.importer import import_learning_islands
    from geotwin.twin.kernel.layers import LayerRef
    from geotwin.twin.sample.generator import generate_district
    from geotwin.twin.sensors.export_source import read_exports
    from geotwin.twin.sensors.importer import write_sensors

    district = generate_district(tmp_path / "district", buildings=20, seed=0)
    work = tmp_path / "imports"
    work.mkdir()
    city = work / "city.gpkg"
    import_citymodel([district.path("citygml")], city)
    school = work / "school.gpkg"
    import_ifc(district.path("ifc"), school, ImportOptions(target_crs=district.crs["horizontal"]))
    islands = work / "islands.gpkg"
    import_learning_islands(str(district.path("islands")), str(islands), buildings=LayerRef(str(city), "buildings"),
                            rooms=LayerRef(str(school), "bim_spaces"))
    sensors = work / "sensors.gpkg"
    series, issues = read_exports([district.path("sensors_csv")], district.crs["horizontal"])
    write_sensors(series, issues, str(sensors), district.crs["horizontal"], buildings=LayerRef(str(city), "buildings"))

    store = open_store(tmp_path / "twin.gpkg")
    result = build_twin(store, BuildInputs(citymodel=[str(district.path("citygml"))], ifc=[str(school)],
                                           islands=[str(islands)], sensors=[str(sensors)]))
    twin = read_store(store)
    counts = district.counts
    assert result.buildings == counts["buildings"] == 20
    assert (result.matched, result.unmatched, result.mismatches) == (1, 0, 0)
    [row] = twin["conflation_report"].to_dict("records")
    school_gid = re.search(r"IFCBUILDING\('([^']+)'", district.path("ifc").read_text()).group(1)
    assert (row["bim_building_id"], row["city_building_id"]) == (school_gid, district.school["id"])
    assert row["iou"] > 0.99
    buildings = twin["buildings"].set_index("id")
    assert buildings.loc[district.school["id"], "bim_building_id"] == school_gid
    links = twin["links"]
    rooms = links[(links["from_layer"] == "bim_spaces") & (links["relation"] == "part_of")]
    assert len(rooms) == counts["ifc"]["spaces"] and set(rooms["to_id"]) == {district.school["id"]}
    assert len(twin["learning_islands"]) == counts["learning_islands"]
    in_buildings = links[(links["from_layer"] == "learning_islands") & (links["to_layer"] == "buildings")]
    assert set(in_buildings["from_id"]) == set(twin["learning_islands"]["id"])
    assert set(in_buildings["to_id"]) <= set(buildings.index)
    observes = links[links["relation"] == "observes"]
    assert len(twin["sensors"]) == counts["sensors"] and 0 < len(observes) <= counts["sensors"]
    assert set(observes["to_id"]) <= set(buildings.index)


def _xyz(frame, ids):
    import numpy as np
    import shapely

    rows = frame[frame["id"].isin(ids)].sort_values("id")
    return np.concatenate([shapely.get_coordinates(g, include_z=True) for g in rows.geometry])


def test_buildtwin_crs_parameter_fixes_the_twins_crs(run_alg, tmp_path, shared_data):
    """CRS (advanced, optional): empty takes the city model's CRS; given, every input is transformed into it and
    the CRS output names it; city models in two CRSs are refused without it. Coordinates against pyproj."""
    import numpy as np
    from pyproj import Transformer
    from qgis.core import (
        QgsApplication,
        QgsCoordinateReferenceSystem,
        QgsProcessingException,
        QgsProcessingParameterDefinition,
    )

    alg = QgsApplication.processingRegistry().algorithmById("geotwin:buildtwin")
    param = alg.parameterDefinition("CRS")
    assert param.type() == "crs" and not param.defaultValue()
    assert param.flags() & QgsProcessingParameterDefinition.FlagOptional
    assert param.flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert alg.outputDefinition("CRS").type() == "outputString"

    fzk = str(shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml")
    zurich = str(shared_data / "cityjson/cjio/zurich_subset_lod2.json")
    utm = run_alg("geotwin:buildtwin", {"CITYMODEL": [fzk], "OUTPUT": str(tmp_path / "utm.gpkg")})
    assert utm["CRS"] == "EPSG:25832" == open_store(tmp_path / "utm.gpkg").crs()
    gk = run_alg("geotwin:buildtwin", {"CITYMODEL": [fzk], "CRS": QgsCoordinateReferenceSystem("EPSG:31467"),
                                       "OUTPUT": str(tmp_path / "gk.gpkg")})
    assert gk["CRS"] == "EPSG:31467" == open_store(tmp_path / "gk.gpkg").crs() and gk["BUILDINGS"] == 1
    in_utm = read_store(open_store(tmp_path / "utm.gpkg"))["buildings"]
    x, y, z = _xyz(in_utm, set(in_utm["id"])).T
    expected = np.column_stack([*Transformer.from_crs(25832, 31467, always_xy=True).transform(x, y), z])
    in_gk = read_store(open_store(tmp_path / "gk.gpkg"))["buildings"]
    assert set(in_gk["id"]) == set(in_utm["id"])
    np.testing.assert_allclose(_xyz(in_gk, set(in_utm["id"])), expected, atol=1e-3)

    with pytest.raises(QgsProcessingException, match=r"the city model inputs are in different CRSs \(EPSG:25832 in "
                                                     r".*fzk_haus_lod2_v2.gml, EPSG:2056 in .*zurich_subset_lod2.json"
                                                     r"\): give the CRS parameter"):
        run_alg("geotwin:buildtwin", {"CITYMODEL": [fzk, zurich], "OUTPUT": str(tmp_path / "refused.gpkg")})
    assert not (tmp_path / "refused.gpkg").exists()
    both = run_alg("geotwin:buildtwin", {"CITYMODEL": [fzk, zurich], "CRS": "EPSG:25832",
                                         "OUTPUT": str(tmp_path / "both.gpkg")})
    assert both["CRS"] == "EPSG:25832"
    swiss = run_alg("geotwin:importcitymodel", {"INPUT": [zurich], "OUTPUT": str(tmp_path / "zurich.gpkg")})
    native = pyogrio.read_dataframe(swiss["OUTPUT"], layer="buildings")
    assert native.crs.to_epsg() == 2056
    twin = read_store(open_store(tmp_path / "both.gpkg"))["buildings"]
    roots = native[native["parent_id"].fillna("") == ""]
    assert set(twin["id"]) == set(native["id"]) | set(in_utm["id"])
    assert both["BUILDINGS"] == len(roots) + 1 == 50   # Zurich's 49 LoD2 buildings (README) and the FZK-Haus
    ids = set(native["id"][native.geometry.notna()])
    x, y, z = _xyz(native, ids).T
    expected = np.column_stack([*Transformer.from_crs(2056, 25832, always_xy=True).transform(x, y), z])
    np.testing.assert_allclose(_xyz(twin, ids), expected, atol=1e-3)
