""".ifczip bombs, encrypted or ambiguous archives and oversized .ifc files: refused with the file named,
the inflated size counted while inflating (never taken from the archive's header)."""
from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.bim.reader import MAX_ZIP_RATIO, open_ifc
from geotwin.twin.kernel.errors import InputError

FZK = "ifc/fzk-haus/AC20-FZK-Haus.ifc"
FZK_ZIP = "ifc/fzk-haus/AC20-FZK-Haus.ifczip"
HEAD = (b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\n"
        b"FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n")


def _bomb(path: Path, inflated_mb: int, name: str = "bomb.ifc") -> Path:
    """A zip whose one .ifc is a valid STEP header followed by ``inflated_mb`` MiB of blank comment, streamed."""
    block = b"/*" + b" " * ((1 << 20) - 4) + b"*/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w", force_zip64=True) as out:
        out.write(HEAD)
        for _ in range(inflated_mb):
            out.write(block)
        out.write(b"ENDSEC;\nEND-ISO-10303-21;\n")
    return path


def _set_flag(path: Path, bit: int) -> None:
    """Set a general purpose flag bit in every local and central header (e.g. bit 0: encrypted)."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            flags = struct.unpack_from("<H", data, start + offset)[0]
            struct.pack_into("<H", data, start + offset, flags | bit)
            start += 4
    path.write_bytes(bytes(data))


def test_a_zip_bomb_is_refused_while_inflating(tmp_path):
    bomb = _bomb(tmp_path / "bomb.ifczip", 300)
    compressed = bomb.stat().st_size
    assert compressed * MAX_ZIP_RATIO < 300 << 20           # far beyond the ratio: a bomb
    began = time.monotonic()
    with pytest.raises(InputError, match=rf"^{bomb}: bomb.ifc inflates to more than {MAX_ZIP_RATIO} times its "
                                         r"compressed size of \d+ bytes: refused as a zip bomb$"):
        open_ifc(bomb)
    assert time.monotonic() - began < 30      # stopped early, not after inflating 300 MiB (generous margin)


def test_the_absolute_limit_counts_inflated_bytes(tmp_path, shared_data):
    real = shared_data / FZK_ZIP
    with zipfile.ZipFile(real) as archive:
        inflated = sum(i.file_size for i in archive.infolist() if i.filename.lower().endswith(".ifc"))
    assert inflated > 2 << 20                               # 2.5 MB of STEP text in 0.5 MB
    with pytest.raises(InputError, match=rf"^{real}: .*\.ifc inflates to more than the limit of 2 MiB "
                                         r"\(raise MAX_SIZE_MB if it is genuine\)$"):
        open_ifc(real, max_bytes=2 << 20)
    model = open_ifc(real, max_bytes=inflated)              # exactly at the limit: read
    assert len(model.by_type("IfcWall")) == len(open_ifc(shared_data / FZK).by_type("IfcWall")) > 0


def test_a_header_that_understates_the_size_does_not_get_past_the_count(tmp_path, shared_data):
    """The central directory and local header claim 1000 bytes for a 2.5 MB member: zipfile stops at the
    claimed size and the CRC fails, a damaged archive, never a crash or a silent truncation."""
    lying = tmp_path / "lying.ifczip"
    with zipfile.ZipFile(shared_data / FZK_ZIP) as src, zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as dst:
        member = next(i for i in src.infolist() if i.filename.lower().endswith(".ifc"))
        dst.writestr("fzk.ifc", src.read(member))
    data = bytearray(lying.read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 1000)          # uncompressed size, local header
    struct.pack_into("<I", data, central + 24, 1000)        # uncompressed size, central directory
    lying.write_bytes(bytes(data))
    with pytest.raises(InputError, match=rf"^{lying}: the zip archive is damaged or unsupported: .*(CRC|crc)"):
        open_ifc(lying)


def test_an_encrypted_member_is_refused(tmp_path, shared_data):
    secret = tmp_path / "secret.ifczip"
    with zipfile.ZipFile(shared_data / FZK_ZIP) as src, zipfile.ZipFile(secret, "w", zipfile.ZIP_DEFLATED) as dst:
        member = next(i for i in src.infolist() if i.filename.lower().endswith(".ifc"))
        dst.writestr("fzk.ifc", src.read(member))
    _set_flag(secret, 0x1)
    with pytest.raises(InputError, match=rf"^{secret}: the .ifc file fzk.ifc in the archive is encrypted; "
                                         "GeoTwin reads only unencrypted .ifczip files$"):
        open_ifc(secret)


def test_several_or_no_ifc_members(tmp_path, shared_data):
    text = (shared_data / FZK).read_bytes()
    two = tmp_path / "two.ifczip"
    with zipfile.ZipFile(two, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("a/house.ifc", text)
        dst.writestr("b/garage.IFC", text)
    with pytest.raises(InputError, match=rf"^{two}: an .ifczip must hold exactly one .ifc file, found 2: "
                                         r"a/house.ifc, b/garage.IFC$"):
        open_ifc(two)
    none = tmp_path / "none.ifczip"
    with zipfile.ZipFile(none, "w") as dst:
        dst.writestr("readme.txt", "no model here")
    with pytest.raises(InputError, match=rf"^{none}: an .ifczip must hold exactly one .ifc file, found 0$"):
        open_ifc(none)
    mac = tmp_path / "mac.ifczip"                            # zipped on macOS: a resource fork beside the model
    with zipfile.ZipFile(mac, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("house.ifc", text)
        dst.writestr("__MACOSX/._house.ifc", b"\x00\x05\x16\x07 resource fork")
    assert len(open_ifc(mac).by_type("IfcWall")) == len(open_ifc(shared_data / FZK).by_type("IfcWall"))


def test_a_truncated_archive_is_damaged(tmp_path, shared_data):
    cut = tmp_path / "cut.ifczip"
    data = (shared_data / FZK_ZIP).read_bytes()
    cut.write_bytes(data[:len(data) // 2] + data[-200:])     # the central directory survives, the data does not
    with pytest.raises(InputError, match=rf"^{cut}: "):
        open_ifc(cut)


def test_a_plain_ifc_beyond_the_limit_is_refused(shared_data):
    path = shared_data / FZK
    size = path.stat().st_size
    with pytest.raises(InputError, match=rf"^{path}: the file is 2 MiB, more than the limit of 1 MiB "
                                         r"\(raise MAX_SIZE_MB if it is genuine\)$"):
        open_ifc(path, max_bytes=1 << 20)
    assert open_ifc(path, max_bytes=size).by_type("IfcProject")


def test_the_import_and_its_workers_refuse_the_bomb(tmp_path):
    bomb = _bomb(tmp_path / "bomb.ifczip", 100)
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"")                                     # an empty earlier output stays as it was
    with pytest.raises(InputError, match="refused as a zip bomb"):
        import_ifc(bomb, out, ImportOptions(processes=1))
    assert out.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["bomb.ifczip", "out.gpkg"]


def test_algorithm_max_size_parameter(run_alg, shared_data, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "fzk.gpkg"
    with pytest.raises(QgsProcessingException, match=rf"{shared_data / FZK}: the file is 2 MiB, more than the "
                                                     r"limit of 1 MiB \(raise MAX_SIZE_MB"):
        run_alg("geotwin:importifc", {"INPUT": str(shared_data / FZK), "MAX_SIZE_MB": 1, "OUTPUT": str(out)})
    assert not out.exists()
    res = run_alg("geotwin:importifc", {"INPUT": str(shared_data / FZK), "MAX_SIZE_MB": 3, "OUTPUT": str(out)})
    assert res["ELEMENTS"] > 0 and out.exists()
