"""Help texts name the dialog's labels, not the hidden parameter ids, in English and German."""
from __future__ import annotations

import re

import pytest


def _ids_left(alg, text: str) -> list[str]:
    from geotwin.processing.algorithm import AMBIGUOUS_IDS

    left = []
    definitions = [*alg.parameterDefinitions(), *alg.outputDefinitions()]
    for d in definitions:  # the quoted labels go first: a label may contain an id ("Reservation UID")
        for opening, closing in (("\u201c", "\u201d"), ("\u201e", "\u201c")):
            text = text.replace(f"{opening}{d.description()}{closing}", "")
    for d in definitions:
        name = d.name()
        if not name.isupper() or ":" in name:
            continue
        pattern = (rf"\({name}\)|(?<![\w.-]){name}:" if name in AMBIGUOUS_IDS
                   else rf"(?<![\w.\-=]){re.escape(name)}(?![\w=])")
        left += [f"{name}: …{text[max(0, m.start() - 30):m.end() + 30]}…" for m in re.finditer(pattern, text)]
    return left


@pytest.mark.parametrize("lang", ["en", "de"])
def test_help_texts_name_labels_not_ids(qgis_processing, lang):
    from qgis.core import QgsApplication, QgsSettings

    from geotwin.plugin.i18n import install_translator

    settings = QgsSettings()
    before = settings.value("locale/userLocale", None)
    settings.setValue("locale/userLocale", "de_DE" if lang == "de" else "en_US")
    install_translator(lang)
    try:
        provider = QgsApplication.processingRegistry().providerById("geotwin")
        for alg in provider.algorithms():
            alg = alg.create()  # parameter labels in the current language
            text = alg.shortHelpString()
            assert text and _ids_left(alg, text) == [], alg.id()
        find = provider.algorithm("findlearningisland").create()
        seats = find.parameterDefinition("SEATS").description()
        help_text = find.shortHelpString()
        quoted = f"\u201e{seats}\u201c" if lang == "de" else f"\u201c{seats}\u201d"
        assert quoted in help_text
        assert seats == ("Seats needed" if lang == "en" else seats) and (lang == "en" or seats != "Seats needed")
        assert "SEATS" not in help_text and "TIME" not in help_text
        # an id that is also a word stays a word: "must share one horizontal CRS"
        city = provider.algorithm("importcitymodel").create().shortHelpString()
        assert lang == "de" or "must share one horizontal CRS" in city
    finally:
        if before is None:
            settings.remove("locale/userLocale")
        else:
            settings.setValue("locale/userLocale", before)
        install_translator()
