"""The sample district's DGM: a GeoTIFF of the ground surface its buildings stand on (EPSG:25832, DHHN2016).

The ground is the site's gentle plane (``site.ground_height`` before its rounding: the Upper Rhine plain
falling towards the Rhine and north); each building's ground height is this surface at its centre, rounded
to the centimetre, so the DGM and the buildings agree within a centimetre. Written like a state's DGM1:
1 m pixels (coarser for very large districts, at most ``MAX_SIDE`` pixels a side), float32, heights in
DHHN2016 metres (the vertical CRS in the band's description; the GeoTIFF's CRS is the horizontal
EPSG:25832), deflate-compressed, in strips so that memory stays flat.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .site import GROUND_HEIGHT, GROUND_SLOPE_E, GROUND_SLOPE_N, HORIZONTAL_EPSG, site

PIXEL = 1.0            # m, like DGM1
MARGIN = 300.0         # m around the buildings
MAX_SIDE = 2500        # pixels a side at most (the pixel grows beyond)
STRIP = 256            # rows written at a time
VERTICAL = "DHHN2016 height (EPSG:7837)"


def surface(e: Any, n: Any) -> Any:
    """Give the ground's DHHN2016 height at EPSG:25832 positions (unrounded ``site.ground_height``).

    Args:
        e: easting(s), a number or an array.
        n: northing(s), likewise.

    Returns:
        The height(s) in metres.

    Example:
        >>> from geotwin.twin.sample.site import ground_height
        >>> round(surface(456000.0, 5429500.0), 2) == ground_height(456000.0, 5429500.0)
        True
        >>> surface(np.array([456000.0, 456100.0]), np.array([5429500.0, 5429500.0])).round(4).tolist()
        [114.5816, 114.6216]
    """
    s = site()
    de, dn = np.asarray(e) - s.square[0], np.asarray(n) - s.square[1]
    return GROUND_HEIGHT + GROUND_SLOPE_E * de + GROUND_SLOPE_N * dn


def write_dgm(path: Path, lo: Sequence[Any], hi: Sequence[Any]) -> dict[str, Any]:
    """Write the DGM GeoTIFF over the buildings' extent plus ``MARGIN``.

    Args:
        path: the GeoTIFF to write.
        lo: the extent's lowest e, n[, h] in millimetres.
        hi: the highest e, n[, h] in millimetres.

    Returns:
        Its grid: origin (west, north), pixel size, columns, rows and the vertical datum.

    Example:
        >>> import tempfile
        >>> from osgeo import gdal
        >>> path = Path(tempfile.mkdtemp()) / "dgm.tif"
        >>> grid = write_dgm(path, (455600000, 5428900000), (455700000, 5429000000))
        >>> grid["origin"], grid["columns"], grid["rows"]          # 100 m + 2 x 300 m margin at 1 m
        ([455300.0, 5429300.0], 700, 700)
        >>> ds = gdal.Open(str(path))
        >>> ds.RasterXSize, ds.GetGeoTransform()[:2]
        (700, (455300.0, 1.0))
        >>> abs(float(ds.ReadAsArray()[350, 350]) - surface(455300 + 350.5, 5429300 - 350.5)) < 0.01   # pixel centre
        True
    """
    from osgeo import gdal, osr

    gdal.UseExceptions()
    bbox = (float(lo[0]) / 1000, float(lo[1]) / 1000, float(hi[0]) / 1000, float(hi[1]) / 1000)
    x0 = math.floor((bbox[0] - MARGIN) / 10.0) * 10.0
    y1 = math.ceil((bbox[3] + MARGIN) / 10.0) * 10.0
    width, height = bbox[2] + MARGIN - x0, y1 - (bbox[1] - MARGIN)
    pixel = max(PIXEL, math.ceil(max(width, height) / MAX_SIDE))
    cols, rows = int(math.ceil(width / pixel)), int(math.ceil(height / pixel))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(HORIZONTAL_EPSG)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, 1, gdal.GDT_Float32,
                                              options=["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"])
    ds.SetProjection(srs.ExportToWkt())
    ds.SetGeoTransform((x0, pixel, 0.0, y1, 0.0, -pixel))
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(-9999.0)
    band.SetDescription(VERTICAL)
    band.SetUnitType("m")
    xs = x0 + (np.arange(cols) + 0.5) * pixel
    for r0 in range(0, rows, STRIP):
        ys = y1 - (np.arange(r0, min(r0 + STRIP, rows)) + 0.5) * pixel
        band.WriteArray(surface(xs[None, :], ys[:, None]).astype(np.float32), 0, r0)
    ds.FlushCache()
    ds = None
    return {"origin": [x0, y1], "pixel": pixel, "columns": cols, "rows": rows, "vertical": VERTICAL}
