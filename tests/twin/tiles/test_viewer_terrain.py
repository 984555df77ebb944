"""The web map with the export's terrain and a basemap in headless chromium (Debian's, playwright-core), offline:
every non-loopback request aborted. The viewer's CesiumTerrainProvider reads terrain/layer.json and its tiles,
globe.getHeight at buildings of the sample district gives their ground height (as in the 3D Tiles) within
0.5 m, and the imagery comes from a local XYZ tile server."""
from __future__ import annotations

import functools
import json
import shutil

from geotwin.tests.paths import ROOT
from geotwin.tests.twin.tiles.browser_job import run_job
from geotwin.tests.twin.tiles.test_terrain import building_grounds
from geotwin.tests.twin.tiles.test_viewer_webmap import QuietHandler, TileHandler, serve
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles
from geotwin.twin.tiles.viewer import Basemap

DRIVER = ROOT / "tests" / "browser" / "webmap.cjs"
TOLERANCE = 0.5
SAMPLES = 2   # buildings whose ground the browser samples

# Waits (at most ~20 s of frames) until the globe has loaded its tiles for the view, then samples the terrain
# at the given points: the globe's rendered surface (getHeight) and the provider's finest tiles.
SAMPLE_JS = """(async (points) => {
  const viewer = window.geotwin.viewer, globe = viewer.scene.globe;
  let frames = 0;
  for (let calm = 0; frames < 600 && calm < 3; frames++) {
    await new Promise((done) => requestAnimationFrame(done));
    calm = globe.tilesLoaded ? calm + 1 : 0;
  }
  const t0 = performance.now();
  const carto = points.map((p) => Cesium.Cartographic.fromDegrees(p[0], p[1]));
  const globeHeights = carto.map((c) => { const h = globe.getHeight(c); return h === undefined ? null : h; });
  const finest = await Cesium.sampleTerrainMostDetailed(viewer.terrainProvider, carto.map((c) => c.clone()));
  const provider = viewer.terrainProvider;
  return {globe: globeHeights, finest: finest.map((c) => c.height), tilesLoaded: globe.tilesLoaded, frames: frames,
          sampleMs: performance.now() - t0,
          cesiumTerrain: provider instanceof Cesium.CesiumTerrainProvider, normals: provider.hasVertexNormals,
          terrainFlag: window.geotwin.terrain};
})(%s)"""


def test_viewer_shows_terrain_and_basemap_offline(tmp_path):
    node = shutil.which("node")
    assert node, "node is required for the browser test"
    district = generate_district(tmp_path / "district", buildings=40, seed=2, formats=("citygml", "dgm"))
    gpkg = tmp_path / "district.gpkg"
    import_citymodel([district.path("citygml")], gpkg, None, "highest", CollectingReporter())
    site = tmp_path / "site"
    site.mkdir()
    server, base = serve(functools.partial(QuietHandler, directory=str(site)))
    TileHandler.requested = []
    tiles, tile_base = serve(TileHandler)
    try:
        export_3dtiles(gpkg, site / "city", ExportOptions(
            terrain=str(district.path("dgm")), compression=False,
            basemap=Basemap(tile_base + "/tiles/{z}/{x}/{y}.png", "© Test tiles", max_zoom=18)), CollectingReporter())
        grounds = building_grounds(site / "city")
        chosen = sorted(grounds)[::max(1, len(grounds) // SAMPLES)][:SAMPLES]
        steps, expected = [{"wait": "window.geotwin.terrain === true"}], []
        for k, bid in enumerate(chosen):
            pts = grounds[bid]
            lon, lat, h = pts.mean(axis=0)
            # the footprint's centre and a point ~3 m south of its southern edge (on open ground)
            points = [[lon, lat], [lon, pts[:, 1].min() - 3.0 / 111_200]]
            steps += [{"lookAt": [lon, lat, h, 0, -40, 160]}, {"eval": SAMPLE_JS % json.dumps(points), "as": str(k)}]
            expected.append((bid, float(h)))
        job = {"timeoutMs": 90000, "pages": [{"url": f"{base}/city/viewer/index.html", "locale": "de-DE",
                                              "viewport": {"width": 640, "height": 480},
                                              "steps": steps}]}
        result = run_job(node, DRIVER, job, tmp_path, timeout=900)
    finally:
        for s in (server, tiles):
            s.shutdown()
            s.server_close()
    assert result["foreignRequests"] == []
    (page,) = result["pages"]
    assert "error" not in page, page.get("error")
    assert page["pageErrors"] == [] and page["consoleErrors"] == [] and page["failedRequests"] == [], page
    assert all(u.startswith((base + "/", tile_base + "/", "data:", "blob:")) for u in page["requests"])
    assert any(u.startswith(f"{base}/city/terrain/layer.json") for u in page["requests"])
    assert sum(".terrain" in u for u in page["requests"]) >= 3
    assert any(u.startswith(tile_base + "/tiles/") for u in page["requests"])   # the basemap
    assert not any("NaturalEarthII" in u for u in page["requests"])
    worst = 0.0
    for k, (bid, ground) in enumerate(expected):
        t = page["values"][str(k)]
        assert t["cesiumTerrain"] and t["normals"] and t["terrainFlag"] and t["tilesLoaded"], t
        for height in [*t["globe"], *t["finest"]]:
            assert height is not None, t
            assert abs(height - ground) < TOLERANCE, (bid, height, ground)
            worst = max(worst, abs(height - ground))
    assert [r for r in TileHandler.requested if r.startswith("/tiles/")]
    print(f"\nbrowser terrain vs building ground: worst {worst:.3f} m over {len(expected)} buildings")
