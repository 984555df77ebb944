"""The algorithms read the core's reports by attribute, never by string key (issue 17: a typed export report).

An export or build returns a typed result (``ExportResult.summary`` is an ``ExportReport`` with its ``terrain``
part, ``BuildResult`` ...). A Processing algorithm that reaches into a report with ``report["terrain"]`` or
``result.report.get("terrain")`` depends on the spelling of ``export_report.json`` instead of on a type that
mypy checks. This test walks the AST of every module in processing/algorithms and fails on a string-key
subscript or ``.get("...")`` of anything that holds a report or result: a name or attribute called
``*report*``, ``*result*`` or ``*summary*``, and every name assigned from such a value (followed through
assignments and ``for`` loops within the function).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALGORITHMS = ROOT / "processing" / "algorithms"
REPORTISH = re.compile(r"report|result|summary", re.IGNORECASE)
KEYED_CALLS = frozenset({"get", "setdefault", "pop"})


def _string_key(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _tainted(node: ast.AST, names: set[str]) -> bool:
    """True when ``node`` mentions a report: a report-like name or attribute, or a name in ``names``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and (REPORTISH.search(sub.id) or sub.id in names):
            return True
        if isinstance(sub, ast.Attribute) and REPORTISH.search(sub.attr):
            return True
    return False


def _bound_names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _tainted_names(function: ast.AST) -> set[str]:
    """The names of ``function`` that hold (a part of) a report, followed to a fixpoint."""
    names: set[str] = set()
    while True:
        before = len(names)
        for node in ast.walk(function):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None \
                    and _tainted(node.value, names):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names.update(n for t in targets for n in _bound_names(t))
            elif isinstance(node, ast.NamedExpr) and _tainted(node.value, names):
                names.add(node.target.id)
            elif isinstance(node, (ast.For, ast.comprehension)) and _tainted(node.iter, names):
                names.update(_bound_names(node.target))
        if len(names) == before:
            return names


def keyed_report_reads(source: str, filename: str = "<source>") -> list[str]:
    """'file:line: code' of every string-key read of a report in ``source``."""
    tree = ast.parse(source, filename)
    found: set[tuple[int, str]] = set()
    scopes = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    for scope in scopes or [tree]:
        names = _tainted_names(scope)
        for node in ast.walk(scope):
            if isinstance(node, ast.Subscript) and _string_key(node.slice) and _tainted(node.value, names):
                found.add((node.lineno, ast.unparse(node)))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in KEYED_CALLS and node.args and _string_key(node.args[0]) \
                    and _tainted(node.func.value, names):
                found.add((node.lineno, ast.unparse(node)))
    return [f"{filename}:{line}: {code}" for line, code in sorted(found)]


OLD_EXPORT3DTILES = '''
def processAlgorithm(self, parameters, context, feedback):
    result = self._export(source, output, options, parameters, context, steps)
    terrain = result.report.get("terrain")
    if terrain:
        feedback.pushInfo("{0} {1}".format(terrain["tiles"], terrain["maxLevel"]))
    return {"TERRAIN_TILES": (result.report.get("terrain") or {}).get("tiles", 0)}
'''

TYPED_EXPORT3DTILES = '''
def processAlgorithm(self, parameters, context, feedback):
    constant = parameters.get("GEOID_CONSTANT")
    parts = decode("ogr", uri)
    path = parts["path"]
    result = self._export(source, output, options, parameters, context, steps)
    terrain = result.summary.terrain
    if terrain is not None:
        feedback.pushInfo("{0} {1}".format(terrain.tiles, terrain.max_level))
    return {"TERRAIN_TILES": terrain.tiles if terrain is not None else 0}
'''


def test_the_check_finds_the_string_key_reads_of_the_old_export_algorithm():
    found = keyed_report_reads(OLD_EXPORT3DTILES)
    assert found == [
        "<source>:4: result.report.get('terrain')",
        "<source>:6: terrain['maxLevel']",
        "<source>:6: terrain['tiles']",
        "<source>:7: (result.report.get('terrain') or {}).get('tiles', 0)",
        "<source>:7: result.report.get('terrain')",
    ]


def test_the_check_passes_attribute_reads_and_keys_of_other_dicts():
    assert keyed_report_reads(TYPED_EXPORT3DTILES) == []


def test_the_check_follows_loops_and_nested_reads():
    source = ("def f(build):\n"
              "    stats = build.summary\n"
              "    for part in stats.partitions:\n"
              "        n = part['buildings']\n"
              "    rows = [p for p in build_result.items]\n"
              "    return rows[0]['key'], build.report_json\n")
    assert keyed_report_reads(source) == ["<source>:4: part['buildings']", "<source>:6: rows[0]['key']"]


def test_no_algorithm_reads_a_report_by_string_key():
    files = sorted(ALGORITHMS.glob("*.py"))
    assert len(files) >= 9 and (ALGORITHMS / "export3dtiles.py") in files
    found = [line for path in files
             for line in keyed_report_reads(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert found == []
