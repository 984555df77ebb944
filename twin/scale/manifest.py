"""The work folder's record of finished partitions, so that a re-run does only what is missing.

``manifest.json`` in a stage's folder (``WORK/import``, ``WORK/build``) maps each partition's key to what
it was made from (``fingerprint``: input hashes and options) and what it wrote. A partition is done when its
entry's fingerprint equals the one of this run and its output file exists. The file is rewritten atomically
after every finished partition, so a crash or a cancel keeps what was done.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..kernel.errors import GeoTwinError
from ..kernel.manifest import PartitionManifest


def fingerprint(*parts: Any) -> str:
    """Give the SHA-256 hex of the JSON of ``parts`` (what a partition was made from).

    Args:
        parts: JSON-able values (paths, hashes, options).

    Returns:
        64 hex digits; equal parts give equal fingerprints.

    Example:
        >>> a = fingerprint("tile.gml", "ab12", {"lod": "highest"})
        >>> len(a), a == fingerprint("tile.gml", "ab12", {"lod": "highest"})
        (64, True)
        >>> a == fingerprint("tile.gml", "ab12", {"lod": "2"})
        False
    """
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Manifest(PartitionManifest):
    """The finished partitions of one stage in ``folder`` (see the module docstring)."""

    def __init__(self, folder: str | os.PathLike[str], stage: str) -> None:
        super().__init__(folder, {"stage": stage})
        self.stage = stage
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise GeoTwinError(f"cannot read the work folder's manifest: {err}", path=str(self.path)) from None
            if not isinstance(data, dict) or data.get("stage") != stage:
                raise GeoTwinError(f"not a manifest of the {stage} stage: choose an empty work folder",
                                   path=str(self.path))
            self.entries = dict(data.get("partitions", {}))

    def done(self, key: str, print_: str) -> bool:
        """Whether partition ``key`` was finished from the same inputs (``print_``) and its output is there."""
        entry = self.entries.get(key)
        return (entry is not None and entry.get("fingerprint") == print_
                and (self.folder / str(entry.get("output", ""))).exists())


def default_work_folder(target: str) -> Path:
    """Choose where a partitioned run keeps its partitions when no work folder is given.

    Beside a GeoPackage output (``twin.gpkg`` -> ``twin.gpkg.geotwin-work``), else (a PostGIS store) in the
    temporary folder, one per database and schema.

    Args:
        target: the output: a GeoPackage path or a connection string.

    Returns:
        The work folder (not created).

    Example:
        >>> default_work_folder("/data/twin.gpkg")
        PosixPath('/data/twin.gpkg.geotwin-work')
        >>> pg = default_work_folder("host=db dbname=twin")
        >>> pg.name.startswith("geotwin-work-"), pg == default_work_folder("host=db dbname=twin")
        (True, True)
    """
    if Path(target).suffix.lower() == ".gpkg":
        return Path(target).with_name(Path(target).name + ".geotwin-work")
    import hashlib

    return Path(tempfile.gettempdir()) / f"geotwin-work-{hashlib.sha256(target.encode()).hexdigest()[:16]}"
