"""Coordinate reference systems of city model sources: srsName forms to horizontal + vertical EPSG codes.

Every form found in CityGML/CityJSON files is mapped to a :class:`CrsInfo` holding the
horizontal CRS and, when the source states it, the vertical CRS (the height datum the
3D Tiles export needs) and the quasigeoid it names: ``EPSG:25832``, ``EPSG:25832+7837``,
``urn:ogc:def:crs:EPSG::25832`` (also with a version, ``EPSG:6.12:25832``), compound URNs
``urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837``, OGC http(s) URIs (also ``def/crs-compound``),
OGC CRS84, EPSG compound codes such as 7415 (RD New + NAP, split with pyproj) and the German
AdV URNs ``urn:adv:crs:<position>[*<height>[*<quasigeoid>]]`` such as
``urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016`` (current LoD2 deliveries).

:func:`area_of_use_problem` checks coordinates against the declared CRS's area of use and
:func:`suggest_crs` names the CRSs the numbers fit instead (also used by the IFC import).

pyproj is imported when a CRS needs it: its import costs about a tenth of a CPU second, a tenth of a whole
10,000-building import. The EPSG codes of German deliveries (ETRS89 / UTM 32N and 33N, the DHHN heights) are
resolved from a small table (``_KNOWN``), and their coordinates checked against a rectangle inside their area of use
(``_KNOWN_INSIDE``), with the same results as PROJ's (tests/twin/kernel/test_crs_known.py); everything else, and
every message about a problem, comes from PROJ as before.
"""
from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from .errors import InputError

if TYPE_CHECKING:   # pyproj is imported where a CRS needs it (see the module docstring)
    from pyproj import CRS, Transformer


@dataclass
class CrsInfo:
    """Horizontal and vertical CRS of a source, as EPSG codes, plus what the file said."""

    horizontal: str | None          # e.g. "EPSG:25832"
    vertical: str | None            # e.g. "EPSG:7837" (DHHN2016 height); None when unknown
    source_text: str = ""           # srsName / referenceSystem exactly as written
    geoid_model: str | None = None   # quasigeoid the source names (AdV "*GCG2016"), e.g. "GCG2016"
    compound_code: int | None = None  # the one compound EPSG code the source named (e.g. 7415), if it did

    @property
    def compound_wkt(self) -> str | None:
        """pyproj WKT of the horizontal+vertical CRS when both are known (EPSG's own for a compound code), made
        when asked."""
        if self.horizontal is None or self.vertical is None:
            return None
        return _compound_wkt(self.horizontal, self.vertical, self.compound_code)


@lru_cache(maxsize=32)
def _compound_wkt(horizontal: str, vertical: str, code: int | None) -> str:
    from pyproj import CRS
    from pyproj.crs.crs import CompoundCRS

    if code is not None:
        return str(CRS.from_epsg(code).to_wkt())
    h, v = CRS.from_user_input(horizontal), CRS.from_user_input(vertical)
    return str(CompoundCRS(f"{h.name} + {v.name}", [h, v]).to_wkt())


# AdV names (GeoInfoDok CRS register), written as the register writes them; matched case-insensitively.
# Position (horizontal) part. The AdV defines projected coordinates without a zone number before the
# easting (false easting 500 000 m), as the EPSG codes below do (except DHDN Gauss-Krueger, whose
# EPSG definitions carry the zone number, as CityGML exports of DE_DHDN_3GKn do).
_ADV_POSITIONS: dict[str, int] = {
    "ETRS89_UTM31": 25831, "ETRS89_UTM32": 25832, "ETRS89_UTM33": 25833,
    "ETRS89_3GK3": 8395,   # ETRS89 / Gauss-Kruger CM 9E (Hamburg); EPSG has no other ETRS89 3GK zone
    "ETRS89_Lat-Lon": 4258,
    "DE_DHDN_3GK2": 31466, "DE_DHDN_3GK3": 31467, "DE_DHDN_3GK4": 31468, "DE_DHDN_3GK5": 31469,
    "DE_DHDN_Lat-Lon": 4314,
    "DE_42/83_3GK3": 2397, "DE_42/83_3GK4": 2398, "DE_42/83_3GK5": 2399,  # Pulkovo 1942(83), former GDR
    "DE_PD/83_3GK3": 3396, "DE_PD/83_3GK4": 3397,   # Potsdam Datum/83 (Thuringia)
    "DE_RD/83_3GK4": 3398, "DE_RD/83_3GK5": 3399,   # Rauenberg Datum/83 (Saxony)
}
# State realisations of DHDN Gauss-Krueger ("DE_DHDN_3GK3_BW100", "DE_DHDN_3GK2_NW177"): EPSG has
# DHDN only; the state's own DHDN realisation differs from it by up to about a metre.
_ADV_DHDN_STATE = re.compile(r"^(DE_DHDN_3GK[2-5])_[A-Z]{2}\d{3}$")
# Height part: NH normal heights, NOH normal-orthometric heights.
_ADV_HEIGHTS: dict[str, int] = {
    "DE_DHHN2016_NH": 7837, "DE_DHHN92_NH": 5783, "DE_DHHN12_NOH": 7699, "DE_DHHN85_NOH": 5784,
    "DE_SNN76_NH": 5785,
}
# Misspellings found in real srsNames: 3DCityDB's Docker documentation gives
# "urn:adv:crs:DE_DHDN_3GK4*DE_DHN92_NH" as its example, and its exports write the name configured.
_ADV_ALIASES = {"DE_DHN92_NH": "DE_DHHN92_NH", "ETRS89_LAT_LON": "ETRS89_Lat-Lon",
                       "DE_DHDN_LAT_LON": "DE_DHDN_Lat-Lon"}
# Quasigeoid part: the German Combined Quasigeoid the heights were derived with.
_ADV_GEOIDS = ("GCG2016", "GCG2011", "GCG05")
_ADV_UPPER = {name.upper(): name for name in (*_ADV_POSITIONS, *_ADV_HEIGHTS, *_ADV_GEOIDS)}
_ADV_UPPER.update({alias: target for alias, target in _ADV_ALIASES.items()})

ADV_FORMS = ("urn:adv:crs:<position>[*<height>[*<quasigeoid>]] with position "
             + ", ".join(_ADV_POSITIONS) + " (DE_DHDN_3GKn also with a state suffix such as _BW100); height "
             + ", ".join(_ADV_HEIGHTS) + "; quasigeoid " + ", ".join(_ADV_GEOIDS))
ACCEPTED_FORMS = ("EPSG:25832, EPSG:25832+7837, urn:ogc:def:crs:EPSG::25832 (also with a version such as "
                  "EPSG:6.12:25832), urn:ogc:def:crs,crs:EPSG::25832,crs:EPSG::7837, "
                  "http(s)://www.opengis.net/def/crs/EPSG/0/25832, "
                  "http://www.opengis.net/def/crs-compound?1=<URI>&2=<URI>, OGC CRS84, " + ADV_FORMS)

# Real srsNames are below 300 characters; longer text is refused before it is parsed or quoted.
MAX_SRS_NAME = 1000
# Tolerance around a CRS's published area of use before coordinates are flagged, in degrees.
AREA_OF_USE_MARGIN_DEG = 0.5

_EPSG_CODE = re.compile(r"""^(?:
        (?:urn:(?:x-)?ogc:def:crs:EPSG:(?:[\d.]*:)?(?P<urn>\d+))
      | (?:https?://www\.opengis\.net/def/crs/EPSG/[^/]+/(?P<uri>\d+))
      | (?:https?://www\.opengis\.net/gml/srs/epsg\.xml\#(?P<gml>\d+))
      | (?:EPSG:{1,2}(?P<short>\d+))
      | (?P<bare>\d+)
    )$""", re.IGNORECASE | re.VERBOSE | re.ASCII)
_URN_COMPOUND = re.compile(r"^urn:(?:x-)?ogc:def:crs,(.+)$", re.IGNORECASE)
# Malformed OGC URNs written by real exporters, e.g. ``urn:ogc:def,crs::EPSG:31467`` (a Karlsruhe city
# model) or ``urn:ogc:def,crs,crs:EPSG:6.12:25833,crs:EPSG:6.12:5783``: every EPSG reference in order.
_URN_LOOSE = re.compile(r"^urn:(?:x-)?ogc:def[:,]", re.IGNORECASE)
_URN_LOOSE_PART = re.compile(r"^(?:crs)?:*EPSG:+(?:\d+(?:\.\d+)+:+)?(\d+)$", re.IGNORECASE | re.ASCII)
_PLUS_CODES = re.compile(r"^EPSG:(\d+)\+(\d+)$", re.IGNORECASE | re.ASCII)
# EPSG codes resolved without PROJ: code -> whether it is a vertical CRS (none of them is compound).
_KNOWN: dict[int, bool] = {25832: False, 25833: False, 7837: True, 5783: True, 7699: True, 5784: True, 5785: True}
# Rectangles (xmin, ymin, xmax, ymax) of a known horizontal CRS's coordinates that lie 0.05 degrees inside its area
# of use: coordinates within one fit it without a transformation (the test checks them against PROJ).
_KNOWN_INSIDE: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    "EPSG:25832": ((295000, 5200000, 705000, 5700000), (316000, 5700000, 685000, 6200000)),
    "EPSG:25833": ((295000, 5200000, 705000, 5700000), (316000, 5700000, 685000, 6200000)),
}
_CRS84 = re.compile(r"^(?:urn:ogc:def:crs:OGC:[\d.]*:CRS84|https?://www\.opengis\.net/def/crs/OGC/[^/]+/CRS84"
                    r"|(?:OGC:)?CRS84)$", re.IGNORECASE)


def _shown(text: str, limit: int = 120) -> str:
    """The text quoted for a message, shortened when long."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _epsg_code(text: str) -> int | None:
    m = _EPSG_CODE.match(text.strip())
    if not m:
        return None
    return int(next(v for v in m.groupdict().values() if v))


def _crs(code: int, source: str) -> CRS:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_epsg(code)
    except CRSError as err:
        raise InputError(f"unknown CRS EPSG:{code} in {_shown(source)}: {err}") from None


def _known_parts(codes: list[int], source: str) -> CrsInfo:
    """``_from_parts`` of codes that are all in ``_KNOWN``, without PROJ: the same CrsInfo, the same errors."""
    horizontal = vertical = None
    for code in codes:
        if _KNOWN[code]:
            if vertical is not None:
                raise InputError(f"two vertical CRSs in {_shown(source)}")
            vertical = code
        else:
            if horizontal is not None:
                raise InputError(f"two horizontal CRSs in {_shown(source)}")
            horizontal = code
    if horizontal is None:
        raise InputError(f"{_shown(source)} names only a vertical CRS; the horizontal CRS is unknown")
    return CrsInfo(f"EPSG:{horizontal}", f"EPSG:{vertical}" if vertical else None, source)


def _from_parts(codes: list[int], source: str) -> CrsInfo:
    """Sort EPSG codes into horizontal and vertical parts, splitting compound CRSs."""
    if all(code in _KNOWN for code in codes):
        return _known_parts(codes, source)
    horizontal: CRS | None = None
    vertical: CRS | None = None
    compound: int | None = None
    for code in codes:
        crs = _crs(code, source)
        parts = crs.sub_crs_list or [crs]
        if crs.is_compound:
            compound = code
        for part in parts:
            if part.is_vertical:
                if vertical is not None:
                    raise InputError(f"two vertical CRSs in {_shown(source)}")
                vertical = part
            else:
                if horizontal is not None:
                    raise InputError(f"two horizontal CRSs in {_shown(source)}")
                horizontal = part
    if horizontal is None:
        raise InputError(f"{_shown(source)} names only a vertical CRS; the horizontal CRS is unknown")
    return _info(horizontal, vertical, source, compound if len(codes) == 1 else None)


def _info(horizontal: CRS, vertical: CRS | None, source: str, compound: int | None = None) -> CrsInfo:
    """The CrsInfo of the parts; ``compound``: the one compound EPSG code they came from (its WKT is EPSG's)."""
    h_code, v_code = horizontal.to_epsg(), vertical.to_epsg() if vertical is not None else None
    if h_code is None or (vertical is not None and v_code is None):
        raise InputError(f"{_shown(source)} has no EPSG code")
    return CrsInfo(f"EPSG:{h_code}", f"EPSG:{v_code}" if v_code else None, source,
                   compound_code=compound if vertical is not None else None)


def _adv(name: str, source: str) -> CrsInfo:
    """``<position>[*<height>[*<quasigeoid>]]``: parts in any order, repeated parts tolerated, case and
    blanks ignored."""
    parts: dict[str, str] = {}
    for raw in name.split("*"):
        token = re.sub(r"\s+", "", raw).upper()
        if not token:
            continue
        state = _ADV_DHDN_STATE.match(token)
        known = _ADV_UPPER.get(state.group(1) if state else token)
        if known is None:
            raise InputError(f"unknown AdV CRS part {_shown(raw.strip())} in {_shown(source)}; accepted: {ADV_FORMS}")
        kind = "position" if known in _ADV_POSITIONS else "height" if known in _ADV_HEIGHTS else "quasigeoid"
        if parts.get(kind, known) != known:
            raise InputError(f"{_shown(source)} names two {kind} systems ({parts[kind]}, {known})")
        parts[kind] = known
    if "position" not in parts:
        raise InputError(f"{_shown(source)} names no position (horizontal) CRS; accepted: {ADV_FORMS}")
    codes = [_ADV_POSITIONS[parts["position"]]]
    if "height" in parts:
        codes.append(_ADV_HEIGHTS[parts["height"]])
    info = _from_parts(codes, source)
    info.geoid_model = parts.get("quasigeoid")
    return info


def _loose_urn_codes(source: str) -> list[int] | None:
    """EPSG codes of a malformed OGC URN whose every part is still an EPSG reference, else None.

    >>> _loose_urn_codes("urn:ogc:def,crs::EPSG:31467")
    [31467]
    """
    m = _URN_LOOSE.match(source)
    if not m:
        return None
    parts = [p for p in re.split(r"[,]", source[m.end():]) if p.strip(": ")]
    codes = []
    for part in parts:
        if part.strip().lower() == "crs":
            continue
        hit = _URN_LOOSE_PART.match(part.strip())
        if hit is None:
            return None
        codes.append(int(hit.group(1)))
    return codes or None


def parse_srs_name(text: str) -> CrsInfo:
    """Read a GML ``srsName`` in any form found in CityGML files: EPSG codes and URNs, OGC URIs (also
    compound), the AdV names of German deliveries (``urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH``).

    Args:
        text: the srsName.

    Returns:
        The CrsInfo: horizontal and vertical EPSG codes, the text, the compound WKT, the quasigeoid it names.

    Raises:
        InputError: the srsName names no CRS PROJ knows, or two horizontal CRSs.

    Example:
        >>> info = parse_srs_name("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH")
        >>> info.horizontal, info.vertical
        ('EPSG:25832', 'EPSG:7837')
        >>> parse_srs_name("EPSG:25832").vertical is None
        True
    """
    source = (text or "").strip()
    if not source:
        raise InputError("empty srsName")
    if len(source) > MAX_SRS_NAME:
        raise InputError(f"srsName too long ({len(source)} characters, at most {MAX_SRS_NAME}): {source[:80]!r}...")
    low = source.lower()
    if low.startswith("urn:adv:crs:"):
        return _adv(source[len("urn:adv:crs:"):], source)
    if _CRS84.match(source):
        return _from_parts([4326], source)  # WGS 84 longitude/latitude: the order this importer reads
    m = _URN_COMPOUND.match(source)
    if m:
        codes = [_epsg_code("urn:ogc:def:" + part) for part in m.group(1).split(",")]
        if not codes or None in codes:
            raise InputError(f"unsupported compound srsName {_shown(source)}")
        return _from_parts(codes, source)  # type: ignore[arg-type]
    if "/def/crs-compound" in low:
        parts = [v for _, v in sorted(parse_qsl(urlsplit(source).query))]
        codes = [_epsg_code(p) for p in parts]
        if not codes or None in codes:
            raise InputError(f"unsupported compound srsName {_shown(source)}")
        return _from_parts(codes, source)  # type: ignore[arg-type]
    m = _PLUS_CODES.match(source)
    if m:
        return _from_parts([int(m.group(1)), int(m.group(2))], source)
    code = _epsg_code(source)
    if code is not None:
        return _from_parts([code], source)
    loose = _loose_urn_codes(source)
    if loose:
        return _from_parts(loose, source)
    raise InputError(f"unknown srsName {_shown(source)}; accepted forms: {ACCEPTED_FORMS}")


def crs_from_cityjson(reference_system: str) -> CrsInfo:
    """Read CityJSON's ``metadata.referenceSystem`` (an OGC CRS URI, or an older URN).

    Args:
        reference_system: the value.

    Returns:
        The CrsInfo; a compound CRS is split into its horizontal and vertical parts.

    Example:
        >>> info = crs_from_cityjson("https://www.opengis.net/def/crs/EPSG/0/7415")   # Amersfoort / RD New + NAP
        >>> info.horizontal, info.vertical
        ('EPSG:28992', 'EPSG:5709')
    """
    return parse_srs_name(reference_system)


def crs_override(text: str) -> CrsInfo:
    """Read a CRS the user gives (the CRS override of an import).

    Args:
        text: any srsName form, ``EPSG:25832+7837``, an authority id, or WKT/PROJ text.

    Returns:
        The CrsInfo.

    Raises:
        InputError: PROJ does not know the CRS.

    Example:
        >>> info = crs_override("EPSG:25832+7837")
        >>> info.horizontal, info.vertical
        ('EPSG:25832', 'EPSG:7837')
    """
    source = (text or "").strip()
    try:
        return parse_srs_name(source)
    except InputError:
        pass
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(source)
    except CRSError as err:
        raise InputError(f"cannot understand the CRS {_shown(source)}: {err}") from None
    parts = crs.sub_crs_list or [crs]
    horizontal = next((p for p in parts if not p.is_vertical), None)
    vertical = next((p for p in parts if p.is_vertical), None)
    if horizontal is None:
        raise InputError(f"the CRS {_shown(source)} has no horizontal part")
    horizontal = _identified(horizontal, source)
    vertical = _identified(vertical, source) if vertical is not None else None
    return _info(horizontal, vertical, source)


def _identified(crs: CRS, source: str) -> CRS:
    from pyproj import CRS

    code = crs.to_epsg(min_confidence=70)
    if code is None:
        raise InputError(f"no EPSG code matches the CRS {_shown(source)}")
    return CRS.from_epsg(code)


# Candidates tried when coordinates do not fit their declared CRS, most plausible first for German data.
CANDIDATE_CRS: tuple[str, ...] = (
    "EPSG:25832", "EPSG:25833", "EPSG:25831",  # ETRS89 / UTM zone 32N, 33N, 31N
    "EPSG:4647", "EPSG:5650",                  # ETRS89 / UTM 32N, 33N with the zone number before the easting
    "EPSG:31467", "EPSG:31466", "EPSG:31468", "EPSG:31469",  # DHDN / Gauss-Krueger zones 3, 2, 4, 5
    "EPSG:4258", "EPSG:4326",                  # ETRS89, WGS 84 longitude/latitude (also tried swapped)
    "EPSG:3857",                               # WGS 84 / Pseudo-Mercator (web maps)
    "EPSG:28992", "EPSG:2056",                 # Amersfoort / RD New, CH1903+ / LV95
)
# Germany onshore (EPSG area 3339) and a box around Europe, lon/lat degrees: guesses that put the data
# in Germany come first, then those in Europe, then the rest.
GERMANY_LONLAT = (5.86, 47.27, 15.04, 55.09)
EUROPE_LONLAT = (-11.0, 35.0, 32.0, 72.0)


@dataclass(frozen=True)
class CrsGuess:
    """A CRS whose area of use contains the numbers: ``crs`` as "EPSG:n", its EPSG name, whether x and y
    had to be swapped (latitude first), where the numbers then lie (lon/lat degrees in the CRS's own
    geographic CRS, e.g. DHDN for Gauss-Krueger) and whether that is in Germany / in Europe."""

    crs: str
    name: str
    swapped: bool
    lonlat_bbox: tuple[float, float, float, float]
    in_germany: bool
    in_europe: bool

    def __str__(self) -> str:
        return f"{self.crs} ({self.name})" + (" with x and y swapped (latitude first)" if self.swapped else "")


def _to_lonlat(code: str) -> tuple[CRS, Transformer | None]:
    """The CRS and its transformer to its own geographic CRS, cached per thread (pyproj objects are not
    shared between threads)."""
    return _to_lonlat_cached(code, threading.get_ident())


@lru_cache(maxsize=128)
def _to_lonlat_cached(code: str, _thread: int) -> tuple[CRS, Transformer | None]:
    from pyproj import CRS, Transformer

    crs = CRS.from_user_input(code)
    if crs.is_geographic:
        return crs, None
    return crs, Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)


def _lonlat_bbox(code: str, bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float] | None:
    """Where the bbox lies in lon/lat when its numbers are coordinates of ``code``; None when they cannot be."""
    crs, to_geo = _to_lonlat(code)
    if to_geo is None:
        lonlat = bbox
    else:
        xs, ys = [bbox[0], bbox[2], bbox[0], bbox[2]], [bbox[1], bbox[1], bbox[3], bbox[3]]
        try:
            # far outside a projection's domain PROJ may return finite nonsense: the corners must come back
            lon, lat = to_geo.transform(xs, ys)
            back_x, back_y = to_geo.transform(lon, lat, direction="INVERSE")
            lonlat = to_geo.transform_bounds(*bbox, densify_pts=5)
        except Exception:  # noqa: BLE001 - PROJ raises plain errors for out-of-domain input
            return None
        tolerance = 1.0 + 1e-6 * max(abs(v) for v in bbox)
        if not all(math.isfinite(v) and abs(v - w) <= tolerance
                   for v, w in zip([*back_x, *back_y], [*xs, *ys])):
            return None
    if not all(math.isfinite(v) for v in lonlat):
        return None
    lon_min, lat_min, lon_max, lat_max = lonlat
    if lon_min < -180 or lon_max > 180 or lat_min < -90 or lat_max > 90:
        return None
    return tuple(float(v) for v in lonlat)  # type: ignore[return-value]


def _inside_rect(inner: Sequence[float], outer: Sequence[float], margin: float) -> bool:
    return (inner[0] >= outer[0] - margin and inner[1] >= outer[1] - margin
            and inner[2] <= outer[2] + margin and inner[3] <= outer[3] + margin)


def _fits(code: str, bbox: tuple[float, float, float, float], swapped: bool) -> CrsGuess | None:
    numbers = (bbox[1], bbox[0], bbox[3], bbox[2]) if swapped else bbox
    lonlat = _lonlat_bbox(code, numbers)
    crs, _ = _to_lonlat(code)
    area = crs.area_of_use
    if lonlat is None or area is None:
        return None
    m = AREA_OF_USE_MARGIN_DEG
    if area.west > area.east:  # the area crosses the antimeridian: its longitudes wrap
        in_lon = all(lon >= area.west - m or lon <= area.east + m for lon in (lonlat[0], lonlat[2]))
        inside = in_lon and lonlat[1] >= area.south - m and lonlat[3] <= area.north + m
    else:
        inside = _inside_rect(lonlat, (area.west, area.south, area.east, area.north), m)
    if not inside:
        return None
    if not re.fullmatch(r"[A-Za-z]+:\d+", code.strip()):  # WKT, PROJ text: named by its EPSG code if it has one
        epsg = crs.to_epsg()
        code = f"EPSG:{epsg}" if epsg else crs.name
    return CrsGuess(code, crs.name, swapped, lonlat, _inside_rect(lonlat, GERMANY_LONLAT, 0.0),
                    _inside_rect(lonlat, EUROPE_LONLAT, 0.0))


def _bbox4(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    values = [float(v) for v in bbox]
    if len(values) == 2:
        values = values * 2
    if len(values) != 4:
        raise ValueError(f"expected (x, y) or (xmin, ymin, xmax, ymax), got {len(values)} numbers")
    (x0, x1), (y0, y1) = sorted(values[0::2]), sorted(values[1::2])
    return x0, y0, x1, y1


def suggest_crs(bbox: Sequence[float], declared: str | None = None,
                candidates: Sequence[str] = CANDIDATE_CRS) -> list[CrsGuess]:
    """Guess which CRSs a bounding box may be in: those whose area of use contains the numbers (also with the
    axes swapped), most plausible first (Germany, then Europe; the declared CRS's family first).

    Args:
        bbox: xmin, ymin, xmax, ymax as found in the data.
        declared: the CRS the data declares, if any.
        candidates: the CRSs to try.

    Returns:
        The CrsGuesses: CRS, name, whether the axes are swapped, the bbox in longitude/latitude.

    Example:
        >>> [g.crs for g in suggest_crs((3456000, 5429000, 3457000, 5430000))]   # Gauss-Krüger zone 3 numbers
        ['EPSG:31467', 'EPSG:3857']
        >>> suggest_crs((456000, 5429000, 457000, 5430000))[0].crs
        'EPSG:25832'
    """
    from pyproj.exceptions import CRSError

    box = _bbox4(bbox)
    if not all(math.isfinite(v) for v in box):
        return []
    codes = list(dict.fromkeys([declared, *candidates] if declared else candidates))
    guesses: list[CrsGuess] = []
    for code in codes:
        try:
            geographic = _to_lonlat(code)[0].is_geographic
        except CRSError:
            continue
        for swapped in (False, True) if geographic else (False,):
            guess = _fits(code, box, swapped)
            if guess is not None:
                guesses.append(guess)
    return sorted(guesses, key=lambda g: (not g.in_germany, not g.in_europe))  # stable: keeps the codes' order


def _zone_prefix(crs: CRS) -> float:
    """The zone number part of a Transverse Mercator false easting (3000000 for Gauss-Krueger zone 3), else 0."""
    operation = crs.coordinate_operation
    if operation is None or "Transverse Mercator" not in operation.method_name:
        return 0.0
    easting = next((float(p.value) for p in operation.params if p.name == "False easting"), 500000.0)
    return float(easting - 500000.0) if easting > 500000.0 and easting % 1_000_000 == 500000.0 else 0.0


def _known_inside(code: str, bbox: tuple[float, float, float, float]) -> bool:
    """Whether the coordinates lie in a rectangle of ``_KNOWN_INSIDE`` (then they fit the CRS's area of use)."""
    rects = _KNOWN_INSIDE.get(code)
    if rects is None or not all(math.isfinite(v) for v in bbox):
        return False
    x0, y0, x1, y1 = _bbox4(bbox)
    return any(r[0] <= x0 and r[1] <= y0 and x1 <= r[2] and y1 <= r[3] for r in rects)


def known_epsg(text: str) -> str | None:
    """``EPSG:n`` when ``text`` is exactly that for a code this module resolves without PROJ, else None (ask PROJ).

    Example:
        >>> known_epsg("EPSG:25832"), known_epsg("EPSG:31467"), known_epsg("epsg:25832")
        ('EPSG:25832', None, None)
    """
    m = re.fullmatch(r"EPSG:(\d+)", text, re.ASCII)
    return text if m and int(m.group(1)) in _KNOWN else None


def area_of_use_problem(crs: CrsInfo, bbox: tuple[float, float, float, float]) -> str | None:
    """Check that coordinates lie in the area of use of their declared CRS.

    Args:
        crs: the declared CRS.
        bbox: xmin, ymin, xmax, ymax in its horizontal CRS.

    Returns:
        None when they fit; else a message naming the declared CRS and the CRSs the numbers look like.

    Example:
        >>> utm32 = crs_override("EPSG:25832")
        >>> area_of_use_problem(utm32, (456000, 5429000, 457000, 5430000)) is None
        True
        >>> area_of_use_problem(utm32, (3456000, 5429000, 3457000, 5430000))
        'coordinates (3456000.0, 5429000.0, 3457000.0, 5430000.0) lie outside the area of use of EPSG:25832 ...
         the coordinates look like EPSG:31467 (DHDN / 3-degree Gauss-Kruger zone 3) ...'
    """
    if not crs.horizontal:
        return None
    if _known_inside(crs.horizontal, bbox):
        return None
    horizontal, _ = _to_lonlat(crs.horizontal)
    area = horizontal.area_of_use
    if area is None:
        return None
    if not all(math.isfinite(v) for v in bbox):
        return f"coordinates are not finite: {bbox}"
    box = _bbox4(bbox)
    if _fits(crs.horizontal, box, swapped=False) is not None:
        return None
    area_name = re.split(r'[:;,]| - states', area.name)[0].rstrip('.')
    message = (f"coordinates {tuple(round(v, 3) for v in box)} lie outside the area of use of {crs.horizontal} "
               f"({horizontal.name}; {area_name}: lon {area.west}..{area.east}, "
               f"lat {area.south}..{area.north})")
    guesses = suggest_crs(box, crs.horizontal)[:3]
    if guesses:
        message += f"; the coordinates look like {guesses[0]}"
        if len(guesses) > 1:
            message += f" (or {', '.join(str(g) for g in guesses[1:])})"
    prefix = _zone_prefix(horizontal)
    if prefix and _fits(crs.horizontal, (box[0] + prefix, box[1], box[2] + prefix, box[3]), swapped=False):
        message += (f"; {'or ' if guesses else ''}they are {crs.horizontal} eastings without the zone number in "
                    f"front (AdV/NAS style): add {prefix:.0f} to x")
    elif not guesses:
        message += f"; they fit none of {', '.join(CANDIDATE_CRS)} either"
    return message + "; give the right CRS as the CRS override"
