"""The error branches of scripts/qgis-trixie.sh (the Debian 13 chroot with QGIS 3.40) and scripts/qgis-next-test.sh
(the tests in it), run for real as root on throwaway folders: a complete chroot is left alone, an unreachable
mirror fails loudly and leaves no marker and no mount, a folder with something mounted inside is never removed,
and both refuse to run without root. The chroot build and the tests in it: make test-qgis-next."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from geotwin.tests.paths import ROOT

WANT = ("suite=trixie packages=python3-qgis qgis-providers python3-pytest python3-numpy python3-shapely "
        "python3-pyproj python3-lxml")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (CI and make test run as root)")


def _run(script: str, folder: Path, *args: str, mirror: str | None = None, prefix: list[str] | None = None):
    env = {**os.environ, "GEOTWIN_TRIXIE_DIR": str(folder)}
    if mirror:
        env["GEOTWIN_DEBIAN_MIRROR"] = mirror
    return subprocess.run([*(prefix or []), "bash", str(ROOT / "scripts" / script), *args], env=env,
                          capture_output=True, text=True, timeout=600, cwd=str(ROOT))


def _mounts_under(folder: Path) -> list[str]:
    real = str(folder.resolve())
    return [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
            if line.split()[1] == real or line.split()[1].startswith(real + "/")]


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])   # closed again when the with block ends


def test_a_complete_chroot_is_left_as_it_is(tmp_path):
    folder = tmp_path / "trixie"
    folder.mkdir()
    (folder / ".geotwin-complete").write_text(f"{WANT}\nQGIS 3.40.6-Bratislava, built earlier\n")
    (folder / "kept").write_text("x")
    result = _run("qgis-trixie.sh", folder)
    assert result.returncode == 0, result.stderr
    assert "is complete (QGIS 3.40.6-Bratislava, built earlier), nothing to do" in result.stdout
    assert (folder / "kept").read_text() == "x"


def test_an_unreachable_mirror_fails_loudly_and_leaves_no_marker(tmp_path):
    folder = tmp_path / "trixie"
    folder.mkdir()
    (folder / ".geotwin-complete").write_text("suite=trixie packages=an older list\n")   # outdated: rebuilt
    (folder / "old").write_text("x")
    mirror = f"http://127.0.0.1:{_closed_port()}/debian"
    result = _run("qgis-trixie.sh", folder, mirror=mirror)
    assert result.returncode == 1
    assert "removing the incomplete or outdated" in result.stdout
    assert "qgis-trixie: debootstrap failed" in result.stderr
    assert not (folder / "old").exists() and not (folder / ".geotwin-complete").exists()
    assert _mounts_under(tmp_path) == []
    # the test run builds the chroot first: its failure is the run's, before anything is mounted or exported
    before = set(Path("/tmp").glob("geotwin-next.*"))
    run = _run("qgis-next-test.sh", folder, mirror=mirror)
    assert run.returncode == 1 and "qgis-trixie: debootstrap failed" in run.stderr
    assert "prepared" not in run.stdout and "passed" not in run.stdout
    assert set(Path("/tmp").glob("geotwin-next.*")) == before
    assert _mounts_under(tmp_path) == []


def test_a_chroot_with_a_mount_inside_is_never_removed(tmp_path):
    folder = tmp_path / "trixie"
    (folder / "proc").mkdir(parents=True)
    (folder / "kept").write_text("x")   # no marker: an interrupted build, which would be removed
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder / "proc")], check=True)
    try:
        (folder / "proc" / "inside").write_text("y")
        result = _run("qgis-trixie.sh", folder, "--force")
        assert result.returncode == 1
        assert f"something is mounted inside {folder.resolve()}, not removing it: {folder.resolve()}/proc" \
            in result.stderr
        assert (folder / "kept").read_text() == "x" and (folder / "proc" / "inside").read_text() == "y"
    finally:
        subprocess.run(["umount", str(folder / "proc")], check=True)
    assert _mounts_under(tmp_path) == []


def test_a_symlinked_folder_is_checked_at_its_real_path(tmp_path):
    """.tools may be a symlink; /proc/mounts names real paths, so the mount check resolves the folder first."""
    real = tmp_path / "real" / "trixie"
    (real / "proc").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(real / "proc")], check=True)
    try:
        result = _run("qgis-trixie.sh", tmp_path / "link" / "trixie", "--force")
        assert result.returncode == 1 and "something is mounted inside" in result.stderr
        assert (real / "proc").is_dir()
    finally:
        subprocess.run(["umount", str(real / "proc")], check=True)


@pytest.mark.parametrize("script", ["qgis-trixie.sh", "qgis-next-test.sh"])
def test_both_scripts_need_root(tmp_path, script):
    result = _run(script, tmp_path / "trixie", prefix=NOBODY)
    assert result.returncode == 1
    assert "needs root" in result.stderr
    assert not (tmp_path / "trixie").exists()
