"""The work of one benchmark stage, run as its own process by run.py so that its time and memory are its own.

``python bench/stages.py STAGE ARGS...``; prints one JSON line with what was done.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# the stages `python -m geotwin import|export` runs: their process starts as that command line's does, with one BLAS
# thread unless the user set more (twin/scale/threads.py cap_blas_threads, called before numpy is imported)
CLI_STAGES = ("citymodel", "tiles", "tiles-partitioned")


def citymodel(args) -> dict:
    from geotwin.twin.citymodel.importer import import_citymodel

    result = import_citymodel([args.input], args.output)
    reported = {"buildings": result.buildings, "parts": result.parts, "surfaces": result.surfaces,
                "skipped": result.skipped}
    if Path(args.input).suffix.lower() in (".gml", ".xml"):   # a CityGML run: whether its compiled planner ran (a
        from geotwin.twin.citymodel.citygml import accelerator  # CityJSON run does not import lxml for it)

        reported["compiled_citygml_planner"] = accelerator() is not None
    return reported


def cjio_load(args) -> dict:
    """cjio's Python API loading the whole CityJSON file (what `cjio FILE info` does first)."""
    from cjio import cityjson

    with open(args.input, encoding="utf-8") as f:
        cm = cityjson.reader(file=f, ignore_duplicate_keys=True)
    kinds = cm.j["CityObjects"].values()
    return {"buildings": sum(1 for o in kinds if o.get("type") == "Building"), "city_objects": len(cm.j["CityObjects"])}


def limit_citygml(args) -> dict:
    """The raw parse limit of a CityGML file: lxml iterparse over every gml:posList, each turned into a numpy
    array (what any reader of its geometry must do at least), elements cleared as they end."""
    import numpy as np
    from lxml import etree

    tags = [f"{{{ns}}}posList" for ns in ("http://www.opengis.net/gml", "http://www.opengis.net/gml/3.2")]
    buildings = [f"{{http://www.opengis.net/citygml/building/{v}}}Building" for v in ("1.0", "2.0", "3.0")]
    pos_lists = values = count = 0
    for _, el in etree.iterparse(args.input, events=("end",), tag=tags + buildings, resolve_entities=False,
                                 no_network=True):
        if el.tag in buildings:
            count += 1
            el.clear()
            continue
        values += np.array(el.text.split(), dtype=np.float64).size
        pos_lists += 1
    return {"buildings": count, "pos_lists": pos_lists, "values": values}


def limit_cityjson(args) -> dict:
    """The raw parse limit of a CityJSON file: json.loads of the document."""
    with open(args.input, encoding="utf-8") as f:
        doc = json.loads(f.read())
    objects = doc["CityObjects"]
    return {"buildings": sum(1 for o in objects.values() if o.get("type") == "Building"),
            "city_objects": len(objects)}


def limit_cityjsonseq(args) -> dict:
    """The raw parse limit of a CityJSONSeq file: json.loads of every line."""
    buildings = features = 0
    with open(args.input, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                doc = json.loads(line)
                features += doc.get("type") == "CityJSONFeature"
                buildings += sum(1 for o in doc.get("CityObjects", {}).values() if o.get("type") == "Building")
    return {"buildings": buildings, "features": features}


def tiles(args) -> dict:
    from geotwin.twin.tiles.export import ExportOptions, export_3dtiles

    result = export_3dtiles(args.input, args.output, ExportOptions(viewer=False))
    return {"tiles": result.tiles, "height_method": result.height_method}


def tiles_partitioned(args) -> dict:
    """The partitioned export (twin/tiles/partitioned.py), its partitions one after another in this process."""
    from geotwin.twin.tiles.export import ExportOptions
    from geotwin.twin.tiles.partitioned import export_partitioned

    if args.workers:   # a Dask LocalCluster of that many single-threaded worker processes
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            def dask_map(fn, tasks):
                return client.gather(client.map(fn, list(tasks), pure=False))

            result = export_partitioned(args.input, args.output, ExportOptions(viewer=False), mapper=dask_map,
                                        partition_buildings=args.partition)
    else:
        result = export_partitioned(args.input, args.output, ExportOptions(viewer=False),
                                    partition_buildings=args.partition)
    parts = result.report["partitions"]
    return {"tiles": result.tiles, "height_method": result.height_method, "partitions": len(parts),
            "largest_partition": max(p["buildings"] for p in parts),
            "partition_seconds": round(sum(p["seconds"] for p in parts), 1)}


def bim(args) -> dict:
    from geotwin.bim.importer import ImportOptions, import_ifc

    result = import_ifc(args.input, args.output, ImportOptions(processes=args.processes))
    return {"elements": result.elements, "spaces": result.spaces, "skipped": len(result.skipped),
            "placement": result.placement.method}


def ifc_iterator(args) -> dict:
    """The raw ifcopenshell.geom.iterator over every product with world coordinates.

    It uses the kernel py3dtiles and our importer use (hybrid-cgal-simple-opencascade).
    """
    import ifcopenshell
    import ifcopenshell.geom

    model = ifcopenshell.open(args.input)
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    iterator = ifcopenshell.geom.iterator(settings, model, args.threads,
                                          geometry_library="hybrid-cgal-simple-opencascade")
    shapes = triangles = 0
    if iterator.initialize():
        while True:
            shape = iterator.get()
            shapes += 1
            triangles += len(shape.geometry.faces) // 3
            if not iterator.next():
                break
    return {"shapes": shapes, "triangles": triangles}


def wkb_dir(args) -> dict:
    """Untimed preparation for `py3dtiles export -d`: one ISO WKB MultiPolygonZ per building.

    Like py3dtiles' own database mode, coordinates are moved by the centre of the extent (passed
    back to it as ``-o``) and turned to its y-up axes (ST_RotateX by -pi/2: x, y, z -> x, z, -y).
    """
    import numpy as np
    import pyogrio
    import shapely

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    frame = pyogrio.read_dataframe(args.input, layer="buildings", columns=["id", "parent_id"])
    geoms = frame.geometry.values
    lo = np.array([np.inf] * 3)
    hi = -lo
    for g in geoms:
        xyz = shapely.get_coordinates(g, include_z=True)
        lo, hi = np.minimum(lo, xyz.min(axis=0)), np.maximum(hi, xyz.max(axis=0))
    centre = (lo + hi) / 2

    def to_local(xyz: np.ndarray) -> np.ndarray:
        d = xyz - centre
        return np.column_stack([d[:, 0], d[:, 2], -d[:, 1]])

    written = 0
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        if g.geom_type == "Polygon":
            g = shapely.MultiPolygon([g])
        local = shapely.transform(g, to_local, include_z=True)
        (out / f"{i:07d}.wkb").write_bytes(shapely.to_wkb(local, output_dimension=3, flavor="iso"))
        written += 1
    return {"wkb_files": written, "offset": [float(c) for c in centre]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    for name, func, outputs in (("citymodel", citymodel, True), ("cjio-load", cjio_load, False),
                                ("limit-citygml", limit_citygml, False), ("limit-cityjson", limit_cityjson, False),
                                ("limit-cityjsonseq", limit_cityjsonseq, False),
                                ("tiles", tiles, True), ("tiles-partitioned", tiles_partitioned, True),
                                ("bim", bim, True), ("ifc-iterator", ifc_iterator, False),
                                ("wkb-dir", wkb_dir, True)):
        p = sub.add_parser(name)
        p.add_argument("input")
        if outputs:
            p.add_argument("output")
        if name == "bim":
            p.add_argument("--processes", type=int, default=1, help="geometry worker processes (0: in-process)")
        if name == "tiles-partitioned":
            p.add_argument("--partition", type=int, default=20_000, help="buildings per partition at most")
            p.add_argument("--workers", type=int, default=0, help="Dask LocalCluster workers (0: serial)")
        if name == "ifc-iterator":
            p.add_argument("--threads", type=int, default=1)
        p.set_defaults(func=func)
    args = parser.parse_args(argv)
    if args.stage in CLI_STAGES:
        from geotwin.twin.scale.threads import cap_blas_threads

        cap_blas_threads()
    print(json.dumps(args.func(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
