"""Terrain: CityGML 1.0/2.0/3.0 ReliefFeature/TINRelief and CityJSON TINRelief into the `terrain` layer and the
twin; other relief components are skipped_objects rows. The TIN is built in the exact structure of German LoD2
deliveries (dem:ReliefFeature/dem:reliefComponent/dem:TINRelief/dem:tin/gml:TriangulatedSurface/
gml:trianglePatches/gml:Triangle/gml:exterior/gml:LinearRing/gml:posList) inside a copy of the real Hamburg tile."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from lxml import etree

from geotwin.tests.paths import ROOT
from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.store import open_store, read_store

NX, NY = 16, 10          # grid cells: 2 x 160 = 320 triangles
X0, Y0, STEP = 576230.0, 5950000.0, 20.0
VERSIONS = {
    "1.0": ("http://www.opengis.net/citygml/1.0", "http://www.opengis.net/citygml/relief/1.0",
            "http://www.opengis.net/gml"),
    "2.0": ("http://www.opengis.net/citygml/2.0", "http://www.opengis.net/citygml/relief/2.0",
            "http://www.opengis.net/gml"),
}


def _height(x: float, y: float) -> float:
    return 8.0 + 0.02 * (x - X0) + 1.5 * math.sin((y - Y0) / 37.0)


def _triangles() -> list[list[tuple[float, float, float]]]:
    out = []
    for i in range(NX):
        for j in range(NY):
            a, b = (X0 + i * STEP, Y0 + j * STEP), (X0 + (i + 1) * STEP, Y0 + j * STEP)
            c, d = (X0 + (i + 1) * STEP, Y0 + (j + 1) * STEP), (X0 + i * STEP, Y0 + (j + 1) * STEP)
            for tri in ((a, b, c), (a, c, d)):
                out.append([(x, y, round(_height(x, y), 3)) for x, y in tri])
    return out


def _relief_member(version: str, with_other_components: bool = True) -> str:
    core, dem, gml = VERSIONS[version]
    patches = []
    for tri in _triangles():
        ring = tri + tri[:1]
        pos = " ".join(f"{x:.3f} {y:.3f} {z:.3f}" for x, y, z in ring)
        patches.append(f"<gml:Triangle><gml:exterior><gml:LinearRing><gml:posList srsDimension=\"3\">{pos}"
                       "</gml:posList></gml:LinearRing></gml:exterior></gml:Triangle>")
    # one degenerate (collinear) triangle, as real TINs sometimes carry
    patches.append('<gml:Triangle><gml:exterior><gml:LinearRing><gml:posList srsDimension="3">'
                   f"{X0} {Y0} 8 {X0 + 1} {Y0} 8 {X0 + 2} {Y0} 8 {X0} {Y0} 8"
                   "</gml:posList></gml:LinearRing></gml:exterior></gml:Triangle>")
    other = ""
    if with_other_components:
        other = f"""
  <core:cityObjectMember>
   <dem:ReliefFeature gml:id="DEHH_RELIEF_2">
    <dem:lod>2</dem:lod>
    <dem:reliefComponent><dem:BreaklineRelief gml:id="DEHH_BREAKLINES"><dem:lod>2</dem:lod>
      <dem:ridgeOrValleyLines><gml:MultiCurve><gml:curveMember><gml:LineString><gml:posList>
      {X0} {Y0} 8 {X0 + 50} {Y0} 9</gml:posList></gml:LineString></gml:curveMember></gml:MultiCurve>
      </dem:ridgeOrValleyLines></dem:BreaklineRelief></dem:reliefComponent>
    <dem:reliefComponent><dem:MassPointRelief gml:id="DEHH_MASSPOINTS"><dem:lod>2</dem:lod>
      <dem:reliefPoints><gml:MultiPoint><gml:pointMember><gml:Point><gml:pos>{X0} {Y0} 8</gml:pos></gml:Point>
      </gml:pointMember></gml:MultiPoint></dem:reliefPoints></dem:MassPointRelief></dem:reliefComponent>
    <dem:reliefComponent><dem:RasterRelief gml:id="DEHH_RASTER"><dem:lod>2</dem:lod>
      <dem:grid/></dem:RasterRelief></dem:reliefComponent>
    <dem:reliefComponent><dem:TINRelief gml:id="DEHH_CONTROLPOINTS"><dem:lod>2</dem:lod><dem:tin>
      <gml:Tin><gml:trianglePatches/><gml:controlPoint><gml:posList>{X0} {Y0} 8 {X0 + 5} {Y0} 8 {X0} {Y0 + 5} 8
      </gml:posList></gml:controlPoint></gml:Tin></dem:tin></dem:TINRelief></dem:reliefComponent>
    <dem:reliefComponent xlink:href="#DEHH_ELSEWHERE"/>
   </dem:ReliefFeature>
  </core:cityObjectMember>"""
    return f"""
  <core:cityObjectMember>
   <dem:ReliefFeature gml:id="DEHH_RELIEF_1">
    <gml:name>DGM</gml:name>
    <dem:lod>2</dem:lod>
    <dem:reliefComponent>
     <dem:TINRelief gml:id="DEHH_TIN_1">
      <dem:lod>2</dem:lod>
      <dem:tin>
       <gml:TriangulatedSurface gml:id="DEHH_TIN_1_SURFACE">
        <gml:trianglePatches>
         {chr(10).join(patches)}
        </gml:trianglePatches>
       </gml:TriangulatedSurface>
      </dem:tin>
     </dem:TINRelief>
    </dem:reliefComponent>
   </dem:ReliefFeature>
  </core:cityObjectMember>{other}
"""


def hamburg_with_terrain(shared_data: Path, target: Path, version: str = "1.0") -> Path:
    """The real Hamburg 2022 tile (CityGML 1.0) with a relief member added before </core:CityModel>; for 2.0
    the namespaces are rewritten to CityGML 2.0."""
    text = (shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml").read_text(encoding="utf-8")
    core, dem, _ = VERSIONS[version]
    text = text.replace('xmlns:gen=', f'xmlns:dem="{dem}" xmlns:gen=', 1)
    if version == "2.0":
        text = text.replace("http://www.opengis.net/citygml/1.0", core).replace(
            "http://www.opengis.net/citygml/building/1.0", "http://www.opengis.net/citygml/building/2.0").replace(
            "http://www.opengis.net/citygml/generics/1.0", "http://www.opengis.net/citygml/generics/2.0")
    end = text.rindex("</core:CityModel>")
    target.write_text(text[:end] + _relief_member(version) + text[end:], encoding="utf-8")
    return target


def _independent(path: Path) -> tuple[np.ndarray, int]:
    """The TINRelief's triangles straight from lxml (closing point dropped) and the gml:Triangle count."""
    tree = etree.parse(str(path))
    ns = {"gml": "http://www.opengis.net/gml"}
    tin = tree.xpath("//*[local-name()='TINRelief'][@gml:id='DEHH_TIN_1']", namespaces=ns)[0]
    triangles = tin.findall(".//gml:Triangle", ns)
    coords = [np.array(t.find(".//gml:posList", ns).text.split(), float).reshape(4, 3)[:3] for t in triangles]
    return np.asarray(coords), len(triangles)


def _heron(tri: np.ndarray) -> float:
    a, b, c = (float(np.linalg.norm(tri[i] - tri[(i + 1) % 3])) for i in range(3))
    s = (a + b + c) / 2
    return math.sqrt(max(s * (s - a) * (s - b) * (s - c), 0.0))


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_tin_relief_into_the_terrain_layer(shared_data, tmp_path, version):
    path = hamburg_with_terrain(shared_data, tmp_path / f"LoD2_{version}.xml", version)
    expected, count = _independent(path)
    assert count == 2 * NX * NY + 1
    reporter = CollectingReporter()
    out = tmp_path / "t.gpkg"
    result = import_citymodel([path], out, None, "highest", reporter)
    assert result.buildings == 47 and result.reliefs == 1 and result.triangles == count - 1
    terrain = pyogrio.read_dataframe(out, layer="terrain")
    assert len(terrain) == count - 1
    assert set(terrain.relief_id) == {"DEHH_TIN_1"} and set(terrain.feature_id) == {"DEHH_RELIEF_1"}
    assert set(terrain.lod) == {"2"} and set(terrain.source_file) == {path.name}
    good = expected[:-1]  # the last one is the degenerate triangle
    coords = np.asarray([np.asarray(g.exterior.coords)[:3] for g in terrain.geometry])
    assert np.allclose(coords, good, atol=1e-9)
    assert all(g.has_z and g.geom_type == "Polygon" for g in terrain.geometry)
    assert np.allclose(terrain.min_height, good[:, :, 2].min(axis=1))
    assert np.allclose(terrain.max_height, good[:, :, 2].max(axis=1))
    assert np.allclose(terrain.mean_height, good[:, :, 2].mean(axis=1))
    assert np.allclose(terrain["area"], [_heron(t) for t in good], rtol=1e-9)
    plan = sum(g.area for g in terrain.geometry)  # the TIN covers its grid exactly once in plan
    assert plan == pytest.approx(NX * NY * STEP * STEP)
    skipped = pyogrio.read_dataframe(out, layer="skipped_objects")
    reasons = dict(zip(skipped.object_id, skipped.reason))
    assert reasons["DEHH_TIN_1#triangles"].startswith("1 degenerate or broken triangles")
    assert "not imported: BreaklineRelief" in reasons["DEHH_BREAKLINES"]
    assert "not imported: MassPointRelief" in reasons["DEHH_MASSPOINTS"]
    assert "not imported: RasterRelief" in reasons["DEHH_RASTER"]
    assert "gml:Tin with control points only" in reasons["DEHH_CONTROLPOINTS"]
    assert "given by reference (#DEHH_ELSEWHERE)" in reasons["#DEHH_ELSEWHERE"]
    for oid in ("DEHH_BREAKLINES", "DEHH_MASSPOINTS", "DEHH_RASTER"):
        assert any(oid in w for w in reporter.warnings)


def test_citygml3_tin_relief(shared_data, tmp_path):
    src = shared_data / "citygml/fzk-haus/citygml3/FZK-Haus-LoD2-KIT-IAI-KHH-B36-V1__v3.gml"
    text = src.read_text(encoding="utf-8")  # default namespace CityGML 3.0; dem: and gml: (3.2) declared
    tris = _triangles()[:20]
    patches = "".join(
        "<gml:Triangle><gml:exterior><gml:LinearRing><gml:posList>"
        + " ".join(f"{x - X0 + 458800:.3f} {y - Y0 + 5438600:.3f} {z}" for x, y, z in t + t[:1])
        + "</gml:posList></gml:LinearRing></gml:exterior></gml:Triangle>" for t in tris)
    member = (f'<cityObjectMember><dem:ReliefFeature gml:id="R3"><dem:lod>1</dem:lod><dem:reliefComponent>'
              f'<dem:TINRelief gml:id="T3"><dem:lod>1</dem:lod><dem:tin><gml:TriangulatedSurface><gml:patches>'
              f"{patches}</gml:patches></gml:TriangulatedSurface></dem:tin></dem:TINRelief></dem:reliefComponent>"
              "</dem:ReliefFeature></cityObjectMember>")
    end = text.rindex("</CityModel>")
    path = tmp_path / "fzk3_terrain.gml"
    path.write_text(text[:end] + member + text[end:], encoding="utf-8")
    assert "gml/3.2" in text
    result = import_citymodel([path], tmp_path / "t.gpkg")
    assert result.buildings == 1 and result.triangles == 20
    terrain = pyogrio.read_dataframe(tmp_path / "t.gpkg", layer="terrain")
    assert set(terrain.lod) == {"1"} and set(terrain.relief_id) == {"T3"}


def test_cityjson_tin_relief_of_den_haag(shared_data, tmp_path):
    path = shared_data / "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json"
    doc = json.loads(path.read_text())
    reliefs = {oid: o for oid, o in doc["CityObjects"].items() if o["type"] == "TINRelief"}
    assert len(reliefs) == 1
    (oid, relief), = reliefs.items()
    geom = relief["geometry"][0]
    faces = geom["boundaries"]
    t = doc["transform"]
    verts = np.asarray(doc["vertices"], float) * t["scale"] + t["translate"]
    good = [verts[f[0]] for f in faces if len(f) == 1 and len(f[0]) == 3]
    good = [g for g in good if np.linalg.norm(np.cross(g[1] - g[0], g[2] - g[0])) > 1e-9]
    out = tmp_path / "dh.gpkg"
    result = import_citymodel([path], out)
    terrain = pyogrio.read_dataframe(out, layer="terrain")
    assert result.triangles == len(terrain) == len(good) > 1000
    assert set(terrain.relief_id) == {oid} and set(terrain.lod) == {str(geom["lod"])}
    assert np.allclose(terrain["area"], [_heron(g) for g in good], rtol=1e-6)
    assert np.allclose(terrain.min_height, [g[:, 2].min() for g in good])


def test_terrain_is_carried_into_the_twin(shared_data, tmp_path):
    path = hamburg_with_terrain(shared_data, tmp_path / "LoD2_terrain.xml")
    store = open_store(tmp_path / "twin.gpkg")
    build_twin(store, BuildInputs(citymodel=[str(path)]))
    twin = read_store(open_store(tmp_path / "twin.gpkg"))
    assert len(twin["terrain"]) == 2 * NX * NY
    assert set(twin["terrain"].relief_id) == {"DEHH_TIN_1"}
    expected, _ = _independent(path)
    assert np.allclose(sorted(twin["terrain"].mean_height), sorted(expected[:-1, :, 2].mean(axis=1)))
    # unchanged input: the terrain is taken from the store again
    again = build_twin(open_store(tmp_path / "twin.gpkg"), BuildInputs(citymodel=[str(path)]))
    assert "citymodel" in again.reused
    assert len(read_store(open_store(tmp_path / "twin.gpkg"))["terrain"]) == 2 * NX * NY


def test_terrain_round_trips_through_postgis(shared_data, tmp_path, pg_dsn):
    """The same terrain in a GeoPackage and a PostGIS store: PolygonZ with SRID, identical rows."""
    import uuid

    import psycopg

    path = hamburg_with_terrain(shared_data, tmp_path / "LoD2_terrain.xml")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    try:
        gpkg, pg = open_store(tmp_path / "twin.gpkg"), open_store(pg_dsn, schema)
        for store in (gpkg, pg):
            build_twin(store, BuildInputs(citymodel=[str(path)]))
        left = read_store(gpkg)["terrain"].sort_values("mean_height", kind="stable").reset_index(drop=True)
        right = read_store(pg)["terrain"].sort_values("mean_height", kind="stable").reset_index(drop=True)
        assert len(left) == len(right) == 2 * NX * NY
        for column in ("relief_id", "feature_id", "lod", "source_file"):
            assert list(left[column]) == list(right[column])
        for column in ("min_height", "mean_height", "max_height", "area"):
            assert np.allclose(left[column], right[column], rtol=0, atol=1e-9)
        assert all(a.equals_exact(b, 1e-9) and b.has_z for a, b in zip(left.geometry, right.geometry))
        with psycopg.connect(pg_dsn) as conn:
            srid, kind = conn.execute(f"SELECT DISTINCT ST_SRID(geom), GeometryType(geom) FROM \"{schema}\".terrain"
                                      ).fetchone()
        assert (srid, kind) == (25832, "POLYGON")
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_terrain_layer_is_queued_for_loading_when_present(shared_data, tmp_path, qgis_processing):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    for name, tile, has_terrain in (("dh", "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json", True),
                                    ("hh", "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml", False)):
        out = tmp_path / f"{name}.gpkg"
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        qgis_processing.run("geotwin:importcitymodel", {"INPUT": [str(shared_data / tile)], "OUTPUT": str(out)},
                            context=context, feedback=QgsProcessingFeedback())
        assert (f"{out}|layername=terrain" in context.layersToLoadOnCompletion()) == has_terrain


def _tin_file(path: Path, patches: str) -> Path:
    path.write_text(
        '<?xml version="1.0"?><core:CityModel xmlns:core="http://www.opengis.net/citygml/1.0" '
        'xmlns:dem="http://www.opengis.net/citygml/relief/1.0" xmlns:gml="http://www.opengis.net/gml">'
        '<gml:boundedBy><gml:Envelope srsName="EPSG:25832"><gml:lowerCorner>576000 5950000 0</gml:lowerCorner>'
        "<gml:upperCorner>577000 5951000 50</gml:upperCorner></gml:Envelope></gml:boundedBy><core:cityObjectMember>"
        '<dem:ReliefFeature gml:id="R"><dem:lod>2</dem:lod><dem:reliefComponent><dem:TINRelief gml:id="T">'
        "<dem:lod>2</dem:lod><dem:tin><gml:TriangulatedSurface><gml:trianglePatches>\n" + patches +
        "</gml:trianglePatches></gml:TriangulatedSurface></dem:tin></dem:TINRelief></dem:reliefComponent>"
        "</dem:ReliefFeature></core:cityObjectMember></core:CityModel>", encoding="utf-8")
    return path


def test_triangles_in_other_encodings_and_broken_ones(tmp_path):
    """gml:pos corners, a 2D posList (z = 0), an open ring; a non-number, a quad and an unclosed posList are
    counted as left out; the rest are read."""
    ring = "<gml:Triangle><gml:exterior><gml:LinearRing>{}</gml:LinearRing></gml:exterior></gml:Triangle>\n"
    pts = [(576000, 5950000, 10), (576010, 5950000, 11), (576000, 5950010, 12)]
    good = [
        ring.format("<gml:posList>" + " ".join(f"{x} {y} {z}" for x, y, z in pts + pts[:1]) + "</gml:posList>"),
        ring.format("".join(f"<gml:pos>{x} {y} {z}</gml:pos>" for x, y, z in pts + pts[:1])),
        ring.format('<gml:posList srsDimension="2">' + " ".join(f"{x} {y}" for x, y, _ in pts + pts[:1])
                    + "</gml:posList>"),
        ring.format("<gml:posList>" + " ".join(f"{x} {y} {z}" for x, y, z in pts) + "</gml:posList>"),  # open
    ]
    bad = [
        ring.format("<gml:posList>576000 5950000 10 x 5950000 11 576000 5950010 12 576000 5950000 10</gml:posList>"),
        ring.format("<gml:posList>" + " ".join(f"{x} {y} {z}" for x, y, z in pts + [(576010, 5950010, 9)] + pts[:1])
                    + "</gml:posList>"),
        ring.format("<gml:posList>576000 5950000 10 576010 5950000 11 576000 5950010 12 576001 5950000 10"
                    "</gml:posList>"),
    ]
    path = _tin_file(tmp_path / "mixed.gml", "".join(good + bad))
    out = tmp_path / "m.gpkg"
    result = import_citymodel([path], out)
    assert result.triangles == len(good)
    terrain = pyogrio.read_dataframe(out, layer="terrain")
    assert sorted(terrain["min_height"]) == [0.0, 10.0, 10.0, 10.0]
    skipped = pyogrio.read_dataframe(out, layer="skipped_objects")
    assert skipped.reason.tolist() == [f"{len(bad)} degenerate or broken triangles of the TINRelief left out"]


def test_a_large_tin_is_streamed(tmp_path):
    """100,000 triangles: each gml:Triangle is freed as it is read, so memory stays far below the XML tree's."""
    import subprocess
    import sys

    lines = []
    for k in range(50000):
        x, y = 576000 + (k % 250) * 2.0, 5950000 + (k // 250) * 2.0
        for tri in (((x, y), (x + 2, y), (x + 2, y + 2)), ((x, y), (x + 2, y + 2), (x, y + 2))):
            lines.append('<gml:Triangle><gml:exterior><gml:LinearRing><gml:posList srsDimension="3">'
                         + " ".join(f"{a:.3f} {b:.3f} {10 + a / 1e6:.3f}" for a, b in tri + tri[:1])
                         + "</gml:posList></gml:LinearRing></gml:exterior></gml:Triangle>")
    path = _tin_file(tmp_path / "large_tin.gml", "\n".join(lines))
    assert path.stat().st_size > 24 << 20
    root = ROOT
    code = (
        "import resource\nfrom geotwin.twin.citymodel.importer import import_citymodel\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"result = import_citymodel([{str(path)!r}], {str(tmp_path / 'l.gpkg')!r})\n"
        "print(result.triangles, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)\n")
    proc = subprocess.run([str(root / "scripts/env.sh"), sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600, cwd=root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    triangles, grown_mb = proc.stdout.split()
    assert int(triangles) == 100000
    # measured: 306 MB growth when the whole TIN stood as an lxml tree, 104 MB streamed
    assert float(grown_mb) < 150, grown_mb
