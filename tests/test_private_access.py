"""The modules of the core use only each other's public names (issue 17): no module of twin/ or bim/ imports a
``_private`` name from another GeoTwin module, and none reads or writes a ``_private`` attribute of anything but
itself (``self``, ``cls``, ``super()``). What another module or object needs gets a public name, with a docstring.

Allowed: dunders (``__class__``), the public API of namedtuples that merely starts with an underscore
(``_replace``, ``_asdict``, ``_fields``, ``_make``, ``_field_defaults``) and the documented private-looking
functions of the standard library in STDLIB.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("twin", "bim")
#: namedtuple methods and attributes: public API, underscored only to avoid clashing with field names
NAMEDTUPLE = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
#: documented standard-library names that start with an underscore (module, name)
STDLIB = {("sys", "_getframe"), ("os", "_exit")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_own(node: ast.expr) -> bool:
    """``self``, ``cls`` or ``super()``: the object's own attributes."""
    if isinstance(node, ast.Name):
        return node.id in ("self", "cls")
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def reaches(source: str, name: str = "<source>") -> list[str]:
    """``name:line: code`` of every private import from a GeoTwin module and every private attribute of another
    object in ``source``, in the order of the source."""
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] == "geotwin"):
            found += [(node.lineno, node.col_offset, f"from {'.' * node.level}{node.module or ''} import {alias.name}")
                      for alias in node.names if _private(alias.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr) and not _is_own(node.value) \
                and node.attr not in NAMEDTUPLE \
                and not (isinstance(node.value, ast.Name) and (node.value.id, node.attr) in STDLIB):
            found.append((node.lineno, node.col_offset, ast.unparse(node)))
    return [f"{name}:{line}: {code}" for line, _, code in sorted(found)]


def core_files() -> list[Path]:
    """Every module of twin/ and bim/, sorted."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_core_uses_only_public_names_of_other_modules_and_objects():
    files = core_files()
    assert len(files) > 100   # the whole core, not an empty glob
    found = [hit for path in files for hit in reaches(path.read_text("utf-8"), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_check_finds_private_imports_and_attributes():
    sample = "\n".join([
        "from ..kernel.heights import _datum_key, datum_key",      # 1: private name of another module
        "from geotwin.twin.kernel import gpkg, _helper",           # 2: the same, absolute
        "from os.path import _get_sep",                            # 3: not GeoTwin: not this rule's business
        "writer._created.update(names)",                           # 4: another object's private attribute
        "heights._MODEL_DATUM",                                    # 5: another module's private name
        "self._buffers, cls._cache, super()._headers()",           # 6: its own
        "row._replace(a=1), row._asdict(), Row._fields, Row._make([1])",   # 7: namedtuple API
        "sys._getframe(1), obj.__class__, obj.public",             # 8: stdlib, dunder, public
        "other_sys._getframe(1)",                                  # 9: not the stdlib module
    ])
    assert reaches(sample, "s.py") == [
        "s.py:1: from ..kernel.heights import _datum_key",
        "s.py:2: from geotwin.twin.kernel import _helper",
        "s.py:4: writer._created",
        "s.py:5: heights._MODEL_DATUM",
        "s.py:9: other_sys._getframe",
    ]
