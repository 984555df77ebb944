"""Host side of the QGIS >= 3.34 tests (scripts/qgis-next-test.sh): the sample district exported as 3D Tiles for
both target clients, and what the tests in the chroot compare QGIS with, computed here without QGIS.

Usage: scripts/env.sh .venv/bin/python tests/qgis_next/prepare.py OUTPUT_FOLDER [BUILDINGS]

Writes into OUTPUT_FOLDER: district/ (CityGML and dgm.tif of the generator), citymodel.gpkg, tiles-qgis/ (target
"qgis": float positions), tiles-cesium/ (target "cesium": quantised + meshopt) and expected.json:
- ``crs``: the district's CRS; ``region``: the root tile's bounding volume of tiles-qgis as longitude/latitude
  bounds (``tileset_region``); ``footprints_lonlat``: the footprints' bounds in longitude/latitude;
- ``buildings``: every building's footprint (the district CRS, read by OGR), its centroid, its ground height and the
  DGM's height there (GDAL, nearest pixel, as QGIS's raster sample);
- ``inside`` / ``outside``: points at least 1 m inside a footprint / at least 6 m from every footprint (shapely),
  where a 2D render of the tileset must be drawn / stay background.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

BUILDINGS = 40


def _footprints(gpkg: Path) -> tuple[str, list[dict]]:
    from osgeo import ogr

    ds = ogr.Open(str(gpkg))
    layer = ds.GetLayerByName("footprints") or ds.GetLayerByName("buildings")
    crs = layer.GetSpatialRef()
    rows = []
    for feature in layer:
        geometry = feature.GetGeometryRef()
        geometry.FlattenTo2D()
        rows.append({"wkt": geometry.ExportToWkt()})
    buildings = ds.GetLayerByName("buildings")
    ground = {}
    for feature in buildings:
        centre = feature.GetGeometryRef().Centroid()
        ground[feature.GetField("id")] = (centre.GetX(), centre.GetY(), feature.GetField("ground_height"))
    authority = f"{crs.GetAuthorityName(None)}:{crs.GetAuthorityCode(None)}"
    return authority, [{"id": k, "x": v[0], "y": v[1], "ground": v[2]} for k, v in sorted(ground.items())] + rows


def _dgm_height(path: Path, x: float, y: float) -> float:
    from osgeo import gdal

    ds = gdal.Open(str(path))
    gt = ds.GetGeoTransform()
    col, row = int((x - gt[0]) / gt[1]), int((y - gt[3]) / gt[5])
    return float(ds.ReadAsArray(col, row, 1, 1)[0][0])


def tileset_region(tileset: Path) -> list[float]:
    """[west, south, east, north] (degrees, EPSG:4979) of the root tile's bounding volume: the eight corners of
    its box (or the region itself), through the root transform to ECEF, then to longitude/latitude (pyproj)."""
    import numpy as np
    from pyproj import Transformer

    root = json.loads(tileset.read_text(encoding="utf-8"))["root"]
    volume = root["boundingVolume"]
    if "region" in volume:
        return [math.degrees(v) for v in volume["region"][:4]]
    box = np.array(volume["box"], dtype=float)
    centre, axes = box[:3], box[3:].reshape(3, 3)
    corners = np.array([centre + a * axes[0] + b * axes[1] + c * axes[2]
                        for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)])
    matrix = np.array(root.get("transform", np.eye(4).ravel()), dtype=float).reshape(4, 4).T  # column-major
    ecef = (matrix @ np.c_[corners, np.ones(8)].T).T[:, :3]
    lon, lat, _ = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*ecef.T)
    return [float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())]


def _lonlat_bounds(footprints: list, crs: str) -> list[float]:
    """[west, south, east, north] (degrees) of all footprints' vertices (pyproj, always_xy)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    points = [transformer.transform(x, y) for f in footprints for part in getattr(f, "geoms", [f])
              for x, y in part.exterior.coords]
    return [min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points),
            max(p[1] for p in points)]


def _sample_points(footprints: list, bounds: tuple[float, float, float, float]) -> tuple[list, list]:
    """Grid points (every 4 m) inside a footprint by >= 1 m, and points >= 6 m away from every footprint."""
    from shapely import STRtree
    from shapely.geometry import Point

    tree = STRtree(footprints)
    inside, outside = [], []
    x0, y0, x1, y1 = bounds
    nx, ny = int((x1 - x0) / 4), int((y1 - y0) / 4)
    for i in range(1, nx):          # not on the bounds' edges (the render's last pixel)
        for j in range(1, ny):
            point = Point(x0 + i * 4.0, y0 + j * 4.0)
            near = tree.query(point, predicate="dwithin", distance=6.0)
            if len(near) == 0:
                outside.append([point.x, point.y])
            elif any(footprints[k].buffer(-1.0).contains(point) for k in near):
                inside.append([point.x, point.y])
    return inside, outside


def prepare(out: Path, buildings: int = BUILDINGS) -> dict:
    from shapely import wkt

    from geotwin.twin.citymodel.importer import import_citymodel
    from geotwin.twin.kernel.progress import CollectingReporter
    from geotwin.twin.sample.generator import generate_district
    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

    out.mkdir(parents=True, exist_ok=True)
    manifest = generate_district(out / "district", buildings=buildings, formats=("citygml", "dgm"))
    gml, dgm = out / "district" / manifest.files["citygml"], out / "district" / manifest.files["dgm"]
    gpkg = out / "citymodel.gpkg"
    import_citymodel([gml], gpkg, None, "2", CollectingReporter())
    export_3dtiles(gpkg, out / "tiles-qgis", ExportOptions(target="qgis", viewer=False), CollectingReporter())
    export_3dtiles(gpkg, out / "tiles-cesium", ExportOptions(viewer=False), CollectingReporter())
    crs, rows = _footprints(gpkg)
    centres = [r for r in rows if "id" in r]
    footprints = [wkt.loads(r["wkt"]) for r in rows if "wkt" in r]
    for row in centres:
        row["dgm"] = _dgm_height(dgm, row["x"], row["y"])
    xs = [c for f in footprints for c in (f.bounds[0], f.bounds[2])]
    ys = [c for f in footprints for c in (f.bounds[1], f.bounds[3])]
    bounds = (min(xs) - 20, min(ys) - 20, max(xs) + 20, max(ys) + 20)
    inside, outside = _sample_points(footprints, bounds)
    region = tileset_region(out / "tiles-qgis" / "tileset.json")
    expected = {"crs": crs, "bounds": bounds, "dgm": str(dgm.relative_to(out)), "buildings": centres,
                "footprints": [f.wkt for f in footprints], "inside": inside, "outside": outside,
                "region": region, "footprints_lonlat": _lonlat_bounds(footprints, crs)}
    (out / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    return expected


if __name__ == "__main__":
    result = prepare(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else BUILDINGS)
    print(f"prepared {len(result['buildings'])} buildings, {len(result['inside'])} inside and "
          f"{len(result['outside'])} outside points, region {result['region']}")
