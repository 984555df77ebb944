"""Open .ifc/.ifczip files and refuse the ones that are not, truncated or mislabelled."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zlib import error as zlib_error

from ..twin.kernel.errors import InputError

if TYPE_CHECKING:
    import ifcopenshell

_MAGIC = b"ISO-10303-21"
_END = b"END-ISO-10303-21"
_TYPE_RE = re.compile(rb"=\s*(IFC[A-Z0-9_]+)\s*\(", re.IGNORECASE)
_SCHEMA_RE = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.IGNORECASE)


MAX_IFC_BYTES = 4 << 30     # default limit of an .ifc, or of the .ifc inflated from an .ifczip (4 GiB)
MAX_ZIP_RATIO = 200         # inflated / compressed size above which an .ifczip member is a zip bomb
_CHUNK = 1 << 20


def _limit_text(limit: int) -> str:
    return f"{limit / (1 << 20):.0f} MiB" if limit >= 1 << 20 else f"{limit} bytes"


def _ifc_members(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The one .ifc of an .ifczip (macOS resource forks ignored); encrypted or several refused."""
    members = [m for m in archive.infolist() if m.filename.lower().endswith(".ifc") and not m.is_dir()
               and not m.filename.startswith("__MACOSX/") and not Path(m.filename).name.startswith("._")]
    if len(members) != 1:
        names = ", ".join(m.filename for m in members[:5]) + (", ..." if len(members) > 5 else "")
        found = f": {names}" if members else ""
        raise InputError(f"an .ifczip must hold exactly one .ifc file, found {len(members)}{found}", path=str(path))
    member = members[0]
    if member.flag_bits & 0x1:
        raise InputError(f"the .ifc file {member.filename} in the archive is encrypted; GeoTwin reads only "
                         "unencrypted .ifczip files", path=str(path))
    return member


def _step_bytes(path: Path, zipped: bool, max_bytes: int = MAX_IFC_BYTES) -> bytes:
    """The STEP text of an .ifc, or of the single .ifc inside an .ifczip, refused beyond ``max_bytes`` (the
    inflated size is counted while inflating, never taken from the archive's header) or, inflated, beyond
    MAX_ZIP_RATIO times its compressed size."""
    if not zipped:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"the file is {_limit_text(size)}, more than the limit of {_limit_text(max_bytes)} "
                             "(raise MAX_SIZE_MB if it is genuine)", path=str(path))
        return path.read_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            member = _ifc_members(path, archive)
            compressed = max(1, min(member.compress_size, path.stat().st_size))
            ratio_limit = max(MAX_ZIP_RATIO * compressed, 1 << 20)   # tiny archives may inflate to 1 MiB
            chunks, total = [], 0
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise InputError(f"{member.filename} inflates to more than the limit of "
                                         f"{_limit_text(max_bytes)} (raise MAX_SIZE_MB if it is genuine)",
                                         path=str(path))
                    if total > ratio_limit:
                        raise InputError(f"{member.filename} inflates to more than {MAX_ZIP_RATIO} times its "
                                         f"compressed size of {compressed} bytes: refused as a zip bomb",
                                         path=str(path))
                    chunks.append(chunk)
            return b"".join(chunks)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, zlib_error,
            ValueError) as err:
        raise InputError(f"the zip archive is damaged or unsupported: {err}", path=str(path)) from err
    except OSError as err:    # a damaged archive points outside itself (EINVAL), or the disk fails
        raise InputError(f"the zip archive is damaged or cannot be read: {err.strerror or err}",
                         path=str(path)) from err


def _check_step(path: Path, data: bytes) -> None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(_MAGIC):
        raise InputError("not an IFC file: it does not start with ISO-10303-21;", path=str(path), line=1)
    if _END not in data[-4096:]:
        lines = data.count(b"\n") + 1
        raise InputError(f"truncated STEP file: END-ISO-10303-21; is missing (the file stops at line {lines})",
                         path=str(path), line=lines)


def _check_schema(path: Path, data: bytes, schema: str, warnings: list[str] | None) -> None:
    """Refuse a file whose entities do not exist in the schema its header declares.

    With ``warnings`` (a pre-release schema read as its release) unknown types are reported instead.
    """
    import ifcopenshell.ifcopenshell_wrapper as wrapper

    declared = wrapper.schema_by_name(schema)
    names = {m.decode("ascii").upper() for m in set(_TYPE_RE.findall(data))}
    unknown = sorted(n for n in names if not _declares(declared, n))
    if not unknown:
        return
    if warnings is not None:
        warnings.append(f"{path.name}: entity types unknown to {schema} were ignored: {', '.join(unknown)}")
        return
    fits = [s for s in ("IFC4", "IFC4X3_ADD2", "IFC2X3") if s != schema
            and all(_declares(wrapper.schema_by_name(s), n) for n in names)]
    hint = f"; the content is {fits[0]}: correct the FILE_SCHEMA header" if fits else ""
    raise InputError(
        f"the header declares {schema} but the file uses {len(unknown)} entity types that {schema} does not have "
        f"({', '.join(unknown[:5])}{', ...' if len(unknown) > 5 else ''}){hint}",
        path=str(path), line=_line_of(data, unknown[0]))


def _declares(schema: Any, name: str) -> bool:
    try:
        schema.declaration_by_name(name)
        return True
    except (RuntimeError, IndexError, KeyError):
        return False


def _line_of(data: bytes, entity: str) -> int | None:
    match = re.search(rb"=\s*" + entity.encode() + rb"\s*\(", data, re.IGNORECASE)
    return data.count(b"\n", 0, match.start()) + 1 if match else None


def _supported_schema(path: Path, data: bytes, warnings: list[str]) -> bytes:
    """Read pre-release IFC4X3 schemas (RC1..RC4, ADD1, TC1) as IFC4X3_ADD2, with a warning."""
    import ifcopenshell.ifcopenshell_wrapper as wrapper

    match = _SCHEMA_RE.search(data[:65536])
    if not match:
        raise InputError("the header has no FILE_SCHEMA", path=str(path))
    declared = match.group(1).decode("ascii", errors="replace").upper()
    if declared in {n.upper() for n in wrapper.schema_names()} or declared == "IFC2X3":
        return data
    if declared.startswith("IFC4X3"):
        warnings.append(f"{path.name}: schema {declared} is a pre-release of IFC 4.3; read as IFC4X3_ADD2")
        return _rc_strata(data[:match.start(1)] + b"IFC4X3_ADD2" + data[match.end(1):], warnings, path.name)
    raise InputError(f"unsupported IFC schema {declared} (supported: IFC2X3, IFC4, IFC4X3)", path=str(path))


# Products that are not built things: the spatial structure (rooms are read apart), voids, virtual boundaries,
# annotations, grids/alignments/referents, ports, axis-only linear elements and the structural analysis model.
SKIPPED_CLASSES = ("IfcSpatialElement", "IfcSpatialStructureElement", "IfcOpeningElement", "IfcVoidingFeature",
                   "IfcVirtualElement", "IfcAnnotation", "IfcGrid", "IfcPositioningElement", "IfcPort",
                   "IfcLinearElement", "IfcStructuralItem", "IfcStructuralActivity")


def import_products(model: Any) -> list[Any]:
    """Select the products an import reads, rooms last: every IfcElement (IFC4X3 infrastructure and geotechnical
    ones included: courses, kerbs, earthworks fills and cuts, strata, boreholes, rails, tendons...) and any other
    IfcProduct with a representation, but none of SKIPPED_CLASSES (openings, annotations, grids, spatial
    elements other than rooms...).

    Args:
        model: the IFC model.

    Returns:
        The products.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> for ifc_class in ("IfcSpace", "IfcWall", "IfcOpeningElement", "IfcBuildingStorey", "IfcSlab"):
        ...     _ = ifcopenshell.api.root.create_entity(model, ifc_class=ifc_class)
        >>> names = [p.is_a() for p in import_products(model)]
        >>> sorted(names[:-1]), names[-1]   # no opening, no storey; the rooms last
        (['IfcSlab', 'IfcWall'], 'IfcSpace')
    """
    by_class: dict[str, bool] = {}
    elements = []
    for product in model.by_type("IfcProduct"):
        name = product.is_a()
        if name not in by_class:
            by_class[name] = not any(product.is_a(c) for c in SKIPPED_CLASSES)
        if by_class[name] and (product.is_a("IfcElement") or product.Representation is not None):
            elements.append(product)
    return elements + list(model.by_type("IfcSpace"))


# IFC4X3 release candidates named geotechnical strata by their kind; IFC4X3_ADD2 has one class with a
# PredefinedType. (RC name, ADD2 PredefinedType); the RC entity has the 8 attributes of IfcGeotechnicalElement.
_RC_STRATA = {b"IFCSOLIDSTRATUM": b".SOLID.", b"IFCVOIDSTRATUM": b".VOID.", b"IFCWATERSTRATUM": b".WATER."}
_RC_STRATUM_RE = re.compile(rb"=\s*(IFCSOLIDSTRATUM|IFCVOIDSTRATUM|IFCWATERSTRATUM)\s*\(", re.IGNORECASE)


def _arguments_end(data: bytes, start: int) -> tuple[int, int] | None:
    """(index of the closing parenthesis, number of top-level arguments) of the entity whose '(' is at start."""
    depth, count, i, n = 0, 1, start, len(data)
    while i < n:
        c = data[i]
        if c == 0x27:                                   # a quoted string: '' is an escaped quote
            i += 1
            while i < n and not (data[i] == 0x27 and (i + 1 >= n or data[i + 1] != 0x27)):
                i += 2 if data[i] == 0x27 else 1
        elif c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i, count
        elif c == 0x2C and depth == 1:
            count += 1
        i += 1
    return None


def _rc_strata(data: bytes, warnings: list[str], name: str) -> bytes:
    """IfcSolidStratum/IfcVoidStratum/IfcWaterStratum (IFC4X3 RC) as IfcGeotechnicalStratum with its kind."""
    parts, last, renamed = [], 0, 0
    for match in _RC_STRATUM_RE.finditer(data):
        end = _arguments_end(data, match.end() - 1)
        if end is None or end[1] != 8:
            continue
        kind = _RC_STRATA[match.group(1).upper()]
        parts += [data[last:match.start(1)], b"IFCGEOTECHNICALSTRATUM", data[match.end(1):end[0]], b"," + kind]
        last, renamed = end[0], renamed + 1
    if not renamed:
        return data
    warnings.append(f"{name}: {renamed} IfcSolidStratum/IfcVoidStratum/IfcWaterStratum of the release candidate "
                    "read as IfcGeotechnicalStratum with PredefinedType SOLID/VOID/WATER")
    return b"".join(parts) + data[last:]


_STAR_TOKEN = re.compile(rb"[(,]\s*\*\s*[,)]")       # a bare * (STEP's "derived" marker) as an argument
_INSTANCE_START = re.compile(rb"#(\d+)\s*=\s*IFC", re.IGNORECASE)
_LOOK_BACK = 4096   # bytes searched before a * for the start of its instance


def _starred_instances(data: bytes) -> list[int]:
    """Ids of the instances whose text holds a bare ``*``, in one linear pass: each * is attributed to the last
    instance start in the bytes since the previous * (at most ``_LOOK_BACK`` of them), else to the previous
    *'s instance. A * deep inside an instance longer than that may be missed (its element is then skipped
    with the kernel's reason, as before); a wrong id only costs a look at an instance without misplaced *."""
    ids: list[int] = []
    current, previous = None, 0
    for match in _STAR_TOKEN.finditer(data):
        pos = match.start()
        last = None
        for last in _INSTANCE_START.finditer(data, max(previous, pos - _LOOK_BACK), pos):  # noqa: B007 - the last one
            pass
        if last is not None:
            current = int(last.group(1))
        if current is not None and (not ids or ids[-1] != current):
            ids.append(current)
        previous = pos
    return ids


def _unset_stars(model: Any, data: bytes, warnings: list[str] | None) -> None:
    """Read a ``*`` written for an explicit attribute (Renga writes it for an empty Name, Description, ObjectType
    or Tag of every product) as unset (``$``).

    ifcopenshell reads such a value as None, but its geometry kernel asks the product for its Name and fails
    ("Requested type <string> does not match actual type <derived>"), so the element could not be triangulated.
    Only instances whose text holds a ``*`` are looked at; attributes the schema derives keep theirs.
    """
    if b"*" not in data:
        return
    explicit: dict[str, list[int]] = {}
    fixed: dict[str, set[str]] = {}
    count = 0
    for instance_id in dict.fromkeys(_starred_instances(data)):
        try:
            inst = model.by_id(instance_id)
        except RuntimeError:   # no such instance (the id was read inside a string): nothing to do
            continue
        kind = inst.is_a()
        if kind not in explicit:
            explicit[kind] = [i for i in range(len(inst)) if inst.attribute_type(i) != "DERIVED"]
        arguments = _arguments(inst.to_string())
        changed = False
        for i in explicit[kind]:
            if i < len(arguments) and arguments[i] == "*" and inst[i] is None:
                inst.unset_attribute_value(i)
                fixed.setdefault(kind, set()).add(inst.attribute_name(i))
                changed = True
        count += changed
    if count and warnings is not None:
        examples = ", ".join(f"{k}.{'/'.join(sorted(v))}" for k, v in sorted(fixed.items())[:4])
        warnings.append(f"{count} instances write * (a derived value) for attributes that are not derived "
                        f"({examples}{', ...' if len(fixed) > 4 else ''}); read as unset")


def _arguments(text: str) -> list[str]:
    """The top-level arguments (stripped text) of one instance's STEP text (``#1=IFCX(a,'b,c',(d,e));``)."""
    out: list[str] = []
    start = text.find("(") + 1
    if not start:
        return out
    depth, i, n, begin = 0, start, len(text), start
    while i < n:
        c = text[i]
        if c == "'":
            i += 1
            while i < n and not (text[i] == "'" and (i + 1 >= n or text[i + 1] != "'")):
                i += 2 if text[i] == "'" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                out.append(text[begin:i].strip())
                return out
            depth -= 1
        elif c == "," and depth == 0:
            out.append(text[begin:i].strip())
            begin = i + 1
        i += 1
    return out


def _argument(text: str, index: int) -> str | None:
    """The text of the top-level argument ``index`` of one instance's STEP text, None beyond the last."""
    arguments = _arguments(text)
    return arguments[index] if index < len(arguments) else None


def open_ifc(path: str | Path, warnings: list[str] | None = None, check_types: bool = True,
             max_bytes: int = MAX_IFC_BYTES) -> ifcopenshell.file:
    """Open and validate an IFC file (.ifc or .ifczip).

    Recoverable oddities are appended to ``warnings``. An .ifc, or the .ifc inflated from an .ifczip, larger than
    ``max_bytes`` is refused, and so is a zip bomb.

    Args:
        path: the file.
        warnings: receives the warnings.
        check_types: check that every entity type exists in the declared schema (False for a second reader of
            a file already checked).
        max_bytes: the largest .ifc accepted.

    Returns:
        The model.

    Raises:
        InputError: the file is missing, too large, not IFC, of an unknown schema or damaged (naming the file
            and the line).

    Example:
        >>> import tempfile, ifcopenshell, ifcopenshell.api.root
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     model = ifcopenshell.file(schema="IFC4")
        ...     _ = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject", name="Schule")
        ...     model.write(str(Path(tmp) / "school.ifc"))
        ...     opened = open_ifc(Path(tmp) / "school.ifc")
        ...     _ = (Path(tmp) / "notes.ifc").write_text("hello")
        ...     open_ifc(Path(tmp) / "notes.ifc")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: ...
        >>> opened.schema, opened.by_type("IfcProject")[0].Name
        ('IFC4', 'Schule')
    """
    import ifcopenshell

    warnings = [] if warnings is None else warnings
    path = Path(path)
    if not path.is_file():
        raise InputError("the file does not exist", path=str(path))
    zipped = zipfile.is_zipfile(path)
    data = _step_bytes(path, zipped, max_bytes)
    _check_step(path, data)
    n_warnings = len(warnings)
    supported = _supported_schema(path, data, warnings)
    prerelease = len(warnings) > n_warnings
    try:
        if supported is data and data.startswith(_MAGIC) and not zipped:
            model = ifcopenshell.open(str(path))   # parsed straight from the file: no text copy in Python
        else:
            model = ifcopenshell.file.from_string(supported.decode("utf-8", errors="replace"))
    except (ifcopenshell.Error, RuntimeError, ValueError) as err:
        raise InputError(f"ifcopenshell cannot read the file: {err}", path=str(path)) from err
    if check_types:
        _check_schema(path, supported, model.schema_identifier, warnings if prerelease else None)
    if not model.by_type("IfcProject"):
        raise InputError("the file has no IfcProject", path=str(path))
    _unset_stars(model, supported, warnings if check_types else None)
    return model
