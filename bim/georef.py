"""Georeferencing an IFC model: from the IFC's world coordinates (metres) to a target CRS.

Methods, tried in this order by ``auto``: IfcMapConversion / IfcRigidOperation (IFC4, IFC4X3),
ePSet_MapConversion (IFC2X3), IfcSite RefLatitude/RefLongitude with TrueNorth and the grid
convergence; ``manual`` and ``fit`` (bim/fit.py) on request. The Helmert parameters come from
ifcopenshell.util.geolocation's formulas; this module validates the entities, adds units, CRS handling,
the area-of-use rule and the report.

Units of the map conversion per schema (what this module reads; ``ifcopenshell.util.geolocation.auto_xyz2enh``
agrees to < 1 mm on every sample, tests/bim/test_georef_units.py):

==================  ==========================================  ==========================================
                    Eastings, Northings, OrthogonalHeight        Scale
==================  ==========================================  ==========================================
IFC2X3 ePSet_       map units: ePSet_ProjectedCRS.MapUnit, a     optional; project unit -> map unit
MapConversion       text (METRE, MILLIMETRE...), else the CRS's  (0.001 for a millimetre model)
IFC4 IfcMap-        map units: IfcProjectedCRS.MapUnit (an       optional (1.0 assumed), project unit ->
Conversion          IfcNamedUnit), else the unit of the CRS      map unit; writers often omit it or
                    named by IfcProjectedCRS.Name                write its inverse (1000): corrected
                                                                 within 5 %, with a warning
IFC4X3 IfcMap-      as IFC4; OrthogonalHeight optional           as IFC4; IfcMapConversionScaled adds
Conversion(Scaled)                                               FactorX/FactorY/FactorZ (grid scale)
IFC4X3 IfcRigid-    First/SecondCoordinate in the target CRS's   none: a translation only
Operation           units (lengths, or angles for a geographic
                    CRS), Height in its height unit
==================  ==========================================  ==========================================

Every value is validated before use (``_validated``): a missing or non-finite required value, Scale <= 0, a
zero x-axis vector, |Eastings|/|Northings| > 1e8 map units or |OrthogonalHeight| > 1e5 m are refused with the
entity (#id) and the attribute. IfcSite RefLatitude/RefLongitude 0/0 (a tool's default) count as absent.
Latitude/longitude are read on WGS 84, as the IFC standard defines them (ETRS89 and the other WGS 84
realisations agree within a metre); the site check also tries the map CRS's own datum (DHDN for EPSG:31467).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from ..twin.kernel.errors import InputError

if TYPE_CHECKING:
    import ifcopenshell
    import pyproj
    from ifcopenshell.util.geolocation import HelmertTransformation

Matrix: TypeAlias = npt.NDArray[np.float64]   # a 4x4 affine matrix, or (n, 3) / (n, 2) coordinates

AUTO, MAP_CONVERSION, SITE, MANUAL, FIT = "auto", "map conversion", "site", "manual", "fit to footprint"
METHODS = (AUTO, MAP_CONVERSION, SITE, MANUAL, FIT)
_SCALE_TOLERANCE = 0.05  # a combined scale factor further than 5 % from 1 is not a map projection's


class NoGeoreferencing(InputError):
    """The file has none of the georeferencing that ``auto`` looks for."""


@dataclass
class Placement:
    """An affine map from IFC world metres to a source CRS, then (pyproj) to the target CRS."""

    method: str
    target_crs: str
    matrix: Matrix                          # 4x4, IFC world metres -> source CRS (x, y), height (m)
    source_crs: str = ""
    map_crs: str = ""                       # the CRS ``matrix`` maps into (before ``transformer``)
    vertical_datum: str = ""
    eastings: float = 0.0
    northings: float = 0.0
    orthogonal_height: float = 0.0
    rotation_deg: float = 0.0               # local x axis from grid east, anticlockwise
    scale: float = 1.0                      # excluding the unit conversion
    unit_scale: float = 1.0                 # project length unit in map units
    grid_convergence_deg: float | None = None
    residual_m: float = 0.0
    expected_accuracy_m: float | None = None
    warnings: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    transformer: pyproj.Transformer | None = None   # source -> target, None when equal

    def apply(self, xyz: npt.ArrayLike) -> Matrix:
        """Transform (n, 3) IFC world coordinates in metres to the target CRS."""
        points = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
        out: Matrix = points @ self.matrix[:3, :3].T + self.matrix[:3, 3]
        if self.transformer is not None and len(out):
            x, y = self.transformer.transform(out[:, 0], out[:, 1])
            out[:, 0], out[:, 1] = x, y
        return out


# ---------------------------------------------------------------- units and CRS


def project_unit_m(model: ifcopenshell.file) -> float:
    """Read the project's length unit.

    Args:
        model: the IFC model.

    Returns:
        The length unit in metres (0.001 for a millimetre model).

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.unit, ifcopenshell.api.georeference
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> _ = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
        >>> mm = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT", prefix="MILLI")
        >>> _ = ifcopenshell.api.unit.assign_unit(model, units=[mm])
        >>> project_unit_m(model)
        0.001
    """
    import ifcopenshell.util.unit

    return float(ifcopenshell.util.unit.calculate_unit_scale(model))


def _named_unit_m(unit: ifcopenshell.entity_instance | None) -> float | None:
    import ifcopenshell.util.unit

    if unit is None:
        return None
    try:
        return float(ifcopenshell.util.unit.get_named_unit_scale(unit))
    except Exception:  # noqa: BLE001 - a broken unit definition is reported as missing
        return None


def horizontal_crs(user_input: str) -> pyproj.CRS:
    """Make a pyproj CRS of an EPSG code, URN, WKT or name; of a compound CRS its horizontal part.

    Args:
        user_input: the CRS as given.

    Returns:
        The horizontal CRS.

    Example:
        >>> horizontal_crs("EPSG:25832+7837").name
        'ETRS89 / UTM zone 32N'
    """
    import pyproj

    crs = pyproj.CRS.from_user_input(user_input)
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    return crs


def target_horizontal(target_crs: str) -> pyproj.CRS:
    """Check the target CRS of an import and give its horizontal part.

    Args:
        target_crs: the TARGET_CRS as given.

    Returns:
        The horizontal CRS.

    Raises:
        InputError: PROJ does not know the CRS.

    Example:
        >>> target_horizontal("EPSG:25832").to_epsg()
        25832
        >>> target_horizontal("EPSG:99999")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: the target CRS 'EPSG:99999' is unknown to PROJ: ...
    """
    import pyproj

    try:
        return horizontal_crs(target_crs)
    except pyproj.exceptions.CRSError as err:
        raise InputError(f"the target CRS {target_crs!r} is unknown to PROJ: {err}") from None


def _resolve_crs(name: object) -> str | None:
    """The CRS an IFC names, or None when it is empty or unknown to PROJ."""
    import pyproj

    if not name or not str(name).strip():
        return None
    text = str(name).strip()
    for candidate in (text, text.replace("EPSG::", "EPSG:"), text.split("/")[-1] if text.startswith("http") else ""):
        if not candidate:
            continue
        try:
            pyproj.CRS.from_user_input(candidate if not candidate.isdigit() else f"EPSG:{candidate}")
            return candidate if not candidate.isdigit() else f"EPSG:{candidate}"
        except pyproj.exceptions.CRSError:
            continue
    return None


def _crs_label(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _transformer(source: str, target: str,
                 warnings: list[str]) -> tuple[pyproj.Transformer | None, float | None]:
    """A pyproj Transformer between the horizontal CRSs, None when they are the same.

    Returns (transformer, accuracy in metres or None).
    """
    import pyproj

    src, tgt = horizontal_crs(source), horizontal_crs(target)
    if src.equals(tgt, ignore_axis_order=True):
        return None, 0.0
    group = pyproj.transformer.TransformerGroup(src, tgt, always_xy=True)
    if not group.transformers:
        raise InputError(f"PROJ knows no transformation from {_crs_label(src)} to {_crs_label(tgt)}")
    best = group.transformers[0]
    accuracy = best.accuracy if best.accuracy is not None and best.accuracy >= 0 else None
    if _is_ballpark(best) and not _geodetic(src).equals(_geodetic(tgt), ignore_axis_order=True):
        warnings.append(f"PROJ knows no datum transformation from {_geodetic(src).name} to {_geodetic(tgt).name}: "
                        f"'{best.description}' ignores the datum shift (BALLPARK, errors of metres to hundreds of "
                        "metres); import into the map conversion's own CRS to avoid it")
        return best, None
    warnings.append(f"transformed from {_crs_label(src)} to {_crs_label(tgt)} with '{best.description}'"
                    f" (accuracy {'unknown' if accuracy is None else f'{accuracy:g} m'})")
    if group.unavailable_operations:
        missing = group.unavailable_operations[0]
        warnings.append(f"a more accurate transformation is not installed: '{missing.name}'"
                        " (install its grid with projsync or the proj-data package)")
    return best, accuracy


# ---------------------------------------------------------------- the methods


def _affine_from_helmert(params: HelmertTransformation, wcs: Matrix | None, unit_m: float,
                         map_unit_m: float) -> Matrix:
    """The 4x4 matrix of ifcopenshell's xyz2enh (after the inverse WCS), from world metres.

    Heights come out in metres; eastings and northings in map units.
    """
    import ifcopenshell.util.geolocation as geo

    to_project = np.diag([1.0 / unit_m] * 3 + [1.0])
    if wcs is not None:
        to_project = np.linalg.inv(wcs) @ to_project
    basis = [geo.xyz2enh(*p, *params) for p in ((0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1))]
    helmert = np.eye(4)
    origin = np.array(basis[0])
    helmert[:3, 3] = origin
    for i in range(3):
        helmert[:3, i] = np.array(basis[i + 1]) - origin
    helmert[2, :] *= map_unit_m
    affine: Matrix = helmert @ to_project
    return affine


def _scale_factor(given: float | None, ratio: float, warnings: list[str]) -> float:
    """Local-to-map scale including the unit conversion ``ratio`` (project unit in map units)."""
    if given is None:
        if not math.isclose(ratio, 1.0):
            warnings.append(f"Scale is not given although project and map units differ; applied the unit "
                            f"conversion {ratio:g}")
        return ratio
    if abs(given / ratio - 1.0) <= _SCALE_TOLERANCE:
        return given
    if not math.isclose(ratio, 1.0) and abs(given - 1.0) <= _SCALE_TOLERANCE:
        warnings.append(f"Scale {given:g} does not include the unit conversion {ratio:g}; applied {given * ratio:g}")
        return given * ratio
    if not math.isclose(ratio, 1.0) and abs(given * ratio - 1.0) <= _SCALE_TOLERANCE:
        warnings.append(f"Scale {given:g} is the inverse of the unit conversion {ratio:g} (a common writer error); "
                        f"applied {ratio:g}")
        return ratio
    warnings.append(f"Scale {given:g} is implausible for a map projection (unit conversion {ratio:g}); "
                    "applied as given")
    return given


def _coordinate_operation(model: ifcopenshell.file) -> ifcopenshell.entity_instance | None:
    """The IfcCoordinateOperation of the 3D Model context, or of any context."""
    operations = model.by_type("IfcCoordinateOperation") if model.schema != "IFC2X3" else []
    for op in operations:
        source = op.SourceCRS
        if source is not None and source.is_a("IfcGeometricRepresentationContext") and \
                getattr(source, "ContextType", None) == "Model":
            return op
    return operations[0] if operations else None


MAX_MAP_COORDINATE = 1e8      # map units: no map CRS has eastings/northings beyond 100 000 km
MAX_HEIGHT_M = 1e5            # an OrthogonalHeight beyond +-100 km is no height on Earth


def _number(value: Any) -> Any:
    """A plain number from an IFC value (wrapped measures unwrapped); other values unchanged."""
    if hasattr(value, "is_a") and hasattr(value, "wrappedValue"):
        try:
            return _number(value.wrappedValue)
        except (AttributeError, RuntimeError):
            return value
    return value


def _bad(label: str, attribute: str, value: Any, problem: str) -> InputError:
    return InputError(f"{label}: {attribute} {value!r} {problem}; correct the georeferencing in the authoring "
                      "tool, or choose GEOREFERENCING manual or fit to footprint")


def _finite(label: str, attribute: str, value: Any, *, required: bool) -> float | None:
    value = _number(value)
    if value is None:
        if required:
            raise _bad(label, attribute, value, "is missing or not a number (the attribute is required)")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(label, attribute, value, "is not a number")
    if not math.isfinite(value):
        raise _bad(label, attribute, value, "is not a finite number")
    return float(value)


def _required(label: str, attribute: str, value: Any) -> float:
    """``_finite`` of a required attribute (never None: a missing one raises)."""
    number = _finite(label, attribute, value, required=True)
    assert number is not None   # _finite raised for a missing required value
    return number


def _validated(label: str, values: dict[str, Any], map_unit_m: float, *, height_required: bool,
               rotation: bool = True, axes: tuple[str, str, str] = ("Eastings", "Northings", "OrthogonalHeight")
               ) -> tuple[HelmertTransformation, float | None]:
    """The Helmert parameters of a map conversion's raw attribute values, or InputError naming the attribute.

    ``values`` holds Eastings, Northings, OrthogonalHeight, XAxisAbscissa, XAxisOrdinate, Scale and, for
    IfcMapConversionScaled, FactorX/FactorY/FactorZ, as read from the file (None when absent).
    """
    import ifcopenshell.util.geolocation as geo

    e = _required(label, axes[0], values.get(axes[0]))
    n = _required(label, axes[1], values.get(axes[1]))
    h = _finite(label, axes[2], values.get(axes[2]), required=height_required) or 0.0
    for name, value in ((axes[0], e), (axes[1], n)):
        if abs(value) > MAX_MAP_COORDINATE:
            raise _bad(label, name, value, f"lies beyond any map CRS (|value| > {MAX_MAP_COORDINATE:g} map units)")
    if abs(h * map_unit_m) > MAX_HEIGHT_M:
        raise _bad(label, axes[2], h, f"is no height on Earth (|value| > {MAX_HEIGHT_M:g} m)")
    xaa = _finite(label, "XAxisAbscissa", values.get("XAxisAbscissa"), required=False)
    xao = _finite(label, "XAxisOrdinate", values.get("XAxisOrdinate"), required=False)
    if not rotation or (xaa is None and xao is None):
        xaa, xao = 1.0, 0.0
    elif math.hypot(xaa or 0.0, xao or 0.0) < 1e-12:
        raise _bad(label, "XAxisAbscissa/XAxisOrdinate", (xaa, xao), "is a zero vector: the rotation is undefined")
    scale = _finite(label, "Scale", values.get("Scale"), required=False)
    if scale is not None and scale <= 0:
        raise _bad(label, "Scale", scale, "must be positive (0 collapses the model, a negative scale mirrors it)")
    factors = []
    for name in ("FactorX", "FactorY", "FactorZ"):
        factor = _finite(label, name, values.get(name), required=name in values)
        if factor is not None and factor <= 0:
            raise _bad(label, name, factor, "must be positive")
        factors.append(1.0 if factor is None else factor)
    return geo.HelmertTransformation(e, n, h, xaa or 0.0, xao or 0.0, 1.0 if scale is None else scale, *factors), scale


class _MapSource(NamedTuple):
    """What a file says about its map conversion, before validation."""

    method: str                    # "map conversion", "rigid operation" or "ePSet map conversion"
    label: str                     # the entity, for messages: "IfcMapConversion #12"
    values: dict[str, Any]         # the raw attribute values (None when absent)
    crs_name: str | None           # the name of the target CRS as written
    map_unit_m: float | None       # the map unit in metres, None when not given
    vertical: str                  # the vertical datum as written
    rigid: bool = False            # an IfcRigidOperation (a translation)


def _ifc2x3_map_conversion(model: ifcopenshell.file) -> _MapSource | None:
    """ePSet_MapConversion and ePSet_ProjectedCRS of IfcProject (IFC2X3)."""
    import ifcopenshell.util.element
    import ifcopenshell.util.unit as unit

    project = model.by_type("IfcProject")[0]
    psets = {d.Name: d for rel in project.IsDefinedBy or () if rel.is_a("IfcRelDefinesByProperties")
             for d in (rel.RelatingPropertyDefinition,) if d is not None and d.is_a("IfcPropertySet")}
    pset = psets.get("ePSet_MapConversion")
    if pset is None:
        return None
    values = ifcopenshell.util.element.get_property_definition(pset) or {}
    crs_pset = ifcopenshell.util.element.get_pset(project, "ePSet_ProjectedCRS") or {}
    map_unit_m = None
    mu = crs_pset.get("MapUnit")
    if isinstance(mu, str) and mu.strip():
        name = unit.get_unit_name(mu.upper().replace("METER", "METRE"))
        prefix = unit.get_prefix(mu.upper())
        map_unit_m = unit.get_prefix_multiplier(prefix) if name == "METRE" else None
    return _MapSource("ePSet map conversion", f"ePSet_MapConversion #{pset.id()} of IfcProject #{project.id()}",
                      values, crs_pset.get("Name"), map_unit_m, crs_pset.get("VerticalDatum") or "")


def _coordinate_operation_source(model: ifcopenshell.file) -> _MapSource | None:
    """The IfcMapConversion(Scaled) or projected IfcRigidOperation of an IFC4+ file."""
    op = _coordinate_operation(model)
    if op is None:
        return None
    crs_entity = op.TargetCRS
    if op.is_a("IfcRigidOperation") and crs_entity is not None and crs_entity.is_a("IfcGeographicCRS"):
        return None  # a geographic anchor: handled like IfcSite's latitude/longitude
    rigid = bool(op.is_a("IfcRigidOperation"))
    if rigid:
        values = {"FirstCoordinate": op.FirstCoordinate, "SecondCoordinate": op.SecondCoordinate,
                  "Height": op.Height}
    else:
        names = ("Eastings", "Northings", "OrthogonalHeight", "XAxisAbscissa", "XAxisOrdinate", "Scale")
        values = {name: getattr(op, name, None) for name in names}
        if op.is_a("IfcMapConversionScaled"):
            values.update(FactorX=op.FactorX, FactorY=op.FactorY, FactorZ=op.FactorZ)
    return _MapSource("rigid operation" if rigid else "map conversion", f"{op.is_a()} #{op.id()}", values,
                      getattr(crs_entity, "Name", None), _named_unit_m(getattr(crs_entity, "MapUnit", None)),
                      getattr(crs_entity, "VerticalDatum", None) or "", rigid)


def _map_crs(found: _MapSource, target_crs: str, warnings: list[str]) -> tuple[str, bool, float]:
    """(the map CRS, whether it was assumed, the map unit in metres): the CRS named, else the target CRS."""
    crs_name = found.crs_name
    resolved = _resolve_crs(crs_name)
    assumed = resolved is None
    if resolved is None:
        warnings.append(
            f"the map conversion's CRS name {crs_name!r} is {'empty' if not (crs_name or '').strip() else 'unknown'}: "
            f"ASSUMED the target CRS {target_crs}; check the placement or choose another GEOREFERENCING method")
        resolved = target_crs
    crs = horizontal_crs(resolved)
    crs_unit_m = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    map_unit_m = found.map_unit_m
    if map_unit_m is None:
        map_unit_m = crs_unit_m
    elif not math.isclose(map_unit_m, crs_unit_m, rel_tol=1e-6):
        warnings.append(f"MapUnit ({map_unit_m:g} m) differs from the unit of {resolved} ({crs_unit_m:g} m); "
                        "used the CRS's unit")
        map_unit_m = crs_unit_m
    return resolved, assumed, map_unit_m


def map_conversion(model: ifcopenshell.file, target_crs: str, warnings: list[str]) -> Placement | None:
    """Place a model by its IfcMapConversion / IfcRigidOperation (IFC4, IFC4X3) or ePSet_MapConversion (IFC2X3).

    Every value is validated (the entity and attribute are named in the error); the unit conversion from the
    project unit to the map unit is applied even when the writer left it out of Scale (with a warning).

    Args:
        model: the IFC model.
        target_crs: the CRS to place into (another than the map conversion's is reached with PROJ).
        warnings: receives the warnings of the placement.

    Returns:
        The Placement, None when the file has no map conversion.

    Raises:
        InputError: a map conversion with a missing, non-finite or implausible value.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.unit, ifcopenshell.api.georeference
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> _ = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
        >>> mm = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT", prefix="MILLI")
        >>> _ = ifcopenshell.api.unit.assign_unit(model, units=[mm])
        >>> import ifcopenshell.api.context
        >>> _ = ifcopenshell.api.context.add_context(model, context_type="Model")
        >>> ifcopenshell.api.georeference.add_georeferencing(model)
        >>> ifcopenshell.api.georeference.edit_georeferencing(model, projected_crs={"Name": "EPSG:25832"},
        ...     coordinate_operation={"Eastings": 456500.0, "Northings": 5429500.0, "OrthogonalHeight": 115.0,
        ...                           "XAxisAbscissa": 0.0, "XAxisOrdinate": 1.0, "Scale": 0.001})
        >>> placement = map_conversion(model, "EPSG:25832", warnings := [])
        >>> placement.method, round(placement.rotation_deg, 6), warnings
        ('map conversion', 90.0, [])
        >>> placement.apply([[10.0, 0.0, 0.0]]).round(3).tolist()   # 10 m along the model's x axis: north
        [[456500.0, 5429510.0, 115.0]]
    """
    import ifcopenshell.util.geolocation as geo

    unit_m = project_unit_m(model)
    found = _ifc2x3_map_conversion(model) if model.schema == "IFC2X3" else _coordinate_operation_source(model)
    if found is None:
        return None
    label, values, rigid = found.label, found.values, found.rigid
    resolved, assumed, map_unit_m = _map_crs(found, target_crs, warnings)
    axes = ("FirstCoordinate", "SecondCoordinate", "Height") if rigid else ("Eastings", "Northings",
                                                                             "OrthogonalHeight")
    params, given_scale = _validated(label, values, map_unit_m, height_required=False, rotation=not rigid, axes=axes)
    if _number(values.get(axes[2])) is None:
        warnings.append(f"{label}: {axes[2]} is not given; 0 assumed")
    ratio = unit_m / map_unit_m
    scale = _scale_factor(None if rigid else given_scale, ratio, warnings)
    if not 0.1 <= scale / ratio <= 10.0:
        raise _bad(label, "Scale", given_scale, f"with the unit conversion {ratio:g} (project unit {unit_m:g} m, map "
                   f"unit {map_unit_m:g} m) would {'shrink' if scale < ratio else 'stretch'} the model "
                   f"{max(scale / ratio, ratio / scale):.3g} times")
    for name, factor in (("FactorX", params.factor_x), ("FactorY", params.factor_y)):
        if abs(factor - 1.0) > _SCALE_TOLERANCE:
            warnings.append(f"{label}: {name} {factor:g} is far from 1 for a map projection's scale; applied as given")
    params = params._replace(scale=scale)
    matrix = _affine_from_helmert(params, geo.get_wcs(model), unit_m, map_unit_m)
    transformer, accuracy = _transformer(resolved, target_crs, warnings)
    if rigid:
        warnings.append("placed by IfcRigidOperation: a translation without rotation or scale")
    return Placement(
        method=found.method + (" (CRS assumed)" if assumed else ""), target_crs=target_crs, matrix=matrix,
        source_crs=resolved if not assumed else f"{resolved} (assumed)", map_crs=resolved,
        vertical_datum=str(found.vertical) or f"OrthogonalHeight datum of {resolved}",
        eastings=float(params.e), northings=float(params.n), orthogonal_height=float(params.h) * map_unit_m,
        rotation_deg=math.degrees(math.atan2(params.xao, params.xaa)),
        scale=scale / ratio * params.factor_x, unit_scale=ratio,
        expected_accuracy_m=None if assumed else (0.001 if accuracy == 0.0 else accuracy),
        warnings=warnings, transformer=transformer,
        parameters={"entity": label, "crs_name": found.crs_name, "eastings": params.e, "northings": params.n,
                    "orthogonal_height": params.h, "x_axis_abscissa": params.xaa, "x_axis_ordinate": params.xao,
                    "scale_given": given_scale, "scale_applied": scale, "factor_x": params.factor_x,
                    "factor_y": params.factor_y, "factor_z": params.factor_z, "project_unit_m": unit_m,
                    "map_unit_m": map_unit_m, "rigid": rigid},
    )


class _Anchor(NamedTuple):
    """A latitude/longitude anchor of the model."""

    lon: float
    lat: float
    height: float                                # metres
    datum: str                                   # the height datum, "" when not stated
    source: str                                  # the entity, for messages
    site: ifcopenshell.entity_instance | None    # the IfcSite it came from (None: an IfcRigidOperation)
    geographic: str | None                       # the geographic CRS of an IfcRigidOperation


def _geodetic(crs: pyproj.CRS) -> pyproj.CRS:
    """The geodetic CRS of ``crs`` (every projected or geographic CRS has one)."""
    geodetic = crs.geodetic_crs
    if geodetic is None:
        raise InputError(f"{_crs_label(crs)} has no geodetic CRS")
    return geodetic


WGS84 = "EPSG:4326"   # the datum of IfcSite RefLatitude/RefLongitude by the IFC standard


def _compound_degrees(site: ifcopenshell.entity_instance, attribute: str, limit: float) -> float | None:
    """An IfcCompoundPlaneAngleMeasure (degrees, minutes, seconds[, millionths]) in decimal degrees.

    None when absent; InputError naming the site and attribute when it is no valid angle.
    """
    value = getattr(site, attribute, None)
    if value is None:
        return None
    label = f"IfcSite #{site.id()} {attribute}"
    parts = list(value)
    if not 3 <= len(parts) <= 4 or any(isinstance(v, bool) or not isinstance(v, int) for v in parts):
        raise InputError(f"{label} {tuple(parts)} is not a compound angle (degrees, minutes, seconds[, millionths])")
    signs = {v > 0 for v in parts if v != 0}
    if len(signs) > 1:
        raise InputError(f"{label} {tuple(parts)} mixes signs: all parts of a compound angle share one sign")
    if abs(parts[1]) >= 60 or abs(parts[2]) >= 60 or (len(parts) == 4 and abs(parts[3]) >= 1_000_000):
        raise InputError(f"{label} {tuple(parts)}: minutes and seconds must be below 60, millionths below 10^6")
    degrees: float = parts[0] + parts[1] / 60 + parts[2] / 3600 + (parts[3] / 3.6e9 if len(parts) == 4 else 0.0)
    if abs(degrees) > limit:
        raise InputError(f"{label} {tuple(parts)} = {degrees:.6f}° lies beyond ±{limit:g}°")
    return degrees


def _site_lonlat(site: ifcopenshell.entity_instance) -> tuple[float, float] | None:
    """(lon, lat) of IfcSite, or None when absent or 0/0 (an authoring tool's default, not a position)."""
    lat = _compound_degrees(site, "RefLatitude", 90.0)
    lon = _compound_degrees(site, "RefLongitude", 180.0)
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        return None
    return lon, lat


def _zero_sites(model: ifcopenshell.file) -> list[ifcopenshell.entity_instance]:
    """IfcSites whose RefLatitude/RefLongitude are both 0 (or (0, 0, 0, 0))."""
    out: list[ifcopenshell.entity_instance] = []
    for site in model.by_type("IfcSite"):
        try:
            lat = _compound_degrees(site, "RefLatitude", 90.0)
            lon = _compound_degrees(site, "RefLongitude", 180.0)
        except InputError:
            continue
        if lat == 0.0 and lon == 0.0:
            out.append(site)
    return out


def _geographic_anchor(model: ifcopenshell.file) -> _Anchor | None:
    """(lon, lat, height m, datum, source, site or None, geographic CRS or None) from IfcSite
    RefLatitude/RefLongitude or a geographic IfcRigidOperation (whose origin is the engineering CRS's)."""
    op = _coordinate_operation(model)
    if op is not None and op.is_a("IfcRigidOperation") and op.TargetCRS is not None \
            and op.TargetCRS.is_a("IfcGeographicCRS"):
        crs = op.TargetCRS
        label = f"IfcRigidOperation #{op.id()}"
        to_deg = math.degrees(_named_unit_m(crs.AngleUnit) or math.radians(1.0))  # degrees per angle unit
        lon = _required(label, "FirstCoordinate", op.FirstCoordinate) * to_deg
        lat = _required(label, "SecondCoordinate", op.SecondCoordinate) * to_deg
        if abs(lat) > 90 or abs(lon) > 180:
            raise _bad(label, "FirstCoordinate/SecondCoordinate", (lon, lat), "is no longitude/latitude")
        height = (_finite(label, "Height", op.Height, required=False) or 0.0) * (_named_unit_m(crs.HeightUnit) or 1.0)
        if abs(height) > MAX_HEIGHT_M:
            raise _bad(label, "Height", height, f"is no height on Earth (|value| > {MAX_HEIGHT_M:g} m)")
        return _Anchor(lon, lat, height, "", f"IfcRigidOperation #{op.id()} to {crs.Name}", None,
                       _resolve_crs(crs.Name))
    for site in model.by_type("IfcSite"):
        lonlat = _site_lonlat(site)
        if lonlat is not None:
            elevation = _finite(f"IfcSite #{site.id()}", "RefElevation", site.RefElevation, required=False) or 0.0
            height = elevation * project_unit_m(model)
            if abs(height) > MAX_HEIGHT_M:
                raise _bad(f"IfcSite #{site.id()}", "RefElevation", elevation, "is no height on Earth")
            return _Anchor(*lonlat, height, "", f"IfcSite #{site.id()} {site.GlobalId}", site, None)
    return None


def _lonlat_to_grid(lon: float, lat: float, geographic: pyproj.CRS, crs: pyproj.CRS) -> tuple[float, float, str]:
    """(easting, northing, how) of a longitude/latitude on ``geographic`` in the projected ``crs``.

    Between different datums the best available PROJ operation is used; a ballpark one (the datum shift
    ignored: metres to hundreds of metres) is named in ``how``.
    """
    import pyproj

    if geographic.equals(_geodetic(crs), ignore_axis_order=True):
        transformer = pyproj.Transformer.from_crs(geographic, crs, always_xy=True)
        how = f"on {geographic.name}"
    else:
        group = pyproj.transformer.TransformerGroup(geographic, crs, always_xy=True, area_of_interest=
                                                    pyproj.aoi.AreaOfInterest(lon, lat, lon, lat))  # type: ignore[arg-type]  # pyproj's stub names _transformer.AreaOfInterest; pyproj.aoi's is the class it takes
        if not group.transformers:
            raise InputError(f"PROJ knows no transformation from {_crs_label(geographic)} to {_crs_label(crs)}")
        transformer = group.transformers[0]
        how = f"on {geographic.name}, transformed to {_geodetic(crs).name} with '{transformer.description}'"
        if _is_ballpark(transformer):
            how += " (BALLPARK: the datum shift is ignored, errors of metres to hundreds of metres)"
    easting, northing = transformer.transform(lon, lat)
    return float(easting), float(northing), how


def _is_ballpark(transformer: pyproj.Transformer) -> bool:
    return "ballpark" in (transformer.description or "").lower() or "ballpark" in str(transformer.name).lower()


def site_placement(model: ifcopenshell.file, target_crs: str, warnings: list[str]) -> Placement | None:
    """Place a model by a latitude/longitude anchor (IfcSite RefLatitude/RefLongitude, or a geographic
    IfcRigidOperation), TrueNorth and the grid convergence at that point; accurate to about a metre.

    IfcSite latitude/longitude are read on WGS 84 (the IFC standard's datum); 0/0 counts as absent.

    Args:
        model: the IFC model.
        target_crs: the projected CRS to place into.
        warnings: receives the warnings of the placement.

    Returns:
        The Placement, None when the model has no anchor.

    Raises:
        InputError: an invalid angle, or an anchor outside the target CRS's area of use.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.unit, ifcopenshell.api.georeference
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> _ = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
        >>> mm = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT", prefix="MILLI")
        >>> _ = ifcopenshell.api.unit.assign_unit(model, units=[mm])
        >>> _ = model.createIfcSite(ifcopenshell.guid.new(), Name="Schule",
        ...                         RefLatitude=(49, 0, 36, 0), RefLongitude=(8, 24, 0, 0), RefElevation=115000.0)
        >>> placement = site_placement(model, "EPSG:25832", warnings := [])
        >>> placement.method, [round(v) for v in placement.apply([[0.0, 0.0, 0.0]])[0]]
        ('site', [456123, 5428741, 115])
        >>> import pyproj   # the same point projected directly (49° 0' 36" = 49.01°)
        >>> [round(v) for v in pyproj.Transformer.from_crs(4326, 25832, always_xy=True).transform(8.4, 49.01)]
        [456123, 5428741]
    """
    import ifcopenshell.util.geolocation as geo
    import ifcopenshell.util.placement
    import pyproj

    anchor = _geographic_anchor(model)
    if anchor is None:
        return None
    lon, lat, height, datum, source, site, geographic = anchor
    crs = horizontal_crs(target_crs)
    _check_lonlat_in_area(crs, lon, lat, source)
    source_geographic = horizontal_crs(geographic) if geographic else pyproj.CRS(WGS84)
    easting, northing, how = _lonlat_to_grid(lon, lat, source_geographic, crs)
    if not (math.isfinite(easting) and math.isfinite(northing)):
        raise InputError(f"{source} ({lat:.6f} N, {lon:.6f} E) cannot be projected to {target_crs}")
    factors = pyproj.Proj(crs).get_factors(lon, lat)
    convergence = float(factors.meridian_convergence)  # true north, anticlockwise from grid north
    k = float(factors.meridional_scale)
    true_north = geo.get_true_north(model)               # true north, anticlockwise from project north
    theta = math.radians(convergence - true_north)
    unit_m = project_unit_m(model)
    origin = np.zeros(3)
    if site is not None and site.ObjectPlacement is not None:
        origin = ifcopenshell.util.placement.get_local_placement(site.ObjectPlacement)[:3, 3] * unit_m
    c, s = math.cos(theta), math.sin(theta)
    linear = np.array([[k * c, -k * s, 0.0], [k * s, k * c, 0.0], [0.0, 0.0, 1.0]])
    matrix = np.eye(4)
    matrix[:3, :3] = linear
    matrix[:3, 3] = np.array([easting, northing, height]) - linear @ origin
    warnings.append(f"no map conversion: placed by {source} latitude/longitude ({lat:.7f} N, {lon:.7f} E) "
                    f"{how}, TrueNorth {true_north:.4f}° and grid convergence {convergence:.4f}°; accuracy about "
                    "a metre")
    if not datum:
        warnings.append("the height datum of RefElevation is not stated; heights assume the target's vertical datum")
    return Placement(
        method="rigid operation (geographic)" if source.startswith("IfcRigid") else SITE,
        target_crs=target_crs, matrix=matrix, source_crs=_crs_label(source_geographic), map_crs=target_crs,
        vertical_datum=datum or "RefElevation (datum not stated)", eastings=easting, northings=northing,
        orthogonal_height=height, rotation_deg=math.degrees(theta), scale=k, unit_scale=1.0,
        grid_convergence_deg=convergence, expected_accuracy_m=1.0, warnings=warnings,
        parameters={"source": source, "latitude": lat, "longitude": lon, "ref_elevation_m": height,
                    "true_north_deg": true_north, "grid_convergence_deg": convergence, "point_scale": k,
                    "site_origin_m": origin.tolist(), "datum": how},
    )


def manual_placement(target_crs: str, easting: float, northing: float, height: float, rotation_deg: float,
                     warnings: list[str]) -> Placement:
    """Place a model by hand: its origin at (easting, northing, height), its x axis ``rotation_deg``
    anticlockwise from grid east.

    Args:
        target_crs: the CRS of the coordinates.
        easting: the easting of the IFC origin.
        northing: the northing of the IFC origin.
        height: the height of the IFC origin (m, the target's vertical datum).
        rotation_deg: the rotation of the IFC x axis from grid east, anticlockwise.
        warnings: receives the placement's warning.

    Returns:
        The Placement.

    Raises:
        InputError: a value that is no finite number or lies beyond any map CRS.

    Example:
        >>> placement = manual_placement("EPSG:25832", 456500.0, 5429500.0, 115.0, 90.0, [])
        >>> placement.apply([[10.0, 0.0, 1.0]]).round(6).tolist()
        [[456500.0, 5429510.0, 116.0]]
    """
    for name, value in (("MANUAL_EASTING", easting), ("MANUAL_NORTHING", northing), ("MANUAL_HEIGHT", height),
                        ("MANUAL_ROTATION", rotation_deg)):
        if value is None or not math.isfinite(value):
            raise InputError(f"manual placement: {name} {value!r} is not a finite number")
    if max(abs(easting), abs(northing)) > MAX_MAP_COORDINATE or abs(height) > MAX_HEIGHT_M:
        raise InputError(f"manual placement: ({easting:g}, {northing:g}, {height:g}) lies beyond any map CRS")
    theta = math.radians(rotation_deg)
    c, s = math.cos(theta), math.sin(theta)
    matrix = np.eye(4)
    matrix[:2, :2] = [[c, -s], [s, c]]
    matrix[:3, 3] = [easting, northing, height]
    warnings.append("manual placement: as accurate as the anchor point and rotation given")
    return Placement(method=MANUAL, target_crs=target_crs, matrix=matrix, source_crs=target_crs, map_crs=target_crs,
                     vertical_datum="manual height (target vertical datum)", eastings=easting, northings=northing,
                     orthogonal_height=height, rotation_deg=rotation_deg, warnings=warnings,
                     parameters={"easting": easting, "northing": northing, "height": height,
                                 "rotation_deg": rotation_deg})


# ---------------------------------------------------------------- plausibility


AREA_MARGIN_DEG = 3.0   # transverse Mercator zones are used well beyond their nominal area (EPSG:25832 in all
                        # of Germany up to 15° E); further out a placement is refused


def suggest_crs(lon: float, lat: float) -> str:
    """Suggest a projected CRS whose area of use holds a position: its UTM zone, on ETRS89 in Europe, else on
    WGS 84; UPS beyond 84° of latitude.

    Args:
        lon: longitude in degrees.
        lat: latitude in degrees.

    Returns:
        ``EPSG:n (name)``.

    Example:
        >>> suggest_crs(8.4, 49.0)
        'EPSG:25832 (ETRS89 / UTM zone 32N)'
        >>> suggest_crs(-74.0, 40.7)
        'EPSG:32618 (WGS 84 / UTM zone 18N)'
    """
    import pyproj

    if abs(lat) > 84.0:   # beyond the UTM zones: the polar stereographic grids
        code = "EPSG:5041" if lat > 0 else "EPSG:5042"
        return f"{code} ({pyproj.CRS(code).name})"
    zone = min(60, max(1, int(math.floor((lon + 180.0) / 6.0)) + 1))
    candidates = [f"EPSG:{25800 + zone}"] if lat >= 0 and 28 <= zone <= 37 else []
    candidates.append(f"EPSG:{(32600 if lat >= 0 else 32700) + zone}")
    for code in candidates:
        crs = pyproj.CRS(code)
        if crs.area_of_use is None:   # every UTM/UPS CRS has one
            continue
        west, south, east, north = crs.area_of_use.bounds
        if west <= lon <= east and south <= lat <= north:
            return f"{code} ({crs.name})"
    return f"{candidates[-1]} ({pyproj.CRS(candidates[-1]).name})"


def _in_area(crs: pyproj.CRS, lon_min: float, lat_min: float, lon_max: float, lat_max: float) -> bool:
    area = crs.area_of_use
    if area is None:
        return True
    west, south, east, north = area.bounds
    m = AREA_MARGIN_DEG
    if west > east:   # an area across the antimeridian
        return south - m <= lat_min and lat_max <= north + m and (lon_min >= west - m or lon_max <= east + m)
    return west - m <= lon_min and lon_max <= east + m and south - m <= lat_min and lat_max <= north + m


def _outside_message(what: str, lon: float, lat: float, crs: pyproj.CRS, hint: str = "") -> str:
    area = crs.area_of_use
    extent = (f"{area.name.rstrip('.')}: lon {area.west:g}..{area.east:g}, lat {area.south:g}..{area.north:g}"
              if area is not None else "none given")   # without an area _in_area never refuses
    return (f"{what} lies at {abs(lat):.6f} {'N' if lat >= 0 else 'S'}, {abs(lon):.6f} {'E' if lon >= 0 else 'W'}, "
            f"outside the area of use of {_crs_label(crs)} ({extent}); refused rather than transformed across the "
            f"globe. Choose a TARGET_CRS whose area of use holds it, e.g. {hint or suggest_crs(lon, lat)}")


def _check_lonlat_in_area(crs: pyproj.CRS, lon: float, lat: float, source: str) -> None:
    if not _in_area(crs, lon, lat, lon, lat):
        raise InputError(_outside_message(source, lon, lat, crs))


def _map_lonlat(placement: Placement, xyz: npt.ArrayLike) -> Matrix | None:
    """(n, 2) lon/lat of IFC world points, through the CRS the placement maps into (before any datum change);
    None when that CRS is unknown or the points cannot be inverted."""
    import pyproj

    try:
        crs = horizontal_crs(placement.map_crs or placement.target_crs)
    except pyproj.exceptions.CRSError:
        return None
    points = np.asarray(xyz, dtype=float).reshape(-1, 3) @ placement.matrix[:3, :3].T + placement.matrix[:3, 3]
    if crs.is_geographic:
        lonlat = points[:, :2]
    else:
        with np.errstate(all="ignore"):
            lon, lat = pyproj.Transformer.from_crs(crs, _geodetic(crs), always_xy=True).transform(
                points[:, 0], points[:, 1], errcheck=False)
        lonlat = np.column_stack([lon, lat])
    return lonlat if np.isfinite(lonlat).all() else None


def check_model_area(placement: Placement, local_bbox: tuple[Matrix, Matrix] | None,
                     placed_bbox: tuple[Matrix, Matrix] | None) -> None:
    """Refuse a model whose placed bounding box lies outside the target CRS's area of use (in every method).

    The message names a CRS whose area of use holds the model (the map conversion's own, or the UTM zone).

    Args:
        placement: the model's placement.
        local_bbox: (min, max) xyz in IFC world metres, None when the model has no geometry.
        placed_bbox: the same box in the target CRS.

    Raises:
        InputError: the model lands outside the target CRS's area of use.

    Example:
        >>> import numpy as np
        >>> placement = manual_placement("EPSG:25832", 456500.0, 5429500.0, 115.0, 0.0, [])
        >>> local = (np.zeros(3), np.array([20.0, 10.0, 9.0]))
        >>> check_model_area(placement, local, (placement.apply(local[0])[0], placement.apply(local[1])[0]))
        >>> far = manual_placement("EPSG:25832", 2_500_000.0, 5429500.0, 0.0, 0.0, [])
        >>> check_model_area(far, local, (far.apply(local[0])[0], far.apply(local[1])[0]))
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: the model placed by manual lies at ... outside the area of use ...
    """
    import pyproj

    if local_bbox is None or placed_bbox is None:
        return
    crs = horizontal_crs(placement.target_crs)
    lo, hi = placed_bbox
    inside = False
    finite = bool(np.isfinite(lo).all() and np.isfinite(hi).all())
    if crs.area_of_use is None:   # a custom CRS without an area: only finite coordinates can be checked
        if not finite:
            raise InputError(f"the model placed by {placement.method} has no finite coordinates in the target CRS")
        return
    if finite:
        if crs.is_geographic:
            inside = _in_area(crs, lo[0], lo[1], hi[0], hi[1])
        else:
            try:
                to_geo = pyproj.Transformer.from_crs(crs, _geodetic(crs), always_xy=True)
                bounds = to_geo.transform_bounds(lo[0], lo[1], hi[0], hi[1], densify_pts=5)
                inside = all(math.isfinite(v) for v in bounds) and _in_area(crs, *bounds)
            except Exception:  # noqa: BLE001 - PROJ raises plain errors for out-of-domain input
                inside = False
    if inside:
        return
    corners = np.array([[x, y, z] for x in (local_bbox[0][0], local_bbox[1][0])
                        for y in (local_bbox[0][1], local_bbox[1][1]) for z in (local_bbox[0][2],)])
    lonlat = _map_lonlat(placement, corners)
    what = f"the model placed by {placement.method}"
    if lonlat is None:
        raise InputError(f"{what} lands at E {lo[0]:.2f}..{hi[0]:.2f}, N {lo[1]:.2f}..{hi[1]:.2f}, outside the area "
                         f"of use of {_crs_label(crs)}; the georeferencing is probably wrong")
    lon, lat = (float(v) for v in lonlat.mean(axis=0))
    if placement.source_crs.endswith("(assumed)"):
        raise InputError(f"{what} lands at E {lo[0]:.2f}..{hi[0]:.2f}, N {lo[1]:.2f}..{hi[1]:.2f}, outside the area "
                         f"of use of {_crs_label(crs)}: the map conversion names no CRS, so its Eastings/Northings "
                         f"({placement.eastings:g}, {placement.northings:g}) are probably local. Choose the TARGET_CRS "
                         "they belong to, or GEOREFERENCING manual or fit to footprint")
    hint = ""
    own = placement.map_crs and placement.map_crs != placement.target_crs and not placement.source_crs.endswith(
        "(assumed)")
    if own and _in_area(horizontal_crs(placement.map_crs), lon, lat, lon, lat):
        hint = f"{placement.map_crs} (the map conversion's own CRS) or {suggest_crs(lon, lat)}"
    raise InputError(_outside_message(what, lon, lat, crs, hint))


def resolve(model: ifcopenshell.file, requested: str, target_crs: str, *,
            manual: tuple[float, float, float, float] | None = None,
            warnings: list[str] | None = None) -> Placement | None:
    """Choose the placement of a model: ``auto`` tries the map conversion, then the site's latitude/longitude;
    ``map conversion``, ``site`` and ``manual`` ask for one; ``fit to footprint`` is decided by the importer.

    Args:
        model: the IFC model.
        requested: one of METHODS.
        target_crs: the CRS to place into.
        manual: (easting, northing, height, rotation in degrees) for ``manual``.
        warnings: receives the warnings of the placement.

    Returns:
        The Placement; None for a fit to footprint.

    Raises:
        NoGeoreferencing: ``auto`` found no georeferencing (the message names three ways on).
        InputError: an unknown method or target CRS, or the requested method has no data in the file.

    Example:
        >>> import ifcopenshell, ifcopenshell.api.root, ifcopenshell.api.unit, ifcopenshell.api.georeference
        >>> model = ifcopenshell.file(schema="IFC4")
        >>> _ = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
        >>> mm = ifcopenshell.api.unit.add_si_unit(model, unit_type="LENGTHUNIT", prefix="MILLI")
        >>> _ = ifcopenshell.api.unit.assign_unit(model, units=[mm])
        >>> resolve(model, "manual", "EPSG:25832", manual=(456500.0, 5429500.0, 115.0, 0.0)).method
        'manual'
        >>> resolve(model, "auto", "EPSG:25832")
        Traceback (most recent call last):
        ...
        geotwin.bim.georef.NoGeoreferencing: the file carries no georeferencing (no IfcMapConversion, ...
    """
    warnings = [] if warnings is None else warnings
    if requested not in METHODS:
        raise InputError(f"unknown georeferencing method {requested!r} (one of {', '.join(METHODS)})")
    target_horizontal(target_crs)
    try:
        return _resolve(model, requested, target_crs, manual, warnings)
    except (AssertionError, AttributeError, TypeError, ValueError, ZeroDivisionError) as err:
        raise InputError(f"the georeferencing entities cannot be read ({type(err).__name__}: {err})") from None


def _cross_check_site(model: ifcopenshell.file, placement: Placement, warnings: list[str]) -> None:
    """Compare the map conversion with IfcSite's latitude/longitude, when the file has both, in the map CRS.

    The latitude/longitude are read on WGS 84 (the standard) and on the map CRS's own datum (e.g. DHDN for
    EPSG:31467, as some tools write them); the nearer reading is reported with the datum it assumed.
    """
    import ifcopenshell.util.placement
    import pyproj

    try:
        anchor = _geographic_anchor(model)
    except InputError as err:
        warnings.append(f"IfcSite latitude/longitude not comparable: {err}")
        return
    if anchor is None or anchor.site is None:
        return
    lon, lat, source, site = anchor.lon, anchor.lat, anchor.source, anchor.site
    crs = horizontal_crs(placement.map_crs)
    if crs.is_geographic:
        return
    unit_m = project_unit_m(model)
    origin = np.zeros(3)
    if site.ObjectPlacement is not None:
        origin = ifcopenshell.util.placement.get_local_placement(site.ObjectPlacement)[:3, 3] * unit_m
    mapped = placement.matrix[:3, :3] @ origin + placement.matrix[:3, 3]
    factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    readings = []
    for geographic in (pyproj.CRS(WGS84), _geodetic(crs)):
        try:
            e, n, how = _lonlat_to_grid(lon, lat, geographic, crs)
        except (InputError, pyproj.exceptions.ProjError) as err:
            warnings.append(f"IfcSite latitude/longitude not comparable: {err}")
            continue
        if math.isfinite(e) and math.isfinite(n):
            readings.append((math.hypot(e - mapped[0], n - mapped[1]) * factor, how, geographic.name))
    if not readings:
        return
    distance, how, datum = min(readings, key=lambda r: r[0])   # a tie: WGS 84, the standard's datum
    placement.parameters["site_check_m"] = distance
    placement.parameters["site_check_datum"] = datum
    others = "; ".join(f"read {h} it would be {d:.1f} m" for d, h, _ in readings
                       if h != how and abs(d - distance) > 0.05)
    text = (f"{source} RefLatitude/RefLongitude, read {how}, lies {distance:.1f} m from the map conversion's "
            f"position in {_crs_label(crs)}" + (f" ({others})" if others else ""))
    if distance > 5.0:
        warnings.append(text + ": one of them is wrong (the map conversion was used)")
    else:
        placement.parameters["site_check"] = text


def _no_georeferencing_message(model: ifcopenshell.file) -> str:
    zero = _zero_sites(model)
    why = (f"IfcSite #{zero[0].id()} RefLatitude/RefLongitude are 0/0, an authoring tool's default and not a "
           "position, and there is no IfcMapConversion" if zero else
           "no IfcMapConversion, ePSet_MapConversion or IfcSite RefLatitude/RefLongitude")
    return (f"the file carries no georeferencing ({why}). Three ways on: (1) map conversion: add an "
            "IfcMapConversion with its IfcProjectedCRS in the authoring tool (IFC2X3: ePSet_MapConversion and "
            "ePSet_ProjectedCRS on IfcProject); (2) manual placement: GEOREFERENCING manual with MANUAL_EASTING, "
            "MANUAL_NORTHING, MANUAL_HEIGHT and MANUAL_ROTATION; (3) fit to a city-model footprint: GEOREFERENCING "
            "fit to footprint (or automatic) with FOOTPRINTS, FOOTPRINT_FIELD and FOOTPRINT_ID")


def _resolve(model: ifcopenshell.file, requested: str, target_crs: str,
             manual: tuple[float, float, float, float] | None, warnings: list[str]) -> Placement | None:
    if requested == MANUAL:
        if manual is None:
            raise InputError("manual georeferencing needs an easting, a northing, a height and a rotation")
        return manual_placement(target_crs, *manual, warnings)
    if requested in (AUTO, MAP_CONVERSION):
        placement = map_conversion(model, target_crs, warnings)
        if placement is not None or requested == MAP_CONVERSION:
            if placement is None:
                raise InputError("the file has no IfcMapConversion / ePSet_MapConversion")
            _cross_check_site(model, placement, warnings)
            return placement
    if requested in (AUTO, SITE):
        placement = site_placement(model, target_crs, warnings)
        if placement is not None or requested == SITE:
            if placement is None:
                raise InputError("IfcSite has no usable RefLatitude/RefLongitude: "
                                 + _no_georeferencing_message(model))
            return placement
    if requested == FIT:
        return None
    raise NoGeoreferencing(_no_georeferencing_message(model))
