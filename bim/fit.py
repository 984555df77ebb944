"""Placing an IFC by a least-squares 2D similarity of its ground outline to a cadastral footprint."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..twin.kernel.errors import InputError

_SAMPLES = 256
_ANGLE_STEP_DEG = 2.0
_ICP_ITERATIONS = 40


@dataclass
class Similarity:
    scale: float
    rotation_deg: float        # anticlockwise
    translation: NDArray[Any]    # (2,)
    residual_m: float          # RMS distance of the fitted outline to the footprint's boundary
    max_deviation_m: float
    alternatives_deg: tuple[float, ...] = ()  # other rotations that fit as well (symmetric outlines)

    def matrix2d(self) -> NDArray[Any]:
        theta = math.radians(self.rotation_deg)
        c, s = math.cos(theta), math.sin(theta)
        return np.array([[self.scale * c, -self.scale * s, self.translation[0]],
                         [self.scale * s, self.scale * c, self.translation[1]], [0.0, 0.0, 1.0]])


def _boundary(geometry: Any) -> tuple[Any, Any]:
    import shapely

    polygons = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    polygons = [p for p in polygons if p.area > 0]
    if not polygons:
        raise InputError("the outline to fit has no area")
    largest = max(polygons, key=lambda p: p.area)
    return shapely.LineString(largest.exterior.coords), largest


def _sample(line: Any, n: int = _SAMPLES) -> NDArray[Any]:
    import shapely

    points: NDArray[Any] = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.linspace(0, line.length, n, endpoint=False)))
    return points


def _umeyama(src: NDArray[Any], dst: NDArray[Any]) -> tuple[float, NDArray[Any], NDArray[Any]]:
    """Least-squares similarity (scale, rotation 2x2, translation) taking src onto dst."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    xs, xd = src - mu_s, dst - mu_d
    u, sv, vt = np.linalg.svd(xd.T @ xs / len(src))
    d = np.diag([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt)) or 1.0])
    rotation = u @ d @ vt
    scale = float(np.trace(np.diag(sv) @ d) / (xs ** 2).sum(axis=1).mean())
    return scale, rotation, mu_d - scale * rotation @ mu_s


def _closest_on(line: Any, points: NDArray[Any]) -> NDArray[Any]:
    import shapely

    pts = shapely.points(points)
    closest: NDArray[Any] = shapely.get_coordinates(
        shapely.line_interpolate_point(line, shapely.line_locate_point(line, pts)))
    return closest


def _apply(scale: float, rotation: NDArray[Any], translation: NDArray[Any], pts: NDArray[Any]) -> NDArray[Any]:
    moved: NDArray[Any] = scale * pts @ rotation.T + translation
    return moved


def _angle_between(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def fit_outline(outline: Any, footprint: Any, allow_scale: bool = True, prior_rotation_deg: float | None = None,
                tie_m: float = 0.05) -> Similarity:
    """Fit a building's outline (local metres) onto its footprint in the target CRS: a coarse search over the
    rotation, then ICP on the boundaries (a similarity: rotation, translation and, when allowed, scale).

    Rotations that fit within ``tie_m`` of the best (a symmetric outline) are ties: the one nearest
    ``prior_rotation_deg`` wins and the others are listed in ``alternatives_deg``.

    Args:
        outline: the IFC model's ground outline (shapely, local metres).
        footprint: the city model's footprint (shapely, target CRS).
        allow_scale: fit a scale as well (else 1).
        prior_rotation_deg: the rotation the IFC's own georeferencing suggests, to break ties.
        tie_m: residual difference (m) within which two rotations tie.

    Returns:
        The Similarity: scale, rotation, translation, RMS residual, largest deviation, alternatives.

    Example:
        >>> from shapely import affinity
        >>> from shapely.geometry import box
        >>> footprint = affinity.translate(affinity.rotate(box(0, 0, 20, 10), 30, origin=(0, 0)), 456500, 5429500)
        >>> fit = fit_outline(box(0, 0, 20, 10), footprint)
        >>> round(fit.rotation_deg, 6), round(fit.scale, 6), fit.translation.round(3).tolist(), fit.residual_m < 1e-6
        (30.0, 1.0, [456500.0, 5429500.0], True)
        >>> [round(a, 6) for a in fit.alternatives_deg]   # a rectangle fits turned by 180° as well
        [-150.0]
    """
    import shapely
    from shapely import affinity

    src_line, src_poly = _boundary(outline)
    dst_line, dst_poly = _boundary(footprint)
    src = _sample(src_line)
    c_src, c_dst = np.array(src_poly.centroid.coords[0]), np.array(dst_poly.centroid.coords[0])
    scores = []
    for angle in np.arange(0.0, 360.0, _ANGLE_STEP_DEG):
        moved = affinity.translate(affinity.rotate(src_poly, angle, origin=tuple(c_src)), *(c_dst - c_src))
        scores.append((shapely.symmetric_difference(moved, dst_poly).area, angle))
    candidates: list[Similarity] = []
    for _, angle in sorted(scores)[:6]:
        theta = math.radians(angle)
        rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
        scale, translation = 1.0, c_dst - rotation @ c_src
        for _ in range(_ICP_ITERATIONS):
            matched = _closest_on(dst_line, _apply(scale, rotation, translation, src))
            new_scale, rotation, translation = _umeyama(src, matched)
            if allow_scale:
                scale = new_scale
            else:
                scale, translation = 1.0, matched.mean(axis=0) - rotation @ src.mean(axis=0)
        fitted = _apply(scale, rotation, translation, src)
        distances = np.linalg.norm(fitted - _closest_on(dst_line, fitted), axis=1)
        candidates.append(Similarity(scale, math.degrees(math.atan2(rotation[1, 0], rotation[0, 0])), translation,
                                     float(np.sqrt((distances ** 2).mean())), float(distances.max())))
    floor = min(c.residual_m for c in candidates)
    ties: list[Similarity] = []
    for c in sorted(candidates, key=lambda c: c.residual_m):
        if c.residual_m <= floor + tie_m and all(_angle_between(c.rotation_deg, t.rotation_deg) > 1.0 for t in ties):
            ties.append(c)
    if prior_rotation_deg is not None:
        ties.sort(key=lambda c: _angle_between(c.rotation_deg, prior_rotation_deg))
    best = ties[0]
    best.alternatives_deg = tuple(t.rotation_deg for t in ties[1:])
    return best
