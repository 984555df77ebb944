"""Compression bombs in every city model packaging (gzip CityJSON, gzip CityGML, zip member, CityJSONSeq) are
refused by one bounded reader that counts the inflated bytes; peak memory stays low while refusing."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from geotwin.tests.paths import ROOT
from geotwin.twin.citymodel.delivery import RATIO_GRACE, Limits
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError

GB = 1 << 30
CITYJSON_HEAD = b'{"type": "CityJSON", "version": "2.0", "metadata": {"referenceSystem": ' \
                b'"https://www.opengis.net/def/crs/EPSG/0/25832"}, "CityObjects": {}, "vertices": [],'
CITYJSON_TAIL = b'"transform": {"scale": [1, 1, 1], "translate": [0, 0, 0]}}'
CITYGML_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>\n<core:CityModel xmlns:core="http://www.opengis.net/citygml/1.0" '
                b'xmlns:gml="http://www.opengis.net/gml"><gml:boundedBy><gml:Envelope srsName="EPSG:25832">'
                b'<gml:lowerCorner>576000 5950000 0</gml:lowerCorner><gml:upperCorner>576100 5950100 50'
                b'</gml:upperCorner></gml:Envelope></gml:boundedBy>')
CITYGML_TAIL = b"</core:CityModel>"


# A CityGML bomb is not one huge text node (lxml refuses text nodes over 10 MB by itself) but many
# small, legal, empty members: only the inflation guard stops it.
MEMBERS = b"<core:cityObjectMember/>\n" * 40330


def _blanks(write, size: int, block: bytes = b" " * (1 << 20)) -> None:
    for _ in range(size // len(block)):
        write(block)


def _gzip_bomb(path: Path, head: bytes, size: int, tail: bytes, block: bytes = b" " * (1 << 20)) -> Path:
    """A valid document with ``size`` bytes of filler in the middle, gzip-compressed while written."""
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(head)
        _blanks(fh.write, size, block)
        fh.write(tail)
    return path


@pytest.fixture(scope="module")
def cityjson_bomb(tmp_path_factory) -> Path:
    """About 1 MB that inflates to 1 GiB: a CityJSON document padded with blanks."""
    return _gzip_bomb(tmp_path_factory.mktemp("bomb") / "tile.city.json.gz", CITYJSON_HEAD, GB, CITYJSON_TAIL)


def _peak_rss_mb(script: str) -> tuple[float, str]:
    """Run ``script`` in a fresh interpreter; its peak RSS in MiB and its output."""
    code = (script + "\nimport resource\nprint('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    proc = subprocess.run([str(ROOT / "scripts/env.sh"), sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    peak = float(next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("PEAK")))
    return peak, proc.stdout


def test_gzip_cityjson_bomb_is_refused_with_low_memory(cityjson_bomb, tmp_path):
    assert cityjson_bomb.stat().st_size < 2 << 20
    with pytest.raises(InputError, match=r"tile\.city\.json\.gz: refused: compression ratio above 200:1"):
        import_citymodel([cityjson_bomb], tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()
    baseline, _ = _peak_rss_mb("import geotwin.twin.citymodel.importer")
    peak, out = _peak_rss_mb(f"""
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import InputError
from geotwin.tests.paths import ROOT
from geotwin.tests.paths import ROOT
try:
    import_citymodel([{str(cityjson_bomb)!r}], {str(tmp_path / 'y.gpkg')!r})
except InputError as err:
    print('REFUSED', err)
""")
    assert "REFUSED" in out and "compression ratio" in out
    # the refusal comes after RATIO_GRACE (16 MiB) inflated: the bomb's 1 GiB is never held
    assert peak - baseline < 4 * RATIO_GRACE / (1 << 20), (baseline, peak)


def test_gzip_citygml_bomb_is_refused_by_the_same_reader(tmp_path):
    bomb = _gzip_bomb(tmp_path / "LoD2.gml.gz", CITYGML_HEAD, 64 << 20, CITYGML_TAIL, MEMBERS)
    with pytest.raises(InputError, match=r"LoD2\.gml\.gz: refused: compression ratio above 200:1"):
        import_citymodel([bomb], tmp_path / "x.gpkg")
    blanks = _gzip_bomb(tmp_path / "blank.gml.gz", CITYGML_HEAD, 64 << 20, CITYGML_TAIL)
    with pytest.raises(InputError, match=r"blank\.gml\.gz.*(compression ratio|huge text node)"):
        import_citymodel([blanks], tmp_path / "x.gpkg")


def test_zip_member_bomb_is_refused_naming_the_member(tmp_path):
    target = tmp_path / "lod2.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("tiles/LoD2_32_456_5428.gml", "w") as fh:
            fh.write(CITYGML_HEAD)
            _blanks(fh.write, 64 << 20, MEMBERS)
            fh.write(CITYGML_TAIL)
    assert target.stat().st_size < 2 << 20
    with pytest.raises(InputError, match=r"lod2\.zip!/tiles/LoD2_32_456_5428\.gml: refused: compression ratio"):
        import_citymodel([target], tmp_path / "x.gpkg")


def test_gzip_inside_a_zip_member_is_bounded_too(tmp_path):
    inner = _gzip_bomb(tmp_path / "inner.gml.gz", CITYGML_HEAD, 64 << 20, CITYGML_TAIL, MEMBERS)
    target = tmp_path / "stored.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
        z.write(inner, "tiles/LoD2.gml.gz")
    with pytest.raises(InputError, match=r"stored\.zip!/tiles/LoD2\.gml\.gz: refused: compression ratio"):
        import_citymodel([target], tmp_path / "x.gpkg")


def test_cityjsonseq_bomb_line_is_refused(tmp_path):
    header = json.dumps({"type": "CityJSON", "version": "2.0", "transform": {"scale": [1, 1, 1], "translate": [0, 0, 0]},
                         "metadata": {"referenceSystem": "https://www.opengis.net/def/crs/EPSG/0/25832"},
                         "CityObjects": {}, "vertices": []}).encode() + b"\n"
    path = tmp_path / "tiles.city.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(header)
        fh.write(b'{"type": "CityJSONFeature", "id": "a", "CityObjects": {}, "vertices": []}\n')
        fh.write(b'{"type": "CityJSONFeature", "id": "b", "CityObjects": {}, "vertices": [], "x": "')
        _blanks(fh.write, 128 << 20)
        fh.write(b'"}\n')
    with pytest.raises(InputError, match="refused: compression ratio"):
        import_citymodel([path], tmp_path / "x.gpkg")
    # the same line under a small document limit: refused as too long, before the ratio guard
    with pytest.raises(InputError, match=r"line 3: refused: a CityJSONFeature line is longer than 8 MiB"):
        import_citymodel([path], tmp_path / "x.gpkg", limits=Limits.from_mb(max_json_mb=8))


def test_cityjson_document_limit(shared_data, tmp_path):
    denhaag = shared_data / "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json"
    size_mb = denhaag.stat().st_size / (1 << 20)
    with pytest.raises(InputError, match=r"refused: the CityJSON document is larger than 1 MiB .*MAX_JSON_MB"):
        import_citymodel([denhaag], tmp_path / "x.gpkg", limits=Limits.from_mb(max_json_mb=1))
    result = import_citymodel([denhaag], tmp_path / "ok.gpkg", limits=Limits.from_mb(max_json_mb=size_mb + 1))
    assert result.buildings == 844


def test_ratio_guard_spares_real_compressed_data(shared_data, tmp_path):
    """Real tiles compress far below the ratio limit: a gzip of the Hamburg tile inflates without complaint."""
    data = (shared_data / "citygml/hamburg/2022/LoD2_576_5950_1_HH.xml").read_bytes()
    ratio = len(data) / len(zlib.compress(data, 9))
    assert ratio < Limits().max_ratio / 5
    gz = tmp_path / "LoD2.xml.gz"
    gz.write_bytes(gzip.compress(data, 9))
    assert import_citymodel([gz], tmp_path / "x.gpkg").buildings == 47
