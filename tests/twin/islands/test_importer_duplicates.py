"""Only true duplicates are rejected: the Munich WLAN sites and access points, and reconstructed pairs."""
from __future__ import annotations

import csv
import json

from geotwin.tests.twin.islands.test_importer_fixtures import CRS, lonlat
from geotwin.twin.islands.importer import import_learning_islands
from geotwin.twin.kernel.progress import CollectingReporter

MUNICH = "wlan/muenchen/wlan-standorte-muenchen.geojson"


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


def _distinct(features) -> int:
    """Independent count of distinct records: every property and the coordinates (json)."""
    return len({json.dumps([f["properties"], f["geometry"]["coordinates"]], sort_keys=True) for f in features})


def _access_points(shared_data) -> list[dict]:
    """The Munich sites expanded to one feature per access point (``anzahl``): all APs of a site share
    its position and name (the address); they differ in the AP number, band and floor."""
    sites = json.loads((shared_data / MUNICH).read_text(encoding="utf-8"))["features"]
    out = []
    for site in sites:
        for k in range(site["properties"]["anzahl"]):
            out.append({"type": "Feature", "geometry": site["geometry"],
                        "properties": {"name": site["properties"]["adresse"], "typ": site["properties"]["typ"],
                                       "ap": k + 1, "band": ("2.4 GHz", "5 GHz")[k % 2], "floor": k // 2}})
    return out


def _write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_munich_sites_sharing_a_name_are_all_kept(shared_data, tmp_path):
    """171 sites, 24 addresses used by more than one site and 10 'typ' values as names: nothing is a duplicate."""
    raw = json.loads((shared_data / MUNICH).read_text(encoding="utf-8"))["features"]
    assert _distinct(raw) == 171
    for mapping in ("name=adresse", "name=typ"):
        out = tmp_path / f"{mapping[5:]}.gpkg"
        summary = import_learning_islands(shared_data / MUNICH, str(out), field_mapping=mapping, target_crs=CRS)
        assert (summary.imported, summary.rejected) == (_distinct(raw), 0)
        assert len(_read(out, "learning_islands")) == 171


def test_munich_access_points_at_one_position_are_all_kept(shared_data, tmp_path):
    aps = _access_points(shared_data)
    assert len(aps) == 329 == _distinct(aps)
    positions = {tuple(f["geometry"]["coordinates"]) for f in aps}
    assert len(positions) == 169          # two sites have no access point (anzahl 0)
    src = _write_geojson(tmp_path / "aps.geojson", aps)
    out = tmp_path / "aps.gpkg"
    summary = import_learning_islands(str(src), str(out), target_crs=CRS)
    assert (summary.imported, summary.rejected) == (329, 0)
    frame = _read(out, "learning_islands")
    # the 11 APs of one site: one position, one name, 11 records
    site = frame[frame["name"] == "Marienplatz West"]
    assert len(site) == sum(f["properties"]["name"] == "Marienplatz West" for f in aps)
    assert len({(p.x, p.y) for p in site.geometry}) == len({tuple(f["geometry"]["coordinates"]) for f in aps
                                                             if f["properties"]["name"] == "Marienplatz West"})


def test_true_copies_in_munich_access_points_are_rejected_and_listed(shared_data, tmp_path):
    aps = _access_points(shared_data)
    copies = [7, 100, 328]                 # feature indices copied to the end of the file
    features = aps + [json.loads(json.dumps(aps[i])) for i in copies]
    src = _write_geojson(tmp_path / "aps.geojson", features)
    out = tmp_path / "aps.gpkg"
    rep = CollectingReporter()
    summary = import_learning_islands(str(src), str(out), target_crs=CRS, reporter=rep)
    assert _distinct(features) == 329
    assert (summary.imported, summary.rejected) == (329, 3)
    rejected = _read(out, "learning_islands_unlinked")
    rejected = rejected[rejected["status"] == "rejected"].sort_values("source_line")
    assert rejected["source_line"].tolist() == [330, 331, 332]
    assert rejected["reason"].tolist() == [
        f"duplicate of island 'aps.geojson:{i + 1}' (line {i + 1}): every field and the position are equal"
        for i in copies]
    assert sum("every field and the position are equal" in w for w in rep.warnings) == 3


def _pairs_csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)
    return path


def _ll(dx, dy):
    lon, lat = lonlat(dx, dy)
    return f"{lat:.9f}", f"{lon:.9f}"


def test_reconstructed_pairs(tmp_path):
    """Two nodes at one position with one name: kept unless every field is equal; same id, other values:
    the first is kept and the second rejected naming the fields that differ."""
    header = ["id", "name", "ssid", "band", "floor", "lat", "lon"]
    here, there = _ll(10, 10), _ll(50, 10)
    rows = [
        ["AP-1", "Bibliothek", "KA-WLAN", "2.4 GHz", "0", *here],        # line 2
        ["AP-2", "Bibliothek", "KA-WLAN", "5 GHz", "0", *here],          # line 3: other id and band: kept
        ["AP-3", "Bibliothek", "KA-Gast", "5 GHz", "1", *here],          # line 4: other id, SSID, floor: kept
        ["AP-1", "Bibliothek", "KA-WLAN", "2.4 GHz", "0", *here],        # line 5: copy of line 2: rejected
        ["AP-2", "Bibliothek", "KA-Gast", "5 GHz", "2", *there],         # line 6: AP-2 again, other values
        ["AP-9", "", "", "", "", "", ""],                                # line 7: no coordinates: rejected
        ["AP-9", "Mensa", "KA-WLAN", "5 GHz", "0", *there],              # line 8: AP-9's first usable row
    ]
    src = _pairs_csv(tmp_path / "aps.csv", header, rows)
    rep = CollectingReporter()
    out = tmp_path / "aps.gpkg"
    summary = import_learning_islands(str(src), str(out), target_crs=CRS, reporter=rep)
    assert (summary.imported, summary.rejected) == (4, 3)
    frame = _read(out, "learning_islands").set_index("id")
    assert sorted(frame.index) == ["AP-1", "AP-2", "AP-3", "AP-9"]
    assert frame.loc["AP-2", "source_line"] == 3 and frame.loc["AP-2", "ssid"] == "KA-WLAN"
    assert frame.loc["AP-9", "name"] == "Mensa"
    unlinked = _read(out, "learning_islands_unlinked")
    reasons = dict(zip(unlinked["source_line"], unlinked["reason"]))
    assert set(unlinked["status"]) == {"rejected"}
    assert reasons[5] == "duplicate of island 'AP-1' (line 2): every field and the position are equal"
    assert reasons[6] == "same id 'AP-2' as line 3 but different values: fields ssid, floor, geometry"
    assert reasons[7].startswith("missing or non-numeric coordinates")
    assert len(reasons) == 3
    assert [w for w in rep.warnings if "line 6" in w and "AP-2" in w and "not imported" in w]


def test_rows_without_id_are_duplicates_only_when_every_field_is_equal(tmp_path):
    header = ["name", "ssid", "floor", "lat", "lon"]
    here = _ll(10, 10)
    rows = [["Bibliothek", "KA-WLAN", "0", *here],
            ["Bibliothek", "KA-WLAN", "1", *here],          # other floor: kept
            ["Bibliothek", "KA-WLAN", "0", *_ll(10, 10.01)],  # 1 cm away: kept
            ["Bibliothek", "KA-WLAN", "0", *here]]          # copy of line 2
    src = _pairs_csv(tmp_path / "aps.csv", header, rows)
    out = tmp_path / "aps.gpkg"
    summary = import_learning_islands(str(src), str(out), target_crs=CRS)
    assert (summary.imported, summary.rejected) == (3, 1)
    unlinked = _read(out, "learning_islands_unlinked")
    assert unlinked["reason"].tolist() == [
        "duplicate of island 'aps.csv:2' (line 2): every field and the position are equal"]
    assert unlinked["island_id"].tolist() == ["aps.csv:5"]
