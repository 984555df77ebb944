"""The twin the analyst's view tests open: built once per session by the real algorithms."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

BUILDINGS = 30


@pytest.fixture(scope="session")
def twin(run_alg, district_sources, tmp_path_factory) -> tuple[Path, dict, dict]:
    """A twin GeoPackage built by the real algorithms from a 30-building district, the district manifest and
    the buildtwin inputs."""
    out = tmp_path_factory.mktemp("twinview")
    inputs = district_sources(out, BUILDINGS)
    built = run_alg("geotwin:buildtwin", {**inputs, "OUTPUT": str(out / "twin.gpkg")})
    manifest = json.loads((out / "district" / "district.json").read_text())
    return Path(built["OUTPUT"]), manifest, inputs
