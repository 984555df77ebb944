"""Coordinate reference systems of city model sources: srsName forms to horizontal + vertical EPSG codes.

Every form found in CityGML/CityJSON files is mapped to a :class:`CrsInfo` holding the
horizontal CRS and, when the source states it, the vertical CRS (the height datum the
3D Tiles export needs): ``EPSG:25832``, ``urn:ogc:def:crs:EPSG::25832``, compound URNs
``urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837``, the German AdV URNs
``urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH``, OGC http(s) URIs (also ``def/crs-compound``)
and EPSG compound codes such as 7415 (RD New + NAP), split with pyproj.
"""
from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlsplit

from pyproj import CRS, Transformer
from pyproj.crs import CompoundCRS
from pyproj.exceptions import CRSError

from .citymodel.model import CrsInfo
from .errors import InputError

# AdV (German surveying authorities) CRS names of the horizontal part.
_ADV_HORIZONTAL = {
    "ETRS89_UTM31": 25831, "ETRS89_UTM32": 25832, "ETRS89_UTM33": 25833,
    "DE_DHDN_3GK2": 31466, "DE_DHDN_3GK3": 31467, "DE_DHDN_3GK4": 31468, "DE_DHDN_3GK5": 31469,
    "ETRS89_GK3": 31467,  # seen in old exports: Gauss-Krueger 3 on DHDN
    "ETRS89_LAT-LON": 4258, "ETRS89_LAT_LON": 4258,
}
# AdV names of the height part (NH: normal heights, NOH: normal-orthometric heights).
_ADV_VERTICAL = {
    "DE_DHHN2016_NH": 7837, "DE_DHHN92_NH": 5783, "DE_DHHN85_NOH": 5784, "DE_SNN76_NH": 5785,
}
# Tolerance around a CRS's published area of use before coordinates are flagged, in degrees.
AREA_OF_USE_MARGIN_DEG = 0.5

_EPSG_CODE = re.compile(
    r"""^(?:
        (?:urn:(?:x-)?ogc:def:crs:EPSG:(?:[\d.]*:)?(?P<urn>\d+))
      | (?:https?://www\.opengis\.net/def/crs/EPSG/[^/]+/(?P<uri>\d+))
      | (?:https?://www\.opengis\.net/gml/srs/epsg\.xml\#(?P<gml>\d+))
      | (?:EPSG:{1,2}(?P<short>\d+))
      | (?P<bare>\d+)
    )$""", re.IGNORECASE | re.VERBOSE)
_URN_COMPOUND = re.compile(r"^urn:(?:x-)?ogc:def:crs,(.+)$", re.IGNORECASE)
_PLUS_CODES = re.compile(r"^EPSG:(\d+)\+(\d+)$", re.IGNORECASE)


def _epsg_code(text: str) -> int | None:
    m = _EPSG_CODE.match(text.strip())
    if not m:
        return None
    return int(next(v for v in m.groupdict().values() if v))


def _crs(code: int, source: str) -> CRS:
    try:
        return CRS.from_epsg(code)
    except CRSError as err:
        raise InputError(f"unknown CRS EPSG:{code} in {source!r}: {err}") from None


def _from_parts(codes: list[int], source: str) -> CrsInfo:
    """Sort EPSG codes into horizontal and vertical parts, splitting compound CRSs."""
    horizontal: CRS | None = None
    vertical: CRS | None = None
    compound: CRS | None = None
    for code in codes:
        crs = _crs(code, source)
        parts = crs.sub_crs_list or [crs]
        if crs.is_compound:
            compound = crs
        for part in parts:
            if part.is_vertical:
                if vertical is not None:
                    raise InputError(f"two vertical CRSs in {source!r}")
                vertical = part
            else:
                if horizontal is not None:
                    raise InputError(f"two horizontal CRSs in {source!r}")
                horizontal = part
    if horizontal is None:
        raise InputError(f"{source!r} names only a vertical CRS; the horizontal CRS is unknown")
    return _info(horizontal, vertical, source, compound if len(codes) == 1 else None)


def _info(horizontal: CRS, vertical: CRS | None, source: str, compound: CRS | None = None) -> CrsInfo:
    h_code, v_code = horizontal.to_epsg(), vertical.to_epsg() if vertical is not None else None
    if h_code is None or (vertical is not None and v_code is None):
        raise InputError(f"{source!r} has no EPSG code")
    wkt = None
    if vertical is not None:
        if compound is None:
            compound = CompoundCRS(f"{horizontal.name} + {vertical.name}", [horizontal, vertical])
        wkt = compound.to_wkt()
    return CrsInfo(f"EPSG:{h_code}", f"EPSG:{v_code}" if v_code else None, source, wkt)


def _adv(name: str, source: str) -> CrsInfo:
    horizontal, _, height = name.partition("*")
    h_code = _ADV_HORIZONTAL.get(horizontal.strip().upper())
    if h_code is None:
        raise InputError(f"unknown AdV CRS {source!r}")
    codes = [h_code]
    if height.strip():
        v_code = _ADV_VERTICAL.get(height.strip().upper())
        if v_code is None:
            raise InputError(f"unknown AdV height system {height!r} in {source!r}")
        codes.append(v_code)
    return _from_parts(codes, source)


def parse_srs_name(text: str) -> CrsInfo:
    """Map a GML srsName (any form found in CityGML files) to horizontal and vertical EPSG codes.

    Raises InputError for an empty or unknown name.
    """
    source = (text or "").strip()
    if not source:
        raise InputError("empty srsName")
    low = source.lower()
    if low.startswith("urn:adv:crs:"):
        return _adv(source[len("urn:adv:crs:"):], source)
    m = _URN_COMPOUND.match(source)
    if m:
        codes = [_epsg_code("urn:ogc:def:" + part) for part in m.group(1).split(",")]
        if not codes or None in codes:
            raise InputError(f"unsupported compound srsName {source!r}")
        return _from_parts(codes, source)  # type: ignore[arg-type]
    if "/def/crs-compound" in low:
        parts = [v for _, v in sorted(parse_qsl(urlsplit(source).query))]
        codes = [_epsg_code(p) for p in parts]
        if not codes or None in codes:
            raise InputError(f"unsupported compound srsName {source!r}")
        return _from_parts(codes, source)  # type: ignore[arg-type]
    m = _PLUS_CODES.match(source)
    if m:
        return _from_parts([int(m.group(1)), int(m.group(2))], source)
    code = _epsg_code(source)
    if code is not None:
        return _from_parts([code], source)
    raise InputError(f"unknown srsName {source!r}: expected an EPSG code, an OGC URN/URI or an AdV URN")


def crs_from_cityjson(reference_system: str) -> CrsInfo:
    """CityJSON ``metadata.referenceSystem`` (an OGC CRS URI, or an older URN) to a CrsInfo."""
    return parse_srs_name(reference_system)


def crs_override(text: str) -> CrsInfo:
    """A user-given CRS: any srsName form, "EPSG:25832+7837", an authority id or WKT/PROJ text."""
    source = (text or "").strip()
    try:
        return parse_srs_name(source)
    except InputError:
        pass
    try:
        crs = CRS.from_user_input(source)
    except CRSError as err:
        raise InputError(f"cannot understand the CRS {source!r}: {err}") from None
    parts = crs.sub_crs_list or [crs]
    horizontal = next((p for p in parts if not p.is_vertical), None)
    vertical = next((p for p in parts if p.is_vertical), None)
    if horizontal is None:
        raise InputError(f"the CRS {source!r} has no horizontal part")
    horizontal = _identified(horizontal, source)
    vertical = _identified(vertical, source) if vertical is not None else None
    return _info(horizontal, vertical, source)


def _identified(crs: CRS, source: str) -> CRS:
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        raise InputError(f"no EPSG code matches the CRS {source!r}")
    return CRS.from_epsg(code)


def area_of_use_problem(crs: CrsInfo, bbox: tuple[float, float, float, float]) -> str | None:
    """A message when the bbox (xmin, ymin, xmax, ymax in the horizontal CRS) lies outside its area of use."""
    if not crs.horizontal:
        return None
    horizontal = CRS.from_user_input(crs.horizontal)
    area = horizontal.area_of_use
    if area is None:
        return None
    if not all(math.isfinite(v) for v in bbox):
        return f"coordinates are not finite: {bbox}"
    if horizontal.is_geographic:
        lon_min, lat_min, lon_max, lat_max = bbox
    else:
        to_geo = Transformer.from_crs(horizontal, horizontal.geodetic_crs, always_xy=True)
        try:
            lon_min, lat_min, lon_max, lat_max = to_geo.transform_bounds(*bbox, densify_pts=5)
        except Exception:  # noqa: BLE001 - PROJ raises plain errors for out-of-domain input
            lon_min = lat_min = lon_max = lat_max = math.inf
    m = AREA_OF_USE_MARGIN_DEG
    inside = all(math.isfinite(v) for v in (lon_min, lat_min, lon_max, lat_max)) and (
        lon_min >= area.west - m and lon_max <= area.east + m
        and lat_min >= area.south - m and lat_max <= area.north + m)
    if inside:
        return None
    return (f"coordinates {tuple(round(v, 3) for v in bbox)} lie outside the area of use of {crs.horizontal} "
            f"({area.name.rstrip('.')}: lon {area.west}..{area.east}, lat {area.south}..{area.north}); "
            f"is the CRS right?")
