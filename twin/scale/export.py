"""The 3D Tiles export of a twin or city model with a mapper: the partitioned export on the cluster.

``export_tiles`` runs ``twin.tiles.partitioned.export_partitioned`` (a partition per quadtree subtree, the root
tileset written last; the same tiles as ``export_3dtiles``) with the mapper. What the partitioned export does
not cover (terrain, per-surface features, a twin with BIM detail, learning islands or sensors) is named by
``partitioned_refusal``; ``export_tiles`` then refuses with that message, or, with ``fallback=True``, says so
and runs the single-process export in this process (the mapper is then not used).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..kernel.errors import GeoTwinError
from ..kernel.progress import Reporter
from ..store.base import StoreReader
from ..store.open import is_dsn
from ..tiles.export import ExportOptions, ExportResult, export_3dtiles
from ..tiles.partitioned import PARTITION_BUILDINGS, export_partitioned, twin_extras
from .cluster import Mapper


def _reader(source: str | os.PathLike[str] | StoreReader, schema: str) -> StoreReader:
    from ..store.open import open_store

    return source if isinstance(source, StoreReader) else open_store(str(source), schema)


def partitioned_refusal(source: str | os.PathLike[str] | StoreReader, options: ExportOptions,
                        schema: str = "geotwin") -> str | None:
    """Why the partitioned export cannot export ``source`` with ``options``, None when it can.

    Args:
        source: a GeoPackage path, a PostgreSQL DSN or a store.
        options: the export's options.
        schema: the PostGIS schema of a DSN.

    Returns:
        The reason (one sentence naming what to do), or None.

    Example:
        >>> from geotwin.twin.tiles.export import ExportOptions
        >>> partitioned_refusal("city.gpkg", ExportOptions(terrain="relief"))[:44]
        'the partitioned export writes no terrain til'
    """
    if options.terrain:
        return "the partitioned export writes no terrain tiles: the terrain is exported with the single-process export"
    if options.features != "building":
        return "the partitioned export writes one feature per building: per-surface features need the single-process " \
               "export"
    if isinstance(source, (str, os.PathLike)) and not is_dsn(str(source)) and not Path(source).is_file():
        return None   # the export itself names a missing input
    extras = twin_extras(_reader(source, schema))
    if extras:
        return (f"the partitioned export tiles the city model; the twin's {', '.join(extras)} are tiled by the "
                "single-process export")
    return None


def export_tiles(source: str | os.PathLike[str] | StoreReader, output: str | os.PathLike[str],
                 options: ExportOptions | None, reporter: Reporter, mapper: Mapper, *, fallback: bool = False,
                 partition_buildings: int = PARTITION_BUILDINGS, schema: str = "geotwin") -> ExportResult:
    """Export ``source`` (a GeoPackage path, a PostgreSQL DSN of ``schema``, or a store) as 3D Tiles into
    ``output``, its quadtree subtrees run by ``mapper`` (``export_partitioned``).

    Where the partitioned export cannot (``partitioned_refusal``): a GeoTwinError with the reason, or, with
    ``fallback``, a warning with the reason and the single-process ``export_3dtiles`` in this process.

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
    refusal = partitioned_refusal(source, options, schema)
    if refusal is not None:
        if not fallback:
            raise GeoTwinError(f"{refusal} (run it without a scheduler and workers)")
        reporter.warning(f"{refusal}: exporting in this process, not on the cluster")
        single = _reader(source, schema) if not isinstance(source, StoreReader) and is_dsn(str(source)) else source
        return export_3dtiles(single, output, options, reporter)
    return export_partitioned(source, output, options, reporter, mapper, partition_buildings=partition_buildings,
                              schema=schema)
