"""WLAN coverage: storey attenuation, rooms, planning priority; Munich access points as real input."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from geotwin.tests.twin.islands.test_importer_fixtures import CRS, lonlat, write_twin
from geotwin.twin.islands.coverage import priority, wlan_coverage
from geotwin.twin.kernel.gpkg import GpkgWriter
from geotwin.twin.kernel.layers import LayerRef
from geotwin.twin.kernel.schema import BUILDINGS, FOOTPRINTS

MUNICH = "wlan/muenchen/wlan-standorte-muenchen.geojson"


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


def _share_in_disc(box, centre, radius, step=0.05):
    """Share of the rectangle within the disc, by counting the cells of a fine grid (numpy)."""
    x1, y1, x2, y2 = box
    xs = np.arange(x1 + step / 2, x2, step)
    ys = np.arange(y1 + step / 2, y2, step)
    gx, gy = np.meshgrid(xs, ys)
    return float(np.mean((gx - centre[0]) ** 2 + (gy - centre[1]) ** 2 <= radius ** 2))


def _aps(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "latitude", "longitude", "floor"])
        for name, dx, dy, floor in rows:
            lon, lat = lonlat(dx, dy)
            w.writerow([name, f"{lat:.10f}", f"{lon:.10f}", floor])
    return path


def test_priority_table():
    assert priority("31001_3021")[:2] == (1, "school")
    assert priority("3022")[0] == 1
    assert priority("31001_3065")[0] == 2          # ALKIS 3065: Kinderkrippe/Kindergarten/Kita
    assert priority("31001_3012")[0] == 3          # Rathaus
    assert priority("31001_3051") == (4, "other public building", True)   # Krankenhaus
    assert priority("31001_1000") == (5, "not public", False)
    assert priority(None)[0] == 5


def test_coverage_by_storey_rooms_and_ranking(tmp_path):
    twin = write_twin(tmp_path / "twin.gpkg")
    aps = _aps(tmp_path / "aps.csv", [("AP-school", 20, 10, "0"), ("AP-square", 15, 140, "")])
    out = tmp_path / "wlan.gpkg"
    summary = wlan_coverage(str(aps), LayerRef(str(twin), "footprints"), str(out),
                            rooms=LayerRef(str(twin), "bim_spaces"),
                            indoor_range=25.0, outdoor_range=60.0, storey_penalty=8.0)
    cov = _read(out, "wlan_building_coverage").set_index("building_id")
    # B1 (school, 2 storeys): ground floor within 25 m of the AP, first floor only within 17 m
    upper = _share_in_disc((0, 0, 40, 20), (20, 10), 17.0)
    assert cov.loc["B1", "covered_storeys"] == 1 and not cov.loc["B1", "covered"]
    assert cov.loc["B1", "covered_share"] == pytest.approx((1.0 + upper) / 2, abs=2e-3)
    # B3 (town hall, 3 storeys): the outdoor AP 10 m north reaches the farthest corner (42.7 m) on every storey
    assert np.hypot(15, 40) < 60 - 2 * 8
    assert cov.loc["B3", ["covered_storeys", "covered"]].tolist() == [3, True]
    # B2: the indoor AP of B1 does not serve other buildings; the outdoor AP is too far
    assert cov.loc["B2", "covered_share"] == 0.0
    assert cov.loc["B2", "nearest_ap_m"] == pytest.approx(np.hypot(100 - 15, 140 - 20), abs=0.01)
    ranking = _read(out, "wlan_priorities")
    assert ranking["building_id"].tolist() == ["B4", "B1", "B2"]       # schools first, larger first
    assert ranking["priority_class"].tolist() == [1, 1, 5]
    assert ranking["gross_floor_area"].tolist() == pytest.approx([60 * 40 * 2, 40 * 20 * 2, 20 * 20 * 1])
    assert summary.ranking == [("B4", 1), ("B1", 1), ("B2", 5)]
    rooms = _read(out, "wlan_room_coverage").set_index("room_id")
    assert rooms.loc["R101", ["floor_index", "covered"]].tolist() == [0, True]
    assert rooms.loc["R201", "floor_index"] == 1
    assert rooms.loc["R201", "covered_share"] == pytest.approx(_share_in_disc((0, 0, 20, 20), (20, 10), 17.0),
                                                               abs=2e-3)
    assert not rooms.loc["R201", "covered"]
    assert (summary.rooms, summary.rooms_covered) == (4, 2)


def test_munich_access_points_cover_buildings(shared_data, tmp_path):
    """Real Munich sites as outdoor APs; two buildings placed next to and far from a real site."""
    import shapely
    from pyproj import Transformer

    raw = json.loads((shared_data / MUNICH).read_text(encoding="utf-8"))["features"]
    to_utm = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    xy = np.array([to_utm.transform(*f["geometry"]["coordinates"]) for f in raw])
    ax, ay = xy[0]
    boxes = {"near": (ax + 20, ay - 10, ax + 40, ay + 10), "far": (ax - 2500, ay + 2500, ax - 2480, ay + 2520)}
    twin = tmp_path / "twin.gpkg"
    w = GpkgWriter(twin, CRS)
    for bid, (x1, y1, x2, y2) in boxes.items():
        poly = shapely.box(x1, y1, x2, y2)
        w.add(FOOTPRINTS, {"building_id": bid, "area": poly.area}, shapely.MultiPolygon([poly]))
        w.add(BUILDINGS, {"id": bid, "function": "31001_3021", "storeys_above_ground": 2},
              shapely.MultiPolygon([shapely.force_3d(poly)]))
    w.close()
    out = tmp_path / "wlan.gpkg"
    wlan_coverage(str(shared_data / MUNICH), LayerRef(str(twin), "footprints"), str(out),
                  outdoor_range=60.0, storey_penalty=8.0)
    cov = _read(out, "wlan_building_coverage").set_index("building_id")
    for bid, (x1, y1, x2, y2) in boxes.items():
        # nearest AP to the footprint, computed with numpy over all 171 sites
        dx = np.maximum(np.maximum(x1 - xy[:, 0], 0), xy[:, 0] - x2)
        dy = np.maximum(np.maximum(y1 - xy[:, 1], 0), xy[:, 1] - y2)
        assert cov.loc[bid, "nearest_ap_m"] == pytest.approx(np.hypot(dx, dy).min(), abs=0.01)
    assert np.hypot(40, 10) < 60 - 8            # farthest corner of "near", upper storey radius
    assert cov.loc["near", ["covered", "covered_storeys"]].tolist() == [True, 2]
    assert not cov.loc["far", "covered"]
    assert _read(out, "wlan_priorities")["building_id"].tolist() == ["far"]
