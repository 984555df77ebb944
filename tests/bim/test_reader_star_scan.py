"""The scan for ``*`` written for explicit attributes (bim/reader.py) on hostile and random input: one linear pass
(a * far from any instance start, a huge argument list of stars), stars and separators inside strings, and
ifcopenshell's own reading as the oracle for what stays and what becomes unset."""
from __future__ import annotations

import ifcopenshell
from hypothesis import given, settings
from hypothesis import strategies as st

from geotwin.bim.reader import _arguments, _starred_instances, open_ifc

HEADER = """ISO-10303-21;
HEADER;
FILE_DESCRIPTION(('ViewDefinition [CoordinationView]'),'2;1');
FILE_NAME('stars.ifc','2026-12-04T00:00:00',(''),(''),'','','');
FILE_SCHEMA(('IFC4'));
ENDSEC;
DATA;
#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'P',$,$,$,$,$,$);
"""
FOOTER = "ENDSEC;\nEND-ISO-10303-21;\n"


def test_stars_far_from_an_instance_start_and_in_bulk():
    many = b"#7=IFCX((" + b"*," * 200_000 + b"*));"
    assert _starred_instances(many) == [7]
    far = b"#8=IFCX('" + b"x" * 10_000 + b"',*,$);"   # the start lies beyond the look-back: not attributed
    assert _starred_instances(far) == []
    assert _starred_instances(b"#9=IFCX('a,*,b',$);#10=IFCY($,*);") == [9, 10]   # a * in a string costs a look
    assert _starred_instances(b"*,*,*" * 1000) == []


TEXT = st.text(alphabet=st.sampled_from(list("ab*,;()$#=' ")), max_size=12)
VALUE = st.one_of(st.just("*"), st.just("$"), TEXT)


def _step(value: str) -> str:
    return value if value in ("*", "$") else "'" + value.replace("'", "''") + "'"


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(VALUE, VALUE, VALUE, VALUE), min_size=1, max_size=6))
def test_random_windows_against_ifcopenshell(tmp_path_factory, rows):
    """IfcWindow's Name, Description, ObjectType and Tag as *, $ or strings full of STEP separators: a * becomes
    unset, every string stays exactly what ifcopenshell reads from the original text."""
    lines = [f"#{100 + n}=IFCWINDOW('{n:022d}',$,{_step(a)},{_step(b)},{_step(c)},$,$,{_step(d)},$,$,$,$,$);"
             for n, (a, b, c, d) in enumerate(rows)]
    path = tmp_path_factory.mktemp("stars") / "stars.ifc"
    path.write_text(HEADER + "\n".join(lines) + "\n" + FOOTER, encoding="utf-8")
    original = ifcopenshell.open(str(path))
    warnings: list[str] = []
    model = open_ifc(path, warnings)
    starred = 0
    for n, values in enumerate(rows):
        window, before = model.by_id(100 + n), original.by_id(100 + n)
        arguments = _arguments(window.to_string())
        for index, value in zip((2, 3, 4, 7), values):
            assert window[index] == before[index]
            assert arguments[index] == ("$" if value == "*" else _step(value))
        starred += "*" in values
    expected = [f"{starred} instances write * (a derived value)"] if starred else []
    assert [w.split(" for ")[0] for w in warnings if "derived" in w] == expected
