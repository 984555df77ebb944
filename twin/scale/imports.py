"""The city model import in partitions: one partition per delivery file or zip member.

Workers import their file into a GeoPackage of its own in ``WORK/import/parts`` (the same importer as the
single-process run); the coordinator merges them into the output in the delivery's order, so the output
holds the same rows in the same order as ``import_citymodel`` of the whole delivery. It merges each partition
as soon as it and every partition before it is done (the tasks start in the delivery's order), while the
workers import the rest: the output does not depend on the order the partitions finish in. A building id that an
earlier file already delivered is left out with a ``skipped_objects`` row, as in the single-process run.

``WORK/import/manifest.json`` records each finished partition with its input's hash (SHA-256 of a file;
the CRC-32 and sizes a zip's directory holds for a member) and the options: a re-run imports only the
partitions that are missing, failed or changed. A partition that fails on bad input is reported by name;
the others finish, and the run then raises PartitionsFailed listing the failures (no output is written).
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..citymodel.delivery import InputFile, Limits, collect_delivery
from ..citymodel.importer import ImportResult, import_citymodel
from ..kernel import gpkg
from ..kernel.errors import GeoTwinError, InputError
from ..kernel.memory import release_memory
from ..kernel.progress import Reporter
from ..kernel.schema import BUILDING_SURFACES, BUILDINGS, CITY_MODEL_LAYERS, CITY_MODEL_SOURCES, FOOTPRINTS, SKIPPED
from .cluster import Mapper
from .manifest import Manifest, fingerprint

_WARNINGS_KEPT = 20
_COUNTS = ("buildings", "parts", "surfaces", "footprints", "skipped", "not_imported", "repaired", "reliefs",
           "triangles")
_BATCH = 5000


class PartitionsFailed(GeoTwinError):
    """Some partitions failed on their input; ``failed`` holds (partition, message) pairs."""

    def __init__(self, stage: str, failed: list[tuple[str, str]], total: int) -> None:
        self.failed = failed
        listing = "; ".join(f"{key}: {message}" for key, message in failed)
        super().__init__(f"{len(failed)} of {total} {stage} partitions failed ({listing}); the others are done: run "
                         "again after fixing these to do only them")


@dataclass(frozen=True)
class ImportPartition:
    """One delivery file (``member`` None) or zip member, imported into ``output``."""

    key: str
    path: str
    member: str | None
    output: str
    crs_override: str | None
    lod: str
    max_inflated_mb: float | None
    max_json_mb: float | None

    def __str__(self) -> str:
        return self.key


@dataclass
class ImportOutcome:
    """What one partition did: ``error`` is empty when it succeeded."""

    key: str
    error: str = ""
    buildings: int = 0
    crs: str | None = None
    vertical_crs: str | None = None
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class ScaleImportResult:
    """What a partitioned import did: partitions run and reused, and the merged output's counts."""

    output: str
    partitions: int = 0
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    buildings: int = 0
    duplicates: int = 0
    crs: str | None = None
    vertical_crs: str | None = None
    counts: dict[str, int] = field(default_factory=dict)   # the importer's counts, summed over the partitions

    def as_import_result(self) -> ImportResult:
        """The single-process import's result for the same delivery (its counts and CRSs)."""
        result = ImportResult(self.output, crs=self.crs, vertical_crs=self.vertical_crs)
        for name in _COUNTS:
            setattr(result, name, int(self.counts.get(name, 0)))
        return result


class _Keep(Reporter):
    """Collects a worker's warnings (the first few, and how many) for the coordinator's log."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.count = 0

    def warning(self, message: str) -> None:
        self.count += 1
        if len(self.kept) < _WARNINGS_KEPT:
            self.kept.append(message)


def import_partition(part: ImportPartition) -> ImportOutcome:
    """Import one delivery file or zip member into its own GeoPackage (runs on a worker).

    Args:
        part: the file (or zip member), its output GeoPackage and the import options.

    Returns:
        The ImportOutcome: buildings, CRSs, counts and warnings; bad input (a GeoTwinError) is its ``error``,
        anything else raises.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> gml = str(folder / "district" / "district.gml")
        >>> part = ImportPartition("t", gml, None, str(folder / "t.gpkg"), None, "highest", None, None)
        >>> outcome = import_partition(part)
        >>> outcome.error, outcome.buildings, outcome.crs, outcome.counts["surfaces"]
        ('', 12, 'EPSG:25832', 85)
        >>> manifest = str(folder / "district" / "district.json")          # JSON, but no CityJSON
        >>> import_partition(ImportPartition("m", manifest, None, str(folder / "m.gpkg"), None, "highest", None,
        ...                                  None)).error
        '...district.json: not a CityJSON document ("type" is not "CityJSON")'
    """
    keep = _Keep()
    limits = Limits.from_mb(part.max_inflated_mb, part.max_json_mb)
    try:
        if part.member is None:
            item = InputFile(Path(part.path), None, limits)
        else:
            with zipfile.ZipFile(part.path) as archive:
                item = InputFile(Path(part.path), archive.getinfo(part.member), limits)
        Path(part.output).parent.mkdir(parents=True, exist_ok=True)
        result = import_citymodel([item], part.output, crs_override=part.crs_override, lod=part.lod,
                                  reporter=keep, limits=limits)
    except (GeoTwinError, KeyError, OSError, zipfile.BadZipFile) as err:
        return ImportOutcome(part.key, error=str(err) or type(err).__name__, warnings=keep.kept,
                             warning_count=keep.count)
    return ImportOutcome(part.key, buildings=result.buildings, crs=result.crs, vertical_crs=result.vertical_crs,
                         warnings=keep.kept, warning_count=keep.count,
                         counts={name: int(getattr(result, name)) for name in _COUNTS})


def input_hash(item: InputFile) -> str:
    """Identify an input's content: the SHA-256 of a file, the CRC-32 and sizes of a zip member.

    Args:
        item: a delivery file or zip member.

    Returns:
        ``sha256:<hex>`` or ``zip-crc32:<crc>:<size>:<compressed size>``.

    Example:
        >>> import hashlib, tempfile, zipfile
        >>> from pathlib import Path
        >>> from geotwin.twin.citymodel.delivery import InputFile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "t.gml").write_bytes(b"<CityModel/>")
        >>> input_hash(InputFile(folder / "t.gml")) == "sha256:" + hashlib.sha256(b"<CityModel/>").hexdigest()
        True
        >>> with zipfile.ZipFile(folder / "d.zip", "w") as archive:
        ...     archive.writestr("LoD2/t.gml", b"<CityModel/>")
        >>> input_hash(InputFile(folder / "d.zip", zipfile.ZipFile(folder / "d.zip").getinfo("LoD2/t.gml")))
        'zip-crc32:387a9dd4:12:12'
    """
    if item.member is not None:
        return f"zip-crc32:{item.member.CRC:08x}:{item.member.file_size}:{item.member.compress_size}"
    digest = hashlib.sha256()
    with open(item.path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _part_name(key: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(key.rpartition("!/")[2] or key).name)[:60]
    return f"{hashlib.sha256(key.encode()).hexdigest()[:12]}-{safe}.gpkg"


def import_partitioned(inputs: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str],
                       work: str | os.PathLike[str], mapper: Mapper, reporter: Reporter | None = None,
                       crs_override: str | None = None, lod: str = "highest",
                       max_inflated_mb: float | None = None, max_json_mb: float | None = None) -> ScaleImportResult:
    """Import a delivery (files, folders, zip archives) in partitions with ``mapper`` and merge into ``output``.

    ``work`` keeps the partitions and the manifest (see the module docstring): a re-run imports only what changed.

    Args:
        inputs: the delivery's files, folders and zip archives.
        output: the city model GeoPackage.
        work: the folder of the partitions and the manifest.
        mapper: runs the partitions (serial_mapper, dask_mapper).
        reporter: progress, cancel and messages.
        crs_override, lod, max_inflated_mb, max_json_mb: as import_citymodel takes them.

    Returns:
        The ScaleImportResult.

    Raises:
        PartitionsFailed: some partitions failed (the others are kept for the next run).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.sample.generator import generate_district
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = generate_district(folder / "district", buildings=12, formats=["citygml"])
        >>> from geotwin.twin.sample.tiles import split_tiles, zip_tiles
        >>> from geotwin.twin.scale.cluster import serial_mapper
        >>> delivery = zip_tiles(split_tiles(folder / "district" / "district.gml", folder / "t", 4), folder / "d.zip")
        >>> first = import_partitioned([delivery], folder / "city.gpkg", folder / "work", serial_mapper())
        >>> first.partitions, len(first.ran), first.buildings, first.crs
        (3, 3, 12, 'EPSG:25832')
        >>> again = import_partitioned([delivery], folder / "city.gpkg", folder / "work", serial_mapper())
        >>> again.ran, len(again.reused), again.buildings
        ([], 3, 12)
    """
    reporter = reporter or Reporter()
    limits = Limits.from_mb(max_inflated_mb, max_json_mb)
    delivery = collect_delivery(inputs, limits)
    for line in delivery.ignored:
        reporter.info(f"not a city model file, not read: {line}")
    folder = Path(work) / "import"
    manifest = Manifest(folder, "import")
    options = {"crs_override": crs_override, "lod": lod, "max_inflated_mb": max_inflated_mb,
               "max_json_mb": max_json_mb}
    parts: list[ImportPartition] = []
    prints: dict[str, str] = {}
    for item in delivery.files:
        reporter.check()
        key = item.display
        prints[key] = fingerprint(input_hash(item), options)
        parts.append(ImportPartition(key, str(item.path), item.member.filename if item.member else None,
                                     str((folder / "parts" / _part_name(key)).resolve()), crs_override, lod,
                                     max_inflated_mb, max_json_mb))
    result = ScaleImportResult(str(Path(output).resolve()), partitions=len(parts))
    todo = [p for p in parts if not manifest.done(p.key, prints[p.key])]
    result.reused = [p.key for p in parts if p not in todo]
    reporter.info(f"{len(parts)} partitions: {len(todo)} to import, {len(result.reused)} done in an earlier run")
    ready = _in_order(parts, todo, mapper, manifest, prints, folder, reporter, result)
    _merge(parts, manifest, delivery.skipped, output, ready, reporter, result)
    reporter.info(f"imported {result.buildings} buildings from {len(parts)} partitions ({len(result.ran)} run, "
                  f"{len(result.reused)} reused) into {result.output}")
    return result


def _in_order(parts: list[ImportPartition], todo: list[ImportPartition], mapper: Mapper, manifest: Manifest,
              prints: dict[str, str], folder: Path, reporter: Reporter, result: ScaleImportResult) -> Iterator[int]:
    """Run ``todo`` (started in the delivery's order) and yield the index of each of ``parts`` as soon as it and
    every partition before it is done: the coordinator merges while the workers import the rest, and the output
    is the same whatever order the partitions finish in. After a failure nothing more is yielded, the others still
    run (and are recorded), then PartitionsFailed names the failures."""
    failed: list[tuple[str, str]] = []
    done = {p.key for p in parts} - {p.key for p in todo}   # reused from an earlier run
    at = 0
    steps = len(todo) + len(parts)
    outputs = {p.key: p.output for p in todo}
    outcomes = mapper(import_partition, todo)
    try:
        for n, outcome in enumerate(outcomes, start=1):
            reporter.progress(100.0 * (n + at) / steps)
            if _record(outcome, manifest, prints, outputs, folder, reporter, result):
                done.add(outcome.key)
            else:
                failed.append((outcome.key, outcome.error))
            while not failed and at < len(parts) and parts[at].key in done:
                yield at
                at += 1
                reporter.progress(100.0 * (n + at) / steps)
    finally:
        getattr(outcomes, "close", lambda: None)()   # an error or cancel in the merge: cancel the cluster's tasks
    if failed:
        raise PartitionsFailed("import", sorted(failed), len(parts))
    while at < len(parts):   # nothing (more) to run: the rest are reused
        yield at
        at += 1
        reporter.progress(100.0 * (len(todo) + at) / steps)


def _record(outcome: ImportOutcome, manifest: Manifest, prints: dict[str, str], outputs: dict[str, str],
            folder: Path, reporter: Reporter, result: ScaleImportResult) -> bool:
    """Log a partition's outcome and record it in the manifest; False when it failed."""
    for message in outcome.warnings:
        reporter.warning(message)
    if outcome.warning_count > len(outcome.warnings):
        reporter.warning(f"{outcome.key}: {outcome.warning_count - len(outcome.warnings)} more warnings")
    if outcome.error:
        reporter.warning(f"partition {outcome.key} failed: {outcome.error}")
        manifest.forget(outcome.key)
        return False
    result.ran.append(outcome.key)
    manifest.record(outcome.key, {"fingerprint": prints[outcome.key],
                                  "output": os.path.relpath(outputs[outcome.key], folder),
                                  "buildings": outcome.buildings, "counts": outcome.counts, "crs": outcome.crs,
                                  "vertical_crs": outcome.vertical_crs})
    reporter.info(f"partition {outcome.key}: {outcome.buildings} buildings")
    return True


def _merge(parts: list[ImportPartition], manifest: Manifest, skipped: list[Any], output: str | os.PathLike[str],
           ready: Iterator[int], reporter: Reporter, result: ScaleImportResult) -> None:
    """Write every partition's rows into ``output`` in the delivery's order (duplicate ids left out, a row each),
    each as soon as ``ready`` yields its index (the delivery's order)."""
    first = next(ready)   # the writer needs the CRS: the first partition's
    crs = manifest.entries[parts[first].key].get("crs")
    verticals: set[Any] = set()
    result.crs = crs
    seen = SeenIds(manifest.folder)
    try:
        _merge_parts(parts, itertools.chain([first], ready), manifest, skipped, output, crs, seen, verticals,
                     reporter, result)
    finally:
        seen.close()
        release_memory()   # the merge's freed C heap back to the system before the next phase
    result.counts["skipped"] = result.counts.get("skipped", 0) + result.duplicates + len(skipped)
    result.vertical_crs = next(iter(verticals)) if len(verticals) == 1 else None
    if len(verticals) > 1:
        reporter.warning("the sources use different vertical CRSs (" + ", ".join(sorted(v or "unknown"
                         for v in verticals)) + "); their heights are not directly comparable")


def _merge_parts(parts: list[ImportPartition], order: Iterator[int], manifest: Manifest, skipped: list[Any],
                 output: str | os.PathLike[str], crs: str | None, seen: SeenIds, verticals: set[Any],
                 reporter: Reporter, result: ScaleImportResult) -> None:
    with gpkg.gpkg_output(output, crs, direct=True) as writer:   # as import_citymodel writes it
        for spec in CITY_MODEL_LAYERS:
            writer.ensure_layer(spec)
        for item in skipped:
            writer.add(SKIPPED, {"source_file": item.source_file, "line": item.line, "object_id": item.object_id,
                                 "reason": item.reason})
        for n in order:
            reporter.check()
            part, entry = parts[n], manifest.entries[parts[n].key]
            path = manifest.folder / str(entry["output"])
            if entry.get("crs") != crs:
                raise InputError(f"its horizontal CRS {entry.get('crs')} differs from {crs} of {parts[0].key}; all "
                                 "tiles of one run must share one horizontal CRS", path=part.key)
            verticals.add(entry.get("vertical_crs"))
            rows = seen.repeated(path, n)   # the rows of ids an earlier partition delivered; then its own noted
            earlier = {i: parts[k].key for i, k, _ in rows}
            again = set(earlier)
            repeated: dict[str, int] = {}   # per source file: its objects left out as duplicates
            for _, _, source in rows:
                repeated[Path(str(source)).name] = repeated.get(Path(str(source)).name, 0) + 1
            del rows
            for building in sorted(again):
                writer.add(SKIPPED, {"source_file": part.key, "line": None, "object_id": building,
                                     "reason": f"duplicate id (already imported from {Path(earlier[building]).name})"})
            result.duplicates += len(again)
            result.buildings += int(entry.get("buildings", 0))
            for name, value in entry.get("counts", {}).items():
                result.counts[name] = result.counts.get(name, 0) + int(value)
            for spec in CITY_MODEL_LAYERS:
                if spec.name == CITY_MODEL_SOURCES.name and repeated:
                    _copy_sources(writer, path, repeated)
                else:
                    _copy_layer(writer, path, spec, again)
            writer.pack_index()   # the partition's R-tree leaves: the merge holds one partition's index entries


class SeenIds:
    """The building ids the merge has written, each with the number of the partition that delivered it first: in a
    temporary SQLite file in ``folder`` (removed by ``close``), so that the merge's memory does not grow with the
    city (a Python set of a million ids holds about 100 MB).

    Example:
        >>> import tempfile
        >>> from geotwin.twin.kernel.schema import BUILDINGS
        >>> folder = Path(tempfile.mkdtemp())
        >>> from contextlib import closing
        >>> for name, ids in (("a", ["b1", "b2"]), ("b", ["b2", "b3", "b2"])):
        ...     with closing(gpkg.scratch_database(folder / f"{name}.gpkg")) as con:
        ...         _ = con.execute("CREATE TABLE buildings (fid INTEGER PRIMARY KEY, id TEXT, source_file TEXT)")
        ...         _ = con.executemany("INSERT INTO buildings (id, source_file) VALUES (?, ?)",
        ...                             [(i, f"{name}.gml") for i in ids])
        ...         con.commit()
        >>> seen = SeenIds(folder)
        >>> seen.repeated(folder / "a.gpkg", 0), sorted(seen.repeated(folder / "b.gpkg", 1))
        ([], [('b2', 0, 'b.gml'), ('b2', 0, 'b.gml')])
        >>> seen.repeated(folder / "b.gpkg", 2)   # every id of b was delivered before (by a or b)
        [('b2', 0, 'b.gml'), ('b3', 1, 'b.gml'), ('b2', 0, 'b.gml')]
        >>> seen.close(); sorted(p.name for p in folder.iterdir())
        ['a.gpkg', 'b.gpkg']
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".geotwin-ids-", suffix=".sqlite", dir=folder)
        os.close(handle)
        self.path = Path(name)
        self.con = gpkg.scratch_database(name)
        self.con.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, part INTEGER) WITHOUT ROWID")

    def repeated(self, path: str | os.PathLike[str], part: int) -> list[tuple[str, int, str | None]]:
        """The rows (id, the partition that delivered it first, source file) of GeoPackage ``path``'s buildings
        whose id an earlier call delivered; then its ids are noted as delivered by partition number ``part``."""
        self.con.execute("ATTACH DATABASE ? AS part", (str(path),))
        try:
            rows = self.con.execute(f'SELECT b.id, s.part, b.source_file FROM part."{BUILDINGS.name}" b JOIN seen s '
                                    "ON s.id = b.id ORDER BY b.rowid").fetchall()
            self.con.execute(f'INSERT OR IGNORE INTO seen SELECT id, ? FROM part."{BUILDINGS.name}" WHERE id IS NOT '
                             "NULL ORDER BY rowid", (part,))
            self.con.commit()
        finally:
            self.con.execute("DETACH DATABASE part")
        return [(str(i), int(k), s) for i, k, s in rows]

    def close(self) -> None:
        """Drop the ids (and the temporary file)."""
        self.con.close()
        self.path.unlink(missing_ok=True)


def _copy_sources(writer: gpkg.GpkgWriter, path: Path, repeated: dict[str, int]) -> None:
    """A partition's ``sources`` rows as the single-process import counts them: the objects left out as duplicates
    (``repeated`` per source file name) are skipped, not imported."""
    names = list(CITY_MODEL_SOURCES.fields)
    for rows, _ in gpkg.iter_table(path, CITY_MODEL_SOURCES.name, names, _BATCH):
        records = [dict(zip(names, row)) for row in rows]
        for record in records:
            left_out = repeated.get(Path(str(record["source_file"])).name, 0)   # buildings name the file only
            record["object_count"] = int(record["object_count"] or 0) - left_out
            record["skipped_count"] = int(record["skipped_count"] or 0) + left_out
        writer.add_many(CITY_MODEL_SOURCES, records)


def _copy_layer(writer: gpkg.GpkgWriter, path: Path, spec: Any, leave_out: set[str]) -> None:
    """Stream one layer of a partition's GeoPackage into the writer (rows of ``leave_out`` buildings dropped)."""
    names = list(spec.fields)
    key = {BUILDINGS.name: "id", BUILDING_SURFACES.name: "building_id", FOOTPRINTS.name: "building_id"}.get(spec.name)
    at = names.index(key) if key and leave_out else None
    if at is None and writer.copy_layer(spec, path):   # the whole layer by SQL, inside SQLite
        return
    for rows, blobs in gpkg.iter_table(path, spec.name, names, _BATCH):
        wkbs = gpkg.wkbs_of(blobs) if spec.geometry_type is not None else None
        records = [dict(zip(names, row)) for row in rows]
        if at is not None:
            keep = [n for n, row in enumerate(rows) if row[at] not in leave_out]
            records = [records[n] for n in keep]
            wkbs = [wkbs[n] for n in keep] if wkbs is not None else None
        writer.add_many(spec, records, wkbs)
