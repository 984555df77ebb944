"""Every ``pytest.raises`` in the tests names the message it expects (``match=``): an exception of the right class
but with the wrong message (another error branch) must fail the test."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _raises_without_match(path: Path, root: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "raises" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "pytest" \
                and not any(k.arg == "match" for k in node.keywords):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_every_pytest_raises_has_match():
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) > 100   # the whole test tree, not an empty glob
    assert [hit for path in files for hit in _raises_without_match(path, TESTS)] == []


def test_the_check_finds_a_raises_without_match(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import pytest\nwith pytest.raises(ValueError):\n    int('x')\n"
                      "with pytest.raises(ValueError, match='invalid literal'):\n    int('x')\n")
    assert _raises_without_match(sample, tmp_path) == ["sample.py:2: pytest.raises(ValueError)"]
