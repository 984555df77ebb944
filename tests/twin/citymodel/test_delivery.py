"""City model deliveries as offices ship them: zip archives of many tiles (nested folders, gzip members,
CityGML and CityJSON/CityJSONSeq mixed, junk), folders with zips, one model per delivery; zip hazards."""
from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from lxml import etree

from geotwin.twin.citymodel.delivery import Limits, collect_delivery
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import Cancelled, InputError
from geotwin.twin.kernel.progress import CollectingReporter

TILES = 150
NS = {"bldg": "http://www.opengis.net/citygml/building/2.0", "core": "http://www.opengis.net/citygml/2.0"}


def _fzk_tile(shared_data: Path, n: int) -> bytes:
    """The FZK-Haus LoD2 (CityGML 2.0, EPSG:25832) as tile n: its ids made unique, shifted 50 m east per tile."""
    text = (shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml").read_text()
    return (text.replace('gml:id="', f'gml:id="t{n}_').replace('xlink:href="#', f'xlink:href="#t{n}_')
            .encode())


def _delft_25832(shared_data: Path, prefix: str) -> dict:
    """delft.json with its ids prefixed and its CRS said to be EPSG:25832 (to share one delivery's CRS)."""
    doc = json.loads((shared_data / "cityjson/cjio/delft.json").read_text())
    doc["metadata"]["referenceSystem"] = "https://www.opengis.net/def/crs/EPSG/0/25832"
    doc["transform"]["translate"] = [576000.0, 5950000.0, 0.0]
    objects = {}
    for oid, obj in doc["CityObjects"].items():
        for key in ("parents", "children"):
            if key in obj:
                obj[key] = [prefix + c for c in obj[key]]
        objects[prefix + oid] = obj
    doc["CityObjects"] = objects
    return doc


def _indices(boundaries) -> list[int]:
    if isinstance(boundaries, int):
        return [boundaries]
    return [i for b in boundaries for i in _indices(b)]


def _remap(boundaries, table: dict[int, int]):
    if isinstance(boundaries, int):
        return table[boundaries]
    return [_remap(b, table) for b in boundaries]


def _as_seq(doc: dict, count: int) -> bytes:
    """A CityJSONSeq of the first ``count`` buildings of ``doc``: a header line, one feature per line."""
    header = {k: v for k, v in doc.items() if k not in ("CityObjects", "vertices")}
    lines = [json.dumps(header)]
    buildings = [oid for oid, o in doc["CityObjects"].items() if o["type"] == "Building"][:count]
    for oid in buildings:
        obj = json.loads(json.dumps(doc["CityObjects"][oid]))
        used = sorted({i for g in obj.get("geometry", []) for i in _indices(g["boundaries"])})
        table = {old: new for new, old in enumerate(used)}
        for g in obj.get("geometry", []):
            g["boundaries"] = _remap(g["boundaries"], table)
        lines.append(json.dumps({"type": "CityJSONFeature", "id": oid, "CityObjects": {oid: obj},
                                 "vertices": [doc["vertices"][i] for i in used]}))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def delivery(shared_data, tmp_path_factory) -> Path:
    """lod2.zip: 150 FZK tiles (every third gzipped) in nested folders, the Hamburg 2022 tile, a CityJSON and a
    CityJSONSeq tile, and junk (PDF, readme, .xsd, ISO metadata .xml, __MACOSX, a nested zip)."""
    folder = tmp_path_factory.mktemp("delivery")
    target = folder / "lod2.zip"
    delft = _delft_25832(shared_data, "j_")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for n in range(TILES):
            name = f"tiles/{n // 50:02d}/LoD2_32_{456 + n}_5428.gml"
            data = _fzk_tile(shared_data, n)
            if n % 3 == 0:
                z.writestr(name + ".gz", gzip.compress(data))
            else:
                z.writestr(name, data)
        z.write(shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml", "hamburg/LoD2_576_5950_1_HH.xml")
        z.writestr("cityjson/delft_25832.city.json", json.dumps(delft))
        z.writestr("cityjson/delft_seq.jsonl", _as_seq(_delft_25832(shared_data, "s_"), 20))
        z.writestr("docs/Lieferschein.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
        z.writestr("readme.txt", "LoD2 Gebaeudemodelle, Lieferung 2024")
        z.writestr("schema/CityGML.xsd", '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
        z.writestr("metadata/iso19139.xml", '<?xml version="1.0"?><gmd:MD_Metadata '
                   'xmlns:gmd="http://www.isotc211.org/2005/gmd"/>')
        z.writestr("__MACOSX/tiles/00/._LoD2_32_456_5428.gml", b"\x00\x05\x16\x07junk")
        z.writestr("older/lod1.zip", b"PK\x05\x06" + b"\x00" * 18)
        z.writestr("tiles/", b"")
    return target


@pytest.fixture(scope="module")
def imported(delivery, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "lod2.gpkg"
    reporter = CollectingReporter()
    return out, import_citymodel([delivery], out, None, "highest", reporter), reporter


def _city_members(delivery: Path) -> list[str]:
    with zipfile.ZipFile(delivery) as z:
        return [n for n in z.namelist() if n.endswith((".gml", ".gml.gz", ".xml", ".json", ".jsonl"))
                and not n.startswith(("__MACOSX", "metadata/"))]


def test_zip_delivery_is_one_city_model_with_a_source_row_per_member(delivery, imported, shared_data):
    out, result, reporter = imported
    members = _city_members(delivery)
    assert len(members) == TILES + 3
    sources = pyogrio.read_dataframe(out, layer="sources")
    assert sorted(sources.source_file) == sorted(f"{delivery}!/{m}" for m in members)
    assert f"{delivery}!/tiles/00/LoD2_32_456_5428.gml.gz" in set(sources.source_file)
    # independent counts: lxml for the CityGML members, json for the CityJSON ones
    hamburg = etree.parse(str(shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"))
    gml_ns = {"bldg": "http://www.opengis.net/citygml/building/1.0"}
    hh_buildings = len(hamburg.findall(".//bldg:Building", gml_ns))
    hh_parts = len(hamburg.findall(".//bldg:BuildingPart", gml_ns))
    fzk = etree.parse(str(shared_data / "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"))
    fzk_buildings = len(fzk.findall(".//bldg:Building", NS))
    delft = json.loads((shared_data / "cityjson/cjio/delft.json").read_text())["CityObjects"]
    delft_buildings = sum(o["type"] == "Building" for o in delft.values())
    assert result.buildings == TILES * fzk_buildings + hh_buildings + delft_buildings + 20
    assert result.parts == hh_parts
    assert result.crs == "EPSG:25832"
    counts = dict(zip(sources.source_file, sources.object_count))
    assert counts[f"{delivery}!/cityjson/delft_seq.jsonl"] == 20
    assert counts[f"{delivery}!/hamburg/LoD2_576_5950_1_HH.xml"] == hh_buildings + hh_parts
    assert all(len(c) == 64 for c in sources.checksum_sha256)
    checksums = dict(zip(sources.source_file, sources.checksum_sha256))
    with zipfile.ZipFile(delivery) as z:  # a member's checksum is that of its bytes (as unzipped)
        for member in ("hamburg/LoD2_576_5950_1_HH.xml", "tiles/00/LoD2_32_456_5428.gml.gz"):
            assert checksums[f"{delivery}!/{member}"] == hashlib.sha256(z.read(member)).hexdigest()


def test_junk_is_listed_and_a_nested_zip_is_a_skipped_row(delivery, imported):
    out, result, reporter = imported
    listed = "\n".join(i for i in reporter.infos if i.startswith("not a city model file"))
    for junk in ("docs/Lieferschein.pdf", "readme.txt", "schema/CityGML.xsd", "metadata/iso19139.xml",
                 "__MACOSX/tiles/00/._LoD2_32_456_5428.gml"):
        assert f"{delivery}!/{junk}" in listed
    assert "XML without a CityGML namespace" in listed
    skipped = pyogrio.read_dataframe(out, layer="skipped_objects")
    nested = skipped[skipped.object_id == "older/lod1.zip"]
    assert len(nested) == 1 and "zip archive inside a zip archive" in nested.reason.iloc[0]
    assert nested.source_file.iloc[0] == f"{delivery}!/older/lod1.zip"


def test_zip_equals_the_unpacked_folder(delivery, imported, tmp_path):
    """Streaming the members gives what importing the unpacked folder gives."""
    out, result, _ = imported
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(delivery) as z:
        z.extractall(folder)
    (folder / "older" / "lod1.zip").unlink()
    out2 = tmp_path / "folder.gpkg"
    result2 = import_citymodel([folder], out2, None, "highest", CollectingReporter())
    assert (result2.buildings, result2.parts, result2.surfaces) == (result.buildings, result.parts, result.surfaces)
    a = pyogrio.read_dataframe(out, layer="footprints").sort_values("building_id")
    b = pyogrio.read_dataframe(out2, layer="footprints").sort_values("building_id")
    assert list(a.building_id) == list(b.building_id)
    assert np.allclose(a.area.to_numpy(), b.area.to_numpy())


def test_a_zip_inside_a_folder_and_loose_files(delivery, imported, shared_data, tmp_path):
    folder = tmp_path / "lieferung"
    (folder / "2024").mkdir(parents=True)
    shutil.copy(delivery, folder / "2024" / "lod2.zip")
    with zipfile.ZipFile(folder / "fzk.zip", "w") as z:  # stored (not deflated) members
        z.writestr("a/b/c/LoD2_extra.gml", _fzk_tile(shared_data, 999))
    (folder / "Anleitung.pdf").write_bytes(b"%PDF-1.4")
    delivery_files = collect_delivery([folder])
    names = [f.display for f in delivery_files.files]
    assert f"{folder / 'fzk.zip'}!/a/b/c/LoD2_extra.gml" in names
    assert sum(f"{folder / '2024' / 'lod2.zip'}!/" in n for n in names) == TILES + 3
    result = import_citymodel([folder], tmp_path / "f.gpkg", None, "highest", CollectingReporter())
    assert result.buildings == imported[1].buildings + 1  # the zip's content and tile 999


def test_tiles_with_different_crs_name_both_files(shared_data, tmp_path):
    target = tmp_path / "mixed.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml", "a/hamburg.xml")
        z.write(shared_data / "cityjson/cjio/delft.json", "b/delft.json")
    with pytest.raises(InputError, match="EPSG:7415|EPSG:28992") as err:
        import_citymodel([target], tmp_path / "m.gpkg")
    assert f"{target}!/b/delft.json" in str(err.value) and f"{target}!/a/hamburg.xml" in str(err.value)
    assert "EPSG:7415" in str(err.value) or "EPSG:28992" in str(err.value)
    assert not (tmp_path / "m.gpkg").exists()


def test_encrypted_member_is_refused(shared_data, tmp_path):
    """Python writes no encryption, so the member's 'encrypted' flag is set as a zip tool sets it."""
    target = tmp_path / "secret.zip"
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("tiles/LoD2_secret.gml", b"\x00" * 64)
    data = bytearray(target.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # general purpose flag, bit 0
        at = data.index(signature) + offset
        data[at] |= 0x1
    target.write_bytes(bytes(data))
    assert zipfile.ZipFile(target).infolist()[0].flag_bits & 0x1
    with pytest.raises(InputError, match=r"secret\.zip!/tiles/LoD2_secret\.gml: refused: the member is encrypted"):
        import_citymodel([target], tmp_path / "s.gpkg")


def test_broken_archives(shared_data, tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml", "LoD2.xml")
    data = good.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a readable zip archive"):
        import_citymodel([cut], tmp_path / "x.gpkg")
    # a flipped byte in the deflated data: a CRC or inflate error, named with the member
    corrupt = bytearray(data)
    corrupt[len(data) // 2] ^= 0xFF
    bad = tmp_path / "crc.zip"
    bad.write_bytes(bytes(corrupt))
    with pytest.raises(InputError, match=r"crc\.zip!/LoD2\.xml"):
        import_citymodel([bad], tmp_path / "x.gpkg")
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "nothing here")
    with pytest.raises(InputError, match="no city model files .* in the zip archive"):
        import_citymodel([empty], tmp_path / "x.gpkg")
    only_junk = tmp_path / "junk"
    only_junk.mkdir()
    (only_junk / "meta.xml").write_text('<a xmlns="urn:x"/>')
    with pytest.raises(InputError, match=r"no city model files found in the inputs \(not read: .*meta\.xml"):
        import_citymodel([only_junk], tmp_path / "x.gpkg")


def test_member_inflation_limit_and_total_limit(shared_data, tmp_path):
    hamburg = (shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml").read_bytes()
    target = tmp_path / "two.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/LoD2.xml", hamburg)
        z.writestr("b/LoD2.xml.gz", gzip.compress(hamburg.replace(b'gml:id="', b'gml:id="b_')))
    size_mb = len(hamburg) / (1 << 20)
    with pytest.raises(InputError, match=r"two\.zip!/a/LoD2\.xml: refused: inflates to more than .* MAX_INFLATED_MB"):
        import_citymodel([target], tmp_path / "x.gpkg", limits=Limits.from_mb(max_inflated_mb=size_mb / 2))
    ok = import_citymodel([target], tmp_path / "ok.gpkg", limits=Limits.from_mb(max_inflated_mb=size_mb * 1.5))
    assert ok.buildings == 2 * 47
    with pytest.raises(InputError, match="the delivery inflates to more than"):
        import_citymodel([target], tmp_path / "x.gpkg",
                         limits=Limits(max_total_inflated=int(len(hamburg) * 1.5)))
    with pytest.raises(InputError, match="MAX_INFLATED_MB must be a positive number"):
        Limits.from_mb(max_inflated_mb=0)


def test_progress_per_member_and_cancel(delivery, tmp_path):
    class Recorder(CollectingReporter):
        def __init__(self, stop_at: int | None = None):
            super().__init__()
            self.steps: list[float] = []
            self.stop_at = stop_at
            self.checks = 0

        def progress(self, percent: float) -> None:
            self.steps.append(percent)

        def is_cancelled(self) -> bool:
            self.checks += 1
            return self.stop_at is not None and self.checks >= self.stop_at

    rec = Recorder()
    import_citymodel([delivery], tmp_path / "p.gpkg", None, "highest", rec)
    assert rec.steps == sorted(rec.steps) and rec.steps[-1] == 100.0
    assert len({round(s, 6) for s in rec.steps}) >= TILES + 3
    assert sum(i.startswith("reading ") for i in rec.infos) == TILES + 3
    # cancelled in the middle of the run (between or within members): no output is left behind
    stop = Recorder(stop_at=rec.checks // 2)
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        import_citymodel([delivery], tmp_path / "c.gpkg", None, "highest", stop)
    assert not (tmp_path / "c.gpkg").exists()


def test_members_are_streamed_not_extracted(delivery, tmp_path, monkeypatch):
    """Reading a delivery writes nothing but the GeoPackage: no member is extracted to disk."""
    import tempfile
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "out" / "x.gpkg"
    out.parent.mkdir()
    import_citymodel([delivery], out, None, "highest", CollectingReporter())
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.gpkg"]


def test_gzip_single_file_and_junk_named_directly(shared_data, tmp_path):
    gz = tmp_path / "LoD2.xml.gz"
    gz.write_bytes(gzip.compress((shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml").read_bytes()))
    assert import_citymodel([gz], tmp_path / "g.gpkg").buildings == 47
    pdf = tmp_path / "lieferschein.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="unknown file content"):
        import_citymodel([pdf], tmp_path / "g2.gpkg")


def test_algorithm_reads_a_zip_delivery_and_passes_the_limits(run_alg, shared_data, tmp_path):
    from qgis.core import QgsProcessingException

    tile = shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
    target = tmp_path / "LoD2_HH.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(tile, "LoD2/LoD2_576_5950_1_HH.xml")
        z.writestr("LoD2/Nutzungsbedingungen.pdf", b"%PDF-1.4")
    out = tmp_path / "hh.gpkg"
    results = run_alg("geotwin:importcitymodel", {"INPUT": [str(target)], "OUTPUT": str(out)})
    assert results["TERRAIN"] == f"{out}|layername=terrain"
    assert results["SKIPPED"] == 0
    sources = pyogrio.read_dataframe(out, layer="sources")
    assert list(sources.source_file) == [f"{target}!/LoD2/LoD2_576_5950_1_HH.xml"]
    assert len(pyogrio.read_dataframe(out, layer="buildings")) == 47 + 71
    assert tile.stat().st_size > 1 << 20  # the smallest limit the algorithm takes is 1 MiB
    with pytest.raises(QgsProcessingException, match=r"LoD2_576_5950_1_HH\.xml: refused: inflates to more than 1 MiB"):
        run_alg("geotwin:importcitymodel", {"INPUT": [str(target)], "OUTPUT": str(tmp_path / "x.gpkg"),
                                            "MAX_INFLATED_MB": 1})
    denhaag = shared_data / "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json"
    with pytest.raises(QgsProcessingException, match="larger than 1 MiB"):
        run_alg("geotwin:importcitymodel", {"INPUT": [str(denhaag)], "OUTPUT": str(tmp_path / "y.gpkg"),
                                            "MAX_JSON_MB": 1})
