"""IFC import into the GeoPackage on real files: counts against ifcopenshell's by_type, positions against
independent pyproj/numpy placements, rooms against the files' own quantities, bad input and cancel."""
from __future__ import annotations

import math
import shutil

import geopandas as gpd
import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.element
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.tests.paths import ROOT
from geotwin.twin.kernel.errors import Cancelled, InputError
from geotwin.twin.kernel.progress import CollectingReporter

from .test_georef import make_georeferenced_ifc

FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"


def _layer(path, name):
    return pyogrio.read_dataframe(path, layer=name) if name == "georef_report" else gpd.read_file(path, layer=name)


def _count(frame, ifc_class):
    return int(frame.ifc_class.isin([ifc_class, f"{ifc_class}StandardCase", f"{ifc_class}ElementedCase"]).sum())


def _world_verts(model, global_id):
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    shape = ifcopenshell.geom.create_shape(settings, model.by_guid(global_id))
    return np.asarray(shape.geometry.verts, dtype=float).reshape(-1, 3)


def _vertices(geometry):
    return np.unique(np.round(shapely.get_coordinates(geometry, include_z=True), 4), axis=0)


@pytest.fixture(scope="module")
def fzk(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("fzk") / "fzk.gpkg"
    reporter = CollectingReporter()
    result = import_ifc(shared_data / FZK, out, ImportOptions(), reporter)
    return result, out, ifcopenshell.open(str(shared_data / FZK))


def test_fzk_haus_counts_match_by_type(fzk):
    result, out, model = fzk
    elements = _layer(out, "bim_elements")
    for ifc_class, published in (("IfcWall", 13), ("IfcSlab", 4), ("IfcWindow", 11), ("IfcDoor", 5)):
        assert _count(elements, ifc_class) == len(model.by_type(ifc_class)) == published
    spaces = _layer(out, "bim_spaces")
    assert len(spaces) == result.spaces == len(model.by_type("IfcSpace")) == 7
    assert result.skipped == []
    assert set(elements.global_id) <= {e.GlobalId for e in model.by_type("IfcElement")}
    wall = elements[elements.ifc_class.str.startswith("IfcWall")].iloc[0]
    assert wall.storey in ("Erdgeschoss", "Dachgeschoss") and wall.material and '"Pset_WallCommon"' in wall.psets


def test_fzk_haus_rooms_areas_and_storeys(fzk):
    _, out, model = fzk
    spaces = _layer(out, "bim_spaces").set_index("global_id")
    for space in model.by_type("IfcSpace"):
        row = spaces.loc[space.GlobalId]
        qto = ifcopenshell.util.element.get_psets(space)["BaseQuantities"]
        assert row["name"] == space.Name and row.long_name == space.LongName
        assert row.area == round(qto["NetFloorArea"], 2) and repr(row.area) == repr(round(qto["NetFloorArea"], 2))
        assert row.height is None or repr(row.height) == repr(round(row.height, 3))
        # the floor polygon, computed from the geometry, has the file's gross floor area (grid scale < 0.1 %)
        assert row.geometry.area == pytest.approx(qto["GrossFloorArea"], rel=0.001)
        assert row.geometry.has_z and row.floor_elevation == pytest.approx(row.geometry.exterior.coords[0][2])
    storeys = _layer(out, "bim_storeys").set_index("name")
    assert storeys.loc["Erdgeschoss", "elevation"] == pytest.approx(110.0)
    assert storeys.loc["Dachgeschoss", "elevation"] == pytest.approx(112.7)
    buildings = _layer(out, "bim_buildings")
    assert len(buildings) == 1
    assert buildings.geometry.iloc[0].area == pytest.approx(120.0, rel=0.001)  # 12 m x 10 m, grid scale < 0.1 %


def test_fzk_haus_positions_against_independent_site_placement(fzk, shared_data):
    _, out, model = fzk
    report = _layer(out, "georef_report").iloc[0]
    assert report.method == "site" and report.expected_accuracy_m == pytest.approx(1.0)
    lon, lat = 8 + 26 / 60 + 11.5404 / 3600, 49 + 6 / 60 + 1.566 / 3600
    to_utm = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:25832", always_xy=True)
    e0, n0 = to_utm.transform(lon, lat)
    e1, n1 = to_utm.transform(lon, lat + 0.001)
    grid_north = math.atan2(-(e1 - e0), n1 - n0)                     # true north, anticlockwise from grid north
    true_north = math.atan2(-0.766044443119, 0.642787609687)      # the file's TrueNorth, from project north
    theta = grid_north - true_north
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    elements = _layer(out, "bim_elements").set_index("global_id")
    for global_id in elements.index[elements.ifc_class.str.startswith("IfcWall")][:3]:
        local = _world_verts(model, global_id)
        expected = np.column_stack([local[:, :2] @ rotation.T + [e0, n0], local[:, 2] + 110.0])
        got = _vertices(elements.loc[global_id, "geometry"])
        # every expected vertex is in the output within 1 cm (the point scale factor is ignored here: < 6 mm)
        dist = np.min(np.linalg.norm(expected[:, None, :] - got[None, :, :], axis=2), axis=1)
        assert dist.max() < 0.01


def test_ifczip_reads_like_ifc(shared_data):
    from geotwin.bim.reader import open_ifc

    plain, zipped = open_ifc(shared_data / FZK), open_ifc(shared_data / "ifc/fzk-haus/AC20-FZK-Haus.ifczip")
    for ifc_class in ("IfcWall", "IfcSlab", "IfcWindow", "IfcDoor", "IfcSpace"):
        assert len(zipped.by_type(ifc_class)) == len(plain.by_type(ifc_class))


def test_duplex_ifc2x3(shared_data, tmp_path):
    out = tmp_path / "duplex.gpkg"
    result = import_ifc(shared_data / "ifc/medium/duplex_IFC2X3.ifc", out, ImportOptions(target_crs="EPSG:32616"))
    model = ifcopenshell.open(str(shared_data / "ifc/medium/duplex_IFC2X3.ifc"))
    elements = _layer(out, "bim_elements")
    for ifc_class, published in (("IfcWall", 57), ("IfcWindow", 24), ("IfcDoor", 14)):
        assert _count(elements, ifc_class) == len(model.by_type(ifc_class)) == published
    spaces = _layer(out, "bim_spaces")
    assert result.spaces == len(spaces) == len(model.by_type("IfcSpace")) == 21
    assert spaces.geometry.notna().all() and (spaces.area > 0).all() and spaces.storey.notna().all()
    assert _layer(out, "georef_report").iloc[0].method == "site"


def test_ifcopenhouse_manual_placement(shared_data, tmp_path):
    out = tmp_path / "house.gpkg"
    e, n, h, angle = 456789.123, 5432109.876, 118.25, 30.0
    path = shared_data / "ifc/small/IfcOpenHouse_IFC4.ifc"
    result = import_ifc(path, out, ImportOptions(georeferencing="manual", manual=(e, n, h, angle)))
    model = ifcopenshell.open(str(path))
    elements = _layer(out, "bim_elements").set_index("global_id")
    for ifc_class, published in (("IfcWall", 4), ("IfcSlab", 2), ("IfcWindow", 5), ("IfcDoor", 1)):
        assert _count(elements, ifc_class) == len(model.by_type(ifc_class)) == published
    assert result.placement.method == "manual"
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    for global_id in elements.index[elements.ifc_class.str.startswith("IfcWall")][:2]:
        local = _world_verts(model, global_id)
        expected = np.column_stack([e + c * local[:, 0] - s * local[:, 1], n + s * local[:, 0] + c * local[:, 1],
                                    h + local[:, 2]])
        got = _vertices(elements.loc[global_id, "geometry"])
        dist = np.min(np.linalg.norm(expected[:, None, :] - got[None, :, :], axis=2), axis=1)
        assert dist.max() < 0.001


def test_generated_ifc_round_trip_and_broken_element_skipped(tmp_path):
    path, out = tmp_path / "generated.ifc", tmp_path / "generated.gpkg"
    e, n, h, angle = 458111.111, 5438222.222, 112.345, -20.0
    wall_id = make_georeferenced_ifc(path, "IFC4", eastings=e, northings=n, height=h, angle_deg=angle,
                                     broken_element=True)
    reporter = CollectingReporter()
    result = import_ifc(path, out, ImportOptions(), reporter)
    model = ifcopenshell.open(str(path))
    broken = model.by_type("IfcBuildingElementProxy")[0].GlobalId
    assert result.elements == 1 and [gid for gid, _ in result.skipped] == [broken]
    assert any(broken in w for w in reporter.warnings)
    report = _layer(out, "georef_report").iloc[0]
    assert report.skipped == 1 and report.skipped_ids == broken
    local = _world_verts(model, wall_id)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    expected = np.column_stack([e + c * local[:, 0] - s * local[:, 1], n + s * local[:, 0] + c * local[:, 1],
                                h + local[:, 2]])
    got = _vertices(_layer(out, "bim_elements").set_index("global_id").loc[wall_id, "geometry"])
    assert len(got) == 8
    dist = np.min(np.linalg.norm(expected[:, None, :] - got[None, :, :], axis=2), axis=1)
    assert dist.max() < 0.001


def test_bad_inputs_are_refused_and_leave_the_output_untouched(shared_data, tmp_path):
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"previous")
    not_ifc = tmp_path / "notes.ifc"
    not_ifc.write_text("hello, this is not an IFC\n")
    truncated = tmp_path / "truncated.ifc"
    truncated.write_bytes((shared_data / "ifc/small/IfcOpenHouse_IFC4.ifc").read_bytes()[:60000])
    cases = [
        (not_ifc, "not an IFC file"),
        (truncated, "truncated STEP file"),
        (shared_data / "ifc/fzk-haus/AC20-FZK-Haus_ifc23_header-only.ifc", "header declares IFC2X3.*content is IFC4"),
        (shared_data / "ifc/small/IfcOpenHouse_IFC4.ifc", "no georeferencing"),
    ]
    for path, message in cases:
        with pytest.raises(InputError, match=message) as info:
            import_ifc(path, out, ImportOptions())
        assert path.name in str(info.value)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.ifc", "out.gpkg", "truncated.ifc"]


def test_cancel_leaves_no_output(shared_data, tmp_path):
    out = tmp_path / "cancelled.gpkg"
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        import_ifc(shared_data / "ifc/small/IfcOpenHouse_IFC4.ifc", out,
                   ImportOptions(georeferencing="manual", manual=(0.0, 0.0, 0.0, 0.0)),
                   CollectingReporter(cancel_after=0.0))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def fzk_footprint(shared_data, tmp_path):
    """The FZK-Haus LoD0 footprint of the CityGML sample (1 km from the IFC's IfcSite), as a GeoPackage."""
    from lxml import etree

    doc = etree.parse(str(shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod0_v2.gml"))
    pos = doc.xpath("//*[local-name()='lod0FootPrint']//*[local-name()='posList']")[0].text.split()
    polygon = shapely.Polygon(np.array(pos, dtype=float).reshape(-1, 3))
    path = tmp_path / "footprints.gpkg"
    gpd.GeoDataFrame({"fid_text": ["fzk", "neighbour"]},
                     geometry=[polygon, shapely.box(457900, 5439100, 457915, 5439112)], crs="EPSG:25832"
                     ).to_file(path, layer="footprints", driver="GPKG")
    return polygon, path


def test_algorithm_fit_to_cityGML_footprint(run_alg, shared_data, fzk_footprint, tmp_path):
    polygon, footprints = fzk_footprint
    out = tmp_path / "fit.gpkg"
    results = run_alg("geotwin:importifc", {
        "INPUT": str(shared_data / FZK), "GEOREFERENCING": 4, "FOOTPRINTS": f"{footprints}|layername=footprints",
        "FOOTPRINT_FIELD": "fid_text", "FOOTPRINT_ID": "fzk", "TARGET_CRS": "EPSG:25832", "OUTPUT": str(out)})
    assert results["GEOREF_METHOD"] == "fit to footprint"
    assert results["GEOREF_RESIDUAL_M"] < 0.01
    assert results["ELEMENTS"] == 82 and results["SPACES"] == 7
    outline = _layer(out, "bim_buildings").geometry.iloc[0]
    assert outline.symmetric_difference(polygon).area < 0.05
    assert min(z for *_, z in outline.geoms[0].exterior.coords) == pytest.approx(111.8)  # the footprint's height
    report = _layer(out, "georef_report").iloc[0]
    assert "symmetric" in report.warnings and report.residual_m < 0.01


def test_algorithm_reports_bad_input(run_alg, shared_data, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="header declares IFC2X3"):
        run_alg("geotwin:importifc", {"INPUT": str(shared_data / "ifc/fzk-haus/AC20-FZK-Haus_ifc23_header-only.ifc"),
                                      "OUTPUT": str(tmp_path / "x.gpkg")})
    assert not (tmp_path / "x.gpkg").exists()


def test_qgis_process_utm_sample(shared_data, tmp_path, python_exe):
    import json
    import subprocess

    root = ROOT
    out = tmp_path / "utm.gpkg"
    proc = subprocess.run([str(root / "scripts/qgis_process"), "--json", "run", "geotwin:importifc", "--",
                           f"INPUT={shared_data / 'ifc/georef/geographic-referencing-utm.ifc'}", f"OUTPUT={out}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert results["GEOREF_METHOD"] == "map conversion" and results["ELEMENTS"] == 1
    element = _layer(out, "bim_elements").geometry.iloc[0]
    coords = shapely.get_coordinates(element, include_z=True)
    apex = coords[np.argmin(coords[:, 2])]  # the pyramid's tip is the local origin
    assert abs(apex[0] - 458657.30) < 0.01 and abs(apex[1] - 5438232.25) < 0.01 and apex[2] == pytest.approx(113.7)
    assert shutil.which("true")  # the subprocess ran in a normal environment


@pytest.mark.parametrize("name, target, method", [
    ("geographic-referencing-utm.ifc", "EPSG:25832", "map conversion"),
    ("geographic-referencing-gk.ifc", "EPSG:25832", "map conversion"),
    ("geographic-referencing-rigid-operation.ifc", "EPSG:32633", "rigid operation (geographic)"),
    ("UT_GeoRef_1.ifc", "EPSG:25832", "map conversion"),
    ("Georeferencing-Earthworks-12d-1.ifc", "EPSG:7856", "map conversion"),
    ("ifcopenshell-geolocation-mapconversion-angle_IFC4.ifc", "EPSG:25832", "map conversion (CRS assumed)"),
])
def test_every_georef_sample_imports(shared_data, tmp_path, name, target, method):
    from geotwin.bim.reader import open_ifc

    path, out = shared_data / "ifc/georef" / name, tmp_path / "georef.gpkg"
    if method.endswith("(CRS assumed)"):  # E 15000 m, N 0 m: no place in EPSG:25832, and the import says so
        with pytest.raises(InputError, match="names no CRS.*probably local"):
            import_ifc(path, out, ImportOptions(target_crs=target))
        assert not out.exists()
        return
    result = import_ifc(path, out, ImportOptions(target_crs=target))
    model = open_ifc(path)
    expected = [e for e in model.by_type("IfcElement") if not e.is_a("IfcOpeningElement")]
    elements = _layer(out, "bim_elements")
    assert result.skipped == [] and sorted(elements.global_id) == sorted(e.GlobalId for e in expected)
    report = _layer(out, "georef_report").iloc[0]
    assert report.method == method and report.target_crs == target and report.elements == len(expected)
    # every stored vertex lies inside the target CRS's area of use
    crs = pyproj.CRS(target)
    west, south, east, north = crs.area_of_use.bounds
    for geom in elements.geometry.dropna():
        coords = shapely.get_coordinates(geom)
        lon, lat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(
            coords[:, 0], coords[:, 1])
        assert (west <= lon).all() and (lon <= east).all() and (south <= lat).all() and (lat <= north).all()


def test_algorithm_manual_parameters(run_alg, tmp_path):
    path, out = tmp_path / "generated.ifc", tmp_path / "manual.gpkg"
    wall_id = make_georeferenced_ifc(path, "IFC4", eastings=1.0, northings=2.0, height=3.0, angle_deg=0.0)
    e, n, h, angle = 458500.5, 5438600.25, 111.11, 123.4
    results = run_alg("geotwin:importifc", {
        "INPUT": str(path), "GEOREFERENCING": 3, "MANUAL_EASTING": e, "MANUAL_NORTHING": n, "MANUAL_HEIGHT": h,
        "MANUAL_ROTATION": angle, "OUTPUT": str(out)})
    assert results["GEOREF_METHOD"] == "manual" and results["ELEMENTS"] == 1 and results["SPACES"] == 0
    local = _world_verts(ifcopenshell.open(str(path)), wall_id)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    expected = np.column_stack([e + c * local[:, 0] - s * local[:, 1], n + s * local[:, 0] + c * local[:, 1],
                                h + local[:, 2]])
    got = _vertices(_layer(out, "bim_elements").geometry.iloc[0])
    dist = np.min(np.linalg.norm(expected[:, None, :] - got[None, :, :], axis=2), axis=1)
    assert dist.max() < 0.001
    report = _layer(out, "georef_report").iloc[0]
    assert report.rotation_deg == pytest.approx(angle) and report.requested == "manual"


def test_synthetic_building_for_benchmarks(tmp_path):
    from geotwin.twin.sample.synthetic_ifc import generate_ifc

    path, out = tmp_path / "synthetic.ifc", tmp_path / "synthetic.gpkg"
    spec = generate_ifc(path, 30, storeys=3)
    result = import_ifc(path, out, ImportOptions())
    model = ifcopenshell.open(str(path))
    assert result.elements == len(model.by_type("IfcWall")) == spec["walls"] and result.storeys == 3
    e, n, h = spec["anchor"]
    c, s = math.cos(math.radians(spec["rotation_deg"])), math.sin(math.radians(spec["rotation_deg"]))
    elements = _layer(out, "bim_elements").set_index("global_id")
    wall = model.by_type("IfcWall")[-1]
    local = _world_verts(model, wall.GlobalId)
    expected = np.column_stack([e + c * local[:, 0] - s * local[:, 1], n + s * local[:, 0] + c * local[:, 1],
                                h + local[:, 2]])
    got = _vertices(elements.loc[wall.GlobalId, "geometry"])
    assert np.min(np.linalg.norm(expected[:, None, :] - got[None, :, :], axis=2), axis=1).max() < 0.001
    assert sorted(_layer(out, "bim_storeys").elevation) == pytest.approx([h, h + 3.0, h + 6.0])


def test_auto_falls_back_to_a_footprint_fit(shared_data, tmp_path):
    """IfcOpenHouse has no georeferencing: auto fits its outline to a footprint 25 degrees rotated and moved."""
    from shapely import affinity

    path = shared_data / "ifc/small/IfcOpenHouse_IFC4.ifc"
    e0, n0 = 457000.0, 5429000.0   # a manual placement without rotation: the outline, moved
    import_ifc(path, tmp_path / "local.gpkg", ImportOptions(georeferencing="manual", manual=(e0, n0, 0.0, 0.0)))
    local_outline = affinity.translate(
        shapely.force_2d(_layer(tmp_path / "local.gpkg", "bim_buildings").geometry.iloc[0]), -e0, -n0)
    footprint = affinity.translate(affinity.rotate(local_outline, 25.0, origin=(0, 0)), 457123.0, 5429876.0)
    out = tmp_path / "fitted.gpkg"
    result = import_ifc(path, out, ImportOptions(footprints=[("house", footprint.geoms[0])], fit_height=116.0))
    assert result.placement.method == "fit to footprint" and result.placement.residual_m < 0.01
    assert result.placement.scale == pytest.approx(1.0, abs=1e-4)
    assert min(abs(result.placement.rotation_deg - 25.0), abs(result.placement.rotation_deg - 25.0 + 180.0)) < 0.01
    outline = shapely.force_2d(_layer(out, "bim_buildings").geometry.iloc[0])
    assert outline.symmetric_difference(footprint).area < 0.01
    assert "no georeferencing: fitted" in _layer(out, "georef_report").iloc[0].warnings
