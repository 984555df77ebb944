"""Element attributes: spatial containment, materials, property sets and the common flat ones."""
from __future__ import annotations

import math
from typing import Any

Entity = Any   # an ifcopenshell.entity_instance (ifcopenshell's own typing is partial)

_AREA_KEYS = ("NetArea", "NetSideArea", "NetFootprintArea", "NetSurfaceArea", "GrossArea", "GrossSideArea")
_SPACE_AREA_KEYS = ("NetFloorArea", "GrossFloorArea", "NetArea", "GrossArea")


class Hierarchy:
    """Spatial containment and aggregation lookups for one import.

    The containment, aggregation and nesting relationships are read once, so finding an element's
    storey or building costs a few dictionary lookups instead of inverse-attribute queries.
    """

    def __init__(self, model: Entity) -> None:
        self._project = next(iter(model.by_type("IfcProject")), None)
        self._parents: dict[int, Entity] = {}
        self._found: dict[tuple[int, str], Entity] = {}
        self._places: dict[int, tuple[Entity, Entity]] = {}
        self._aggregates = self._relating(model, "IfcRelAggregates", "RelatedObjects", "RelatingObject")
        # a direct spatial containment wins over an aggregation, an aggregation over a nesting
        self._links = {**self._relating(model, "IfcRelNests", "RelatedObjects", "RelatingObject"),
                       **self._aggregates,
                       **self._relating(model, "IfcRelContainedInSpatialStructure", "RelatedElements",
                                        "RelatingStructure")}

    @staticmethod
    def _relating(model: Entity, rel_class: str, children: str, parent: str) -> dict[int, Entity]:
        return {child.id(): getattr(rel, parent) for rel in model.by_type(rel_class)
                for child in getattr(rel, children) or ()}

    def aggregate_of(self, element: Entity) -> Entity:
        """The element's whole (IfcRelAggregates), like ifcopenshell.util.element.get_aggregate."""
        return self._aggregates.get(element.id())

    def _parent(self, element: Entity) -> Entity:
        key = element.id()
        if key not in self._parents:
            parent = self._links.get(key)
            if parent is None and element.is_a("IfcElement"):
                parent = _host_of(element)
            self._parents[key] = parent
        return self._parents[key]

    def storey_and_building(self, element: Entity) -> tuple[Entity, Entity]:
        """The element's storey and building (either may be None), looked up once per element."""
        key = element.id()
        if key not in self._places:
            self._places[key] = (self.parent_of(element, "IfcBuildingStorey"), self.parent_of(element, "IfcBuilding"))
        return self._places[key]

    def facility_of(self, element: Entity) -> Entity:
        """What the element belongs to as a built whole: its IfcBuilding; outside any building (infrastructure,
        site works, files without spatial structure) its IfcFacility (IFC4X3: road, bridge, railway, marine
        facility), else its IfcSite, else the IfcProject."""
        return (self.parent_of(element, "IfcBuilding") or self.parent_of(element, "IfcFacility")
                or self.parent_of(element, "IfcSite") or self._project)

    def parent_of(self, element: Entity, ifc_class: str) -> Entity:
        """The nearest container/aggregate (or a door's/window's host's) that is an ``ifc_class``."""
        key = (element.id(), ifc_class)
        if key in self._found:
            return self._found[key]
        seen: set[int] = set()
        chain = []
        current, found = element, None
        while current is not None and current.id() not in seen:
            seen.add(current.id())
            chain.append(current.id())
            current = self._parent(current)
            if current is not None:
                known = self._found.get((current.id(), ifc_class), False)
                if current.is_a(ifc_class):
                    found = current
                    break
                if known is not False and current.id() not in seen:
                    found = known
                    break
        for element_id in chain:
            self._found[(element_id, ifc_class)] = found
        return found


def _host_of(element: Entity) -> Entity:
    """The element a door or window fills (its opening's host)."""
    for rel in getattr(element, "FillsVoids", None) or ():
        opening = rel.RelatingOpeningElement
        for void in getattr(opening, "VoidsElements", None) or ():
            return void.RelatingBuildingElement
    return None


def material_names(element: Entity) -> str:
    """List the material names of an element: its layers, constituents, profiles or single material.

    Args:
        element: the IFC element.

    Returns:
        The names joined by ``", "``; empty without a material.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.material
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
        >>> concrete = ifcopenshell.api.material.add_material(model, name="Beton C30/37")
        >>> _ = ifcopenshell.api.material.assign_material(model, products=[wall], material=concrete)
        >>> material_names(wall)
        'Beton C30/37'
    """
    import ifcopenshell.util.element as ue

    try:
        materials = ue.get_materials(element, should_inherit=True)
    except Exception:  # noqa: BLE001 - a broken material assignment only loses the material name
        return ""
    names: list[str] = []
    for material in materials:
        name = getattr(material, "Name", None)
        if name and name not in names:
            names.append(name)
    return " | ".join(names)


def _clean_dict(value: dict[Any, Any]) -> dict[str, Any]:
    """``_clean`` of a dictionary (keys as text, its "id" left out)."""
    return {("null" if k is None else str(k)): _clean(v) for k, v in value.items() if k != "id"}


def _clean(value: Any) -> Any:
    """A JSON-ready copy: entities as text, non-finite numbers as text, dictionary keys as text."""
    if isinstance(value, dict):
        return _clean_dict(value)
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "is_a"):
        return str(value)
    return value


UNNAMED_SET = "Pset_unnamed_#{}"     # a property set or quantity set without a Name
UNNAMED_PROPERTY = "unnamed_#{}"     # a property or quantity without a Name


def _name(entity: Entity, template: str, unnamed: set[int] | None) -> str:
    """The entity's Name, or a stable generated one (recorded in ``unnamed``) when it is None or empty."""
    name = getattr(entity, "Name", None)
    if isinstance(name, str) and name.strip():
        return name
    if unnamed is not None:
        unnamed.add(entity.id())
    return template.format(entity.id())


def _unwrap(value: Any) -> Any:
    """An IFC select value (IfcLabel('x'), IfcLengthMeasure(3.0), an entity) as a plain Python value."""
    if value is None:
        return None
    if hasattr(value, "is_a"):
        try:
            if value.id() == 0:           # a wrapped simple value such as IfcReal(1.5)
                return _unwrap(value.wrappedValue)
        except (AttributeError, RuntimeError):
            pass
        return str(value)                 # a referenced entity (a unit, a table, a material...)
    if isinstance(value, (list, tuple)):
        return [_unwrap(v) for v in value]
    return value


def _property_value(prop: Entity, unnamed: set[int] | None) -> Any:
    """The value of one IfcProperty or IfcPhysicalQuantity, of any subtype, JSON-ready."""
    if prop.is_a("IfcPropertySingleValue"):
        return _unwrap(prop.NominalValue)
    if prop.is_a("IfcPropertyEnumeratedValue"):
        return _unwrap(prop.EnumerationValues)
    if prop.is_a("IfcPropertyListValue"):
        return _unwrap(prop.ListValues)
    if prop.is_a("IfcPropertyBoundedValue"):
        return {"lower": _unwrap(prop.LowerBoundValue), "upper": _unwrap(prop.UpperBoundValue),
                **({"set_point": _unwrap(prop.SetPointValue)} if hasattr(prop, "SetPointValue") else {})}
    if prop.is_a("IfcPropertyTableValue"):
        return {"defining": _unwrap(prop.DefiningValues), "defined": _unwrap(prop.DefinedValues)}
    if prop.is_a("IfcPropertyReferenceValue"):
        return _unwrap(prop.PropertyReference)
    if prop.is_a("IfcComplexProperty"):
        return _properties(prop.HasProperties, unnamed)
    if prop.is_a("IfcPhysicalComplexQuantity"):
        return _properties(prop.HasQuantities, unnamed)
    if prop.is_a("IfcPhysicalSimpleQuantity"):
        return _unwrap(prop[3])
    return None


def _properties(props: Entity, unnamed: set[int] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop in props or ():
        if prop is None:
            continue
        out[_name(prop, UNNAMED_PROPERTY, unnamed)] = _property_value(prop, unnamed)
    return out


def definition_properties(definition: Entity, unnamed: set[int] | None = None) -> dict[str, Any]:
    """Read the properties of one property definition (IfcPropertySet, IfcElementQuantity, or a predefined set).

    Args:
        definition: the property definition.
        unnamed: collects the ids of sets and properties without a name (kept as ``Pset_unnamed_#id``).

    Returns:
        property name -> value (measures unwrapped; lists and tables as lists).

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.pset
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
        >>> pset = ifcopenshell.api.pset.add_pset(model, product=wall, name="Pset_WallCommon")
        >>> ifcopenshell.api.pset.edit_pset(model, pset=pset, properties={"IsExternal": True, "FireRating": "F90"})
        >>> qto = ifcopenshell.api.pset.add_qto(model, product=wall, name="Qto_WallBaseQuantities")
        >>> ifcopenshell.api.pset.edit_qto(model, qto=qto, properties={"NetVolume": 3.75, "NetSideArea": 15.0})
        >>> definition_properties(pset)
        {'IsExternal': True, 'FireRating': 'F90'}
    """
    if definition.is_a("IfcElementQuantity"):
        return _clean_dict(_properties(definition.Quantities, unnamed))
    if definition.is_a("IfcPropertySet"):
        return _clean_dict(_properties(definition.HasProperties, unnamed))
    out: dict[str, Any] = {}
    for index in range(4, len(definition)):   # IfcPreDefinedPropertySet: its own attributes
        value = definition[index]
        if value is not None:
            out[definition.attribute_name(index)] = _unwrap(value)
    return _clean_dict(out)


def _definitions(element: Entity) -> list[Entity]:
    """The property definitions of an object (IsDefinedBy) or a type (HasPropertySets), sets unpacked."""
    if element.is_a("IfcTypeObject"):
        found = list(getattr(element, "HasPropertySets", None) or ())
    else:
        found = [rel.RelatingPropertyDefinition for rel in getattr(element, "IsDefinedBy", None) or ()
                 if rel.is_a("IfcRelDefinesByProperties")]
    out: list[Entity] = []
    for definition in found:
        if definition is None:
            continue
        out.extend(definition.wrappedValue if definition.is_a("IfcPropertySetDefinitionSet") else (definition,))
    return out


def _example_wall() -> tuple[Entity, Entity]:
    """The model and wall of definition_properties' example (the model must be kept: its entities live in it): an
    IfcWall of an IFC4 model with Pset_WallCommon (IsExternal
    True, FireRating F90) and Qto_WallBaseQuantities (NetVolume 3.75, NetSideArea 15.0)."""
    import ifcopenshell
    import ifcopenshell.api.pset
    import ifcopenshell.api.root

    model = ifcopenshell.file(schema="IFC4")
    wall = ifcopenshell.api.root.create_entity(model, ifc_class="IfcWall")
    pset = ifcopenshell.api.pset.add_pset(model, product=wall, name="Pset_WallCommon")
    ifcopenshell.api.pset.edit_pset(model, pset=pset, properties={"IsExternal": True, "FireRating": "F90"})
    qto = ifcopenshell.api.pset.add_qto(model, product=wall, name="Qto_WallBaseQuantities")
    ifcopenshell.api.pset.edit_qto(model, qto=qto, properties={"NetVolume": 3.75, "NetSideArea": 15.0})
    return model, wall

def property_sets(element: Entity, unnamed: set[int] | None = None) -> dict[str, dict[str, Any]]:
    """Read every property and quantity set of an element (not those of its type).

    Args:
        element: the IFC element.
        unnamed: collects the ids of sets and properties without a name.

    Returns:
        set name -> property name -> value.

    Example:
        >>> model, wall = _example_wall()   # definition_properties' example: Pset_WallCommon and Qto_WallBaseQuantities
        >>> property_sets(wall)
        {'Pset_WallCommon': {'IsExternal': True, 'FireRating': 'F90'},
         'Qto_WallBaseQuantities': {'NetVolume': 3.75, 'NetSideArea': 15.0}}
    """
    psets: dict[str, dict[str, Any]] = {}
    for definition in _definitions(element):
        try:
            props = definition_properties(definition, unnamed)
        except Exception:  # noqa: BLE001 - one unreadable set is left out, the element is kept
            continue
        psets.setdefault(_name(definition, UNNAMED_SET, unnamed), {}).update(props)
    return psets


class TypedAttributes:
    """Property sets, predefined type and materials for one import, reading what an element inherits from
    its type (and each shared property set and material set) once. The type, property and material
    relationships are read in one pass, not per element.

    Same sets as ifcopenshell.util.element's get_psets (type's sets first, the occurrence's on top; a set,
    property or quantity without a Name is kept under a generated name: ``Pset_unnamed_#<id>``, ``unnamed_#<id>``),
    get_predefined_type (the type's unless NOTDEFINED) and get_materials (the occurrence's, else the type's).
    """

    def __init__(self, model: Entity) -> None:
        self._types = {child.id(): rel.RelatingType for rel in model.by_type("IfcRelDefinesByType")
                       for child in rel.RelatedObjects or ()}
        self._defined: dict[int, list[Entity]] = {}
        for rel in model.by_type("IfcRelDefinesByProperties"):
            for child in rel.RelatedObjects or ():
                self._defined.setdefault(child.id(), []).append(rel.RelatingPropertyDefinition)
        self._material: dict[int, Entity] = {}
        for rel in model.by_type("IfcRelAssociatesMaterial"):
            for child in rel.RelatedObjects or ():
                self._material.setdefault(child.id(), rel.RelatingMaterial)
        self._model = model
        self.unnamed: set[int] = set()   # ids of property sets, properties and quantities without a Name
        self._type_psets: dict[int, dict[str, dict[str, Any]]] = {}
        self._definitions: dict[int, dict[str, Any]] = {}
        self._type_predefined: dict[int, Any] = {}
        self._materials: dict[int, str] = {}

    def type_of(self, element: Entity) -> Entity:
        """Like ifcopenshell.util.element.get_type, for an occurrence."""
        return self._types.get(element.id())

    def property_sets(self, element: Entity) -> dict[str, dict[str, Any]]:
        """Like ``property_sets``, the type's sets first and the occurrence's on top."""
        try:
            return self._psets(element)
        except Exception:  # noqa: BLE001 - unreadable psets become an empty set, the element is kept
            return {}

    def _psets(self, element: Entity) -> dict[str, dict[str, Any]]:
        definitions = self._defined.get(element.id(), ())
        element_type = self.type_of(element)
        if not definitions and element_type is None:
            return {} if element.is_a("IfcObject") else property_sets(element, self.unnamed)  # e.g. a type
        psets: dict[str, dict[str, Any]] = {}
        if element_type is not None:
            key = element_type.id()
            if key not in self._type_psets:
                self._type_psets[key] = property_sets(element_type, self.unnamed)
            psets = {name: dict(props) for name, props in self._type_psets[key].items()}
        for definition in definitions:
            if definition is None:
                continue
            members = definition.wrappedValue if definition.is_a("IfcPropertySetDefinitionSet") else (definition,)
            for member in members:
                key = member.id()
                if key not in self._definitions:
                    try:
                        self._definitions[key] = definition_properties(member, self.unnamed)
                    except Exception:  # noqa: BLE001 - one unreadable set is left out, the element is kept
                        self._definitions[key] = {}
                psets.setdefault(_name(member, UNNAMED_SET, self.unnamed), {}).update(self._definitions[key])
        return psets

    def unnamed_counts(self) -> tuple[int, int]:
        """(property/quantity sets, properties/quantities) without a Name met so far, each counted once."""
        sets = sum(1 for i in self.unnamed if self._model.by_id(i).is_a("IfcPropertySetDefinition"))
        return sets, len(self.unnamed) - sets

    def predefined_type(self, element: Entity) -> Any:
        """Like ifcopenshell.util.element.get_predefined_type."""
        element_type = self.type_of(element)
        if element_type is not None:
            key = element_type.id()
            if key not in self._type_predefined:
                value = getattr(element_type, "PredefinedType", None)
                if value == "USERDEFINED" or not value:
                    value = getattr(element_type, "ElementType", ...)
                    if value is ...:
                        value = getattr(element_type, "ProcessType", None)
                self._type_predefined[key] = value if value and value != "NOTDEFINED" else None
            if self._type_predefined[key] is not None:
                return self._type_predefined[key]
        value = getattr(element, "PredefinedType", None)
        if value == "USERDEFINED" or not value:
            value = getattr(element, "ObjectType", None)
        return value

    def material_names(self, element: Entity) -> str:
        """Like ``material_names``, read once per material (set)."""
        material = self._material.get(element.id())
        if material is None:
            element_type = self.type_of(element)
            material = self._material.get(element_type.id()) if element_type is not None else None
        if material is None:
            return ""
        key = material.id()   # a set usage names its set's materials: usages of one set share the names
        if key not in self._materials:
            if material.is_a("IfcMaterialLayerSetUsage"):
                material = material.ForLayerSet
            elif material.is_a("IfcMaterialProfileSetUsage"):
                material = material.ForProfileSet
            if material.id() not in self._materials:
                self._materials[material.id()] = material_names(element)
            self._materials[key] = self._materials[material.id()]
        return self._materials[key]


def _first(psets: dict[str, dict[str, Any]], keys: tuple[str, ...], prefix: str = "") -> Any:
    for key in keys:
        for name, props in psets.items():
            if name.startswith(prefix) and isinstance(props, dict) and props.get(key) not in (None, ""):
                return props[key]
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.upper() in ("TRUE", "FALSE", ".T.", ".F."):
        return value.upper() in ("TRUE", ".T.")
    return None


# Decimals a quantity is stored with: areas to the 0.01 m² of DIN 277 room schedules, lengths to the mm,
# volumes to the litre. Unit factors (mm² -> m²: 1e-6) otherwise leave binary noise such as 72.96000000000001.
AREA_DECIMALS, LENGTH_DECIMALS, VOLUME_DECIMALS = 2, 3, 3


def _as_float(value: Any, factor: float, decimals: int | None = None) -> float | None:
    try:
        number = float(value) * factor
    except (TypeError, ValueError):
        return None
    return number if decimals is None else round_quantity(number, decimals)


def round_quantity(value: float | None, decimals: int) -> float | None:
    """Round a quantity to ``decimals`` (None stays None; -0.0 becomes 0.0).

    Args:
        value: the quantity, or None.
        decimals: the decimals kept.

    Returns:
        The rounded float, or None.

    Example:
        >>> round_quantity(72960000 * 1e-6, AREA_DECIMALS), round_quantity(-0.0001, 2), round_quantity(None, 2)
        (72.96, 0.0, None)
    """
    if value is None:
        return None
    return round(float(value), decimals) + 0.0


def common_attributes(psets: dict[str, dict[str, Any]], area_m2: float, volume_m3: float) -> dict[str, Any]:
    """Pick the common attributes of an element row from its sets: IsExternal, LoadBearing, FireRating (of the
    ``Pset_*Common`` sets), NetVolume and a net area, converted to m³ and m².

    Args:
        psets: the element's sets (``property_sets``).
        area_m2: the project's area unit in m².
        volume_m3: the project's volume unit in m³.

    Returns:
        is_external, load_bearing, fire_rating, net_volume, net_area (None where absent).

    Example:
        >>> model, wall = _example_wall()   # definition_properties' example: Pset_WallCommon and Qto_WallBaseQuantities
        >>> common_attributes(property_sets(wall), area_m2=1.0, volume_m3=1.0)
        {'is_external': True, 'load_bearing': None, 'fire_rating': 'F90', 'net_volume': 3.75, 'net_area': 15.0}
    """
    common = {k: v for k, v in psets.items() if k.startswith("Pset_") and k.endswith("Common")}
    fire = _first(common, ("FireRating",))
    return {
        "is_external": _as_bool(_first(common, ("IsExternal",))),
        "load_bearing": _as_bool(_first(common, ("LoadBearing",))),
        "fire_rating": None if fire is None else str(fire),
        "net_volume": _as_float(_first(psets, ("NetVolume", "GrossVolume")), volume_m3, VOLUME_DECIMALS),
        "net_area": _as_float(_first(psets, _AREA_KEYS), area_m2, AREA_DECIMALS),
    }


def space_quantities(psets: dict[str, dict[str, Any]], length_m: float, area_m2: float,
                     volume_m3: float) -> dict[str, Any]:
    """Pick a room's floor area, height, volume and reference (room number) from its sets.

    Args:
        psets: the room's sets (``property_sets``).
        length_m: the project's length unit in m.
        area_m2: its area unit in m².
        volume_m3: its volume unit in m³.

    Returns:
        area (with ``area_source``), height, volume, reference (None where absent).

    Example:
        >>> space_quantities({"Qto_SpaceBaseQuantities": {"NetFloorArea": 64.5, "Height": 3200.0},
        ...                   "Pset_SpaceCommon": {"Reference": "E.012"}}, length_m=0.001, area_m2=1.0, volume_m3=1.0)
        {'area': 64.5, 'area_source': 'quantity:NetFloorArea', 'height': 3.2, 'volume': None, 'reference': 'E.012'}
    """
    area_key = next((k for k in _SPACE_AREA_KEYS if _first(psets, (k,)) is not None), None)
    return {
        "area": _as_float(_first(psets, (area_key,)), area_m2, AREA_DECIMALS) if area_key else None,
        "area_source": f"quantity:{area_key}" if area_key else None,
        "height": _as_float(_first(psets, ("Height", "FinishCeilingHeight")), length_m, LENGTH_DECIMALS),
        "volume": _as_float(_first(psets, ("NetVolume", "GrossVolume")), volume_m3, VOLUME_DECIMALS),
        "reference": _first(psets, ("Reference",), "Pset_SpaceCommon"),
    }


def address_text(building: Entity) -> str:
    """Write a building's IfcPostalAddress as one line.

    Args:
        building: the IfcBuilding.

    Returns:
        Address lines, postal code, town, region and country, comma-separated; empty without an address.

    Example:
        >>> import ifcopenshell
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> address = model.createIfcPostalAddress(AddressLines=["Friedrichsplatz 1"], PostalCode="76133",
        ...                                         Town="Karlsruhe", Country="DE")
        >>> address_text(model.createIfcBuilding(ifcopenshell.guid.new(), BuildingAddress=address))
        'Friedrichsplatz 1, 76133, Karlsruhe, DE'
    """
    address = getattr(building, "BuildingAddress", None)
    if address is None:
        return ""
    parts = list(getattr(address, "AddressLines", None) or ())
    parts += [getattr(address, a, None) for a in ("PostalCode", "Town", "Region", "Country")]
    return ", ".join(str(p) for p in parts if p)
