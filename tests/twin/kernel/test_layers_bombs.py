"""Layer files of the learning islands and sensor exports (GeoJSON, GeoPackage, zipped layers that GDAL
inflates into memory): a zip bomb, an encrypted member or a file beyond the size limit is refused, naming it."""
from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from geotwin.twin.kernel.errors import InputError
from geotwin.twin.kernel.layers import MAX_ZIP_RATIO, LayerRef, layer_names, read_frame

WLAN = "wlan/muenchen/wlan-standorte-muenchen.geojson"


def _geojson_bomb(path: Path, inflated_mb: int) -> Path:
    """A zipped GeoJSON that is valid JSON: one feature, then ``inflated_mb`` MiB of blanks (streamed)."""
    head = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [11.5, 48.1]}}]})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("islands.geojson", "w", force_zip64=True) as out:
        out.write(head[:-1].encode())
        for _ in range(inflated_mb):
            out.write(b" " * (1 << 20))
        out.write(b"}")
    return path


def test_a_zipped_geojson_bomb_is_refused(tmp_path):
    bomb = _geojson_bomb(tmp_path / "islands.zip", 200)
    with pytest.raises(InputError, match=rf"^{bomb}: the archive inflates to more than {MAX_ZIP_RATIO} times its "
                                         r"size of \d+ bytes: refused as a zip bomb$"):
        read_frame(LayerRef(str(bomb)))
    with pytest.raises(InputError, match="refused as a zip bomb"):
        layer_names(str(bomb))


def test_a_real_zipped_layer_is_read_and_the_absolute_limit_counts_inflated_bytes(tmp_path, shared_data):
    source = shared_data / WLAN
    zipped = tmp_path / "wlan.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(source, "wlan.geojson")
    expected = len(json.loads(source.read_bytes())["features"])
    assert len(read_frame(LayerRef(str(zipped)))) == expected == 171
    size = source.stat().st_size
    with pytest.raises(InputError, match=rf"^{zipped}: the archive inflates to more than the limit of 0 MiB$"):
        read_frame(LayerRef(str(zipped)), max_bytes=size - 1)
    assert len(read_frame(LayerRef(str(zipped)), max_bytes=size)) == expected


def test_a_layer_file_beyond_the_limit_is_refused(shared_data):
    source = shared_data / WLAN
    with pytest.raises(InputError, match=rf"^{source}: the file has 0 MiB, more than the limit of 0 MiB$"):
        read_frame(LayerRef(str(source)), max_bytes=1000)
    assert len(read_frame(LayerRef(str(source)), max_bytes=source.stat().st_size)) == 171


def test_an_encrypted_or_damaged_zip_is_refused(tmp_path, shared_data):
    zipped = tmp_path / "secret.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(shared_data / WLAN, "wlan.geojson")
    data = bytearray(zipped.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        struct.pack_into("<H", data, at + offset, struct.unpack_from("<H", data, at + offset)[0] | 1)
    zipped.write_bytes(bytes(data))
    with pytest.raises(InputError, match=rf"^{zipped}: wlan.geojson in the archive is encrypted$"):
        read_frame(LayerRef(str(zipped)))
    cut = tmp_path / "cut.zip"
    whole = (shared_data / WLAN).read_bytes()
    with zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("wlan.geojson", whole)
    data = cut.read_bytes()
    cut.write_bytes(data[:len(data) // 2] + data[-120:])
    with pytest.raises(InputError, match=rf"^{cut}: "):
        read_frame(LayerRef(str(cut)))


def test_the_sensors_algorithm_refuses_the_bomb(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    bomb = _geojson_bomb(tmp_path / "sensors.zip", 100)
    out = tmp_path / "sensors.gpkg"
    with pytest.raises(QgsProcessingException, match=rf"{bomb}: the archive inflates to more than "
                                                     rf"{MAX_ZIP_RATIO} times"):
        run_alg("geotwin:importsensors", {"FILES": [str(bomb)], "OUTPUT": str(out)})
    assert not out.exists()


def test_an_islands_file_that_is_a_zip_bomb_whatever_its_name_is_refused(tmp_path):
    bomb = _geojson_bomb(tmp_path / "islands.zip", 100).rename(tmp_path / "islands.geojson")
    with pytest.raises(InputError, match="refused as a zip bomb"):
        read_frame(LayerRef(str(bomb)))


def test_the_sensor_export_reader_refuses_the_bomb(tmp_path):
    from geotwin.twin.sensors.export_source import read_exports

    bomb = _geojson_bomb(tmp_path / "sensors.zip", 100)
    with pytest.raises(InputError, match=rf"^{bomb}: the archive inflates to more than {MAX_ZIP_RATIO} times"):
        read_exports([bomb], "EPSG:25832")
