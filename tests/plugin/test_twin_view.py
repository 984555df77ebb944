"""The analyst's view: open_twin on a twin built from a small generated district, checked against the twin's
own tables read with sqlite3."""
from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest


@pytest.fixture
def opened(twin):
    from qgis.core import QgsProject

    from geotwin.plugin.twin_view import open_twin

    project = QgsProject()
    result = open_twin(twin[0], project)
    yield project, result
    project.clear()


def _sql(gpkg: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(gpkg) as con:
        return con.execute(sql, args).fetchall()


def _ids(features, field: str) -> set[str]:
    return {f[field] for f in features}


def test_layers_load_valid_with_their_counts(twin, opened):
    gpkg, _, _ = twin
    project, result = opened
    layers = result["layers"]
    assert result["missing"] == []
    for key in ("buildings", "building_surfaces", "bim_buildings", "bim_storeys", "bim_spaces", "bim_elements",
                "learning_islands", "sensors", "observations", "conflation_report", "height_report", "sources"):
        layer = layers[key]
        assert layer.isValid(), key
        assert project.mapLayer(layer.id()) is layer
        assert layer.featureCount() == _sql(gpkg, f"SELECT count(*) FROM {key}")[0][0], key
        assert layer.readOnly(), key
    # the filtered views of links hold exactly the part_of links of rooms and elements to buildings
    for key, from_layer in (("links_rooms", "bim_spaces"), ("links_elements", "bim_elements")):
        expected = _sql(gpkg, "SELECT count(*) FROM links WHERE relation = 'part_of' AND from_layer = ? "
                              "AND to_layer = 'buildings'", from_layer)[0][0]
        assert expected > 0
        assert len(list(layers[key].getFeatures())) == expected, key
    assert project.crs().authid() == "EPSG:25832"
    group_names = [g.name() for g in result["group"].children()]
    # the groups, then the DGM found beside the city model sources (the 3D terrain; tests/plugin/test_dgm_terrain.py)
    assert group_names == ["Learning islands & sensors", "BIM", "City model", "Reports and links", "DGM (terrain)"]
    x_min, y_min, x_max, y_max = _sql(gpkg, "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents "
                                            "WHERE table_name = 'buildings'")[0]
    assert result["ground_height"] == pytest.approx(_sql(gpkg, "SELECT min(ground_height) FROM buildings")[0][0])
    extent = result["extent"]
    assert extent.xMinimum() == pytest.approx(x_min, abs=0.01) and extent.yMaximum() == pytest.approx(y_max, abs=0.01)
    assert extent.xMaximum() == pytest.approx(x_max, abs=0.01) and extent.yMinimum() == pytest.approx(y_min, abs=0.01)


def test_2d_and_3d_renderers(twin, opened):
    from qgis._3d import QgsRuleBased3DRenderer
    from qgis.PyQt import sip

    gpkg, manifest, _ = twin
    _, result = opened
    layers = result["layers"]
    surfaces = layers["building_surfaces"].renderer()
    assert surfaces.type() == "categorizedSymbol" and surfaces.classAttribute() == "surface_type"
    assert surfaces.orderByEnabled() and "RoofSurface" in surfaces.orderBy().dump()  # roofs drawn last in plan
    elements = layers["bim_elements"].renderer()
    assert elements.type() == "categorizedSymbol" and elements.classAttribute() == "ifc_class"
    classes = {r[0] for r in _sql(gpkg, "SELECT DISTINCT ifc_class FROM bim_elements")}
    assert classes <= {c.value() for c in elements.categories()}  # every class in the twin has its colour
    assert layers["learning_islands"].renderer().type() == "categorizedSymbol"
    assert layers["sensors"].renderer().type() == "singleSymbol"
    assert layers["learning_islands"].labelsEnabled() and layers["sensors"].labelsEnabled()
    assert layers["buildings"].renderer().type() == "singleSymbol"
    assert sorted(result["renderers_3d"]) == ["bim_elements", "building_surfaces"]

    def rules(layer) -> dict[str, str]:
        renderer = sip.cast(layer.renderer3D(), QgsRuleBased3DRenderer)
        out, todo = {}, list(renderer.rootRule().children())
        while todo:
            rule = todo.pop()
            out[rule.description()] = rule.filterExpression()
            todo.extend(rule.children())
        return out

    element_rules = rules(layers["bim_elements"])
    for ifc_class in classes:
        assert element_rules[ifc_class] == f"\"ifc_class\" = '{ifc_class}'"
    surface_rules = rules(layers["building_surfaces"])
    for surface_type in ("RoofSurface", "WallSurface", "GroundSurface"):
        assert surface_rules[surface_type] == f"\"surface_type\" = '{surface_type}'"
    # the school's LoD2 surfaces give way to its BIM elements in 3D
    school = manifest["school"]["id"]
    assert surface_rules["without BIM detail"] == f"\"building_id\" NOT IN ('{school}')"


def test_relations_of_the_school(twin, opened):
    gpkg, manifest, _ = twin
    _check_school(gpkg, manifest, *opened)


def _check_school(gpkg: Path, manifest: dict, project, result: dict) -> None:
    """The relations give the school's rooms, elements, islands and sensors exactly as the twin's links."""
    school_id = manifest["school"]["id"]
    rel = result["relations"]
    manager = project.relationManager()
    assert all(manager.relation(r.id()).isValid() for r in rel.values())
    buildings = result["layers"]["buildings"]
    school = next(buildings.getFeatures(f"\"id\" = '{school_id}'"))

    def linked(from_layer: str, to_layer: str, relation: str) -> set[str]:
        return {r[0] for r in _sql(gpkg, "SELECT from_id FROM links WHERE from_layer = ? AND to_layer = ? "
                                         "AND relation = ? AND to_id = ?", from_layer, to_layer, relation,
                                   school_id)}

    rooms = {rel["room_links"].getReferencedFeature(link)["global_id"]
             for link in rel["building_room_links"].getRelatedFeatures(school)}
    assert rooms == linked("bim_spaces", "buildings", "part_of")
    assert len(rooms) == manifest["counts"]["ifc"]["spaces"]
    elements = {rel["element_links"].getReferencedFeature(link)["global_id"]
                for link in rel["building_element_links"].getRelatedFeatures(school)}
    assert elements == linked("bim_elements", "buildings", "part_of")
    islands = _ids(rel["building_islands"].getRelatedFeatures(school), "id")
    assert islands and islands == linked("learning_islands", "buildings", "located_in")
    sensors = _ids(rel["building_sensors"].getRelatedFeatures(school), "sensor_key")
    assert sensors and sensors == linked("sensors", "buildings", "observes")
    # a room with a learning island shows it; the island's sensor shows its time series
    room_id, island_id = _sql(gpkg, "SELECT to_id, from_id FROM links WHERE from_layer = 'learning_islands' "
                                    "AND to_layer = 'bim_spaces' ORDER BY from_id LIMIT 1")[0]
    room = next(result["layers"]["bim_spaces"].getFeatures(f"\"global_id\" = '{room_id}'"))
    assert island_id in _ids(rel["room_islands"].getRelatedFeatures(room), "id")
    sensor_key = sorted(sensors)[0]
    sensor = next(result["layers"]["sensors"].getFeatures(f"\"sensor_key\" = '{sensor_key}'"))
    observations = list(rel["sensor_observations"].getRelatedFeatures(sensor))
    assert len(observations) == _sql(gpkg, "SELECT count(*) FROM observations WHERE sensor_key = ?",
                                     sensor_key)[0][0] > 0


def test_building_form_shows_rooms_elements_islands_sensors(opened):
    from qgis.core import QgsEditFormConfig

    project, result = opened
    rel = result["relations"]
    config = result["layers"]["buildings"].editFormConfig()
    assert config.layout() == QgsEditFormConfig.TabLayout
    tabs = config.tabs()
    assert [t.name() for t in tabs] == ["Attributes", "BIM rooms", "BIM elements", "Learning islands", "Sensors"]
    fields = [c.name() for c in tabs[0].children()]
    assert fields == result["layers"]["buildings"].fields().names()
    editors = [t.children()[0] for t in tabs[1:]]
    assert all(e.init(project.relationManager()) for e in editors)  # as QGIS resolves them in a form
    assert [e.relation().id() for e in editors] == [rel[k].id() for k in (
        "building_room_links", "building_element_links", "building_islands", "building_sensors")]
    # the rooms and elements tabs show the far side of the links table (n:m), not the link rows
    assert editors[0].nmRelationId() == rel["room_links"].id()
    assert editors[1].nmRelationId() == rel["element_links"].id()


def test_open_twin_from_postgis(twin, run_alg, pg_dsn, pg_connection):
    """The same twin built into PostGIS opens with the same layers, counts and relations."""
    import psycopg
    from qgis.core import QgsProject

    from geotwin.plugin.twin_view import open_twin, postgis_source

    gpkg, manifest, inputs = twin
    schema = f"t_{uuid.uuid4().hex[:10]}"
    project = QgsProject()
    try:
        run_alg("geotwin:buildtwin", {**inputs, "DATABASE": pg_connection, "SCHEMA": schema})
        result = open_twin(postgis_source(pg_connection, schema), project)
        assert result["missing"] == []
        for key, layer in result["layers"].items():
            assert layer.isValid() and layer.providerType() == "postgres", key
        for key in ("buildings", "building_surfaces", "bim_spaces", "bim_elements", "learning_islands", "sensors"):
            assert result["layers"][key].featureCount() == _sql(gpkg, f"SELECT count(*) FROM {key}")[0][0], key
        assert sorted(result["renderers_3d"]) == ["bim_elements", "building_surfaces"]
        _check_school(gpkg, manifest, project, result)
    finally:
        project.clear()
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_unknown_postgis_connection_is_named(qgis_app):
    from geotwin.plugin.twin_view import postgis_source
    from geotwin.twin.kernel.errors import InputError

    with pytest.raises(InputError, match="postgres:no-such-connection/geotwin: no PostgreSQL connection"):
        postgis_source("no-such-connection")


def test_not_a_twin_is_refused_naming_the_file(twin, tmp_path):
    from qgis.core import QgsProject

    from geotwin.plugin.twin_view import open_twin
    from geotwin.twin.kernel.errors import InputError

    project = QgsProject()
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database")
    with pytest.raises(InputError, match="notes.gpkg.*not a GeoPackage"):
        open_twin(text, project)
    sensors_only = twin[0].parent / "sensors.gpkg"
    with pytest.raises(InputError, match="sensors.gpkg.*no buildings layer"):
        open_twin(sensors_only, project)
    with pytest.raises(InputError, match="missing.gpkg.*no such file"):
        open_twin(tmp_path / "missing.gpkg", project)
    assert project.mapLayers() == {}


def test_menu_entry_opens_the_twin(twin, qgis_iface):
    from qgis.core import Qgis, QgsProject

    from geotwin.plugin.menu import TwinMenu

    menu = TwinMenu(qgis_iface)
    menu.add()
    try:
        assert menu.action.text() == "Open twin…"
        assert menu.postgis_action.text() == "Open twin from PostGIS…"
        result = menu.open(str(twin[0]))
        assert result is not None
        assert QgsProject.instance().mapLayer(result["layers"]["buildings"].id()) is not None
        assert qgis_iface.mapCanvas().extent().buffered(0.001).contains(result["extent"])
        success = qgis_iface.messageBar().get_messages(Qgis.Success)
        assert any("twin.gpkg" in m and "relations" in m for m in success), success
        assert menu.open(str(twin[0].parent / "sensors.gpkg")) is None
        assert any("no buildings layer" in m for m in qgis_iface.messageBar().get_messages(Qgis.Critical))
    finally:
        menu.remove()
        QgsProject.instance().clear()
    assert menu.action is None and menu.postgis_action is None
