"""3D Tiles export on bad or unusual input: clear errors naming the file, skipped objects named and counted."""
from __future__ import annotations

import json
import re

import pytest
from shapely.geometry import MultiPolygon, Polygon

from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.gpkg import gpkg_output
from geotwin.twin.kernel.heights import HeightModelError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.kernel.schema import BUILDING_SURFACES, BUILDINGS, SOURCES
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.reader import Tile

# a 10 x 8 m box, 6 m high, near Karlsruhe Friedrichsplatz (ETRS89 / UTM 32N, DHHN2016)
X0, Y0, Z0 = 456390.0, 5428670.0, 115.0


def box_faces(dx: float = 0.0) -> list[Polygon]:
    x0, x1, y0, y1, z0, z1 = X0 + dx, X0 + dx + 10, Y0, Y0 + 8, Z0, Z0 + 6
    return [
        Polygon([(x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)]),
        Polygon([(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)]),
        Polygon([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)]),
        Polygon([(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)]),
        Polygon([(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)]),
    ]


def write_gpkg(path, buildings: dict[str, list[Polygon]], vertical: str = "EPSG:7837") -> None:
    with gpkg_output(path, "EPSG:25832") as w:
        for bid, faces in buildings.items():
            w.add(BUILDINGS, {"id": bid, "object_class": "Building", "function": "31001_1000",
                              "attributes": {"note": f"building {bid}"}}, MultiPolygon(faces))
            for k, face in enumerate(faces):
                w.add(BUILDING_SURFACES, {"id": f"{bid}_{k}", "building_id": bid,
                                          "surface_type": "RoofSurface" if k == 0 else "WallSurface"}, face)
        w.add(SOURCES, {"source_file": "synthetic", "horizontal_crs": "EPSG:25832", "vertical_crs": vertical})


def test_degenerate_building_is_skipped_and_named(tmp_path):
    gpkg = tmp_path / "in.gpkg"
    flat = Polygon([(X0, Y0, Z0), (X0 + 5, Y0, Z0), (X0 + 10, Y0, Z0)])  # collinear: no area
    write_gpkg(gpkg, {"good": box_faces(), "flat": [flat]})
    reporter = CollectingReporter()
    result = export_3dtiles(gpkg, tmp_path / "out", ExportOptions(viewer=False), reporter)
    assert result.report["buildings"] == 1
    assert any("flat" in s for s in result.report["skipped"])
    assert any("flat" in w for w in reporter.warnings)
    table = Tile.open(tmp_path / "out" / json.loads((tmp_path / "out" / "tileset.json").read_text())
                      ["root"]["content"]["uri"]).property_table()
    assert table["id"] == ["good"] and table["note"] == ["building good"]


def test_missing_or_wrong_input_names_the_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        export_3dtiles(tmp_path / "nope.gpkg", tmp_path / "out")
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a geopackage")
    with pytest.raises(InputError, match="bad.gpkg"):
        export_3dtiles(bad, tmp_path / "out")
    other = tmp_path / "other.gpkg"
    with gpkg_output(other, None) as w:
        w.add(SOURCES, {"source_file": "x"})
    with pytest.raises(InputError, match="no 'buildings' layer"):
        export_3dtiles(other, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_constant_undulation_and_report(tmp_path):
    gpkg = tmp_path / "in.gpkg"
    write_gpkg(gpkg, {"a": box_faces(), "b": box_faces(20.0)}, vertical="")
    out = tmp_path / "out"
    reporter = CollectingReporter()
    result = export_3dtiles(gpkg, out, ExportOptions(viewer=False, height_method="constant", geoid_constant=48.0),
                            reporter)
    assert result.height_method == "constant"
    report = json.loads((out / REPORT_NAME).read_text())
    assert report["height_model"]["constant"] == 48.0
    assert any("no vertical CRS" in w for w in reporter.warnings)
    with pytest.raises(HeightModelError, match=f"^quasigeoid grid not found: {re.escape(str(tmp_path / 'x.gtx'))}"):
        export_3dtiles(gpkg, out, ExportOptions(viewer=False, height_method="grid", geoid_grid=str(tmp_path / "x.gtx")))
    assert json.loads((out / REPORT_NAME).read_text()) == report  # the failed export left it as it was
