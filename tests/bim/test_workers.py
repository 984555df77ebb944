"""Triangulation in worker processes (bim/workers.py) on real files: the same GeoPackage as in the import's
own thread; a worker that cannot start, or stops half-way, loses nothing; a cancel stops the workers."""
from __future__ import annotations

import os
import stat
import sys

import geopandas as gpd
import psutil
import pytest
import shapely

from geotwin.bim.importer import ImportOptions, import_ifc
from geotwin.twin.kernel.errors import Cancelled
from geotwin.twin.kernel.progress import CollectingReporter

DUPLEX = "ifc/medium/duplex_IFC2X3.ifc"
FZK_ZIP = "ifc/fzk-haus/AC20-FZK-Haus.ifczip"
LAYERS = ("bim_elements", "bim_spaces", "bim_storeys", "bim_buildings")


def _import(path, out, processes: int, reporter=None):
    options = ImportOptions(georeferencing="manual", manual=(458000.0, 5438000.0, 115.0, 30.0), processes=processes)
    return import_ifc(path, out, options, reporter or CollectingReporter())


def _assert_same(a, b) -> None:
    """Every layer has the same rows; element and room geometries are identical, unions equal as shapes."""
    for layer in LAYERS:
        left = gpd.read_file(a, layer=layer).sort_values("global_id").reset_index(drop=True)
        right = gpd.read_file(b, layer=layer).sort_values("global_id").reset_index(drop=True)
        assert len(left) == len(right) > 0, layer
        attributes = [c for c in left.columns if c != "geometry"]
        assert left[attributes].equals(right[attributes]), layer
        present = left.geometry.notna()
        assert (present == right.geometry.notna()).all(), layer
        l_geom, r_geom = left.geometry[present].values, right.geometry[present].values
        if layer in ("bim_elements", "bim_spaces"):
            assert shapely.equals_exact(l_geom, r_geom, tolerance=0).all(), layer
        else:  # unions of the same triangles, gathered in arrival order
            assert (shapely.area(shapely.symmetric_difference(l_geom, r_geom)) < 1e-8).all(), layer


@pytest.fixture(scope="module")
def duplex_in_process(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("duplex") / "in-process.gpkg"
    result = _import(shared_data / DUPLEX, out, processes=0)
    assert result.elements > 200 and result.spaces == 21
    return out, result


@pytest.mark.parametrize("processes", [1, 2])
def test_workers_write_what_the_import_thread_writes(shared_data, tmp_path, duplex_in_process, processes):
    reference, expected = duplex_in_process
    out = tmp_path / "workers.gpkg"
    reporter = CollectingReporter()
    result = _import(shared_data / DUPLEX, out, processes, reporter)
    assert (result.elements, result.spaces, result.skipped) == (expected.elements, expected.spaces, expected.skipped)
    assert not [w for w in reporter.warnings if "worker" in w or "own thread" in w]
    _assert_same(reference, out)


def test_ifczip_through_a_worker(shared_data, tmp_path):
    reference, out = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    _import(shared_data / FZK_ZIP, reference, processes=0)
    _import(shared_data / FZK_ZIP, out, processes=1)
    _assert_same(reference, out)


def _wrapper(tmp_path, body: str):
    script = tmp_path / "python-wrapper.sh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.mark.parametrize("case, python, warning", [
    ("missing interpreter", "/nonexistent/python3", "cannot start /nonexistent/python3"),
    ("worker exits at once", "/bin/false", "stopped early (exit code 1)"),
    ("worker dies mid-stream", "truncating", "stopped early"),
])
def test_a_failing_worker_loses_nothing(shared_data, tmp_path, duplex_in_process, monkeypatch, case, python,
                                        warning):
    if python == "truncating":  # the worker's pipe is cut after 200 kB: some meshes arrive, the rest do not
        python = str(_wrapper(tmp_path, f'"{sys.executable}" "$@" | head -c 200000'))
    monkeypatch.setenv("GEOTWIN_PYTHON", python)
    reference, expected = duplex_in_process
    out = tmp_path / "out.gpkg"
    reporter = CollectingReporter()
    result = _import(shared_data / DUPLEX, out, 1, reporter)
    assert [w for w in reporter.warnings if warning in w and "import's own thread" in w], reporter.warnings
    assert (result.elements, result.spaces, result.skipped) == (expected.elements, expected.spaces, expected.skipped)
    _assert_same(reference, out)


def test_cancel_stops_the_workers(shared_data, tmp_path):
    out = tmp_path / "cancelled.gpkg"
    with pytest.raises(Cancelled, match="^cancelled by the user$"):
        _import(shared_data / DUPLEX, out, 2, CollectingReporter(cancel_after=0.0))
    assert psutil.Process(os.getpid()).children(recursive=True) == []
    assert list(tmp_path.iterdir()) == []


def test_triangle_wkb_is_the_shapely_geometry(shared_data):
    """The WKB written straight from the mesh arrays reads back as the MultiPolygon Z shapely builds."""
    import numpy as np

    from geotwin.bim import geometry
    from geotwin.bim.reader import import_products, open_ifc

    model = open_ifc(shared_data / DUPLEX)
    meshes = [m for m in geometry.iterate(model, import_products(model), CollectingReporter())
              if isinstance(m, geometry.Mesh)]
    pairs = [(np.asarray(m.verts) + (458000.0, 5438000.0, 115.0), m.faces) for m in meshes]
    got = shapely.from_wkb(geometry.triangle_wkb(pairs))
    expected = [shapely.MultiPolygon([shapely.Polygon(xyz[f]) for f in faces]) for xyz, faces in pairs]
    assert len(got) == len(expected) > 200
    assert shapely.equals_exact(got, expected, tolerance=0).all()
    assert all(g.has_z and len(g.geoms) == len(faces) for g, (_, faces) in zip(got, pairs))
