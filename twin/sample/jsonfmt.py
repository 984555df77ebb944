"""Deterministic JSON text, independent of the process-wide json module state.

Some libraries (cjio) patch ``json.encoder`` to print every float with six decimals; the sample
district must write the same bytes whatever else was imported, so it formats JSON itself:
shortest round-trip floats, keys in insertion order, UTF-8 text, optional indentation.
"""
from __future__ import annotations

import math
from json.encoder import py_encode_basestring
from typing import Any, NoReturn

_c_make_encoder: Any
try:   # CPython's C encoder formats floats with float.__repr__ whatever json.encoder says
    from _json import encode_basestring as _c_encode_basestring
    from _json import make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover - other interpreters
    _c_make_encoder = None

_float_repr = float.__repr__
_int_repr = int.__repr__


def _unsupported(obj: Any) -> NoReturn:
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def dumps(obj: Any, indent: int | None = None) -> str:
    """Write JSON like ``json.dumps``: compact (``,`` and ``:``) or indented; the sample files stay byte-identical
    across Python versions.

    Args:
        obj: the value.
        indent: spaces per level, None for compact.

    Returns:
        The JSON text.

    Example:
        >>> dumps({"a": [1, 2.5]})
        '{"a":[1,2.5]}'
        >>> print(dumps({"a": 1}, indent=1))
        {
         "a": 1
        }
    """
    if indent is None and _c_make_encoder is not None:
        encode = _c_make_encoder(None, _unsupported, _c_encode_basestring, None, ":", ",", False, False, False)
        return "".join(encode(obj, 0))
    parts: list[str] = []
    _encode(obj, parts, indent, 0)
    return "".join(parts)


def _encode(obj: Any, out: list[str], indent: int | None, level: int) -> None:
    if isinstance(obj, str):
        out.append(py_encode_basestring(obj))
    elif obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, int):
        out.append(_int_repr(obj))
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"cannot write {obj!r} as JSON")
        out.append(_float_repr(obj))
    elif isinstance(obj, dict):
        if not obj:
            out.append("{}")
            return
        out.append("{")
        sep, pad, end = _layout(indent, level)
        first = True
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {key!r}")
            out.append(pad if first else sep)
            first = False
            out.append(py_encode_basestring(key))
            out.append(": " if indent is not None else ":")
            _encode(value, out, indent, level + 1)
        out.append(end + "}")
    elif isinstance(obj, (list, tuple)):
        if not obj:
            out.append("[]")
            return
        out.append("[")
        sep, pad, end = _layout(indent, level)
        for i, value in enumerate(obj):
            out.append(pad if i == 0 else sep)
            _encode(value, out, indent, level + 1)
        out.append(end + "]")
    else:
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def _layout(indent: int | None, level: int) -> tuple[str, str, str]:
    if indent is None:
        return ",", "", ""
    inner = "\n" + " " * (indent * (level + 1))
    return "," + inner, inner, "\n" + " " * (indent * level)
