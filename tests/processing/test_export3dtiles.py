"""geotwin:export3dtiles through QGIS Processing on the real FZK-Haus city model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio
from pyproj import Transformer

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.frame import gltf_to_enu
from geotwin.twin.tiles.reader import Tile

FZK_LOD2 = "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"


def test_export3dtiles_algorithm(run_alg, shared_data, tmp_path):
    gpkg = tmp_path / "fzk.gpkg"
    import_citymodel([shared_data / FZK_LOD2], gpkg, None, "2", CollectingReporter())
    out = tmp_path / "tiles"
    result = run_alg("geotwin:export3dtiles", {
        "INPUT": str(gpkg), "OUTPUT": str(out), "FORMAT": 0, "FEATURES": 1, "COMPRESSION": True,
        "IMPLICIT": False, "GEOID": 2, "VIEWER": True})
    assert Path(result["OUTPUT"]) == out.resolve() or Path(result["OUTPUT"]) == out
    assert result["TILES"] == 1
    assert result["HEIGHT_METHOD"] == "egm96"
    tileset = json.loads(Path(result["TILESET"]).read_text())
    assert tileset["asset"]["version"] == "1.1"
    assert tileset["asset"]["extras"]["geotwin"]["heightModel"]["method"] == "egm96"
    assert (out / "viewer" / "index.html").is_file()
    tile = Tile.open(out / tileset["root"]["content"]["uri"])
    # one building, its 7 LoD2 surfaces as surface features (FZK-Haus: 2 roofs, 4 walls, 1 ground)
    building_ids = list(pyogrio.read_dataframe(gpkg, layer="buildings", read_geometry=False)["id"])
    assert tile.property_table(0)["id"] == building_ids and len(building_ids) == 1
    assert len(tile.property_table(1)["id"]) == 7
    # placed near KIT Campus North
    m = np.array(tileset["root"]["transform"]).reshape(4, 4).T
    ecef = gltf_to_enu(tile.positions()) @ m[:3, :3].T + m[:3, 3]
    lon, lat, _ = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*ecef.mean(axis=0))
    assert 49.09 < lat < 49.11 and 8.41 < lon < 8.44


def test_export3dtiles_target_qgis_with_draco(run_alg, shared_data, tmp_path):
    """Target client "QGIS 3D tiles layer" with Draco compression: float positions in a required Draco buffer,
    the target in tileset.json and in the outputs; Draco for the Cesium web map is refused."""
    import pytest
    from qgis.core import QgsProcessingException

    gpkg = tmp_path / "fzk.gpkg"
    import_citymodel([shared_data / FZK_LOD2], gpkg, None, "2", CollectingReporter())
    result = run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "tiles"), "TARGET": 1,
                                               "DRACO": True, "VIEWER": False})
    assert result["TARGET"] == "qgis"
    tileset = json.loads(Path(result["TILESET"]).read_text())
    assert tileset["asset"]["extras"]["geotwin"]["target"] == "qgis"
    assert tileset["asset"]["extras"]["geotwin"]["draco"] is True
    tile = Tile.open(tmp_path / "tiles" / tileset["root"]["content"]["uri"])
    position = tile.gltf["accessors"][tile.primitive()["attributes"]["POSITION"]]
    assert (position["componentType"], position["type"]) == (5126, "VEC3") and "bufferView" not in position
    assert tile.gltf["extensionsRequired"] == ["KHR_draco_mesh_compression"]
    with pytest.raises(QgsProcessingException, match="Draco compression is for the target client"):
        run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "cesium"), "TARGET": 0,
                                          "DRACO": True, "VIEWER": False})
    assert not (tmp_path / "cesium").exists()


def test_export3dtiles_terrain_and_basemap(run_alg, tmp_path):
    """TERRAIN (the sample district's DGM as a raster layer source), BASEMAP_URL/_ATTRIBUTION into the viewer's
    config; the error branches of the parameters."""
    import re

    import pytest
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    from geotwin.twin.sample.generator import generate_district

    district = generate_district(tmp_path / "district", buildings=20, seed=0, formats=("citygml", "dgm"))
    gpkg = tmp_path / "district.gpkg"
    import_citymodel([district.path("citygml")], gpkg, None, "highest", CollectingReporter())
    out = tmp_path / "tiles"
    url = "http://127.0.0.1:8000/tiles/{z}/{x}/{y}.png"
    messages = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, text):  # noqa: N802 - QGIS API name
            messages.append(text)
            super().pushInfo(text)

    result = run_alg("geotwin:export3dtiles", {
        "INPUT": str(gpkg), "OUTPUT": str(out), "TERRAIN": str(district.path("dgm")),
        "BASEMAP_URL": url, "BASEMAP_ATTRIBUTION": "© Test", "BASEMAP_MAX_ZOOM": 17}, Feedback())
    layer = json.loads((out / "terrain" / "layer.json").read_text())
    terrain_files = sorted((out / "terrain").rglob("*.terrain"))
    assert result["TERRAIN_TILES"] == len(terrain_files) > 2
    finest = max(int(f.relative_to(out / "terrain").parts[0]) for f in terrain_files)
    # read from the typed report (ExportReport.terrain), as export_report.json has it
    assert f"Terrain: {len(terrain_files)} tiles (levels 0 to {finest}) from dgm.tif" in messages
    assert layer["format"] == "quantized-mesh-1.0"
    html = (out / "viewer" / "index.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>', html, re.S).group(1))
    assert config["terrainUrl"] == "../terrain"
    assert config["basemap"] == {"type": "xyz", "url": url, "attribution": "© Test", "maxZoom": 17,
                                 "subdomains": "abc"}
    plain = run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "plain")})
    assert plain["TERRAIN_TILES"] == 0 and not (tmp_path / "plain" / "terrain").exists()
    html = (tmp_path / "plain" / "viewer" / "index.html").read_text(encoding="utf-8")
    config = json.loads(re.search(r'id="geotwin-config">(.*?)</script>', html, re.S).group(1))
    assert config["terrainUrl"] is None and config["basemap"] == {"type": "bundled"}
    with pytest.raises(QgsProcessingException, match="either a terrain raster or the TIN relief"):
        run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "x"),
                                          "TERRAIN": str(district.path("dgm")), "TERRAIN_RELIEF": True})
    with pytest.raises(QgsProcessingException, match="attribution was given without the basemap URL"):
        run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "x"),
                                          "BASEMAP_ATTRIBUTION": "© Test"})
    with pytest.raises(QgsProcessingException, match="a basemap needs its attribution"):
        run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "x"), "BASEMAP_URL": url})
    with pytest.raises(QgsProcessingException, match=r"the terrain needs \d+ tiles"):
        run_alg("geotwin:export3dtiles", {"INPUT": str(gpkg), "OUTPUT": str(tmp_path / "x"),
                                          "TERRAIN": str(district.path("dgm")), "TERRAIN_MAX_TILES": 10})
    assert not (tmp_path / "x").exists()
