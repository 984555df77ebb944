"""QGIS forms name the coded building fields as the web map does: roof type and ALKIS function of the real Hamburg
LoD2 tile and the KIT FZK-Haus (SIG3D codes), imported by the real algorithm, in German and English."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from lxml import etree

from geotwin.tests.paths import ROOT

BLDG = "http://www.opengis.net/citygml/building/1.0"
GML = "http://www.opengis.net/gml"
VIEWER = ROOT / "resources" / "viewer"


def _raw_codes(path, ns: str = BLDG) -> dict[str, tuple[str | None, str | None]]:
    """gml:id -> (roofType, function) of every building and building part, read from the CityGML itself."""
    codes = {}
    for tag in ("Building", "BuildingPart"):
        for element in etree.parse(str(path)).iter(f"{{{ns}}}{tag}"):
            roof, function = element.find(f"{{{ns}}}roofType"), element.find(f"{{{ns}}}function")
            codes[element.get(f"{{{GML}}}id")] = (roof.text if roof is not None else None,
                                                  function.text if function is not None else None)
    return codes


def _shown(layer, feature, field: str) -> str:
    from qgis.core import QgsApplication

    index = layer.fields().lookupField(field)
    setup = layer.editorWidgetSetup(index)
    formatter = QgsApplication.fieldFormatterRegistry().fieldFormatter(setup.type())
    return formatter.representValue(layer, index, setup.config(), None, feature[field])


@pytest.fixture(scope="module")
def hamburg_gpkg(run_alg, shared_data, tmp_path_factory):
    tile = shared_data / "citygml" / "hamburg" / "2022" / "LoD2_576_5950_1_HH.xml"
    out = tmp_path_factory.mktemp("codes") / "hamburg.gpkg"
    run_alg("geotwin:importcitymodel", {"INPUT": [str(tile)], "LOD": 0, "OUTPUT": str(out)})
    return tile, out


@pytest.mark.parametrize("lang", ["de", "en"])
def test_imported_buildings_show_roof_type_and_function_names(hamburg_gpkg, lang):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsSettings, QgsVectorLayer

    from geotwin.processing.styles import StylePostProcessor

    tile, out = hamburg_gpkg
    roofs = json.loads((VIEWER / "dachform.json").read_text(encoding="utf-8"))["names"]
    functions = json.loads((VIEWER / "gebaeudefunktion.json").read_text(encoding="utf-8"))["names"]
    raw = _raw_codes(tile)
    settings = QgsSettings()
    before = settings.value("locale/userLocale", None)
    settings.setValue("locale/userLocale", "de_DE" if lang == "de" else "en_GB")
    try:
        layer = QgsVectorLayer(f"{out}|layername=buildings", "buildings", "ogr")
        StylePostProcessor("buildings.qml").postProcessLayer(layer, QgsProcessingContext(), QgsProcessingFeedback())
    finally:
        if before is None:
            settings.remove("locale/userLocale")
        else:
            settings.setValue("locale/userLocale", before)
    assert layer.editorWidgetSetup(layer.fields().lookupField("roof_type")).type() == "ValueMap"
    seen: Counter[str] = Counter()
    for feature in layer.getFeatures():
        roof, function = raw[feature["id"]]
        assert feature["roof_type"] == (roof or None) and feature["function"] == (function or None)  # data kept
        shown_roof, shown_function = _shown(layer, feature, "roof_type"), _shown(layer, feature, "function")
        if roof is not None:
            assert shown_roof == f"{roofs[roof][lang]} ({roof})"
            seen[shown_roof] += 1
        if function is not None:
            assert shown_function == f"{functions[function.removeprefix('31001_')]} ({function})"
            seen[shown_function] += 1
    assert seen[("Satteldach" if lang == "de" else "Gabled roof") + " (3100)"] == 30
    assert seen["Flachdach (1000)" if lang == "de" else "Flat roof (1000)"] == 57
    assert seen["Wohnhaus (31001_1010)"] == 33  # the function list has German names only, as on the web map
    assert sum(seen.values()) == sum(r is not None for r, _ in raw.values()) + sum(
        f is not None for _, f in raw.values()) == 94 + 47


def test_sig3d_roof_type_of_the_fzk_haus(run_alg, shared_data, tmp_path):
    from qgis.core import QgsVectorLayer

    from geotwin.processing.styles import name_codes

    gml = shared_data / "citygml" / "fzk-haus" / "citygml2" / "FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1.gml"
    run_alg("geotwin:importcitymodel", {"INPUT": [str(gml)], "OUTPUT": str(tmp_path / "fzk.gpkg")})
    layer = QgsVectorLayer(f"{tmp_path / 'fzk.gpkg'}|layername=buildings", "buildings", "ogr")
    assert name_codes(layer, "de") == ["function", "roof_type"]
    (house,) = layer.getFeatures()
    assert house["roof_type"] == "1030"  # SIG3D gabled roof: the AdV 3100's name
    assert _shown(layer, house, "roof_type") == "Satteldach (1030)"
    name_codes(layer, "en")
    assert _shown(layer, house, "roof_type") == "Gabled roof (1030)"


def test_stored_variants_unknown_codes_and_null():
    """Values as other imports store them: with a ".0" tail or a code space (named, as on the web map), an
    unknown code and NULL (as stored), a function code with a ".0" tail (the web map keeps it too)."""
    from qgis.core import QgsFeature, QgsVectorLayer

    from geotwin.processing.styles import name_codes

    layer = QgsVectorLayer("None?field=roof_type:string&field=function:string&field=name:string", "t", "memory")
    rows = [("3100.0", "1100", "a"), ("http://www.adv-online.de/codelists/RoofTypeTypeAdV.xml#3200", "1100.0", "b"),
            ("x_1030", "31001_3021", "c"), ("8888", None, "d"), (None, "31001_99999", "e")]
    features = []
    for row in rows:
        feature = QgsFeature(layer.fields())
        feature.setAttributes(list(row))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    assert name_codes(layer, "de") == ["function", "roof_type"]
    assert layer.editorWidgetSetup(layer.fields().lookupField("name")).type() != "ValueMap"
    shown = {f["name"]: (_shown(layer, f, "roof_type"), _shown(layer, f, "function")) for f in layer.getFeatures()}
    assert shown == {
        "a": ("Satteldach (3100.0)", "Gemischt genutztes Gebäude mit Wohnen (1100)"),
        "b": ("Walmdach (http://www.adv-online.de/codelists/RoofTypeTypeAdV.xml#3200)", "1100.0"),
        "c": ("Satteldach (x_1030)", "Allgemein bildende Schule (31001_3021)"),
        "d": ("8888", "NULL"),
        "e": ("NULL", "31001_99999"),
    }
    assert [f["roof_type"] for f in layer.getFeatures()][0] == "3100.0"  # the data stay as stored
