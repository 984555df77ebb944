"""The twin's documented GeoPackage/PostGIS layers: names, geometry types and typed fields.

Field types: ``str``, ``int``, ``float``, ``bool``, ``datetime`` (ISO 8601 text), ``json``
(a JSON document stored as text). Every layer keeps all source attributes: the
well-known ones as typed columns, the rest in ``attributes`` (JSON).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LayerSpec:
    """A layer or table of the twin."""

    name: str
    geometry_type: str | None  # OGC name, e.g. "MultiPolygonZ"; None for a plain table
    fields: dict[str, str] = field(default_factory=dict)
    description: str = ""


BUILDINGS = LayerSpec(
    "buildings", "MultiPolygonZ",
    {
        "id": "str",              # gml:id or CityJSON object id
        "parent_id": "str",       # empty for a building, the building's id for a BuildingPart
        "object_class": "str",    # Building | BuildingPart
        "source_file": "str",
        "lod": "str",             # LoD of the stored geometry, e.g. "2" or "1.2"
        "lods_available": "str",  # comma-separated LoDs present in the source
        "name": "str",
        "function": "str",
        "usage": "str",
        "roof_type": "str",
        "measured_height": "float",
        "storeys_above_ground": "int",
        "storeys_below_ground": "int",
        "year_of_construction": "int",
        "street": "str",
        "house_number": "str",
        "postal_code": "str",
        "city": "str",
        "country": "str",
        "ground_height": "float",  # lowest z of the geometry (source vertical datum)
        "roof_height": "float",    # highest z of the geometry
        "attributes": "json",      # every other attribute (generic attributes included)
    },
    "One row per building or building part; geometry: its outer surfaces.",
)

BUILDING_SURFACES = LayerSpec(
    "building_surfaces", "PolygonZ",
    {
        "id": "str",            # gml:id of the surface or polygon, or a generated one
        "building_id": "str",   # id of the building or part it bounds
        "surface_type": "str",  # RoofSurface, WallSurface, GroundSurface, ClosureSurface, ...
        "lod": "str",
        "area": "float",        # 3D area in m²
    },
    "One row per boundary surface polygon.",
)

FOOTPRINTS = LayerSpec(
    "footprints", "MultiPolygon",
    {"building_id": "str", "area": "float"},
    "2D ground outline of every building and part.",
)

SOURCES = LayerSpec(
    "sources", None,
    {
        "source_file": "str",
        "checksum_sha256": "str",
        "format": "str",            # CityGML 2.0, CityJSON 2.0, IFC4, ...
        "horizontal_crs": "str",    # e.g. EPSG:25832
        "vertical_crs": "str",      # e.g. EPSG:7837 (DHHN2016 height); empty when unknown
        "crs_source": "str",        # the srsName/referenceSystem as written in the file
        "object_count": "int",
        "skipped_count": "int",
        "imported_at": "datetime",
        "geotwin_version": "str",
    },
    "One row per imported source file.",
)

# The city model import's ``sources``: SOURCES plus the quasigeoid the source names. A layer of its own so
# that the twin's ``sources`` (and stores built before the column existed) keep their columns.
_SOURCE_ITEMS = list(SOURCES.fields.items())
_AFTER_CRS = [k for k, _ in _SOURCE_ITEMS].index("crs_source") + 1
CITY_MODEL_SOURCES = LayerSpec(
    SOURCES.name, None,
    dict([*_SOURCE_ITEMS[:_AFTER_CRS],
          ("geoid_model", "str"),  # quasigeoid the srsName names (AdV "*GCG2016"), e.g. GCG2016; empty when none
          *_SOURCE_ITEMS[_AFTER_CRS:]]),
    SOURCES.description,
)

SKIPPED = LayerSpec(
    "skipped_objects", None,
    {"source_file": "str", "line": "int", "object_id": "str", "reason": "str"},
    "Objects that could not be imported, with the reason.",
)

TERRAIN = LayerSpec(
    "terrain", "PolygonZ",
    {
        "relief_id": "str",      # gml:id of the TINRelief component (CityJSON: the TINRelief object id)
        "feature_id": "str",     # gml:id of its ReliefFeature (CityJSON: the same id)
        "source_file": "str",
        "lod": "str",
        "min_height": "float",   # lowest corner z (source vertical datum)
        "mean_height": "float",  # mean of the three corner heights
        "max_height": "float",
        "area": "float",         # 3D area in m²
    },
    "One row per terrain triangle (TINRelief), to style by height in QGIS.",
)

CITY_MODEL_LAYERS = (BUILDINGS, BUILDING_SURFACES, FOOTPRINTS, CITY_MODEL_SOURCES, SKIPPED, TERRAIN)
