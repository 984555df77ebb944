"""Heights and georeferencing: EGM96 against the grid read independently, ballpark refused, ECEF round trip."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pyproj import CRS, Transformer

from geotwin.twin.kernel.heights import (
    EGM96_GRID,
    Georeferencer,
    HeightModelError,
    find_grid,
    is_ballpark,
    proj_vertical_operation,
    resolve_height_model,
)
from geotwin.twin.kernel.progress import CollectingReporter

# Karlsruhe, Friedrichsplatz (WGS 84 / ETRS89, degrees)
FRIEDRICHSPLATZ = (8.4017, 49.0078)
A, F = 6378137.0, 1 / 298.257223563


def read_gtx(path: Path) -> tuple[tuple, np.ndarray]:
    """The NOAA .gtx grid: big-endian header (lat0, lon0, dlat, dlon, rows, cols), float32 rows south to north."""
    raw = path.read_bytes()
    header = np.frombuffer(raw[:32], ">f8"), np.frombuffer(raw[32:40], ">i4")
    (lat0, lon0, dlat, dlon), (rows, cols) = header
    grid = np.frombuffer(raw[40:], ">f4").reshape(rows, cols).astype(np.float64)
    return (lat0, lon0, dlat, dlon), grid


def bilinear(path: Path, lon: float, lat: float) -> float:
    (lat0, lon0, dlat, dlon), grid = read_gtx(path)
    c = (lon - lon0) / dlon
    r = (lat - lat0) / dlat
    c0, r0 = int(np.floor(c)), int(np.floor(r))
    fc, fr = c - c0, r - r0
    g = grid[r0:r0 + 2, c0:c0 + 2]
    return float(g[0, 0] * (1 - fc) * (1 - fr) + g[0, 1] * fc * (1 - fr)
                 + g[1, 0] * (1 - fc) * fr + g[1, 1] * fc * fr)


def geodetic_to_ecef(lon: float, lat: float, h: float) -> np.ndarray:
    """Textbook formula on the WGS 84 ellipsoid, independent of PROJ."""
    e2 = F * (2 - F)
    phi, lam = np.radians(lat), np.radians(lon)
    n = A / np.sqrt(1 - e2 * np.sin(phi) ** 2)
    return np.array([(n + h) * np.cos(phi) * np.cos(lam), (n + h) * np.cos(phi) * np.sin(lam),
                     (n * (1 - e2) + h) * np.sin(phi)])


@pytest.fixture(scope="module")
def egm96() -> Path:
    path = find_grid(EGM96_GRID)
    assert path is not None, "Debian's proj-data must provide egm96_15.gtx"
    return path


def utm(lon: float, lat: float) -> tuple[float, float]:
    return Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(lon, lat)


def test_egm96_undulation_matches_grid_read_independently(egm96):
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="egm96")
    lon, lat = FRIEDRICHSPLATZ
    expected = bilinear(egm96, lon, lat)
    got = float(model.undulation(np.array([lon]), np.array([lat]))[0])
    assert abs(got - expected) < 0.01
    # published EGM96 geoid heights in Karlsruhe are about 48 m
    assert 47.5 < got < 48.5
    assert model.expected_error_m >= 0.3 and model.warnings


def test_ballpark_detected_and_refused(egm96):
    compound = CRS.from_user_input("EPSG:25832+7837")
    op, missing = proj_vertical_operation("EPSG:25832", "EPSG:7837")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        naive = Transformer.from_crs(compound, "EPSG:4979", always_xy=True)
    x, y = utm(*FRIEDRICHSPLATZ)
    if op is None:  # GCG2016 not installed: pyproj's default is the ballpark that drops the quasigeoid
        _, _, h_naive = naive.transform(x, y, 115.0)
        assert is_ballpark(naive.get_last_used_operation()) and missing
        assert h_naive == pytest.approx(115.0, abs=1e-6)  # N = 0: about 48 m too low
    reporter = CollectingReporter()
    model = resolve_height_model("EPSG:25832", "EPSG:7837", reporter=reporter)
    assert "ballpark" not in model.description.lower()
    n = float(model.undulation(np.array([FRIEDRICHSPLATZ[0]]), np.array([FRIEDRICHSPLATZ[1]]))[0])
    assert 47.0 < n < 49.0
    if op is None:
        assert model.method == "egm96"
        assert any("ballpark" in w for w in reporter.warnings)


def test_ecef_against_textbook_formula_and_round_trip(egm96):
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="egm96")
    geo = Georeferencer("EPSG:25832", model)
    pts = [(8.4017, 49.0078, 115.0), (8.4365, 49.1004, 110.0), (9.9937, 53.5511, 6.0)]
    src = np.array([(*utm(lon, lat), hgt) for lon, lat, hgt in pts])
    ecef = geo.to_ecef(src[:, 0], src[:, 1], src[:, 2])
    for (lon, lat, hgt), xyz in zip(pts, ecef):
        expected = geodetic_to_ecef(lon, lat, hgt + bilinear(egm96, lon, lat))
        assert np.linalg.norm(xyz - expected) < 0.01
    back = geo.from_ecef(ecef)
    assert np.abs(back - src).max() < 0.01


def test_constant_and_user_grid(egm96):
    model = resolve_height_model("EPSG:25832", "EPSG:5783", method="constant", constant=47.9)
    assert model.undulation(np.array([8.4]), np.array([49.0]))[0] == 47.9
    # a user-given grid file is used as is
    grid = resolve_height_model("EPSG:25832", "EPSG:7837", method="grid", grid=egm96)
    lon, lat = FRIEDRICHSPLATZ
    assert grid.method == "grid"
    assert abs(grid.undulation(np.array([lon]), np.array([lat]))[0] - bilinear(egm96, lon, lat)) < 0.01
    with pytest.raises(HeightModelError, match="not found"):
        resolve_height_model("EPSG:25832", "EPSG:7837", method="grid", grid="/nonexistent/gcg2016.tif")
    with pytest.raises(HeightModelError, match="constant"):
        resolve_height_model("EPSG:25832", "EPSG:7837", method="constant")


def test_proj_operation_used_when_its_grid_is_installed(egm96):
    """EGM96 heights (EPSG:5773): PROJ's own operation with egm96_15.gtx is available, not ballpark."""
    reporter = CollectingReporter()
    model = resolve_height_model("EPSG:32632", "EPSG:5773", reporter=reporter)
    assert model.method == "proj" and "ballpark" not in model.description.lower()
    lon, lat = FRIEDRICHSPLATZ
    assert abs(model.undulation(np.array([lon]), np.array([lat]))[0] - bilinear(egm96, lon, lat)) < 0.01
    geo = Georeferencer("EPSG:32632", model)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32632", always_xy=True).transform(lon, lat)
    ecef = geo.to_ecef([x], [y], [115.0])
    assert np.linalg.norm(ecef[0] - geodetic_to_ecef(lon, lat, 115.0 + bilinear(egm96, lon, lat))) < 0.01
