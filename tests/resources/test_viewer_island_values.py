"""The web viewer shows island values (name, booking link, hours) as text, never as HTML, and makes
a link only of an http(s) URL: a static guard over resources/viewer (the browser test shows the panel)."""
from __future__ import annotations

import re

from geotwin.tests.paths import ROOT

VIEWER = ROOT / "resources" / "viewer"
HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
              "setAttribute(\"href\"", "setAttribute('href'")


def _sources() -> dict[str, str]:
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(VIEWER.glob("*")) if p.suffix in (".js", ".html")}
    assert "viewer.js" in files and "index.html" in files
    return files


def test_no_html_sinks_in_the_viewer():
    for name, text in _sources().items():
        for sink in HTML_SINKS:
            assert sink not in text, f"{name} uses {sink}: insert values with textContent"


def test_links_are_made_only_of_http_urls():
    js = _sources()["viewer.js"]
    m = re.search(r"function isHttpUrl\(value\)\s*\{\s*return (.+?);\s*\}", js, re.S)
    assert m and m.group(1).strip() == 'typeof value === "string" && /^https?:\\/\\//i.test(value)'
    calls = [line for line in js.splitlines() if re.search(r"\blink\(", line) and "function link(" not in line]
    assert calls, "the viewer makes no links at all?"
    for line in calls:
        assert "isHttpUrl(" in line, f"a link made without the http(s) check: {line.strip()}"
    hrefs = [line for line in js.splitlines() if ".href" in line]
    assert [h.strip() for h in hrefs] == ["a.href = url;"], "href is set only inside link()"
