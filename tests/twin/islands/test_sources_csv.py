"""The island/access-point CSV reader: quoted line breaks, wide rows, encodings, malformed files."""
from __future__ import annotations

import json

import pytest

from geotwin.tests.twin.islands.test_importer_fixtures import CRS, lonlat
from geotwin.twin.islands.importer import import_learning_islands
from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.layers import sniff_csv
from geotwin.twin.kernel.progress import CollectingReporter


def _read(path, layer):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer)


def _ll(dx):
    lon, lat = lonlat(dx, 0)
    return f"{lat:.9f};{lon:.9f}"


def test_quoted_line_breaks_are_kept_and_lines_counted(tmp_path):
    src = tmp_path / "i.csv"
    src.write_text(f'id;name;lat;lon\nA;"Lerninsel\nim Foyer";{_ll(0)}\nB;Mensa;{_ll(10)}\n', encoding="utf-8")
    header, rows = sniff_csv(src)
    assert header == ["id", "name", "lat", "lon"]
    assert [(n, r["name"], p) for n, r, p in rows] == [(2, "Lerninsel\nim Foyer", None), (4, "Mensa", None)]
    out = tmp_path / "o.gpkg"
    import_learning_islands(str(src), str(out), target_crs=CRS)
    frame = _read(out, "learning_islands").set_index("id")
    assert frame.loc["A", "name"] == "Lerninsel\nim Foyer"
    assert frame["source_line"].tolist() == [2, 4]


def test_wide_rows_are_rejected_and_listed_trailing_delimiters_ignored(tmp_path):
    src = tmp_path / "i.csv"
    src.write_text(f"id;name;lat;lon\nA;Foyer;{_ll(0)};\nB;Mensa;{_ll(10)};extra;x\nC;Aula;{_ll(20)}\n",
                   encoding="utf-8")
    rep = CollectingReporter()
    out = tmp_path / "o.gpkg"
    summary = import_learning_islands(str(src), str(out), target_crs=CRS, reporter=rep)
    assert (summary.imported, summary.rejected) == (2, 1)
    assert sorted(_read(out, "learning_islands")["id"]) == ["A", "C"]
    listed = _read(out, "learning_islands_unlinked")
    assert listed[["island_id", "source_line", "status", "reason"]].values.tolist() == [
        ["B", 3, "rejected", "6 values but the header has 4 columns"]]
    assert [w for w in rep.warnings if "line 3" in w and "6 values" in w]


def test_windows_1252_and_empty_header_names(tmp_path):
    src = tmp_path / "i.csv"
    src.write_bytes(f"id;Bezeichnung;;lat;lon\nA;Bücherei Süd;Raum 1;{_ll(0)}\n".encode("cp1252"))
    out = tmp_path / "o.gpkg"
    import_learning_islands(str(src), str(out), target_crs=CRS)
    row = _read(out, "learning_islands").iloc[0]
    assert row["name"] == "Bücherei Süd"
    assert json.loads(row["attributes"]) == {"column_3": "Raum 1"}


@pytest.mark.parametrize("content, message, line", [
    (b"id;name;lat;lon\nA;\x81\x8d;48.1;8.4\n", "not a UTF-8 or Windows-1252 text file (byte 0x81", 2),
    (b"id;name;name;lat;lon\n", "the header names column 'name' twice (columns 2 and 3)", 1),
    (b"id;lat;lon\nA;48.1;8.4\nB;\"" + b"x" * 140000 + b"\";8.4\n", "malformed CSV: field larger than field limit", 3),
    (b"", "the CSV file is empty", None),
])
def test_malformed_csv_names_the_file_and_line(tmp_path, content, message, line):
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    with pytest.raises(InputError, match="^" + str(src).replace(".", r"\.")) as info:
        import_learning_islands(str(src), str(tmp_path / "o.gpkg"), target_crs=CRS)
    assert message in str(info.value)
    assert info.value.line == line
    assert not (tmp_path / "o.gpkg").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"source_crs": "EPSG:99999"}, "the source CRS 'EPSG:99999' is not a known CRS"),
    ({"target_crs": "Gauss-Krüger bitte"}, "the target CRS 'Gauss-Krüger bitte' is not a known CRS"),
])
def test_unknown_crs_is_a_clear_error(tmp_path, kwargs, message):
    src = tmp_path / "i.csv"
    src.write_text("id;Rechtswert;Hochwert\nA;3456000;5428000\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_learning_islands(str(src), str(tmp_path / "o.gpkg"), **{"target_crs": CRS, **kwargs})

