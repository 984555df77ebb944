"""The quasigeoid a source names (AdV "*GCG2016"): used by the height model when its grid is installed,
else the fallback with a warning; read from the city model's sources by the 3D Tiles export."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Polygon

from geotwin.twin.kernel.gpkg import gpkg_output
from geotwin.twin.kernel.heights import (
    EGM96_GRID,
    QUASIGEOID_MODEL_GRIDS,
    find_grid,
    find_model_grid,
    resolve_height_model,
)
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema import BUILDING_SURFACES, BUILDINGS, CITY_MODEL_SOURCES, SOURCES
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.source import geoid_model_of

FRIEDRICHSPLATZ = (8.4017, 49.0078)


def n_at(model, lon_lat=FRIEDRICHSPLATZ) -> float:
    return float(model.undulation(np.array([lon_lat[0]]), np.array([lon_lat[1]]))[0])


@pytest.fixture()
def egm96():
    path = find_grid(EGM96_GRID)
    assert path is not None, "Debian's proj-data must provide egm96_15.gtx"
    return path


@pytest.fixture()
def grids_dir(tmp_path, monkeypatch):
    """A PROJ data folder searched before the system one (PROJ_DATA takes a path list)."""
    folder = tmp_path / "proj"
    folder.mkdir()
    monkeypatch.setenv("PROJ_DATA", os.pathsep.join([str(folder), os.environ.get("PROJ_DATA", "/usr/share/proj")]))
    return folder


def test_named_quasigeoid_missing_falls_back_with_a_warning(egm96):
    # this PROJ installation has no German quasigeoid grid (PROJ-data does not ship GCG2016)
    assert find_model_grid("GCG2016") is None
    reporter = CollectingReporter()
    model = resolve_height_model("EPSG:25832", "EPSG:7837", reporter=reporter, geoid_model="GCG2016")
    assert model.method == "egm96" and model.grid == str(egm96)
    note = ("the source names the quasigeoid GCG2016, whose grid (de_bkg_gcg2016.tif, GCG2016.tif, "
            "GCG2016.gtx) is not installed; the next best height model is used")
    assert note in model.warnings and note in reporter.warnings
    assert abs(n_at(model) - n_at(resolve_height_model("EPSG:25832", "EPSG:7837", method="egm96"))) < 1e-9


def test_named_quasigeoid_grid_is_used_when_installed(grids_dir, egm96):
    """GCG2011 (the quasigeoid for DHHN92) installed under one of its file names is chosen because the
    source names it: without the name, DHHN92 heights get EGM96. The file is a stand-in (EGM96's grid
    under GCG2011's name), as no German quasigeoid grid is available here; its values show it is read."""
    (grids_dir / "GCG2011.gtx").symlink_to(egm96)
    assert find_model_grid("GCG2011") == grids_dir / "GCG2011.gtx"
    assert find_model_grid("gcg2011") == grids_dir / "GCG2011.gtx"
    reporter = CollectingReporter()
    model = resolve_height_model("EPSG:25832", "EPSG:5783", reporter=reporter, geoid_model="GCG2011")
    assert (model.method, model.grid) == ("grid", str(grids_dir / "GCG2011.gtx"))
    assert model.description == "quasigeoid grid GCG2011.gtx (GCG2011, named by the source)"
    assert model.expected_error_m == 0.01 and not model.warnings
    assert any("GCG2011, named by the source" in m for m in reporter.infos)
    egm = resolve_height_model("EPSG:25832", "EPSG:5783", method="egm96")
    assert abs(n_at(model) - n_at(egm)) < 1e-9
    assert resolve_height_model("EPSG:25832", "EPSG:5783").method == "egm96"  # not named: not used
    # named for other heights than it was made for: the datum difference adds to its error
    other = resolve_height_model("EPSG:25832", "EPSG:7837", geoid_model="GCG2011")
    assert other.method == "grid" and other.expected_error_m == 0.05


def test_explicit_choices_win_over_the_named_model(grids_dir, egm96):
    (grids_dir / "GCG2016.gtx").symlink_to(egm96)
    given = grids_dir / "mine.gtx"
    given.symlink_to(egm96)
    model = resolve_height_model("EPSG:25832", "EPSG:7837", grid=given, geoid_model="GCG2016")
    assert model.grid == str(given) and not model.warnings
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="egm96", geoid_model="GCG2016")
    assert model.method == "egm96" and not any("GCG2016" in w for w in model.warnings)
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="constant", constant=47.9, geoid_model="GCG2016")
    assert model.method == "constant" and n_at(model) == 47.9


def test_unknown_model_name_is_reported(egm96):
    model = resolve_height_model("EPSG:25832", "EPSG:7837", geoid_model="GCG1999")
    assert model.method == "egm96"
    assert any("names the quasigeoid GCG1999, whose grid (no known file name)" in w for w in model.warnings)
    assert set(QUASIGEOID_MODEL_GRIDS) == {"GCG2016", "GCG2011", "GCG05"}


# -- the export reads the name from the city model's sources --------------------------------------------

X0, Y0, Z0 = 456390.0, 5428670.0, 115.0  # Karlsruhe, Friedrichsplatz (ETRS89 / UTM 32N, DHHN2016)


def write_city_model(path, geoids: list[str | None], spec=CITY_MODEL_SOURCES) -> None:
    x0, x1, y0, y1, z0, z1 = X0, X0 + 10, Y0, Y0 + 8, Z0, Z0 + 6
    faces = [Polygon([(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)]),
             Polygon([(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)]),
             Polygon([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)]),
             Polygon([(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)]),
             Polygon([(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)])]
    with gpkg_output(path, "EPSG:25832") as w:
        w.add(BUILDINGS, {"id": "B1", "object_class": "Building"}, MultiPolygon(faces))
        for k, face in enumerate(faces):
            w.add(BUILDING_SURFACES, {"id": f"B1_{k}", "building_id": "B1",
                                      "surface_type": "RoofSurface" if k == 0 else "WallSurface"}, face)
        for n, geoid in enumerate(geoids):
            row = {"source_file": f"tile{n}.gml", "horizontal_crs": "EPSG:25832", "vertical_crs": "EPSG:7837"}
            if spec is CITY_MODEL_SOURCES:
                row["geoid_model"] = geoid or ""
            w.add(spec, row)


def test_geoid_model_of(tmp_path):
    cases = {"one": (["GCG2016"], "GCG2016"), "repeated": (["GCG2016", "GCG2016"], "GCG2016"),
             "none": ([None], None), "mixed": (["GCG2016", "GCG2011"], None), "partly": (["GCG2016", None], "GCG2016")}
    for name, (geoids, expected) in cases.items():
        write_city_model(tmp_path / f"{name}.gpkg", geoids)
        assert geoid_model_of(tmp_path / f"{name}.gpkg") == expected, name
    # a GeoPackage written before the column existed
    write_city_model(tmp_path / "old.gpkg", [None], spec=SOURCES)
    assert geoid_model_of(tmp_path / "old.gpkg") is None


def test_export_uses_the_named_quasigeoid_or_says_why_not(tmp_path):
    write_city_model(tmp_path / "model.gpkg", ["GCG2016"])
    export_3dtiles(tmp_path / "model.gpkg", tmp_path / "tiles", ExportOptions(viewer=False))
    report = json.loads((tmp_path / "tiles" / REPORT_NAME).read_text())
    assert report["height_model"]["method"] == "egm96"
    assert any("names the quasigeoid GCG2016" in w for w in report["height_model"]["warnings"])
