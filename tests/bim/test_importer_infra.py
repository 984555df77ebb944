"""IFC4X3 infrastructure and geotechnical elements imported with their class: every IfcElement and any other
IfcProduct with a representation, but not the spatial structure, openings, virtual elements, annotations,
grids/alignments or ports. Counts per class against independent counts (ifcopenshell by_type, the STEP text)."""
from __future__ import annotations

import re
from collections import Counter

import ifcopenshell
import numpy as np
import pyogrio
import pytest
import shapely

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.kernel.progress import CollectingReporter

from .test_georef import make_georeferenced_ifc

GEOREF = "ifc/georef"


def _independent_counts(path) -> Counter:
    """Element classes counted on the STEP text read by ifcopenshell as IFC4X3_ADD2 (the release-candidate
    header replaced), plus the RC's IfcSolidStratum entities, which ADD2 calls IfcGeotechnicalStratum."""
    text = path.read_text(errors="replace")
    strata = len(re.findall(r"=\s*IFCSOLIDSTRATUM\s*\(", text, re.IGNORECASE))
    text = re.sub(r"FILE_SCHEMA\s*\(\s*\(\s*'IFC4X3_RC\d'", "FILE_SCHEMA(('IFC4X3_ADD2'", text)
    text = re.sub(r"#\d+\s*=\s*IFCSOLIDSTRATUM\s*\(.*?\)\s*;", "", text, flags=re.IGNORECASE | re.DOTALL)
    model = ifcopenshell.file.from_string(text)
    counts = Counter(e.is_a() for e in model.by_type("IfcElement") if not e.is_a("IfcOpeningElement"))
    if strata:
        counts["IfcGeotechnicalStratum"] += strata
    return counts


@pytest.mark.parametrize("name, target, expected", [
    ("Georeferencing-Earthworks-12d-1.ifc", "EPSG:7856",
     {"IfcEarthworksFill": 3, "IfcEarthworksCut": 1, "IfcGeotechnicalStratum": 1}),
    ("UT_GeoRef_1.ifc", "EPSG:25832", {"IfcGeotechnicalStratum": 1}),
])
def test_infrastructure_samples_counts_per_class(shared_data, tmp_path, name, target, expected):
    path, out = shared_data / GEOREF / name, tmp_path / "infra.gpkg"
    reporter = CollectingReporter()
    result = import_ifc(path, out, ImportOptions(target_crs=target), reporter)
    elements = pyogrio.read_dataframe(out, layer="bim_elements")
    assert Counter(elements.ifc_class) == _independent_counts(path) == expected
    assert result.elements == len(elements) and result.skipped == []
    assert elements.geometry.notna().all()
    assert any("IfcSolidStratum" in w and "IfcGeotechnicalStratum" in w for w in reporter.warnings)
    strata = elements[elements.ifc_class == "IfcGeotechnicalStratum"]
    assert (strata.predefined_type == "SOLID").all()


def test_ut_georef_stratum_is_the_one_kilometre_square(shared_data, tmp_path):
    """UT_GeoRef_1's stratum: a 1 km square at 515 m around E 4468005, N 5334600 of EPSG:5834 (DB_REF GK4),
    into EPSG:5684's own grid (the horizontal part) without a datum change."""
    out = tmp_path / "ut.gpkg"
    import_ifc(shared_data / GEOREF / "UT_GeoRef_1.ifc", out, ImportOptions(target_crs="EPSG:5684"))
    geometry = pyogrio.read_dataframe(out, layer="bim_elements").geometry.iloc[0]
    coords = shapely.get_coordinates(geometry, include_z=True)
    assert coords[:, 2] == pytest.approx(515.0)
    assert coords[:, 0].min() == pytest.approx(4468005.0 - 500) and coords[:, 0].max() == pytest.approx(4468005.0 + 500)
    assert coords[:, 1].min() == pytest.approx(5334600.0 - 500) and coords[:, 1].max() == pytest.approx(5334600.0 + 500)
    assert geometry.area == pytest.approx(1e6, rel=1e-9)


BUILT = ("IfcCourse", "IfcPavement", "IfcKerb", "IfcRail", "IfcTrackElement", "IfcBearing", "IfcTendon",
         "IfcBorehole", "IfcGeotechnicalStratum", "IfcGeographicElement", "IfcEarthworksFill", "IfcEarthworksCut",
         "IfcCivilElement", "IfcSurfaceFeature")
NOT_ELEMENTS = ("IfcOpeningElement", "IfcVirtualElement", "IfcAnnotation", "IfcGrid", "IfcDistributionPort",
                "IfcReferent", "IfcExternalSpatialElement")


def test_every_ifc4x3_element_class_with_geometry_is_imported(tmp_path):
    """A generated IFC4X3 file with one product of each class, all with the same box: built, geotechnical and
    geographic elements are imported with their class; openings, virtual elements, annotations, grids, ports,
    referents and spatial elements are not."""
    import ifcopenshell.api as api
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.spatial  # noqa: F401  (loads the submodule)

    path = tmp_path / "infra.ifc"
    make_georeferenced_ifc(path, "IFC4X3_ADD2", eastings=458000.0, northings=5438000.0, height=110.0,
                           angle_deg=0.0)
    model = ifcopenshell.open(str(path))
    storey = model.by_type("IfcBuildingStorey")[0]
    body = next(c for c in model.by_type("IfcGeometricRepresentationSubContext") if c.ContextIdentifier == "Body")
    for n, ifc_class in enumerate(BUILT + NOT_ELEMENTS):
        product = api.root.create_entity(model, ifc_class=ifc_class, name=ifc_class)
        rep = api.geometry.add_wall_representation(model, context=body, length=2.0, height=1.0, thickness=0.5)
        api.geometry.assign_representation(model, product=product, representation=rep)
        matrix = np.eye(4)
        matrix[:3, 3] = [3.0 * n, 0.0, 0.0]
        api.geometry.edit_object_placement(model, product=product, matrix=matrix, is_si=True)
        if not product.is_a("IfcSpatialElement") and not product.is_a("IfcOpeningElement"):
            try:
                api.spatial.assign_container(model, relating_structure=storey, products=[product])
            except Exception:  # noqa: BLE001 - annotations/ports cannot be contained everywhere: placed only
                pass
    model.write(str(path))
    out = tmp_path / "infra.gpkg"
    result = import_ifc(path, out, ImportOptions())
    elements = pyogrio.read_dataframe(out, layer="bim_elements")
    written = ifcopenshell.open(str(path))
    expected = Counter({c: len(written.by_type(c, include_subtypes=False)) for c in BUILT})
    expected["IfcWall"] = 1
    assert Counter(elements.ifc_class) == expected and result.skipped == []
    assert not set(elements.ifc_class) & set(NOT_ELEMENTS)
    assert elements.geometry.notna().all()
    # each box is 2 m x 0.5 m x 1 m: the same volume of triangles for every class
    for _, row in elements[elements.ifc_class != "IfcWall"].iterrows():
        coords = shapely.get_coordinates(row.geometry, include_z=True)
        assert np.ptp(coords[:, 0]) == pytest.approx(2.0, abs=1e-6) and np.ptp(coords[:, 2]) == pytest.approx(1.0)
