"""Stream the district as CityJSON 2.0 (one file) and CityJSONSeq (one feature per line).

Vertices are integers in millimetres (transform scale 0.001) relative to a fixed translate, so
both files hold exactly the coordinates of the CityGML. The CityJSON file is written objects
first; its global vertex list goes to a temporary file and is appended on close.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .jsonfmt import dumps
from .layout import FUNCTION_NAMES, ROOF_CODES, BuildingSpec
from .site import CITYJSON_SRS, COUNTRY, LOCALITY, POSTAL_CODE, VERTICAL_EPSG
from .solid import Point, Ring

VERSION = "2.0"
SEMANTIC_ORDER = ("GroundSurface", "WallSurface", "RoofSurface")


def transform(translate_mm: tuple[int, int, int]) -> dict[str, Any]:
    """Make a CityJSON ``transform``: millimetre integer vertices around ``translate_mm``.

    Args:
        translate_mm: the translation in millimetres.

    Returns:
        ``{"scale", "translate"}``.

    Example:
        >>> transform((456000000, 5429000000, 100000))
        {'scale': [0.001, 0.001, 0.001], 'translate': [456000.0, 5429000.0, 100.0]}
    """
    return {"scale": [0.001, 0.001, 0.001], "translate": [v / 1000 for v in translate_mm]}


def metadata(seed: int, bbox: list[float] | None = None) -> dict[str, Any]:
    """Make the CityJSON ``metadata`` of the sample district.

    Args:
        seed: the district's seed.
        bbox: its geographicalExtent (metres), when known.

    Returns:
        identifier, title, referenceSystem (EPSG:25832 + DHHN2016), and the extent when given.

    Example:
        >>> meta = metadata(7)
        >>> meta["identifier"], meta["referenceSystem"]
        ('geotwin-sample-district-seed-7', 'https://www.opengis.net/def/crs/EPSG/0/25832')
    """
    meta: dict[str, Any] = {
        "identifier": f"geotwin-sample-district-seed-{seed}",
        "title": (f"GeoTwin sample district, Karlsruhe around Friedrichsplatz (synthetic); "
                  f"heights DHHN2016 (EPSG:{VERTICAL_EPSG})"),
        "referenceSystem": CITYJSON_SRS,
    }
    if bbox is not None:
        meta["geographicalExtent"] = bbox
    return meta


def city_object(spec: BuildingSpec, surfaces: list[tuple[str, Ring]],
                index_of: Callable[[Point], int]) -> dict[str, Any]:
    """Write a building as a CityJSON Building with an LoD2 Solid and its semantic surfaces.

    Args:
        spec: the building.
        surfaces: its surfaces (``solid.surfaces``).
        index_of: gives the vertex index of a point (adding it to the vertex list).

    Returns:
        The CityObject.

    Example:
        >>> from .layout import buildings
        >>> from .solid import surfaces
        >>> spec = next(buildings(1, seed=0))
        >>> vertices = {}
        >>> obj = city_object(spec, surfaces(spec), lambda p: vertices.setdefault(p, len(vertices)))
        >>> obj["type"], obj["geometry"][0]["type"], obj["geometry"][0]["lod"], len(vertices)
        ('Building', 'Solid', '2', 8)
    """
    types = [t for t in SEMANTIC_ORDER if any(k == t for k, _ in surfaces)]
    shell = [[[index_of(p) for p in ring]] for _, ring in surfaces]
    values = [types.index(kind) for kind, _ in surfaces]
    attributes = {
        "function": spec.function,
        "functionName": FUNCTION_NAMES[spec.function],
        "roofType": ROOF_CODES[spec.roof],
        "measuredHeight": spec.measured_height / 1000,
        "storeysAboveGround": spec.storeys,
    }
    if spec.name:
        attributes["name"] = spec.name
    return {
        "type": "Building",
        "attributes": attributes,
        "address": [{
            "ThoroughfareName": spec.street,
            "ThoroughfareNumber": spec.number,
            "PostalCode": POSTAL_CODE,
            "LocalityName": LOCALITY,
            "CountryName": COUNTRY,
        }],
        "geometry": [{
            "type": "Solid",
            "lod": "2",
            "boundaries": [shell],
            "semantics": {"surfaces": [{"type": t} for t in types], "values": [values]},
        }],
    }


class CityJsonWriter:
    """One CityJSON 2.0 file written incrementally."""

    def __init__(self, path: Path, seed: int, translate_mm: tuple[int, int, int]) -> None:
        self.path = Path(path)
        self.seed = seed
        self.translate = translate_mm
        self._f = open(self.path, "w", encoding="utf-8", newline="\n")
        self._vpath = self.path.with_name(self.path.name + ".vertices.tmp")
        self._v = open(self._vpath, "w", encoding="ascii", newline="\n")
        self._f.write(f'{{"type":"CityJSON","version":"{VERSION}","transform":'
                      f"{dumps(transform(translate_mm))},\"CityObjects\":{{")
        self._nv = 0
        self.count = 0

    def add(self, spec: BuildingSpec, surfaces: list[tuple[str, Ring]]) -> None:
        local: dict[tuple[int, int, int], int] = {}
        new: list[str] = []
        tx, ty, tz = self.translate

        def index_of(p: Point) -> int:
            i = local.get(p)
            if i is None:
                i = local[p] = self._nv + len(new)
                new.append(f"[{p[0] - tx},{p[1] - ty},{p[2] - tz}]")
            return i

        obj = city_object(spec, surfaces, index_of)
        self._f.write(("," if self.count else "") + f"{dumps(spec.id)}:{dumps(obj)}")
        self._v.write(("," if self._nv else "") + ",".join(new))
        self._nv += len(new)
        self.count += 1

    def close(self, bbox_mm: tuple[int, int, int, int, int, int]) -> None:
        self._v.close()
        self._f.write('},"vertices":[')
        self._f.flush()
        with open(self._vpath, encoding="ascii") as src:
            shutil.copyfileobj(src, self._f, 1 << 20)
        self._vpath.unlink()
        bbox = [v / 1000 for v in bbox_mm]
        self._f.write(f'],"metadata":{dumps(metadata(self.seed, bbox))}}}\n')
        self._f.close()

    def abort(self) -> None:
        self._v.close()
        self._f.close()
        self._vpath.unlink(missing_ok=True)


class CityJsonSeqWriter:
    """CityJSONSeq: a CityJSON header line, then one CityJSONFeature per building."""

    def __init__(self, path: Path, seed: int, translate_mm: tuple[int, int, int]) -> None:
        self.path = Path(path)
        self.translate = translate_mm
        self._f = open(self.path, "w", encoding="utf-8", newline="\n")
        header = {"type": "CityJSON", "version": VERSION, "transform": transform(translate_mm),
                  "metadata": metadata(seed), "CityObjects": {}, "vertices": []}
        self._f.write(dumps(header) + "\n")
        self.count = 0

    def add(self, spec: BuildingSpec, surfaces: list[tuple[str, Ring]]) -> None:
        local: dict[tuple[int, int, int], int] = {}
        verts: list[list[int]] = []
        tx, ty, tz = self.translate

        def index_of(p: Point) -> int:
            i = local.get(p)
            if i is None:
                i = local[p] = len(verts)
                verts.append([p[0] - tx, p[1] - ty, p[2] - tz])
            return i

        obj = city_object(spec, surfaces, index_of)
        feature = {"type": "CityJSONFeature", "id": spec.id, "CityObjects": {spec.id: obj},
                   "vertices": verts}
        self._f.write(dumps(feature) + "\n")
        self.count += 1

    def close(self, bbox_mm: tuple[int, int, int, int, int, int] | None = None) -> None:
        self._f.close()

    def abort(self) -> None:
        self._f.close()
