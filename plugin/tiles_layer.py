"""QGIS as a 3D Tiles client: add an exported tileset to the project as a tiled scene layer (QGIS 3.34+).

QGIS 3.34 brought the tiled scene layer (``QgsTiledSceneLayer``, provider ``cesiumtiles``). Its glTF loader
reads only FLOAT VEC3 positions and knows neither KHR_mesh_quantization nor EXT_meshopt_compression, so it
shows only tilesets exported for the target client "QGIS 3D tiles layer" (``ExportOptions.target == "qgis"``,
recorded in tileset.json ``asset.extras.geotwin.target``). ``tiles_client`` decides, from the QGIS version
number alone, what happens to a tileset:

- ``ADD_LAYER``: QGIS >= 3.34 and a tileset for QGIS: added as a tiled scene layer with a 3D renderer;
- ``CESIUM_ONLY``: QGIS >= 3.34 but a tileset for the Cesium web map: not added, a warning says to export
  with the target client "QGIS 3D tiles layer";
- ``NO_DRACO``: QGIS >= 3.34 and a Draco-compressed tileset, but this QGIS was not shown to decode Draco
  (``qgis_decodes_draco``): not added, a warning says to export without Draco. QGIS decodes
  KHR_draco_mesh_compression only when built with Draco, and a build without it crashes on such tiles
  (seen: Debian 13's QGIS 3.40.6 segfaults rendering them);
- ``VECTOR_3D``: QGIS older than 3.34 (Debian 12 has 3.22): nothing is added, one message points to the
  vector 3D view of the twin (Plugins > GeoTwin > Open twin…), which stays as it is.

Every use of the 3.34 API is guarded by ``Qgis.versionInt()`` and ``hasattr``, so the module imports and
runs on 3.22. ``register`` hooks ``after_export`` into geotwin:export3dtiles (QGIS desktop only).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgis.core import Qgis, QgsDataSourceUri, QgsMessageLog, QgsProject
from qgis.PyQt.QtCore import QCoreApplication, QThread, QUrl

from ..processing.algorithm import tr
from ..twin.kernel.errors import GeoTwinError

#: Qgis.versionInt() of the first QGIS with the tiled scene layer (3.34.0)
TILED_SCENE_VERSION = 33400
PROVIDER = "cesiumtiles"
TARGETS = ("cesium", "qgis")
ADD_LAYER, CESIUM_ONLY, NO_DRACO, VECTOR_3D = "add-layer", "cesium-only", "no-draco", "vector-3d"
LOG_TAG = "GeoTwin"
#: the name tinygltf looks for in a primitive: in QGIS's core library only where it was built with Draco
DRACO_MARK = b"KHR_draco_mesh_compression"


def tiles_client(version: int, target: str, draco: bool = False, decodes_draco: bool | None = None) -> str:
    """What the plugin does with a tileset exported for ``target`` ("cesium" or "qgis"; ``draco``: with
    KHR_draco_mesh_compression) on the QGIS whose ``Qgis.versionInt()`` is ``version`` (e.g. 32216 for 3.22.16,
    33400 for 3.34.0) and which decodes Draco (``decodes_draco``: True, False or None for unknown).

    Returns ``ADD_LAYER``, ``CESIUM_ONLY``, ``NO_DRACO`` or ``VECTOR_3D`` (see the module). GeoTwinError for
    an unknown target.

    Example: ``tiles_client(33400, "qgis") == ADD_LAYER``; ``tiles_client(32216, "qgis") == VECTOR_3D``;
    ``tiles_client(34006, "qgis", draco=True, decodes_draco=False) == NO_DRACO``.
    """
    if target not in TARGETS:
        raise GeoTwinError(f"unknown target client {target!r}: use {' or '.join(TARGETS)}")
    if version < TILED_SCENE_VERSION:
        return VECTOR_3D
    if target != "qgis":
        return CESIUM_ONLY
    return NO_DRACO if draco and decodes_draco is not True else ADD_LAYER


def _core_libraries() -> list[Path]:
    """The file(s) of QGIS's core library in this process: from /proc/self/maps (Linux), else beside
    QGIS's library and prefix paths (Windows qgis_core.dll, macOS qgis_core.framework)."""
    found: list[Path] = []
    maps = Path("/proc/self/maps")
    if maps.is_file():
        for line in maps.read_text(encoding="utf-8", errors="replace").splitlines():
            path = line.split(maxsplit=5)[-1] if len(line.split(maxsplit=5)) == 6 else ""
            if "qgis_core" in Path(path).name and Path(path) not in found:
                found.append(Path(path))
    if not found:
        from qgis.core import QgsApplication

        for root in {QgsApplication.libraryPath(), QgsApplication.prefixPath()}:
            for pattern in ("**/qgis_core.dll", "**/qgis_core.framework/qgis_core", "**/libqgis_core.so*"):
                found += [p for p in Path(root).glob(pattern) if p.is_file()][:1]
    return found


def qgis_decodes_draco() -> bool | None:
    """Whether this QGIS's glTF loader decodes KHR_draco_mesh_compression: QGIS compiles tinygltf's Draco
    decoding (and so the extension's name) into its core library only when built with Draco. None when the
    core library cannot be found or read."""
    import mmap

    for path in _core_libraries():
        try:
            with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return data.find(DRACO_MARK) >= 0
        except (OSError, ValueError):
            continue
    return None


def version_text(version: int) -> str:
    """``33401`` -> ``"3.34.1"`` (Qgis.versionInt(): major * 10000 + minor * 100 + patch)."""
    return f"{version // 10000}.{version // 100 % 100}.{version % 100}"


def tileset_target(tileset: str | Path) -> str:
    """The target client recorded in a GeoTwin tileset.json (``asset.extras.geotwin.target``); "cesium" for
    tilesets written before targets existed (they were all quantised). GeoTwinError naming the file when it
    is no readable tileset."""
    path = Path(tileset)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        extras = data["asset"].get("extras", {}).get("geotwin", {}) if isinstance(data, dict) else None
    except (OSError, ValueError, KeyError, AttributeError) as err:
        raise GeoTwinError(f"{path}: not a readable 3D Tiles tileset.json ({err})") from err
    if extras is None:
        raise GeoTwinError(f"{path}: not a readable 3D Tiles tileset.json (no JSON object)")
    target = str(extras.get("target", "cesium"))
    if target not in TARGETS:
        raise GeoTwinError(f"{path}: unknown target client {target!r} in asset.extras.geotwin")
    return target


def tileset_draco(tileset: str | Path) -> bool:
    """Whether a GeoTwin tileset.json says its tiles are Draco-compressed (``asset.extras.geotwin.draco``)."""
    path = Path(tileset)
    tileset_target(path)   # the same checks and errors
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["asset"].get("extras", {}).get("geotwin", {}).get("draco") is True


def tiled_scene_uri(tileset: str | Path) -> str:
    """The ``cesiumtiles`` provider's data source of a local tileset.json: ``url=file:///...`` (encoded as
    QgsDataSourceUri does, so spaces, ``&`` and non-ASCII characters in the path survive)."""
    uri = QgsDataSourceUri()
    uri.setParam("url", QUrl.fromLocalFile(str(Path(tileset).resolve())).toString())
    return bytes(uri.encodedUri()).decode("utf-8")


@dataclass
class TilesResult:
    """What ``add_tileset`` did: its decision (``tiles_client``), the layer it added (or None), the message
    for the user and its level (Qgis.Info, Qgis.Success or Qgis.Warning)."""

    decision: str
    layer: Any
    message: str
    level: Any


def _messages(tileset: Path, version: int) -> dict[str, str]:
    return {
        VECTOR_3D: tr("QGIS {0} cannot show 3D Tiles (the 3D tiles layer needs QGIS 3.34 or later): {1} was not "
                      "added. Open the twin GeoPackage with Plugins > GeoTwin > Open twin… for its vector 3D view, "
                      "or look at the tileset in the web map (viewer/index.html).").format(version_text(version),
                                                                                           tileset),
        CESIUM_ONLY: tr("{0} was exported for the Cesium web map (quantised positions, meshopt compression), which "
                        "the QGIS 3D tiles layer cannot display, so it was not added. Export again with the target "
                        "client \"QGIS 3D tiles layer\" to see it in QGIS.").format(tileset),
        ADD_LAYER: tr("Added {0} as a 3D tiles layer; open a 3D map view (View > 3D Map Views) to see it.")
        .format(tileset),
        NO_DRACO: tr("{0} is Draco-compressed (KHR_draco_mesh_compression), and this QGIS does not show that it "
                     "decodes Draco (QGIS built without Draco even crashes on such tiles), so it was not added. "
                     "Export again with the target client \"QGIS 3D tiles layer\" without \"Draco compression\".")
        .format(tileset),
    }


def add_tileset(tileset: str | Path, project: QgsProject | None = None, name: str | None = None,
                version: int | None = None, target: str | None = None, draco: bool | None = None,
                decodes_draco: bool | None = None) -> TilesResult:
    """Add a GeoTwin tileset to ``project`` (default: the current project) as a tiled scene layer when this
    QGIS (``version``, default ``Qgis.versionInt()``) can show it: exported for QGIS (``target``, default: read
    from the tileset) and, when Draco-compressed (``draco``, default: read from the tileset), decoded by this
    QGIS (``decodes_draco``, default ``qgis_decodes_draco()``). Returns what was done and the message for the
    user; GeoTwinError when QGIS cannot open the tileset."""
    path = Path(tileset)
    version = Qgis.versionInt() if version is None else version
    target = target or tileset_target(path)
    draco = tileset_draco(path) if draco is None else draco
    if draco and decodes_draco is None and version >= TILED_SCENE_VERSION:
        decodes_draco = qgis_decodes_draco()
    decision = tiles_client(version, target, draco, decodes_draco)
    messages = _messages(path, version)
    if decision in (CESIUM_ONLY, NO_DRACO):
        return TilesResult(decision, None, messages[decision], Qgis.Warning)
    import qgis.core as core

    if decision == ADD_LAYER and not hasattr(core, "QgsTiledSceneLayer"):  # a QGIS that lies about its version
        decision = VECTOR_3D
        messages[VECTOR_3D] = tr("This QGIS ({0}) has no 3D tiles layer (QgsTiledSceneLayer): {1} was not added. "
                                 "Open the twin GeoPackage with Plugins > GeoTwin > Open twin… for its vector 3D "
                                 "view.").format(Qgis.QGIS_VERSION, path)
    if decision == VECTOR_3D:
        return TilesResult(decision, None, messages[decision], Qgis.Info)
    layer = core.QgsTiledSceneLayer(tiled_scene_uri(path), name or path.parent.name, PROVIDER)
    if not layer.isValid():
        raise GeoTwinError(f"QGIS could not open {path} as a 3D tiles layer: {layer.error().summary()}")
    _add_3d_renderer(layer)
    (project or QgsProject.instance()).addMapLayer(layer)
    return TilesResult(decision, layer, messages[decision], Qgis.Success)


def _add_3d_renderer(layer: Any) -> bool:
    """Give the layer the tiled scene 3D renderer, as QGIS desktop does for a layer added by hand (the API adds
    none); False where QGIS has no 3D library."""
    if layer.renderer3D() is not None:
        return True
    try:
        from qgis._3d import QgsTiledSceneLayer3DRenderer
    except ImportError:
        return False
    layer.setRenderer3D(QgsTiledSceneLayer3DRenderer())
    return True


def after_export(tileset: str, target: str, draco: bool, feedback: Any) -> TilesResult | None:
    """geotwin:export3dtiles' ``after_export`` handler: ``add_tileset`` and its one message in the algorithm's
    log (a warning for a Cesium-only tileset). Only in the main thread (a model running in the background
    adds nothing: use Plugins > GeoTwin > Add 3D tileset… then)."""
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() != app.thread():
        return None
    try:
        result = add_tileset(tileset, target=target, draco=draco)
    except GeoTwinError as err:
        feedback.pushWarning(str(err))
        return None
    if result.level == Qgis.Warning:
        feedback.pushWarning(result.message)
    else:
        feedback.pushInfo(result.message)
    if draco and result.layer is not None:
        feedback.pushInfo(tr("The tiles are Draco-compressed: QGIS shows them only where it was built with Draco."))
    return result


def register() -> None:
    """Hook ``after_export`` into geotwin:export3dtiles (the plugin's initGui)."""
    from ..processing.algorithms.export3dtiles import Export3DTiles

    if after_export not in Export3DTiles.after_export:
        Export3DTiles.after_export.append(after_export)


def unregister() -> None:
    """Remove the hook again (the plugin's unload)."""
    from ..processing.algorithms.export3dtiles import Export3DTiles

    while after_export in Export3DTiles.after_export:
        Export3DTiles.after_export.remove(after_export)


def log(result: TilesResult) -> None:
    """The result's message in the QGIS message log (tab GeoTwin)."""
    QgsMessageLog.logMessage(result.message, LOG_TAG, result.level)
