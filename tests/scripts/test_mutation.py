"""scripts/mutation.py (make mutation): the work copy and the mutants themselves."""
from __future__ import annotations

import ast
import importlib.util
import sys

import pytest

from geotwin.tests.paths import ROOT


@pytest.fixture()
def tool(monkeypatch):
    spec = importlib.util.spec_from_file_location("geotwin_mutation_tool", ROOT / "scripts" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)   # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_work_copy_leaves_out_every_work_folder(tool, tmp_path, monkeypatch):
    """Parallel runs use their own --work folders (.mutation-crs, .mutation-georef ...): a new copy must not copy
    them (each holds a whole repository; copied into each other they grew to tens of gigabytes)."""
    repo = tmp_path / "repo"
    (repo / "twin").mkdir(parents=True)
    (repo / "twin" / "m.py").write_text("X = 1\n")
    (repo / ".venv").mkdir()
    for other in (".mutation", ".mutation-crs", ".mutation-georef"):
        (repo / other / "twin").mkdir(parents=True)
        (repo / other / "twin" / "m.py").write_text("X = 1\n")
    monkeypatch.setattr(tool, "ROOT", repo)
    monkeypatch.setattr(tool, "WORK", repo / ".mutation-new")
    tool.prepare()
    copied = {p.name for p in (repo / ".mutation-new").iterdir()}
    assert copied == {"twin", ".venv", ".build"}
    assert (repo / ".mutation-new" / ".venv").resolve() == (repo / ".venv").resolve()
    assert (repo / ".mutation-new" / ".build" / "plugins" / "geotwin").resolve() == (repo / ".mutation-new").resolve()


def test_mutants_are_listed_and_applied_one_at_a_time(tool):
    source = 'def f(a, b):\n    """Doc."""\n    if a < b and not a:\n        return a + 1\n    raise ValueError(f"{a}")\n'
    sites = tool.mutants(source)
    assert [s.description for s in sites] == ["Lt -> LtE", "Not removed", "And -> Or", "1 -> 2", "Add -> Sub",
                                              "return value -> return None", "raise removed"]
    assert [s.line for s in sites] == [3, 3, 3, 4, 4, 4, 5]
    assert "a <= b" in tool.mutate(source, 0) and "return a - 1" in tool.mutate(source, 4)
    assert "raise" not in tool.mutate(source, 6) and "Doc." in tool.mutate(source, 6)
    for site in sites:
        ast.parse(tool.mutate(source, site.index))   # every mutant is valid Python
