"""The linked twin store: every layer of the twin in one GeoPackage or PostGIS schema.

The store holds the city model (``buildings``, ``building_surfaces``, ``footprints``,
``skipped_objects``, ``terrain``), the BIM layers (``bim_*``, ``georef_report``), learning islands, sensors
and observations exactly as their importers write them, plus the tables only the twin has:
``links`` (cross-source relations), ``sources`` (one row per source file), ``height_report``,
``conflation_report``, ``object_hashes`` and ``changes`` (incremental rebuilds) and ``builds``.

Cross-source ids: ``buildings.id`` is the gml:id / CityJSON id (or the IFC GlobalId of a BIM
building added as a new building), ``bim_*.global_id`` the IFC GlobalId, ``learning_islands.id``
the island id, ``sensors.sensor_id`` / ``datastream_id`` the SensorThings ``@iot.id``s (``sensor_key``
identifies a sensor row). ``links`` connects them by id.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import BUILDING_SURFACES, BUILDINGS, FOOTPRINTS, SKIPPED, SOURCES, TERRAIN, LayerSpec
from .bim import BIM_BUILDINGS, BIM_ELEMENTS, BIM_SPACES, BIM_STOREYS, GEOREF_REPORT
from .islands import LEARNING_ISLANDS, LEARNING_ISLANDS_UNLINKED
from .sensors import OBSERVATIONS, SENSOR_ISSUES, SENSORS

RELATIONS = ("replaces", "part_of", "located_in", "observes")

TWIN_BUILDINGS = LayerSpec(
    "buildings", BUILDINGS.geometry_type,
    {
        **BUILDINGS.fields,
        "origin": "str",            # citymodel | bim (a BIM building with no city-model match)
        "bim_building_id": "str",   # GlobalId of the BIM building that details this building
    },
    "One row per building or building part of the city model, plus BIM buildings without a "
    "city-model match; geometry: its outer surfaces.",
)

TWIN_SOURCES = LayerSpec(
    "sources", None,
    {
        **SOURCES.fields,
        "source_kind": "str",   # citymodel | ifc | islands | sensors
        "input_path": "str",    # the file given to the build (a raw source or an importer's GeoPackage)
        "input_checksum": "str",  # SHA-256 of that file: unchanged inputs are not read again
    },
    "One row per source file of the twin, with its checksum: an unchanged checksum is not re-read.",
)

LINKS = LayerSpec(
    "links", None,
    {
        "from_id": "str",     # id of the object in from_layer (gml:id, GlobalId, island id, sensor_key)
        "from_layer": "str",  # the layer that holds from_id
        "to_id": "str",       # id of the related object in to_layer
        "to_layer": "str",    # the layer that holds to_id
        "relation": "str",   # replaces | part_of | located_in | observes
        "score": "float",    # IoU for replaces, else empty
        "details": "json",    # e.g. height offsets of a replaces link, the BIM building of a part_of
    },
    "Relations between objects of different sources (ids as in their layers).",
)

CONFLATION_REPORT = LayerSpec(
    "conflation_report", None,
    {
        "bim_building_id": "str",
        "bim_name": "str",
        "bim_source_file": "str",
        "city_building_id": "str",    # best candidate (highest IoU, else nearest similar footprint)
        "iou": "float",               # footprint intersection over union with the candidate
        "distance_m": "float",        # distance between the two footprints' centroids
        "shape_iou": "float",         # IoU after moving the BIM outline onto the candidate's centroid
        "bim_area": "float",
        "city_area": "float",
        "ground_offset_m": "float",   # BIM ground height minus city-model ground height
        "roof_offset_m": "float",     # BIM roof height minus city-model roof height
        "status": "str",              # matched | mismatch | added
        "reason": "str",
        "twin_building_id": "str",    # the building the BIM detail belongs to (empty for a mismatch)
    },
    "One row per BIM building: how it was matched to the city model, or why it was not.",
)

HEIGHT_REPORT = LayerSpec(
    "height_report", None,
    {
        "source_file": "str",
        "source_kind": "str",
        "vertical_crs": "str",      # the vertical datum of the heights
        "objects": "int",
        "ground_min": "float",
        "ground_max": "float",
        "roof_max": "float",
    },
    "Heights per source: datum and range, to spot a datum or offset error at a glance.",
)

OBJECT_HASHES = LayerSpec(
    "object_hashes", None,
    {
        "layer": "str",
        "object_id": "str",    # the layer's object key (see docs/twin-schema.md)
        "object_hash": "str",  # SHA-256 hex of the object's rows
    },
    "SHA-256 of each object's rows (geometry WKB + attributes) per layer, for incremental rebuilds.",
)

CHANGES = LayerSpec(
    "changes", None,
    {
        "build_id": "int",     # builds.build_id of the build that made the change
        "layer": "str",
        "object_id": "str",
        "change": "str",       # added | removed | modified
    },
    "What the last builds changed: added | removed | modified, per layer and object id.",
)

BUILDS = LayerSpec(
    "builds", None,
    {
        "build_id": "int",
        "built_at": "datetime",
        "geotwin_version": "str",
        "parameters": "json",
        "buildings": "int",
        "added": "int",
        "removed": "int",
        "modified": "int",
    },
    "One row per build of the store.",
)


@dataclass(frozen=True)
class Keyed:
    """How a layer's rows group into objects: the column that names the object."""

    spec: LayerSpec
    key: str


# Source layers copied into the twin, with the column that identifies an object.
CITY_LAYERS = (Keyed(TWIN_BUILDINGS, "id"), Keyed(BUILDING_SURFACES, "building_id"),
               Keyed(FOOTPRINTS, "building_id"), Keyed(SKIPPED, "object_id"), Keyed(TERRAIN, "relief_id"))
BIM_LAYERS = (Keyed(BIM_BUILDINGS, "global_id"), Keyed(BIM_STOREYS, "global_id"),
              Keyed(BIM_SPACES, "global_id"), Keyed(BIM_ELEMENTS, "global_id"),
              Keyed(GEOREF_REPORT, "source_file"))
ISLAND_LAYERS = (Keyed(LEARNING_ISLANDS, "id"), Keyed(LEARNING_ISLANDS_UNLINKED, "island_id"))
SENSOR_LAYERS = (Keyed(SENSORS, "sensor_key"), Keyed(OBSERVATIONS, "sensor_key"), Keyed(SENSOR_ISSUES, "source"))
# Tables the build derives; rewritten as a whole on every build.
DERIVED = (TWIN_SOURCES, LINKS, CONFLATION_REPORT, HEIGHT_REPORT, OBJECT_HASHES)
APPEND_ONLY = (CHANGES, BUILDS)
SOURCE_KINDS = {"citymodel": CITY_LAYERS, "ifc": BIM_LAYERS, "islands": ISLAND_LAYERS, "sensors": SENSOR_LAYERS}

KNOWN_SPECS: dict[str, LayerSpec] = {
    k.spec.name: k.spec for k in (*CITY_LAYERS, *BIM_LAYERS, *ISLAND_LAYERS, *SENSOR_LAYERS)
} | {s.name: s for s in (*DERIVED, *APPEND_ONLY)}
