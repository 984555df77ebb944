"""The record of a partitioned stage's finished partitions, saved atomically after every change.

A partitioned run (the import, the twin build, the 3D Tiles export) keeps ``manifest.json`` in its work folder:
a header naming the stage (and what else identifies the run) and ``partitions``, one entry per finished
partition. A crash or a cancel keeps what was recorded; a re-run reads it and does only what is missing.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .jsonfile import write_json

MANIFEST = "manifest.json"


class PartitionManifest:
    """The finished partitions of one stage, in ``folder/manifest.json``.

    Example:
        >>> import json, tempfile
        >>> folder = Path(tempfile.mkdtemp()) / "work"
        >>> m = PartitionManifest(folder, {"stage": "import"})
        >>> m.record("tile_1", {"fingerprint": "ab", "output": "tile_1.gpkg"})
        >>> json.loads((folder / MANIFEST).read_text())
        {'partitions': {'tile_1': {'fingerprint': 'ab', 'output': 'tile_1.gpkg'}}, 'stage': 'import'}
        >>> m.forget("tile_1"); m.forget("tile_2")     # a partition not recorded is no change
        >>> json.loads((folder / MANIFEST).read_text())["partitions"]
        {}
    """

    def __init__(self, folder: str | os.PathLike[str], header: dict[str, str],
                 entries: dict[str, dict[str, Any]] | None = None) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST
        self.header = dict(header)
        self.entries: dict[str, dict[str, Any]] = dict(entries or {})

    def record(self, key: str, entry: dict[str, Any]) -> None:
        """Note partition ``key`` as finished (``entry`` holds its fingerprint and output) and save."""
        self.entries[key] = entry
        self.save()

    def forget(self, key: str) -> None:
        """Drop partition ``key`` (it failed or its input is gone) and save if it was recorded."""
        if self.entries.pop(key, None) is not None:
            self.save()

    def save(self) -> None:
        """Write the manifest atomically (a temporary file in the folder, renamed over the old one)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        write_json(tmp, {**self.header, "partitions": self.entries}, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
