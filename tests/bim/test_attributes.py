"""Property sets from real authoring tools: sets, properties and quantities without a Name, empty values and every
property type (complex, enumerated, list, bounded, table, reference, element quantities) never crash the import.

Real files (FZK-Haus IFC4, Duplex IFC2X3) are copied to tmp_path and edited with ifcopenshell; element counts are
checked against ifcopenshell's own by_type count, the stored values against the values written.
"""
from __future__ import annotations

import json

import ifcopenshell
import ifcopenshell.guid
import pyogrio
import pytest

from geotwin.bim import attributes
from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.kernel.progress import CollectingReporter

FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
DUPLEX = "ifc/medium/duplex_IFC2X3.ifc"
SKIPPED = ("IfcOpeningElement", "IfcVoidingFeature", "IfcVirtualElement")


def _independent_elements(model) -> int:
    """Elements the import must write, counted with ifcopenshell alone (both files: elements only)."""
    return sum(1 for e in model.by_type("IfcElement") if not any(e.is_a(c) for c in SKIPPED))


def _rel_props(model, element, definition) -> None:
    model.createIfcRelDefinesByProperties(ifcopenshell.guid.new(), None, None, None, [element], definition)


def _edit_fzk(source, target) -> dict:
    """Unname sets/properties/quantities of FZK-Haus and add one of each property type to a wall."""
    model = ifcopenshell.open(str(source))
    psets = model.by_type("IfcPropertySet")
    unnamed_sets = {psets[0].id(), psets[1].id(), psets[2].id()}
    psets[0].Name, psets[1].Name, psets[2].Name = None, "", "   "
    quantity_set = model.by_type("IfcElementQuantity")[0]
    quantity_set.Name = None
    unnamed_sets.add(quantity_set.id())
    quantity = quantity_set.Quantities[0]
    quantity.Name = None
    single = model.by_type("IfcPropertySingleValue")[5]
    single.Name, single.NominalValue = None, None

    wall = model.by_type("IfcWall")[0]
    v = model.create_entity
    unit = model.by_type("IfcSIUnit")[0]
    props = [
        v("IfcPropertyEnumeratedValue", Name="Enum", EnumerationValues=[v("IfcLabel", "A"), v("IfcLabel", "B")]),
        v("IfcPropertyListValue", Name="List", ListValues=[v("IfcReal", 1.5), v("IfcReal", 2.5)]),
        v("IfcPropertyBoundedValue", Name="Bounded", UpperBoundValue=v("IfcLengthMeasure", 3.0),
          LowerBoundValue=v("IfcLengthMeasure", 1.0), Unit=unit, SetPointValue=v("IfcLengthMeasure", 2.0)),
        v("IfcPropertyTableValue", Name="Table", DefiningValues=[v("IfcReal", 1.0), v("IfcReal", 2.0)],
          DefinedValues=[v("IfcLabel", "x"), v("IfcLabel", "y")]),
        v("IfcComplexProperty", Name="Complex", UsageName="Usage", HasProperties=[
            v("IfcPropertySingleValue", Name="Inner", NominalValue=v("IfcInteger", 7)),
            v("IfcPropertySingleValue", Name=None, NominalValue=v("IfcText", "anonymous"))]),
        v("IfcPropertySingleValue", Name="Empty", NominalValue=None),
        v("IfcPropertyReferenceValue", Name="Reference", PropertyReference=unit),
    ]
    new_set = v("IfcPropertySet", GlobalId=ifcopenshell.guid.new(), Name=None, HasProperties=props)
    _rel_props(model, wall, new_set)
    quantities = v("IfcElementQuantity", GlobalId=ifcopenshell.guid.new(), Name="", Quantities=[
        v("IfcQuantityLength", Name=None, LengthValue=4.25), v("IfcQuantityArea", Name="Area", AreaValue=9.5),
        v("IfcPhysicalComplexQuantity", Name="Layers", Discrimination="layer", HasQuantities=[
            v("IfcQuantityVolume", Name="Core", VolumeValue=1.25)])])
    _rel_props(model, wall, quantities)
    model.write(str(target))
    return {"wall": wall.GlobalId, "new_set": new_set.id(), "quantities": quantities.id(),
            "complex_unnamed": props[4].HasProperties[1].id(), "quantity_unnamed": quantities.Quantities[0].id(),
            "unnamed_sets": unnamed_sets | {new_set.id(), quantities.id()}}


def test_fzk_haus_with_unnamed_sets_and_every_property_type(shared_data, tmp_path):
    path, out = tmp_path / "fzk_unnamed.ifc", tmp_path / "fzk_unnamed.gpkg"
    edits = _edit_fzk(shared_data / FZK, path)
    reporter = CollectingReporter()
    result = import_ifc(path, out, ImportOptions(), reporter)
    model = ifcopenshell.open(str(path))
    assert result.elements == _independent_elements(model) == 82
    assert result.spaces == len(model.by_type("IfcSpace")) == 7 and result.skipped == []
    elements = pyogrio.read_dataframe(out, layer="bim_elements").set_index("global_id")
    assert len(elements) == result.elements

    psets = json.loads(elements.loc[edits["wall"], "psets"])
    new = psets[f"Pset_unnamed_#{edits['new_set']}"]
    assert new["Enum"] == ["A", "B"] and new["List"] == [1.5, 2.5]
    assert new["Bounded"] == {"lower": 1.0, "upper": 3.0, "set_point": 2.0}
    assert new["Table"] == {"defining": [1.0, 2.0], "defined": ["x", "y"]}
    assert new["Complex"] == {"Inner": 7, f"unnamed_#{edits['complex_unnamed']}": "anonymous"}
    assert new["Empty"] is None and "IfcSIUnit" in new["Reference"]
    quantities = psets[f"Pset_unnamed_#{edits['quantities']}"]
    assert quantities == {f"unnamed_#{edits['quantity_unnamed']}": 4.25, "Area": 9.5, "Layers": {"Core": 1.25}}
    # every stored key is a text, every set of every element is JSON
    for text in elements.psets.dropna():
        assert all(isinstance(k, str) and k for k in json.loads(text))
    # the log counts what was renamed: the sets used by imported elements, each once
    message = next(w for w in reporter.warnings if "without a Name" in w)
    used = {int(k.split("#")[1]) for text in elements.psets.dropna() for k in json.loads(text)
            if k.startswith("Pset_unnamed_#")}
    assert used <= edits["unnamed_sets"] and {edits["new_set"], edits["quantities"]} <= used
    assert message.startswith(f"fzk_unnamed.ifc: {len(used)} property/quantity sets")


def test_duplex_ifc2x3_every_set_unnamed(shared_data, tmp_path):
    """Every property definition of the Duplex without a Name (alternately None and ""): property and quantity
    sets, and IFC2X3's door/window lining and panel properties."""
    path, out = tmp_path / "duplex_unnamed.ifc", tmp_path / "duplex_unnamed.gpkg"
    model = ifcopenshell.open(str(shared_data / DUPLEX))
    definitions = model.by_type("IfcPropertySetDefinition")
    assert {d.is_a() for d in definitions} > {"IfcPropertySet", "IfcElementQuantity"}
    for n, definition in enumerate(definitions):
        definition.Name = None if n % 2 else ""
    for prop in model.by_type("IfcPropertySingleValue")[::7]:
        prop.Name = None
    model.write(str(path))
    reporter = CollectingReporter()
    result = import_ifc(path, out, ImportOptions(target_crs="EPSG:32616"), reporter)
    edited = ifcopenshell.open(str(path))
    assert result.elements == _independent_elements(edited) and result.skipped == []
    assert result.spaces == len(edited.by_type("IfcSpace")) == 21
    elements = pyogrio.read_dataframe(out, layer="bim_elements")
    names = {k for text in elements.psets.dropna() for k in json.loads(text)}
    assert names and all(k.startswith("Pset_unnamed_#") for k in names)
    assert any("without a Name" in w for w in reporter.warnings)
    # the common attributes read from Pset_*Common are gone with the names; the import does not guess them
    assert elements.is_external.isna().all()


def test_property_reader_matches_ifcopenshell_on_named_sets(shared_data):
    """With names present, every element's sets equal ifcopenshell.util.element.get_psets (ids dropped)."""
    import ifcopenshell.util.element as ue

    from geotwin.bim.reader import import_products

    for name in (FZK, DUPLEX):
        model = ifcopenshell.open(str(shared_data / name))
        typed = attributes.TypedAttributes(model)
        products = import_products(model)
        assert products
        for product in products:
            assert typed.property_sets(product) == attributes._clean(ue.get_psets(product)), product
        assert typed.unnamed_counts() == (0, 0)


@pytest.mark.parametrize("value, expected", [(float("nan"), "nan"), (float("inf"), "inf"), (b"\x01\x02", "0102")])
def test_non_json_values_become_text(value, expected):
    assert attributes._clean({"v": value, None: 1}) == {"v": expected, "null": 1}


def test_room_quantities_are_rounded_at_import():
    """A room area in dm² (unit factor 0.01) is 72.96000000000001 m² in binary: stored as 72.96; lengths to
    the mm, volumes to the litre; None stays None."""
    assert 7296 * 0.01 == 72.96000000000001  # the noise the rounding removes
    psets = {"BaseQuantities": {"NetFloorArea": 7296, "Height": 2512.4, "NetVolume": 183276.44}}
    got = attributes.space_quantities(psets, 0.001, 0.01, 0.001)
    assert (got["area"], got["height"], got["volume"]) == (72.96, 2.512, 183.276)
    assert repr(got["area"]) == "72.96"
    assert attributes.space_quantities({}, 1.0, 1.0, 1.0)["area"] is None
    common = attributes.common_attributes({"Qto": {"NetArea": 7296, "NetVolume": 1.0000004}}, 0.01, 1.0)
    assert (common["net_area"], common["net_volume"]) == (72.96, 1.0)
    assert attributes.round_quantity(None, 2) is None and repr(attributes.round_quantity(-0.001, 2)) == "0.0"
