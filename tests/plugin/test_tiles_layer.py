"""plugin/tiles_layer.py on the real QGIS of this machine (offscreen): the version decision as a pure function,
the cesiumtiles data source, the target read from real exports, and what happens after an export through the
real algorithm. On QGIS older than 3.34 (Debian 12: 3.22) nothing is added and one message points to the
vector 3D view; where QGIS 3.34+ runs the same tests check that the tileset becomes a valid tiled scene layer."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

FZK_LOD2 = "citygml/fzk-haus/citygml2/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"


@pytest.fixture(scope="module")
def city(shared_data, tmp_path_factory) -> Path:
    gpkg = tmp_path_factory.mktemp("tileslayer") / "fzk.gpkg"
    import_citymodel([shared_data / FZK_LOD2], gpkg, None, "2", CollectingReporter())
    return gpkg


@pytest.fixture(scope="module")
def tilesets(city, tmp_path_factory) -> dict[str, Path]:
    """tileset.json of the FZK-Haus exported for each target (in folders whose names need encoding)."""
    out = tmp_path_factory.mktemp("tileslayer_tiles")
    result = {}
    for name, options in (("cesium", ExportOptions(viewer=False)), ("qgis", ExportOptions(target="qgis", viewer=False)),
                          ("draco", ExportOptions(target="qgis", draco=True, viewer=False))):
        folder = out / f"Kacheln für {name} & Co"
        export_3dtiles(city, folder, options, CollectingReporter())
        result[name] = folder / "tileset.json"
    return result


def _qgis_version() -> int:
    from qgis.core import Qgis

    return Qgis.versionInt()


def test_tiles_client_decides_by_version_and_target(qgis_app):
    from geotwin.plugin.tiles_layer import ADD_LAYER, CESIUM_ONLY, VECTOR_3D, tiles_client

    assert tiles_client(32216, "qgis") == VECTOR_3D        # Debian 12's 3.22.16
    assert tiles_client(32216, "cesium") == VECTOR_3D
    assert tiles_client(33399, "qgis") == VECTOR_3D        # the last number before 3.34.0
    assert tiles_client(33400, "qgis") == ADD_LAYER
    assert tiles_client(33400, "cesium") == CESIUM_ONLY
    assert tiles_client(34400, "qgis") == ADD_LAYER        # 3.44
    assert tiles_client(34400, "cesium") == CESIUM_ONLY
    with pytest.raises(GeoTwinError, match="unknown target client 'web'"):
        tiles_client(33400, "web")


def test_draco_tiles_only_where_qgis_decodes_draco(qgis_app):
    from geotwin.plugin.tiles_layer import ADD_LAYER, CESIUM_ONLY, NO_DRACO, VECTOR_3D, tiles_client

    assert tiles_client(34006, "qgis", draco=True, decodes_draco=True) == ADD_LAYER
    assert tiles_client(34006, "qgis", draco=True, decodes_draco=False) == NO_DRACO   # Debian 13's 3.40.6
    assert tiles_client(34006, "qgis", draco=True, decodes_draco=None) == NO_DRACO    # unknown: not risked
    assert tiles_client(34006, "qgis", draco=False, decodes_draco=False) == ADD_LAYER
    assert tiles_client(32216, "qgis", draco=True, decodes_draco=True) == VECTOR_3D
    assert tiles_client(34006, "cesium", draco=True, decodes_draco=True) == CESIUM_ONLY


def test_qgis_decodes_draco_reads_the_loaded_core_library(qgis_app):
    """Compared with the core library that the dynamic linker names for QGIS's Python module (ldd), searched
    for the extension's name in its bytes."""
    import subprocess

    import qgis._core

    from geotwin.plugin.tiles_layer import _core_libraries, qgis_decodes_draco

    ldd = subprocess.run(["ldd", qgis._core.__file__], capture_output=True, text=True, check=True).stdout
    core = [line.split("=>")[1].split("(")[0].strip() for line in ldd.splitlines()
            if "libqgis_core" in line and "=>" in line]
    assert len(core) == 1
    assert [p.resolve() for p in _core_libraries()] == [Path(core[0]).resolve()]
    assert qgis_decodes_draco() is (b"KHR_draco_mesh_compression" in Path(core[0]).read_bytes())


def test_version_text(qgis_app):
    from geotwin.plugin.tiles_layer import version_text

    assert version_text(32216) == "3.22.16" and version_text(33400) == "3.34.0" and version_text(34401) == "3.44.1"


def test_tiled_scene_uri_is_the_encoded_file_url(tilesets, qgis_app):
    from qgis.core import QgsDataSourceUri
    from qgis.PyQt.QtCore import QUrl

    from geotwin.plugin.tiles_layer import tiled_scene_uri

    path = tilesets["qgis"]
    uri = tiled_scene_uri(path)
    assert uri.startswith("url=file:///") and uri.endswith("tileset.json")
    # what QgsCesiumTilesDataProvider does with it: QgsDataSourceUri.setEncodedUri, then param("url")
    decoded = QgsDataSourceUri()
    decoded.setEncodedUri(uri)
    url = QUrl(decoded.param("url"))
    assert url.isLocalFile() and Path(url.toLocalFile()) == path.resolve()
    assert " " not in uri and "&" not in uri.split("=", 1)[1]   # a space or & in the folder name is escaped


def test_tileset_target_from_real_exports(tilesets, tmp_path, qgis_app):
    from geotwin.plugin.tiles_layer import tileset_target

    assert tileset_target(tilesets["qgis"]) == "qgis"
    assert tileset_target(tilesets["cesium"]) == "cesium"
    # a tileset written before targets existed (no target in asset.extras) was quantised: cesium
    old = json.loads(tilesets["qgis"].read_text())
    del old["asset"]["extras"]["geotwin"]["target"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert tileset_target(tmp_path / "old.json") == "cesium"
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(GeoTwinError, match="broken.json: not a readable 3D Tiles tileset.json"):
        tileset_target(tmp_path / "broken.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(GeoTwinError, match="list.json: not a readable 3D Tiles tileset.json"):
        tileset_target(tmp_path / "list.json")
    with pytest.raises(GeoTwinError, match="missing.json: not a readable"):
        tileset_target(tmp_path / "missing.json")
    old["asset"]["extras"]["geotwin"]["target"] = "web"
    (tmp_path / "web.json").write_text(json.dumps(old))
    with pytest.raises(GeoTwinError, match="unknown target client 'web' in asset.extras.geotwin"):
        tileset_target(tmp_path / "web.json")


def test_add_tileset_on_this_qgis(tilesets, qgis_app):
    """3.22: the vector 3D view stays, nothing is added, the message names 3.34 and Open twin. 3.34+: a valid
    tiled scene layer of the cesiumtiles provider in the project, with a 3D renderer."""
    from qgis.core import Qgis, QgsProject

    from geotwin.plugin.tiles_layer import ADD_LAYER, VECTOR_3D, add_tileset

    project = QgsProject()
    result = add_tileset(tilesets["qgis"], project)
    if _qgis_version() < 33400:
        assert (result.decision, result.layer, result.level) == (VECTOR_3D, None, Qgis.Info)
        assert "needs QGIS 3.34 or later" in result.message and "Open twin" in result.message
        assert str(tilesets["qgis"]) in result.message
        assert project.count() == 0
    else:
        assert (result.decision, result.level) == (ADD_LAYER, Qgis.Success)
        layer = result.layer
        assert layer.isValid() and layer.providerType() == "cesiumtiles"
        assert project.mapLayer(layer.id()) is layer and layer.renderer3D() is not None
    project.clear()


def test_cesium_tileset_is_not_added_but_explained(tilesets, qgis_app):
    from qgis.core import Qgis, QgsProject

    from geotwin.plugin.tiles_layer import CESIUM_ONLY, VECTOR_3D, add_tileset

    project = QgsProject()
    here = add_tileset(tilesets["cesium"], project)
    assert here.decision == (VECTOR_3D if _qgis_version() < 33400 else CESIUM_ONLY)
    # as QGIS 3.34 would decide: not added, a warning that says which target to export for
    on_334 = add_tileset(tilesets["cesium"], project, version=33400)
    assert (on_334.decision, on_334.layer, on_334.level) == (CESIUM_ONLY, None, Qgis.Warning)
    assert "cannot display" in on_334.message and "\"QGIS 3D tiles layer\"" in on_334.message
    assert project.count() == 0


def test_draco_tileset_is_not_added_where_qgis_lacks_draco(tilesets, qgis_app):
    from qgis.core import Qgis, QgsProject

    from geotwin.plugin.tiles_layer import NO_DRACO, VECTOR_3D, add_tileset, tileset_draco

    assert tileset_draco(tilesets["draco"]) is True and tileset_draco(tilesets["qgis"]) is False
    project = QgsProject()
    result = add_tileset(tilesets["draco"], project, version=34006, decodes_draco=False)
    assert (result.decision, result.layer, result.level) == (NO_DRACO, None, Qgis.Warning)
    assert "Draco-compressed" in result.message and "without \"Draco compression\"" in result.message
    if _qgis_version() < 33400:
        assert add_tileset(tilesets["draco"], project).decision == VECTOR_3D
    assert project.count() == 0


def test_version_guard_backed_by_the_api(tilesets, qgis_app):
    """Told it runs on 3.34 while the QgsTiledSceneLayer API is missing (so on 3.22), nothing is added."""
    import qgis.core
    from qgis.core import QgsProject

    from geotwin.plugin.tiles_layer import ADD_LAYER, VECTOR_3D, add_tileset

    project = QgsProject()
    result = add_tileset(tilesets["qgis"], project, version=33400)
    if hasattr(qgis.core, "QgsTiledSceneLayer"):
        assert result.decision == ADD_LAYER and result.layer.isValid()
    else:
        assert (result.decision, result.layer) == (VECTOR_3D, None)
        assert "has no 3D tiles layer (QgsTiledSceneLayer)" in result.message
        assert project.count() == 0
    project.clear()


class _Log:
    """A real QgsProcessingFeedback that also keeps the messages it is given, by kind."""

    def __init__(self) -> None:
        from qgis.core import QgsProcessingFeedback

        log = self

        class Feedback(QgsProcessingFeedback):
            def pushInfo(self, info):  # noqa: N802 - QGIS API name
                log.infos.append(info)
                super().pushInfo(info)

            def pushWarning(self, warning):  # noqa: N802 - QGIS API name
                log.warnings.append(warning)
                super().pushWarning(warning)

        self.infos: list[str] = []
        self.warnings: list[str] = []
        self.feedback = Feedback()


@pytest.mark.parametrize("target", [0, 1])
def test_after_export_through_the_algorithm(run_alg, city, tmp_path, target, qgis_app):
    """geotwin:export3dtiles with the plugin's hook registered (as initGui does): on 3.22 one message about the
    vector 3D view in the algorithm's log and no layer; on 3.34+ the QGIS target's tileset as a layer, the
    Cesium one with one warning."""
    from qgis.core import QgsProject

    from geotwin.plugin.tiles_layer import register, unregister
    from geotwin.processing.algorithms.export3dtiles import Export3DTiles

    register()
    register()   # idempotent
    assert Export3DTiles.after_export.count(Export3DTiles.after_export[0]) == 1
    before = set(QgsProject.instance().mapLayers())
    log = _Log()
    try:
        result = run_alg("geotwin:export3dtiles", {"INPUT": str(city), "OUTPUT": str(tmp_path / "tiles"),
                                                   "TARGET": target, "VIEWER": False}, log.feedback)
    finally:
        unregister()
    assert Export3DTiles.after_export == []
    assert result["TARGET"] == ("cesium", "qgis")[target]
    tiles_messages = [m for m in log.infos + log.warnings if "3D Tiles" in m or "3D tiles layer" in m]
    added = set(QgsProject.instance().mapLayers()) - before
    if _qgis_version() < 33400:
        assert len(tiles_messages) == 1 and "needs QGIS 3.34 or later" in tiles_messages[0]
        assert added == set() and not [w for w in log.warnings if "QGIS" in w]   # (EGM96 is warned about)
    elif target == 1:
        assert len(added) == 1 and tiles_messages[0].startswith("Added")
        QgsProject.instance().removeMapLayers(list(added))
    else:
        assert added == set() and len([w for w in log.warnings if "cannot display" in w]) == 1


def test_after_export_errors_and_background_threads(tilesets, tmp_path, qgis_app):
    import threading

    from geotwin.plugin.tiles_layer import VECTOR_3D, after_export

    log = _Log()   # an unknown target: the error as one warning in the algorithm's log, nothing raised
    assert after_export(str(tilesets["qgis"]), "web", False, log.feedback) is None
    assert log.warnings == ["unknown target client 'web': use cesium or qgis"] and log.infos == []
    (tmp_path / "tileset.json").write_text("not json")   # the target comes from the algorithm: only QGIS reads it
    log = _Log()
    result = after_export(str(tmp_path / "tileset.json"), "qgis", False, log.feedback)
    if _qgis_version() < 33400:
        assert result.decision == VECTOR_3D and len(log.infos) == 1 and log.warnings == []
    else:
        assert result is None and len(log.warnings) == 1 and "could not open" in log.warnings[0]
    # a model running in a background thread: nothing is added and nothing said (the project is main-thread only)
    log, out = _Log(), []
    thread = threading.Thread(target=lambda: out.append(after_export(str(tilesets["qgis"]), "qgis", False,
                                                                     log.feedback)))
    thread.start()
    thread.join()
    assert out == [None] and log.infos == log.warnings == []


def test_menu_entry_adds_or_explains(tilesets, tmp_path, qgis_iface):
    from qgis.core import Qgis, QgsProject

    from geotwin.plugin.menu import TwinMenu

    menu = TwinMenu(qgis_iface)
    menu.add()
    before = set(QgsProject.instance().mapLayers())
    try:
        assert menu.tiles_action.text() == "Add 3D tileset…"
        result = menu.add_tileset(str(tilesets["qgis"]))
        if _qgis_version() < 33400:
            assert result.layer is None
            assert any("needs QGIS 3.34 or later" in m for m in qgis_iface.messageBar().get_messages(Qgis.Info))
            assert set(QgsProject.instance().mapLayers()) == before
        else:
            assert QgsProject.instance().mapLayer(result.layer.id()) is result.layer
        (tmp_path / "tileset.json").write_text("not json")
        assert menu.add_tileset(str(tmp_path / "tileset.json")) is None
        assert any("not a readable 3D Tiles tileset.json" in m
                   for m in qgis_iface.messageBar().get_messages(Qgis.Critical))
    finally:
        menu.remove()
        QgsProject.instance().clear()
    assert menu.tiles_action is None


def test_a_failing_handler_only_warns(run_alg, city, tmp_path, qgis_app):
    """The export succeeded: a handler that fails (here: one that raises) leaves one warning, not a failure."""
    from geotwin.processing.algorithms.export3dtiles import Export3DTiles

    def broken(tileset, target, draco, feedback):
        raise RuntimeError(f"cannot add {Path(tileset).name}")

    Export3DTiles.after_export.append(broken)
    log = _Log()
    try:
        result = run_alg("geotwin:export3dtiles", {"INPUT": str(city), "OUTPUT": str(tmp_path / "tiles"),
                                                   "TARGET": 1, "VIEWER": False}, log.feedback)
    finally:
        Export3DTiles.after_export.remove(broken)
    assert Path(result["TILESET"]).is_file()
    assert [w for w in log.warnings if "not added to the project" in w] == [
        "The tileset was written but not added to the project: cannot add tileset.json"]
