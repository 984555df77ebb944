"""The layer rule of docs/DEVELOPING.md holds: the import-linter contracts of .importlinter are all kept (layers
one way, no qgis/PyQt in the core, the sources independent of each other) and no module import cycle exists in
twin/, bim/, processing/ or plugin/ (lazy imports inside functions count too)."""
from __future__ import annotations

import configparser
import sys

import grimp
from importlinter.cli import lint_imports

from geotwin.tests.paths import ROOT

CONFIG = ROOT / ".importlinter"
CORE = ("geotwin.twin", "geotwin.bim", "geotwin.processing", "geotwin.plugin")


def test_the_contracts_are_kept(capsys, monkeypatch):
    # import-linter puts the working directory (the plugin's root) first on sys.path; the plugin's processing/
    # would then shadow QGIS's Processing framework for every later test: sys.path is restored afterwards
    monkeypatch.setattr(sys, "path", list(sys.path))
    code = lint_imports(config_filename=str(CONFIG), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Contracts: 4 kept, 0 broken." in out, out


def test_the_contracts_name_every_layer():
    config = configparser.ConfigParser()
    config.read(CONFIG)
    layers = config["importlinter:contract:layers"]["layers"].split()
    names = [n for n in layers if n not in ("|", ":")]
    assert names == ["plugin", "processing", "twin.examples", "twin.build", "twin.conflation", "twin.tiles", "twin.scale", "twin.store",
                     "twin.citymodel", "bim", "twin.islands", "twin.sensors", "twin.sample", "twin.kernel"]
    for name in names:   # each is a module or package of the repository (a typo would make the rule vacuous)
        path = ROOT.joinpath(*name.split("."))
        assert path.is_dir() or path.with_suffix(".py").is_file(), name
    assert config["importlinter:contract:core-without-qgis"]["forbidden_modules"].split() == ["qgis", "PyQt5",
                                                                                            "PyQt6"]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph = grimp.build_graph("geotwin", cache_dir=None)
    modules = {m for m in graph.modules if m.startswith(CORE)}
    assert len(modules) > 100
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    assert _cycles(edges) == []
