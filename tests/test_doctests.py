"""The ``Example:`` blocks of the core's docstrings run as doctests (issue 17: docstrings in ifcopenshell.api style).

Every public module-level function of twin/ and bim/ (name without a leading underscore) carries a docstring with
an ``Example:`` block of ``>>>`` lines, and the doctest of its module runs it. The modules are found by walking
the packages, not listed by hand, so a new module is covered the day it is added. An example must be real and
fast (no network beyond servers the example itself starts on 127.0.0.1, temporary files through tempfile) and may
not be switched off with a SKIP directive. Real test data comes from ../shared/data through
``twin.examples.shared_data``.

PENDING names the files whose public functions may still lack an example: they are being rewritten on another
branch. The list only shrinks: a file in it whose functions all have examples fails the test, so it must then
be taken off.
"""
from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("twin", "bim")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: path -> why its public functions may still lack an ``Example:`` (only shrinks; see the module docstring).
PENDING: dict[str, str] = {}

#: "path::name" of public functions still without an example (only shrinks: a name here whose function has an
#: example, or that is gone, fails). Empty: the examples of the network functions run against local servers
#: started inside them (twin/examples.py: Radicale in-process, Mosquitto, a SensorThings replay on 127.0.0.1).
TODO: set[str] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("geotwin", *parts))


def core_files() -> list[Path]:
    """Every module of twin/ and bim/, sorted."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def public_functions(source: str) -> dict[str, str]:
    """Name -> docstring ("" when it has none) of the public module-level functions in ``source``."""
    return {node.name: ast.get_docstring(node) or "" for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_")}


def has_example(docstring: str) -> bool:
    """True when ``docstring`` has an ``Example:`` section followed by at least one ``>>>`` line."""
    head, found, rest = docstring.partition("Example:")
    return bool(found) and ">>>" in rest


def coverage() -> tuple[int, int, list[str]]:
    """(public functions, those with an example, "path::name" of those without) over twin/ and bim/."""
    total, with_example, missing = 0, 0, []
    for path in core_files():
        rel = path.relative_to(ROOT).as_posix()
        for name, doc in public_functions(path.read_text(encoding="utf-8")).items():
            total += 1
            if has_example(doc):
                with_example += 1
            else:
                missing.append(f"{rel}::{name}")
    return total, with_example, missing


def test_the_measure_sees_public_functions_and_their_examples():
    source = '\n'.join([
        'def shown():',
        '    """Does it.\n\n    Example:\n        >>> shown()\n    """',
        'def _private():',
        '    """No example needed."""',
        'def bare():',
        '    """Example: none given."""',
        'class K:',
        '    def method(self):',
        '        pass',
        'async def waits():',
        '    pass',
    ])
    found = public_functions(source)
    assert sorted(found) == ["bare", "shown", "waits"]
    assert [n for n, d in found.items() if has_example(d)] == ["shown"]


def test_every_public_function_has_an_example():
    missing = [m for m in coverage()[2] if m.split("::")[0] not in PENDING and m not in TODO]
    assert missing == [], f"{len(missing)} public functions without an Example: block:\n" + "\n".join(missing)


def test_the_pending_list_only_names_files_that_still_have_gaps():
    gaps = {m.split("::")[0] for m in coverage()[2]}
    for rel in PENDING:
        assert (ROOT / rel).is_file(), f"{rel} is gone: take it off PENDING"
        assert rel in gaps, f"every public function of {rel} has an example now: take it off PENDING"
    assert sorted(TODO - set(coverage()[2])) == [], "these have examples now (or are gone): take them off TODO"


def test_no_example_is_switched_off():
    for path in core_files():
        text = path.read_text(encoding="utf-8")
        assert "+SKIP" not in text, f"{path.relative_to(ROOT)}: examples are not skipped, make them real and fast"


MODULES = [_module_name(p) for p in core_files() if ">>>" in p.read_text(encoding="utf-8")]


def test_the_examples_of_most_modules_run():
    assert len(MODULES) >= 60


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    tests = finder.find(module)
    ran = {t.name.rsplit(".", 1)[-1] for t in tests if t.examples and t.name.count(".") == name.count(".") + 1}
    path = Path(module.__file__ or "").resolve()
    rel = path.relative_to(ROOT).as_posix()
    if rel not in PENDING:   # each public function's Example is found by doctest (not only written)
        shown = [n for n, d in public_functions(path.read_text(encoding="utf-8")).items() if has_example(d)]
        assert [n for n in shown if n not in ran] == [], f"examples of {name} that doctest does not find"
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (see the output)"
