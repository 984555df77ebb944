"""tileset.json (explicit tree or implicit tiling with subtree files) and the viewer beside it."""
from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from ..kernel.jsonfile import unpacked
from . import quadtree
from .frame import EnuFrame
from .subtree import subtree_bytes
from .twin_tiles import BimTile, PointTile, TwinTiles

#: Geometric error (m) of a leaf with BIM detail below it: Cesium (maximumScreenSpaceError 16) refines
#: into the BIM elements within about 100 m of the camera in a 1000 px high view.
BIM_GEOMETRIC_ERROR = 2.0

Json = dict[str, Any]


def _example_tree(implicit: bool) -> quadtree.Node:
    """The finished quadtree of explicit_tile's (implicit: write_subtrees') example: four 10 m x 10 m buildings,
    12 m high, 300 m apart, one per leaf, geometric error 6 m."""
    lo = np.array([[0.0, 0, 0], [300, 0, 0], [0, 300, 0], [300, 300, 0]])
    hi = lo + [10, 10, 12]
    if implicit:
        root, _ = quadtree.build_implicit(lo, hi, leaf_max=1, leaf_extent=1000)
    else:
        root = quadtree.build_explicit((lo + hi) / 2, lo, hi, leaf_max=1, leaf_extent=1000, lod1_max=10,
                                       lod1_extent=1e9)
    quadtree.finish(root, np.full(4, 6.0), {n.key: (lo[n.own].min(0), hi[n.own].max(0))
                                            for n in root.walk() if n.content})
    return root

def box(lo: NDArray[Any], hi: NDArray[Any]) -> list[float]:
    """Write a 3D Tiles ``box`` bounding volume of an axis-aligned box (half axes at least 1 cm).

    Args:
        lo: the lower corner (3,).
        hi: the upper corner (3,).

    Returns:
        The centre and the three half-axis vectors (12 numbers).

    Example:
        >>> import numpy as np
        >>> box(np.array([0.0, 0.0, 0.0]), np.array([10.0, 20.0, 0.0]))
        [5.0, 10.0, 0.0, 5.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.01]
    """
    c = (lo + hi) / 2
    h = np.maximum((hi - lo) / 2, 0.01)
    return [float(c[0]), float(c[1]), float(c[2]), float(h[0]), 0.0, 0.0, 0.0, float(h[1]), 0.0, 0.0, 0.0, float(h[2])]


def _leaf_tile(t: BimTile | PointTile) -> Json:
    return {"boundingVolume": {"box": box(t.min, t.max)}, "geometricError": 0.0, "content": {"uri": t.uri}}


def explicit_tile(node: quadtree.Node, ext: str, below: dict[str, list[BimTile]],
                  fragments: dict[str, Any] | None = None) -> Json:
    """Give the tile of ``node`` with its subtree; a leaf with BIM detail refines ADD into its BIM tiles.

    Args:
        node: the tile.
        ext: the content's file extension (glb or b3dm).
        below: tile key -> the BIM tiles below that leaf.
        fragments: tile key -> the JSON of that tile with its subtree, as written elsewhere (a partition).

    Returns:
        The tile's JSON.

    Example:
        >>> lo = np.array([[0.0, 0, 0], [300, 0, 0], [0, 300, 0], [300, 300, 0]])   # four 10 m x 10 m buildings
        >>> hi = lo + [10, 10, 12]
        >>> root = quadtree.build_explicit((lo + hi) / 2, lo, hi, leaf_max=1, leaf_extent=1000, lod1_max=10,
        ...                                lod1_extent=1e9)
        >>> quadtree.finish(root, np.full(4, 6.0), {n.key: (lo[n.own].min(0), hi[n.own].max(0))
        ...                                         for n in root.walk() if n.content})
        >>> tile = explicit_tile(root, "glb", {})
        >>> tile["content"], tile["geometricError"], [c["content"]["uri"] for c in tile["children"]]
        ({'uri': 'tiles/0/0/0.glb'}, 6.0, ['tiles/1/0/0.glb', 'tiles/1/1/0.glb', 'tiles/1/0/1.glb', 'tiles/1/1/1.glb'])
        >>> tile["children"][0]["boundingVolume"]["box"]        # centre, then the half axes
        [5.0, 5.0, 6.0, 5.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 6.0]
        >>> explicit_tile(root, "glb", {}, fragments={"0/0/0": {"from": "a partition"}})
        {'from': 'a partition'}
    """
    if fragments and node.key in fragments:
        return cast(Json, fragments[node.key])   # maybe a PackedJSON: written as the tile it holds
    t: Json = {"boundingVolume": {"box": box(*node.bounds())}, "geometricError": node.geometric_error}
    if node.content:
        t["content"] = {"uri": f"tiles/{node.key}.{ext}"}
    if node.children:
        t["children"] = [explicit_tile(c, ext, below, fragments) for c in node.children]
    if node.key in below:       # BIM detail: added to the leaf's LoD2 when close
        t["refine"] = "ADD"
        t["children"] = [_leaf_tile(d) for d in below[node.key]]
    return t


def write_subtrees(root: quadtree.Node, folder: Path) -> tuple[int, int]:
    """Write the .subtree files of an implicit tree.

    Args:
        root: the implicit tree.
        folder: the tileset folder (``subtrees/`` is written into it).

    Returns:
        (availableLevels, subtreeLevels).

    Example:
        >>> lo = np.array([[0.0, 0, 0], [300, 0, 0], [0, 300, 0], [300, 300, 0]])   # four 10 m x 10 m buildings
        >>> hi = lo + [10, 10, 12]
        >>> root, _ = quadtree.build_implicit(lo, hi, leaf_max=1, leaf_extent=1000)
        >>> quadtree.finish(root, np.full(4, 6.0), {n.key: (lo[n.own].min(0), hi[n.own].max(0))
        ...                                         for n in root.walk() if n.content})
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> write_subtrees(root, folder), [p.relative_to(folder).as_posix() for p in folder.rglob("*.subtree")]
        ((2, 2), ['subtrees/0/0/0.subtree'])
    """
    nodes = list(root.walk())
    tiles = {(n.level, n.x, n.y) for n in nodes}
    contents = {(n.level, n.x, n.y) for n in nodes if n.content}
    available = max(n.level for n in nodes) + 1
    levels = min(available, 6)
    for n in nodes:
        if n.level % levels == 0:
            data, _ = subtree_bytes(n.level, n.x, n.y, levels, tiles, contents)
            path = folder / "subtrees" / f"{n.key}.subtree"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return available, levels


def _root_square(root: quadtree.Node) -> tuple[NDArray[Any], NDArray[Any]]:
    box_min, box_max = root.bounds()
    lo = np.array([root.x0, root.y0, box_min[2]])
    hi = np.array([root.x0 + root.size, root.y0 + root.size, box_max[2]])
    return lo, hi


def implicit_tile(root: quadtree.Node, frame: EnuFrame, ext: str, available: int, levels: int) -> Json:
    """Give the implicit root tile.

    Its box is the root square (split in x and y by the implied tiles) with the content's heights; each level
    halves the geometric error.

    Args:
        root: the implicit tree.
        frame: the ENU frame (the tile's transform).
        ext: the content's file extension.
        available: availableLevels.
        levels: subtreeLevels.

    Returns:
        The root tile's JSON.

    Example:
        >>> root = _example_tree(implicit=True)    # write_subtrees' four buildings
        >>> from geotwin.twin.tiles.frame import EnuFrame
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))        # Karlsruhe
        >>> tile = implicit_tile(root, frame, "glb", 2, 2)
        >>> tile["content"]["uri"], tile["implicitTiling"]["availableLevels"], tile["refine"]
        ('tiles/{level}/{x}/{y}.glb', 2, 'ADD')
    """
    lo, hi = _root_square(root)
    return {"boundingVolume": {"box": box(lo, hi)}, "geometricError": float(np.linalg.norm(hi - lo)),
            "refine": "ADD", "transform": frame.transform(), "content": {"uri": f"tiles/{{level}}/{{x}}/{{y}}.{ext}"},
            "implicitTiling": {"subdivisionScheme": "QUADTREE", "subtreeLevels": levels,
                               "availableLevels": available,
                               "subtrees": {"uri": "subtrees/{level}/{x}/{y}.subtree"}}}


def tileset_json(root: quadtree.Node, frame: EnuFrame, version: str, implicit: bool, ext: str, height: Json,
                 folder: Path, twin_tiles: TwinTiles | None = None, client: Json | None = None,
                 fragments: dict[str, Any] | None = None, layout: tuple[int, int] | None = None) -> Json:
    """Give the tileset.json of an export.

    With twin content, the root is a tile (refine ADD) whose children are the city model's tree, the islands' and
    sensors' marker tiles and (implicit tiling) the BIM detail tiles; in an explicit tree each BIM tile is a child of
    its building's LoD2 leaf, which refines ADD into it. Implicit tiling writes the subtree files into ``folder``. A
    partitioned export gives the top of the tree only: ``fragments`` (explicit) are the JSON of the partitions'
    subtrees by their root's key; ``layout`` (implicit) is (availableLevels, subtreeLevels), the subtree files being
    written by the partitions and the root.

    Args:
        root: the tree.
        frame: the ENU frame.
        version: "1.1" or "1.0".
        implicit: implicit tiling.
        ext: the content's file extension.
        height: the height model's record (``asset.extras.geotwin.heightModel``).
        folder: the tileset folder.
        twin_tiles: the BIM and marker tiles of a twin.
        client: the target client the tiles are encoded for (``{"target": "cesium" | "qgis", "draco": bool}``).
        fragments, layout: see above.

    Returns:
        The tileset JSON.

    Example:
        >>> root = _example_tree(implicit=False)   # explicit_tile's four buildings
        >>> from geotwin.twin.tiles.frame import EnuFrame
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))        # Karlsruhe
        >>> tileset = tileset_json(root, frame, "1.1", False, "glb", {"method": "egm96"}, Path("."),
        ...                        client={"target": "qgis"})
        >>> tileset["asset"]["version"], tileset["asset"]["extras"]["geotwin"]["target"], tileset["root"]["refine"]
        ('1.1', 'qgis', 'REPLACE')
        >>> len(tileset["root"]["children"]), round(tileset["geometricError"], 1)       # the root's diagonal
        (4, 438.6)
    """
    extras = {"geotwin": {"heightModel": height, "crs": "EPSG:4978",
                          "frame": {"type": "ENU", "longitude": frame.lon, "latitude": frame.lat,
                                    "originEcef": [float(v) for v in frame.origin]},
                          **(client or {})}}
    asset: Json = {"version": version, "generator": "GeoTwin", "extras": extras}
    if version == "1.0":
        asset["gltfUpAxis"] = "Y"
    twin_tiles = twin_tiles or TwinTiles()
    below: dict[str, list[BimTile]] = {}
    for b in twin_tiles.bim:
        if b.node is not None and not implicit:
            below.setdefault(b.node, []).append(b)
    if implicit:
        available, levels = layout or write_subtrees(root, folder)
        t = implicit_tile(root, frame, ext, available, levels)
        lo, hi = _root_square(root)
    else:
        t = dict(unpacked(explicit_tile(root, ext, below, fragments)))   # a copy: a partition root keeps its own
        t.setdefault("refine", "REPLACE")
        t["transform"] = frame.transform()
        lo, hi = root.bounds()
    error = max(float(np.linalg.norm(hi - lo)), t["geometricError"])
    others = [d for d in twin_tiles.bim if d.node is None or implicit]
    if not (twin_tiles.points or others):
        return {"asset": asset, "geometricError": error * 2 if implicit else error, "root": t}
    t.pop("transform")
    children = [t] + [_leaf_tile(p) for p in twin_tiles.points]
    for d in others:  # a group whose error makes Cesium load the BIM elements only when close
        children.append({"boundingVolume": {"box": box(d.min, d.max)},
                         "geometricError": BIM_GEOMETRIC_ERROR, "refine": "ADD", "children": [_leaf_tile(d)]})
    tiles: list[BimTile | PointTile] = [*twin_tiles.points, *twin_tiles.bim]
    boxes = [(lo, hi)] + [(d.min, d.max) for d in tiles]
    all_lo, all_hi = np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)
    error = max(error, float(np.linalg.norm(all_hi - all_lo)))
    wrapper = {"boundingVolume": {"box": box(all_lo, all_hi)}, "geometricError": error, "refine": "ADD",
               "transform": frame.transform(), "children": children}
    return {"asset": asset, "geometricError": error * 2, "root": wrapper}


def write_viewer(folder: Path, root: quadtree.Node, frame: EnuFrame, cesium_url: str | None,
                 layers: dict[str, str] | None = None, basemap: Any = None, terrain_url: str | None = None) -> None:
    """Write viewer/index.html (and its script and style), the camera on the model's ground height.

    Args:
        folder: the tileset folder.
        root: the tree (its lowest point is the ground).
        frame: the ENU frame.
        cesium_url: a CesiumJS URL, or None to copy CesiumJS beside the viewer.
        layers: overlay name -> GeoJSON file.
        basemap: the imagery under the city.
        terrain_url: the quantized-mesh terrain folder.

    Example:
        >>> root = _example_tree(implicit=False)   # explicit_tile's four buildings
        >>> from geotwin.twin.tiles.frame import EnuFrame
        >>> frame = EnuFrame(np.array([4146887.54, 612539.60, 4791253.57]))        # Karlsruhe
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> write_viewer(folder, root, frame, "https://cesium.example/Build/Cesium/Cesium.js")
        >>> sorted(p.name for p in (folder / "viewer").iterdir())
        ['index.html', 'live_chart.js', 'viewer.css', 'viewer.js']
        >>> "https://cesium.example/Build/Cesium/Cesium.js" in (folder / "viewer" / "index.html").read_text()
        True
    """
    from pyproj import Transformer

    from . import viewer

    ground = frame.to_ecef(root.bounds()[0].reshape(1, 3))
    _, _, h = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*ground[0])
    kwargs: dict[str, Any] = {"tileset_url": "../tileset.json", "title": "GeoTwin", "extra_layers": layers or None,
                              "basemap": basemap, "terrain_url": terrain_url}
    if cesium_url:
        kwargs["cesium_url"] = cesium_url
    kwargs["ground_height"] = float(h)
    viewer.write_viewer(folder, **kwargs)
