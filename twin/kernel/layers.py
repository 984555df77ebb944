"""Reading user-supplied vector layers: point tables (CSV, GeoJSON, GeoPackage) and polygon layers (islands, sensors).

Coordinates come from a point geometry or from latitude/longitude or easting/northing
columns. Swapped latitude/longitude (or easting/northing) are detected with the area of
use of the target CRS and corrected with a warning; rows without usable coordinates are
returned with a ``problem`` so that callers report them and nothing is lost silently.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import gpkg
from .errors import InputError
from .numeric import to_number
from .progress import Reporter

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS
    from shapely.geometry.base import BaseGeometry
    from shapely.strtree import STRtree

LAT_NAMES = ("lat", "latitude", "breite", "breitengrad", "lat_wgs84", "y_wgs84")
LON_NAMES = ("lon", "lng", "long", "longitude", "laenge", "länge", "laengengrad", "lon_wgs84", "x_wgs84")
EAST_NAMES = ("easting", "east", "x", "rechtswert", "ostwert", "e")
NORTH_NAMES = ("northing", "north", "y", "hochwert", "nordwert", "n")


@dataclass(frozen=True)
class LayerRef:
    """A layer in a GeoPackage/GeoJSON/Shapefile; ``layer`` None means the only or first layer."""

    path: str
    layer: str | None = None

    def __str__(self) -> str:
        return f"{self.path}|{self.layer}" if self.layer else self.path


@dataclass
class PointRow:
    """One source row: its attributes and point in the target CRS, or why it has none."""

    line: int
    attrs: dict[str, Any]
    x: float | None = None
    y: float | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


MAX_LAYER_BYTES = 4 << 30   # a layer file, or what a .zip of layers inflates to (4 GiB)
MAX_ZIP_RATIO = 200         # inflated / compressed size above which a zipped layer is a zip bomb


def check_layer_file(path: str | Path, max_bytes: int = MAX_LAYER_BYTES) -> None:
    """Refuse a layer file larger than ``max_bytes``, and a .zip (which GDAL inflates into memory) that inflates
    beyond it, or beyond MAX_ZIP_RATIO times its compressed size, or holds encrypted members. The inflated size
    is counted while inflating, never taken from the archive's header. Folders and GDAL paths pass.

    Args:
        path: the layer file.
        max_bytes: the largest file (or inflated archive) accepted.

    Raises:
        InputError: the file is too large, a zip bomb, encrypted or damaged.

    Example:
        >>> import tempfile, zipfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     bomb = Path(tmp) / "layers.zip"
        ...     with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        ...         archive.writestr("big.csv", "0" * (50 << 20))
        ...     check_layer_file(bomb)
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: ...inflates to more than 200 times its size ...: refused as a zip bomb
    """
    import zipfile
    import zlib

    path = Path(path)
    if not path.is_file():
        return
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"the file has {size / (1 << 20):.0f} MiB, more than the limit of "
                         f"{max_bytes / (1 << 20):.0f} MiB", path=str(path))
    if not zipfile.is_zipfile(path):
        return
    total, limit = 0, max(MAX_ZIP_RATIO * size, 1 << 20)
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                if member.flag_bits & 0x1:
                    raise InputError(f"{member.filename} in the archive is encrypted", path=str(path))
                with archive.open(member) as stream:
                    while chunk := stream.read(1 << 20):
                        total += len(chunk)
                        if total > max_bytes:
                            raise InputError(f"the archive inflates to more than the limit of "
                                             f"{max_bytes / (1 << 20):.0f} MiB", path=str(path))
                        if total > limit:
                            raise InputError(f"the archive inflates to more than {MAX_ZIP_RATIO} times its size "
                                             f"of {size} bytes: refused as a zip bomb", path=str(path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, zlib.error,
            ValueError, OSError) as err:
        raise InputError(f"the zip archive is damaged or unsupported: {err}", path=str(path)) from err


def read_frame(ref: LayerRef, max_bytes: int = MAX_LAYER_BYTES) -> gpd.GeoDataFrame:
    """Read a user layer as a GeoDataFrame (pyogrio), after ``check_layer_file``.

    Args:
        ref: the file and layer.
        max_bytes: the largest file accepted.

    Returns:
        The GeoDataFrame.

    Raises:
        InputError: the layer cannot be read or is too large (naming the file and layer).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "trees.geojson"
        ...     _ = path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        ...                         '{"art": "Linde"}, "geometry": {"type": "Point", "coordinates": [8.4, 49.0]}}]}')
        ...     frame = read_frame(LayerRef(str(path)))
        >>> list(frame["art"]), frame.crs.to_epsg()
        (['Linde'], 4326)
    """
    check_layer_file(ref.path, max_bytes)
    try:
        return gpkg.read_frame(ref.path, ref.layer)
    except Exception as err:  # pyogrio raises DataSourceError/DataLayerError and OSError
        raise InputError(f"cannot read the layer: {err}", path=str(ref)) from err


def layer_names(path: str) -> list[str]:
    """List the layers of a vector file GDAL reads (GeoPackage, Shapefile, GeoJSON...).

    Args:
        path: the file.

    Returns:
        The layer names.

    Raises:
        InputError: the file cannot be opened (naming it).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "empty.geojson"
        ...     _ = path.write_text('{"type": "FeatureCollection", "features": []}')
        ...     layer_names(str(path))
        ['empty']
    """
    check_layer_file(path)
    try:
        return gpkg.list_vector_layers(path)
    except Exception as err:
        raise InputError(f"cannot open: {err}", path=path) from err


def polygons_2d(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Make a valid 2D (Multi)Polygon from any polygonal geometry (3D surfaces are projected, invalid ones repaired).

    Args:
        geom: a shapely geometry, None allowed.

    Returns:
        A MultiPolygon (or the union as shapely gives it), None for an empty or non-polygonal geometry.

    Example:
        >>> from shapely.geometry import LineString, Polygon
        >>> bowtie = Polygon([(0, 0, 5), (2, 2, 5), (2, 0, 5), (0, 2, 5)])   # self-intersecting, 3D
        >>> fixed = polygons_2d(bowtie)
        >>> fixed.geom_type, fixed.has_z, fixed.is_valid, fixed.area
        ('MultiPolygon', False, True, 2.0)
        >>> polygons_2d(LineString([(0, 0), (1, 1)])) is None
        True
    """
    import shapely

    if geom is None or geom.is_empty:
        return None
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return None
    merged = shapely.unary_union(polys)
    if merged.is_empty:
        return None
    return shapely.MultiPolygon([merged]) if merged.geom_type == "Polygon" else merged


def _find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.lower().strip(): c for c in columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _decode(path: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252; a clear error otherwise."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err}", path=str(path)) from err
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, utf8.start) + 1
            raise InputError(f"not a UTF-8 or Windows-1252 text file (byte 0x{data[utf8.start]:02x} at offset "
                             f"{utf8.start})", path=str(path), line=line) from None


def sniff_csv(path: Path, *, max_rows: int | None = None
              ) -> tuple[list[str], list[tuple[int, dict[str, str], str | None]]]:
    """Read a CSV with a ``,``, ``;`` or tab delimiter (detected) and its header.

    Empty rows are skipped; a row with more values than the header keeps a ``problem``; an empty header cell
    becomes ``column_<n>``.

    Args:
        path: the CSV file (UTF-8, a BOM allowed).
        max_rows: the most rows accepted.

    Returns:
        (header, [(line number, {column: text}, problem or None)]).

    Raises:
        InputError: an empty file, a column named twice, more than ``max_rows`` rows, or malformed CSV.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "aps.csv"
        ...     _ = path.write_text("name;x;y\\nAP 1;10;5\\n\\nAP 2;12;6;extra\\n")
        ...     sniff_csv(path)
        (['name', 'x', 'y'], [(2, {'name': 'AP 1', 'x': '10', 'y': '5'}, None),
                              (4, {'name': 'AP 2', 'x': '12', 'y': '6'}, '4 values but the header has 3 columns')])
    """
    text = _decode(path)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        header = [h.strip() or f"column_{i}" for i, h in enumerate(next(reader), start=1)]
        start = reader.line_num + 1
        seen: dict[str, int] = {}
        for i, name in enumerate(header, start=1):
            if name in seen:
                raise InputError(f"the header names column '{name}' twice (columns {seen[name]} and {i})",
                                 path=str(path), line=1)
            seen[name] = i
        rows: list[tuple[int, dict[str, str], str | None]] = []
        for values in reader:
            number, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if max_rows is not None and len(rows) >= max_rows:
                raise InputError(f"more than {max_rows} rows: refused", path=str(path), line=number)
            problem = None
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                problem = f"{len(values)} values but the header has {len(header)} columns"
            rows.append((number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)},
                         problem))
    except StopIteration:
        raise InputError("the CSV file is empty", path=str(path)) from None
    except csv.Error as err:
        raise InputError(f"malformed CSV: {err}", path=str(path), line=start) from None
    return header, rows


class Locator:
    """Transforms source coordinates to the target CRS and detects swapped axes."""

    def __init__(self, source_crs: str | CRS, target_crs: str | CRS, path: str | None = None) -> None:
        from pyproj import CRS, Transformer
        from pyproj.exceptions import ProjError

        try:
            self.source = CRS.from_user_input(source_crs)
            self.target = CRS.from_user_input(target_crs)
            self.to_target = Transformer.from_crs(self.source, self.target, always_xy=True)
            self.to_lonlat = Transformer.from_crs(self.source, "EPSG:4326", always_xy=True)
        except (ProjError, TypeError, ValueError) as err:
            shown = str(source_crs if not isinstance(source_crs, str) or len(source_crs) < 80
                        else source_crs[:80] + "…")
            raise InputError(f"cannot use the CRS '{shown}' (to {target_crs}): {err}", path=path) from None
        area = self.target.area_of_use or self.source.area_of_use
        self.bounds = area.bounds if area else (-180.0, -90.0, 180.0, 90.0)
        self.area_name = area.name if area else "the world"

    def _inside(self, a: float, b: float) -> bool:
        if self.source.is_geographic and not (-180 <= a <= 180 and -90 <= b <= 90):
            return False
        lon, lat = self.to_lonlat.transform(a, b)
        w, s, e, n = self.bounds
        return math.isfinite(lon) and w <= lon <= e and s <= lat <= n

    def locate(self, a: float, b: float, row: PointRow, axes: str) -> None:
        """Set row.x/y from source x (lon/easting) ``a`` and y (lat/northing) ``b``."""
        if not self._inside(a, b):
            if self._inside(b, a):
                row.notes.append(f"{axes} swapped ({a}, {b}): corrected by the area of use of "
                                 f"{self.target.name} ({self.area_name})")
                a, b = b, a
            elif self.source.is_geographic and not (-180 <= a <= 180 and -90 <= b <= 90):
                row.problem = f"coordinates out of range: longitude {a}, latitude {b}"
                return
            else:
                row.notes.append(f"position ({a}, {b}) lies outside the area of use of {self.target.name}")
        x, y = self.to_target.transform(a, b)
        if not (math.isfinite(x) and math.isfinite(y)):
            row.problem = f"coordinates ({a}, {b}) cannot be transformed to {self.target.name}"
            return
        row.x, row.y = x, y


def read_points(path: str | Path | LayerRef, target_crs: str, *, source_crs: str | None = None,
                reporter: Reporter | None = None, bad_rows: list[tuple[int, str]] | None = None,
                max_rows: int | None = None) -> tuple[list[PointRow], list[str]]:
    """Read a point table and place its rows in the target CRS.

    CSV: latitude/longitude columns (WGS 84) or easting/northing columns in ``source_crs`` (default: the target
    CRS); swapped axes are detected with the CRS's area of use and corrected (a note says so). Other formats:
    the point geometry and the layer's CRS. Rows without usable coordinates keep a ``problem``, so that callers
    report them and nothing is lost silently.

    Args:
        path: the table (CSV, GeoJSON, GeoPackage...), or a LayerRef.
        target_crs: the CRS to place into.
        source_crs: the CRS of a CSV's easting/northing columns.
        reporter: is asked for cancellation.
        bad_rows: receives (line, problem) of malformed CSV rows, which are then left out.
        max_rows: the most rows accepted.

    Returns:
        (the rows with their x, y, attributes, notes and problem; the attribute columns).

    Raises:
        InputError: a missing file, no coordinate columns, or too many rows.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = Path(tmp) / "sensors.csv"
        ...     _ = path.write_text("id,lat,lon\\nS1,49.0094,8.4034\\nS2,8.4034,49.0094\\nS3,,\\n")
        ...     rows, columns = read_points(path, "EPSG:25832")
        >>> columns, [(r.attrs["id"], round(r.x or 0), round(r.y or 0), bool(r.notes), r.problem) for r in rows]
        (['id'], [('S1', 456371, 5428672, False, None), ('S2', 456371, 5428672, True, None),
                  ('S3', 0, 0, False, "missing or non-numeric coordinates (lon='', lat='')")])
        >>> import pyproj   # S1 projected directly; S2 has latitude and longitude swapped, and is corrected
        >>> [round(v) for v in pyproj.Transformer.from_crs(4326, 25832, always_xy=True).transform(8.4034, 49.0094)]
        [456371, 5428672]
    """
    reporter = reporter or Reporter()
    ref = path if isinstance(path, LayerRef) else LayerRef(str(path))
    p = Path(ref.path)
    if not p.exists():
        raise InputError("file not found", path=str(p))
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        header, raw = sniff_csv(p, max_rows=max_rows)
        if bad_rows is not None:  # the caller skips malformed rows itself
            bad_rows.extend((number, problem) for number, _, problem in raw if problem is not None)
            raw = [r for r in raw if r[2] is None]
        lat_col, lon_col = _find_column(header, LAT_NAMES), _find_column(header, LON_NAMES)
        if lat_col and lon_col:
            cols, axes, crs = (lon_col, lat_col), "latitude/longitude", "EPSG:4326"
        else:
            east, north = _find_column(header, EAST_NAMES), _find_column(header, NORTH_NAMES)
            if not (east and north):
                raise InputError("no coordinate columns: expected latitude/longitude "
                                 f"({'/'.join(LAT_NAMES[:2])}, {'/'.join(LON_NAMES[:3])}) or easting/northing "
                                 f"({'/'.join(EAST_NAMES[:3])}, {'/'.join(NORTH_NAMES[:3])}); found {header}",
                                 path=str(p))
            cols, axes, crs = (east, north), "easting/northing", source_crs or target_crs
        locator = Locator(crs, target_crs, str(p))
        rows = []
        for i, (number, values, problem) in enumerate(raw):
            if i % 500 == 0:
                reporter.check()
            row = PointRow(number, {k: v for k, v in values.items() if k not in cols}, problem=problem)
            a, b = to_number(values[cols[0]]), to_number(values[cols[1]])
            if problem is not None:
                pass
            elif a is None or b is None:
                missing = [c for c, v in zip(cols, (a, b)) if v is None]
                raw_vals = ", ".join(f"{c}={values[c]!r}" for c in missing)
                row.problem = f"missing or non-numeric coordinates ({raw_vals})"
            else:
                locator.locate(a, b, row, axes)
            rows.append(row)
        return rows, [h for h in header if h not in cols]

    frame = read_frame(ref)
    if max_rows is not None and len(frame) > max_rows:
        raise InputError(f"{len(frame)} features, more than the limit of {max_rows}: refused", path=str(p))
    crs = source_crs or (frame.crs.to_wkt() if frame.crs is not None else "OGC:CRS84")
    locator = Locator(crs, target_crs, str(ref))
    columns = [c for c in frame.columns if c != "geometry"]
    rows = []
    for i, (attrs, geom) in enumerate(zip(frame[columns].to_dict("records"), frame.geometry)):
        if i % 500 == 0:
            reporter.check()
        row = PointRow(i + 1, {k: (None if _is_nan(v) else v) for k, v in attrs.items()})
        if geom is None or geom.is_empty:
            row.problem = "missing geometry (no coordinates)"
        elif geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if row.problem is None:
            if geom.geom_type != "Point":
                row.problem = f"geometry is a {geom.geom_type}, not a point"
            else:
                locator.locate(geom.x, geom.y, row, "latitude/longitude" if locator.source.is_geographic
                               else "easting/northing")
        rows.append(row)
    return rows, columns


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


class PolygonLookup:
    """Point queries over 2D polygons: subclasses fill ``ids``, ``geoms`` and the STRtree ``tree``."""

    ids: list[str]
    geoms: list[BaseGeometry]
    tree: STRtree

    def containing(self, point: BaseGeometry) -> int | None:
        """Index of the smallest polygon that contains the point, if any."""
        hits = [int(i) for i in self.tree.query(point, predicate="intersects")]
        return min(hits, key=lambda i: self.geoms[i].area) if hits else None

    def nearest(self, point: BaseGeometry, tolerance: float) -> tuple[int, float] | None:
        """Index and distance of the nearest polygon within ``tolerance`` (ties broken by id)."""
        idx, dist = self.tree.query_nearest(point, max_distance=tolerance, return_distance=True)
        if len(idx) == 0:
            return None
        best = min(range(len(idx)), key=lambda k: (dist[k], self.ids[int(idx[k])]))
        return int(idx[best]), float(dist[best])
