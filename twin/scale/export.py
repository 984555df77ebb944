"""The 3D Tiles export of a twin or city model with a mapper.

The partitioned export (``twin.tiles.partitioned.export_partitioned(store, output, options, reporter,
mapper)``: a partition per quadtree subtree, the root tileset written last) is built on its own branch; this
module is the one place that calls it. Where that module is not installed, the single-process export runs
(``export_3dtiles``; the mapper is then not used) and the log says so.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

from ..kernel.progress import Reporter
from ..store.base import StoreReader
from ..tiles.export import ExportOptions, export_3dtiles
from .cluster import Mapper

PARTITIONED_MODULE = "geotwin.twin.tiles.partitioned"


def partitioned_export() -> Any | None:
    """Give ``export_partitioned`` of the partitioned 3D Tiles export, None where it is not installed.

    Returns:
        The function, or None.

    Example:
        >>> partitioned_export().__name__
        'export_partitioned'
    """
    package = __package__.rpartition(".")[0] if __package__ else "geotwin.twin"
    try:
        module = importlib.import_module(f"{package}.tiles.partitioned")
    except ModuleNotFoundError:
        return None
    return getattr(module, "export_partitioned", None)


def export_tiles(source: str | os.PathLike[str] | StoreReader, output: str | os.PathLike[str],
                 options: ExportOptions | None, reporter: Reporter, mapper: Mapper) -> Any:
    """Export ``source`` (a GeoPackage path or a store) as 3D Tiles into ``output`` with ``mapper``.

    Args:
        source: a GeoPackage path, a StoreReader or a connection string.
        output: the tileset folder.
        options: the export options (None: the defaults).
        reporter: progress, cancel and messages.
        mapper: runs the partitions.

    Returns:
        The export's ExportResult.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.importer import import_citymodel
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> _ = import_citymodel([folder / "district" / "district.gml"], folder / "city.gpkg")
        >>> from geotwin.twin.scale.cluster import serial_mapper
        >>> result = export_tiles(folder / "city.gpkg", folder / "tiles", None, Reporter(), serial_mapper())
        >>> result.tiles, result.summary.buildings, result.tileset.name
        (1, 12, 'tileset.json')
    """
    options = options or ExportOptions()
    # INTEGRATION POINT (branch dasktiles): the partitioned export, when present, runs the subtrees on the mapper.
    partitioned = partitioned_export()
    if partitioned is not None:
        from ..store.open import open_store

        store = source if isinstance(source, StoreReader) else open_store(str(source))
        return partitioned(store, output, options, reporter, mapper)
    reporter.info("the partitioned 3D Tiles export is not installed here: exporting in this process")
    return export_3dtiles(source, output, options, reporter)
