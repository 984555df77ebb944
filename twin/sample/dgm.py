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
    """The ground's DHHN2016 height at EPSG:25832 positions (unrounded ``site.ground_height``)."""
    s = site()
    de, dn = np.asarray(e) - s.square[0], np.asarray(n) - s.square[1]
    return GROUND_HEIGHT + GROUND_SLOPE_E * de + GROUND_SLOPE_N * dn


def write_dgm(path: Path, lo: Sequence[Any], hi: Sequence[Any]) -> dict[str, Any]:
    """Write the DGM over the buildings' extent ``lo``..``hi`` (e, n[, h] in millimetres) plus ``MARGIN``;
    return its grid (origin, pixel size, columns, rows). Example: ``write_dgm(folder / "dgm.tif",
    (455600000, 5428900000), (456900000, 5430100000))``."""
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
