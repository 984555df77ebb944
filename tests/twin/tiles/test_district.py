"""3D Tiles of the generated Karlsruhe sample district: tile sizes, per-building budget, placement."""
from __future__ import annotations

import json

import numpy as np
import pyogrio
from pyproj import Transformer

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.frame import gltf_to_enu
from geotwin.twin.tiles.reader import Tile

BUILDINGS = 1200


def test_generated_district_sizes_and_placement(tmp_path):
    district = generate_district(tmp_path / "district", buildings=BUILDINGS, formats=("citygml",))
    gpkg = tmp_path / "district.gpkg"
    import_citymodel([district.path("citygml")], gpkg, None, "highest", CollectingReporter())
    out = tmp_path / "tiles"
    export_3dtiles(gpkg, out, ExportOptions(viewer=False), CollectingReporter())
    tileset = json.loads((out / "tileset.json").read_text())
    report = json.loads((out / REPORT_NAME).read_text())

    # sizes from the files themselves
    leaves, contents = [], []

    def walk(tile):
        if "content" in tile:
            size = (out / tile["content"]["uri"]).stat().st_size
            contents.append(size)
            if not tile.get("children"):
                leaves.append(size)
        for child in tile.get("children", []):
            walk(child)

    walk(tileset["root"])
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and p.name != REPORT_NAME)
    n = len(pyogrio.read_dataframe(gpkg, layer="buildings", read_geometry=False))
    assert n == BUILDINGS
    assert len(leaves) >= 4
    assert np.percentile(leaves, 95) <= 250_000
    assert max(contents) <= 1_000_000
    assert total / n <= 1024, f"{total / n:.0f} bytes per building"
    assert report["sizes"]["total_bytes"] == total

    # every building is in exactly one leaf, with its id in the leaf's property table
    ids = []
    for t in report["tiles"]:
        if t["leaf"]:
            ids += Tile.open(out / t["uri"]).property_table()["id"]
    assert sorted(ids) == sorted(pyogrio.read_dataframe(gpkg, layer="buildings", read_geometry=False)["id"])

    # the district lies where its buildings are (their EPSG:25832 bounds in WGS 84), around Friedrichsplatz
    # in Karlsruhe (the manifest's bbox, which holds the generated blocks but not the landmarks, within 10 m)
    manifest = json.loads(district.path("manifest").read_text())
    x0, y0, x1, y1 = pyogrio.read_dataframe(gpkg, layer="buildings").total_bounds
    lons, lats = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform(
        [x0, x0, x1, x1], [y0, y1, y0, y1])
    west, south, east, north = min(lons), min(lats), max(lons), max(lats)
    assert np.allclose([west, south, east, north], manifest["bbox_wgs84"], atol=1.5e-4)
    m = np.array(tileset["root"]["transform"]).reshape(4, 4).T
    to_geo = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    for t in report["tiles"]:
        enu = gltf_to_enu(Tile.open(out / t["uri"]).positions())
        ecef = enu @ m[:3, :3].T + m[:3, 3]
        lon, lat, _ = to_geo.transform(ecef[:, 0], ecef[:, 1], ecef[:, 2])
        assert (west - 1e-6 <= lon).all() and (lon <= east + 1e-6).all()
        assert (south - 1e-6 <= lat).all() and (lat <= north + 1e-6).all()
