"""No silent drops: for every real CityGML and CityJSON file, every top-level city object is imported (a
building, or terrain) or a skipped_objects row with its reason; checked against lxml / json counts."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyogrio
import pytest
from lxml import etree

from geotwin.tests.paths import SHARED_DATA
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter

from .conftest import import_with_rd_fallback

DATA = SHARED_DATA
CITYGML = sorted((DATA / "citygml").rglob("*.gml")) + sorted((DATA / "citygml").rglob("*.xml"))
CITYJSON = sorted((DATA / "cityjson").rglob("*.json"))


def _citygml_top_level(path: Path) -> dict[str, str]:
    """gml:id -> type of every child of a cityObjectMember, independently with lxml."""
    out = {}
    for member in etree.parse(str(path)).iter("{*}cityObjectMember"):
        for child in member:
            if isinstance(child.tag, str):
                gid = child.get("{http://www.opengis.net/gml}id") or child.get("{http://www.opengis.net/gml/3.2}id")
                out[gid] = etree.QName(child).localname
    return out


def _import(path: Path, tmp_path: Path):
    out = tmp_path / "m.gpkg"
    result = import_with_rd_fallback(path, out)
    layers = {name: pyogrio.read_dataframe(out, layer=name) for name in ("buildings", "terrain", "skipped_objects")}
    return result, layers


@pytest.mark.parametrize("path", CITYGML, ids=lambda p: p.name)
def test_citygml_imported_plus_skipped_is_every_top_level_object(path, tmp_path):
    expected = _citygml_top_level(path)
    assert expected
    result, layers = _import(path, tmp_path)
    buildings = layers["buildings"]
    top = set(buildings[buildings.parent_id.fillna("") == ""].id)
    reliefs = set(layers["terrain"].feature_id)
    skipped = layers["skipped_objects"]
    skipped_top = set(skipped.object_id) & set(expected)
    assert not (top & skipped_top), "an object both imported and skipped"
    assert top | reliefs | skipped_top == set(expected)
    assert len(top) + len(reliefs) + len(skipped_top) == len(expected)
    # every object of another type has its "not imported" row
    for oid, kind in expected.items():
        if kind not in ("Building", "ReliefFeature"):
            assert skipped[skipped.object_id == oid].reason.str.startswith("not imported: ").all()


@pytest.mark.parametrize("path", CITYJSON, ids=lambda p: p.name)
def test_cityjson_imported_plus_skipped_is_every_city_object(path, tmp_path):
    objects = json.loads(path.read_text())["CityObjects"]
    result, layers = _import(path, tmp_path)
    imported = set(layers["buildings"].id) | set(layers["terrain"].relief_id)
    skipped = layers["skipped_objects"]
    skipped_ids = set(skipped.object_id) & set(objects)
    assert not (imported & skipped_ids)
    assert imported | skipped_ids == set(objects)
    assert len(imported) + len(skipped_ids) == len(objects)
    kinds = Counter(o["type"] for o in objects.values())
    not_imported = sum(n for k, n in kinds.items() if k not in ("Building", "BuildingPart", "TINRelief"))
    assert result.not_imported == not_imported
    assert skipped.reason.str.startswith("not imported: ").sum() == not_imported


OTHER_MODULES = {  # CityGML 1.0 module namespace -> one top-level feature type of it
    "tran": ("transportation", "Road"), "veg": ("vegetation", "SolitaryVegetationObject"),
    "wtr": ("waterbody", "WaterBody"), "frn": ("cityfurniture", "CityFurniture"),
    "gen": ("generics", "GenericCityObject"), "luse": ("landuse", "LandUse"), "brid": ("bridge", "Bridge"),
    "tun": ("tunnel", "Tunnel"), "grp": ("cityobjectgroup", "CityObjectGroup"),
}


def test_every_other_citygml_feature_type_is_a_row(shared_data, tmp_path):
    """The real Hamburg tile plus one member of each other CityGML module: each is a 'not imported' row."""
    text = (shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml").read_text(encoding="utf-8")
    declarations = " ".join(f'xmlns:{p}="http://www.opengis.net/citygml/{m}/1.0"'
                            for p, (m, _) in OTHER_MODULES.items() if p != "gen")
    text = text.replace("xmlns:gml=", f"{declarations} xmlns:gml=", 1)
    members = "".join(f'<core:cityObjectMember><{p}:{kind} gml:id="OTHER_{p}"><gml:name>{kind}</gml:name>'
                      f"</{p}:{kind}></core:cityObjectMember>\n" for p, (_, kind) in OTHER_MODULES.items())
    members += '<core:cityObjectMember xlink:href="#DEHH_elsewhere"/>\n'  # a reference, not an object
    end = text.rindex("</core:CityModel>")
    path = tmp_path / "LoD2_mixed.xml"
    path.write_text(text[:end] + members + text[end:], encoding="utf-8")
    expected = _citygml_top_level(path)
    assert len(expected) == 47 + len(OTHER_MODULES)
    reporter = CollectingReporter()
    out = tmp_path / "m.gpkg"
    result = import_citymodel([path], out, reporter=reporter)
    assert (result.buildings, result.skipped, result.not_imported) == (47, 0, len(OTHER_MODULES))
    skipped = pyogrio.read_dataframe(out, layer="skipped_objects")
    reasons = dict(zip(skipped.object_id, skipped.reason))
    for p, (_, kind) in OTHER_MODULES.items():
        assert reasons[f"OTHER_{p}"].startswith(f"not imported: {p}:{kind}")
    assert set(reasons) == {f"OTHER_{p}" for p in OTHER_MODULES}
    summary = next(i for i in reporter.infos if "city objects not imported" in i)
    assert "1 tran:Road" in summary and "1 veg:SolitaryVegetationObject" in summary
    assert not any("OTHER_" in w for w in reporter.warnings)  # one summary line, not a warning per object
