"""Extract the plugin's user-facing strings into resources/i18n/*.ts and compile them to .qm.

Strings are found statically: literal arguments of ``tr(...)``/``self.tr(...)``, the
``DISPLAY_NAME``, ``GROUP_NAME`` and ``HELP`` class constants of the algorithms, and the labels
(the last string of each inner tuple) of ``*_CHOICES`` and ``*_OUTPUTS`` tables that the code
translates at run time with ``self.tr(label)``. Existing
translations are kept; new strings are marked unfinished, vanished ones are dropped.
Usage: translations.py [--check]  (--check: exit 1 when a German translation is missing)
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
CONTEXT = "GeoTwin"
SOURCES = ("plugin", "processing")
CLASS_CONSTANTS = {"DISPLAY_NAME", "GROUP_NAME", "HELP"}
LABEL_TABLES = ("_CHOICES", "_OUTPUTS")
LANGUAGES = {"de": "de_DE", "en": "en_US"}


def extract() -> dict[str, str]:
    """Map every translatable source string to 'file:line' of its first occurrence."""
    found: dict[str, str] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            rel = path.relative_to(ROOT).as_posix()
            for node in ast.walk(tree):
                text = None
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                    if name == "tr" and node.args and isinstance(node.args[0], ast.Constant):
                        text = node.args[0].value
                elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                      and getattr(node.targets[0], "id", "").endswith(LABEL_TABLES)
                      and isinstance(node.value, (ast.Tuple, ast.List))):
                    for row in node.value.elts:
                        last = row.elts[-1] if isinstance(row, (ast.Tuple, ast.List)) and row.elts else None
                        if isinstance(last, ast.Constant) and isinstance(last.value, str) and last.value:
                            found.setdefault(last.value, f"{rel}:{row.lineno}")
                elif isinstance(node, ast.ClassDef):
                    for stmt in node.body:
                        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                                and getattr(stmt.targets[0], "id", None) in CLASS_CONSTANTS
                                and isinstance(stmt.value, ast.Constant)):
                            if isinstance(stmt.value.value, str) and stmt.value.value:
                                found.setdefault(stmt.value.value, f"{rel}:{stmt.lineno}")
                if isinstance(text, str) and text:
                    found.setdefault(text, f"{rel}:{node.lineno}")
    return found


def read_ts(path: Path) -> dict[str, str]:
    """Finished translations of an existing .ts file."""
    if not path.exists():
        return {}
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    out = {}
    for msg in tree.iter("message"):
        source = msg.findtext("source")
        tr = msg.find("translation")
        if source is not None and tr is not None and tr.text and tr.get("type") not in ("unfinished", "obsolete"):
            out[source] = tr.text
    return out


def write_ts(path: Path, language: str, strings: dict[str, str], translations: dict[str, str],
             identity: bool) -> list[str]:
    """Write the .ts; return the source strings still lacking a translation."""
    ts = etree.Element("TS", version="2.1", language=language, sourcelanguage="en_US")
    ctx = etree.SubElement(ts, "context")
    etree.SubElement(ctx, "name").text = CONTEXT
    missing = []
    for source, where in sorted(strings.items(), key=lambda kv: kv[1]):
        msg = etree.SubElement(ctx, "message")
        file, line = where.rsplit(":", 1)
        etree.SubElement(msg, "location", filename=f"../../{file}", line=line)
        etree.SubElement(msg, "source").text = source
        tr = etree.SubElement(msg, "translation")
        text = source if identity else translations.get(source)
        if text:
            tr.text = text
        else:
            tr.set("type", "unfinished")
            missing.append(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(ts).write(str(path), encoding="utf-8", xml_declaration=True, pretty_print=True,
                                doctype="<!DOCTYPE TS>")
    return missing


def lrelease(ts: Path) -> None:
    tool = shutil.which("lrelease") or "/usr/lib/qt5/bin/lrelease"
    subprocess.run([tool, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)


def main(check: bool) -> int:
    strings = extract()
    missing_de: list[str] = []
    for short, language in LANGUAGES.items():
        ts = I18N / f"geotwin_{short}.ts"
        missing = write_ts(ts, language, strings, read_ts(ts), identity=(short == "en"))
        lrelease(ts)
        if short == "de":
            missing_de = missing
    print(f"{len(strings)} strings; German missing: {len(missing_de)}")
    for s in missing_de:
        print(f"  untranslated: {s[:90]!r}")
    return 1 if (check and missing_de) else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
