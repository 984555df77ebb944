"""The web map's search index (search/ beside the tileset, its shards read together): every building of the sample district with its id,
name, address and position, checked against the city model GeoPackage read with pyogrio and placed with pyproj
here; the viewer's config points at it."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from geotwin.twin.examples import sample_twin
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.search_index import SEARCH_COLUMNS, SEARCH_DIR, SEARCH_FILE


def expected_buildings(gpkg) -> dict[str, dict]:
    """id -> name, address and the centre of the 3D box (lon, lat, ellipsoidal height through the model's
    geoid offset read from the export report) from the GeoPackage."""
    frame = pyogrio.read_dataframe(gpkg, layer="buildings")
    out = {}
    for row in frame.itertuples():
        xyz = shapely.get_coordinates(row.geometry, include_z=True)
        lo, hi = xyz.min(0), xyz.max(0)
        street = " ".join(str(v) for v in (row.street, row.house_number) if v)
        town = " ".join(str(v) for v in (row.postal_code, row.city) if v)
        out[row.id] = {"name": row.name or "", "address": ", ".join(p for p in (street, town) if p),
                       "centre": (lo + hi) / 2, "half_diagonal": float(np.linalg.norm(hi - lo) / 2)}
    return out


def test_search_index_lists_every_building_with_address_and_position(tmp_path):
    city = sample_twin().city
    result = export_3dtiles(city, tmp_path / "tiles", ExportOptions(cesium_url="https://cesium.example/Cesium.js"),
                            CollectingReporter())
    index = json.loads((tmp_path / "tiles" / SEARCH_FILE).read_text(encoding="utf-8"))
    assert index["columns"] == list(SEARCH_COLUMNS) == ["id", "name", "address", "lon", "lat", "height", "radius"]
    rows = {}
    for shard in index["shards"].values():
        doc = json.loads((tmp_path / "tiles" / SEARCH_DIR / shard["file"]).read_text(encoding="utf-8"))
        for r in doc["rows"]:   # a building listed in several shards is the same row in each
            assert rows.setdefault(r[0], dict(zip(doc["columns"], r))) == dict(zip(doc["columns"], r))
    expected = expected_buildings(city)
    assert sorted(rows) == sorted(expected) and len(rows) == 12
    assert rows["DEBW_KA_0000005"]["address"] == "Kaiserstraße 57, 76133 Karlsruhe"
    assert rows["DEBW_KA_0000001"]["name"] == "Friedrichsplatz-Schule"
    to_geo = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
    report = json.loads((tmp_path / "tiles" / REPORT_NAME).read_text(encoding="utf-8"))
    assert report["search"] == {"file": SEARCH_FILE, "buildings": 12, "shards": len(index["shards"])}
    scale = np.array([111_320 * math.cos(math.radians(49.0)), 110_950])
    for fid, want in expected.items():
        got = rows[fid]
        assert (got["name"], got["address"]) == (want["name"], want["address"])
        lon, lat = to_geo.transform(*want["centre"][:2])
        # the ENU box of the export and the source CRS's box agree to well under a metre for a house
        assert np.linalg.norm((np.array([got["lon"], got["lat"]]) - [lon, lat]) * scale) < 1.0, (fid, got)
        # the box's centre height: the normal height plus a geoid undulation of Karlsruhe's (47-49 m)
        assert 46.5 < got["height"] - want["centre"][2] < 49.5, (fid, got["height"], want["centre"])
        assert abs(got["radius"] - want["half_diagonal"]) < 1.0, (fid, got, want)
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>',
                                  (tmp_path / "tiles" / "viewer" / "index.html").read_text(encoding="utf-8"),
                                  re.S).group(1))
    assert config["searchUrl"] == "../search/index.json"
    assert result.tiles == 1
