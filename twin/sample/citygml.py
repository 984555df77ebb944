"""Stream the district as CityGML 2.0 (LoD2 solids with Roof/Wall/GroundSurface and xAL addresses)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from .layout import FUNCTION_NAMES, ROOF_CODES, BuildingSpec
from .site import CITYGML_SRS, COUNTRY, LOCALITY, POSTAL_CODE
from .solid import Ring

_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<core:CityModel xmlns:core="http://www.opengis.net/citygml/2.0" \
xmlns:bldg="http://www.opengis.net/citygml/building/2.0" \
xmlns:gen="http://www.opengis.net/citygml/generics/2.0" \
xmlns:gml="http://www.opengis.net/gml" \
xmlns:xAL="urn:oasis:names:tc:ciq:xsdschema:xAL:2.0" \
xmlns:xlink="http://www.w3.org/1999/xlink" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://www.opengis.net/citygml/2.0 http://schemas.opengis.net/citygml/2.0/cityGMLBase.xsd \
http://www.opengis.net/citygml/building/2.0 http://schemas.opengis.net/citygml/building/2.0/building.xsd">
<gml:description>GeoTwin sample district: Karlsruhe fan city around Friedrichsplatz (synthetic, seed {seed})</gml:description>
<gml:name>geotwin-sample-district</gml:name>
<gml:boundedBy>
<gml:Envelope srsName="{srs}" srsDimension="3">
<gml:lowerCorner>"""
_CORNER_WIDTH = 48   # fixed width of each corner's text, patched in place when the bbox is known
_SURFACE_CODES = {"GroundSurface": "GS", "WallSurface": "WS", "RoofSurface": "RS"}


def fmt_mm(v: int) -> str:
    """Write integer millimetres as metres with exactly three decimals.

    Args:
        v: millimetres.

    Returns:
        The text.

    Example:
        >>> fmt_mm(-1234), fmt_mm(5), fmt_mm(456267448)
        ('-1.234', '0.005', '456267.448')
    """
    sign = "-" if v < 0 else ""
    q, r = divmod(abs(v), 1000)
    return f"{sign}{q}.{r:03d}"


def pos_list(ring: Ring, cache: dict[Any, str] | None = None) -> str:
    """Write a ring as a closed ``gml:posList``.

    Args:
        ring: the points (x, y, z) in integer millimetres, not closed.
        cache: each point's text, kept within one building.

    Returns:
        The posList text (the first point repeated at the end).

    Example:
        >>> pos_list([(0, 0, 0), (1000, 0, 0), (1000, 1000, 500)])
        '0.000 0.000 0.000 1.000 0.000 0.000 1.000 1.000 0.500 0.000 0.000 0.000'
    """
    if cache is None:
        cache = {}
    out = []
    for p in (*ring, ring[0]):
        text = cache.get(p)
        if text is None:
            text = cache[p] = f"{fmt_mm(p[0])} {fmt_mm(p[1])} {fmt_mm(p[2])}"
        out.append(text)
    return " ".join(out)


class CityGmlWriter:
    """Writes one building at a time; the envelope is patched in place on close."""

    def __init__(self, path: Path, seed: int) -> None:
        self.path = Path(path)
        self._f = open(self.path, "wb")
        head = _HEADER.format(seed=seed, srs=CITYGML_SRS).encode("utf-8")
        self._f.write(head)
        self._lower_at = self._f.tell()
        self._f.write(b" " * _CORNER_WIDTH + b"</gml:lowerCorner>\n<gml:upperCorner>")
        self._upper_at = self._f.tell()
        self._f.write(b" " * _CORNER_WIDTH + b"</gml:upperCorner>\n</gml:Envelope>\n</gml:boundedBy>\n")
        self.count = 0

    def add(self, spec: BuildingSpec, surfaces: list[tuple[str, Ring]]) -> None:
        bid = spec.id
        out = [f'<core:cityObjectMember>\n<bldg:Building gml:id="{bid}">\n']
        if spec.name:
            out.append(f"<gml:name>{escape(spec.name)}</gml:name>\n")
        out.append(f'<gen:stringAttribute name="Funktion"><gen:value>'
                   f"{escape(FUNCTION_NAMES[spec.function])}</gen:value></gen:stringAttribute>\n")
        out.append(f"<bldg:function>{spec.function}</bldg:function>\n")
        out.append(f"<bldg:roofType>{ROOF_CODES[spec.roof]}</bldg:roofType>\n")
        out.append(f'<bldg:measuredHeight uom="m">{fmt_mm(spec.measured_height)}</bldg:measuredHeight>\n')
        out.append(f"<bldg:storeysAboveGround>{spec.storeys}</bldg:storeysAboveGround>\n")
        out.append(f'<bldg:lod2Solid>\n<gml:Solid gml:id="{bid}_solid">\n<gml:exterior>\n<gml:CompositeSurface>\n')
        polys = []
        points: dict[Any, str] = {}
        for n, (kind, _) in enumerate(surfaces, start=1):
            pid = f"{bid}_{_SURFACE_CODES[kind]}{n}_poly"
            polys.append(pid)
            out.append(f'<gml:surfaceMember xlink:href="#{pid}"/>\n')
        out.append("</gml:CompositeSurface>\n</gml:exterior>\n</gml:Solid>\n</bldg:lod2Solid>\n")
        for n, ((kind, ring), pid) in enumerate(zip(surfaces, polys), start=1):
            out.append(
                f'<bldg:boundedBy>\n<bldg:{kind} gml:id="{bid}_{_SURFACE_CODES[kind]}{n}">\n'
                f"<bldg:lod2MultiSurface>\n<gml:MultiSurface>\n<gml:surfaceMember>\n"
                f'<gml:Polygon gml:id="{pid}">\n<gml:exterior>\n<gml:LinearRing>\n'
                f'<gml:posList srsDimension="3">{pos_list(ring, points)}</gml:posList>\n'
                f"</gml:LinearRing>\n</gml:exterior>\n</gml:Polygon>\n</gml:surfaceMember>\n"
                f"</gml:MultiSurface>\n</bldg:lod2MultiSurface>\n</bldg:{kind}>\n</bldg:boundedBy>\n")
        out.append(
            "<bldg:address>\n<core:Address>\n<core:xalAddress>\n<xAL:AddressDetails>\n<xAL:Country>\n"
            f"<xAL:CountryName>{COUNTRY}</xAL:CountryName>\n"
            f'<xAL:Locality Type="Town">\n<xAL:LocalityName>{LOCALITY}</xAL:LocalityName>\n'
            f'<xAL:Thoroughfare Type="Street">\n'
            f"<xAL:ThoroughfareNumber>{escape(spec.number)}</xAL:ThoroughfareNumber>\n"
            f"<xAL:ThoroughfareName>{escape(spec.street)}</xAL:ThoroughfareName>\n</xAL:Thoroughfare>\n"
            f"<xAL:PostalCode>\n<xAL:PostalCodeNumber>{POSTAL_CODE}</xAL:PostalCodeNumber>\n</xAL:PostalCode>\n"
            "</xAL:Locality>\n</xAL:Country>\n</xAL:AddressDetails>\n</core:xalAddress>\n"
            "</core:Address>\n</bldg:address>\n</bldg:Building>\n</core:cityObjectMember>\n")
        self._f.write("".join(out).encode("utf-8"))
        self.count += 1

    def close(self, bbox_mm: tuple[int, int, int, int, int, int]) -> None:
        self._f.write(b"</core:CityModel>\n")
        for at, values in ((self._lower_at, bbox_mm[:3]), (self._upper_at, bbox_mm[3:])):
            text = " ".join(fmt_mm(v) for v in values).encode("ascii")
            if len(text) > _CORNER_WIDTH:
                raise ValueError(f"{self.path}: envelope corner too wide: {text!r}")
            self._f.seek(at)
            self._f.write(text.ljust(_CORNER_WIDTH))
        self._f.close()

    def abort(self) -> None:
        self._f.close()

