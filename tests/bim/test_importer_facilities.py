"""IFC content that is not a building: infrastructure (a road's courses and kerbs, earthworks, geotechnical strata),
elements placed in the site or in no spatial structure, and a building of pipes only (no walls or slabs). Each
goes import -> twin -> 3D Tiles with its elements as the tiles' content; a file without any product geometry is
refused at import with a clear message. Structures rebuilt with ifcopenshell.api, counts and outlines checked
against ifcopenshell's own geometry and relationships."""
from __future__ import annotations

import json
import re
from collections import Counter

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.element as ue
import numpy as np
import pyogrio
import pytest
import shapely

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.store import open_store
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

from .test_georef import make_georeferenced_ifc

E, N, H = 458000.0, 5438000.0, 110.0


def _file(schema: str):
    """An empty project in metres with a Body context and a map conversion to EPSG:25832 at (E, N, H)."""
    import ifcopenshell.api as api
    import ifcopenshell.api.context  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.georeference  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.project  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.unit  # noqa: F401  (loads the submodule)

    f = api.project.create_file(version=schema)
    project = api.root.create_entity(f, ifc_class="IfcProject", name="Generated")
    api.unit.assign_unit(f, units=[api.unit.add_si_unit(f, unit_type="LENGTHUNIT")])
    model = api.context.add_context(f, context_type="Model")
    body = api.context.add_context(f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW",
                                   parent=model)
    api.georeference.add_georeferencing(f)
    api.georeference.edit_georeferencing(f, projected_crs={"Name": "EPSG:25832"}, coordinate_operation={
        "Eastings": E, "Northings": N, "OrthogonalHeight": H, "XAxisAbscissa": 1.0, "XAxisOrdinate": 0.0,
        "Scale": 1.0})
    return f, project, body


def _product(f, body, ifc_class: str, container, xyz, size=(4.0, 0.5, 1.0), predefined: str | None = None):
    import ifcopenshell.api as api
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.spatial  # noqa: F401  (loads the submodule)

    product = api.root.create_entity(f, ifc_class=ifc_class, name=f"{ifc_class} {xyz}", predefined_type=predefined)
    rep = api.geometry.add_wall_representation(f, context=body, length=size[0], height=size[2], thickness=size[1])
    api.geometry.assign_representation(f, product=product, representation=rep)
    matrix = np.eye(4)
    matrix[:3, 3] = xyz
    api.geometry.edit_object_placement(f, product=product, matrix=matrix, is_si=True)
    if container is not None:
        api.spatial.assign_container(f, relating_structure=container, products=[product])
    return product


def _road(path) -> dict:
    """IfcProject > IfcSite > IfcRoad > IfcFacilityPart holding 3 courses and 2 kerbs; a pipe in the site."""
    import ifcopenshell.api as api
    import ifcopenshell.api.aggregate  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)

    f, project, body = _file("IFC4X3_ADD2")
    site = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    road = api.root.create_entity(f, ifc_class="IfcRoad", name="B10")
    part = api.root.create_entity(f, ifc_class="IfcFacilityPart", name="Carriageway")
    api.aggregate.assign_object(f, relating_object=project, products=[site])
    api.aggregate.assign_object(f, relating_object=site, products=[road])
    api.aggregate.assign_object(f, relating_object=road, products=[part])
    for k in range(3):
        _product(f, body, "IfcCourse", part, (6.0 * k, 0.0, -0.3 * k), size=(5.0, 7.0, 0.3))
    for k in range(2):
        _product(f, body, "IfcKerb", part, (6.0 * k, 4.0, 0.0), size=(5.0, 0.2, 0.2))
    _product(f, body, "IfcPipeSegment", site, (0.0, 20.0, -1.5), size=(30.0, 0.4, 0.4))
    f.write(str(path))
    return {"road": road.GlobalId, "site": site.GlobalId}


def _facility(model, element):
    """ifcopenshell's answer: the building, else the facility, else the site, else the project (containment,
    then aggregation upwards)."""
    current = ue.get_container(element) or ue.get_aggregate(element)
    chain = []
    while current is not None:
        chain.append(current)
        current = ue.get_aggregate(current) or ue.get_container(current)
    for ifc_class in ("IfcBuilding", "IfcFacility", "IfcSite"):
        found = [c for c in chain if c.is_a(ifc_class)]
        if found:
            return found[0]
    return model.by_type("IfcProject")[0]


def _hull_outline(model, elements) -> shapely.Geometry:
    """The union of the elements' plan convex hulls from ifcopenshell's own triangulation (IFC world metres)."""
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    hulls = []
    for element in elements:
        shape = ifcopenshell.geom.create_shape(settings, element)
        xy = np.asarray(shape.geometry.verts, float).reshape(-1, 3)[:, :2]
        hulls.append(shapely.MultiPoint(xy).convex_hull)
    return shapely.union_all(hulls)


def _glb_feature_count(path) -> int:
    """The feature count of a BIM tile's property table, read from the GLB's JSON chunk."""
    data = path.read_bytes()
    length = int.from_bytes(data[12:16], "little")
    gltf = json.loads(data[20:20 + length])
    return sum(t["count"] for t in gltf["extensions"]["EXT_structural_metadata"]["propertyTables"])


def _twin_and_tiles(gpkg, tmp_path):
    reporter = CollectingReporter()
    built = build_twin(open_store(str(tmp_path / "twin.gpkg")), BuildInputs(ifc=[str(gpkg)]), None, reporter)
    exported = export_3dtiles(tmp_path / "twin.gpkg", tmp_path / "tiles", ExportOptions(viewer=False),
                              CollectingReporter())
    return built, exported


def test_road_and_site_elements_export_to_3d_tiles(tmp_path):
    path, out = tmp_path / "road.ifc", tmp_path / "road.gpkg"
    ids = _road(path)
    model = ifcopenshell.open(str(path))
    elements = [e for e in model.by_type("IfcElement") if e.Representation is not None]
    expected = Counter(_facility(model, e).GlobalId for e in elements)
    assert expected == {ids["road"]: 5, ids["site"]: 1}

    result = import_ifc(path, out, ImportOptions())
    rows = pyogrio.read_dataframe(out, layer="bim_elements")
    assert result.elements == len(rows) == len(elements) and result.skipped == []
    assert Counter(rows.building_global_id) == expected
    facilities = pyogrio.read_dataframe(out, layer="bim_buildings").set_index("global_id")
    assert result.buildings == len(facilities) == 2
    assert facilities.loc[ids["road"], "ifc_class"] == "IfcRoad"
    assert facilities.loc[ids["site"], "ifc_class"] == "IfcSite"
    assert facilities.loc[ids["road"], "element_count"] == 5 and facilities.loc[ids["site"], "element_count"] == 1
    # the road's outline: the union of its elements' plan hulls, moved by the map conversion
    road_elements = [e for e in elements if _facility(model, e).GlobalId == ids["road"]]
    local = _hull_outline(model, road_elements)
    placed = shapely.affinity.translate(local, E, N)
    outline = shapely.force_2d(facilities.loc[ids["road"], "geometry"])
    assert outline.area == pytest.approx(placed.area, rel=1e-6)
    assert outline.symmetric_difference(placed).area < 1e-6
    ground = min(float(np.asarray(ifcopenshell.geom.create_shape(
        _settings(), e).geometry.verts).reshape(-1, 3)[:, 2].min()) for e in road_elements)
    assert facilities.loc[ids["road"], "ground_height"] == pytest.approx(H + ground)

    built, exported = _twin_and_tiles(out, tmp_path)
    assert built.buildings == 2 and built.unmatched == 2 and built.matched == 0
    twin = pyogrio.read_dataframe(tmp_path / "twin.gpkg", layer="buildings").set_index("id")
    assert twin.loc[ids["road"], "object_class"] == "IfcRoad" and twin.loc[ids["site"], "object_class"] == "IfcSite"
    tiles = exported.report["twin"]["bim_tiles"]
    assert sorted(t["elements"] for t in tiles) == sorted(expected.values())
    assert sum(_glb_feature_count(tmp_path / "tiles" / t["uri"]) for t in tiles) == len(elements)


def _settings():
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    return settings


def test_earthworks_sample_exports_to_3d_tiles(shared_data, tmp_path):
    """12d Model's earthworks (IFC4X3 RC3): fills and a cut in IfcFacility entities or in no structure at all
    (the project), a geotechnical stratum: every element ends up in a tile."""
    path, out = shared_data / "ifc/georef/Georeferencing-Earthworks-12d-1.ifc", tmp_path / "earthworks.gpkg"
    text = path.read_text(errors="replace")
    elements = len(re.findall(r"=\s*IFC(EARTHWORKSFILL|EARTHWORKSCUT|SOLIDSTRATUM)\s*\(", text, re.IGNORECASE))
    result = import_ifc(path, out, ImportOptions(target_crs="EPSG:7856"))
    assert result.elements == elements == 5 and result.skipped == []
    facilities = pyogrio.read_dataframe(out, layer="bim_buildings")
    assert Counter(facilities.ifc_class) == {"IfcFacility": 2, "IfcProject": 1}
    assert facilities.geometry.notna().all() and (facilities.geometry.area > 0).all()
    rows = pyogrio.read_dataframe(out, layer="bim_elements")
    assert set(rows.building_global_id) == set(facilities.global_id)
    assert facilities.element_count.sum() == elements
    built, exported = _twin_and_tiles(out, tmp_path)
    assert built.buildings == 3
    tiles = exported.report["twin"]["bim_tiles"]
    assert sum(t["elements"] for t in tiles) == elements
    assert sum(_glb_feature_count(tmp_path / "tiles" / t["uri"]) for t in tiles) == elements


def test_building_of_pipes_only_gets_an_outline_and_tiles(tmp_path):
    """A building whose elements are all pipes (an HVAC model): no walls or slabs for an outline, so the
    outline is the union of the pipes' plan hulls; the building and its elements are tiled."""
    import ifcopenshell.api as api
    import ifcopenshell.api.aggregate  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)

    f, project, body = _file("IFC4")
    site = api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    building = api.root.create_entity(f, ifc_class="IfcBuilding", name="Plant room")
    storey = api.root.create_entity(f, ifc_class="IfcBuildingStorey", name="UG")
    api.aggregate.assign_object(f, relating_object=project, products=[site])
    api.aggregate.assign_object(f, relating_object=site, products=[building])
    api.aggregate.assign_object(f, relating_object=building, products=[storey])
    for k in range(4):
        _product(f, body, "IfcPipeSegment", storey, (0.0, 1.5 * k, 2.0), size=(6.0, 0.3, 0.3))
    path, out = tmp_path / "pipes.ifc", tmp_path / "pipes.gpkg"
    f.write(str(path))
    model = ifcopenshell.open(str(path))
    pipes = model.by_type("IfcPipeSegment")
    result = import_ifc(path, out, ImportOptions())
    assert result.elements == len(pipes) == 4 and result.buildings == 1
    row = pyogrio.read_dataframe(out, layer="bim_buildings").iloc[0]
    assert row.ifc_class == "IfcBuilding" and row.global_id == building.GlobalId
    expected = shapely.affinity.translate(_hull_outline(model, pipes), E, N)
    assert shapely.force_2d(row.geometry).symmetric_difference(expected).area < 1e-6
    built, exported = _twin_and_tiles(out, tmp_path)
    assert built.buildings == 1 and built.unmatched == 1
    twin = pyogrio.read_dataframe(tmp_path / "twin.gpkg", layer="buildings")
    assert list(twin.object_class) == ["Building"]
    tiles = exported.report["twin"]["bim_tiles"]
    assert [t["elements"] for t in tiles] == [4]
    assert _glb_feature_count(tmp_path / "tiles" / tiles[0]["uri"]) == 4


def test_a_city_outline_never_matches_a_road(tmp_path):
    """Conflation: a facility that is not a building is added as its own twin object even where a city-model
    building has exactly its outline."""
    import geopandas as gpd
    import pandas as pd

    from geotwin.twin.conflation import ADDED, MATCHED, ConflationOptions, conflate

    square = shapely.MultiPolygon([shapely.Polygon([(0, 0, 5), (10, 0, 5), (10, 10, 5), (0, 10, 5)])])
    city = pd.DataFrame({"id": ["DEBW1"], "outline": [shapely.force_2d(square).geoms[0]], "ground": [5.0],
                         "roof": [15.0]})
    rows = []
    for ifc_class in ("IfcBuilding", "IfcRoad", None):
        rows.append({"global_id": f"g-{ifc_class}", "ifc_class": ifc_class, "name": "x", "source_file": "a.ifc",
                     "ground_height": 5.0, "roof_height": 15.0})
    bim = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=[square] * 3)
    report = conflate(bim, city, ConflationOptions())
    assert [r["status"] for r in report] == [MATCHED, ADDED, MATCHED]
    assert "not a building (IfcRoad" in report[1]["reason"]


def test_no_product_geometry_is_refused_at_import(tmp_path):
    import ifcopenshell.api as api
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)

    # no element at all (xBim's SmallModelIfc4: a project with units only)
    f, _, _ = _file("IFC4")
    empty = tmp_path / "empty.ifc"
    f.write(str(empty))
    # a wall with only an axis
    f, project, body = _file("IFC4")
    wall = api.root.create_entity(f, ifc_class="IfcWall", name="Axis only")
    axis_context = api.context.add_context(f, context_type="Model", context_identifier="Axis",
                                           target_view="GRAPH_VIEW", parent=body.ParentContext)
    polyline = f.createIfcPolyline([f.createIfcCartesianPoint((0.0, 0.0)), f.createIfcCartesianPoint((5.0, 0.0))])
    rep = f.createIfcShapeRepresentation(axis_context, "Axis", "Curve2D", [polyline])
    api.geometry.assign_representation(f, product=wall, representation=rep)
    axis = tmp_path / "axis.ifc"
    f.write(str(axis))
    # only an element whose body the kernel cannot triangulate (a zero-size extrusion)
    broken = tmp_path / "broken.ifc"
    make_georeferenced_ifc(broken, "IFC4", eastings=E, northings=N, height=H, angle_deg=0.0, broken_element=True)
    model = ifcopenshell.open(str(broken))
    import ifcopenshell.api.root as root

    root.remove_product(model, product=model.by_type("IfcWall")[0])
    model.write(str(broken))
    proxy = ifcopenshell.open(str(broken)).by_type("IfcBuildingElementProxy")[0].GlobalId
    cases = [(empty, r"holds no product with geometry \(no element and no room\)$"),
             (axis, r"holds no product with geometry: its 1 elements and rooms have no 3D body"),
             (broken, rf"no product with geometry that could be triangulated: all 1 products with a body failed "
                      rf"\(e\.g\. {re.escape(proxy)}: IfcBuildingElementProxy: ")]
    for path, message in cases:
        out = tmp_path / f"{path.stem}.gpkg"
        with pytest.raises(InputError, match=message) as err:
            import_ifc(path, out, ImportOptions())
        assert err.value.path == str(path) and not out.exists()
        assert str(err.value).startswith(str(path))
