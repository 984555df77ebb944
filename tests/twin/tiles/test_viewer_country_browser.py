"""An address's country in the page language, in headless chromium (Debian's, through tests/browser/webmap.cjs): the
value as the source wrote it ("Germany" in the Hamburg LoD2 CityGML, "Deutschland", "DE") is named by the browser's
Intl.DisplayNames, with no table of our own; unknown values stay as stored. The fixture tileset of test_viewer_browser.
One chromium launch."""
from __future__ import annotations

import json
import re

from geotwin.tests.twin.tiles.browser_job import page_values, served_site
from geotwin.tests.twin.tiles.test_viewer_browser import write_fixture_tileset
from geotwin.twin.tiles.viewer import write_viewer

#: (property, stored value) -> (German, English) as CLDR names the country; None: shown as stored.
CASES = [
    (("country", "Germany"), ("Deutschland", "Germany")),
    (("country", "Deutschland"), ("Deutschland", "Germany")),
    (("country", "DE"), ("Deutschland", "Germany")),
    (("country", " germany "), ("Deutschland", "Germany")),
    (("country", "France"), ("Frankreich", "France")),
    (("country", "Vereinigte Staaten"), ("Vereinigte Staaten", "United States")),
    (("country", "NL"), ("Niederlande", "Netherlands")),
    (("attributes.country", "Österreich"), ("Österreich", "Austria")),
    (("country", "Atlantis"), None),
    (("country", "Bundesrepublik Deutschland"), None),
    (("country", "XA"), None),  # user-assigned code (a pseudo-locale to the browser): no country
    (("country", "ZZ"), None),
    (("name", "Germany"), None),  # not a country field
    (("city", "DE"), None),
]
SHOWN = f"{json.dumps([c[0] for c in CASES])}.map(c => window.geotwin.formatValue(c[1], c[0]))"


def test_country_names_follow_the_page_language(tmp_path, shared_data):
    gml = shared_data / "citygml" / "hamburg" / "2022" / "LoD2_576_5950_1_HH.xml"
    assert set(re.findall(r"<xAL:CountryName>([^<]*)<", gml.read_text(encoding="utf-8"))) == {"Germany"}  # as seen
    with served_site(tmp_path) as (site, base, _node):
        out = site / "city"
        write_fixture_tileset(out, "1.1")
        write_viewer(out, cesium_url=site / "cesium", title="GeoTwin")
        steps = [{"eval": "document.documentElement.lang", "as": "lang_de"}, {"eval": SHOWN, "as": "de"},
                 {"click": "#lang-switch"},
                 {"eval": "document.documentElement.lang", "as": "lang_en"}, {"eval": SHOWN, "as": "en"}]
        values = page_values(_node, f"{base}/city/viewer/index.html", steps, tmp_path, timeout=240)
    assert (values["lang_de"], values["lang_en"]) == ("de", "en")
    for side, lang in enumerate(("de", "en")):
        expected = [names[side] if names else value for (_prop, value), names in CASES]
        assert values[lang] == expected, (lang, values[lang])
