"""The city model importer and geotwin:importcitymodel on real CityGML and CityJSON, against the raw files."""
from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from lxml import etree
from shapely.geometry import Polygon

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import Cancelled, InputError
from geotwin.twin.kernel.progress import CollectingReporter

NS = {"bldg": "http://www.opengis.net/citygml/building/1.0", "gml": "http://www.opengis.net/gml"}
LAYERS = {"buildings", "building_surfaces", "footprints", "sources", "skipped_objects", "terrain"}


@pytest.fixture(scope="module")
def denhaag(shared_data) -> Path:
    return shared_data / "cityjson" / "denhaag" / "DenHaag_01_v2.0_derived.city.json"


@pytest.fixture(scope="module")
def hamburg(shared_data) -> Path:
    return shared_data / "citygml" / "hamburg"


@pytest.fixture(scope="module")
def denhaag_gpkg(denhaag, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("dh") / "denhaag.gpkg"
    return out, import_citymodel([denhaag], out, None, "highest", CollectingReporter())


def _read(gpkg: Path, layer: str):
    return pyogrio.read_dataframe(gpkg, layer=layer)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- independent footprints from the raw sources -------------------------------------------------------------

def _denhaag_ground(denhaag: Path) -> dict[str, float]:
    """Footprint area per building/part id: the 2D union of its GroundSurfaces, straight from the JSON."""
    doc = json.loads(denhaag.read_text())
    t = doc["transform"]
    verts = np.asarray(doc["vertices"], dtype=np.float64) * t["scale"] + t["translate"]
    own: dict[str, list[Polygon]] = {}
    for oid, obj in doc["CityObjects"].items():
        if obj["type"] not in ("Building", "BuildingPart"):
            continue
        for geom in obj.get("geometry", []):
            sem = geom["semantics"]
            for i, polygon in enumerate(geom["boundaries"][0]):
                if sem["surfaces"][sem["values"][0][i]]["type"] == "GroundSurface":
                    rings = [verts[np.asarray(r)][:, :2] for r in polygon]
                    own.setdefault(oid, []).append(shapely.make_valid(Polygon(rings[0], rings[1:])))
    areas = {oid: shapely.union_all(polys).area for oid, polys in own.items()}
    for oid, obj in doc["CityObjects"].items():
        if obj["type"] == "Building" and oid not in own and obj.get("children"):
            areas[oid] = shapely.union_all([p for c in obj["children"] for p in own.get(c, [])]).area
    return areas


def _hamburg_ground(path: Path) -> dict[str, float]:
    """Footprint area per gml:id: own GroundSurfaces, or those of its parts when it has none."""
    tree = etree.parse(str(path))
    areas = {}
    for el in tree.iter(f"{{{NS['bldg']}}}Building", f"{{{NS['bldg']}}}BuildingPart"):
        oid = el.get(f"{{{NS['gml']}}}id")
        grounds = el.findall(".//bldg:GroundSurface", NS)
        own = [g for g in grounds if next(g.iterancestors(f"{{{NS['bldg']}}}Building",
                                                           f"{{{NS['bldg']}}}BuildingPart")) is el]
        polys = []
        for ground in own or grounds:
            for polygon in ground.iterfind(".//gml:Polygon", NS):
                rings = [[[float(v) for v in pos.text.split()][:2] for pos in ring.iterfind("gml:pos", NS)]
                         for ring in polygon.iterfind(".//gml:LinearRing", NS)]
                polys.append(shapely.make_valid(Polygon(rings[0], rings[1:])))
        if polys:
            areas[oid] = shapely.union_all(polys).area
    return areas


def _hamburg_counts(path: Path) -> tuple[int, int]:
    tree = etree.parse(str(path))
    return (len(tree.findall(".//bldg:Building", NS)), len(tree.findall(".//bldg:BuildingPart", NS)))


# -- the core importer ---------------------------------------------------------------------------------------

def test_denhaag_layers_counts_and_crs(denhaag, denhaag_gpkg):
    out, result = denhaag_gpkg
    assert {name for name, _ in pyogrio.list_layers(out)} == LAYERS
    assert (result.buildings, result.parts, result.skipped) == (844, 1653, 0)
    assert (result.crs, result.vertical_crs) == ("EPSG:28992", "EPSG:5709")
    doc = json.loads(denhaag.read_text())
    n_surfaces = sum(len(g["boundaries"][0]) for o in doc["CityObjects"].values()
                     if o["type"] in ("Building", "BuildingPart") for g in o.get("geometry", []))
    assert result.surfaces == n_surfaces == 16209
    buildings = _read(out, "buildings")
    assert len(buildings) == 2497 and buildings.crs.to_epsg() == 28992
    assert set(buildings["object_class"]) == {"Building", "BuildingPart"}
    parts = buildings[buildings.object_class == "BuildingPart"]
    assert all(parts.parent_id == [doc["CityObjects"][i]["parents"][0] for i in parts.id])
    sources = _read(out, "sources")
    assert list(sources.format) == ["CityJSON 2.0"]
    assert sources.checksum_sha256[0] == _sha(denhaag)
    assert (sources.horizontal_crs[0], sources.vertical_crs[0]) == ("EPSG:28992", "EPSG:5709")
    assert sources.object_count[0] == 2497 + 1  # buildings and parts, and the TINRelief


def test_denhaag_heights_and_surface_areas(denhaag, denhaag_gpkg):
    out, _ = denhaag_gpkg
    doc = json.loads(denhaag.read_text())
    t = doc["transform"]
    verts = np.asarray(doc["vertices"], dtype=np.float64) * t["scale"] + t["translate"]
    buildings = _read(out, "buildings").set_index("id")
    for oid, obj in doc["CityObjects"].items():
        if obj["type"] not in ("Building", "BuildingPart"):
            continue
        ids = [i for g in obj.get("geometry", []) for s in g["boundaries"][0] for r in s for i in r]
        if not ids:  # a building whose geometry is in its parts: their heights
            ids = [i for c in obj["children"] for g in doc["CityObjects"][c]["geometry"]
                   for s in g["boundaries"][0] for r in s for i in r]
        z = verts[ids, 2]
        assert buildings.at[oid, "ground_height"] == pytest.approx(z.min(), abs=1e-9)
        assert buildings.at[oid, "roof_height"] == pytest.approx(z.max(), abs=1e-9)
    surfaces = _read(out, "building_surfaces")
    # a flat roof's 3D area equals its 2D area: check every horizontal roof with shapely
    flat = surfaces[(surfaces.surface_type == "RoofSurface")
                    & surfaces.geometry.apply(lambda g: np.ptp(np.asarray(g.exterior.coords)[:, 2]) == 0)]
    assert len(flat) > 500
    np.testing.assert_allclose(flat["area"], flat.geometry.area, rtol=1e-9)


def test_denhaag_footprints_match_raw_ground_surfaces(denhaag, denhaag_gpkg):
    out, result = denhaag_gpkg
    footprints = _read(out, "footprints").set_index("building_id")
    expected = _denhaag_ground(denhaag)
    assert len(footprints) == result.footprints == 2497 == len(expected)
    got = footprints["area"].reindex(list(expected))
    np.testing.assert_allclose(got.to_numpy(), list(expected.values()), rtol=1e-6)
    np.testing.assert_allclose(footprints.geometry.area, footprints["area"], rtol=1e-9)
    assert not footprints.geometry.has_z.any() and footprints.geometry.is_valid.all()


def test_hamburg_tiles_two_vertical_datums(hamburg, tmp_path):
    out = tmp_path / "hh.gpkg"
    reporter = CollectingReporter()
    result = import_citymodel([hamburg / "2022" / "LoD2_576_5950_1_HH.xml"], out, None, "2", reporter)
    assert (result.buildings, result.parts) == _hamburg_counts(hamburg / "2022" / "LoD2_576_5950_1_HH.xml")
    assert (result.crs, result.vertical_crs) == ("EPSG:25832", "EPSG:7837")  # ETRS89/UTM32 + DHHN2016
    # the 2016 state of the same tile is in DHHN92: a run over both keeps each datum per source
    both = tmp_path / "both.gpkg"
    mixed = CollectingReporter()
    result = import_citymodel([hamburg], both, None, "highest", mixed)
    sources = _read(both, "sources")
    assert dict(zip(sources.source_file.map(lambda p: Path(p).parent.name), sources.vertical_crs)) == \
        {"2016": "EPSG:5783", "2022": "EPSG:7837"}
    assert result.vertical_crs is None and any("different vertical CRSs" in w for w in mixed.warnings)
    counts = [_hamburg_counts(hamburg / year / "LoD2_576_5950_1_HH.xml") for year in ("2016", "2022")]
    assert counts[0][0] == 46 and counts[1][0] == 47
    assert (result.buildings, result.parts, result.skipped) == (46 + 47, counts[0][1] + counts[1][1], 0)


def test_tiles_with_different_crs_are_refused_and_output_kept(denhaag, shared_data, tmp_path):
    out = tmp_path / "keep.gpkg"
    import_citymodel([shared_data / "cityjson" / "cjio" / "zurich_subset_lod2.json"], out)
    before = out.read_bytes()
    with pytest.raises(InputError, match="all tiles of one run must share one horizontal CRS"):
        import_citymodel([shared_data / "cityjson" / "cjio" / "zurich_subset_lod2.json", denhaag], out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]  # no temporary left behind


def test_cancel_leaves_earlier_output_intact(denhaag, shared_data, tmp_path):
    out = tmp_path / "keep.gpkg"
    import_citymodel([shared_data / "cityjson" / "cjio" / "zurich_subset_lod2.json"], out)
    before = _sha(out)
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        import_citymodel([denhaag], out, None, "highest", CollectingReporter(cancel_after=0.0))
    assert _sha(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["keep.gpkg"]


def test_folder_of_gzipped_tiles_and_duplicate_ids(shared_data, tmp_path):
    delft = shared_data / "cityjson" / "cjio" / "delft.json"
    tiles = tmp_path / "tiles"
    (tiles / "sub").mkdir(parents=True)
    (tiles / "a.city.json.gz").write_bytes(gzip.compress(delft.read_bytes()))
    shutil.copy(delft, tiles / "sub" / "b.json")  # the same objects again: their ids are taken
    (tiles / "readme.txt").write_text("not a tile")
    out = tmp_path / "tiles.gpkg"
    reporter = CollectingReporter()
    result = import_citymodel([tiles], out, None, "highest", reporter)
    assert (result.buildings, result.parts, result.skipped) == (160, 0, 160)
    sources = _read(out, "sources")
    assert [Path(p).name for p in sources.source_file] == ["a.city.json.gz", "b.json"]
    assert list(sources.checksum_sha256) == [_sha(tiles / "a.city.json.gz"), _sha(delft)]
    assert list(sources.object_count) == [160, 0] and list(sources.skipped_count) == [0, 160]
    skipped = _read(out, "skipped_objects")
    skipped = skipped[~skipped.reason.str.startswith("not imported: ")]  # delft's roads, land use... (2 x 410)
    assert (skipped.reason == "duplicate id (already imported from a.city.json.gz)").all()
    assert len([w for w in reporter.warnings if "duplicate id" in w]) == 160
    with pytest.raises(InputError, match="no such file or folder"):
        import_citymodel([tmp_path / "missing"], out)


# -- the Processing algorithm -------------------------------------------------------------------------------

def test_algorithm_on_hamburg_2022(run_alg, hamburg, tmp_path):
    tile = hamburg / "2022" / "LoD2_576_5950_1_HH.xml"
    out = tmp_path / "hamburg.gpkg"
    results = run_alg("geotwin:importcitymodel", {"INPUT": [str(tile)], "LOD": 0, "OUTPUT": str(out)})
    assert results["OUTPUT"] == str(out)
    assert results["BUILDINGS"] == f"{out}|layername=buildings"
    assert results["SURFACES"] == f"{out}|layername=building_surfaces"
    assert results["SKIPPED"] == 0
    n_buildings, n_parts = _hamburg_counts(tile)
    assert (n_buildings, n_parts) == (47, 71)
    buildings = _read(out, "buildings")
    assert (buildings.object_class == "Building").sum() == 47 and (buildings.object_class == "BuildingPart").sum() == 71
    assert buildings.crs.to_epsg() == 25832
    footprints = _read(out, "footprints").set_index("building_id")
    expected = _hamburg_ground(tile)
    assert set(expected) <= set(footprints.index)
    np.testing.assert_allclose(footprints["area"].reindex(list(expected)).to_numpy(), list(expected.values()),
                               rtol=1e-6)
    surfaces = _read(out, "building_surfaces")
    assert set(surfaces.surface_type) >= {"RoofSurface", "WallSurface", "GroundSurface"}
    assert len(surfaces) == len(etree.parse(str(tile)).findall(".//gml:Polygon", NS))


def test_algorithm_on_denhaag_with_crs_override_and_lod(run_alg, shared_data, tmp_path):
    out = tmp_path / "multi.gpkg"
    path = shared_data / "cityjson" / "cjio" / "multi_lod.json"
    results = run_alg("geotwin:importcitymodel", {"INPUT": [str(path)], "CRS": "EPSG:7415", "LOD": 1,
                                                  "OUTPUT": str(out)})
    buildings = _read(Path(results["OUTPUT"]), "buildings")
    assert set(buildings.lod) == {"1.3"} and len(buildings) == 10
    sources = _read(out, "sources")
    assert (sources.horizontal_crs[0], sources.vertical_crs[0]) == ("EPSG:28992", "EPSG:5709")


def test_algorithm_refuses_broken_input_and_keeps_output(run_alg, denhaag, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "dh.gpkg"
    zurich = denhaag.parent.parent / "cjio" / "zurich_subset_lod2.json"
    run_alg("geotwin:importcitymodel", {"INPUT": [str(zurich)], "OUTPUT": str(out)})
    before = _sha(out)
    broken = tmp_path / "broken.city.json"
    broken.write_bytes(denhaag.read_bytes()[:200_000])
    with pytest.raises(QgsProcessingException, match=r"broken\.city\.json, line \d+: malformed JSON"):
        run_alg("geotwin:importcitymodel", {"INPUT": [str(broken)], "OUTPUT": str(out)})
    assert _sha(out) == before


def test_styles_colour_surfaces_by_type(denhaag_gpkg, qgis_processing):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer
    from qgis.PyQt.QtXml import QDomDocument

    from geotwin.processing.styles import StylePostProcessor

    out, _ = denhaag_gpkg
    layer = QgsVectorLayer(f"{out}|layername=building_surfaces", "surfaces", "ogr")
    assert layer.isValid()
    StylePostProcessor("building_surfaces_3d.qml").postProcessLayer(
        layer, QgsProcessingContext(), QgsProcessingFeedback())
    renderer = layer.renderer3D()
    assert renderer is not None and renderer.type() == "rulebased"
    doc = QDomDocument()
    layer.exportNamedStyle(doc)  # what the loaded layer now carries
    rules = {r.get("filter"): r.find("symbol/material").get("diffuse")
             for r in etree.fromstring(doc.toString().encode()).iterfind("renderer-3d/rules/rule")}
    assert rules == {"\"surface_type\" = 'RoofSurface'": "165,67,43,255",      # red-brown
                     "\"surface_type\" = 'WallSurface'": "220,220,220,255",    # light grey
                     "\"surface_type\" = 'GroundSurface'": "77,77,77,255",     # dark grey
                     None: "201,185,155,255"}                               # else: closure etc.
    assert layer.renderer().type() == "categorizedSymbol" and layer.renderer().classAttribute() == "surface_type"
    flat = QgsVectorLayer(f"{out}|layername=buildings", "buildings", "ogr")
    StylePostProcessor("buildings.qml").postProcessLayer(flat, QgsProcessingContext(),
                                                                   QgsProcessingFeedback())
    assert flat.renderer().type() == "singleSymbol"
    del layer, flat, renderer  # before QGIS exits: a layer with a 3D renderer must not outlive the app


def test_layers_are_queued_for_loading_with_styles(shared_data, tmp_path, qgis_processing):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    out = tmp_path / "load.gpkg"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    tile = shared_data / "cityjson" / "cjio" / "multi_lod.json"
    qgis_processing.run("geotwin:importcitymodel", {"INPUT": [str(tile)], "CRS": "EPSG:7415", "OUTPUT": str(out)},
                        context=context, feedback=QgsProcessingFeedback())
    queued = context.layersToLoadOnCompletion()
    assert set(queued) == {f"{out}|layername={n}" for n in ("buildings", "building_surfaces", "footprints")}
    assert all(d.postProcessor() is not None for d in queued.values())


def test_qgis_process_cli_folder_and_file(hamburg, tmp_path):
    """qgis_process: INPUT repeated, a folder and a file; exit 0 and the GeoPackage written."""
    out = tmp_path / "cli.gpkg"
    tile_2022 = hamburg / "2022" / "LoD2_576_5950_1_HH.xml"
    done = subprocess.run([str(ROOT / "scripts" / "qgis_process"), "run", "geotwin:importcitymodel", "--",
                           f"INPUT={hamburg / '2016'}", f"INPUT={tile_2022}", "LOD=2", f"OUTPUT={out}"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = [_hamburg_counts(hamburg / "2016" / tile_2022.name), _hamburg_counts(tile_2022)]
    with sqlite3.connect(out) as db:
        assert db.execute("select count(*) from buildings").fetchone()[0] == sum(b + p for b, p in counts)
        assert db.execute("select srs_id from gpkg_geometry_columns where table_name='buildings'").fetchone()[0] \
            == 25832
        assert db.execute("select count(*) from sources").fetchone()[0] == 2
    assert "SKIPPED:\t0" in done.stdout and "different vertical CRSs" in done.stdout + done.stderr


def test_skipped_objects_are_logged_and_stored(shared_data, tmp_path):
    src = shared_data / "cityjson" / "cjio" / "rotterdam_subset.json"
    reporter = CollectingReporter()
    out = tmp_path / "rot.gpkg"
    result = import_citymodel([src], out, "EPSG:7415", "highest", reporter)
    skipped = _read(out, "skipped_objects")
    assert len(skipped) == result.skipped == 12  # the 2-point rings of the source, see test_cityjson
    logged = [w for w in reporter.warnings if w.startswith("skipped ")]
    assert len(logged) == 12 and all(f"skipped {oid} " in " ".join(logged) for oid in skipped.object_id)
    surfaces = _read(out, "building_surfaces")
    assert result.buildings == 16 and len(surfaces) == result.surfaces
    assert set(skipped.object_id.str.split("#").str[0]) <= set(surfaces.building_id)  # the buildings stay


def test_algorithm_names_every_skipped_object_in_the_log(run_alg, shared_data, tmp_path):
    from qgis.core import QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.errors: list[str] = []
            self.warnings: list[str] = []

        def reportError(self, error, fatalError=False):  # noqa: N802, N803 - QGIS API names
            self.errors.append(error)

        def pushWarning(self, warning):  # noqa: N802 - skipped objects are warnings, not errors
            self.warnings.append(warning)

    src = shared_data / "cityjson" / "cjio" / "rotterdam_subset.json"
    out = tmp_path / "rot.gpkg"
    log = Log()
    results = run_alg("geotwin:importcitymodel", {"INPUT": [str(src)], "CRS": "EPSG:7415", "OUTPUT": str(out)},
                      feedback=log)
    skipped = _read(out, "skipped_objects")
    assert results["SKIPPED"] == len(skipped) == 12
    for oid, reason in zip(skipped.object_id, skipped.reason):
        assert any(oid in e and reason in e for e in log.warnings), oid
    assert log.errors == []
