"""The conformance harness (scripts/conformance.py) and the corpus fetcher (scripts/fetch_corpus.py).

Runs the real chain (import -> twin -> 3D Tiles) on three fast shared/data files and checks the table rows
against counts made here independently of both the importer and the harness.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geotwin.tests.paths import ROOT


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


conformance = _load("conformance")
fetch_corpus = _load("fetch_corpus")

HAMBURG = "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml"
ZURICH = "cityjson/cjio/zurich_subset_lod2.json"
FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"


@pytest.fixture(scope="module")
def three_files(shared_data, tmp_path_factory):
    """The harness run over one CityGML, one CityJSON and one IFC file of shared/data."""
    out = tmp_path_factory.mktemp("conformance")
    cases = [conformance.Case(str(shared_data / p), conformance.kind_of(shared_data / p), "shared/data", id=p)
             for p in (HAMBURG, ZURICH, FZK)]
    # the validator's own verdict is tested apart (test_validator_*): these rows are about counts and placement
    results, text = conformance.run_all(cases, out, timeout=600, echo=False, validator=None)
    return {Path(r["case"]["path"]).name: r for r in results}, text, out


def _row(text: str, name: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {name} |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_citygml_row_counts_equal_an_independent_count(three_files, shared_data):
    results, text, _ = three_files
    from lxml import etree

    tree = etree.parse(str(shared_data / HAMBURG))
    ns = {"bldg": "http://www.opengis.net/citygml/building/1.0"}
    buildings = len(tree.findall(".//bldg:Building", ns))
    parts = len(tree.findall(".//bldg:BuildingPart", ns))
    assert (buildings, parts) == (47, 71)        # the README's numbers for this tile
    result = results["LoD2_576_5950_1_HH.xml"]
    assert result["status"] == "PASS", result["reasons"]
    assert result["stages"]["import"]["buildings"] + result["stages"]["import"]["parts"] == buildings + parts
    row = _row(text, "LoD2_576_5950_1_HH.xml")
    assert row[4] == f"{buildings + parts} / {buildings + parts} / 0"
    assert row[5].startswith("CRS EPSG:25832 ok; extent inside")
    assert row[6] == "no" and row[8] == "PASS"
    assert result["stages"]["placement"]["tileset_contains_centre"] is True


def test_cityjson_row_counts_equal_a_json_count(three_files, shared_data):
    results, text, _ = three_files
    doc = json.loads((shared_data / ZURICH).read_text(encoding="utf-8"))
    expected = sum(o["type"] in ("Building", "BuildingPart") for o in doc["CityObjects"].values())
    row = _row(text, "zurich_subset_lod2.json")
    assert row[4] == f"{expected} / {expected} / 0"
    assert "EPSG:2056 ok" in row[5]
    assert results["zurich_subset_lod2.json"]["status"] == "PASS"


def test_ifc_row_counts_equal_ifcopenshell_and_the_site_is_placed_by_pyproj(three_files, shared_data):
    import ifcopenshell

    results, text, _ = three_files
    model = ifcopenshell.open(str(shared_data / FZK))
    kinds = ("IfcWall", "IfcSlab", "IfcWindow", "IfcDoor", "IfcSpace")
    assert [len(model.by_type(k)) for k in kinds] == [13, 4, 11, 5, 7]  # the README's FZK-Haus inventory
    with_geometry = [p for p in model.by_type("IfcProduct") if p.Representation
                     and (p.is_a("IfcElement") or p.is_a("IfcSpace"))
                     and not p.is_a("IfcFeatureElement") and not p.is_a("IfcVirtualElement")]
    result = results["AC20-FZK-Haus.ifc"]
    assert result["stages"]["count"]["expected"] == len(with_geometry)
    assert result["stages"]["import"]["imported"] == len(with_geometry)
    assert "ARCHICAD" in result["stages"]["count"]["tool"]
    assert result["stages"]["placement"]["ok"] is True
    assert result["stages"]["placement"]["deviation_m"] < 0.01
    assert _row(text, "AC20-FZK-Haus.ifc")[8] == "PASS"


def test_results_are_written_as_markdown_and_json(three_files):
    _, text, out = three_files
    assert (out / "latest.md").read_text(encoding="utf-8") == text
    doc = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert doc["meta"]["files"] == 3 and doc["meta"]["by_status"] == {"PASS": 3}
    assert text.splitlines()[4].startswith("| file | source | format/tool | state |")


def test_a_broken_file_is_rejected_cleanly_and_is_no_crash(tmp_path):
    bad = tmp_path / "truncated.ifc"
    bad.write_text("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('x'),'2;1');\n", encoding="utf-8")
    results, text = conformance.run_all([conformance.Case(str(bad), "ifc", "test")], tmp_path / "out", 300,
                                        echo=False)
    assert results[0]["status"] == "REJECTED" and results[0]["crash"] is False
    assert results[0]["failed_stage"] == "import"
    assert "truncated.ifc" in results[0]["stages"]["import"]["error"]
    assert "### truncated.ifc (REJECTED, stage import)" in text


def test_a_worker_that_does_not_finish_is_a_crash_and_the_exit_code_says_so(tmp_path, shared_data):
    case = conformance.Case(str(shared_data / HAMBURG), "citygml", "test")
    result = conformance.run_case(case, tmp_path, timeout=0.05)
    assert result["status"] == "CRASH" and result["crash"] is True
    assert result["reasons"][0] == "timeout after 0 s"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "conformance.py"), "--files",
                           str(shared_data / HAMBURG), "--out-dir", str(tmp_path / "out"), "--timeout", "0.05"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "| LoD2_576_5950_1_HH.xml | command line |" in proc.stdout and "| CRASH |" in proc.stdout


@pytest.mark.parametrize("srs, epsg", [
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH", 25832),
    ("urn:adv:crs:ETRS89_UTM32*DE_DHHN2016_NH*GCG2016", 25832),
    ("urn:adv:crs:ETRS89_UTM33*DE_DHHN2016_NH", 25833),
    ("urn:ogc:def:crs:EPSG::25833", 25833),
    ("EPSG:25832", 25832),
    ("urn:ogc:def:crs,crs:EPSG:6.12:25833,crs:EPSG:6.12:5783", 25833),
    ("https://www.opengis.net/def/crs/EPSG/0/7415", 28992),   # compound: its horizontal part
    ("urn:adv:crs:DE_DHDN_3GK3*DE_DHHN92_NH", 31467),
    ("local", None),
    (None, None),
])
def test_independent_srs_reading(srs, epsg):
    assert conformance.horizontal_epsg(srs) == epsg


def test_a_zip_of_tiles_is_counted_over_all_members(tmp_path, shared_data):
    archive = tmp_path / "tiles.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(shared_data / HAMBURG, "a/LoD2_576_5950_1_HH.xml")
        zf.write(shared_data / "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml", "b/LoD2_576_5950_1_HH.xml")
        zf.writestr("readme.txt", "not a city model")
    counts = conformance.count_citygml(archive)
    assert counts["members"] == 2
    assert (counts["Building"], counts["BuildingPart"]) == (47 + 46, 71 + 72)
    assert conformance.kind_of(archive) == "citygml"


def _git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_fetch_corpus_copies_from_a_mirror_builds_zips_and_lists_what_is_missing(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    _git("init", "-q", cwd=work)
    (work / "a.gml").write_text("<CityModel/>", encoding="utf-8")
    (work / "lfs.gml").write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\n", encoding="utf-8")
    _git("add", ".", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x", cwd=work)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, capture_output=True, text=True).stdout.strip()
    mirror = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror / "o+r" / "repo")], check=True)
    manifest = tmp_path / "corpus.json"
    manifest.write_text(json.dumps({"items": [
        {"id": "a", "kind": "citygml", "repository": "o/r", "commit": commit, "path": "a.gml", "dest": "x/a.gml"},
        {"id": "lfs", "kind": "citygml", "repository": "o/r", "commit": commit, "path": "lfs.gml", "dest": "x/l.gml"},
        {"id": "gone", "kind": "citygml", "repository": "o/r", "commit": commit, "path": "no.gml", "dest": "x/n.gml"},
        {"id": "nomirror", "kind": "ifc", "repository": "o/none", "commit": commit, "path": "a", "dest": "y/a.ifc"},
        {"id": "zip", "kind": "citygml", "dest": "x/a.zip", "derived": {"type": "zip", "members": ["a"]}},
        {"id": "zip2", "kind": "citygml", "dest": "x/b.zip", "derived": {"type": "zip", "members": ["gone"]}},
    ]}), encoding="utf-8")
    corpus = tmp_path / "corpus"
    records = {r["id"]: r for r in fetch_corpus.fetch(manifest, mirror, corpus)}
    assert records["a"]["status"] == "fetched" and (corpus / "x/a.gml").read_text() == "<CityModel/>"
    assert records["lfs"] == {"id": "lfs", "kind": "citygml", "dest": "x/l.gml", "status": "not fetched",
                              "reason": "the file is a Git LFS pointer, not the data"}
    assert records["gone"]["status"] == "not fetched" and "no.gml" in records["gone"]["reason"]
    assert records["nomirror"]["reason"].startswith("no mirror of o/none")
    with zipfile.ZipFile(corpus / "x/a.zip") as zf:
        assert zf.namelist() == ["a.gml"]
    assert records["zip2"]["reason"] == "members not fetched: gone"
    assert json.loads((corpus / "fetched.json").read_text()) == list(records.values())
    # the harness takes exactly the fetched items, described by the manifest
    cases = conformance.corpus_cases(corpus, manifest)
    assert [c.id for c in cases] == ["a", "zip"]
    assert cases[1].source == "derived: zip of a"
    assert [m["id"] for m in conformance.not_fetched(corpus)] == ["lfs", "gone", "nomirror", "zip2"]


def test_the_manifest_names_five_states_and_six_tools():
    items = json.loads((ROOT / "conformance" / "corpus.json").read_text(encoding="utf-8"))["items"]
    for item in items:
        assert set(item) >= {"id", "kind", "dest", "licence", "quirk"}
        assert item.get("derived") or {"repository", "commit", "path"} <= set(item)
        assert not Path(item["dest"]).is_absolute() and ".." not in Path(item["dest"]).parts
    states = {i["state"] for i in items if i["kind"] in ("citygml", "cityjson")} | {"HH"}  # HH: shared/data
    tools = {i["tool"].split()[0] for i in items if i["kind"] == "ifc"} | {"ARCHICAD"}    # FZK: shared/data
    assert len(states) >= 5 and len(tools) >= 6


def _stub(tmp_path: Path, body: str) -> Path:
    """A stand-in for scripts/validator.sh with its interface (TILESET REPORT; exit 3 = not built)."""
    script = tmp_path / "validator.sh"
    script.write_text("#!/usr/bin/env bash\n" + body + "\n", encoding="utf-8")
    return script


def test_validator_not_built_is_reported_not_failed(tmp_path):
    result = conformance.run_validator(tmp_path / "tileset.json", tmp_path / "r.json", _stub(tmp_path, "exit 3"))
    assert result == {"ran": False, "text": "validator not built"}
    assert conformance.run_validator(tmp_path / "tileset.json", tmp_path / "r.json", None) == \
        {"ran": False, "text": "no scripts/validator.sh"}


def test_validator_errors_and_warnings_come_from_its_report_and_errors_fail_the_file(tmp_path):
    report = {"numErrors": 2, "numWarnings": 1, "numInfos": 0, "issues": [
        {"type": "CONTENT_VALIDATION_ERROR", "severity": "ERROR", "message": "a.glb caused errors", "causes": [
            {"type": "CONTENT_VALIDATION_INFO", "severity": "INFO", "message": "not supported"},
            {"type": "METADATA_INVALID_LENGTH", "severity": "ERROR", "message": "buffer view with index 6"}]},
        {"type": "CONTENT_VALIDATION_ERROR", "severity": "ERROR", "message": "b.glb caused errors", "causes": [
            {"type": "METADATA_INVALID_LENGTH", "severity": "ERROR", "message": "buffer view with index 26"}]},
        {"type": "INTERNAL_ERROR", "severity": "ERROR", "message": "x"}]}
    script = _stub(tmp_path, f"echo '{json.dumps(report)}' > \"$2\"")
    result = conformance.run_validator(tmp_path / "tileset.json", tmp_path / "r.json", script)
    assert result["ran"] is True and (result["errors"], result["warnings"]) == (2, 1)
    # the innermost errors, each kind once; infos left out
    assert result["issues"] == ["METADATA_INVALID_LENGTH: buffer view with index N", "INTERNAL_ERROR: x"]
    data = {"case": {"kind": "citygml"}, "crash": False,
            "stages": {"count": {"expected": 3}, "import": {"ok": True, "imported": 3, "skipped": 0},
                       "placement": {"ok": True}, "validator": result}}
    conformance.classify(data)
    assert data["status"] == "FAIL" and data["failed_stage"] == "validator"
    assert data["reasons"] == ["validator: 2 errors (METADATA_INVALID_LENGTH: buffer view with index N; "
                               "INTERNAL_ERROR: x)"]


def test_a_validator_without_a_report_is_named_with_its_message(tmp_path):
    result = conformance.run_validator(tmp_path / "t.json", tmp_path / "r.json",
                                       _stub(tmp_path, "echo 'node: not found' >&2; exit 4"))
    assert result == {"ran": False, "text": "validator exited 4 without a report: node: not found"}


def test_a_crs_override_from_the_manifest_is_used_and_checked(tmp_path, shared_data):
    """rotterdam_subset.json states no CRS: rejected as shipped, imported with the override a user would give."""
    path = str(shared_data / "cityjson/cjio/rotterdam_subset.json")
    cases = [conformance.Case(path, "cityjson", "test", id="plain"),
             conformance.Case(path, "cityjson", "test", id="override", crs_override="EPSG:7415")]
    results, text = conformance.run_all(cases, tmp_path, 600, echo=False, validator=None)
    plain, override = results
    assert plain["status"] == "REJECTED"
    assert "states no CRS" in plain["stages"]["import"]["error"]
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    expected = sum(o["type"] in ("Building", "BuildingPart") for o in doc["CityObjects"].values())
    # every building imported; the file's degenerate rings are dropped surfaces, reported: WARN, not FAIL
    assert override["status"] == "WARN" and override["reasons"] == []
    assert override["stages"]["import"]["imported"] == expected
    assert override["stages"]["import"]["skipped"] > 0
    assert all("surface dropped" in w for w in override["stages"]["import"]["warnings"])
    assert override["stages"]["import"]["crs"] == "EPSG:28992"          # the horizontal part of 7415
    assert override["stages"]["placement"]["text"].startswith("CRS EPSG:28992 ok")
    assert "[CRS override EPSG:7415]" in text


@pytest.mark.parametrize("kind, count, imported, skipped, status", [
    ("citygml", {"expected": 5}, 5, 0, "PASS"),
    ("citygml", {"expected": 5}, 5, 7, "WARN"),      # dropped surfaces of imported buildings
    ("citygml", {"expected": 5}, 3, 2, "WARN"),      # two objects skipped and reported
    ("citygml", {"expected": 5}, 3, 0, "FAIL"),      # two objects lost without a word
    ("citygml", {"expected": 5}, 6, 0, "FAIL"),      # more than the file holds
    ("ifc", {"expected": 4, "products": 6}, 6, 0, "PASS"),
    ("ifc", {"expected": 4, "products": 6}, 4, 2, "WARN"),
    ("ifc", {"expected": 4, "products": 6}, 4, 0, "FAIL"),
])
def test_count_verdicts(kind, count, imported, skipped, status):
    data = {"case": {"kind": kind}, "crash": False,
            "stages": {"count": count, "import": {"ok": True, "imported": imported, "skipped": skipped},
                       "placement": {"ok": True}, "validator": {"ran": True, "errors": 0, "warnings": 0}}}
    conformance.classify(data)
    assert data["status"] == status
    assert (data["failed_stage"] == "count") == (status == "FAIL")


def test_a_file_without_objects_is_a_warning_when_nothing_can_be_tiled():
    data = {"case": {"kind": "citygml"}, "crash": False,
            "stages": {"count": {"expected": 0}, "import": {"ok": True, "imported": 0, "skipped": 0},
                       "placement": {"ok": True}, "twin": {"ok": True},
                       "tiles": {"ok": False, "clean": True, "error": "InputError: no building with geometry"}}}
    conformance.classify(data)
    assert data["status"] == "WARN" and data["reasons"] == []
    assert data["notes"] == ["tiles: nothing to build from a file without objects (InputError: no building "
                             "with geometry)"]
    data["stages"]["count"]["expected"] = 2     # objects in the file, none tiled: a failure
    data["stages"]["import"]["imported"] = 2
    conformance.classify(data)
    assert data["status"] == "FAIL" and data["failed_stage"] == "tiles"


def test_the_command_line_takes_a_crs_override_for_its_files(tmp_path, shared_data):
    import os

    stub = _stub(tmp_path, "exit 3")
    path = shared_data / "cityjson/cjio/rotterdam_subset.json"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "conformance.py"), "--files", str(path),
                           "--crs", "EPSG:7415", "--out-dir", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False,
                          env=dict(os.environ, GEOTWIN_VALIDATOR_SH=str(stub)))
    assert proc.returncode == 0, proc.stderr
    row = _row(proc.stdout, "rotterdam_subset.json")
    assert row[2] == "cityjson [CRS override EPSG:7415]"
    assert row[4].startswith("16 / 16 / ") and row[5].startswith("CRS EPSG:28992 ok")
    assert row[7] == "validator not built"


def test_cityjsonseq_packaging_keeps_every_object_and_coordinate(shared_data):
    doc = json.loads((shared_data / ZURICH).read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in fetch_corpus.to_cityjsonseq(doc).splitlines()]
    header, features = lines[0], lines[1:]
    assert header["type"] == "CityJSON" and header["CityObjects"] == {} and header["vertices"] == []
    assert header["transform"] == doc["transform"] and header["metadata"] == doc["metadata"]
    assert all(f["type"] == "CityJSONFeature" for f in features)
    tops = [k for k, o in doc["CityObjects"].items() if not o.get("parents")]
    assert [f["id"] for f in features] == tops
    seen = {k: o for f in features for k, o in f["CityObjects"].items()}
    assert set(seen) == set(doc["CityObjects"])

    def flat(b):
        return [x for y in b for x in flat(y)] if isinstance(b, list) else [b]

    for f in features:
        for oid, obj in f["CityObjects"].items():
            assert ("geometry" in obj) == ("geometry" in doc["CityObjects"][oid])
            for ours, theirs in zip(obj.get("geometry", []), doc["CityObjects"][oid].get("geometry", [])):
                assert [f["vertices"][i] for i in flat(ours["boundaries"])] == \
                    [doc["vertices"][i] for i in flat(theirs["boundaries"])]
        used = flat([g["boundaries"] for o in f["CityObjects"].values() for g in o.get("geometry", [])])
        assert sorted(set(used)) == list(range(len(f["vertices"])))   # each feature holds exactly its vertices
