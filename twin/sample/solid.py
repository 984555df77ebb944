"""LoD2 boundary surfaces of a rectangular building: closed, planar, outward-facing, watertight.

Rings are lists of (x, y, z) integer millimetres, not closed (the writers repeat the first point
where the format wants it), counter-clockwise seen from outside (right-hand rule normal points out).
Every edge is shared by exactly two rings with the very same vertices.
"""
from __future__ import annotations

from .layout import ROOF_FLAT, ROOF_GABLE, ROOF_HIP, BuildingSpec

Point = tuple[int, int, int]
Ring = list[Point]


def _mid(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return (a[0] + b[0]) // 2, (a[1] + b[1]) // 2


def _along(a: tuple[int, int], b: tuple[int, int], t: float) -> tuple[int, int]:
    return int(round(a[0] + (b[0] - a[0]) * t)), int(round(a[1] + (b[1] - a[1]) * t))


def _len2(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def surfaces(spec: BuildingSpec) -> list[tuple[str, Ring]]:
    """Build the LoD2 boundary surfaces of a building: its GroundSurface, WallSurfaces and RoofSurfaces.

    Args:
        spec: the building.

    Returns:
        (semantic type, ring in integer millimetres, not closed) per surface.

    Example:
        >>> from .layout import buildings
        >>> hip = list(buildings(5, seed=0))[4]
        >>> hip.roof, [kind for kind, _ in surfaces(hip)]
        ('hip', ['GroundSurface', 'WallSurface', 'WallSurface', 'WallSurface', 'WallSurface', 'RoofSurface',
                 'RoofSurface', 'RoofSurface', 'RoofSurface'])
    """
    c = list(spec.corners)
    # Start at a corner whose first edge is a long side: the ridge runs along c0->c1.
    if _len2(c[0], c[1]) < _len2(c[1], c[2]):
        c = c[1:] + c[:1]
    g, e, r = spec.ground, spec.eave, spec.ridge
    low = [(x, y, g) for x, y in c]
    eave = [(x, y, e) for x, y in c]
    out: list[tuple[str, Ring]] = [("GroundSurface", [low[0], low[3], low[2], low[1]])]
    if spec.roof == ROOF_FLAT or r == e:
        for i in range(4):
            j = (i + 1) % 4
            out.append(("WallSurface", [low[i], low[j], eave[j], eave[i]]))
        out.append(("RoofSurface", [eave[0], eave[1], eave[2], eave[3]]))
        return out
    if spec.roof == ROOF_GABLE:
        r0 = (*_mid(c[3], c[0]), r)
        r1 = (*_mid(c[1], c[2]), r)
        out += [
            ("WallSurface", [low[0], low[1], eave[1], eave[0]]),
            ("WallSurface", [low[1], low[2], eave[2], r1, eave[1]]),
            ("WallSurface", [low[2], low[3], eave[3], eave[2]]),
            ("WallSurface", [low[3], low[0], eave[0], r0, eave[3]]),
            ("RoofSurface", [eave[0], eave[1], r1, r0]),
            ("RoofSurface", [eave[2], eave[3], r0, r1]),
        ]
        return out
    if spec.roof == ROOF_HIP:
        # The ridge is inset by half the short side at both ends (equal pitch on all four planes).
        long_ = _len2(c[0], c[1]) ** 0.5
        short = _len2(c[1], c[2]) ** 0.5
        t = (short / 2) / long_
        m0, m1 = _mid(c[3], c[0]), _mid(c[1], c[2])
        r0 = (*_along(m0, m1, t), r)
        r1 = (*_along(m0, m1, 1 - t), r)
        for i in range(4):
            j = (i + 1) % 4
            out.append(("WallSurface", [low[i], low[j], eave[j], eave[i]]))
        out += [
            ("RoofSurface", [eave[0], eave[1], r1, r0]),
            ("RoofSurface", [eave[1], eave[2], r1]),
            ("RoofSurface", [eave[2], eave[3], r0, r1]),
            ("RoofSurface", [eave[3], eave[0], r0]),
        ]
        return out
    raise ValueError(f"building {spec.id}: unknown roof type {spec.roof!r}")
