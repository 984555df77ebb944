"""The resumable work folder of the partitioned 3D Tiles export: a failed or cancelled export keeps its finished
partitions, and exporting again tiles only the missing and failed ones.

Beside the tileset folder ``OUT`` lies ``OUT.geotwin-work`` while an export is unfinished:

- ``manifest.json``: ``{"stage": "export", "target": "OUT", "partitions": {key: {"fingerprint": digest,
  "output": "parts/<key>"}}}``, the partitions finished, each with its ``task_digest`` (what its files were made
  from: the plan's encoding, its subtree and the rows it read). Rewritten atomically after every partition.
- ``parts/<key>/``: a finished partition's tiles and subtree files, as it would write them into the tileset, and
  ``summary.json`` (its ``SubtreeSummary``). A partition writes into ``parts/.<key>.*.tmp`` and renames it into
  place when complete, so a partition folder is always whole.

A partition is kept when the manifest records it with the digest it has now (its rows and the plan are
unchanged) and its folder holds the summary of that digest and every file it names; else it is tiled again.
Once the tileset is in place the work folder is removed. A folder of that name that has no export manifest of
this tileset is not ours: the export refuses to run rather than touch it.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..kernel.atomic import discard_folder
from ..kernel.errors import GeoTwinError
from ..kernel.manifest import PartitionManifest

WORK_SUFFIX = ".geotwin-work"
PARTS = "parts"
SUMMARY = "summary.json"
STAGE = "export"


def work_folder(target: str | os.PathLike[str]) -> Path:
    """Give the resumable work folder of the tileset folder ``target`` (its sibling).

    Args:
        target: the tileset folder.

    Returns:
        ``target`` with ``.geotwin-work`` appended to its name.

    Example:
        >>> work_folder("/data/tiles")
        PosixPath('/data/tiles.geotwin-work')
    """
    path = Path(target)
    return path.with_name(path.name + WORK_SUFFIX)


def part_name(key: str) -> str:
    """Give the folder name of the partition ``key`` (a tile key ``level/x/y``, or ``top``).

    Args:
        key: the partition's key.

    Returns:
        A name without path separators.

    Example:
        >>> part_name("3/5/2"), part_name("top")
        ('3-5-2', 'top')
    """
    return key.replace("/", "-")


def kept_summary(folder: Path, digest: str) -> dict[str, Any] | None:
    """Read the summary a finished partition folder holds, when it was made with ``digest`` and every file it
    names (its tiles and, for implicit tiling, subtree files) is there.

    Args:
        folder: ``parts/<key>``.
        digest: the partition's digest in this run.

    Returns:
        The summary's fields (JSON), or None when the folder cannot be kept.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / SUMMARY).write_text('{"digest": "ab", "records": {"tiles/0/0/0.glb": {}}, "files": []}')
        >>> kept_summary(folder, "ab") is None                      # its tile is missing
        True
        >>> (folder / "tiles" / "0" / "0").mkdir(parents=True)
        >>> _ = (folder / "tiles" / "0" / "0" / "0.glb").write_bytes(b"x")
        >>> kept_summary(folder, "ab")["digest"], kept_summary(folder, "cd")
        ('ab', None)
    """
    try:
        data = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("digest") != digest:
        return None
    names = [*data.get("records", {}), *data.get("files", [])]
    if not all((folder / str(name)).is_file() for name in names):
        return None
    data.pop("files", None)
    return data


def save_part(tmp: Path, folder: Path, summary: dict[str, Any]) -> None:
    """Complete a partition's folder: write its summary into ``tmp`` (with the list of the files it holds) and
    rename ``tmp`` to ``folder``, replacing an earlier attempt's folder of the same partition.

    Args:
        tmp: the folder the partition wrote into.
        folder: ``parts/<key>``.
        summary: the partition's SubtreeSummary fields (JSON-able).

    Example:
        >>> import tempfile
        >>> parts = Path(tempfile.mkdtemp())
        >>> (parts / ".a.tmp" / "subtrees").mkdir(parents=True)
        >>> _ = (parts / ".a.tmp" / "subtrees" / "1.subtree").write_bytes(b"s")
        >>> save_part(parts / ".a.tmp", parts / "a", {"digest": "d1", "records": {}})
        >>> kept_summary(parts / "a", "d1")
        {'digest': 'd1', 'records': {}}
    """
    files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
    (tmp / SUMMARY).write_text(json.dumps({**summary, "files": files}, ensure_ascii=False), encoding="utf-8")
    if folder.exists():
        discard_folder(folder)
    os.rename(tmp, folder)


class WorkFolder(PartitionManifest):
    """The resumable work folder of one tileset folder (see the module docstring)."""

    def __init__(self, target: str | os.PathLike[str]) -> None:
        """Read the work folder of ``target`` if there is one.

        Raises:
            GeoTwinError: a folder of that name that is not this export's work folder (it is left untouched).
        """
        self.target = Path(target)
        super().__init__(work_folder(self.target), {"stage": STAGE, "target": self.target.name})
        self.parts = self.folder / PARTS
        if not os.path.lexists(self.folder):
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not (isinstance(data, dict) and data.get("stage") == STAGE and data.get("target") == self.target.name
                and isinstance(data.get("partitions"), dict) and self.folder.is_dir() and not self.folder.is_symlink()):
            raise GeoTwinError("this is not the work folder of an unfinished GeoTwin export of "
                               f"'{self.target.name}': move it away or choose another output folder",
                               path=str(self.folder))
        self.entries = dict(data["partitions"])

    def open(self, keys: list[str]) -> dict[str, str]:
        """Create the folder (or keep it) for a run of the partitions ``keys``; forget the entries of others.

        Returns:
            The digest of every finished partition among ``keys`` (what a task compares its own with).
        """
        self.parts.mkdir(parents=True, exist_ok=True)
        self.entries = {k: e for k, e in self.entries.items() if k in keys}
        self.save()
        return {k: str(e.get("fingerprint")) for k, e in self.entries.items()}

    def record_part(self, key: str, digest: str) -> None:
        """Note the partition ``key`` as finished with ``digest`` (its folder is complete) and save."""
        self.record(key, {"fingerprint": digest, "output": f"{PARTS}/{part_name(key)}"})

    def assemble(self, keys: list[str], into: Path) -> None:
        """Link (or copy) the files of the finished partitions ``keys`` into the folder ``into``."""
        for key in keys:
            folder = self.parts / part_name(key)
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.name != SUMMARY:
                    target = into / path.relative_to(folder)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(path, target)
                    except OSError:
                        shutil.copy2(path, target)

    def discard(self) -> None:
        """Remove the work folder (after the tileset is in place, or when nothing was finished)."""
        discard_folder(self.folder)
