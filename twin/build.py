"""Build (or rebuild) the linked twin in a store from the city model, IFC, islands and sensors.

Every source kind is read from the GeoPackages its importer wrote; raw city model files and raw
IFC files are imported on the fly. A kind whose input files all have the checksums recorded in
the store's ``sources`` is not read again: its layers are taken from the store. The new content
is hashed per object (geometry WKB + attributes) and compared with the store's
``object_hashes``: only added, removed and modified objects are written, and the ``changes``
table and the result say which.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import shapely

from . import __version__
from .citymodel.importer import sha256_of
from .conflation import (
    ADDED,
    MATCHED,
    MISMATCH,
    ConflationOptions,
    city_outlines,
    conflate,
    link_facade_sensors,
    outline_2d,
)
from .kernel import gpkg
from .kernel.errors import GeoTwinError, InputError
from .kernel.progress import Reporter
from .kernel.schema import FOOTPRINTS, LayerSpec
from .kernel.schema.bim import GEOREF_REPORT
from .kernel.schema.sensors import LORAWAN_UPLINKS, OBSERVATIONS, SENSOR_ISSUES
from .kernel.schema.sensors import SENSORS as SENSOR_ROWS
from .kernel.schema.twin import (
    BUILDS,
    CHANGES,
    CONFLATION_REPORT,
    HEIGHT_REPORT,
    LINKS,
    OBJECT_HASHES,
    SOURCE_KINDS,
    TWIN_BUILDINGS,
    TWIN_SOURCES,
    Keyed,
)
from .sensors.linkrules import UNLINKED_REASON
from .sensors.lorawan import SOURCE as LORAWAN_SOURCE
from .sensors.lorawan import attribute_euis
from .sensors.series import statistics
from .store.base import StoreWriter, TwinStore
from .store.frames import conform, empty
from .store.hashing import diff, object_hashes

CITYMODEL, IFC, ISLANDS, SENSORS = "citymodel", "ifc", "islands", "sensors"


@dataclass
class BuildInputs:
    """Files per source kind: importer GeoPackages, or raw city model / IFC files."""

    citymodel: list[str] = field(default_factory=list)
    ifc: list[str] = field(default_factory=list)
    islands: list[str] = field(default_factory=list)
    sensors: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[str]:
        """The input files of a kind; folders of raw city model tiles are expanded to their files."""
        paths = [str(p) for p in getattr(self, kind)]
        if kind == CITYMODEL and any(Path(p).is_dir() for p in paths):
            from .citymodel.delivery import local_files

            folders = [p for p in paths if Path(p).is_dir()]
            paths = [p for p in paths if not Path(p).is_dir()] + [str(f) for d in folders for f in local_files(d)]
        return paths


@dataclass
class BuildResult:
    store: str
    buildings: int = 0
    matched: int = 0
    unmatched: int = 0          # BIM buildings added as new buildings
    mismatches: int = 0
    added: Sequence[str] = field(default_factory=list)  # building ids (sorted; a partitioned build reads them
    removed: Sequence[str] = field(default_factory=list)  # from the store's changes when asked: StoredIds)
    modified: Sequence[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)     # source kinds taken unchanged from the store
    layer_changes: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    conflation: list[dict[str, Any]] = field(default_factory=list)
    crs: str | None = None      # the twin's CRS, fixed as the build's first step (EPSG:n, or WKT without a code)


def _is_gpkg(path: str) -> bool:
    return Path(path).suffix.lower() == ".gpkg"


def read_layer(path: str, spec: LayerSpec, crs: str | None) -> pd.DataFrame:
    """Read a layer of an importer's GeoPackage in canonical form, transformed into ``crs``.

    Args:
        path: the importer's GeoPackage.
        spec: the layer.
        crs: the twin's CRS (geometries in another CRS are transformed into it), or None to keep them.

    Returns:
        The layer as ``conform`` gives it (an empty frame of the layer's columns when the file lacks it).

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.kernel.schema.twin import TWIN_BUILDINGS, LEARNING_ISLANDS
        >>> city = str(sample_twin().city)
        >>> frame = read_layer(city, TWIN_BUILDINGS, "EPSG:31467")        # transformed into Gauss-Krüger
        >>> len(frame), str(frame.crs), round(frame.total_bounds[0], -5)
        (12, 'EPSG:31467', 3500000.0)
        >>> len(read_layer(city, LEARNING_ISLANDS, "EPSG:25832"))      # a layer the file lacks
        0
    """
    if spec.name not in gpkg.list_layers(path):
        return empty(spec, crs)
    frame = gpkg.read_frame(path, spec.name)
    if spec.geometry_type is not None and crs and frame.crs is not None and frame.crs != crs:
        frame = frame.to_crs(crs)
    return conform(frame, spec, crs)


def gpkg_crs(path: str, layers: tuple[Keyed, ...]) -> str | None:
    """Give the CRS of the first of ``layers`` with geometry that the GeoPackage has (as GDAL names it).

    Args:
        path: an importer's GeoPackage.
        layers: the layers of its source kind (``SOURCE_KINDS[kind]``).

    Returns:
        The CRS text, or None when none of the layers with geometry is in the file.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> gpkg_crs(str(sample_twin().city), SOURCE_KINDS[CITYMODEL]), gpkg_crs(str(sample_twin().city), ())
        ('EPSG:25832', None)
    """
    present = set(gpkg.list_layers(path))
    for keyed in layers:
        if keyed.spec.geometry_type is not None and keyed.spec.name in present:
            crs = gpkg.layer_info(path, keyed.spec.name).get("crs")
            if crs:
                return str(crs)
    return None


def same_crs(a: str, b: str) -> bool:
    """Tell whether two CRS texts name the same CRS (``EPSG:25832`` and its WKT do).

    Args:
        a: a CRS as pyproj reads it.
        b: another.

    Returns:
        True when pyproj finds them equal (a text pyproj does not know equals only itself).

    Example:
        >>> same_crs("EPSG:25832", "urn:ogc:def:crs:EPSG::25832"), same_crs("EPSG:25832", "EPSG:25833")
        (True, False)
    """
    if a == b:
        return True
    from pyproj import CRS

    try:
        return bool(CRS.from_user_input(a) == CRS.from_user_input(b))
    except Exception:  # noqa: BLE001 - a CRS pyproj does not know equals only itself
        return False


def common_crs(inputs: Sequence[tuple[str, str]], layers: tuple[Keyed, ...], label: str,
               hint: str = "give the CRS parameter to choose the twin's CRS") -> tuple[str, str] | None:
    """Give the one CRS that all ``inputs`` of a source kind are in: the twin's CRS is fixed from all of them.

    Args:
        inputs: (input path, GeoPackage to read) per input, in the build's order.
        layers: the layers of their source kind (``SOURCE_KINDS[kind]``).
        label: the kind's name in messages ("city model").
        hint: what the refusal tells the user to do.

    Returns:
        (the CRS, the first input in it), or None when no input has a layer with a CRS.

    Raises:
        InputError: two inputs are in different CRSs; it names both files and their CRSs.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = str(sample_twin().city)
        >>> common_crs([(city, city), (city, city)], SOURCE_KINDS[CITYMODEL], "city model") == ("EPSG:25832", city)
        True
        >>> common_crs([(city, city)], (), "city model") is None
        True
    """
    found = [(path, crs) for path, gpkg_path in inputs if (crs := gpkg_crs(gpkg_path, layers))]
    if not found:
        return None
    differ = [(p, c) for p, c in found if not same_crs(c, found[0][1])]
    if differ:
        raise InputError(f"the {label} inputs are in different CRSs ({found[0][1]} in {found[0][0]}, "
                         f"{differ[0][1]} in {differ[0][0]}): {hint}", path=differ[0][0])
    return found[0][1], found[0][0]


def repeated_message(input_path: str, rows: int, layer: str, kind: str, example: str) -> str:
    """Word the warning for rows of an input skipped because an earlier input of the kind has their objects.

    Args:
        input_path: the later input.
        rows: how many of its rows were skipped.
        layer: the layer.
        kind: the source kind.
        example: one skipped object's id.

    Returns:
        The warning.

    Example:
        >>> text = repeated_message("b.gpkg", 3, "buildings", "citymodel", "DEBW_1")
        >>> text.startswith("b.gpkg: 3 buildings rows of objects that an earlier citymodel input already has")
        True
        >>> text.endswith("were skipped: the first input wins")
        True
    """
    return (f"{input_path}: {rows} {layer} rows of objects that an earlier {kind} input already has (e.g. {example}) "
            "were skipped: the first input wins")


def drop_repeated(frame: pd.DataFrame, key: str, seen: set[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Skip the rows of an input whose object an earlier input of the kind has: the first input wins.

    Rows of one input that share an object id are all kept (a building's surfaces); ``seen`` gains the input's ids.

    Args:
        frame: a layer of one input.
        key: the column that names the object (``Keyed.key``).
        seen: the ids of the earlier inputs' rows of the layer (updated).

    Returns:
        (the rows kept, the ids of the rows skipped).

    Example:
        >>> seen: set[str] = set()
        >>> kept, skipped = drop_repeated(pd.DataFrame({"id": ["a", "b", "b"]}), "id", seen)
        >>> list(kept["id"]), list(skipped)
        (['a', 'b', 'b'], [])
        >>> kept, skipped = drop_repeated(pd.DataFrame({"id": ["b", "c"]}), "id", seen)
        >>> list(kept["id"]), list(skipped), sorted(seen)
        (['c'], ['b'], ['a', 'b', 'c'])
    """
    keys = frame[key].astype(str)
    again = keys.isin(seen)
    seen.update(keys)
    return (frame[~again] if again.any() else frame), keys[again]


def crs_parameter(text: str) -> str:
    """Give the CRS parameter as ``EPSG:n`` (or WKT when it has no EPSG code).

    Args:
        text: the parameter as the user gave it.

    Returns:
        ``EPSG:n``, or the WKT of a CRS without an EPSG code.

    Raises:
        InputError: pyproj knows no such CRS.

    Example:
        >>> crs_parameter("urn:ogc:def:crs:EPSG::25832")
        'EPSG:25832'
        >>> crs_parameter("no crs")
        Traceback (most recent call last):
        ...
        geotwin.twin.kernel.errors.InputError: the CRS parameter 'no crs' is no CRS pyproj knows (...)
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(text)
    except CRSError as err:
        raise InputError(f"the CRS parameter {text!r} is no CRS pyproj knows ({err})") from None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def source_rows(kind: str, input_path: str, checksum: str, gpkg_path: str) -> pd.DataFrame:
    """Give the twin's ``sources`` rows of one input: its importer's ``sources``/``georef_report`` rows, else the
    file itself, with the input's path, checksum and import time.

    Args:
        kind: the source kind (``citymodel``, ``ifc``, ``islands``, ``sensors``).
        input_path: the input as given to the build.
        checksum: the input's SHA-256.
        gpkg_path: the GeoPackage read for it (the input, or what a raw file was imported into).

    Returns:
        The rows in the ``sources`` layer's form.

    Example:
        >>> from geotwin.twin.examples import sample_twin
        >>> city = str(sample_twin().city)
        >>> rows = source_rows(CITYMODEL, city, sha256_of(city), city)
        >>> len(rows), rows["source_kind"][0], rows["input_checksum"][0] == sha256_of(city), rows["format"][0]
        (1, 'citymodel', True, 'CityGML 2.0')
    """
    if kind == IFC:
        rows = [{"source_file": r["source_file"], "format": r["ifc_schema"], "horizontal_crs": r["target_crs"],
                 "vertical_crs": r["vertical_datum"], "crs_source": r["source_crs"],
                 "object_count": r["elements"], "skipped_count": r["skipped"]}
                for r in read_layer(gpkg_path, GEOREF_REPORT, None).to_dict("records")]
    else:
        rows = read_layer(gpkg_path, TWIN_SOURCES, None).to_dict("records")
    rows = rows or [{"source_file": Path(input_path).name, "format": "GeoPackage"}]
    # the import time: as the importer recorded it, else when it wrote the GeoPackage
    written = datetime.fromtimestamp(os.path.getmtime(gpkg_path), UTC).isoformat(timespec="seconds")
    for row in rows:
        row.update(source_kind=kind, input_path=input_path, input_checksum=checksum)
        if not _is_gpkg(input_path) and not row.get("checksum_sha256"):
            row["checksum_sha256"] = checksum
        row["imported_at"] = row.get("imported_at") or written
        row["geotwin_version"] = row.get("geotwin_version") or __version__
    return conform(pd.DataFrame(rows), TWIN_SOURCES, None)


class _Builder:
    def __init__(self, store: TwinStore, inputs: BuildInputs, options: ConflationOptions,
                 reporter: Reporter, workdir: str) -> None:
        self.store = store
        self.inputs = inputs
        self.options = options
        self.reporter = reporter
        self.workdir = workdir
        self.store_layers = set(store.layer_names())
        self.exists = "builds" in self.store_layers
        self.old_sources = store.read(TWIN_SOURCES) if self.exists else empty(TWIN_SOURCES, None)
        self.crs: str | None = None
        self.frames: dict[str, pd.DataFrame] = {}
        self.sources: list[pd.DataFrame] = []
        self.reused: list[str] = []
        self.now = datetime.now(UTC).isoformat(timespec="seconds")
        self.store_crs = store.crs() if self.exists else None
        self.checksums: dict[str, dict[str, str]] = {}
        self.unchanged: set[str] = set()
        self.gpkgs: dict[str, list[tuple[str, str]]] = {}   # (input path, GeoPackage to read) per kind
        self.present: dict[str, set[str]] = {}   # per layer: keys a listener wrote into the store, not the build

    # -- reading -----------------------------------------------------------------------------
    def _checksums(self, kind: str) -> dict[str, str]:
        return {str(Path(p).resolve()): sha256_of(p) for p in self.inputs.of(kind)}

    def _unchanged(self, kind: str, checksums: dict[str, str]) -> bool:
        old = self.old_sources[self.old_sources["source_kind"] == kind]
        recorded = dict(zip(old["input_path"], old["input_checksum"]))
        return self.exists and bool(checksums) and recorded == checksums

    def prepare(self, kind: str) -> None:
        """Check the kind's input files and their checksums; a kind whose inputs are unchanged since the last
        build is marked as reused, the raw city model files of a changed one are imported (raw IFC files wait
        for the twin's CRS)."""
        for path in self.inputs.of(kind):
            if not Path(path).is_file():
                raise InputError("no such file", path=path)
        checksums = self._checksums(kind)
        self.checksums[kind] = checksums
        if self._unchanged(kind, checksums):
            self.unchanged.add(kind)
        elif kind != IFC:
            self.gpkgs[kind] = self._as_gpkgs(kind, list(checksums))

    def fix_crs(self, parameter: str | None) -> None:
        """Step one of a build: the twin's CRS, fixed once and reported. The CRS parameter when given; else the
        city model's (all city model inputs must agree); else the IFC inputs' (all must agree); else the first
        learning islands or sensors input's; else the store's. A reused kind (inputs unchanged) has the store's
        CRS. Inputs in another CRS are transformed into it. When the twin's CRS is not the stored twin's, no kind
        is reused: the stored layers are in the old CRS, so every input is read again."""
        self._choose_crs(parameter)
        if self.unchanged and self.store_crs and self.crs and not same_crs(self.crs, self.store_crs):
            self.reporter.info(f"every input is read again: the twin's CRS changes from {self.store_crs} to "
                               f"{self.crs}")
            self.unchanged.clear()

    def _choose_crs(self, parameter: str | None) -> None:
        """The twin's CRS and where it comes from (see ``fix_crs``)."""
        if parameter:
            self.crs = crs_parameter(parameter)
            self.reporter.info(f"the twin's CRS is {self.crs}, from the CRS parameter")
            return
        for kind, layers in ((CITYMODEL, SOURCE_KINDS[CITYMODEL]), (IFC, SOURCE_KINDS[IFC])):
            if kind in self.unchanged and self.store_crs:
                self.crs = self.store_crs
                self.reporter.info(f"the twin's CRS is {self.crs}, the store's ({kind} inputs unchanged)")
                return
            label = "city model" if kind == CITYMODEL else "IFC"
            common = common_crs(self._known_gpkgs(kind), layers, label)
            if common is None:
                continue
            self.crs = common[0]
            self.reporter.info(f"the twin's CRS is {self.crs}, the {label} input's ({common[1]})")
            return
        for kind in (ISLANDS, SENSORS):
            if kind in self.unchanged and self.store_crs:
                break
            for path, gpkg_path in self._known_gpkgs(kind):
                if crs := gpkg_crs(gpkg_path, SOURCE_KINDS[kind]):
                    self.crs = crs
                    self.reporter.info(f"the twin's CRS is {crs}, the {kind} input's ({path})")
                    return
        self.crs = self.store_crs
        if self.crs:
            self.reporter.info(f"the twin's CRS is {self.crs}, the store's")

    def _known_gpkgs(self, kind: str) -> list[tuple[str, str]]:
        """(input path, GeoPackage) of a changed kind's inputs known before the CRS is (raw IFC files are not)."""
        if kind in self.unchanged:
            return []
        return self.gpkgs.get(kind) or [(p, p) for p in self.checksums.get(kind, {}) if _is_gpkg(p)]

    def read_kind(self, kind: str) -> None:
        layers = SOURCE_KINDS[kind]
        checksums = self.checksums[kind]
        if kind in self.unchanged:
            self.reporter.info(f"{kind}: inputs unchanged since the last build, taken from the store")
            self.reused.append(kind)
            for keyed in layers:
                self.frames[keyed.spec.name] = (self.store.read(keyed.spec) if keyed.spec.name in self.store_layers
                                                else empty(keyed.spec, self.crs))
            self.sources.append(self.old_sources[self.old_sources["source_kind"] == kind])
            return
        gpkgs = self.gpkgs[kind] if kind in self.gpkgs else self._as_gpkgs(kind, list(checksums))
        parts: dict[str, list[pd.DataFrame]] = {k.spec.name: [] for k in layers}
        seen: dict[str, set[str]] = {k.spec.name: set() for k in layers}
        for input_path, gpkg_path in gpkgs:
            for keyed in layers:
                self.reporter.check()
                frame, skipped = drop_repeated(read_layer(gpkg_path, keyed.spec, self.crs), keyed.key,
                                               seen[keyed.spec.name])
                if len(skipped):
                    self.reporter.warning(repeated_message(input_path, len(skipped), keyed.spec.name, kind,
                                                           skipped.iloc[0]))
                parts[keyed.spec.name].append(frame)
            self.sources.append(source_rows(kind, input_path, checksums[input_path], gpkg_path))
            self.reporter.check()
        for keyed in layers:
            frames = [f for f in parts[keyed.spec.name] if len(f)]
            self.frames[keyed.spec.name] = (conform(pd.concat(frames, ignore_index=True), keyed.spec, self.crs)
                                            if frames else empty(keyed.spec, self.crs))

    def keep_listener_rows(self) -> None:
        """Take the rows a LoRaWAN listener wrote straight into the store (a PostGIS twin, or a twin GeoPackage given
        as its output; the store then has ``lorawan_uplinks``) that the sensor inputs lack: its ``lorawan#`` sensors
        with their observations and its ``mqtt:`` sensor issues. The build then links them (façade pass, ``observes``
        links) and keeps them as the rows of a sensors input; a rebuild takes them again, so they stay. The keys
        found in the store are remembered: an object the build adds there replaces the listener's rows."""
        if LORAWAN_UPLINKS.name not in self.store_layers or SENSOR_ROWS.name not in self.store_layers:
            return
        stored = self.store.read(SENSOR_ROWS)
        mine = stored[stored["source"] == LORAWAN_SOURCE]
        keys = set(mine["sensor_key"].astype(str))
        self.present[SENSOR_ROWS.name] = self.present[OBSERVATIONS.name] = keys
        frame = self.frames[SENSOR_ROWS.name]
        new = mine[~mine["sensor_key"].isin(set(frame["sensor_key"]))]
        if len(new):
            self.reporter.info(f"{len(new)} sensors a LoRaWAN listener stored in the twin are kept and linked")
            self.frames[SENSOR_ROWS.name] = conform(pd.concat([frame, new], ignore_index=True), SENSOR_ROWS, self.crs)
            if OBSERVATIONS.name in self.store_layers:   # only the observations of these sensors are read
                obs = self.store.read(OBSERVATIONS, where_in=("sensor_key", list(new["sensor_key"].astype(str))))
                self.frames[OBSERVATIONS.name] = conform(pd.concat([self.frames[OBSERVATIONS.name], obs],
                                                                   ignore_index=True), OBSERVATIONS, None)
        self.keep_adopted_values(stored)
        if SENSOR_ISSUES.name in self.store_layers:
            issues = self.store.read(SENSOR_ISSUES)
            issues = issues[issues["source"].astype(str).str.startswith("mqtt:")]
            self.present[SENSOR_ISSUES.name] = set(issues["source"].astype(str))
            kept = self.frames[SENSOR_ISSUES.name]
            issues = issues[~issues["source"].isin(set(kept["source"]))]
            if len(issues):
                self.frames[SENSOR_ISSUES.name] = conform(pd.concat([kept, issues], ignore_index=True),
                                                          SENSOR_ISSUES, None)

    def keep_adopted_values(self, stored: pd.DataFrame) -> None:
        """Keep the values a LoRaWAN listener appended to an imported sensor of its device (``adopted_sensors``) in
        the store when the build takes the sensor from its input again (the input changed): they are appended to
        the input's observations of the sensor, except at a time the input has a value for it (the listener's rule:
        not doubled), and the sensor's statistics are taken over all its values, as the listener takes them.

        The listener's rows are those ``lorawan_uplinks`` names: observation id ``<DevEUI>:<frame counter>:<time>``
        of an uplink that stored values, of a DevEUI the stored sensor's attributes name. Only the observations of
        such sensors are read (a filtered read), never the whole table."""
        if OBSERVATIONS.name not in self.store_layers:
            return
        taken = set(self.frames[SENSOR_ROWS.name]["sensor_key"].astype(str))
        euis = {str(k): e for k, source, a in zip(stored["sensor_key"], stored["source"], stored["attributes"])
                if source != LORAWAN_SOURCE and str(k) in taken and (e := attribute_euis(a))}
        if not euis:
            return
        uplinks = self.store.read(LORAWAN_UPLINKS, columns=["dev_eui", "f_cnt", "values_stored"],
                                  where_in=("dev_eui", sorted(set().union(*euis.values()))))
        stored_values = uplinks[uplinks["values_stored"].fillna(0) > 0]
        heard = {(str(e), int(n)) for e, n in zip(stored_values["dev_eui"], stored_values["f_cnt"])}
        keys = sorted(k for k, e in euis.items() if e & {eui for eui, _ in heard})
        if not keys:
            return
        obs = self.store.read(OBSERVATIONS, where_in=("sensor_key", keys))
        mine = obs[[_listener_row(str(k), str(i), euis, heard) for k, i in zip(obs["sensor_key"],
                                                                               obs["observation_id"])]]
        frame = self.frames[OBSERVATIONS.name]
        had = set(zip(frame["sensor_key"].astype(str), _instants(frame["phenomenon_time"])))
        fresh = [(str(k), t) not in had for k, t in zip(mine["sensor_key"], _instants(mine["phenomenon_time"]))]
        mine = mine[fresh].drop_duplicates(["sensor_key", "phenomenon_time"])
        if not len(mine):
            return
        frame = conform(pd.concat([frame, mine], ignore_index=True), OBSERVATIONS, None)
        self.frames[OBSERVATIONS.name] = frame
        sensors = self.frames[SENSOR_ROWS.name].copy()
        for key in set(mine["sensor_key"].astype(str)):
            at = sensors.index[sensors["sensor_key"].astype(str) == key]
            for column, value in _statistics(frame[frame["sensor_key"].astype(str) == key]).items():
                sensors.loc[at, column] = value
        self.frames[SENSOR_ROWS.name] = conform(sensors, SENSOR_ROWS, self.crs)
        self.reporter.info(f"{len(mine)} values a LoRaWAN listener appended to {mine['sensor_key'].nunique()} "
                           "imported sensors are kept after their input's observations")

    def _as_gpkgs(self, kind: str, paths: list[str]) -> list[tuple[str, str]]:
        """(input path, GeoPackage to read) per input; raw city model / IFC files are imported first."""
        out = [(p, p) for p in paths if _is_gpkg(p)]
        raw = [p for p in paths if not _is_gpkg(p)]
        if raw and kind == CITYMODEL:
            from .citymodel.importer import import_citymodel

            for n, path in enumerate(raw):
                target = Path(self.workdir) / f"citymodel_{n}.gpkg"
                self.reporter.info(f"importing the city model {path}")
                import_citymodel([path], target, reporter=self.reporter)
                out.append((path, str(target)))
        elif raw and kind == IFC:
            from ..bim.importer import ImportOptions, import_ifc

            if self.crs is None:
                raise InputError("raw IFC files need the twin's CRS: give a city model or the CRS parameter, or "
                                 "import the IFC with geotwin:importifc first", path=raw[0])
            for n, path in enumerate(raw):
                target = Path(self.workdir) / f"ifc_{n}.gpkg"
                import_ifc(path, target, ImportOptions(target_crs=self.crs), reporter=self.reporter)
                out.append((path, str(target)))
        elif raw:
            raise InputError(f"expected a GeoPackage written by the {kind} import", path=raw[0])
        return out

    # -- conflation and links ----------------------------------------------------------------
    def conflate(self) -> list[dict[str, Any]]:
        buildings = self.frames[TWIN_BUILDINGS.name]
        if "origin" in buildings:
            buildings = buildings[buildings["origin"].fillna("citymodel") == "citymodel"]
        buildings = buildings.reset_index(drop=True).copy()
        footprints = self.frames[FOOTPRINTS.name]
        footprints = footprints[footprints["building_id"].isin(set(buildings["id"]))].reset_index(drop=True)
        buildings["origin"] = "citymodel"
        buildings["bim_building_id"] = None
        bim = self.frames["bim_buildings"]
        report = (conflate(bim, city_outlines(buildings, footprints), self.options, self.frames["bim_storeys"])
                  if len(bim) else [])
        index = {bid: i for i, bid in enumerate(buildings["id"])}
        added_rows, added_geoms, added_fp = [], [], []
        for row, bim_row, geom in zip(report, bim.to_dict("records"), bim.geometry):
            if row["status"] == MATCHED:
                i = index[row["city_building_id"]]
                current = buildings.at[i, "bim_building_id"]
                buildings.at[i, "bim_building_id"] = (f"{current},{row['bim_building_id']}" if current
                                                      else row["bim_building_id"])
            elif row["status"] == ADDED:
                added_rows.append({
                    "id": bim_row["global_id"], "parent_id": "",
                    "object_class": _object_class(bim_row.get("ifc_class")),
                    "source_file": bim_row["source_file"], "lod": "BIM", "name": bim_row["name"],
                    "ground_height": bim_row["ground_height"], "roof_height": bim_row["roof_height"],
                    "storeys_above_ground": bim_row["storey_count"], "origin": "bim",
                    "bim_building_id": bim_row["global_id"],
                    "attributes": {"address": bim_row["address"]} if bim_row.get("address") else None})
                added_geoms.append(geom)
                outline = outline_2d(geom)
                if outline is not None:
                    outline = outline if outline.geom_type == "MultiPolygon" else shapely.MultiPolygon([outline])
                    added_fp.append(({"building_id": bim_row["global_id"], "area": outline.area}, outline))
        import geopandas as gpd

        if added_rows:
            extra = gpd.GeoDataFrame(pd.DataFrame(added_rows), geometry=gpd.GeoSeries(added_geoms, crs=self.crs))
            buildings = pd.concat([conform(buildings, TWIN_BUILDINGS, self.crs),
                                   conform(extra, TWIN_BUILDINGS, self.crs)], ignore_index=True)
        if added_fp:
            extra_fp = gpd.GeoDataFrame(pd.DataFrame([r for r, _ in added_fp]),
                                        geometry=gpd.GeoSeries([g for _, g in added_fp], crs=self.crs))
            footprints = pd.concat([conform(footprints, FOOTPRINTS, self.crs),
                                    conform(extra_fp, FOOTPRINTS, self.crs)], ignore_index=True)
        self.frames[TWIN_BUILDINGS.name] = conform(buildings, TWIN_BUILDINGS, self.crs)
        self.frames[FOOTPRINTS.name] = conform(footprints, FOOTPRINTS, self.crs)
        buildings = self.frames[TWIN_BUILDINGS.name]
        sensors = self.frames["sensors"]
        unlinked = int((sensors["link_reason"] == UNLINKED_REASON).sum()) if len(sensors) else 0
        if unlinked:
            self.reporter.warning(
                f"{unlinked} sensors of LoRaWAN devices were stored by a listener without building footprints and "
                "areas and are not linked as the sensor import links: run geotwin:listensensors (or the listen "
                "service) once more with BUILDINGS and AREAS (--buildings, --areas), then build again")
        moved = link_facade_sensors(sensors, self.frames[FOOTPRINTS.name],
                                    dict(zip(buildings["id"], buildings["name"])), self.options)
        if moved:
            self.reporter.info(f"{moved} sensors linked to the façade they are on (before an area around them)")
        return report

    def links(self, report: list[dict[str, Any]]) -> pd.DataFrame:
        rows: list[dict[str, Any]] = []
        buildings = self.frames[TWIN_BUILDINGS.name]
        for bid, parent in zip(buildings["id"], buildings["parent_id"]):
            if parent:
                rows.append(_link(bid, "buildings", parent, "buildings", "part_of"))
        owner: dict[str, tuple[str, str]] = {}
        for r in report:
            bim_id = r["bim_building_id"]
            if r["status"] == MATCHED:
                rows.append(_link(bim_id, "bim_buildings", r["city_building_id"], "buildings", "replaces",
                                  r["iou"], {"ground_offset_m": r.get("ground_offset_m"),
                                             "roof_offset_m": r.get("roof_offset_m")}))
            owner[bim_id] = ((r["twin_building_id"], "buildings") if r["status"] in (MATCHED, ADDED)
                             else (bim_id, "bim_buildings"))
        for layer in ("bim_storeys", "bim_spaces", "bim_elements"):
            frame = self.frames[layer]
            for gid, bim_building, storey in zip(frame["global_id"], frame["building_global_id"],
                                                 frame.get("storey_global_id", [None] * len(frame))):
                if bim_building in owner:
                    to_id, to_layer = owner[bim_building]
                    rows.append(_link(gid, layer, to_id, to_layer, "part_of", details={"bim_building": bim_building}))
                if storey and layer != "bim_storeys":
                    rows.append(_link(gid, layer, storey, "bim_storeys", "located_in"))
        islands = self.frames["learning_islands"]
        for iid, bid, room in zip(islands["id"], islands["building_id"], islands["room_id"]):
            if bid:
                rows.append(_link(iid, "learning_islands", bid, "buildings", "located_in"))
            if room:
                rows.append(_link(iid, "learning_islands", room, "bim_spaces", "located_in"))
        sensors = self.frames["sensors"]
        for key, kind, target in zip(sensors["sensor_key"], sensors["link_type"], sensors["link_id"]):
            if target:
                to_layer = "buildings" if kind in ("building", "facade") else str(kind or "")
                rows.append(_link(key, "sensors", target, to_layer, "observes", details={"link_type": kind}))
        known = {"buildings": set(buildings["id"])}
        dangling = [r for r in rows if r["to_layer"] in known and r["to_id"] not in known[r["to_layer"]]]
        if dangling:
            self.reporter.warning(f"{len(dangling)} links point to buildings not in the twin, e.g. "
                                  f"{dangling[0]['from_layer']} {dangling[0]['from_id']} -> {dangling[0]['to_id']}")
        return conform(pd.DataFrame(rows), LINKS, None)

    def height_report(self) -> pd.DataFrame:
        rows = []
        buildings = self.frames[TWIN_BUILDINGS.name]
        sources = pd.concat(self.sources, ignore_index=True) if self.sources else empty(TWIN_SOURCES, None)
        vertical = {Path(str(f)).name: v for f, v in zip(sources["source_file"], sources["vertical_crs"])}
        city = buildings[buildings["origin"] == "citymodel"]
        for name, group in city.groupby(city["source_file"].fillna("")):
            rows.append({"source_file": name, "source_kind": CITYMODEL,
                         "vertical_crs": vertical.get(name), "objects": len(group),
                         "ground_min": group["ground_height"].min(), "ground_max": group["ground_height"].max(),
                         "roof_max": group["roof_height"].max()})
        bim = self.frames["bim_buildings"]
        for name, group in bim.groupby(bim["source_file"].fillna("")):
            rows.append({"source_file": name, "source_kind": IFC, "vertical_crs": vertical.get(name),
                         "objects": len(group), "ground_min": group["ground_height"].min(),
                         "ground_max": group["ground_height"].max(), "roof_max": group["roof_height"].max()})
        return conform(pd.DataFrame(rows), HEIGHT_REPORT, None)

    # -- writing ------------------------------------------------------------------------------
    def write(self, derived: dict[str, pd.DataFrame], parameters: dict[str, Any]) -> BuildResult:
        result = BuildResult(self.store.describe(), reused=list(self.reused), crs=self.crs)
        old_hashes = self.store.read(OBJECT_HASHES) if self.exists else empty(OBJECT_HASHES, None)
        stored = self.store_layers
        build_id = 1
        old_builds = self.store.read(BUILDS) if self.exists else empty(BUILDS, None)
        if len(old_builds):
            build_id = int(old_builds["build_id"].max()) + 1
        hash_rows, change_rows = [], []
        plans = []
        for layers in SOURCE_KINDS.values():
            for keyed in layers:
                self.reporter.check()
                frame = self.frames[keyed.spec.name]
                new = object_hashes(frame, keyed.spec, keyed.key)
                mine = old_hashes[old_hashes["layer"] == keyed.spec.name]
                old = dict(zip(mine["object_id"], mine["object_hash"]))
                added, removed, modified = diff(old, new)
                result.layer_changes[keyed.spec.name] = (len(added), len(removed), len(modified))
                hash_rows += [{"layer": keyed.spec.name, "object_id": k, "object_hash": h} for k, h in new.items()]
                change_rows += [{"build_id": build_id, "layer": keyed.spec.name, "object_id": k, "change": c}
                                for c, ids in (("added", added), ("removed", removed), ("modified", modified))
                                for k in ids]
                if keyed.spec.name == TWIN_BUILDINGS.name:
                    result.added, result.removed, result.modified = added, removed, modified
                full = (keyed.spec.name not in stored or self.store_crs != self.crs
                        or set(self.store.stored_spec(keyed.spec.name).fields) != set(keyed.spec.fields))
                plans.append((keyed, frame, full, added, removed, modified))
        buildings = self.frames[TWIN_BUILDINGS.name]
        result.buildings = int((buildings["parent_id"].fillna("") == "").sum())
        builds_row = {"build_id": build_id, "built_at": self.now, "geotwin_version": __version__,
                      "parameters": parameters, "buildings": result.buildings, "added": len(result.added),
                      "removed": len(result.removed), "modified": len(result.modified)}
        with self.store.transaction(self.crs, self.reporter) as writer:
            for keyed, frame, full, added, removed, modified in plans:
                self.reporter.check()
                present = self.present.get(keyed.spec.name, set())
                _apply(writer, keyed, frame, full, added, removed + [k for k in added if k in present], modified)
            for spec in (TWIN_SOURCES, LINKS, CONFLATION_REPORT, HEIGHT_REPORT):
                self.reporter.check()
                writer.replace(spec, derived[spec.name])
            writer.replace(OBJECT_HASHES, conform(pd.DataFrame(hash_rows), OBJECT_HASHES, None))
            for spec, row_frame in ((CHANGES, pd.DataFrame(change_rows)), (BUILDS, pd.DataFrame([builds_row]))):
                if spec.name in stored:
                    writer.append(spec, conform(row_frame, spec, None))
                else:
                    writer.replace(spec, conform(row_frame, spec, None))
        return result


def _apply(writer: StoreWriter, keyed: Keyed, frame: pd.DataFrame, full: bool,
           added: list[str], removed: list[str], modified: list[str]) -> None:
    """Write a layer: all of it when new or its schema changed, else only the changed objects."""
    if full:
        writer.replace(keyed.spec, frame)
        return
    if removed or modified:
        writer.delete(keyed.spec, keyed.key, removed + modified)
    changed = set(added) | set(modified)
    if changed:
        writer.append(keyed.spec, frame[frame[keyed.key].astype(str).isin(changed)])


def _listener_row(key: str, observation_id: str, euis: dict[str, set[str]], heard: set[tuple[str, int]]) -> bool:
    """Whether an observation of sensor ``key`` is a value the LoRaWAN listener stored: its id is
    ``<DevEUI>:<frame counter>:<time>`` of an uplink in ``heard`` of a DevEUI the sensor names."""
    eui, _, rest = observation_id.partition(":")
    counter, _, _ = rest.partition(":")
    return eui in euis.get(key, ()) and counter.isdigit() and (eui, int(counter)) in heard


def _instants(times: pd.Series) -> list[Any]:
    """The times of observations as UTC instants (``...Z`` and ``...+00:00`` the same), for comparing."""
    return list(pd.to_datetime(times, utc=True, format="ISO8601", errors="coerce"))


def _statistics(obs: pd.DataFrame) -> dict[str, Any]:
    """A sensor's statistics over its observations as the import and the LoRaWAN listener take them
    (``series.statistics``, in the frame's order)."""
    return statistics(zip(obs["phenomenon_time"], obs["result"]))


def _object_class(ifc_class: object) -> str:
    """The twin object class of a BIM building row: Building, or the IFC class of a facility, site or project
    whose elements lie outside any building (``bim_buildings.ifc_class``)."""
    return ifc_class if isinstance(ifc_class, str) and ifc_class and ifc_class != "IfcBuilding" else "Building"


def _link(from_id: str, from_layer: str, to_id: str, to_layer: str, relation: str, score: float | None = None,
          details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"from_id": from_id, "from_layer": from_layer, "to_id": to_id, "to_layer": to_layer,
            "relation": relation, "score": score, "details": details}


def build_city_frames(store: TwinStore, frames: dict[str, pd.DataFrame], crs: str, options: ConflationOptions,
                      reporter: Reporter, parameters: dict[str, Any]) -> dict[str, int]:
    """Build the twin of city model layers already read into a new ``store`` (the partitioned build's cells).

    The build's steps without the reading: the links between buildings and their parts, the height report, the
    object hashes and the ``changes`` (all added); no ``sources`` and no conflation report (no BIM).

    Args:
        store: the cell's twin store (new).
        frames: city model layers by name (``SOURCE_KINDS["citymodel"]``), in ``crs``; a missing one is empty.
        crs: the twin's CRS.
        options: the conflation options.
        reporter: cancel and messages.
        parameters: what the ``builds`` row records.

    Returns:
        The rows written per layer of the city model.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import sample_twin
        >>> from geotwin.twin.store.geopackage import GpkgStore
        >>> city = str(sample_twin().city)
        >>> frames = {k.spec.name: read_layer(city, k.spec, "EPSG:25832") for k in SOURCE_KINDS[CITYMODEL]}
        >>> store = GpkgStore(Path(tempfile.mkdtemp()) / "cell.gpkg")
        >>> rows = build_city_frames(store, frames, "EPSG:25832", ConflationOptions(), Reporter(), {"cell": "0"})
        >>> rows["buildings"], rows["footprints"], len(store.read(TWIN_BUILDINGS))
        (12, 12, 12)
    """
    with tempfile.TemporaryDirectory(prefix="geotwin-cell-") as workdir:
        builder = _Builder(store, BuildInputs(), options, reporter, workdir)
        builder.crs = crs
        for layers in SOURCE_KINDS.values():
            for keyed in layers:
                builder.frames[keyed.spec.name] = empty(keyed.spec, crs)
        for keyed in SOURCE_KINDS[CITYMODEL]:
            if keyed.spec.name in frames:
                builder.frames[keyed.spec.name] = conform(frames[keyed.spec.name], keyed.spec, crs)
        report = builder.conflate()
        derived = {TWIN_SOURCES.name: empty(TWIN_SOURCES, None), LINKS.name: builder.links(report),
                   CONFLATION_REPORT.name: empty(CONFLATION_REPORT, None), HEIGHT_REPORT.name: builder.height_report()}
        builder.write(derived, parameters)
    return {keyed.spec.name: len(builder.frames[keyed.spec.name]) for keyed in SOURCE_KINDS[CITYMODEL]}


def build_twin(store: TwinStore, inputs: BuildInputs, options: ConflationOptions | None = None,
               reporter: Reporter | None = None, crs: str | None = None) -> BuildResult:
    """Build the twin into ``store``, or update it incrementally when it already holds one.

    The twin's CRS is fixed first (see ``_Builder.fix_crs`` and ``common_crs``): ``crs`` when given, else the
    city model's (all its inputs must agree), else the IFC inputs'; every input is transformed into it. BIM
    buildings are conflated with the city model, learning islands and sensors linked to buildings.

    Args:
        store: the twin store (GeoPackage or PostGIS).
        inputs: the input files per source kind (importer GeoPackages or raw files).
        options: the conflation options.
        reporter: progress, cancel and messages.
        crs: the twin's CRS, or None to take the inputs'.

    Returns:
        The BuildResult: buildings, matches, what was added, removed or modified, rows changed per layer, and
        the twin's CRS.

    Raises:
        InputError: no city model, inputs in CRSs that cannot be combined; Cancelled.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from geotwin.twin.examples import sample_twin
        >>> city = sample_twin().city                   # the sample district's city model
        >>> folder = Path(tempfile.mkdtemp())
        >>> from geotwin.twin.store.geopackage import GpkgStore
        >>> result = build_twin(GpkgStore(folder / "twin.gpkg"), BuildInputs(citymodel=[str(city)]))
        >>> result.buildings, len(result.added), result.layer_changes["building_surfaces"], result.crs
        (12, 12, (12, 0, 0), 'EPSG:25832')
        >>> again = build_twin(GpkgStore(folder / "twin.gpkg"), BuildInputs(citymodel=[str(city)]))
        >>> again.added, again.removed, again.modified                     # nothing changed
        ([], [], [])
    """
    options = options or ConflationOptions()
    reporter = reporter or Reporter()
    if not inputs.citymodel and not inputs.ifc:
        raise GeoTwinError("the twin needs a city model or at least one IFC file")
    with store.exclusive(reporter), tempfile.TemporaryDirectory(prefix="geotwin-build-") as workdir:
        builder = _Builder(store, inputs, options, reporter, workdir)
        for kind in (CITYMODEL, IFC, ISLANDS, SENSORS):
            reporter.check()
            builder.prepare(kind)
        builder.fix_crs(crs)
        for step, kind in enumerate((CITYMODEL, IFC, ISLANDS, SENSORS)):
            reporter.check()
            builder.read_kind(kind)
            reporter.progress(10.0 * (step + 1))
        builder.keep_listener_rows()
        reporter.check()
        report = builder.conflate()
        reporter.progress(50.0)
        reporter.check()
        links = builder.links(report)
        reporter.check()
        sources = (conform(pd.concat(builder.sources, ignore_index=True), TWIN_SOURCES, None)
                   if builder.sources else empty(TWIN_SOURCES, None))
        derived = {TWIN_SOURCES.name: sources, LINKS.name: links,
                   CONFLATION_REPORT.name: conform(pd.DataFrame(report), CONFLATION_REPORT, None),
                   HEIGHT_REPORT.name: builder.height_report()}
        parameters = {"iou_threshold": options.iou_threshold, "height_tolerance": options.height_tolerance,
                      "search_distance": options.search_distance, "crs": builder.crs,
                      "inputs": {k: [Path(p).name for p in inputs.of(k)] for k in SOURCE_KINDS}}
        reporter.progress(60.0)
        reporter.check()
        result = builder.write(derived, json.loads(json.dumps(parameters)))
    result.conflation = report
    result.matched = sum(r["status"] == MATCHED for r in report)
    result.unmatched = sum(r["status"] == ADDED for r in report)
    result.mismatches = sum(r["status"] == MISMATCH for r in report)
    for r in report:
        (reporter.warning if r["status"] == MISMATCH else reporter.info)(
            f"BIM building {r['bim_building_id']} ({r.get('bim_name') or ''}): {r['status']}: {r['reason']}")
    reporter.info(f"twin in {result.store}: {result.buildings} buildings; {len(result.added)} added, "
                  f"{len(result.removed)} removed, {len(result.modified)} modified building rows")
    reporter.progress(100.0)
    return result
