"""IFC2X3 window and door styles whose lining and panel properties have no Name (BricsCAD BIM's Roof-01_BCAD.ifc,
Renga's House.ifc): the import crashed on them (``None.startswith``) before unnamed sets were kept. Rebuilt with
ifcopenshell.api: every such set is kept under its own generated name with the values ifcopenshell reads from
the entity (ifcopenshell.util.element.get_psets merges all of them under one ``None`` key)."""
from __future__ import annotations

import json

import ifcopenshell
import ifcopenshell.util.element as ue
import pyogrio

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.kernel.progress import CollectingReporter

from .test_georef import make_georeferenced_ifc

MANUAL = ImportOptions(georeferencing="manual", manual=(456000.0, 5429000.0, 115.0, 0.0))


def _values(definition) -> dict:
    """The set's own attribute values (not the root attributes, not entity references), read by ifcopenshell."""
    info = definition.get_info(recursive=False)
    root = {"id", "type", "GlobalId", "OwnerHistory", "Name", "Description"}
    return {k: v for k, v in info.items() if k not in root and v is not None
            and not isinstance(v, ifcopenshell.entity_instance)}


def test_unnamed_window_and_door_style_properties(tmp_path):
    import ifcopenshell.api as api
    import ifcopenshell.api.geometry  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.root  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.spatial  # noqa: F401  (loads the submodule)
    import ifcopenshell.api.type  # noqa: F401  (loads the submodule)

    path, out = tmp_path / "styles.ifc", tmp_path / "styles.gpkg"
    make_georeferenced_ifc(path, "IFC2X3", eastings=458000.0, northings=5438000.0, height=110.0, angle_deg=0.0)
    f = ifcopenshell.open(str(path))
    owner = f.by_type("IfcOwnerHistory")[0] if f.by_type("IfcOwnerHistory") else None
    storey = f.by_type("IfcBuildingStorey")[0]
    body = next(c for c in f.by_type("IfcGeometricRepresentationSubContext") if c.ContextIdentifier == "Body")
    new = ifcopenshell.guid.new
    lining = f.createIfcWindowLiningProperties(new(), owner, None, None, 100.0, 50.0, None, None, None, None,
                                               None, None, None)
    panel = f.createIfcWindowPanelProperties(new(), owner, None, None, "TOPHUNG", "LEFT", None, None, None)
    door_lining = f.createIfcDoorLiningProperties(new(), owner, None, None, 120.0, 40.0)
    window_style = f.createIfcWindowStyle(new(), owner, "standard-window-1p", None, None, [panel, lining], None,
                                          None, "WOOD", "SINGLE_PANEL", False, False)
    door_style = f.createIfcDoorStyle(new(), owner, "door", None, None, [door_lining], None, None,
                                      "SINGLE_SWING_LEFT", "WOOD", False, False)
    products = []
    for ifc_class, style in (("IfcWindow", window_style), ("IfcDoor", door_style)):
        product = api.root.create_entity(f, ifc_class=ifc_class, name=ifc_class)
        rep = api.geometry.add_wall_representation(f, context=body, length=1.0, height=1.2, thickness=0.1)
        api.geometry.assign_representation(f, product=product, representation=rep)
        api.spatial.assign_container(f, relating_structure=storey, products=[product])
        api.type.assign_type(f, related_objects=[product], relating_type=style)
        products.append(product)
    f.write(str(path))

    model = ifcopenshell.open(str(path))
    window, door = (model.by_guid(p.GlobalId) for p in products)
    # ifcopenshell's own reading merges the unnamed sets of a style under one key
    assert None in ue.get_psets(window)
    reporter = CollectingReporter()
    result = import_ifc(path, out, MANUAL, reporter)
    assert result.skipped == [] and result.elements == len(model.by_type("IfcElement"))
    rows = pyogrio.read_dataframe(out, layer="bim_elements").set_index("global_id")
    psets = {gid: json.loads(p) if isinstance(p, str) else p for gid, p in rows.psets.items()}
    for element, definitions in ((window, (lining, panel)), (door, (door_lining,))):
        for definition in definitions:
            written = psets[element.GlobalId][f"Pset_unnamed_#{definition.id()}"]
            assert written == _values(model.by_id(definition.id())) and written
    assert psets[window.GlobalId][f"Pset_unnamed_#{lining.id()}"] == {"LiningDepth": 100.0, "LiningThickness": 50.0}
    assert psets[window.GlobalId][f"Pset_unnamed_#{panel.id()}"] == {"OperationType": "TOPHUNG",
                                                                     "PanelPosition": "LEFT"}
    assert any("3 property/quantity sets and 0 properties/quantities without a Name" in w
               for w in reporter.warnings)
