"""Source coordinates (E, N, normal height) to ECEF (EPSG:4978) with an explicit height model.

The ellipsoidal height is ``h = H + N`` where ``H`` is the source's normal (or orthometric)
height and ``N`` the height anomaly (quasigeoid) or geoid undulation, in this order of preference:

1. a quasigeoid grid: a file the user names, or a PROJ operation from the source's compound CRS
   to ellipsoidal heights that PROJ can run with its installed grids (GCG2016 for DHHN2016 once
   ``de_bkg_gcg2016.tif`` is installed), or a known quasigeoid file found in PROJ's data folders;
2. EGM96 (``egm96_15.gtx`` from Debian's proj-data), with a warning;
3. a constant the user gives.

PROJ's "ballpark" vertical transformation (used silently when a grid is missing) sets N = 0,
about 48 m off in Karlsruhe: it is detected and refused, never used.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup

from .errors import GeoTwinError
from .progress import Reporter

FloatArray = npt.NDArray[np.float64]


class _Transforms(Protocol):
    """What a height model needs of its PROJ operation: lon, lat, z -> lon, lat, undulation."""

    def transform(self, lon: Any, lat: Any, z: Any) -> tuple[Any, Any, Any]: ...

ECEF = "EPSG:4978"
GEOGRAPHIC_3D = "EPSG:4979"
EGM96_GRID = "egm96_15.gtx"
# File names under which PROJ data folders ship the German quasigeoid (PROJ-data's name first).
QUASIGEOID_GRIDS = {"DHHN2016": ("de_bkg_gcg2016.tif", "GCG2016.tif", "GCG2016.gtx"),
                    "DHHN92": ("de_bkg_gcg2016.tif", "GCG2016.tif", "GCG2016.gtx")}
# File names of the quasigeoid models a source may name (AdV srsName suffix "*GCG2016").
QUASIGEOID_MODEL_GRIDS = {"GCG2016": ("de_bkg_gcg2016.tif", "GCG2016.tif", "GCG2016.gtx"),
                          "GCG2011": ("de_bkg_gcg2011.tif", "GCG2011.tif", "GCG2011.gtx"),
                          "GCG05": ("GCG05.tif", "GCG05.gtx")}
_MODEL_DATUM = {"GCG2016": "DHHN2016", "GCG2011": "DHHN92", "GCG05": "DHHN92"}  # the heights each was made for

# Expected errors of the height anomaly (1 sigma, metres), as published:
# GCG2016: better than 1 cm on land (BKG/IfE Hannover). Used for DHHN92 heights it adds the
# DHHN92 -> DHHN2016 change, a few cm in Germany. EGM96: a global model with 15' resolution;
# against the German quasigeoid it differs by decimetres (up to about 0.5 m in Germany; NIMA
# states ±0.5...1 m for EGM96 in general), hence the warning.
ERROR_QUASIGEOID = 0.01
ERROR_QUASIGEOID_OTHER_DATUM = 0.05
ERROR_EGM96 = 0.5


class HeightModelError(GeoTwinError):
    """No trustworthy way to turn the source heights into ellipsoidal heights."""


@dataclass
class HeightModel:
    """How normal heights become ellipsoidal heights; ``undulation`` gives N at lon/lat (degrees)."""

    method: str                 # "grid", "proj", "egm96", "constant"
    description: str
    expected_error_m: float
    grid: str | None = None
    constant: float | None = None
    warnings: list[str] = field(default_factory=list)
    _transformer: _Transforms | None = field(default=None, repr=False)

    def undulation(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> FloatArray:
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if self.method == "constant":
            assert self.constant is not None, "a constant height model has its constant"
            return np.full(lon.shape, float(self.constant))
        assert self._transformer is not None, "a grid or PROJ height model has its transformer"
        _, _, n = self._transformer.transform(lon, lat, np.zeros_like(lon))
        n = np.asarray(n, dtype=np.float64)
        if not np.all(np.isfinite(n)) or np.any(np.abs(n) > 1000):
            raise HeightModelError(f"the height model {self.description} does not cover every point "
                                   f"(lon {lon.min():.4f}..{lon.max():.4f}, lat {lat.min():.4f}..{lat.max():.4f})")
        return n

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "description": self.description,
                "expectedErrorMetres": self.expected_error_m, "grid": self.grid,
                "constant": self.constant, "warnings": list(self.warnings)}


def _grid_transformer(grid: str) -> Transformer:
    """lon/lat/0 (degrees) -> lon/lat/N with PROJ's vgridshift: z_out = z_in + N."""
    pipeline = ("+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
                f"+step +proj=vgridshift +grids={grid} +multiplier=1 "
                "+step +proj=unitconvert +xy_in=rad +xy_out=deg")
    try:
        t = Transformer.from_pipeline(pipeline)
        _, _, n = t.transform(0.0, 0.0, 0.0)  # forces PROJ to open the grid
    except Exception as err:  # pyproj raises ProjError/CRSError with PROJ's text
        raise HeightModelError(f"PROJ cannot use the grid {grid}: {err}") from err
    return t


def proj_data_dirs() -> list[Path]:
    """List the folders where PROJ looks for grids (pyproj's data folder, the user folder, PROJ_DATA/PROJ_LIB).

    Returns:
        The existing folders, each once.

    Example:
        >>> dirs = proj_data_dirs()
        >>> all(d.is_dir() for d in dirs), len(dirs) == len(set(dirs))
        (True, True)
    """
    import pyproj.datadir

    dirs = [pyproj.datadir.get_data_dir(), *pyproj.datadir.get_user_data_dir().split(os.pathsep)]  # type: ignore[attr-defined]
    dirs += os.environ.get("PROJ_DATA", os.environ.get("PROJ_LIB", "")).split(os.pathsep)
    out = []
    for d in dirs:
        for part in str(d).split(os.pathsep):
            if part and Path(part).is_dir() and Path(part) not in out:
                out.append(Path(part))
    return out


def find_grid(name: str) -> Path | None:
    """Find an installed PROJ grid by its file name.

    Args:
        name: the grid file (``de_bkg_gcg2016.tif``, ``egm96_15.gtx``).

    Returns:
        Its path in the first PROJ folder that holds it, None when none does.

    Example:
        >>> find_grid("no_such_grid.tif") is None
        True
    """
    for d in proj_data_dirs():
        if (d / name).is_file():
            return d / name
    return None


def is_ballpark(transformer: Transformer) -> bool:
    """Tell whether a PROJ operation dropped the geoid (a "ballpark vertical" step: undulation 0, tens of metres off).

    Args:
        transformer: the operation.

    Returns:
        True for a ballpark vertical transformation.

    Example:
        >>> from pyproj import Transformer
        >>> is_ballpark(Transformer.from_crs("EPSG:25832", "EPSG:4326"))
        False
    """
    return "ballpark vertical" in transformer.description.lower()


def proj_vertical_operation(horizontal_crs: str, vertical_crs: str) -> tuple[Transformer | None, list[str]]:
    """Find PROJ's best available operation from a compound CRS to ETRS89 ellipsoidal heights (EPSG:4979) that
    keeps the geoid, and the grids it lacks for a better one.

    Args:
        horizontal_crs: the horizontal CRS.
        vertical_crs: the vertical CRS.

    Returns:
        (the operation, or None when PROJ has only a ballpark one; the names of the missing grids).

    Example:
        >>> op, missing = proj_vertical_operation("EPSG:25832", "EPSG:7837")
        >>> op is None or not is_ballpark(op), isinstance(missing, list)
        (True, True)
    """
    compound = CRS.from_user_input(f"{horizontal_crs}+{vertical_crs.split(':')[-1]}") \
        if vertical_crs.upper().startswith("EPSG:") and horizontal_crs.upper().startswith("EPSG:") \
        else CRS.from_user_input(f"{horizontal_crs}+{vertical_crs}")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyproj warns about missing grids; we report them ourselves
        group = TransformerGroup(compound, GEOGRAPHIC_3D, always_xy=True)
    missing = sorted({g.short_name for op in group.unavailable_operations for g in op.grids if not g.available})
    for t in group.transformers:
        if not is_ballpark(t):
            return t, missing
    return None, missing


def find_model_grid(geoid_model: str | None) -> Path | None:
    """Find the installed grid of a named quasigeoid model.

    Args:
        geoid_model: the model the source names (e.g. ``GCG2016``).

    Returns:
        The grid's path, None when the model is unknown or its grid is not installed.

    Example:
        >>> find_model_grid("NO-SUCH-MODEL") is None, find_model_grid(None) is None
        (True, True)
    """
    for name in QUASIGEOID_MODEL_GRIDS.get((geoid_model or "").upper(), ()):
        path = find_grid(name)
        if path:
            return path
    return None


def resolve_height_model(horizontal_crs: str, vertical_crs: str | None, method: str = "auto",
                         grid: str | os.PathLike[str] | None = None, constant: float | None = None,
                         reporter: Reporter | None = None, geoid_model: str | None = None) -> HeightModel:
    """Choose the best model from the source's normal heights to ellipsoidal heights (for 3D Tiles).

    ``auto`` takes the quasigeoid grid the source names, else PROJ's operation for the vertical CRS, else an
    installed quasigeoid grid of its datum, else EGM96, else the ``constant``; a ballpark transformation
    (tens of metres off) is refused. Every fallback is named in the model's warnings.

    Args:
        horizontal_crs: the source's horizontal CRS.
        vertical_crs: its vertical CRS, None when it names none.
        method: auto, grid, egm96 or constant.
        grid: a quasigeoid grid file to use.
        constant: a constant undulation in metres.
        reporter: receives the choice and its warnings.
        geoid_model: the quasigeoid the source names (``CrsInfo.geoid_model``).

    Returns:
        The HeightModel: method, description, expected error and warnings.

    Raises:
        HeightModelError: an unknown method, a missing grid or constant, or no usable model.

    Example:
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> model.method, model.description
        ('constant', 'constant undulation 47.500 m given by the user')
        >>> resolve_height_model("EPSG:25832", None, "magic")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.heights.HeightModelError: unknown height method 'magic': use auto, grid, egm96 or constant
    """
    reporter = reporter or Reporter()
    vname = CRS.from_user_input(vertical_crs).name if vertical_crs else ""
    notes: list[str] = []
    if not vertical_crs:
        notes.append("the source names no vertical CRS: its heights are taken as normal heights")
    if geoid_model and grid is None and method in ("auto", "grid"):
        named = _named_model(geoid_model, vname, notes)
        if named is not None:
            return _report(named, reporter)
    if method not in ("auto", "grid", "egm96", "constant"):
        raise HeightModelError(f"unknown height method {method!r}: use auto, grid, egm96 or constant")
    if method == "constant" or (method == "auto" and constant is not None and grid is None
                                and find_grid(EGM96_GRID) is None):
        return _report(_constant_model(constant, notes), reporter)
    if grid is not None or method == "grid":
        return _report(_grid_model(grid, vname, notes), reporter)
    missing: list[str] = []
    if method == "auto":
        if vertical_crs:
            op, missing = proj_vertical_operation(horizontal_crs, vertical_crs)
            if op is not None:
                model = _proj_model(op, horizontal_crs)
                model.warnings = notes
                return _report(model, reporter)
            if missing:
                notes.append(f"PROJ lacks the grid(s) {', '.join(missing)} for {vname}; "
                             "without them it would use a ballpark transformation (undulation 0), which is refused")
        for name in QUASIGEOID_GRIDS.get(datum_key(vname), ()):
            path = find_grid(name)
            if path:
                return resolve_height_model(horizontal_crs, vertical_crs, "grid", path, reporter=reporter)
    egm = find_grid(EGM96_GRID)
    if egm is None:
        if constant is not None:
            return resolve_height_model(horizontal_crs, vertical_crs, "constant", constant=constant,
                                        reporter=reporter)
        raise HeightModelError(f"no height model for {vname or 'the source heights'}: no quasigeoid grid, "
                               f"{EGM96_GRID} is not installed (Debian: proj-data) and no constant was given; "
                               "refusing PROJ's ballpark transformation (tens of metres off)")
    return _report(_egm96_model(egm, missing, notes), reporter)


def _named_model(geoid_model: str, vname: str, notes: list[str]) -> HeightModel | None:
    """The grid of the quasigeoid the source names, None (and a note) when it is not installed."""
    named = find_model_grid(geoid_model)
    if named is None:
        files = ", ".join(QUASIGEOID_MODEL_GRIDS.get(geoid_model.upper(), ())) or "no known file name"
        notes.append(f"the source names the quasigeoid {geoid_model}, whose grid ({files}) is not installed; "
                     "the next best height model is used")
        return None
    same_datum = datum_key(vname) in ("", _MODEL_DATUM.get(geoid_model.upper(), ""))
    model = HeightModel("grid", f"quasigeoid grid {named.name} ({geoid_model}, named by the source)",
                        ERROR_QUASIGEOID if same_datum else ERROR_QUASIGEOID_OTHER_DATUM, grid=str(named),
                        _transformer=_grid_transformer(str(named)))
    model.warnings = notes
    return model


def _constant_model(constant: float | None, notes: list[str]) -> HeightModel:
    if constant is None:
        raise HeightModelError("the constant height method needs a constant undulation in metres")
    model = HeightModel("constant", f"constant undulation {constant:.3f} m given by the user",
                        float("nan"), constant=float(constant))
    model.warnings = notes + ["a constant undulation ignores the quasigeoid's slope; its error is unknown"]
    return model


def _grid_model(grid: str | os.PathLike[str] | None, vname: str, notes: list[str]) -> HeightModel:
    """The quasigeoid grid given, else the installed one of the vertical datum."""
    path = Path(grid) if grid else None
    if path is None:
        for name in QUASIGEOID_GRIDS.get(datum_key(vname), ()):
            path = find_grid(name)
            if path:
                break
    if path is None or not path.is_file():
        raise HeightModelError(f"quasigeoid grid not found: {grid or 'no grid given and none installed'}"
                               f" (PROJ looks in {', '.join(map(str, proj_data_dirs()))})")
    error = ERROR_QUASIGEOID if datum_key(vname) in ("DHHN2016", "") else ERROR_QUASIGEOID_OTHER_DATUM
    model = HeightModel("grid", f"quasigeoid grid {path.name}", error, grid=str(path),
                        _transformer=_grid_transformer(str(path)))
    model.warnings = notes
    return model


def _egm96_model(egm: Path, missing: list[str], notes: list[str]) -> HeightModel:
    model = HeightModel("egm96", "EGM96 geoid (egm96_15.gtx)", ERROR_EGM96, grid=str(egm),
                        _transformer=_grid_transformer(str(egm)))
    hint = ", ".join(missing) if missing else "de_bkg_gcg2016.tif for DHHN2016"
    model.warnings = notes + [f"EGM96 is used instead of the national quasigeoid: heights may be off by "
                              f"up to about {ERROR_EGM96:.1f} m; install the quasigeoid grid ({hint}) "
                              "or give its file for centimetre accuracy"]
    return model


def datum_key(vertical_name: str) -> str:
    """Name the German height datum a vertical CRS or datum name refers to.

    Args:
        vertical_name: the name of a vertical (or compound) CRS, or of a datum, e.g. ``DHHN2016 height``.

    Returns:
        ``DHHN2016`` or ``DHHN92`` when the name contains it, else ``""`` (another or an unknown datum).

    Example:
        >>> datum_key("ETRS89 / UTM zone 32N + DHHN2016 height"), datum_key("DHHN92 height")
        ('DHHN2016', 'DHHN92')
        >>> datum_key("EGM2008 height")
        ''
    """
    for key in ("DHHN2016", "DHHN92"):
        if key in vertical_name:
            return key
    return ""


def _proj_model(op: Transformer, horizontal_crs: str) -> HeightModel:
    """Wrap PROJ's own compound -> 4979 operation as an undulation at lon/lat."""
    to_src = Transformer.from_crs("EPSG:4326", horizontal_crs, always_xy=True)

    class _Undulation:
        description = op.description

        @staticmethod
        def transform(lon: Any, lat: Any, z: Any) -> tuple[Any, Any, Any]:
            x, y = to_src.transform(lon, lat)
            _, _, h = op.transform(x, y, z)
            return lon, lat, h

    accuracy = op.accuracy if op.accuracy and op.accuracy > 0 else ERROR_QUASIGEOID
    return HeightModel("proj", f"PROJ: {op.description}", accuracy, _transformer=_Undulation())


def _report(model: HeightModel, reporter: Reporter) -> HeightModel:
    reporter.info(f"heights: {model.description} (expected error {model.expected_error_m} m)")
    for w in model.warnings:
        reporter.warning(w)
    return model


class Georeferencer:
    """Source (x, y, normal height) <-> ECEF, with the horizontal datum handled by PROJ."""

    def __init__(self, horizontal_crs: str, model: HeightModel) -> None:
        self.horizontal_crs = horizontal_crs
        self.model = model
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            group = TransformerGroup(horizontal_crs, "EPSG:4326", always_xy=True)
        if not group.transformers:
            raise HeightModelError(f"PROJ has no transformation from {horizontal_crs} to WGS 84")
        self._to_geo = group.transformers[0]
        if "ballpark" in self._to_geo.description.lower():
            raise HeightModelError(f"PROJ only has a ballpark transformation from {horizontal_crs} to WGS 84 "
                                   f"({self._to_geo.description}); install its grids")
        missing = sorted({g.short_name for op in group.unavailable_operations for g in op.grids if not g.available})
        self.horizontal = {"description": self._to_geo.description, "accuracyMetres": self._to_geo.accuracy,
                           "missingGrids": missing if not group.best_available else []}
        self._to_ecef = Transformer.from_crs(GEOGRAPHIC_3D, ECEF, always_xy=True)
        self._from_ecef = Transformer.from_crs(ECEF, GEOGRAPHIC_3D, always_xy=True)

    def to_geographic(self, x: npt.ArrayLike, y: npt.ArrayLike,
                      z: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """lon, lat (degrees) and ellipsoidal height."""
        lon, lat = self._to_geo.transform(np.asarray(x, np.float64), np.asarray(y, np.float64))
        lon, lat = np.asarray(lon), np.asarray(lat)
        return lon, lat, np.asarray(z, np.float64) + self.model.undulation(lon, lat)

    def from_geographic(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Source x, y of lon/lat (degrees): the inverse of ``to_geographic``'s horizontal part (same operation)."""
        x, y = self._to_geo.transform(np.asarray(lon, np.float64), np.asarray(lat, np.float64), direction="INVERSE")
        return np.asarray(x, np.float64), np.asarray(y, np.float64)

    def to_ecef(self, x: npt.ArrayLike, y: npt.ArrayLike, z: npt.ArrayLike) -> FloatArray:
        """(N, 3) ECEF coordinates."""
        lon, lat, h = self.to_geographic(x, y, z)
        return np.column_stack(self._to_ecef.transform(lon, lat, h))

    def from_ecef(self, xyz: npt.ArrayLike) -> FloatArray:
        """(N, 3) source coordinates (x, y, normal height)."""
        xyz = np.asarray(xyz, np.float64).reshape(-1, 3)
        lon, lat, h = self._from_ecef.transform(xyz[:, 0], xyz[:, 1], xyz[:, 2])
        lon, lat = np.asarray(lon), np.asarray(lat)
        x, y = self._to_geo.transform(lon, lat, direction="INVERSE")
        return np.column_stack([x, y, np.asarray(h) - self.model.undulation(lon, lat)])
