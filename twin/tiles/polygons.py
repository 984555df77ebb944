"""Many planar polygons (source CRS) as flat numpy arrays, the way shapely's ragged arrays hold them.

Reading, triangulating and digesting a city model's boundary surfaces works on whole batches of them,
without a Python object per polygon or ring.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


def ranges(starts: NDArray[Any], counts: NDArray[Any]) -> NDArray[Any]:
    """Concatenate ``arange(s, s + c)`` for every start and count, without a Python loop.

    Args:
        starts: the starts.
        counts: the counts.

    Returns:
        The concatenated indices (int64).

    Example:
        >>> import numpy as np
        >>> ranges(np.array([10, 20, 30]), np.array([2, 0, 3])).tolist()
        [10, 11, 30, 31, 32]
    """
    counts = np.asarray(counts, np.int64)
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    result: NDArray[Any] = np.repeat(np.asarray(starts, np.int64), counts) + within
    return result


def _offsets(counts: Any) -> NDArray[Any]:
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)


@dataclass
class PolygonSet:
    """Polygon k's rings are ``poly_offsets[k]:poly_offsets[k + 1]`` (exterior first, then holes); ring r's
    vertices are ``coords[ring_offsets[r]:ring_offsets[r + 1]]``, not closed."""

    coords: NDArray[Any]          # (V, 3) float64
    ring_offsets: NDArray[Any]    # (R + 1,) int64
    poly_offsets: NDArray[Any]    # (P + 1,) int64
    surface_type: list[str]
    surface_id: list[str]

    def __len__(self) -> int:
        return len(self.poly_offsets) - 1

    @classmethod
    def empty(cls) -> PolygonSet:
        return cls(np.zeros((0, 3)), np.zeros(1, np.int64), np.zeros(1, np.int64), [], [])

    @classmethod
    def from_rings(cls, polygons: list[list[NDArray[Any]]], surface_type: list[str] | None = None,
                   surface_id: list[str] | None = None) -> PolygonSet:
        """From polygons given as lists of unclosed (N, 3) rings."""
        rings = [r for p in polygons for r in p]
        coords = np.concatenate(rings).astype(np.float64, copy=False) if rings else np.zeros((0, 3))
        return cls(coords.reshape(-1, 3), _offsets([len(r) for r in rings]), _offsets([len(p) for p in polygons]),
                   surface_type or [""] * len(polygons), surface_id or [""] * len(polygons))

    @classmethod
    def from_geometries(cls, geoms: Any, surface_type: list[str],
                        surface_id: list[str]) -> tuple[PolygonSet, NDArray[Any]]:
        """The polygons of shapely (Multi)PolygonZs (of a multipolygon its first non-empty part), closing points
        dropped, NaN as 0; and the index of the geometry each polygon comes from (missing or empty ones give none)."""
        import shapely

        geoms = np.asarray(geoms, dtype=object)
        types = shapely.get_type_id(geoms)
        for i in np.flatnonzero(types == 6).tolist():
            parts = [p for p in shapely.get_parts(geoms[i]) if not p.is_empty]
            geoms[i] = parts[0] if parts else None
        source = np.flatnonzero((shapely.get_type_id(geoms) == 3) & ~shapely.is_empty(geoms))
        if not len(source):
            return cls.empty(), source
        _, coords, (ring_offsets, poly_offsets) = shapely.to_ragged_array(geoms[source], include_z=True)
        keep = np.ones(len(coords), bool)
        keep[ring_offsets[1:] - 1] = False        # each ring's closing point
        ring_offsets = ring_offsets.astype(np.int64) - np.arange(len(ring_offsets))
        st, si = source.tolist(), surface_id
        return cls(np.nan_to_num(coords[keep]), ring_offsets, poly_offsets.astype(np.int64),
                   [surface_type[i] for i in st], [si[i] for i in st]), source

    @classmethod
    def from_wkb(cls, wkb: list[Any], surface_type: list[str], surface_id: list[str],
                 step: int = 500) -> tuple[PolygonSet, NDArray[Any]]:
        """``from_geometries`` of WKB (None for none), decoded ``step`` at a time: shapely geometries are objects
        the cyclic garbage collector tracks, and a whole batch of them alive at once would outlive its young
        generations, making every full collection (whose cost grows with the model) come sooner."""
        import shapely

        sets, sources = [], []
        for s in range(0, len(wkb), step):
            geoms = shapely.from_wkb(np.array(wkb[s:s + step], dtype=object))
            polygons, source = cls.from_geometries(geoms, surface_type[s:s + step], surface_id[s:s + step])
            sets.append(polygons)
            sources.append(source + s)
        return cls.concat(sets), np.concatenate(sources) if sources else np.zeros(0, np.int64)

    @classmethod
    def concat(cls, sets: list[PolygonSet]) -> PolygonSet:
        sets = [s for s in sets if len(s)]
        if len(sets) < 2:
            return sets[0] if sets else cls.empty()
        ring_shift = np.cumsum([0] + [len(s.coords) for s in sets[:-1]])
        poly_shift = np.cumsum([0] + [len(s.ring_offsets) - 1 for s in sets[:-1]])
        return cls(np.concatenate([s.coords for s in sets]),
                   np.concatenate([[0]] + [s.ring_offsets[1:] + k for s, k in zip(sets, ring_shift)]),
                   np.concatenate([[0]] + [s.poly_offsets[1:] + k for s, k in zip(sets, poly_shift)]),
                   [t for s in sets for t in s.surface_type], [t for s in sets for t in s.surface_id])

    def take(self, index: Any) -> PolygonSet:
        """The polygons ``index`` (in that order)."""
        index = np.asarray(index, np.int64)
        po, ro = self.poly_offsets, self.ring_offsets
        nr = po[index + 1] - po[index]
        ring = ranges(po[index], nr)
        nv = ro[ring + 1] - ro[ring]
        il = index.tolist()
        return PolygonSet(self.coords[ranges(ro[ring], nv)], _offsets(nv), _offsets(nr),
                          [self.surface_type[i] for i in il], [self.surface_id[i] for i in il])

    def rings(self, k: int) -> list[NDArray[Any]]:
        ro = self.ring_offsets
        return [self.coords[ro[r]:ro[r + 1]] for r in range(int(self.poly_offsets[k]), int(self.poly_offsets[k + 1]))]

    def vertex_offsets(self, polygon_offsets: NDArray[Any]) -> NDArray[Any]:
        """Offsets into ``coords`` of groups of polygons given by their offsets (e.g. the polygons of buildings)."""
        result: NDArray[Any] = self.ring_offsets[self.poly_offsets[np.asarray(polygon_offsets, np.int64)]]
        return result
