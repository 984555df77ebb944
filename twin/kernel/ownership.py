"""GeoTwin writes only into outputs it created, or that are empty.

A GeoPackage that GeoTwin wrote carries a marker in the GeoPackage metadata extension (``gpkg_metadata``,
scope ``geopackage``, standard URI ``MARKER_URI``): a JSON document with ``generator`` ("geotwin"),
``version``, ``kind`` (twin, citymodel, ifc, islands, sensors, ...) and ``created``. It is invisible as a
layer. A PostGIS schema carries the same keys as rows of its table ``geotwin_meta`` (key, value).

An existing output that has neither the marker nor is empty is refused with a message naming its tables,
except outputs of older GeoTwin versions (no marker, but only the layers that run writes): those are taken
over and marked.

This module holds the rule (the marker's keys, the kinds, the folder check); reading and writing the marker of a
GeoPackage (``gpkg_marker``, ``mark_gpkg``, ``check_gpkg``, ``gpkg_tables``) is GeoPackage access and lives in
twin/kernel/gpkg.py with all other.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from .errors import GeoTwinError
from .schema import LayerSpec, islands
from .schema.twin import KNOWN_SPECS

GENERATOR = "geotwin"
MARKER_URI = "urn:x-geotwin:output"
META_TABLE = "geotwin_meta"
TWIN = "twin"
NEW, EMPTY, OURS, LEGACY = "new", "empty", "ours", "legacy"

# The kind of an importer's GeoPackage, told by the first of its layers found here.
_KIND_BY_LAYER = (("buildings", "citymodel"), ("bim_buildings", "ifc"), ("learning_islands", "islands"),
                  ("sensors", "sensors"), ("wlan_building_coverage", "coverage"),
                  ("learning_island_search", "search"))


def marker(kind: str, created: str | None = None) -> dict[str, str]:
    """Make the marker GeoTwin leaves in its outputs (the ``gpkg_metadata`` row, the PostGIS ``geotwin_meta``).

    Args:
        kind: the kind of output (``twin``, ``citymodel``, ``ifc``, ``islands``, ...).
        created: the creation time of an earlier marker to keep; now when None.

    Returns:
        The keys generator, version, kind and created.

    Example:
        >>> m = marker("islands", created="2026-07-01T10:00:00+00:00")
        >>> m["generator"], m["kind"], m["created"]
        ('geotwin', 'islands', '2026-07-01T10:00:00+00:00')
    """
    return {"generator": GENERATOR, "version": __version__, "kind": kind,
            "created": created or datetime.now(UTC).isoformat(timespec="seconds")}


def kind_of_layers(layers: Iterable[str]) -> str:
    """Tell the kind of GeoPackage a run wrote from its layer names.

    Args:
        layers: the names of the layers written.

    Returns:
        ``citymodel``, ``ifc``, ``islands``, ``sensors``, ``coverage``, ``search``, else ``output``.

    Example:
        >>> kind_of_layers(["bim_elements", "bim_buildings"]), kind_of_layers(["something"])
        ('ifc', 'output')
    """
    names = set(layers)
    return next((kind for layer, kind in _KIND_BY_LAYER if layer in names), "output")


def geotwin_layer_names() -> frozenset[str]:
    """List every layer name some GeoTwin run writes into a GeoPackage (the store's and the importers').

    Returns:
        The layer names.

    Example:
        >>> names = geotwin_layer_names()
        >>> {"buildings", "bim_elements", "learning_islands", "sensors"} <= names
        True
    """
    return frozenset(KNOWN_SPECS) | {v.name for v in vars(islands).values() if isinstance(v, LayerSpec)}


def listing(names: list[str], limit: int = 5, noun: str = "table") -> str:
    """Name a few of many names for a message: the first ``limit`` and the count.

    Args:
        names: the names.
        limit: how many to show.
        noun: what they are (an ``s`` is added for the count unless it is 1).

    Returns:
        ``a, b, c, ... (12 tables)``.

    Example:
        >>> listing(["a", "b", "c", "d"], limit=2)
        'a, b, ... (4 tables)'
        >>> listing(["roads"], noun="layer")
        'roads (1 layer)'
    """
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"{shown} ({len(names)} {noun}{'s' if len(names) != 1 else ''})"


def check_folder(target: str | Path, ours: str) -> None:
    """Refuse to replace an existing folder unless it is empty or holds ``ours`` (the file every GeoTwin output
    of its kind has, e.g. a tileset's export report).

    Args:
        target: the output folder.
        ours: the file name that marks GeoTwin's output.

    Raises:
        GeoTwinError: the target is a file, or a folder with other content.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     check_folder(Path(tmp) / "new", "report.json")     # absent: fine
        ...     (Path(tmp) / "notes.txt").write_text("mine")
        ...     check_folder(tmp, "report.json")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.GeoTwinError: ...folder is not empty and holds no earlier GeoTwin output...
    """
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise GeoTwinError("the output exists and is not a folder", path=str(target))
    names = sorted(p.name for p in target.iterdir())
    if names and ours not in names:
        raise GeoTwinError(f"the output folder is not empty and holds no earlier GeoTwin output ({ours}): "
                           f"{listing(names, noun='entry').replace('entrys', 'entries')}; GeoTwin replaces the "
                           "whole folder: choose a new or empty folder", path=str(target))
