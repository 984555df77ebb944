"""Clean faults: killed runs' temporaries are removed by the next run (only those of dead processes), and
OS and database faults become one GeoTwinError naming the real output (never its temporary copy)."""
from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pyogrio
import pytest

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel import atomic
from geotwin.twin.kernel.errors import GeoTwinError
from geotwin.twin.kernel.progress import CollectingReporter
from geotwin.twin.store import open_store, read_store

FZK_GML = "citygml/fzk-haus/citygml2/fzk_haus_lod2_v2.gml"
HAMBURG = "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"
DENHAAG = "cityjson/denhaag/DenHaag_01_v2.0_derived.city.json"

# A child that imports Den Haag and stops for good half-way through writing its GeoPackage.
STALLED_IMPORT = """
import sys, time
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.progress import Reporter

class Stall(Reporter):
    def progress(self, percent):
        if percent >= 50:
            print("mid-write", flush=True)
            time.sleep(3600)

import_citymodel([sys.argv[1]], sys.argv[2], reporter=Stall())
"""


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


def _killed_mid_write(source: Path, target: Path, sig: int) -> None:
    child = subprocess.Popen([sys.executable, "-c", STALLED_IMPORT, str(source), str(target)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "mid-write"
    finally:
        child.send_signal(sig)
        child.wait(60)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_temporaries_of_killed_runs_are_removed_by_the_next_run(tmp_path, shared_data, sig):
    out = tmp_path / "out"
    out.mkdir()
    _killed_mid_write(shared_data / DENHAAG, out / "denhaag.gpkg", sig)
    left = _temporaries(out)
    assert len(left) == 1 and left[0].startswith(".denhaag.gpkg.geotwin-")
    written = sum(f.stat().st_size for f in (out / left[0]).rglob("*") if f.is_file())
    assert written > 100_000          # the child was killed with its GeoPackage half written
    assert not (out / "denhaag.gpkg").exists()

    # what the next run must leave alone: a live process's temporary, another host's, and foreign names
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    try:
        host, boot = atomic._host_tag(), atomic._boot_tag()
        live = out / f".live.gpkg.geotwin-{host}-{boot}-{sleeper.pid}-abc123.tmp"
        other_host = out / f".x.gpkg.geotwin-{'0' * 8 if host != '0' * 8 else '1' * 8}-{boot}-999999999-abc.tmp"
        foreign = [out / ".user.gpkg.k3j2h1.tmp", out / ".geotwin-1-2.tmp", out / "notes.geotwin-1-x.tmp"]
        for path in (live, other_host, *foreign):
            path.mkdir()
        # a folder output moved aside in the instant before its replacement, by a process that is gone
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        backup = out / f".tiles.geotwin-{host}-{boot}-{gone.pid}-old.tmp"
        backup.mkdir()
        (backup / "tileset.json").write_text("{}")

        import_citymodel([shared_data / FZK_GML], out / "fzk.gpkg")   # the next run writing into the folder

        assert sorted(_temporaries(out)) == sorted(p.name for p in (live, other_host, *foreign[:2]))
        assert (out / "notes.geotwin-1-x.tmp").is_dir()
        assert (out / "tiles" / "tileset.json").read_text() == "{}"   # put back, not deleted
        assert len(pyogrio.read_dataframe(out / "fzk.gpkg", layer="buildings", read_geometry=False)) == 1
    finally:
        sleeper.kill()
        sleeper.wait()


def test_temporary_names_carry_host_boot_and_pid(tmp_path):
    seen = []
    with atomic.atomic_path(tmp_path / "x.gpkg") as tmp:
        seen.append(tmp.parent.name)
        tmp.write_bytes(b"x")
    match = atomic._STALE.match(seen[0])
    assert match and match["name"] == "x.gpkg" and int(match["pid"]) == os.getpid()
    assert match["host"] == atomic._host_tag() and match["boot"] == atomic._boot_tag()
    assert _temporaries(tmp_path) == [] and (tmp_path / "x.gpkg").read_bytes() == b"x"


# -- file system faults ---------------------------------------------------------------------------
@contextlib.contextmanager
def _tmpfs(path: Path, options: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; test_file_size_limit covers the unprivileged case")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:  # root without CAP_SYS_ADMIN (a container)
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode(errors='replace').strip()}); "
                    "test_file_size_limit covers the case")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def _one_clean_message(err: GeoTwinError, target: Path, reason: str) -> None:
    text = str(err)
    assert text.startswith(f"{target}: ") and reason in text, text
    assert ".tmp" not in text and "geotwin-" not in text and "Traceback" not in text
    assert "\n" not in text


def test_read_only_folder(tmp_path, shared_data):
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as folder:
        target = folder / "fzk.gpkg"
        with pytest.raises(GeoTwinError, match="read-only file system") as err:
            import_citymodel([shared_data / FZK_GML], target)
        _one_clean_message(err.value, target, "read-only file system")


def test_disk_full_geopackage(tmp_path, shared_data):
    with _tmpfs(tmp_path / "full", "size=256k") as folder:
        target = folder / "hamburg.gpkg"
        with pytest.raises(GeoTwinError, match="cannot write the output") as err:
            import_citymodel([shared_data / HAMBURG], target)
        text = str(err.value)
        _one_clean_message(err.value, target, "cannot write the output")
        assert "full" in text or "no space left" in text, text
        assert _temporaries(folder) == [] and not target.exists()


def test_disk_full_twin_and_tiles(tmp_path, shared_data):
    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

    city = tmp_path / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], city)
    with _tmpfs(tmp_path / "full", "size=256k") as folder:
        twin = folder / "twin.gpkg"
        with pytest.raises(GeoTwinError, match="cannot write the output") as err:
            build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
        _one_clean_message(err.value, twin, "cannot write the output")
        assert _temporaries(folder) == [] and not twin.exists()
    with _tmpfs(tmp_path / "fuller", "size=32k") as folder:
        tiles = folder / "tiles"
        with pytest.raises(GeoTwinError, match="no space left on the device") as err:
            export_3dtiles(city, tiles, ExportOptions(viewer=False))
        _one_clean_message(err.value, tiles, "no space left on the device")
        assert _temporaries(folder) == [] and not tiles.exists()


LIMITED_IMPORT = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel.errors import GeoTwinError
try:
    import_citymodel([sys.argv[1]], sys.argv[2])
except GeoTwinError as err:
    print("GeoTwinError:", err)
"""


def test_file_size_limit(tmp_path, shared_data):
    target = tmp_path / "hamburg.gpkg"
    proc = subprocess.run([sys.executable, "-c", LIMITED_IMPORT, str(shared_data / HAMBURG), str(target)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"GeoTwinError: {target}: cannot write the output"), proc.stdout
    assert ".tmp" not in lines[0] and "Traceback" not in proc.stderr
    assert _temporaries(tmp_path) == [] and not target.exists()


# -- permissions ----------------------------------------------------------------------------------
@contextlib.contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask, folder_mode, file_mode", [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600),
                                                          (0o002, 0o775, 0o664)])
def test_outputs_follow_the_umask(tmp_path, shared_data, mask, folder_mode, file_mode):
    from geotwin.twin.sample import generate_district
    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

    city = tmp_path / "fzk.gpkg"
    with _umask(mask):
        import_citymodel([shared_data / FZK_GML], city)
        result = export_3dtiles(city, tmp_path / "tiles", ExportOptions(viewer=True))
        generate_district(tmp_path / "district", buildings=10)
    assert city.stat().st_mode & 0o777 == file_mode
    for root in (result.output, tmp_path / "district"):
        folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
        files = [p for p in root.rglob("*") if p.is_file()]
        assert len(files) >= 2
        assert {oct(p.stat().st_mode & 0o777) for p in folders} == {oct(folder_mode)}, root
        assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(file_mode)}, root
    assert (result.output / "viewer").is_dir()


# -- PostGIS faults -------------------------------------------------------------------------------
@pytest.fixture
def schema(pg_dsn):
    import psycopg

    name = f"fault_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


class _KillServerWhileWriting(CollectingReporter):
    """Terminates the build's database sessions (as a dying server would) once it writes."""

    def __init__(self, dsn: str, schema: str) -> None:
        super().__init__()
        self.dsn, self.schema, self.killed = dsn, schema, 0

    def is_cancelled(self) -> bool:
        if self.last_progress >= 60 and not self.killed:
            import psycopg

            with psycopg.connect(self.dsn, autocommit=True) as conn:
                if not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
                                    "datname = current_database() AND query LIKE %s",
                                    (f"%{self.schema}%",)).fetchone()[0]:
                    return False      # not writing yet (the store's cancel watch asks from its own thread)
                self.killed = len(conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                    "AND datname = current_database() AND (query LIKE %s OR pid IN (SELECT pid FROM pg_locks "
                    "WHERE locktype = 'advisory'))", (f"%{self.schema}%",)).fetchall())
        return False


def test_postgis_server_dying_mid_build(pg_dsn, schema, shared_data, tmp_path):
    city = tmp_path / "hamburg.gpkg"
    import_citymodel([shared_data / HAMBURG], city)
    fzk = tmp_path / "fzk.gpkg"
    import_citymodel([shared_data / FZK_GML], fzk)
    build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(fzk)]))
    before = read_store(open_store(pg_dsn, schema))
    reporter = _KillServerWhileWriting(pg_dsn, schema)
    with pytest.raises(GeoTwinError, match=f"^PostGIS .*schema {re.escape(schema)}: ") as err:
        build_twin(open_store(pg_dsn, schema), BuildInputs(citymodel=[str(city)]), reporter=reporter)
    assert reporter.killed >= 1
    text = str(err.value)
    assert text.startswith("PostGIS ") and f"schema {schema}: " in text and "\n" not in text, text
    assert "terminat" in text or "closed" in text or "lost" in text or "consuming input" in text, text
    after = read_store(open_store(pg_dsn, schema))   # rolled back: the earlier twin is unchanged
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    assert after["buildings"]["id"].tolist() == before["buildings"]["id"].tolist()


def test_postgis_unreachable_names_the_store(tmp_path, shared_data):
    store = open_store(f"host={tmp_path} port=1 dbname=twin user=office password=pw-secret", "geotwin")
    with pytest.raises(GeoTwinError, match="cannot connect to PostGIS") as err:
        build_twin(store, BuildInputs(citymodel=[str(shared_data / FZK_GML)]))
    assert "cannot connect to PostGIS" in str(err.value) and "pw-secret" not in str(err.value)


@pytest.mark.parametrize("name, message", [("pg_catalog", "schema 'pg_catalog' is a system schema"),
                                           ("public", "schema 'public' is shared by every user"),
                                           ("bad-name", "not a valid schema name: 'bad-name'")])
def test_buildtwin_algorithm_refuses_schemas_with_one_message(run_alg, pg_connection, shared_data, name, message):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=re.escape(message)) as err:
        run_alg("geotwin:buildtwin", {"CITYMODEL": [str(shared_data / FZK_GML)], "DATABASE": pg_connection,
                                      "SCHEMA": name})
    assert message in str(err.value) and "Traceback" not in str(err.value)


def test_algorithm_storage_fault_has_no_traceback(run_alg, tmp_path, shared_data):
    """The output's folder is a file: one message naming it, no traceback."""
    from qgis.core import QgsProcessingException

    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be")
    with pytest.raises(QgsProcessingException, match=": cannot write the output: .* is a file, not a folder$") as err:
        run_alg("geotwin:importcitymodel", {"INPUT": [str(shared_data / FZK_GML)],
                                            "OUTPUT": str(blocker / "fzk.gpkg")})
    text = str(err.value)
    assert text == f"{blocker / 'fzk.gpkg'}: cannot write the output: {blocker} is a file, not a folder", text


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_truncated_twin_is_one_message(tmp_path, shared_data, keep):
    """A twin GeoPackage cut short (a copy interrupted, a full disk of another program): one message naming
    it, the file left as it is."""
    city = tmp_path / "fzk.gpkg"
    import_citymodel([shared_data / FZK_GML], city)
    twin = tmp_path / "twin.gpkg"
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    data = twin.read_bytes()
    twin.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(GeoTwinError, match=r": the output exists and is not a readable GeoPackage \(") as err:
        build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    text = str(err.value)
    assert text.startswith(f"{twin}: the output exists and is not a readable GeoPackage (") and "\n" not in text
    assert twin.read_bytes() == data[:int(len(data) * keep)] and _temporaries(tmp_path) == []
