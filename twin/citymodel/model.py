"""The reader-neutral city model objects every city model reader yields."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from numpy.typing import NDArray

from ..kernel.crs import CrsInfo as CrsInfo  # re-exported: readers yield it with their objects

# Semantic boundary surface types, CityGML names (CityJSON uses the same names).
SURFACE_TYPES = ("RoofSurface", "WallSurface", "GroundSurface", "ClosureSurface",
                 "OuterCeilingSurface", "OuterFloorSurface", "FloorSurface",
                 "InteriorWallSurface", "CeilingSurface", "Door", "Window")


@dataclass(slots=True)
class Surface:
    """One planar polygon: ``rings[0]`` is the exterior ring, the rest are holes; each (N, 3) float64, not closed.
    Slotted: a file makes one per polygon (72,098 for the 10,000-building district), made faster and smaller."""

    rings: list[NDArray[Any]]
    surface_type: str = ""          # one of SURFACE_TYPES, or "" when the source has no semantics
    id: str | None = None           # gml:id of the polygon or its semantic surface
    lod: str = ""


@dataclass
class CityObject:
    """A building or building part with the geometry of the chosen LoD."""

    id: str
    object_class: str               # "Building" or "BuildingPart"
    parent_id: str | None
    source_file: str
    lod: str | None                 # LoD of ``surfaces`` ("0", "1", "2", "3", "1.2", ...)
    lods_available: list[str] = field(default_factory=list)
    surfaces: list[Surface] = field(default_factory=list)
    footprint_rings: list[list[NDArray[Any]]] = field(default_factory=list)  # lod0FootPrint polygons when given
    attributes: dict[str, Any] = field(default_factory=dict)  # keys as twin.schema.BUILDINGS fields, plus any other
    line: int | None = None         # source line where known


@dataclass
class Skipped:
    """An object the reader had to skip, with a reason that names it."""

    source_file: str
    object_id: str
    reason: str
    line: int | None = None
    quiet: bool = False             # a row without a log line of its own (the reader logs a summary)


@dataclass
class Relief:
    """One TIN relief component (terrain): its triangles as an (N, 3, 3) float64 array of corner points."""

    id: str                         # gml:id of the TINRelief (CityJSON: the object id)
    feature_id: str                 # the ReliefFeature that holds it (CityJSON: the same id)
    source_file: str
    lod: str
    triangles: NDArray[Any]
    line: int | None = None
