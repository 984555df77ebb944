"""German and English translations ship as .ts and compiled .qm, and cover every user-facing string."""
from __future__ import annotations

import importlib.util

from lxml import etree

from geotwin.tests.paths import ROOT

I18N = ROOT / "resources" / "i18n"


def _load_tool():
    spec = importlib.util.spec_from_file_location("translations_tool", ROOT / "scripts" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _german() -> dict[str, str]:
    tree = etree.parse(str(I18N / "geotwin_de.ts"), etree.XMLParser(resolve_entities=False, no_network=True))
    return {m.findtext("source"): (m.find("translation").text or "", m.find("translation").get("type"))
            for m in tree.iter("message")}


def test_every_string_in_the_code_has_a_finished_german_translation():
    strings = _load_tool().extract()
    german = _german()
    assert strings, "no translatable strings found"
    missing = sorted(s for s in strings if s not in german or german[s][1] == "unfinished" or not german[s][0])
    assert missing == [], f"{len(missing)} strings lack German: run `make translations` and translate"


def test_qm_files_are_compiled_from_the_ts(tmp_path):
    tool = _load_tool()
    for lang in ("de", "en"):
        ts, qm = I18N / f"geotwin_{lang}.ts", I18N / f"geotwin_{lang}.qm"
        assert ts.exists() and qm.exists()
        copy = tmp_path / ts.name
        copy.write_bytes(ts.read_bytes())
        tool.lrelease(copy)
        assert copy.with_suffix(".qm").read_bytes() == qm.read_bytes(), f"{qm.name} is stale: run make translations"


def test_algorithms_speak_german_when_the_locale_is_german(qgis_processing):
    from qgis.core import QgsApplication

    from geotwin.plugin.i18n import install_translator

    german = _german()
    provider = QgsApplication.processingRegistry().providerById("geotwin")
    english = {a.id(): (a.displayName(), a.group()) for a in provider.algorithms()}
    try:
        assert install_translator("de")
        for alg in provider.algorithms():
            en_name, en_group = english[alg.id()]
            assert alg.displayName() == german[en_name][0]
            assert alg.group() == german[en_group][0]
        assert sum(alg.displayName() != english[alg.id()][0] for alg in provider.algorithms()) >= 1
    finally:
        install_translator("en")


def test_every_parameter_output_and_option_label_is_in_the_catalogue(qgis_processing):
    """Labels built at run time (tables, loops) must still reach the translation catalogue."""
    from qgis.core import QgsApplication, QgsProcessingParameterEnum

    from geotwin.processing.provider import algorithm_classes

    german = _german()
    ours = {f"geotwin:{c.ALG_ID}" for c in algorithm_classes()}
    provider = QgsApplication.processingRegistry().providerById("geotwin")
    missing = []
    for alg in provider.algorithms():
        if alg.id() not in ours:
            continue  # Modeler models carry their own labels
        labels = [p.description() for p in alg.parameterDefinitions()]
        labels += [o.description() for o in alg.outputDefinitions()]
        for p in alg.parameterDefinitions():
            if isinstance(p, QgsProcessingParameterEnum):
                labels += p.options()
        missing += [f"{alg.id()}: {label}" for label in labels if label and label not in german]
    assert missing == []
