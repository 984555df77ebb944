"""Georeferencing from real authoring tools: IfcSite 0/0 is no position, latitude/longitude compared on the right
datum, and broken map conversions refused with the entity (#id) and the attribute named.

Each case edits a real file (copied to tmp_path with ifcopenshell, or at the token level where ifcopenshell
refuses to write the value, e.g. NaN) and checks the message and that no GeoPackage is written.
"""
from __future__ import annotations

import math

import ifcopenshell
import numpy as np
import pyproj
import pytest

from geotwin.bim import georef
from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.bim.reader import open_ifc
from geotwin.twin.kernel.errors import InputError

from .test_georef import make_georeferenced_ifc

FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
UTM = "ifc/georef/geographic-referencing-utm.ifc"
GK = "ifc/georef/geographic-referencing-gk.ifc"
RIGID = "ifc/georef/geographic-referencing-rigid-operation.ifc"
PLACEHOLDER = 271828.1828   # written with ifcopenshell, then replaced by a raw STEP token


def _edited(source, target, edit, token: str | None = None):
    """``source`` opened with ifcopenshell, changed by ``edit(model)``, written to ``target``; ``token`` replaces
    the PLACEHOLDER number in the STEP text (NaN cannot be written by ifcopenshell)."""
    model = ifcopenshell.open(str(source))
    edit(model)
    model.write(str(target))
    if token is not None:
        text = target.read_text()
        assert text.count(repr(PLACEHOLDER)[:8]) == 1
        start = text.index(repr(PLACEHOLDER)[:8])
        end = start
        while text[end] not in ",)":
            end += 1
        target.write_text(text[:start] + token + text[end:])
    return target


def _refused(path, target="EPSG:25832", method="auto", match=""):
    out = path.with_suffix(".gpkg")
    with pytest.raises(InputError, match=match) as info:
        import_ifc(path, out, ImportOptions(georeferencing=method, target_crs=target))
    assert path.name in str(info.value) and not out.exists()
    return str(info.value)


# ------------------------------------------------------------------ IfcSite 0/0


@pytest.mark.parametrize("lat, lon", [((0, 0, 0), (0, 0, 0)), ((0, 0, 0, 0), (0, 0, 0, 0)), (None, None),
                                      ((49, 6, 1, 566000), None)])
def test_site_zero_or_absent_is_no_georeferencing(shared_data, tmp_path, lat, lon):
    def edit(model):
        site = model.by_type("IfcSite")[0]
        site.RefLatitude, site.RefLongitude = lat, lon

    path = _edited(shared_data / FZK, tmp_path / "fzk_zero.ifc", edit)
    message = _refused(path, match="no georeferencing")
    for way in ("IfcMapConversion", "MANUAL_EASTING", "MANUAL_NORTHING", "MANUAL_HEIGHT", "MANUAL_ROTATION",
                "fit to footprint", "FOOTPRINTS"):
        assert way in message
    assert ("IfcSite #389 RefLatitude/RefLongitude are 0/0" in message) == (lat is not None and lon is not None)
    with pytest.raises(InputError, match="no usable RefLatitude"):
        georef.resolve(open_ifc(path), georef.SITE, "EPSG:25832")


def test_site_zero_with_manual_placement_imports_every_element(shared_data, tmp_path):
    """The institute-building case: 0/0 and a manual placement; every element imported."""
    def edit(model):
        site = model.by_type("IfcSite")[0]
        site.RefLatitude, site.RefLongitude = (0, 0, 0, 0), (0, 0, 0, 0)

    path = _edited(shared_data / FZK, tmp_path / "fzk_zero.ifc", edit)
    result = import_ifc(path, tmp_path / "manual.gpkg",
                        ImportOptions(georeferencing="manual", manual=(457100.0, 5438700.0, 110.0, 40.0)))
    model = ifcopenshell.open(str(path))
    assert result.elements == sum(1 for e in model.by_type("IfcElement")
                                  if not e.is_a("IfcOpeningElement") and not e.is_a("IfcVirtualElement")) == 82
    assert result.placement.method == "manual"


def test_site_on_the_equator_is_a_position(shared_data, tmp_path):
    """Latitude 0 alone is a real place (Kenya): placed, not mistaken for a missing position."""
    def edit(model):
        site = model.by_type("IfcSite")[0]
        site.RefLatitude, site.RefLongitude = (0, 0, 0), (36, 49, 0)

    path = _edited(shared_data / FZK, tmp_path / "equator.ifc", edit)
    placement = georef.resolve(open_ifc(path), georef.AUTO, "EPSG:32737")
    expected = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32737", always_xy=True).transform(36 + 49 / 60, 0.0)
    assert placement.apply(np.zeros((1, 3)))[0, :2] == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize("lat, match", [((49, -6, 1), "mixes signs"), ((49, 75, 0), "below 60"),
                                        ((95, 0, 0), "beyond ±90"), ((49, 6), "not a compound angle")])
def test_broken_compound_angles_name_the_site(shared_data, tmp_path, lat, match):
    def edit(model):
        model.by_type("IfcSite")[0].RefLatitude = lat

    path = _edited(shared_data / FZK, tmp_path / "angle.ifc", edit)
    _refused(path, match=f"IfcSite #389 RefLatitude .*{match}")


# ------------------------------------------------------------------ datum of latitude/longitude


def _site_lonlat(path):
    site = ifcopenshell.open(str(path)).by_type("IfcSite")[0]
    to_deg = [lambda c: c[0] + c[1] / 60 + c[2] / 3600 + (c[3] / 3.6e9 if len(c) > 3 else 0)]
    return to_deg[0](site.RefLongitude), to_deg[0](site.RefLatitude)


@pytest.mark.parametrize("target", ["EPSG:25832", "EPSG:31467"])
def test_gauss_krueger_site_check_on_the_right_datum(shared_data, target):
    """The GK sample's latitude/longitude is the ETRS89/WGS 84 position of the map conversion's origin: 2.1 m
    apart in EPSG:31467 (the DHDN transformation's accuracy); read on DHDN it would be 134.1 m."""
    placement = georef.resolve(open_ifc(shared_data / GK), georef.AUTO, target)
    lon, lat = _site_lonlat(shared_data / GK)
    origin = (3458715.92, 5439966.65)
    on_etrs = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:31467", always_xy=True).transform(lon, lat)
    on_dhdn = pyproj.Transformer.from_crs("EPSG:4314", "EPSG:31467", always_xy=True).transform(lon, lat)
    expected, dhdn = math.dist(on_etrs, origin), math.dist(on_dhdn, origin)
    assert 1.5 < expected < 2.5 and 130 < dhdn < 140
    assert placement.parameters["site_check_m"] == pytest.approx(expected, abs=0.01)
    assert placement.parameters["site_check_datum"] == "WGS 84"
    text = placement.parameters["site_check"]
    assert "read on WGS 84" in text and f"read on DHDN it would be {dhdn:.1f} m" in text
    assert not any("one of them is wrong" in w for w in placement.warnings)


def test_site_check_warns_with_the_datum_when_far(shared_data, tmp_path):
    """The UTM sample with its latitude moved 0.1' north (185 m): warned, naming the datum read."""
    def edit(model):
        model.by_type("IfcSite")[0].RefLatitude = (49, 5, 49, 983700)

    path = _edited(shared_data / UTM, tmp_path / "far.ifc", edit)
    warnings: list[str] = []
    placement = georef.resolve(open_ifc(path), georef.AUTO, "EPSG:25832", warnings=warnings)
    lon, lat = _site_lonlat(path)
    e, n = pyproj.Transformer.from_crs("EPSG:4258", "EPSG:25832", always_xy=True).transform(lon, lat)
    assert placement.parameters["site_check_m"] == pytest.approx(math.dist((e, n), (458657.30, 5438232.25)), abs=0.01)
    assert any("one of them is wrong" in w and "on WGS 84" in w for w in warnings)


def test_site_placement_reads_wgs84_into_a_dhdn_target(shared_data):
    """FZK-Haus by IfcSite into Gauss-Krueger: WGS 84 latitude/longitude through PROJ's DHDN transformation."""
    placement = georef.resolve(open_ifc(shared_data / FZK), georef.AUTO, "EPSG:31467")
    lon, lat = _site_lonlat(shared_data / FZK)
    expected = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:31467", always_xy=True).transform(lon, lat)
    assert placement.apply(np.zeros((1, 3)))[0, :2] == pytest.approx(expected, abs=0.001)
    assert "on WGS 84, transformed to DHDN" in placement.parameters["datum"]


# ------------------------------------------------------------------ broken map conversions


def _set(attribute, value):
    def edit(model):
        setattr(model.by_type("IfcMapConversion")[0], attribute, value)
    return edit


@pytest.mark.parametrize("attribute, value, token, match", [
    ("Scale", 0.0, None, "Scale 0.0 must be positive"),
    ("Scale", -1.0, None, "Scale -1.0 must be positive .*mirrors"),
    ("Scale", PLACEHOLDER, "-nan", "Scale nan is not a finite number"),
    ("Scale", 1e-9, None, "Scale 1e-09 with the unit conversion 0.001 .* would shrink the model 1e\\+06 times"),
    ("Scale", 5.0, None, "Scale 5.0 with the unit conversion 0.001 .* would stretch the model 5e\\+03 times"),
    ("Eastings", PLACEHOLDER, "-nan", "Eastings nan is not a finite number"),
    ("Eastings", PLACEHOLDER, "NAN", "Eastings None is missing or not a number"),
    ("Eastings", 1e12, None, r"Eastings 1000000000000.0 lies beyond any map CRS"),
    ("Northings", -2e8, None, "Northings -200000000.0 lies beyond any map CRS"),
    ("OrthogonalHeight", 1e9, None, "OrthogonalHeight 1000000000.0 is no height on Earth"),
    ("OrthogonalHeight", PLACEHOLDER, "-nan", "OrthogonalHeight nan is not a finite number"),
    ("XAxisAbscissa", PLACEHOLDER, "-nan", "XAxisAbscissa nan is not a finite number"),
])
def test_broken_map_conversion_is_refused(shared_data, tmp_path, attribute, value, token, match):
    path = _edited(shared_data / UTM, tmp_path / "broken.ifc", _set(attribute, value), token)
    message = _refused(path, match=f"IfcMapConversion #2: {match}")
    assert "GEOREFERENCING manual or fit to footprint" in message


def test_zero_x_axis_vector_is_refused(shared_data, tmp_path):
    def edit(model):
        conversion = model.by_type("IfcMapConversion")[0]
        conversion.XAxisAbscissa, conversion.XAxisOrdinate = 0.0, 0.0

    path = _edited(shared_data / UTM, tmp_path / "zero_axis.ifc", edit)
    _refused(path, match=r"IfcMapConversion #2: XAxisAbscissa/XAxisOrdinate \(0.0, 0.0\) is a zero vector")


def test_eastings_outside_the_crs_are_refused_with_the_crs_that_holds_them(shared_data, tmp_path):
    """E 3 458 715 (a Gauss-Krueger easting) in an EPSG:25832 map conversion: far east of zone 32."""
    path = _edited(shared_data / UTM, tmp_path / "gk_in_utm.ifc", _set("Eastings", 3458715.92))
    message = _refused(path, match="outside the area of use of EPSG:25832")
    assert "e.g. EPSG:" in message


@pytest.mark.parametrize("factor, value, token, match", [
    ("FactorX", 0.0, None, "FactorX 0.0 must be positive"),
    ("FactorY", PLACEHOLDER, "-nan", "FactorY nan is not a finite number"),
    ("FactorZ", -1.0, None, "FactorZ -1.0 must be positive"),
])
def test_broken_ifc4x3_scaled_conversion(tmp_path, factor, value, token, match):
    source = tmp_path / "scaled.ifc"
    make_georeferenced_ifc(source, "IFC4X3_ADD2", eastings=3458700.0, northings=5439950.0, height=114.5,
                           angle_deg=10.0, crs="EPSG:31467", factors=(0.9996, 0.9996, 1.0))

    def edit(model):
        setattr(model.by_type("IfcMapConversionScaled")[0], factor, value)

    path = _edited(source, tmp_path / "broken_scaled.ifc", edit, token)
    conversion = ifcopenshell.open(str(source)).by_type("IfcMapConversionScaled")[0]
    _refused(path, match=f"IfcMapConversionScaled #{conversion.id()}: {match}")


@pytest.mark.parametrize("attribute, value, token, match", [
    ("SecondCoordinate", 95.0, None, "is no longitude/latitude"),
    ("FirstCoordinate", PLACEHOLDER, "-nan", "FirstCoordinate nan is not a finite number"),
    ("Height", 2e5, None, "Height 200000.0 is no height on Earth"),
])
def test_broken_rigid_operation(shared_data, tmp_path, attribute, value, token, match):
    def edit(model):
        op = model.by_type("IfcRigidOperation")[0]
        if attribute == "Height":
            op.Height = value
        else:
            setattr(op, attribute, model.create_entity("IfcPlaneAngleMeasure", value))

    path = _edited(shared_data / RIGID, tmp_path / "rigid.ifc", edit, token)
    _refused(path, target="EPSG:25833", match=f"IfcRigidOperation #302: .*{match}")


@pytest.mark.parametrize("prop, value, match", [("Scale", 0.0, "Scale 0.0 must be positive"),
                                                ("Eastings", None, "Eastings None is missing"),
                                                ("XAxisOrdinate", 0.0, "zero vector")])
def test_broken_ifc2x3_epset_map_conversion(tmp_path, prop, value, match):
    source = tmp_path / "ifc2x3.ifc"
    make_georeferenced_ifc(source, "IFC2X3", eastings=458123.0, northings=5438765.0, height=115.0, angle_deg=0.0)

    def edit(model):
        pset = next(p for p in model.by_type("IfcPropertySet") if p.Name == "ePSet_MapConversion")
        for single in pset.HasProperties:
            if single.Name == prop:
                single.NominalValue = None if value is None else model.create_entity("IfcReal", value)
            if prop == "XAxisOrdinate" and single.Name == "XAxisAbscissa":
                single.NominalValue = model.create_entity("IfcReal", 0.0)

    path = _edited(source, tmp_path / "broken_2x3.ifc", edit)
    model = ifcopenshell.open(str(path))
    pset = next(p for p in model.by_type("IfcPropertySet") if p.Name == "ePSet_MapConversion")
    project = model.by_type("IfcProject")[0]
    _refused(path, match=f"ePSet_MapConversion #{pset.id()} of IfcProject #{project.id()}: .*{match}")


def test_algorithm_fails_on_a_broken_map_conversion(run_alg, shared_data, tmp_path):
    """Through Processing: an error (qgis_process exits non-zero), no output; before, Scale 0 collapsed the model."""
    from qgis.core import QgsProcessingException

    path = _edited(shared_data / UTM, tmp_path / "scale0.ifc", _set("Scale", 0.0))
    with pytest.raises(QgsProcessingException, match="IfcMapConversion #2: Scale 0.0 must be positive"):
        run_alg("geotwin:importifc", {"INPUT": str(path), "OUTPUT": str(tmp_path / "scale0.gpkg")})
    assert not (tmp_path / "scale0.gpkg").exists()


@pytest.mark.parametrize("first, token, match", [(455000.0, None, None),
                                                 (PLACEHOLDER, "-nan", "FirstCoordinate nan is not a finite number"),
                                                 (3e8, None, "FirstCoordinate 300000000.0 lies beyond any map CRS")])
def test_projected_rigid_operation(shared_data, tmp_path, first, token, match):
    """The rigid-operation sample turned into a projected one (EPSG:25833 eastings/northings): placed by
    translation, or refused naming IfcRigidOperation #302 and the coordinate."""
    def edit(model):
        op = model.by_type("IfcRigidOperation")[0]
        op.TargetCRS = model.create_entity("IfcProjectedCRS", Name="EPSG:25833")
        op.FirstCoordinate = model.create_entity("IfcLengthMeasure", first)
        op.SecondCoordinate = model.create_entity("IfcLengthMeasure", 5135000.0)

    path = _edited(shared_data / RIGID, tmp_path / "rigid_projected.ifc", edit, token)
    if match is None:
        warnings: list[str] = []
        placement = georef.resolve(open_ifc(path), georef.AUTO, "EPSG:25833", warnings=warnings)
        assert placement.method == "rigid operation" and placement.rotation_deg == 0.0
        assert placement.apply(np.zeros((1, 3)))[0] == pytest.approx([455000.0, 5135000.0, 475.0], abs=1e-6)
        assert any("IfcRigidOperation" in w for w in warnings)
    else:
        _refused(path, target="EPSG:25833", match=f"IfcRigidOperation #302: {match}")
