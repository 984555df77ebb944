"""The analyst's view: open a twin (GeoPackage or PostGIS schema) in a QGIS project, styled in 2D and 3D and
linked by relations.

``open_twin`` needs no ``iface`` (tests run it headless); plugin/main.py adds the menu, toolbar and 3D view.
Clicking a building opens its form: its attributes, its BIM rooms and elements (through the twin's ``links``
table), its learning islands (``learning_islands.building_id``) and its sensors (``sensors.link_id``).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsAttributeEditorContainer,
    QgsAttributeEditorField,
    QgsAttributeEditorRelation,
    QgsDataSourceUri,
    QgsEditFormConfig,
    QgsEditorWidgetSetup,
    QgsFeatureRequest,
    QgsLayerTreeGroup,
    QgsProject,
    QgsProviderConnectionException,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsRectangle,
    QgsRelation,
    QgsRelationContext,
    QgsVectorLayer,
)

from ..processing.algorithm import tr
from ..processing.styles import apply_style, name_codes
from ..twin.kernel.errors import InputError
from ..twin.kernel.gpkg import layer_names
from ..twin.kernel.schema import BUILDING_SURFACES, BUILDINGS
from ..twin.kernel.schema.bim import BIM_BUILDINGS, BIM_ELEMENTS, BIM_SPACES, BIM_STOREYS
from ..twin.kernel.schema.islands import LEARNING_ISLANDS
from ..twin.kernel.schema.sensors import OBSERVATIONS, SENSORS
from .localize import apply_aliases, sensor_display_expression, sensor_label_expression, translate_legend


@dataclass(frozen=True)
class LayerPlan:
    """One layer of the twin to load: its table, layer tree group, style and display expression."""

    table: str
    group: str
    qml: str | None = None
    display: str | None = None
    visible: bool = True
    subset: str | None = None
    title: str | None = None  # a filtered view of ``table`` (the links) gets its own key and title


@dataclass(frozen=True)
class RelationPlan:
    """A 1:n relation: ``parent``.``parent_field`` is referenced by ``child``.``child_field``."""

    key: str
    parent: str
    parent_field: str
    child: str
    child_field: str


CITY, BIM, ISLANDS, TABLES = "city", "bim", "islands", "tables"
# The twin's own tables (twin/kernel/schema/twin.py; not imported: it pulls pandas into the plugin's start-up).
LINKS, CONFLATION_REPORT, HEIGHT_REPORT, TWIN_SOURCES = "links", "conflation_report", "height_report", "sources"
ROOM_LINKS, ELEMENT_LINKS = "links_rooms", "links_elements"


def _links_subset(from_layer: str) -> str:
    return (f"\"relation\" = 'part_of' AND \"from_layer\" = '{from_layer}' "
            f"AND \"to_layer\" = '{BUILDINGS.name}'")


# Top of the layer tree first. Keys are the table names, except the filtered views of links.
LAYERS = (
    LayerPlan(LEARNING_ISLANDS.name, ISLANDS, "learning_islands.qml", "\"name\""),
    LayerPlan(SENSORS.name, ISLANDS, "sensors.qml",
              "\"sensor_name\" || ' – ' || \"observed_property\" || ': ' || coalesce(\"latest_value\", '') "
              "|| ' ' || coalesce(\"unit_symbol\", '')"),
    LayerPlan(BIM_SPACES.name, BIM, "bim_spaces.qml",
              "trim(coalesce(\"number\", '') || ' ' || coalesce(\"long_name\", \"name\", ''))"),
    LayerPlan(BIM_ELEMENTS.name, BIM, "bim_elements_3d.qml",
              "\"ifc_class\" || ' ' || coalesce(\"name\", \"global_id\")"),
    LayerPlan(BIM_STOREYS.name, BIM, None, "coalesce(\"name\", \"global_id\")", visible=False),
    LayerPlan(BIM_BUILDINGS.name, BIM, None, "coalesce(\"name\", \"global_id\")", visible=False),
    LayerPlan(BUILDING_SURFACES.name, CITY, "building_surfaces_3d.qml", "\"surface_type\" || ' ' || \"id\""),
    LayerPlan(BUILDINGS.name, CITY, "buildings.qml", "coalesce(\"name\", \"id\")"),
    LayerPlan(OBSERVATIONS.name, TABLES, None, "\"phenomenon_time\" || ': ' || coalesce(\"result\", \"result_text\")"),
    LayerPlan(CONFLATION_REPORT, TABLES),
    LayerPlan(HEIGHT_REPORT, TABLES),
    LayerPlan(TWIN_SOURCES, TABLES),
    LayerPlan(LINKS, TABLES, subset=_links_subset(BIM_SPACES.name), title=ROOM_LINKS),
    LayerPlan(LINKS, TABLES, subset=_links_subset(BIM_ELEMENTS.name), title=ELEMENT_LINKS),
)

RELATIONS = (
    RelationPlan("building_islands", BUILDINGS.name, "id", LEARNING_ISLANDS.name, "building_id"),
    RelationPlan("building_sensors", BUILDINGS.name, "id", SENSORS.name, "link_id"),
    RelationPlan("building_room_links", BUILDINGS.name, "id", ROOM_LINKS, "to_id"),
    RelationPlan("room_links", BIM_SPACES.name, "global_id", ROOM_LINKS, "from_id"),
    RelationPlan("building_element_links", BUILDINGS.name, "id", ELEMENT_LINKS, "to_id"),
    RelationPlan("element_links", BIM_ELEMENTS.name, "global_id", ELEMENT_LINKS, "from_id"),
    RelationPlan("room_islands", BIM_SPACES.name, "global_id", LEARNING_ISLANDS.name, "room_id"),
    RelationPlan("sensor_observations", SENSORS.name, "sensor_key", OBSERVATIONS.name, "sensor_key"),
)

RELATION_EDITOR = "relation_editor"  # QgsGui.relationWidgetRegistry()'s default relation widget
# The building form: relation editors (n:m ones show the far side of the links) in this order.
BUILDING_FORM = (("building_room_links", "room_links"), ("building_element_links", "element_links"),
                 ("building_islands", None), ("building_sensors", None))


def _titles() -> dict[str, str]:
    """Translated layer, group and relation titles (literal tr() calls for the translation tool)."""
    return {
        CITY: tr("City model"), BIM: tr("BIM"), ISLANDS: tr("Learning islands & sensors"),
        TABLES: tr("Reports and links"),
        BUILDINGS.name: tr("Buildings"), BUILDING_SURFACES.name: tr("Building surfaces"),
        BIM_BUILDINGS.name: tr("BIM buildings"), BIM_STOREYS.name: tr("BIM storeys"),
        BIM_SPACES.name: tr("BIM rooms"), BIM_ELEMENTS.name: tr("BIM elements"),
        LEARNING_ISLANDS.name: tr("Learning islands"), SENSORS.name: tr("Sensors"),
        OBSERVATIONS.name: tr("Observations"), CONFLATION_REPORT: tr("Conflation report"),
        HEIGHT_REPORT: tr("Height report"), TWIN_SOURCES: tr("Sources"),
        ROOM_LINKS: tr("Links: rooms of buildings"), ELEMENT_LINKS: tr("Links: BIM elements of buildings"),
        "building_islands": tr("Learning islands"), "building_sensors": tr("Sensors"),
        "building_room_links": tr("BIM rooms"), "room_links": tr("Building of the room"),
        "building_element_links": tr("BIM elements"), "element_links": tr("Building of the element"),
        "room_islands": tr("Learning islands in the room"), "sensor_observations": tr("Observations"),
        "attributes": tr("Attributes"),
    }


@dataclass(frozen=True)
class TwinSource:
    """Where a twin is: its label (file or connection/schema), its tables and how to open one as a layer."""

    label: str
    tables: frozenset[str]
    make_layer: Callable[[str, str], QgsVectorLayer]


def gpkg_source(gpkg_path: str | Path) -> TwinSource:
    """A twin GeoPackage; an InputError naming the file when it is none or not a twin."""
    gpkg = Path(gpkg_path).resolve()
    if not gpkg.is_file():
        raise InputError(tr("no such file"), path=str(gpkg))
    try:
        tables = frozenset(layer_names(gpkg))
    except sqlite3.DatabaseError as err:
        raise InputError(tr("not a GeoPackage ({0})").format(err), path=str(gpkg)) from None
    return TwinSource(str(gpkg), tables, lambda table, title: QgsVectorLayer(f"{gpkg}|layername={table}", title, "ogr"))


def postgis_source(connection: str, schema: str = "geotwin") -> TwinSource:
    """A twin in ``schema`` of the QGIS PostgreSQL connection ``connection`` (as geotwin:buildtwin writes it)."""
    label = f"postgres:{connection}/{schema}"
    try:
        conn = QgsProviderRegistry.instance().providerMetadata("postgres").findConnection(connection, False)
        tables = {t.tableName(): t.geometryColumn() for t in conn.tables(schema)} if conn is not None else None
    except QgsProviderConnectionException as err:
        raise InputError(tr("cannot list the tables ({0})").format(err), path=label) from None
    if tables is None:
        raise InputError(tr("no PostgreSQL connection of that name"), path=label)

    def make_layer(table: str, title: str) -> QgsVectorLayer:
        uri = QgsDataSourceUri(conn.uri())
        uri.setDataSource(schema, table, tables[table] or None, "", "fid")
        return QgsVectorLayer(uri.uri(False), title, "postgres")

    return TwinSource(label, frozenset(tables), make_layer)


def open_twin(gpkg_path: str | Path | TwinSource, project: QgsProject | None = None,
              dgm: str | Path | bool | None = True) -> dict[str, Any]:
    """Load the twin at ``gpkg_path`` (a GeoPackage, or a ``postgis_source``) into ``project`` (default: the
    current project), with its DGM as a hillshade layer: ``dgm`` a raster path, True (default) for the one
    ``dgm*.tif`` beside the twin or its city model sources (view3d.find_dgm), None for none.

    Returns ``{"group", "layers": {key: layer}, "relations": {key: QgsRelation}, "renderers_3d": [keys],
    "missing": [tables not in this twin], "extent": QgsRectangle, "ground_height": lowest building ground (m),
    "dgm": the DGM's QgsRasterLayer or None, "dgm_error": why a found DGM was not added, or None}``.
    """
    source = gpkg_path if isinstance(gpkg_path, TwinSource) else gpkg_source(gpkg_path)
    if BUILDINGS.name not in source.tables:
        raise InputError(tr("not a GeoTwin twin: it has no buildings layer"), path=source.label)
    project = project or QgsProject.instance()
    titles = _titles()
    root = project.layerTreeRoot()
    top = root.insertGroup(0, tr("GeoTwin: {0}").format(Path(source.label).stem))
    groups: dict[str, QgsLayerTreeGroup] = {}
    layers: dict[str, QgsVectorLayer] = {}
    missing: list[str] = []
    for plan in LAYERS:
        key = plan.title or plan.table
        if plan.table not in source.tables:
            missing.append(key)
            continue
        layer = source.make_layer(plan.table, titles[key])
        if not layer.isValid():
            raise InputError(tr("the layer {0} cannot be opened").format(plan.table), path=source.label)
        if plan.subset and not layer.setSubsetString(plan.subset):
            raise InputError(tr("the layer {0} cannot be filtered").format(plan.table), path=source.label)
        if plan.qml:
            ok, message = apply_style(layer, plan.qml)
            if not ok:
                raise InputError(tr("style {0}: {1}").format(plan.qml, message), path=source.label)
        if plan.display:
            layer.setDisplayExpression(plan.display)
        _localize(layer, plan.table)
        layer.setReadOnly(True)  # the twin is rebuilt by geotwin:buildtwin, never edited by hand
        if project.mapLayers() == {} and layer.crs().isValid():
            project.setCrs(layer.crs())
        project.addMapLayer(layer, False)
        if plan.group not in groups:
            groups[plan.group] = top.addGroup(titles[plan.group])
        node = groups[plan.group].addLayer(layer)
        node.setItemVisibilityChecked(plan.visible)
        layers[key] = layer
    if TABLES in groups:
        groups[TABLES].setExpanded(False)
    relations = _add_relations(project, layers, titles)
    _building_form(layers[BUILDINGS.name], relations, titles)
    _roofs_on_top(layers.get(BUILDING_SURFACES.name))
    _refine_with_bim(layers)
    buildings = layers[BUILDINGS.name]
    extent = QgsRectangle(buildings.extent())
    ground = buildings.minimumValue(buildings.fields().lookupField("ground_height"))
    dgm_layer, dgm_error = _dgm(project, top, dgm, source.label, layers.get(TWIN_SOURCES))
    return {"group": top, "layers": layers, "relations": relations, "missing": missing, "extent": extent,
            "ground_height": float(ground) if isinstance(ground, (int, float)) else None,
            "dgm": dgm_layer, "dgm_error": dgm_error,
            "renderers_3d": [key for key, layer in layers.items() if layer.renderer3D() is not None]}


def _dgm(project: QgsProject, group: QgsLayerTreeGroup, dgm: str | Path | bool | None, label: str,
         sources: QgsVectorLayer | None) -> tuple[QgsRasterLayer | None, str | None]:
    """The DGM layer for the 3D terrain (view3d.py): ``dgm`` given (an error names it), or found beside the
    twin or its city model sources (``dgm=True``; one that cannot be read is reported, not raised)."""
    from .view3d import add_dgm_layer, find_dgm, twin_folders

    if dgm is None or dgm is False:
        return None, None
    if dgm is not True:
        return add_dgm_layer(project, dgm, group), None
    found = find_dgm(twin_folders(label, sources))
    if found is None:
        return None, None
    try:
        return add_dgm_layer(project, found, group), None
    except InputError as err:
        return None, str(err)


def _localize(layer: QgsVectorLayer, table: str) -> None:
    """Field aliases, legend classes, the buildings' coded fields (function, roof type) and sensor labels in the
    UI language (plugin/localize.py, processing/styles.py)."""
    apply_aliases(layer)
    translate_legend(layer)
    if table == BUILDINGS.name:
        name_codes(layer)
    if table != SENSORS.name:
        return
    layer.setDisplayExpression(sensor_display_expression())
    labeling = layer.labeling()
    if labeling is not None and labeling.type() == "simple":
        settings = labeling.settings()
        settings.fieldName = sensor_label_expression()
        settings.isExpression = True
        labeling.setSettings(settings)


def _add_relations(project: QgsProject, layers: dict[str, QgsVectorLayer],
                   titles: dict[str, str]) -> dict[str, QgsRelation]:
    relations: dict[str, QgsRelation] = {}
    manager = project.relationManager()
    for plan in RELATIONS:
        parent, child = layers.get(plan.parent), layers.get(plan.child)
        if parent is None or child is None:
            continue
        relation = QgsRelation(QgsRelationContext(project))  # resolves the layers in ``project``
        relation.setId(f"geotwin_{plan.key}_{parent.id()}_{child.id()}")
        relation.setName(titles[plan.key])
        relation.setReferencedLayer(parent.id())
        relation.setReferencingLayer(child.id())
        relation.addFieldPair(plan.child_field, plan.parent_field)
        if not relation.isValid():
            raise InputError(tr("relation {0} is invalid").format(plan.key), path=parent.source())
        manager.addRelation(relation)
        relations[plan.key] = relation
        _reference_widget(child, plan.child_field, relation, project)
    return relations


def _reference_widget(child: QgsVectorLayer, field: str, relation: QgsRelation, project: QgsProject) -> None:
    """Give the referencing field its editor widget explicitly. Left alone, QGIS picks a RelationReference
    widget without a relation for it and logs "Missing Relation in configuration" for every value a form or
    table shows. Its formatter looks the relation up in QgsProject.instance(), so another project gets a
    plain text widget."""
    index = child.fields().lookupField(field)
    if project is not QgsProject.instance():
        child.setEditorWidgetSetup(index, QgsEditorWidgetSetup("TextEdit", {"IsMultiline": False,
                                                                            "UseHtml": False}))
        return
    child.setEditorWidgetSetup(index, QgsEditorWidgetSetup("RelationReference", {
        "Relation": relation.id(), "AllowNULL": True, "ReadOnly": True, "ShowForm": False,
        "ShowOpenFormButton": True, "MapIdentification": False, "OrderByValue": True, "AllowAddFeatures": False}))


def _building_form(buildings: QgsVectorLayer, relations: dict[str, QgsRelation], titles: dict[str, str]) -> None:
    """Tabs: the attributes, then the building's rooms, elements, islands and sensors."""
    config = buildings.editFormConfig()
    config.setLayout(QgsEditFormConfig.TabLayout)
    config.clearTabs()
    root = config.invisibleRootContainer()
    attributes = QgsAttributeEditorContainer(titles["attributes"], root)
    attributes.setIsGroupBox(False)
    for index, field in enumerate(buildings.fields()):
        attributes.addChildElement(QgsAttributeEditorField(field.name(), index, attributes))
    config.addTab(attributes)
    for key, far_key in BUILDING_FORM:
        relation = relations.get(key)
        if relation is None:
            continue
        tab = QgsAttributeEditorContainer(titles[key], root)
        tab.setIsGroupBox(False)
        editor = QgsAttributeEditorRelation(relation, tab)
        editor.setRelationWidgetTypeId(RELATION_EDITOR)  # empty when built in code: QGIS warns, falls back
        editor.setLabel(titles[key])
        if far_key in relations:
            editor.setNmRelationId(relations[far_key].id())
        tab.addChildElement(editor)
        config.addTab(tab)
    buildings.setEditFormConfig(config)


def _roofs_on_top(surfaces: QgsVectorLayer | None) -> None:
    """In 2D, draw roofs after walls and ground surfaces, so a plan shows the roofs."""
    if surfaces is None or surfaces.renderer() is None:
        return
    renderer = surfaces.renderer()
    renderer.setOrderBy(QgsFeatureRequest.OrderBy([QgsFeatureRequest.OrderByClause(
        "\"surface_type\" = 'RoofSurface'", True)]))
    renderer.setOrderByEnabled(True)


def _refine_with_bim(layers: dict[str, QgsVectorLayer]) -> None:
    """In 3D, a building with BIM detail shows its BIM elements instead of its city-model surfaces."""
    surfaces, buildings = layers.get(BUILDING_SURFACES.name), layers[BUILDINGS.name]
    renderer = surfaces.renderer3D() if surfaces is not None else None
    if surfaces is None or renderer is None or layers.get(BIM_ELEMENTS.name) is None or renderer.type() != "rulebased":
        return
    ids = sorted({f["id"] for f in buildings.getFeatures(
        "\"bim_building_id\" IS NOT NULL AND \"bim_building_id\" <> ''")})
    if not ids:
        return
    from qgis._3d import QgsRuleBased3DRenderer
    from qgis.PyQt import sip

    renderer = sip.cast(renderer, QgsRuleBased3DRenderer)  # renderer3D() returns the abstract base
    listed = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
    root = QgsRuleBased3DRenderer.Rule(None)
    others = QgsRuleBased3DRenderer.Rule(None, f"\"building_id\" NOT IN ({listed})", "without BIM detail")
    for rule in renderer.rootRule().children():
        others.appendChild(rule.clone())
    root.appendChild(others)
    surfaces.setRenderer3D(QgsRuleBased3DRenderer(root))
