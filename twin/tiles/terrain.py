"""Quantized-mesh terrain tiles (CesiumJS ``CesiumTerrainProvider``) from a DGM raster or a TIN relief (QGIS-free).

The terrain is written beside the tileset (``terrain/``: ``layer.json`` and ``{z}/{x}/{y}.terrain``) in the
geographic tiling scheme (EPSG:4326, TMS rows from the south; level 0 is two tiles of 180 degrees) that
Cesium's ``CesiumTerrainProvider`` expects, as quantized-mesh-1.0 with the ``octvertexnormals`` extension,
uncompressed (no gzip: any static server can serve it).

Heights: the source's normal heights (DGM, TINRelief) become ellipsoidal heights with the SAME
``Georeferencer`` as the buildings of the 3D Tiles export: a vertex at lon/lat gets ``H(x, y) + N(lon, lat)``
where ``x, y`` is lon/lat taken back into the city model's CRS by the same PROJ operation and ``N`` is the
export's height model (quasigeoid grid, EGM96 or constant). So buildings stand on the ground.

Each tile samples the heights on a regular grid of ``GRID + 1`` points a side; tiles smaller than
``DELATIN_MAX_TILE_M`` are triangulated by pydelatin within ``max_error``, larger ones keep the grid (their
flat triangles would otherwise cut through the curved earth). Outside the area (the city model and a margin)
the heights of its edge continue. Level 0 is always written (both tiles); below it only the tiles over the
area, down to the level whose grid spacing matches the raster's resolution. ``layer.json`` lists them as
``available`` ranges, and Cesium refines beyond them by upsampling.

Example::

    field = read_dgm("dgm1.tif", "EPSG:25832", area_xy)
    result = write_terrain(field, geo, out / "terrain", area_lonlat, TerrainOptions(), reporter)
"""
from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.errors import GeoTwinError, InputError
from ..kernel.heights import Georeferencer
from ..kernel.progress import Reporter

FloatArray = NDArray[np.float64]

TERRAIN_DIR = "terrain"
LAYER_JSON = "layer.json"
GRID = 64                       # grid intervals per tile side (65 x 65 samples)
DELATIN_MAX_TILE_M = 1500.0     # larger tiles keep the regular grid (chord sag of a 1.5 km edge: 4 cm)
QUANT = 32767                   # quantized-mesh u, v, height range
MAX_PIXELS = 40_000_000         # heights read into memory at most (the raster is resampled coarser beyond)
DEFAULT_MAX_TILES = 5000
DEFAULT_MAX_LEVEL = 19
DEFAULT_MAX_ERROR = 0.05        # m: pydelatin's tolerance
DEFAULT_MARGIN = 200.0          # m around the city model
METRES_PER_DEGREE = 111_319.49  # WGS 84 equator (degree of longitude), used to choose levels only
RELIEF = "relief"               # ExportOptions.terrain: the city model's TINRelief instead of a raster


class TerrainError(GeoTwinError):
    """The terrain cannot be built within the limits."""


@dataclass
class HeightField:
    """Normal heights on a north-up grid in ``crs``: ``values[row, col]`` at the centre of pixel (row, col),
    row 0 the northern edge ``y0``; ``x0`` the western edge; ``pixel`` the pixel size (m)."""

    crs: str
    x0: float
    y0: float
    pixel: float
    values: FloatArray
    source: str

    def sample(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Bilinear heights at ``x, y`` (the edge values continue outside the grid)."""
        rows, cols = self.values.shape
        c = np.clip((np.asarray(x) - self.x0) / self.pixel - 0.5, 0.0, cols - 1.0)
        r = np.clip((self.y0 - np.asarray(y)) / self.pixel - 0.5, 0.0, rows - 1.0)
        c0 = np.minimum(np.floor(c).astype(np.int64), max(cols - 2, 0))
        r0 = np.minimum(np.floor(r).astype(np.int64), max(rows - 2, 0))
        c1, r1 = np.minimum(c0 + 1, cols - 1), np.minimum(r0 + 1, rows - 1)
        fc, fr = c - c0, r - r0
        v = self.values
        top = v[r0, c0] * (1 - fc) + v[r0, c1] * fc
        bottom = v[r1, c0] * (1 - fc) + v[r1, c1] * fc
        out: FloatArray = top * (1 - fr) + bottom * fr
        return out


@dataclass(frozen=True)
class TerrainOptions:
    """Limits and quality: at most ``max_tiles`` tiles, levels up to ``max_level`` (finer levels only as far as
    the source's resolution carries), pydelatin's ``max_error`` (m), ``margin`` (m) around the city model,
    ``normals``: the octvertexnormals extension."""

    max_tiles: int = DEFAULT_MAX_TILES
    max_level: int = DEFAULT_MAX_LEVEL
    max_error: float = DEFAULT_MAX_ERROR
    margin: float = DEFAULT_MARGIN
    normals: bool = True


TERRAIN_FORMAT = "quantized-mesh-1.0"
TERRAIN_SCHEME = "EPSG:4326 (TMS)"


@dataclass(frozen=True)
class TerrainSummary:
    """The terrain part of an export's report (``ExportReport.terrain``; ``terrain`` in export_report.json).

    ``folder`` is the terrain folder's name beside the tileset, ``tiles`` the tile count, ``max_level`` the finest
    level written, ``bounds`` the area (west, south, east, north in degrees), ``source`` the DGM's file name or
    ``TINRelief``, ``height_model`` the description of the height model the heights went through.
    """

    folder: str
    tiles: int
    max_level: int
    bounds: tuple[float, float, float, float]
    source: str
    height_model: str
    format: str = TERRAIN_FORMAT
    scheme: str = TERRAIN_SCHEME

    def record(self) -> dict[str, Any]:
        """The summary as written into export_report.json (its keys in camelCase, as layer.json has them)."""
        return {"folder": self.folder, "tiles": self.tiles, "maxLevel": self.max_level,
                "bounds": list(self.bounds), "source": self.source, "heightModel": self.height_model,
                "format": self.format, "scheme": self.scheme}


@dataclass
class TerrainResult:
    """What was written: the folder, tile count, levels, the area (lon/lat) and the source."""

    folder: Path
    tiles: int
    max_level: int
    bounds: tuple[float, float, float, float]
    source: str
    height_model: str
    available: list[list[dict[str, int]]] = field(default_factory=list)

    def summary(self) -> TerrainSummary:
        """The typed summary of what was written, for the export's report."""
        return TerrainSummary(self.folder.name, self.tiles, self.max_level, self.bounds, self.source,
                              self.height_model)

    def record(self) -> dict[str, Any]:
        """The summary as written into export_report.json."""
        return self.summary().record()


# ---------------------------------------------------------------- sources

def read_dgm(path: str | os.PathLike[str], crs: str, area: tuple[float, float, float, float],
             vertical_crs: str | None = None, max_pixels: int = MAX_PIXELS) -> HeightField:
    """Read a DGM raster's heights over an area of the city model's CRS.

    The raster is resampled into ``crs`` by GDAL (bilinear) at its own resolution, or coarser beyond
    ``max_pixels``; nodata holes are filled from their neighbours.

    Args:
        path: the raster (GeoTIFF, ASCII grid, ... anything GDAL reads).
        crs: the city model's CRS.
        area: xmin, ymin, xmax, ymax in ``crs``.
        vertical_crs: the city model's vertical CRS, checked against the raster's.
        max_pixels: the most heights read into memory.

    Returns:
        The HeightField (north-up, row 0 at ``y0``).

    Raises:
        InputError: GDAL cannot read it as a raster, it has no CRS, a vertical CRS other than the city model's,
            or no heights in the area.

    Example:
        >>> import os, tempfile
        >>> from osgeo import gdal, osr
        >>> path = os.path.join(tempfile.mkdtemp(), "dgm1.tif")
        >>> ds = gdal.GetDriverByName("GTiff").Create(path, 4, 4, 1, gdal.GDT_Float32)
        >>> ds.SetGeoTransform((455000, 1, 0, 5430000, 0, -1))
        0
        >>> srs = osr.SpatialReference(); _ = srs.ImportFromEPSG(25832); _ = ds.SetProjection(srs.ExportToWkt())
        >>> ds.GetRasterBand(1).WriteArray(np.arange(16, dtype="f4").reshape(4, 4) + 110)
        0
        >>> ds = None
        >>> field = read_dgm(path, "EPSG:25832", (455000, 5429996, 455004, 5430000))
        >>> field.values[0].tolist(), field.values[3].tolist(), field.pixel, field.source
        ([110.0, 111.0, 112.0, 113.0], [122.0, 123.0, 124.0, 125.0], 1.0, 'dgm1.tif')
    """
    from osgeo import gdal, osr

    gdal.UseExceptions()
    name = str(path)
    try:
        ds = gdal.Open(name)
    except RuntimeError as err:
        raise InputError(f"GDAL cannot read the DGM as a raster: {err}", path=name) from err
    if ds is None or ds.RasterCount < 1:
        raise InputError("the DGM is no raster with a band of heights", path=name)
    wkt = ds.GetProjection()
    if not wkt:
        raise InputError("the DGM has no coordinate reference system; give it one (e.g. EPSG:25832 for a "
                         "German DGM in UTM 32) with gdal_translate -a_srs", path=name)
    srs = osr.SpatialReference(wkt=wkt)
    _check_vertical(srs, vertical_crs, name)
    if srs.IsGeocentric():
        raise InputError("the DGM's CRS is geocentric; a DGM needs a projected or geographic CRS", path=name)
    xmin, ymin, xmax, ymax = area
    pixel = _native_pixel(ds, srs, crs)
    pixel = max(pixel, math.sqrt((xmax - xmin) * (ymax - ymin) / max_pixels))
    try:
        warped = gdal.Warp("", ds, format="MEM", dstSRS=crs, outputBounds=area, xRes=pixel, yRes=pixel,
                           resampleAlg="bilinear", outputType=gdal.GDT_Float64, dstNodata=np.nan,
                           srcNodata=ds.GetRasterBand(1).GetNoDataValue())
    except RuntimeError as err:
        raise InputError(f"GDAL cannot bring the DGM into {crs}: {err}", path=name) from err
    values = np.asarray(warped.GetRasterBand(1).ReadAsArray(), np.float64)
    values[~np.isfinite(values) | (np.abs(values) > 10_000)] = np.nan
    if np.isnan(values).all():
        extent = _extent(ds)
        raise InputError(f"the DGM has no heights where the city model is: it covers {extent} in its own CRS "
                         f"({srs.GetName()}), the city model {tuple(round(v) for v in area)} in {crs}", path=name)
    values = _fill(values)
    x0, _, _, y0, _, _ = warped.GetGeoTransform()
    return HeightField(crs, float(x0), float(y0), float(pixel), values, Path(name).name)


def _check_vertical(srs: Any, vertical_crs: str | None, name: str) -> None:
    """Refuse a DGM whose declared vertical CRS is not the city model's (its heights would not match)."""
    if not (srs.IsCompound() and vertical_crs):
        return
    from pyproj import CRS

    declared = CRS.from_wkt(srs.ExportToWkt())
    mine = CRS.from_user_input(vertical_crs)
    theirs = [c for c in declared.sub_crs_list if c.is_vertical]
    if theirs and theirs[0].name != mine.name:
        raise InputError(f"the DGM's heights are in {theirs[0].name}, the city model's in {mine.name}; "
                         "give a DGM in the city model's height system", path=name)


def _native_pixel(ds: Any, srs: Any, crs: str) -> float:
    """The raster's pixel size in metres of ``crs`` (degrees of a geographic raster converted at its centre)."""
    gt = ds.GetGeoTransform()
    size = (abs(gt[1]) + abs(gt[5])) / 2
    if srs.IsGeographic():
        lat = gt[3] + gt[5] * ds.RasterYSize / 2
        size *= METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.1)
    return float(max(size, 0.01))


def _extent(ds: Any) -> tuple[float, float, float, float]:
    gt = ds.GetGeoTransform()
    x1, y1 = gt[0] + gt[1] * ds.RasterXSize, gt[3] + gt[5] * ds.RasterYSize
    return (round(min(gt[0], x1)), round(min(gt[3], y1)), round(max(gt[0], x1)), round(max(gt[3], y1)))


def _fill(values: FloatArray) -> FloatArray:
    """Nodata cells (NaN) take the value of the nearest cell with a height (by GDAL's FillNodata)."""
    if not np.isnan(values).any():
        return values
    from osgeo import gdal

    mem = gdal.GetDriverByName("MEM").Create("", values.shape[1], values.shape[0], 1, gdal.GDT_Float64)
    band = mem.GetRasterBand(1)
    band.SetNoDataValue(-99999.0)
    band.WriteArray(np.where(np.isnan(values), -99999.0, values))
    gdal.FillNodata(band, None, maxSearchDist=float(max(values.shape)), smoothingIterations=0)
    filled = np.asarray(band.ReadAsArray(), np.float64)
    filled[filled == -99999.0] = np.nanmean(values)
    return filled


def relief_field(triangles: FloatArray, crs: str, area: tuple[float, float, float, float],
                 pixel: float = 1.0, max_pixels: int = MAX_PIXELS, source: str = "TINRelief") -> HeightField:
    """Make a height field from TIN relief triangles, linear in each triangle.

    Cells no triangle covers take the nearest height.

    Args:
        triangles: (N, 3, 3) corner points in ``crs`` (normal heights).
        crs: their CRS.
        area: xmin, ymin, xmax, ymax of the field.
        pixel: the cell size (m).
        max_pixels: the most cells (coarser cells beyond).
        source: the name the field reports.

    Returns:
        The HeightField over ``area``.

    Raises:
        InputError: no triangle lies in the area.

    Example:
        >>> tris = np.array([[[0, 0, 100], [10, 0, 100], [0, 10, 110]], [[10, 0, 100], [10, 10, 110], [0, 10, 110]]])
        >>> field = relief_field(tris, "EPSG:25832", (0, 0, 10, 10), pixel=5.0)
        >>> field.values.tolist(), field.x0, field.y0
        ([[107.5, 107.5], [102.5, 102.5]], 0, 10)
    """
    tris = np.asarray(triangles, np.float64).reshape(-1, 3, 3)
    xmin, ymin, xmax, ymax = area
    pixel = max(pixel, math.sqrt((xmax - xmin) * (ymax - ymin) / max_pixels))
    cols, rows = max(int(math.ceil((xmax - xmin) / pixel)), 2), max(int(math.ceil((ymax - ymin) / pixel)), 2)
    values = np.full((rows, cols), np.nan)
    inside = ((tris[:, :, 0].max(axis=1) >= xmin) & (tris[:, :, 0].min(axis=1) <= xmax)
              & (tris[:, :, 1].max(axis=1) >= ymin) & (tris[:, :, 1].min(axis=1) <= ymax))
    for tri in tris[inside]:
        _rasterise(tri, values, xmin, ymax, pixel)
    if np.isnan(values).all():
        raise InputError(f"the city model's TIN relief has no triangle with an area where the buildings are "
                         f"({tuple(round(v) for v in area)} in {crs})", obj=source)
    return HeightField(crs, xmin, ymax, pixel, _fill(values), source)


def _rasterise(tri: FloatArray, values: FloatArray, x0: float, y0: float, pixel: float) -> None:
    """Write the heights of one triangle (linear in it) into the cells whose centres it holds."""
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = tri
    det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy)
    if abs(det) < 1e-12:
        return
    rows, cols = values.shape
    c0 = max(int((min(ax, bx, cx) - x0) / pixel), 0)
    c1 = min(int((max(ax, bx, cx) - x0) / pixel) + 1, cols)
    r0 = max(int((y0 - max(ay, by, cy)) / pixel), 0)
    r1 = min(int((y0 - min(ay, by, cy)) / pixel) + 1, rows)
    if c0 >= c1 or r0 >= r1:
        return
    xs = x0 + (np.arange(c0, c1) + 0.5) * pixel
    ys = y0 - (np.arange(r0, r1) + 0.5) * pixel
    gx, gy = np.meshgrid(xs, ys)
    w1 = ((by - cy) * (gx - cx) + (cx - bx) * (gy - cy)) / det
    w2 = ((cy - ay) * (gx - cx) + (ax - cx) * (gy - cy)) / det
    w3 = 1 - w1 - w2
    hit = (w1 >= -1e-9) & (w2 >= -1e-9) & (w3 >= -1e-9)
    block = values[r0:r1, c0:c1]
    block[hit] = (w1 * az + w2 * bz + w3 * cz)[hit]


# ---------------------------------------------------------------- the tiling scheme

def tile_bounds(level: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Give the bounds of a terrain tile of the geographic scheme (TMS: y counted from the south).

    Args:
        level: the zoom level (level 0 has two tiles).
        x: the column from the west.
        y: the row from the south.

    Returns:
        West, south, east, north in degrees.

    Example:
        >>> tile_bounds(1, 2, 1)
        (0.0, 0.0, 90.0, 90.0)
    """
    size = 180.0 / (1 << level)
    return -180.0 + x * size, -90.0 + y * size, -180.0 + (x + 1) * size, -90.0 + (y + 1) * size


def tile_range(level: int, bounds: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """Find the tiles at ``level`` that cover ``bounds``.

    Args:
        level: the zoom level.
        bounds: west, south, east, north in degrees.

    Returns:
        startX, startY, endX, endY (inclusive).

    Example:
        >>> tile_range(15, (8.39, 49.0, 8.41, 49.02))
        (34295, 25304, 34298, 25307)
    """
    size = 180.0 / (1 << level)
    west, south, east, north = bounds
    nx, ny = 2 << level, 1 << level
    x0, x1 = int(math.floor((west + 180.0) / size)), int(math.floor((east + 180.0) / size))
    y0, y1 = int(math.floor((south + 90.0) / size)), int(math.floor((north + 90.0) / size))
    return max(x0, 0), max(y0, 0), min(x1, nx - 1), min(y1, ny - 1)


def finest_level(pixel: float, latitude: float, cap: int) -> int:
    """Choose the level whose grid spacing (tile width / GRID) first reaches the source's pixel size.

    Args:
        pixel: the source's pixel size (m).
        latitude: where (degrees), for the width of a degree of longitude.
        cap: the highest level allowed.

    Returns:
        The level, at most ``cap``.

    Example:
        >>> finest_level(1.0, 49.0, 19), finest_level(25.0, 49.0, 19), finest_level(1.0, 49.0, 12)
        (18, 14, 12)
    """
    width_m = 180.0 * METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.1)
    level = math.ceil(math.log2(max(width_m / (GRID * max(pixel, 1e-3)), 1.0)))
    return int(min(max(level, 0), cap))


def plan(bounds: tuple[float, float, float, float], max_level: int) -> list[tuple[int, int, int, int]]:
    """Plan the tile ranges per level: level 0 whole (two tiles), then the tiles over ``bounds``.

    Args:
        bounds: west, south, east, north in degrees.
        max_level: the finest level.

    Returns:
        (startX, startY, endX, endY) per level from 0 to ``max_level``.

    Example:
        >>> plan((8.39, 49.0, 8.41, 49.02), 3)
        [(0, 0, 1, 0), (2, 1, 2, 1), (4, 3, 4, 3), (8, 6, 8, 6)]
    """
    ranges = [(0, 0, 1, 0)]
    ranges += [tile_range(level, bounds) for level in range(1, max_level + 1)]
    return ranges


def _tiles(ranges: list[tuple[int, int, int, int]]) -> Iterator[tuple[int, int, int]]:
    for level, (x0, y0, x1, y1) in enumerate(ranges):
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                yield level, x, y


def count_tiles(ranges: list[tuple[int, int, int, int]]) -> int:
    """Count the tiles of a plan.

    Args:
        ranges: (startX, startY, endX, endY) per level (see plan).

    Returns:
        The number of tiles.

    Example:
        >>> count_tiles(plan((8.39, 49.0, 8.41, 49.02), 3)), count_tiles([(0, 0, 1, 0), (3, 4, 5, 6)])
        (5, 11)
    """
    return sum((x1 - x0 + 1) * (y1 - y0 + 1) for x0, y0, x1, y1 in ranges)


# ---------------------------------------------------------------- heights and meshes

@dataclass
class _Heights:
    """Ellipsoidal heights at lon/lat from a height field, through the export's Georeferencer."""

    field: HeightField
    geo: Georeferencer
    bounds: tuple[float, float, float, float]   # the area (lon/lat); outside it its edge continues

    def __call__(self, lon: FloatArray, lat: FloatArray) -> FloatArray:
        west, south, east, north = self.bounds
        lon_c, lat_c = np.clip(lon, west, east), np.clip(lat, south, north)
        x, y = self.geo.from_geographic(lon_c, lat_c)
        h: FloatArray = self.field.sample(x, y) + self.geo.model.undulation(lon_c, lat_c)
        return h


def tile_mesh(heights: _Heights, level: int, x: int, y: int, max_error: float) -> tuple[FloatArray, NDArray[Any]]:
    """Mesh one terrain tile: a GRID x GRID sample grid, simplified by pydelatin for small tiles.

    Args:
        heights: ellipsoidal height at (lon, lat) arrays.
        level, x, y: the tile.
        max_error: pydelatin's tolerance (m).

    Returns:
        Vertices (lon, lat, ellipsoidal height; float64) and triangles (counter-clockwise seen from above).

    Example:
        >>> positions, triangles = tile_mesh(lambda lon, lat: np.full(np.shape(lon), 150.0), 18, 274536, 220143, 0.05)
        >>> positions.shape, triangles.shape, set(positions[:, 2].tolist())      # flat: two triangles
        ((4, 3), (2, 3), {150.0})
    """
    west, south, east, north = tile_bounds(level, x, y)
    lons = np.linspace(west, east, GRID + 1)
    lats = np.linspace(north, south, GRID + 1)          # row 0 north, as an image
    glon, glat = np.meshgrid(lons, lats)
    grid = heights(glon.ravel(), glat.ravel()).reshape(GRID + 1, GRID + 1)
    edge_m = (north - south) * METRES_PER_DEGREE
    if edge_m <= DELATIN_MAX_TILE_M:
        from pydelatin import Delatin

        tin = Delatin(grid, max_error=max_error)
        # pydelatin's y runs up from the last row
        cols, rows = np.rint(tin.vertices[:, 0]).astype(np.int64), GRID - np.rint(tin.vertices[:, 1]).astype(np.int64)
        triangles = np.asarray(tin.triangles, np.int64)
    else:
        rr, cc = np.meshgrid(np.arange(GRID + 1), np.arange(GRID + 1), indexing="ij")
        rows, cols = rr.ravel(), cc.ravel()
        k = (np.arange(GRID)[:, None] * (GRID + 1) + np.arange(GRID)[None, :]).ravel()
        triangles = np.concatenate([np.column_stack([k, k + GRID + 1, k + 1]),
                                    np.column_stack([k + 1, k + GRID + 1, k + GRID + 2])])
    positions = np.column_stack([lons[cols], lats[rows], grid[rows, cols]])
    a, b, c = (positions[triangles[:, i], :2] for i in range(3))
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    triangles = np.where((area < 0)[:, None], triangles[:, [0, 2, 1]], triangles)
    return positions, triangles


def first_use_order(positions: FloatArray, triangles: NDArray[Any]) -> tuple[FloatArray, NDArray[Any]]:
    """Renumber vertices in the order the triangles first use them (what high-water-mark encoding needs).

    Args:
        positions: (N, 3) vertices.
        triangles: (T, 3) vertex indices.

    Returns:
        The used vertices in first-use order and the triangles renumbered; unused vertices are dropped.

    Example:
        >>> pos, tri = first_use_order(np.array([[0., 0, 0], [9, 9, 9], [1, 0, 0], [0, 1, 0]]), np.array([[3, 0, 2]]))
        >>> pos.tolist(), tri.tolist()
        ([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]], [[0, 1, 2]])
    """
    flat = np.asarray(triangles, np.int64).ravel()
    _, first = np.unique(flat, return_index=True)
    order = flat[np.sort(first)]                 # old indices by first use
    new = np.empty(len(positions), np.int64)
    new[order] = np.arange(len(order))
    return positions[order], new[flat].reshape(-1, 3)


def encode_tile(positions: FloatArray, triangles: NDArray[Any], bounds: tuple[float, float, float, float],
                normals: bool = True) -> bytes:
    """Encode one quantized-mesh-1.0 tile.

    Header, vertices, high-water-mark indices and edge indices are written by quantized-mesh-encoder's writers
    (fed float64 positions and exact edge coordinates), then the octvertexnormals extension.

    Args:
        positions: vertices (lon, lat, ellipsoidal height).
        triangles: (T, 3) vertex indices.
        bounds: the tile's west, south, east, north.
        normals: add the octvertexnormals extension.

    Returns:
        The tile's bytes (uncompressed).

    Example:
        >>> import struct
        >>> level, x, y = 18, 274536, 220143
        >>> positions, triangles = tile_mesh(lambda lon, lat: np.full(np.shape(lon), 150.0), level, x, y, 0.05)
        >>> data = encode_tile(positions, triangles, tile_bounds(level, x, y))
        >>> [round(v) for v in struct.unpack_from("<3d", data)]       # the header: the tile's centre (ECEF)
        [3050589, 456417, 5564125]
    """
    from quantized_mesh_encoder.encode import (
        compute_header,
        encode_header,
        write_edge_indices,
        write_indices,
        write_vertices,
    )
    from quantized_mesh_encoder.extensions import VertexNormalsExtension

    positions, triangles = first_use_order(positions, triangles)
    west, south, east, north = bounds
    h = positions[:, 2]
    lo, hi = float(h.min()), float(h.max())
    u = np.rint((positions[:, 0] - west) / (east - west) * QUANT)
    v = np.rint((positions[:, 1] - south) / (north - south) * QUANT)
    w = np.rint((h - lo) / (hi - lo) * QUANT) if hi > lo else np.zeros(len(h))
    quantized = np.column_stack([u, v, w]).clip(0, QUANT).astype(np.int16)
    f = io.BytesIO()
    encode_header(f, compute_header(positions, "naive"))
    n = len(positions)
    write_vertices(f, quantized, n)
    write_indices(f, np.asarray(triangles, np.uint32), n)
    write_edge_indices(f, quantized, n)
    if normals:
        f.write(VertexNormalsExtension(positions=positions, indices=np.asarray(triangles, np.uint32)).encode())
    return f.getvalue()


def write_terrain(source: HeightField, geo: Georeferencer, folder: Path, bounds: tuple[float, float, float, float],
                  options: TerrainOptions | None = None, reporter: Reporter | None = None) -> TerrainResult:
    """Write ``folder/layer.json`` and the quantized-mesh tiles over ``bounds``.

    Args:
        source: the heights (a DGM raster's or the TIN relief's field).
        geo: the city model's georeferencer (normal heights to ellipsoidal).
        folder: the terrain folder (beside the tileset).
        bounds: west, south, east, north in degrees.
        options: tile limit, levels, tolerance, margin, normals.
        reporter: progress, cancel and messages.

    Returns:
        The TerrainResult: folder, tile count, finest level, area, source and height model.

    Raises:
        TerrainError: the tiles would exceed ``options.max_tiles`` (naming the count and the levels).

    Example:
        >>> import json, tempfile
        >>> from geotwin.twin.kernel.heights import resolve_height_model
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> field = HeightField("EPSG:25832", 456200.0, 5428600.0, 10.0, np.full((20, 30), 115.0), "dgm.tif")
        >>> folder = Path(tempfile.mkdtemp()) / "terrain"
        >>> result = write_terrain(field, geo, folder, (8.401, 49.007, 8.404, 49.009), TerrainOptions(max_level=14))
        >>> result.tiles, result.max_level, json.loads((folder / "layer.json").read_text())["maxzoom"]
        (16, 14, 14)
        >>> write_terrain(field, geo, folder, (8.401, 49.007, 8.404, 49.009), TerrainOptions(max_tiles=3))
        Traceback (most recent call last):
        ...
        geotwin.twin.tiles.terrain.TerrainError: the terrain needs 17 tiles (levels 0 to 15 ...), more than ... 3...
    """
    options = options or TerrainOptions()
    reporter = reporter or Reporter()
    if not 0 <= options.max_level <= 24:
        raise TerrainError(f"the terrain's maximum level must be between 0 and 24, got {options.max_level}")
    latitude = (bounds[1] + bounds[3]) / 2
    level = finest_level(source.pixel, latitude, options.max_level)
    ranges = plan(bounds, level)
    total = count_tiles(ranges)
    if total > options.max_tiles:
        raise TerrainError(f"the terrain needs {total} tiles (levels 0 to {level} over {_degrees(bounds)}), more "
                           f"than the limit of {options.max_tiles}: raise the terrain tile limit, lower the "
                           "maximum level or give a smaller area")
    heights = _Heights(source, geo, bounds)
    folder.mkdir(parents=True, exist_ok=True)
    for k, (z, x, y) in enumerate(_tiles(ranges)):
        if k % 16 == 0:
            reporter.check()
        positions, triangles = tile_mesh(heights, z, x, y, options.max_error)
        path = folder / str(z) / str(x) / f"{y}.terrain"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_tile(positions, triangles, tile_bounds(z, x, y), options.normals))
    available = [[{"startX": r[0], "startY": r[1], "endX": r[2], "endY": r[3]}] for r in ranges]
    result = TerrainResult(folder, total, level, bounds, source.source, geo.model.description, available)
    (folder / LAYER_JSON).write_text(json.dumps(layer_json(result, options.normals), indent=1), encoding="utf-8")
    reporter.info(f"terrain: {total} quantized-mesh tiles, levels 0 to {level}, from {source.source}")
    return result


def layer_json(result: TerrainResult, normals: bool) -> dict[str, Any]:
    """Give the TileJSON that ``CesiumTerrainProvider.fromUrl`` reads.

    Args:
        result: what write_terrain wrote.
        normals: whether the tiles carry octvertexnormals.

    Returns:
        The layer.json content.

    Example:
        >>> result = TerrainResult(Path("terrain"), 2, 0, (8.39, 49.0, 8.41, 49.02), "dgm1.tif", "EGM2008",
        ...                        [[{"startX": 0, "startY": 0, "endX": 1, "endY": 0}]])
        >>> layer = layer_json(result, normals=True)
        >>> layer["format"], layer["maxzoom"], layer["extensions"], layer["description"]
        ('quantized-mesh-1.0', 0, ['octvertexnormals'], 'from dgm1.tif')
    """
    return {"tilejson": "2.1.0", "name": "GeoTwin terrain", "description": f"from {result.source}",
            "version": "1.0.0", "format": "quantized-mesh-1.0", "scheme": "tms", "projection": "EPSG:4326",
            "tiles": ["{z}/{x}/{y}.terrain"], "bounds": [-180.0, -90.0, 180.0, 90.0],
            "minzoom": 0, "maxzoom": result.max_level, "available": result.available,
            "extensions": ["octvertexnormals"] if normals else [],
            "geotwin": {"area": list(result.bounds), "heightModel": result.height_model,
                        "heights": "ellipsoidal (WGS 84), as the 3D Tiles buildings"}}


def _degrees(bounds: tuple[float, float, float, float]) -> str:
    return f"lon {bounds[0]:.4f}..{bounds[2]:.4f}, lat {bounds[1]:.4f}..{bounds[3]:.4f}"
