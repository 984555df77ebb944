"""Fixtures of the partitioned chain: an NRW-style delivery (a zip of LoD2 tiles of the sample district), its
single-process import and twin, and a real Dask cluster (`dask scheduler` + two `dask worker` processes)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.sample.generator import generate_district
from geotwin.twin.sample.tiles import split_tiles, zip_tiles
from geotwin.twin.store.open import open_store

BUILDINGS = 400
TILES = 8
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def delivery(tmp_path_factory):
    """``{"zip", "tiles": [paths], "folder"}``: the sample district split into about 8 LoD2 tiles, zipped."""
    work = tmp_path_factory.mktemp("nrw")
    district = generate_district(work / "district", buildings=BUILDINGS, seed=3, formats=("citygml",))
    tiles = split_tiles(district.path("citygml"), work / "tiles", TILES)
    return {"zip": zip_tiles(tiles, work / "LoD2_NW.zip"), "tiles": tiles, "folder": work}


@pytest.fixture(scope="session")
def single(delivery, tmp_path_factory):
    """The single-process import and twin of the delivery (what the partitioned chain must equal)."""
    work = tmp_path_factory.mktemp("single")
    city = work / "city.gpkg"
    import_citymodel([delivery["zip"]], city)
    twin = work / "twin.gpkg"
    build_twin(open_store(twin), BuildInputs(citymodel=[str(city)]))
    return {"city": city, "twin": twin}


def _env() -> dict[str, str]:
    import geotwin

    package_parent = str(Path(geotwin.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_parent, *filter(None, [env.get("PYTHONPATH")])])
    return env


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory):
    """A real `dask scheduler` and two `dask worker` processes on loopback: ``{"address", "workers": [Popen]}``."""
    log = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = _env()
    procs = [subprocess.Popen([str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-show"], env=env,
                              stdout=open(log / "scheduler.log", "w"), stderr=subprocess.STDOUT)]  # noqa: SIM115
    workers = []
    try:
        _wait_port(port, procs[0], log / "scheduler.log")
        for n in range(2):
            workers.append(subprocess.Popen([str(VENV_BIN / "dask"), "worker", address, "--nthreads", "1",
                                             "--host", "127.0.0.1", "--name", f"w{n}", "--memory-limit", "0",
                                             "--dashboard-address", ":0", "--no-dashboard"], env=env,
                                            stdout=open(log / f"worker{n}.log", "w"),  # noqa: SIM115
                                            stderr=subprocess.STDOUT))
        procs += workers
        _wait_workers(address, 2)
        yield {"address": address, "workers": workers, "log": log}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dask scheduler exited: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"dask scheduler did not listen on {port}: {log.read_text()[-2000:]}")


def _wait_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=30) as client:
        client.wait_for_workers(count, timeout=90)


@pytest.fixture
def client(dask_scheduler):
    """A client of the real cluster (closed after the test)."""
    from distributed import Client

    with Client(dask_scheduler["address"], timeout=30) as c:
        yield c


def rezip(delivery, target, replace=None):
    """The delivery's tiles zipped at ``target``; ``replace`` maps a tile name to other content."""
    folder = target.parent / f"tiles-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    paths = []
    for tile in delivery["tiles"]:
        path = folder / tile.name
        if replace and tile.name in replace:
            path.write_text(replace[tile.name], encoding="utf-8")
        else:
            shutil.copy(tile, path)
        paths.append(path)
    return zip_tiles(paths, target)
