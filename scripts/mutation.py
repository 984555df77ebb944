"""Mutation testing of GeoTwin's core, one module at a time (`make mutation`; never part of `make test`).

A small AST mutator (mutmut 3 copies sources into its own `mutants/` tree and cannot follow the
`.build/plugins/geotwin` symlink the tests import through): the repository is copied once into
`.mutation/` (git-ignored), each mutant of a module is written into that copy and the module's test
files are run there (`pytest -x`, in a subprocess). A mutant is killed when the tests fail or time out.

Mutations: arithmetic operators, comparisons, and/or, `not` removed, unary minus removed, integer and
float constants (+1), True/False swapped, `return x` -> `return None`, a call statement or `raise`
replaced by `pass`, break/continue swapped. Strings and docstrings are not mutated.

Usage: scripts/mutation.py [MODULE ...] [--tests FILE ...]   (default: the modules in TESTS below)

Scores are recorded in RESULTS (docs/mutation-scores.json): a full run of a module replaces its entry (killed, total,
date, the module's SHA-256, the survivors); a rerun of some of those survivors (``--indices``) while the module is
unchanged updates it (tests are only ever added, so a killed mutant stays killed). Other partial runs
(``--sample``, ``--lines``, ``--tests``) are not recorded.
"""
from __future__ import annotations

import argparse
import ast
import copy
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
RESULTS = ROOT / "docs" / "mutation-scores.json"

# module -> its fast test files (seconds, not minutes)
TESTS: dict[str, list[str]] = {
    "bim/georef.py": ["tests/bim/test_georef_rules.py", "tests/bim/test_georef_limits.py"],
    "twin/kernel/crs.py": ["tests/twin/kernel/test_crs_forms.py", "tests/twin/kernel/test_crs_names.py",
                           "tests/twin/kernel/test_crs.py", "tests/twin/kernel/test_crs_limits.py"],
    "twin/islands/search.py": ["tests/twin/islands/test_search_errors.py"],
    "twin/tiles/metadata.py": ["tests/twin/tiles/test_metadata_limits.py"],
    "twin/kernel/numeric.py": ["tests/twin/kernel/test_numeric.py"],
    "twin/kernel/heights.py": ["tests/twin/kernel/test_heights.py", "tests/twin/kernel/test_heights_geoid.py",
                               "tests/twin/kernel/test_heights_limits.py"],
    "twin/islands/opening_hours.py": ["tests/twin/islands/test_opening_hours.py",
                                      "tests/twin/islands/test_opening_hours_limits.py"],
    # twin/sensors/lorawan.py: its store needs a broker (tests/twin/sensors/test_lorawan.py, a minute a run); the
    # device table and message part (lines 87-252) has fast tests: --lines ... --tests test_lorawan_parsing.py
}

_BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
          ast.Mod: ast.Mult, ast.Pow: ast.Mult, ast.LShift: ast.RShift, ast.RShift: ast.LShift,
          ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitOr}
_CMP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
        ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


@dataclass
class Mutant:
    index: int
    line: int
    description: str


class _Mutator(ast.NodeTransformer):
    """Counts mutation sites in source order; with `target` set, applies only that one."""

    def __init__(self, target: int | None = None) -> None:
        self.target = target
        self.sites: list[Mutant] = []

    def _site(self, node: ast.AST, description: str) -> bool:
        index = len(self.sites)
        self.sites.append(Mutant(index, getattr(node, "lineno", 0), description))
        return index == self.target

    def _docstring(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
            and isinstance(node.value.value, str)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node  # annotations are not mutated

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.body = [self.visit(stmt) for stmt in node.body]
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [d if d is None else self.visit(d) for d in node.args.kw_defaults]
        return node  # decorators, annotations untouched

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        new = _BINOP.get(type(node.op))
        if new and self._site(node, f"{type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        new = _BINOP.get(type(node.op))
        if new and self._site(node, f"{type(node.op).__name__}= -> {new.__name__}="):
            node.op = new()
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            new = _CMP.get(type(op))
            if new and self._site(node, f"{type(op).__name__} -> {new.__name__}"):
                node.ops[i] = new()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._site(node, f"{type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, (ast.Not, ast.USub, ast.Invert)) \
                and self._site(node, f"{type(node.op).__name__} removed"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._site(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, (int, float)) and value + 1 != value \
                and self._site(node, f"{value!r} -> {value + 1!r}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None) \
                and self._site(node, "return value -> return None"):
            node.value = None
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if self._docstring(node):
            return node
        self.generic_visit(node)
        if isinstance(node.value, ast.Call) and self._site(node, "call statement removed"):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        if self._site(node, "raise removed"):
            return ast.copy_location(ast.Pass(), node)
        return node  # the message is not mutated

    def visit_Break(self, node: ast.Break) -> ast.AST:
        if self._site(node, "break -> continue"):
            return ast.copy_location(ast.Continue(), node)
        return node

    def visit_Continue(self, node: ast.Continue) -> ast.AST:
        if self._site(node, "continue -> break"):
            return ast.copy_location(ast.Break(), node)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # f-strings are messages

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node  # `level` of relative imports is no constant


def mutants(source: str) -> list[Mutant]:
    mutator = _Mutator()
    mutator.visit(ast.parse(source))
    return mutator.sites


def mutate(source: str, index: int) -> str:
    tree = ast.parse(source)
    mutator = _Mutator(index)
    tree = ast.fix_missing_locations(mutator.visit(copy.deepcopy(tree)))
    return ast.unparse(tree)


def prepare() -> None:
    """Copy the repository into WORK (sources only) with its own plugin symlink and the shared venv."""
    if WORK.exists():
        shutil.rmtree(WORK)
    skip = {".git", ".venv", "node_modules", ".build", ".tools", ".mutation", "mutants", ".hypothesis",
            "corpus", "demo-output", "__pycache__", ".pytest_cache"}
    # every work folder (.mutation, .mutation-crs, ... of parallel runs) holds a whole copy: never copied
    shutil.copytree(ROOT, WORK, ignore=lambda _d, names: [n for n in names if n in skip or n.startswith(".mutation")],
                    symlinks=True)
    (WORK / ".venv").symlink_to(ROOT / ".venv")
    (WORK / ".build" / "plugins").mkdir(parents=True)
    (WORK / ".build" / "plugins" / "geotwin").symlink_to(WORK)


def run_tests(tests: list[str], timeout: float, qgis: bool = True) -> tuple[bool, float]:
    """True when the tests pass. Timeouts count as failures (a killed mutant). ``qgis=False`` leaves out
    pytest-qgis (QGIS's start-up costs seconds per run) for tests that need no QGIS."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.setdefault("GEOTWIN_SHARED_DATA", str(ROOT.parent / "shared" / "data"))  # the copy has no ../shared
    start = time.monotonic()
    try:
        proc = subprocess.run(["scripts/env.sh", ".venv/bin/python", "-m", "pytest", "-x", "-q",
                               *([] if qgis else ["-p", "no:pytest_qgis"]), *tests], cwd=WORK, env=env, timeout=timeout,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc.returncode == 0, time.monotonic() - start
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - start


def run_module(module: str, tests: list[str], sample: int = 0,
               lines: set[int] | None = None, indices: set[int] | None = None) -> tuple[int, int, list[Mutant]]:
    """Run every mutant of ``module`` (or ``sample`` of them, evenly spread; or those on ``lines``)."""
    target = WORK / module
    original = (ROOT / module).read_text()
    sites = mutants(original)
    if lines:
        sites = [site for site in sites if site.line in lines]
    if indices:
        sites = [site for site in sites if site.index in indices]
    if 0 < sample < len(sites):
        sites = [sites[i * len(sites) // sample] for i in range(sample)]
    print(f"== {module}: {len(sites)} mutants, tests: {' '.join(tests)}", flush=True)
    qgis = False
    ok, baseline = run_tests(tests, timeout=900, qgis=False)
    if not ok:
        qgis = True
        ok, baseline = run_tests(tests, timeout=900)
    if not ok:
        raise SystemExit(f"{module}: the tests fail without any mutation; fix them first")
    survivors: list[Mutant] = []
    try:
        for site in sites:
            target.write_text(mutate(original, site.index))
            passed, _ = run_tests(tests, timeout=baseline * 3 + 30, qgis=qgis)
            if passed:
                survivors.append(site)
                print(f"   survived  line {site.line}: {site.description} (#{site.index})", flush=True)
    finally:
        target.write_text(original)
    killed = len(sites) - len(survivors)
    score = 100.0 * killed / len(sites) if sites else 100.0
    print(f"   {module}: killed {killed}/{len(sites)} = {score:.0f} %", flush=True)
    return killed, len(sites), survivors


def record(module: str, tests: list[str], total: int, survivors: list[Mutant], rerun: set[int] | None) -> None:
    """Write a full run's score into RESULTS, or a rerun of recorded survivors (same module source) into its entry."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    digest = hashlib.sha256((ROOT / module).read_bytes()).hexdigest()
    today = datetime.date.today().isoformat()
    left = [{"index": s.index, "line": s.line, "mutation": s.description} for s in survivors]
    if rerun is not None:
        entry = results.get(module)
        if entry is None or entry["sha256"] != digest or not rerun <= {s["index"] for s in entry["survivors"]}:
            print(f"   {module}: not recorded (no full run of this source whose survivors these are)", flush=True)
            return
        still = {s.index for s in survivors}
        left = [s for s in entry["survivors"] if s["index"] not in rerun or s["index"] in still]
        total = entry["total"]
        tests = sorted(set(entry["tests"]) | set(tests))
    results[module] = {"killed": total - len(left), "total": total,
                       "score": round(100.0 * (total - len(left)) / max(total, 1), 1), "date": today,
                       "sha256": digest, "tests": tests, "survivors": left}
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=1, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="module paths relative to the repository root")
    parser.add_argument("--tests", nargs="+", help="test files (default: the module's entry in TESTS)")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    parser.add_argument("--work", help="work folder (default .mutation; one per parallel run)")
    parser.add_argument("--lines", help="only the mutants on these lines (comma-separated), e.g. to rerun survivors")
    parser.add_argument("--indices", help="only these mutants (the #numbers of --list), comma-separated")
    parser.add_argument("--sample", type=int, default=0, help="run only this many mutants, evenly spread")
    args = parser.parse_args()
    modules = args.modules or list(TESTS)
    if args.list:
        for module in modules:
            for site in mutants((ROOT / module).read_text()):
                print(f"{module}:{site.line}: #{site.index} {site.description}")
        return 0
    if args.work:
        global WORK
        WORK = ROOT / args.work
    prepare()
    results = []
    for module in modules:
        tests = args.tests or [t for t in TESTS.get(module, []) if (ROOT / t).exists()]
        if not tests:
            print(f"{module}: no test files known; pass --tests", file=sys.stderr)
            return 2
        indices = {int(n) for n in args.indices.split(",")} if args.indices else None
        killed, total, survivors = run_module(module, tests, args.sample,
                                              {int(n) for n in args.lines.split(",")} if args.lines else None, indices)
        results.append((module, killed, total, survivors))
        if not (args.sample or args.lines or args.tests):
            record(module, tests, total, survivors, indices)
    print("\nmodule                          killed/total  score")
    for module, killed, total, _ in results:
        print(f"{module:32s} {killed:5d}/{total:<5d}  {100.0 * killed / max(total, 1):5.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
