"""Room areas in the analyst's QGIS form: the real FZK-Haus IFC imported by geotwin, each room's form shows its
area as the IFC's NetFloorArea rounded to the 0.01 m² (German 74,51 under "Fläche (m²)", English 74.51 under
"Area (m²)"), never the binary noise of 72.96000000000001."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.tests.plugin.test_analyst_view import _delete_now, _form_context, locale  # noqa: F401 (a fixture)
from geotwin.twin.kernel.progress import CollectingReporter

FZK_IFC = "ifc/fzk-haus/AC20-FZK-Haus.ifc"


def net_floor_areas(path) -> dict[str, Decimal]:
    """Each IfcSpace's BaseQuantities NetFloorArea read with ifcopenshell alone (the file's area unit is the
    square metre), rounded half-up to the 0.01 m²."""
    import ifcopenshell
    import ifcopenshell.util.element
    import ifcopenshell.util.unit

    model = ifcopenshell.open(str(path))
    assert ifcopenshell.util.unit.calculate_unit_scale(model) == 1.0
    return {space.GlobalId: Decimal(repr(ifcopenshell.util.element.get_psets(space, qtos_only=True)
                                         ["BaseQuantities"]["NetFloorArea"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
            for space in model.by_type("IfcSpace")}


@pytest.fixture(scope="module")
def fzk_rooms(tmp_path_factory, shared_data):
    gpkg = tmp_path_factory.mktemp("fzk") / "fzk.gpkg"
    import_ifc(shared_data / FZK_IFC, gpkg, ImportOptions(processes=0), CollectingReporter())
    return gpkg, net_floor_areas(shared_data / FZK_IFC)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_room_form_shows_the_area_rounded(qgis_app, fzk_rooms, locale, lang):  # noqa: F811 (the fixture)
    from qgis.core import QgsVectorLayer
    from qgis.gui import QgsAttributeForm
    from qgis.PyQt.QtWidgets import QLabel, QLineEdit

    from geotwin.plugin.localize import apply_aliases

    gpkg, areas = fzk_rooms
    locale("de_DE" if lang == "de" else "en_GB")
    layer = QgsVectorLayer(f"{gpkg}|layername=bim_spaces", "rooms", "ogr")
    assert layer.isValid() and layer.featureCount() == len(areas) == 7
    apply_aliases(layer)
    context, tools = _form_context()
    seen = {}
    for feature in layer.getFeatures():
        form = QgsAttributeForm(layer, feature, context)
        try:
            labels = [w.text() for w in form.findChildren(QLabel)]
            area_edit = [w for w in form.findChildren(QLineEdit) if w.objectName() == "area"]
            assert len(area_edit) == 1, [w.objectName() for w in form.findChildren(QLineEdit)]
            seen[feature["global_id"]] = area_edit[0].text()
        finally:
            _delete_now(form)
    assert ("Fläche (m²)" if lang == "de" else "Area (m²)") in labels, labels
    expected = {gid: format(a.normalize(), "f") for gid, a in areas.items()}
    if lang == "de":
        expected = {gid: text.replace(".", ",") for gid, text in expected.items()}
    assert seen == expected
    assert seen["2dQFggKBb1fOc1CqZDIDlx"] == ("74,51" if lang == "de" else "74.51")  # the gallery: 74.5092415823
