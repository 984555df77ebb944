"""The ``Example:`` blocks of the core's docstrings run as doctests (issue 17: docstrings in ifcopenshell.api style).

Each module whose public functions carry examples is one case; an example must be real and fast (no network,
temporary files through tempfile). A module in the list whose examples disappear fails, so the list cannot
silently test nothing.
"""
import doctest
import importlib

import pytest

MODULES = [
    "geotwin.twin.islands.rooms",
    "geotwin.twin.islands.holidays_bw",
    "geotwin.twin.islands.values",
    "geotwin.twin.islands.opening_hours",
    "geotwin.twin.kernel.numeric",
    "geotwin.twin.sensors.series",
    "geotwin.twin.sensors.mqtt",
    "geotwin.twin.sensors.lorawan",
    "geotwin.twin.kernel.ownership",
    "geotwin.bim.georef",
    "geotwin.twin.islands.calendar",
    "geotwin.twin.islands.availability",
    "geotwin.twin.islands.importer",
    "geotwin.twin.islands.coverage",
    "geotwin.twin.islands.search",
    "geotwin.twin.kernel.crs",
    "geotwin.twin.kernel.http",
    "geotwin.twin.kernel.heights",
    "geotwin.twin.kernel.atomic",
    "geotwin.twin.kernel.layers",
    "geotwin.twin.kernel.gpkg",
    "geotwin.bim.geometry",
    "geotwin.bim.attributes",
    "geotwin.bim.fit",
    "geotwin.bim.reader",
    "geotwin.bim.importer",
    "geotwin.twin.sensors.timeseries",
    "geotwin.twin.sensors.listen",
    "geotwin.twin.sensors.replay",
    "geotwin.twin.sensors.export_source",
    "geotwin.twin.store.base",
    "geotwin.twin.store.frames",
    "geotwin.twin.store.hashing",
    "geotwin.twin.store.open",
    "geotwin.twin.store.postgis",
    "geotwin.twin.sensors.importer",
    "geotwin.twin.sensors.sta_source",
    "geotwin.bim.workers",
    "geotwin.twin.tiles.metadata",
    "geotwin.twin.tiles.subtree",
    "geotwin.twin.tiles.frame",
    "geotwin.twin.tiles.polygons",
    "geotwin.twin.tiles.incremental",
    "geotwin.twin.sample.site",
    "geotwin.twin.sample.layout",
    "geotwin.twin.sample.school",
    "geotwin.twin.sample.jsonfmt",
    "geotwin.twin.sample.solid",
    "geotwin.twin.sample.citygml",
    "geotwin.twin.sample.cityjson",
    "geotwin.twin.sample.areas",
    "geotwin.twin.sample.ifcmodel",
    "geotwin.twin.sample.islands",
    "geotwin.twin.sample.sensors",
    "geotwin.twin.sample.generator",
    "geotwin.twin.sample.ifc",
    "geotwin.twin.sample.synthetic_ifc",
    "geotwin.twin.sample.__main__",
    "geotwin.twin.tiles.mesh",
    "geotwin.twin.tiles.quadtree",
    "geotwin.twin.tiles.tileset",
    "geotwin.twin.tiles.twin_tiles",
    "geotwin.twin.tiles.viewer",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False,
                             report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (see the output)"
