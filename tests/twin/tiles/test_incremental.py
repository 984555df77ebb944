"""Incremental 3D Tiles export on the Hamburg 2016 -> 2022 tile: after an incremental twin rebuild, re-exporting
into the same folder rewrites only the tiles whose buildings changed (changes computed here from the raw XML),
keeps the others byte-identical with their mtime, equals a from-scratch export, and stays atomic."""
from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path

import pytest
from lxml import etree

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.kernel.errors import Cancelled
from geotwin.twin.kernel.progress import CollectingReporter, Reporter
from geotwin.twin.store import open_store
from geotwin.twin.tiles.export import REPORT_NAME, ExportOptions, export_3dtiles
from geotwin.twin.tiles.reader import Tile

TILE = "LoD2_576_5950_1_HH.xml"
BLDG = "http://www.opengis.net/citygml/building/1.0"
GML = "http://www.opengis.net/gml"
# small leaves: the one-square-kilometre tile becomes a tree of about 20 tiles
OPTIONS = dict(viewer=False, leaf_max_buildings=8)


def raw_objects(path: Path) -> dict[str, str]:
    """gml:id -> digest of each Building / BuildingPart's own XML (its parts cut out), read with lxml."""
    out = {}
    for el in etree.parse(str(path)).iter(f"{{{BLDG}}}Building", f"{{{BLDG}}}BuildingPart"):
        own = copy.deepcopy(el)
        for part in own.findall(f"{{{BLDG}}}consistsOfBuildingPart"):
            own.remove(part)
        out[el.get(f"{{{GML}}}id")] = hashlib.sha256(etree.tostring(own, method="c14n")).hexdigest()
    return out


def changed_ids(old: dict[str, str], new: dict[str, str]) -> set[str]:
    return (set(old) ^ set(new)) | {k for k in set(old) & set(new) if old[k] != new[k]}


def edit_2022(src: Path, target: Path) -> Path:
    """The 2022 tile with its first building that has parts deleted, one part's measuredHeight changed and
    the first building without parts raised by 0.5 m."""
    tree = etree.parse(str(src))
    buildings = list(tree.iter(f"{{{BLDG}}}Building"))
    with_parts = [b for b in buildings if b.find(f"{{{BLDG}}}consistsOfBuildingPart") is not None]
    without = [b for b in buildings if b.find(f"{{{BLDG}}}consistsOfBuildingPart") is None]
    member = with_parts[0].getparent()
    member.getparent().remove(member)
    height = with_parts[1].find(f".//{{{BLDG}}}BuildingPart/{{{BLDG}}}measuredHeight")
    height.text = f"{float(height.text) + 1.25:.3f}"
    for pos in without[0].iter(f"{{{GML}}}posList", f"{{{GML}}}pos"):
        values = [float(v) for v in pos.text.split()]
        pos.text = " ".join(f"{v + 0.5:.3f}" if i % 3 == 2 else repr(v) for i, v in enumerate(values))
    target.mkdir(parents=True)
    path = target / TILE
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return path


def snapshot(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Relative path -> (SHA-256, mtime_ns, inode) of every tile file."""
    out = {}
    for p in sorted((folder / "tiles").rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(folder))] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_ino)
    return out


def tile_ids(folder: Path) -> dict[str, set[str]]:
    """Content uri -> ids of the features in its property table."""
    tileset = json.loads((folder / "tileset.json").read_text())
    out = {}

    def walk(tile):
        if "content" in tile:
            out[tile["content"]["uri"]] = set(Tile.open(folder / tile["content"]["uri"]).property_table()["id"])
        for c in tile.get("children", []):
            walk(c)

    walk(tileset["root"])
    return out


def expected_rewrites(before: dict[str, set[str]], after: dict[str, set[str]], changed: set[str]) -> set[str]:
    """Tiles that are new, whose set of buildings changed, or that hold a changed building."""
    return {uri for uri, ids in after.items() if before.get(uri) != ids or ids & changed}


def check_incremental(out: Path, before_files, before_ids, changed: set[str]) -> set[str]:
    after_files, after_ids = snapshot(out), tile_ids(out)
    expected = expected_rewrites(before_ids, after_ids, changed)
    report = json.loads((out / REPORT_NAME).read_text())
    assert set(report["incremental"]["rewritten"]) == expected
    for uri in set(after_ids) - expected:  # untouched: same bytes, same mtime, the same file (hard link)
        assert after_files[uri] == before_files[uri], uri
    for uri in expected & set(before_files):
        assert after_files[uri][1:] != before_files[uri][1:], uri  # written anew
    return expected


@pytest.fixture(scope="module")
def hamburg(shared_data, tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("incremental")
    tiles = {year: shared_data / f"citygml/hamburg/{year}" / TILE for year in (2016, 2022)}
    edited = edit_2022(tiles[2022], work / "edited")
    return {"work": work, "2016": tiles[2016], "2022": tiles[2022], "edited": edited,
            "raw": {k: raw_objects(v) for k, v in (("2016", tiles[2016]), ("2022", tiles[2022]),
                                                   ("edited", edited))}}


def test_incremental_export_rewrites_only_changed_tiles(hamburg):
    work, raw = hamburg["work"], hamburg["raw"]
    twin, out = work / "twin.gpkg", work / "tiles"
    store = open_store(twin)
    build_twin(store, BuildInputs(citymodel=[str(hamburg["2016"])]))
    first = export_3dtiles(twin, out, ExportOptions(**OPTIONS), CollectingReporter())
    assert len(first.report["incremental"]["rewritten"]) == first.report["sizes"]["tiles"] >= 15

    # 2016 -> 2022: the LGV re-issued every gml:id, so every building changed and every tile is rewritten
    before_files, before_ids = snapshot(out), tile_ids(out)
    build_twin(store, BuildInputs(citymodel=[str(hamburg["2022"])]))
    second = export_3dtiles(twin, out, ExportOptions(**OPTIONS), CollectingReporter())
    changed = changed_ids(raw["2016"], raw["2022"])
    assert len(changed) == 236
    tw = second.report["twin"]["changes"]
    assert set(tw["added"]) | set(tw["removed"]) | set(tw["modified"]) == changed
    assert check_incremental(out, before_files, before_ids, changed) == set(tile_ids(out))

    # 2022 -> edited 2022: one building (with its parts) removed, one part and one building modified
    before_files, before_ids = snapshot(out), tile_ids(out)
    build_twin(store, BuildInputs(citymodel=[str(hamburg["edited"])]))
    third = export_3dtiles(twin, out, ExportOptions(**OPTIONS), CollectingReporter())
    changed = changed_ids(raw["2022"], raw["edited"])
    removed = set(raw["2022"]) - set(raw["edited"])
    assert len(removed) >= 2 and len(changed - removed) == 2 and not set(raw["edited"]) - set(raw["2022"])
    tw = third.report["twin"]["changes"]
    assert set(tw["removed"]) == removed and set(tw["modified"]) == changed - removed and not tw["added"]
    rewritten = check_incremental(out, before_files, before_ids, changed)
    total = third.report["sizes"]["tiles"]
    assert 0 < len(rewritten) < total / 2, (len(rewritten), total)
    assert len(third.report["incremental"]["reused"]) == total - len(rewritten)

    # the result equals a from-scratch export of the same twin content, file by file
    scratch_twin = work / "scratch.gpkg"
    build_twin(open_store(scratch_twin), BuildInputs(citymodel=[str(hamburg["edited"])]))
    scratch = work / "scratch"
    export_3dtiles(scratch_twin, scratch, ExportOptions(**OPTIONS), CollectingReporter())
    assert {k: v[0] for k, v in snapshot(out).items()} == {k: v[0] for k, v in snapshot(scratch).items()}
    for name in ("tileset.json", "metadata_schema.json"):
        assert (out / name).read_bytes() == (scratch / name).read_bytes(), name


class _CancelAt(Reporter):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def is_cancelled(self) -> bool:
        self.n -= 1
        return self.n < 0


def test_failed_incremental_export_leaves_previous_tileset(hamburg, tmp_path):
    twin, out = tmp_path / "twin.gpkg", tmp_path / "tiles"
    store = open_store(twin)
    build_twin(store, BuildInputs(citymodel=[str(hamburg["2022"])]))
    export_3dtiles(twin, out, ExportOptions(**OPTIONS), CollectingReporter())
    before = snapshot(out)
    report_before = (out / REPORT_NAME).read_bytes()
    build_twin(store, BuildInputs(citymodel=[str(hamburg["edited"])]))
    with pytest.raises(Cancelled, match="^cancelled by the user$"):  # cancelled while tiles are being linked and written
        export_3dtiles(twin, out, ExportOptions(**OPTIONS), _CancelAt(12))
    assert snapshot(out) == before and (out / REPORT_NAME).read_bytes() == report_before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tiles.")]  # no temporary folder left
    # and the next run still reuses the intact previous tiles
    result = export_3dtiles(twin, out, ExportOptions(**OPTIONS), CollectingReporter())
    assert result.report["incremental"]["reused"]
    assert os.path.exists(out / "tileset.json")
