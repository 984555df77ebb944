"""The tileset's local frame: east-north-up at a centre point, and glTF's y-up axes."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer

from ..kernel.heights import ECEF, GEOGRAPHIC_3D, Georeferencer


class EnuFrame:
    """ECEF <-> local ENU at ``origin`` (ECEF); the tileset root's transform maps ENU to ECEF."""

    def __init__(self, origin_ecef: NDArray[Any]) -> None:
        self.origin = np.asarray(origin_ecef, np.float64)
        lon, lat, _ = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(
            *self.origin.tolist())
        lam, phi = np.radians(lon), np.radians(lat)
        east = np.array([-np.sin(lam), np.cos(lam), 0.0])
        north = np.array([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])
        up = np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
        self.rotation = np.vstack([east, north, up])  # rows: ENU axes in ECEF
        self.lon, self.lat = float(lon), float(lat)

    def to_enu(self, ecef: NDArray[Any]) -> NDArray[Any]:
        enu: NDArray[Any] = (np.asarray(ecef, np.float64) - self.origin) @ self.rotation.T
        return enu

    def to_ecef(self, enu: NDArray[Any]) -> NDArray[Any]:
        ecef: NDArray[Any] = np.asarray(enu, np.float64) @ self.rotation + self.origin
        return ecef

    def transform(self) -> list[float]:
        """Column-major 4x4 ENU -> ECEF matrix for tileset.json."""
        m = np.eye(4)
        m[:3, :3] = self.rotation.T
        m[:3, 3] = self.origin
        return [float(v) for v in m.T.reshape(-1)]


def bounds(points: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Find the per-column minimum and maximum of points (a column at a time: numpy's ``min(axis=0)`` is several
    times slower on a C-ordered array of few columns).

    Args:
        points: an (N, k) array.

    Returns:
        (minima, maxima), each of length k.

    Example:
        >>> import numpy as np
        >>> low, high = bounds(np.array([[1.0, 5.0, 0.0], [3.0, 2.0, 9.0]]))
        >>> low.tolist(), high.tolist()
        ([1.0, 2.0, 0.0], [3.0, 5.0, 9.0])
    """
    return (np.array([points[:, j].min() for j in range(points.shape[1])]),
            np.array([points[:, j].max() for j in range(points.shape[1])]))


@lru_cache(maxsize=1)
def _geographic_to_ecef() -> Transformer:
    return Transformer.from_crs(GEOGRAPHIC_3D, ECEF, always_xy=True)


def _distinct_rows(xy: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Index of one row of every distinct (bitwise) row of (N, 2) float64 ``xy``, and each row's distinct row.
    Sorted by a 64-bit hash of the bits (much faster than sorting the pairs), checked for collisions."""
    bits = xy.view(np.uint64)
    key = bits[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ bits[:, 1]
    order = np.argsort(key)
    ordered = key[order]
    new = np.ones(len(key), bool)
    new[1:] = ordered[1:] != ordered[:-1]
    first, inverse = order[new], np.empty(len(key), np.int64)
    inverse[order] = np.cumsum(new) - 1
    if not np.array_equal(bits[first[inverse]], bits):  # a hash collision: sort the pairs themselves
        _, first, inverse = np.unique(xy.view(np.complex128).ravel(), return_index=True, return_inverse=True)
        inverse = inverse.ravel()
    return first, inverse


def georeference(geo: Georeferencer, frame: EnuFrame, xyz: NDArray[Any]) -> NDArray[Any]:
    """Georeference source (x, y, normal height) (N, 3) into the ENU frame, as ``frame.to_enu(geo.to_ecef(...))``.

    The horizontal transformation and the height model are evaluated once per distinct (x, y) (a building's walls
    share them with its roof and ground), only the ellipsoidal heights to ECEF once per vertex.

    Args:
        geo: the source CRS's georeferencer (horizontal CRS and height model).
        frame: the ENU frame.
        xyz: (N, 3) source coordinates.

    Returns:
        (N, 3) ENU coordinates (m).

    Example:
        >>> from geotwin.twin.kernel.heights import resolve_height_model
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> frame = EnuFrame(geo.to_ecef([456300.0], [5428500.0], [115.0])[0])
        >>> xyz = np.array([[456300.0, 5428500.0, 115.0], [456400.0, 5428500.0, 115.0], [456300.0, 5428500.0, 125.0]])
        >>> enu = georeference(geo, frame, xyz)
        >>> enu.round(3).tolist()       # 100 m east in UTM: the grid's convergence turns it 0.45 degrees
        [[0.0, 0.0, 0.0], [100.037, 0.788, -0.001], [-0.0, -0.0, 10.0]]
        >>> np.allclose(enu, frame.to_enu(geo.to_ecef(xyz[:, 0], xyz[:, 1], xyz[:, 2])))
        True
    """
    xy = np.ascontiguousarray(xyz[:, :2], dtype=np.float64)
    first, inverse = _distinct_rows(xy)
    lon, lat, undulation = geo.to_geographic(xy[first, 0], xy[first, 1], np.zeros(len(first)))
    ecef = _geographic_to_ecef().transform(lon[inverse], lat[inverse], xyz[:, 2] + undulation[inverse])
    return frame.to_enu(np.column_stack(ecef))


def enu_to_gltf(enu: NDArray[Any]) -> NDArray[Any]:
    """Turn east-north-up coordinates into glTF's y-up axes (3D Tiles rotates them back): (e, n, u) -> (e, u, -n).

    Args:
        enu: (N, 3) coordinates.

    Returns:
        (N, 3) glTF coordinates.

    Example:
        >>> import numpy as np
        >>> enu_to_gltf(np.array([[1.0, 2.0, 3.0]])).tolist()
        [[1.0, 3.0, -2.0]]
    """
    enu = np.asarray(enu)
    return np.column_stack([enu[:, 0], enu[:, 2], -enu[:, 1]])


def gltf_to_enu(xyz: NDArray[Any]) -> NDArray[Any]:
    """Turn glTF's y-up coordinates back into east-north-up: (x, y, z) -> (x, -z, y); the inverse of
    ``enu_to_gltf``.

    Args:
        xyz: (N, 3) glTF coordinates.

    Returns:
        (N, 3) ENU coordinates.

    Example:
        >>> import numpy as np
        >>> gltf_to_enu(enu_to_gltf(np.array([[1.0, 2.0, 3.0]]))).tolist()
        [[1.0, 2.0, 3.0]]
    """
    xyz = np.asarray(xyz)
    return np.column_stack([xyz[:, 0], -xyz[:, 2], xyz[:, 1]])
