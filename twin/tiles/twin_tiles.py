"""The tiles a twin adds to the city model's: BIM detail (one tile per twin building with BIM, below its LoD2
tile) and marker tiles of the learning islands and sensors; and their GeoJSON beside the tileset."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..kernel.heights import Georeferencer
from ..kernel.schema.bim import BIM_ELEMENTS as BIM_SPEC
from . import quadtree
from .buildings import meshes_to_enu
from .incremental import digest, object_digests
from .mesh import Mesh, lod2_meshes
from .metadata import build_columns, finite
from .polygons import PolygonSet
from .twin_layers import BimDetail, PointLayer, TwinExtras
from .writer import ContentOptions, Encoded, TileWriter, feature_content, marker

GEOJSON_NAMES = {"learning_islands": "islands.geojson", "sensors": "sensors.geojson"}
POINT_CLASSES = {"learning_islands": "island", "sensors": "sensor"}


@dataclass(frozen=True)
class BimTile:
    """The BIM elements of one twin building; ``node``: the key of its building's LoD2 leaf (None when the
    building is in no leaf)."""

    uri: str
    node: str | None
    building_id: str
    bim_building_id: str
    elements: int
    bytes: int
    min: NDArray[Any]
    max: NDArray[Any]

    def record(self) -> dict[str, Any]:
        return {"uri": self.uri, "node": self.node, "building_id": self.building_id,
                "bim_building_id": self.bim_building_id, "elements": self.elements, "bytes": self.bytes}


@dataclass(frozen=True)
class PointTile:
    """The markers of the islands or the sensors."""

    uri: str
    layer: str
    features: int
    bytes: int
    min: NDArray[Any]
    max: NDArray[Any]

    def record(self) -> dict[str, Any]:
        return {"uri": self.uri, "layer": self.layer, "features": self.features, "bytes": self.bytes}


@dataclass
class TwinTiles:
    bim: list[BimTile] = field(default_factory=list)
    points: list[PointTile] = field(default_factory=list)


def safe_name(text: str) -> str:
    """Make a file name of a text: its safe characters and a digest (distinct texts stay distinct).

    Args:
        text: the text (a layer or sensor name).

    Returns:
        At most 48 safe characters, ``-`` and 8 hex digits.

    Example:
        >>> name = safe_name("Lerninsel Café/1")
        >>> name.startswith("Lerninsel_Café_1-"), len(name.rsplit("-", 1)[1]), name != safe_name("Lerninsel Café_1")
        (True, 8, True)
    """
    clean = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)
    return f"{clean[:48]}-{digest(text)[:8]}"


def json_text(raw: Any) -> Any:
    """Make attribute JSON text strict: Python's NaN and Infinity (which no other parser reads) become null.

    Args:
        raw: the attributes (JSON text, or anything else, returned as it is).

    Returns:
        The strict JSON text.

    Example:
        >>> json_text('{"height": NaN, "storeys": 3}'), json_text('{"a": 1}')
        ('{"height": null, "storeys": 3}', '{"a": 1}')
    """
    if isinstance(raw, str) and ("NaN" in raw or "Infinity" in raw):
        try:
            return json.dumps(finite(json.loads(raw)), ensure_ascii=False, allow_nan=False)
        except (ValueError, TypeError):  # not JSON: kept as text
            return raw
    return raw


def point_rows(layer: PointLayer, geo: Georeferencer) -> tuple[list[dict[str, Any]], NDArray[Any], NDArray[Any]]:
    """Place a point layer's rows: placement heights added (attributes JSON made strict), lon/lat, heights.

    Args:
        layer: the islands or sensors (see twin_layers.read_twin_extras).
        geo: the twin's georeferencer.

    Returns:
        (rows with normal_height, ellipsoidal_height and height_source; (N, 2) lon/lat; ellipsoidal heights).

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_extras
        >>> twin, extras = sample_extras()             # the sample district's twin, built once per process
        >>> folder = Path(tempfile.mkdtemp())
        >>> from geotwin.twin.kernel.heights import resolve_height_model
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> rows, lonlat, heights = point_rows(extras.points[0], geo)
        >>> rows[0]["id"], rows[0]["normal_height"], rows[0]["ellipsoidal_height"], rows[0]["height_source"]
        ('LI-001', 114.98, 162.48, 'lowest building ground of the model')
        >>> lonlat[0].round(5).tolist()
        [8.40202, 49.0077]
    """
    lon, lat, h = geo.to_geographic(layer.xyz[:, 0], layer.xyz[:, 1], layer.xyz[:, 2])
    rows = []
    for row, z, eh, source in zip(layer.rows, layer.xyz[:, 2], h, layer.height_source):
        extra = {"attributes": json_text(row["attributes"])} if "attributes" in row else {}
        rows.append({**row, **extra, "normal_height": float(z), "ellipsoidal_height": round(float(eh), 4),
                     "height_source": source})
    return rows, np.column_stack([lon, lat]), h


def _leaves(root: quadtree.Node, implicit: bool) -> dict[int, str]:
    """Building index -> key of the LoD2 leaf that holds it."""
    leaf_of: dict[int, str] = {}
    for node in root.walk():
        if node.content == "lod2" and not (implicit and node.children) and node.own is not None:
            for i in node.own:
                leaf_of[int(i)] = node.key
    return leaf_of


@dataclass
class TwinTileWriter:
    """Writes the twin's BIM and marker tiles with ``writer``; ``ids``: the tiled buildings in table order,
    ``skipped`` collects what could not be tiled."""

    options: ContentOptions
    writer: TileWriter
    ids: list[str]
    skipped: list[str]

    def write(self, extras: TwinExtras, root: quadtree.Node, implicit: bool) -> TwinTiles:
        out = TwinTiles()
        leaf_of = _leaves(root, implicit)
        index = {bid: i for i, bid in enumerate(self.ids)}
        for detail in extras.bim:
            tile = self._bim(detail, leaf_of, index)
            if tile is not None:
                out.bim.append(tile)
        for layer in extras.points:
            out.points.append(self._points(layer))
        return out

    def _bim(self, detail: BimDetail, leaf_of: dict[int, str], index: dict[str, int]) -> BimTile | None:
        polygons = PolygonSet.from_rings([p for element in detail.polygons for p in element])
        offsets = np.concatenate([[0], np.cumsum([len(e) for e in detail.polygons], dtype=np.int64)])
        built = lod2_meshes(polygons, offsets)
        keep = [k for k, (m, _) in enumerate(built) if len(Mesh(*m).triangles)]
        if not keep:
            self.skipped.append(f"BIM building {detail.bim_building_id}: no element with triangles")
            return None
        meshes = [Mesh(*built[k][0]) for k in keep]
        rows = [detail.rows[k] for k in keep]
        uri = f"tiles/bim/{safe_name(detail.bim_building_id)}.glb"
        digests = object_digests(detail.rows, polygons, offsets)
        key = digest(self.options.context, "bim", uri, [digests[k] for k in keep])

        def encode() -> Encoded:
            return feature_content(meshes_to_enu(meshes, self.options.frame, self.options.geo),
                                   build_columns(rows, BIM_SPEC.fields), "bim_element", self.options)

        placed = self.writer.place(uri, key, encode)
        i = index.get(detail.building_id)
        self.writer.tiles.append({"uri": uri, "bytes": placed.size, "kind": "bim", "buildings": 1, "leaf": True})
        return BimTile(uri, leaf_of.get(i) if i is not None else None, detail.building_id, detail.bim_building_id,
                       len(keep), placed.size, placed.lo, placed.hi)

    def _points(self, layer: PointLayer) -> PointTile:
        rows, _, _ = point_rows(layer, self.options.geo)
        uri = f"tiles/points/{layer.name}.glb"
        key = digest(self.options.context, "points", uri, rows, layer.xyz)

        def encode() -> Encoded:
            geo, frame = self.options.geo, self.options.frame
            enu = frame.to_enu(geo.to_ecef(layer.xyz[:, 0], layer.xyz[:, 1], layer.xyz[:, 2]))
            return feature_content([marker(p) for p in enu], build_columns(rows), POINT_CLASSES[layer.name],
                                   self.options)

        placed = self.writer.place(uri, key, encode)
        self.writer.tiles.append({"uri": uri, "bytes": placed.size, "kind": "points", "buildings": 0,
                                  "leaf": True})
        return PointTile(uri, layer.name, len(rows), placed.size, placed.lo, placed.hi)


def write_geojson(extras: TwinExtras, geo: Georeferencer, folder: Path) -> dict[str, str]:
    """Write islands.geojson and sensors.geojson (EPSG:4326, RFC 7946) beside the tileset.

    Args:
        extras: the twin's point layers.
        geo: the twin's georeferencer.
        folder: the tileset folder.

    Returns:
        Layer name -> file name.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_extras
        >>> twin, extras = sample_extras()             # the sample district's twin, built once per process
        >>> folder = Path(tempfile.mkdtemp())
        >>> from geotwin.twin.kernel.heights import resolve_height_model
        >>> model = resolve_height_model("EPSG:25832", "EPSG:7837", "constant", constant=47.5)
        >>> geo = Georeferencer("EPSG:25832", model)
        >>> import json
        >>> write_geojson(extras, geo, folder)
        {'learning_islands': 'islands.geojson', 'sensors': 'sensors.geojson'}
        >>> doc = json.loads((folder / "islands.geojson").read_text())
        >>> len(doc["features"]), doc["features"][0]["id"], doc["features"][0]["geometry"]["type"]
        (11, 'LI-001', 'Point')
    """
    written = {}
    for layer in extras.points:
        rows, lonlat, _ = point_rows(layer, geo)
        features = []
        for row, (lon, lat) in zip(rows, lonlat):
            props = dict(row)
            raw = props.get("attributes")
            if isinstance(raw, str) and raw.strip():
                try:
                    props["attributes"] = json.loads(raw)
                except json.JSONDecodeError:
                    pass
            fid = props.get("id") or props.get("sensor_key")
            features.append({"type": "Feature", "id": fid,
                             "geometry": {"type": "Point", "coordinates": [round(float(lon), 9), round(float(lat), 9)]},
                             "properties": props})
        name = GEOJSON_NAMES[layer.name]
        doc = {"type": "FeatureCollection", "name": layer.name, "features": finite(features)}
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str, allow_nan=False),
                                   encoding="utf-8")
        written[layer.name] = name
    return written


#: the web map's sensor charts: each sensor's last 7 days up to its latest observation
SERIES_NAME = "series.json"


def write_series(gpkg: Path | None, extras: TwinExtras, folder: Path) -> str | None:
    """Write ``series.json`` beside the tileset: each exported sensor's numeric observations of its last 7 days.

    The file is ``{sensor_key: {"unit", "property", "name", "t": [ISO UTC], "v": [...]}}``.

    Args:
        gpkg: the twin GeoPackage (None: none).
        extras: the twin's point layers.
        folder: the tileset folder.

    Returns:
        The file's name, or None (and no file) when the twin has no sensors with observations.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_extras
        >>> twin, extras = sample_extras()             # the sample district's twin, built once per process
        >>> folder = Path(tempfile.mkdtemp())
        >>> import json
        >>> write_series(twin, extras, folder)
        'series.json'
        >>> series = json.loads((folder / "series.json").read_text())
        >>> noise = series["export#ka-fp-noise-01#noise_dba"]
        >>> len(series), noise["unit"], len(noise["t"])          # a day of 15-minute values: 24 * 4
        (13, 'dB(A)', 96)
        >>> write_series(None, extras, folder) is None
        True
    """
    from ..kernel.gpkg import list_layers
    from ..sensors.timeseries import last_window, series_json

    sensors = [layer for layer in extras.points if layer.name == "sensors"]
    if gpkg is None or not sensors or "observations" not in list_layers(gpkg):
        return None
    series: dict[str, Any] = {}
    for key in sorted({str(r.get("sensor_key")) for r in sensors[0].rows if r.get("sensor_key")}):
        start, end = last_window(gpkg, key, "7d")
        series.update(series_json(gpkg, [key], (start, end)))
    series = {k: v for k, v in series.items() if v["v"]}
    if not series:
        return None
    (folder / SERIES_NAME).write_text(json.dumps(finite(series), ensure_ascii=False, allow_nan=False),
                                      encoding="utf-8")
    return SERIES_NAME


AVAILABILITY_NAME = "availability.json"


def write_availability(gpkg: Path | None, extras: TwinExtras, folder: Path, reporter: Any = None) -> str | None:
    """Write ``availability.json`` beside the tileset: each island's opening hours and busy times of 7 days.

    The content is ``twin.islands.availability.availability_json``'s, for the web map's "free now / busy until". A
    calendar's location and error text stay private (its status is kept).

    Args:
        gpkg: the twin GeoPackage (None: none).
        extras: the twin's point layers.
        folder: the tileset folder.
        reporter: messages of the calendar reads.

    Returns:
        The file's name, or None (and no file) when the twin has no learning islands.

    Example:
        >>> import tempfile
        >>> from geotwin.twin.examples import sample_extras
        >>> twin, extras = sample_extras()             # the sample district's twin, built once per process
        >>> folder = Path(tempfile.mkdtemp())
        >>> import json
        >>> write_availability(twin, extras, folder)
        'availability.json'
        >>> doc = json.loads((folder / "availability.json").read_text())
        >>> sorted(doc), len(doc["islands"]), any("error" in island for island in doc["islands"].values())
        (['generated', 'islands', 'timezone'], 11, False)
    """
    from ..islands.availability import availability_json

    if gpkg is None or not any(layer.name == "learning_islands" for layer in extras.points):
        return None
    doc = availability_json(gpkg, reporter=reporter)
    for entry in doc["islands"].values():
        entry.pop("error", None)
    (folder / AVAILABILITY_NAME).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return AVAILABILITY_NAME
