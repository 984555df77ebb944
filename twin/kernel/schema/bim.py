"""The GeoPackage layers an IFC import writes."""
from __future__ import annotations

from . import LayerSpec

BIM_ELEMENTS = LayerSpec(
    "bim_elements", "MultiPolygonZ",
    {
        "global_id": "str",
        "ifc_class": "str",
        "predefined_type": "str",
        "name": "str",
        "object_type": "str",
        "tag": "str",
        "storey": "str",            # name of the containing IfcBuildingStorey
        "storey_global_id": "str",
        "building_global_id": "str",  # its IfcBuilding; outside buildings its facility, site or project
        "aggregate_global_id": "str",  # the element this one is a part of (a window's plate, a roof's slab)
        "parts": "int",             # >0: an aggregate without geometry of its own; its parts carry it
        "material": "str",          # material names, layers joined with " | "
        "is_external": "bool",      # Pset_*Common.IsExternal
        "load_bearing": "bool",     # Pset_*Common.LoadBearing
        "fire_rating": "str",       # Pset_*Common.FireRating
        "net_volume": "float",      # Qto_*BaseQuantities.NetVolume (m³)
        "net_area": "float",        # NetArea / NetSideArea / NetFootprintArea (m²)
        "z_min": "float",           # lowest height in the target vertical datum
        "z_max": "float",
        "psets": "json",            # every property set and quantity set
        "source_file": "str",
    },
    "One row per IFC element; geometry: its triangles in the target CRS, heights in the IFC's "
    "OrthogonalHeight datum. An aggregate without geometry of its own has none; its parts name it.",
)

BIM_SPACES = LayerSpec(
    "bim_spaces", "PolygonZ",
    {
        "global_id": "str",
        "name": "str",
        "long_name": "str",
        "number": "str",            # Pset_SpaceCommon.Reference, else IfcSpace.Name
        "storey": "str",
        "storey_global_id": "str",
        "storey_elevation": "float",  # storey elevation in the target vertical datum
        "building_global_id": "str",
        "floor_elevation": "float",   # lowest point of the room (the polygon's z)
        "area": "float",              # net floor area in m² (quantities, else the floor polygon)
        "area_source": "str",         # "quantity:<name>" or "computed"
        "height": "float",            # room height in m (quantities, else the geometry)
        "volume": "float",
        "psets": "json",
        "source_file": "str",
    },
    "One row per room (IfcSpace); geometry: its floor polygon as a PolygonZ at floor elevation.",
)

BIM_STOREYS = LayerSpec(
    "bim_storeys", "MultiPolygonZ",
    {
        "global_id": "str",
        "name": "str",
        "long_name": "str",
        "building_global_id": "str",
        "elevation": "float",        # IfcBuildingStorey elevation in the target vertical datum
        "local_elevation": "float",  # elevation in the IFC's own coordinates (m)
        "element_count": "int",
        "space_count": "int",
        "source_file": "str",
    },
    "One row per storey; geometry: the outline of its elements at the storey elevation.",
)

BIM_BUILDINGS = LayerSpec(
    "bim_buildings", "MultiPolygonZ",
    {
        "global_id": "str",
        "ifc_class": "str",         # IfcBuilding; or the IfcFacility/IfcSite/IfcProject of elements outside buildings
        "name": "str",
        "long_name": "str",
        "site_global_id": "str",
        "site_name": "str",
        "address": "str",
        "ground_height": "float",   # lowest element height in the target vertical datum
        "roof_height": "float",     # highest element height
        "storey_count": "int",
        "element_count": "int",
        "space_count": "int",
        "georef_method": "str",
        "source_file": "str",
    },
    "One row per building, and per facility (road, bridge, railway...), site or project whose elements lie outside "
    "any building; geometry: its ground outline at ground height (the convex hulls of its elements where it has "
    "no walls or slabs).",
)

GEOREF_REPORT = LayerSpec(
    "georef_report", None,
    {
        "source_file": "str",
        "ifc_schema": "str",
        "method": "str",            # map conversion | ePSet map conversion | rigid operation | site | manual | fit
        "requested": "str",
        "source_crs": "str",        # CRS named in the IFC (or assumed)
        "target_crs": "str",
        "vertical_datum": "str",    # the datum of OrthogonalHeight / RefElevation / manual height
        "eastings": "float",
        "northings": "float",
        "orthogonal_height": "float",
        "rotation_deg": "float",     # angle of the local x axis from grid east, anticlockwise
        "scale": "float",            # applied scale, excluding the unit conversion
        "unit_scale": "float",       # project length unit in map units
        "grid_convergence_deg": "float",
        "residual_m": "float",       # RMS residual of a fit; 0 for exact conversions
        "expected_accuracy_m": "float",
        "elements": "int",
        "spaces": "int",
        "skipped": "int",
        "skipped_ids": "str",
        "warnings": "str",          # one per line
        "parameters": "json",
    },
    "One row per import: how the IFC was placed and how sure the placement is.",
)

BIM_LAYERS = (BIM_ELEMENTS, BIM_SPACES, BIM_STOREYS, BIM_BUILDINGS, GEOREF_REPORT)
