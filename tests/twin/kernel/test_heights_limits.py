"""kernel/heights.py: every error branch and the order of the choices (grid, PROJ, EGM96, constant), with and
without EGM96 installed (the missing grid simulated by hiding it from find_grid), the coverage limit of an
undulation (|N| <= 1000 m), the report and the horizontal checks of the Georeferencer.

EGM96 values are read from Debian's egm96_15.gtx independently (test_heights.read_gtx / bilinear).
"""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from geotwin.tests.twin.kernel.test_heights import FRIEDRICHSPLATZ, bilinear
from geotwin.twin.kernel import heights
from geotwin.twin.kernel.heights import (
    EGM96_GRID,
    Georeferencer,
    HeightModel,
    HeightModelError,
    find_grid,
    resolve_height_model,
)
from geotwin.twin.kernel.progress import CollectingReporter

LON, LAT = FRIEDRICHSPLATZ


@pytest.fixture()
def egm96():
    path = find_grid(EGM96_GRID)
    assert path is not None, "Debian's proj-data must provide egm96_15.gtx"
    return path


@pytest.fixture()
def no_egm96(monkeypatch, egm96):
    """find_grid as if egm96_15.gtx were not installed (every other grid is still found)."""
    real = heights.find_grid
    monkeypatch.setattr(heights, "find_grid", lambda name: None if name == EGM96_GRID else real(name))


def _n(model, lon=LON, lat=LAT):
    return float(model.undulation(np.array([lon]), np.array([lat]))[0])


def test_published_constants():
    assert (heights.ERROR_QUASIGEOID, heights.ERROR_QUASIGEOID_OTHER_DATUM, heights.ERROR_EGM96) == (0.01, 0.05, 0.5)
    assert (heights.ECEF, heights.GEOGRAPHIC_3D, EGM96_GRID) == ("EPSG:4978", "EPSG:4979", "egm96_15.gtx")


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "geoid"}, r"^unknown height method 'geoid': use auto, grid, egm96 or constant$"),
    ({"method": "constant"}, r"^the constant height method needs a constant undulation in metres$"),
    ({"method": "grid", "grid": "/nonexistent/g.tif"},
     r"^quasigeoid grid not found: /nonexistent/g\.tif \(PROJ looks in /usr/share/proj"),
    ({"method": "grid"}, r"^quasigeoid grid not found: no grid given and none installed \(PROJ looks in "),
])
def test_errors(kwargs, match):
    with pytest.raises(HeightModelError, match=match):
        resolve_height_model("EPSG:25832", "EPSG:7837", **kwargs)


def test_a_file_that_is_no_grid_is_named(tmp_path):
    bad = tmp_path / "bad.gtx"
    bad.write_bytes(b"not a grid")
    with pytest.raises(HeightModelError, match=rf"^PROJ cannot use the grid {bad}: "):
        resolve_height_model("EPSG:25832", "EPSG:7837", method="grid", grid=bad)


def test_constant_model_and_its_report():
    reporter = CollectingReporter()
    model = resolve_height_model("EPSG:25832", None, method="constant", constant=47, reporter=reporter)
    assert (model.method, model.constant, model.grid) == ("constant", 47.0, None)
    assert model.description == "constant undulation 47.000 m given by the user" and math.isnan(model.expected_error_m)
    assert model.warnings == ["the source names no vertical CRS: its heights are taken as normal heights",
                              "a constant undulation ignores the quasigeoid's slope; its error is unknown"]
    assert reporter.infos == ["heights: constant undulation 47.000 m given by the user (expected error nan m)"]
    assert reporter.warnings == model.warnings
    assert model.undulation([8.0, 9.0], [49.0, 50.0]).tolist() == [47.0, 47.0]
    d = model.as_dict()
    assert d["method"] == "constant" and d["constant"] == 47.0 and d["grid"] is None and d["warnings"] == model.warnings
    assert d["description"] == model.description and math.isnan(d["expectedErrorMetres"])
    d["warnings"].append("x")
    assert len(model.warnings) == 2   # a copy


def test_egm96_model_and_its_warning(egm96):
    reporter = CollectingReporter()
    model = resolve_height_model("EPSG:25832", "EPSG:5783", method="egm96", reporter=reporter)
    assert (model.method, model.description, model.expected_error_m, model.grid) == (
        "egm96", "EGM96 geoid (egm96_15.gtx)", 0.5, str(egm96))
    assert model.warnings == ["EGM96 is used instead of the national quasigeoid: heights may be off by up to about "
                              "0.5 m; install the quasigeoid grid (de_bkg_gcg2016.tif for DHHN2016) or give its file "
                              "for centimetre accuracy"]
    assert reporter.infos == ["heights: EGM96 geoid (egm96_15.gtx) (expected error 0.5 m)"]
    assert _n(model) == pytest.approx(bilinear(egm96, LON, LAT), abs=0.01)


def test_auto_with_a_constant_prefers_egm96_when_installed(egm96):
    model = resolve_height_model("EPSG:25832", "EPSG:7837", constant=47.0)
    assert model.method in ("egm96", "proj", "grid") and _n(model) == pytest.approx(bilinear(egm96, LON, LAT), abs=0.05)


def test_without_egm96_a_constant_is_the_fallback(no_egm96):
    assert heights.find_grid(EGM96_GRID) is None
    model = resolve_height_model("EPSG:25832", "EPSG:7837", constant=47.5)
    assert model.method == "constant" and _n(model) == 47.5
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="egm96", constant=46.0)
    assert model.method == "constant" and _n(model) == 46.0
    with pytest.raises(HeightModelError, match=r"^no height model for DHHN2016 height: no quasigeoid grid, "
                                               r"egm96_15\.gtx is not installed \(Debian: proj-data\) and no constant "
                                               r"was given; refusing PROJ's ballpark transformation"):
        resolve_height_model("EPSG:25832", "EPSG:7837")
    with pytest.raises(HeightModelError, match=r"^no height model for the source heights: "):
        resolve_height_model("EPSG:25832", None, method="egm96")


def test_user_grid_error_by_datum(egm96):
    """A user grid for DHHN2016 (or unnamed) heights: 1 cm; for DHHN92 heights: 5 cm (the datum change)."""
    for vertical, error in (("EPSG:7837", 0.01), (None, 0.01), ("EPSG:5783", 0.05)):
        model = resolve_height_model("EPSG:25832", vertical, method="grid", grid=str(egm96))
        assert (model.method, model.expected_error_m, model.grid) == ("grid", error, str(egm96))
        assert model.description == "quasigeoid grid egm96_15.gtx"
    # a grid given with auto is used as well
    assert resolve_height_model("EPSG:25832", "EPSG:7837", grid=egm96).method == "grid"


def test_installed_quasigeoid_is_found_by_datum(tmp_path, monkeypatch, egm96):
    """A grid under the quasigeoid's file name in a PROJ data folder: method grid picks it for DHHN2016 and DHHN92,
    not for other heights; auto picks it too when PROJ has no operation of its own."""
    folder = tmp_path / "proj"
    folder.mkdir()
    os.symlink(egm96, folder / "GCG2016.gtx")
    monkeypatch.setenv("PROJ_DATA", os.pathsep.join([str(folder), "/usr/share/proj"]))
    assert heights.find_grid("GCG2016.gtx") == folder / "GCG2016.gtx"
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="grid")
    assert model.grid == str(folder / "GCG2016.gtx") and model.expected_error_m == 0.01
    model = resolve_height_model("EPSG:25832", "EPSG:5783", method="grid")
    assert model.grid == str(folder / "GCG2016.gtx") and model.expected_error_m == 0.05
    with pytest.raises(HeightModelError, match="no grid given and none installed"):
        resolve_height_model("EPSG:25832", "EPSG:5773", method="grid")
    auto = resolve_height_model("EPSG:25832", "EPSG:7837")
    assert auto.method in ("proj", "grid") and _n(auto) == pytest.approx(bilinear(egm96, LON, LAT), abs=0.05)


def test_datum_key():
    assert heights.datum_key("DHHN2016 height") == "DHHN2016"
    assert heights.datum_key("DHHN92 height") == "DHHN92"
    assert heights.datum_key("NAP height") == ""


def test_undulation_outside_the_grid_is_refused():
    class Far:
        def transform(self, lon, lat, z):
            return lon, lat, np.where(np.asarray(lon) > 10.0, 1000.5, 1000.0)

    class Nan:
        def transform(self, lon, lat, z):
            return lon, lat, np.full(np.shape(lon), np.inf)

    model = HeightModel("grid", "test grid", 0.01, _transformer=Far())
    assert model.undulation([8.0], [49.0]).tolist() == [1000.0]          # the limit itself
    with pytest.raises(HeightModelError, match=r"^the height model test grid does not cover every point "
                                               r"\(lon 8\.0000\.\.11\.0000, lat 49\.0000\.\.50\.5000\)$"):
        model.undulation([8.0, 11.0], [49.0, 50.5])
    model = HeightModel("grid", "test grid", 0.01, _transformer=Far())
    model._transformer.transform = lambda lon, lat, z: (lon, lat, np.full(np.shape(lon), -1000.5))
    with pytest.raises(HeightModelError, match="does not cover every point"):
        model.undulation([8.0], [49.0])
    with pytest.raises(HeightModelError, match="does not cover every point"):
        HeightModel("grid", "g", 0.01, _transformer=Nan()).undulation([8.0], [49.0])


def test_proj_model_accuracy_defaults_to_a_centimetre(egm96):
    op, _ = heights.proj_vertical_operation("EPSG:32632", "EPSG:5773")
    model = heights._proj_model(op, "EPSG:32632")
    assert model.method == "proj" and model.description == f"PROJ: {op.description}"
    assert model.expected_error_m == (op.accuracy if op.accuracy and op.accuracy > 0 else 0.01)

    class NoAccuracy:
        description = "test operation"
        accuracy = -1.0

        def transform(self, x, y, z):
            return x, y, np.asarray(z) + 40.0

    model = heights._proj_model(NoAccuracy(), "EPSG:32632")
    assert model.expected_error_m == 0.01 and _n(model) == 40.0
    NoAccuracy.accuracy = 0.0
    assert heights._proj_model(NoAccuracy(), "EPSG:32632").expected_error_m == 0.01
    NoAccuracy.accuracy = 0.25
    assert heights._proj_model(NoAccuracy(), "EPSG:32632").expected_error_m == 0.25


def test_georeferencer_refuses_a_ballpark_horizontal_datum():
    model = HeightModel("constant", "c", 0.0, constant=0.0)
    with pytest.raises(HeightModelError, match=r"^PROJ only has a ballpark transformation from EPSG:3375 to WGS 84 "
                                               r"\(.*Ballpark.*\); install its grids$"):
        Georeferencer("EPSG:3375", model)   # GDM2000 / Peninsular RSO (Malaysia)
    geo = Georeferencer("EPSG:25832", model)
    assert geo.horizontal["missingGrids"] == [] or isinstance(geo.horizontal["missingGrids"], list)
    assert geo.horizontal["description"] == geo._to_geo.description
    lon, lat, h = geo.to_geographic([456000.0], [5429000.0], [100.0])
    assert h.tolist() == [100.0]
    back = geo.from_ecef(geo.to_ecef([456000.0], [5429000.0], [100.0]))
    assert back[0] == pytest.approx([456000.0, 5429000.0, 100.0], abs=1e-6)


def test_missing_grids_are_reported_not_warned(egm96):
    """pyproj warns when the best operation's grid is missing (GCG2016 for DHHN2016); the module silences that
    warning and names the grids itself."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        op, missing = heights.proj_vertical_operation("EPSG:25832", "EPSG:7837")
        # British National Grid: the best operation needs OSTN15, which Debian's proj-data does not ship
        british = Georeferencer("EPSG:27700", HeightModel("constant", "c", 0.0, constant=0.0))
    assert [str(w.message) for w in caught] == []
    assert british.horizontal["missingGrids"] == ["uk_os_OSTN15_NTv2_OSGBtoETRS.tif"]
    assert Georeferencer("EPSG:25832", HeightModel("constant", "c", 0.0, constant=0.0)).horizontal[
        "missingGrids"] == []
    if op is None:   # GCG2016 not installed: it is named
        assert missing and all(isinstance(name, str) for name in missing)


def test_height_model_repr_leaves_the_transformer_out(egm96):
    model = resolve_height_model("EPSG:25832", "EPSG:7837", method="egm96")
    assert "_transformer" not in repr(model) and "egm96_15.gtx" in repr(model)


def test_georeferencer_without_any_transformation():
    with pytest.raises(HeightModelError, match=r"^PROJ has no transformation from IAU_2015:30100 to WGS 84$"):
        Georeferencer("IAU_2015:30100", HeightModel("constant", "c", 0.0, constant=0.0))   # the Moon


def test_grid_method_with_a_constant_still_needs_a_grid(no_egm96):
    """A constant is the fallback of auto and egm96, never of an explicit grid request."""
    with pytest.raises(HeightModelError, match=r"^quasigeoid grid not found: no grid given and none installed"):
        resolve_height_model("EPSG:25832", "EPSG:7837", method="grid", constant=46.0)
