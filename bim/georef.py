"""Georeferencing an IFC model: from the IFC's world coordinates (metres) to a target CRS.

Methods, tried in this order by ``auto``: IfcMapConversion / IfcRigidOperation (IFC4, IFC4X3),
ePSet_MapConversion (IFC2X3), IfcSite RefLatitude/RefLongitude with TrueNorth and the grid
convergence; ``manual`` and ``fit`` (bim/fit.py) on request. The Helmert parameters come from
ifcopenshell.util.geolocation; this module adds units, CRS handling and the report.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..twin.errors import InputError

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
    matrix: np.ndarray                      # 4x4, IFC world metres -> source CRS (x, y), height (m)
    source_crs: str = ""
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
    transformer: Any = None                 # pyproj Transformer source -> target, None when equal

    def apply(self, xyz: np.ndarray) -> np.ndarray:
        """Transform (n, 3) IFC world coordinates in metres to the target CRS."""
        xyz = np.asarray(xyz, dtype=np.float64).reshape(-1, 3)
        out = xyz @ self.matrix[:3, :3].T + self.matrix[:3, 3]
        if self.transformer is not None and len(out):
            x, y = self.transformer.transform(out[:, 0], out[:, 1])
            out[:, 0], out[:, 1] = x, y
        return out


# ---------------------------------------------------------------- units and CRS


def project_unit_m(model) -> float:
    """The project's length unit in metres."""
    import ifcopenshell.util.unit

    return float(ifcopenshell.util.unit.calculate_unit_scale(model))


def _named_unit_m(unit) -> float | None:
    import ifcopenshell.util.unit

    if unit is None:
        return None
    try:
        return float(ifcopenshell.util.unit.get_named_unit_scale(unit))
    except Exception:  # noqa: BLE001 - a broken unit definition is reported as missing
        return None


def horizontal_crs(user_input: str):
    """A pyproj CRS for an EPSG code, URN, WKT or name; the horizontal part of a compound CRS."""
    import pyproj

    crs = pyproj.CRS.from_user_input(user_input)
    if crs.is_compound:
        crs = crs.sub_crs_list[0]
    return crs


def target_horizontal(target_crs: str):
    """The horizontal part of the target CRS; InputError when PROJ does not know it."""
    import pyproj

    try:
        return horizontal_crs(target_crs)
    except pyproj.exceptions.CRSError as err:
        raise InputError(f"the target CRS {target_crs!r} is unknown to PROJ: {err}") from None


def _resolve_crs(name: str | None):
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


def _crs_label(crs) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _transformer(source: str, target: str, warnings: list[str]):
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
    warnings.append(f"transformed from {_crs_label(src)} to {_crs_label(tgt)} with '{best.description}'"
                    f" (accuracy {'unknown' if accuracy is None else f'{accuracy:g} m'})")
    if group.unavailable_operations:
        missing = group.unavailable_operations[0]
        warnings.append(f"a more accurate transformation is not installed: '{missing.name}'"
                        " (install its grid with projsync or the proj-data package)")
    return best, accuracy


# ---------------------------------------------------------------- the methods


def _affine_from_helmert(params, wcs: np.ndarray | None, unit_m: float, map_unit_m: float) -> np.ndarray:
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
    return helmert @ to_project


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


def _coordinate_operation(model):
    """The IfcCoordinateOperation of the 3D Model context, or of any context."""
    operations = model.by_type("IfcCoordinateOperation") if model.schema != "IFC2X3" else []
    for op in operations:
        source = op.SourceCRS
        if source is not None and source.is_a("IfcGeometricRepresentationContext") and \
                getattr(source, "ContextType", None) == "Model":
            return op
    return operations[0] if operations else None


def map_conversion(model, target_crs: str, warnings: list[str]) -> Placement | None:
    """Placement from IfcMapConversion / IfcRigidOperation (IFC4+) or ePSet_MapConversion (IFC2X3)."""
    import ifcopenshell.util.element
    import ifcopenshell.util.geolocation as geo

    unit_m = project_unit_m(model)
    if model.schema == "IFC2X3":
        project = model.by_type("IfcProject")[0]
        pset = ifcopenshell.util.element.get_pset(project, "ePSet_MapConversion")
        if not pset:
            return None
        crs_pset = ifcopenshell.util.element.get_pset(project, "ePSet_ProjectedCRS") or {}
        method, crs_name, given_scale = "ePSet map conversion", crs_pset.get("Name"), pset.get("Scale")
        map_unit_m, vertical = None, crs_pset.get("VerticalDatum") or ""
        mu = crs_pset.get("MapUnit")
        if isinstance(mu, str) and mu.strip():
            import ifcopenshell.util.unit as unit

            name = unit.get_unit_name(mu.upper().replace("METER", "METRE"))
            prefix = unit.get_prefix(mu.upper())
            map_unit_m = unit.get_prefix_multiplier(prefix) if name == "METRE" else None
    else:
        op = _coordinate_operation(model)
        if op is None:
            return None
        crs_entity = op.TargetCRS
        if op.is_a("IfcRigidOperation") and crs_entity is not None and crs_entity.is_a("IfcGeographicCRS"):
            return None  # a geographic anchor: handled like IfcSite's latitude/longitude
        method = "map conversion" if op.is_a("IfcMapConversion") else "rigid operation"
        crs_name = getattr(crs_entity, "Name", None)
        given_scale = getattr(op, "Scale", None) if op.is_a("IfcMapConversion") else None
        map_unit_m = _named_unit_m(getattr(crs_entity, "MapUnit", None))
        vertical = getattr(crs_entity, "VerticalDatum", None) or ""
    params = geo.get_helmert_transformation_parameters(model)
    if params is None:
        return None

    resolved = _resolve_crs(crs_name)
    assumed = resolved is None
    if assumed:
        warnings.append(
            f"the map conversion's CRS name {crs_name!r} is {'empty' if not (crs_name or '').strip() else 'unknown'}: "
            f"ASSUMED the target CRS {target_crs}; check the placement or choose another GEOREFERENCING method")
        resolved = target_crs
    crs = horizontal_crs(resolved)
    crs_unit_m = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    if map_unit_m is None:
        map_unit_m = crs_unit_m
    elif not math.isclose(map_unit_m, crs_unit_m, rel_tol=1e-6):
        warnings.append(f"MapUnit ({map_unit_m:g} m) differs from the unit of {resolved} ({crs_unit_m:g} m); "
                        "used the CRS's unit")
        map_unit_m = crs_unit_m
    ratio = unit_m / map_unit_m
    scale = _scale_factor(given_scale, ratio, warnings)
    params = params._replace(scale=scale)
    matrix = _affine_from_helmert(params, geo.get_wcs(model), unit_m, map_unit_m)
    transformer, accuracy = _transformer(resolved, target_crs, warnings)
    rigid = method == "rigid operation"
    if rigid:
        warnings.append("placed by IfcRigidOperation: a translation without rotation or scale")
    placement = Placement(
        method=method + (" (CRS assumed)" if assumed else ""), target_crs=target_crs, matrix=matrix,
        source_crs=resolved if not assumed else f"{resolved} (assumed)",
        vertical_datum=str(vertical) or f"OrthogonalHeight datum of {resolved}",
        eastings=float(params.e), northings=float(params.n), orthogonal_height=float(params.h) * map_unit_m,
        rotation_deg=math.degrees(math.atan2(params.xao, params.xaa)),
        scale=scale / ratio * params.factor_x, unit_scale=ratio,
        expected_accuracy_m=None if assumed else (0.001 if accuracy == 0.0 else accuracy),
        warnings=warnings, transformer=transformer,
        parameters={"crs_name": crs_name, "eastings": params.e, "northings": params.n,
                    "orthogonal_height": params.h, "x_axis_abscissa": params.xaa, "x_axis_ordinate": params.xao,
                    "scale_given": given_scale, "scale_applied": scale, "factor_x": params.factor_x,
                    "factor_y": params.factor_y, "factor_z": params.factor_z, "project_unit_m": unit_m,
                    "map_unit_m": map_unit_m, "rigid": rigid},
    )
    _check_area_of_use(placement, warnings)
    return placement


def _geographic_anchor(model) -> tuple[float, float, float, str, str, object, str | None] | None:
    """(lon, lat, height m, datum, source, site or None, geographic CRS or None) from IfcSite
    RefLatitude/RefLongitude or a geographic IfcRigidOperation (whose origin is the engineering CRS's)."""
    import ifcopenshell.util.geolocation as geo

    op = _coordinate_operation(model)
    if op is not None and op.is_a("IfcRigidOperation") and op.TargetCRS is not None \
            and op.TargetCRS.is_a("IfcGeographicCRS"):
        crs = op.TargetCRS
        to_deg = math.degrees(_named_unit_m(crs.AngleUnit) or math.radians(1.0))  # degrees per angle unit
        lon = float(op.FirstCoordinate.wrappedValue) * to_deg
        lat = float(op.SecondCoordinate.wrappedValue) * to_deg
        height = float(op.Height or 0.0) * (_named_unit_m(crs.HeightUnit) or 1.0)
        return lon, lat, height, "", f"IfcRigidOperation to {crs.Name}", None, _resolve_crs(crs.Name)
    for site in model.by_type("IfcSite"):
        if site.RefLatitude and site.RefLongitude:
            lat = geo.dms2dd(*site.RefLatitude)
            lon = geo.dms2dd(*site.RefLongitude)
            height = float(site.RefElevation or 0.0) * project_unit_m(model)
            return lon, lat, height, "", f"IfcSite {site.GlobalId}", site, None
    return None


def site_placement(model, target_crs: str, warnings: list[str]) -> Placement | None:
    """Placement from a latitude/longitude anchor, TrueNorth and the grid convergence at that point."""
    import ifcopenshell.util.geolocation as geo
    import ifcopenshell.util.placement
    import pyproj

    anchor = _geographic_anchor(model)
    if anchor is None:
        return None
    lon, lat, height, datum, source, site, geographic = anchor
    crs = horizontal_crs(target_crs)
    _check_lonlat_in_area(crs, lon, lat, source)
    # IfcSite states no datum: its latitude/longitude are taken in the target's own geodetic CRS
    source_geographic = horizontal_crs(geographic) if geographic else crs.geodetic_crs
    to_grid = pyproj.Transformer.from_crs(source_geographic, crs, always_xy=True)
    easting, northing = to_grid.transform(lon, lat)
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
    warnings.append(f"no map conversion: placed by {source} latitude/longitude ({lat:.7f} N, {lon:.7f} E), "
                    f"TrueNorth {true_north:.4f}° and grid convergence {convergence:.4f}°; accuracy about a metre")
    if not datum:
        warnings.append("the height datum of RefElevation is not stated; heights assume the target's vertical datum")
    return Placement(
        method="rigid operation (geographic)" if source.startswith("IfcRigid") else SITE,
        target_crs=target_crs, matrix=matrix, source_crs=_crs_label(source_geographic),
        vertical_datum=datum or "RefElevation (datum not stated)", eastings=easting, northings=northing,
        orthogonal_height=height, rotation_deg=math.degrees(theta), scale=k, unit_scale=1.0,
        grid_convergence_deg=convergence, expected_accuracy_m=1.0, warnings=warnings,
        parameters={"source": source, "latitude": lat, "longitude": lon, "ref_elevation_m": height,
                    "true_north_deg": true_north, "grid_convergence_deg": convergence, "point_scale": k,
                    "site_origin_m": origin.tolist()},
    )


def manual_placement(target_crs: str, easting: float, northing: float, height: float, rotation_deg: float,
                     warnings: list[str]) -> Placement:
    """The IFC origin at (easting, northing, height), its x axis ``rotation_deg`` anticlockwise from grid east."""
    theta = math.radians(rotation_deg)
    c, s = math.cos(theta), math.sin(theta)
    matrix = np.eye(4)
    matrix[:2, :2] = [[c, -s], [s, c]]
    matrix[:3, 3] = [easting, northing, height]
    warnings.append("manual placement: as accurate as the anchor point and rotation given")
    return Placement(method=MANUAL, target_crs=target_crs, matrix=matrix, source_crs=target_crs,
                     vertical_datum="manual height (target vertical datum)", eastings=easting, northings=northing,
                     orthogonal_height=height, rotation_deg=rotation_deg, warnings=warnings,
                     parameters={"easting": easting, "northing": northing, "height": height,
                                 "rotation_deg": rotation_deg})


# ---------------------------------------------------------------- plausibility


def _check_lonlat_in_area(crs, lon: float, lat: float, source: str) -> None:
    area = crs.area_of_use
    if area is None:
        return
    margin = 3.0
    west, south, east, north = area.bounds
    if not (west - margin <= lon <= east + margin and south - margin <= lat <= north + margin):
        raise InputError(f"{source} lies at {lat:.6f} N, {lon:.6f} E, outside the area of use of "
                         f"{_crs_label(crs)} ({area.name}): choose a suitable TARGET_CRS")


def _check_area_of_use(placement: Placement, warnings: list[str]) -> None:
    import pyproj

    crs = horizontal_crs(placement.target_crs)
    area = crs.area_of_use
    if area is None:
        return
    e, n, _ = placement.apply(np.zeros((1, 3)))[0]
    try:
        lon, lat = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(e, n)
    except pyproj.exceptions.ProjError:
        lon = lat = float("nan")
    west, south, east, north = area.bounds
    if not (math.isfinite(lon) and west - 3 <= lon <= east + 3 and south - 3 <= lat <= north + 3):
        warnings.append(f"the IFC origin lands at E {e:.2f}, N {n:.2f}, outside the area of use of "
                        f"{placement.target_crs}: the georeferencing is probably wrong")


def resolve(model, requested: str, target_crs: str, *, manual: tuple[float, float, float, float] | None = None,
            warnings: list[str] | None = None) -> Placement | None:
    """The placement for ``requested`` (auto, map conversion, site or manual); None for a fit.

    Raises InputError when the requested method has no data in the file.
    """
    warnings = [] if warnings is None else warnings
    if requested not in METHODS:
        raise InputError(f"unknown georeferencing method {requested!r} (one of {', '.join(METHODS)})")
    target_horizontal(target_crs)
    try:
        return _resolve(model, requested, target_crs, manual, warnings)
    except (AssertionError, AttributeError, TypeError, ValueError, ZeroDivisionError) as err:
        raise InputError(f"the georeferencing entities cannot be read ({type(err).__name__}: {err})") from None


def _cross_check_site(model, placement: Placement, warnings: list[str]) -> None:
    """Compare the map conversion with IfcSite's latitude/longitude, when the file has both."""
    try:
        site = site_placement(model, placement.target_crs, [])
    except InputError as err:
        warnings.append(f"IfcSite latitude/longitude not comparable: {err}")
        return
    if site is None:
        return
    origin = np.array([site.parameters["site_origin_m"]])
    distance = float(np.linalg.norm(site.apply(origin)[0, :2] - placement.apply(origin)[0, :2]))
    placement.parameters["site_check_m"] = distance
    if distance > 5.0:
        warnings.append(f"IfcSite RefLatitude/RefLongitude puts the site {distance:.1f} m from where the map "
                        "conversion does: one of them is wrong (the map conversion was used)")


def _resolve(model, requested: str, target_crs: str, manual, warnings: list[str]) -> Placement | None:
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
                raise InputError("IfcSite has no RefLatitude/RefLongitude")
            return placement
    if requested == FIT:
        return None
    raise NoGeoreferencing("the file carries no georeferencing (no IfcMapConversion, ePSet_MapConversion or IfcSite "
                           "RefLatitude/RefLongitude): choose GEOREFERENCING manual or fit to footprint")
