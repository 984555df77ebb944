"""What a QGIS makes of exported GeoTwin tilesets: the plugin's decision (plugin/tiles_layer.py) and, where
QGIS has the tiled scene layer (3.34+), a 2D wireframe render of each tileset, which decodes the tiles with the
same glTF loader as the 3D view (src/core/tiledscene/qgsgltfutils.cpp).

Usage, in the Python of any QGIS (3.22 too), with the plugin package importable as ``geotwin``:
    scripts/env.sh .venv/bin/python scripts/qgis_tiles_check.py [--images DIR] OUTPUT_FOLDER...
    PYTHONPATH=/folder/holding/geotwin python3 scripts/qgis_tiles_check.py ...   (another QGIS installation)
Prints one JSON line per tileset: qgis version, target, draco, decision, layer_valid, drawn (pixels of a
600 x 600 render that are not background, every second pixel in each direction; None when not rendered),
errors (the renderer's). A tileset the plugin would not add is added by hand to see what QGIS does with it,
except a Draco tileset on a QGIS that does not decode Draco: such a QGIS crashes on it (Debian 13's 3.40.6).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def check(folder: Path, images: Path | None) -> dict:
    import qgis.core as core
    from qgis.core import Qgis, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsProject
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    from geotwin.plugin import tiles_layer as tl

    tileset = folder / "tileset.json"
    project = QgsProject()
    result = tl.add_tileset(tileset, project)
    entry = {"tileset": str(folder), "qgis": Qgis.versionInt(), "target": tl.tileset_target(tileset),
             "draco": tl.tileset_draco(tileset), "decision": result.decision, "layer_valid": None, "drawn": None,
             "errors": []}
    if not hasattr(core, "QgsTiledSceneLayer") or result.decision == tl.NO_DRACO:
        return entry
    layer = result.layer or core.QgsTiledSceneLayer(tl.tiled_scene_uri(tileset), folder.name, tl.PROVIDER)
    entry["layer_valid"] = layer.isValid()
    if not layer.isValid():
        return entry
    layer.setRenderer(core.QgsTiledSceneWireframeRenderer())
    settings = core.QgsMapSettings()
    settings.setLayers([layer])
    crs = QgsCoordinateReferenceSystem("EPSG:3857")
    settings.setDestinationCrs(crs)
    extent = QgsCoordinateTransform(layer.crs(), crs, project).transformBoundingBox(layer.extent())
    settings.setExtent(extent.buffered(extent.width() * 0.05))
    settings.setOutputSize(QSize(600, 600))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = core.QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    if images is not None:
        images.mkdir(parents=True, exist_ok=True)
        image.save(str(images / f"{folder.name}.png"))
    white = QColor(255, 255, 255)
    entry["drawn"] = sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
                         if image.pixelColor(x, y) != white)
    entry["errors"] = sorted({e.message.strip() for e in job.errors()})
    project.clear()
    return entry


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--images", type=Path)
    args = parser.parse_args(argv)
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    for folder in args.folders:
        print(json.dumps(check(folder, args.images)), flush=True)
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
