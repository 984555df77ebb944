"""Merge German translations from a JSON file {source: translation} into resources/i18n/geotwin_de.ts."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from lxml import etree

TS = Path(__file__).resolve().parent.parent / "resources" / "i18n" / "geotwin_de.ts"


def apply(mapping: dict[str, str]) -> int:
    """Fill in the translations; return how many were set."""
    tree = etree.parse(str(TS), etree.XMLParser(resolve_entities=False, no_network=True))
    done = 0
    for msg in tree.iter("message"):
        text = mapping.get(msg.findtext("source"))
        if text:
            tr = msg.find("translation")
            tr.text = text
            tr.attrib.pop("type", None)
            done += 1
    tree.write(str(TS), encoding="utf-8", xml_declaration=True, pretty_print=True, doctype="<!DOCTYPE TS>")
    return done


if __name__ == "__main__":
    print(apply(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))), "translations set")
