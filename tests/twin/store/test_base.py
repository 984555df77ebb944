"""The store's read side (StoreReader): a GeoPackage and a PostGIS twin of the same inputs read alike, and the
partial reads (columns, bbox, row range, row batches, counts) agree with the whole layer."""
from __future__ import annotations

import math
import uuid

import pandas as pd
import pytest
import shapely

from geotwin.twin.build import BuildInputs, build_twin
from geotwin.twin.citymodel.importer import import_citymodel
from geotwin.twin.kernel import gpkg
from geotwin.twin.kernel.errors import GeoTwinError, InputError
from geotwin.twin.kernel.schema.twin import KNOWN_SPECS
from geotwin.twin.store import StoreReader, TwinStore, open_store
from geotwin.twin.store.frames import canonical_json
from geotwin.twin.store.geopackage import GpkgStore
from geotwin.twin.store.postgis import PostgisStore

HAMBURG = "citygml/hamburg/2016/LoD2_576_5950_1_HH.xml"


def _plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


@pytest.fixture(scope="module")
def stores(tmp_path_factory, shared_data, pg_dsn):
    import psycopg

    work = tmp_path_factory.mktemp("reader")
    city = work / "city.gpkg"
    import_citymodel([shared_data / HAMBURG], city)
    schema = f"t_{uuid.uuid4().hex[:10]}"
    gpkg_store, pg_store = open_store(work / "twin.gpkg"), open_store(pg_dsn, schema)
    for store in (gpkg_store, pg_store):
        build_twin(store, BuildInputs(citymodel=[str(city)]))
    yield {"gpkg": gpkg_store, "pg": pg_store}
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_open_store_picks_the_backend(tmp_path):
    assert isinstance(open_store(tmp_path / "t.gpkg"), GpkgStore)
    assert isinstance(open_store("postgresql://u@h/db", "twin"), PostgisStore)
    assert isinstance(open_store("dbname=geo host=h"), PostgisStore)
    assert issubclass(TwinStore, StoreReader)


def test_local_geopackage_is_the_file_or_none(stores, tmp_path):
    """A reader that reads GeoPackages itself (the 3D Tiles export) asks the store, never its class."""
    local = stores["gpkg"].local_geopackage()
    assert local is not None and local.name == "twin.gpkg" and local.is_file()
    assert gpkg.list_layers(local) == stores["gpkg"].layer_names()   # the very file the store reads
    assert stores["pg"].local_geopackage() is None
    assert open_store(tmp_path / "new.gpkg").local_geopackage() == tmp_path / "new.gpkg"   # before it exists
    assert open_store("host=db dbname=twin", "other").local_geopackage() is None          # no connection made


@pytest.mark.parametrize("backend", ["gpkg", "pg"])
def test_read_columns_rows_and_bbox(stores, backend):
    store = stores[backend]
    spec = KNOWN_SPECS["buildings"]
    whole = store.read(spec)
    assert len(whole) == 118 and store.crs() == "EPSG:25832"

    some = store.read(spec, columns=["measured_height", "id", "no_such_column"])
    assert list(some.columns) == ["id", "measured_height", "geometry"]   # the spec's order, the geometry stays
    assert some["id"].tolist() == whole["id"].tolist()

    part = store.read(spec, rows=(10, 25))
    assert part["id"].tolist() == whole["id"].tolist()[10:25]
    assert store.read(spec, rows=(110, 200))["id"].tolist() == whole["id"].tolist()[110:]
    assert len(store.read(spec, rows=(5, 5))) == 0

    xmin, ymin, xmax, ymax = whole.total_bounds
    box = (xmin, ymin, (xmin + xmax) / 2, (ymin + ymax) / 2)
    inside = store.read(spec, bbox=box)
    expected = [i for i, g in zip(whole["id"], whole.geometry)
                if g is not None and g.intersects(shapely.box(*box))]
    assert 0 < len(inside) < len(whole)
    assert inside["id"].tolist() == expected

    # a box at a corner of a building's envelope that misses the building itself: exact intersection, not
    # the envelopes (GDAL's spatial filter and PostGIS's ST_Intersects agree)
    corner = next((bid, shapely.box(g.bounds[0], g.bounds[1], g.bounds[0] + 0.05, g.bounds[1] + 0.05))
                  for bid, g in zip(whole["id"], whole.geometry)
                  if g is not None and not g.intersects(shapely.box(g.bounds[0], g.bounds[1], g.bounds[0] + 0.05,
                                                                     g.bounds[1] + 0.05)))
    near = store.read(spec, bbox=corner[1].bounds)
    assert corner[0] not in near["id"].tolist()
    assert near["id"].tolist() == [i for i, g in zip(whole["id"], whole.geometry)
                                   if g is not None and g.intersects(corner[1])]


@pytest.mark.parametrize("backend", ["gpkg", "pg"])
def test_read_where_in(stores, backend):
    """Only the rows whose column is one of the values, in insertion order, with columns, bbox and row range; more
    values than one GeoPackage filter takes (500), values with quotes, values no row has, no values at all."""
    store = stores[backend]
    spec = KNOWN_SPECS["buildings"]
    whole = store.read(spec)
    ids = whole["id"].tolist()
    wanted = set(ids[3:9]) | {ids[40], ids[117]}
    values = [ids[117], ids[40], *ids[3:9], "it's none", "O'Brien'); DROP TABLE buildings; --"]
    values += [f"missing-{n}" for n in range(600)]
    got = store.read(spec, where_in=("id", values))
    assert got["id"].tolist() == [i for i in ids if i in wanted] and len(got) == 8
    assert list(got.columns) == list(whole.columns)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), whole[whole["id"].isin(wanted)].reset_index(drop=True))
    assert len(store.read(spec)) == len(whole) == 118                  # the quoted value did not run as SQL
    assert store.read(spec, where_in=("id", [ids[5].upper(), ids[5] + " "]))["id"].tolist() == []   # exact text
    some = store.read(spec, columns=["id"], where_in=("id", values), rows=(2, 5))
    assert list(some.columns) == ["id", "geometry"] and some["id"].tolist() == [i for i in ids if i in wanted][2:5]
    xmin, ymin, xmax, ymax = whole.total_bounds
    box = (xmin, ymin, (xmin + xmax) / 2, (ymin + ymax) / 2)
    boxed = store.read(spec, bbox=box, where_in=("id", values))
    assert boxed["id"].tolist() == [i for i, g in zip(ids, whole.geometry)
                                    if i in wanted and g is not None and g.intersects(shapely.box(*box))]
    empty = store.read(spec, where_in=("id", []))
    assert len(empty) == 0 and list(empty.columns) == list(whole.columns)
    with pytest.raises(GeoTwinError, match="the layer buildings has no column girth to filter by"):
        store.read(spec, where_in=("girth", ["1"]))


@pytest.mark.parametrize("backend", ["gpkg", "pg"])
def test_iter_rows_and_count_by(stores, backend):
    store = stores[backend]
    whole = store.read(KNOWN_SPECS["buildings"])
    columns = ["id", "measured_height", "attributes", "absent"]
    got, wkbs = [], []
    sizes = []
    for rows, geoms in store.iter_rows("buildings", columns, 50):
        sizes.append(len(rows))
        got += rows
        wkbs += geoms
    assert sizes == [50, 50, 18]
    assert all(len(r) == 4 and r[3] is None for r in got)
    assert [r[0] for r in got] == whole["id"].tolist()
    assert [r[1] for r in got] == [_plain(v) for v in whole["measured_height"].tolist()]
    assert [canonical_json(r[2]) for r in got] == whole["attributes"].tolist()
    assert len(wkbs) == len(whole) and any(w is None for w in wkbs)   # containers have no geometry
    assert all((w is None and g is None) or shapely.from_wkb(w).equals_exact(g, 1e-9)
               for w, g in zip(wkbs, whole.geometry))

    counts = store.count_by("buildings", "object_class")
    assert counts == whole["object_class"].value_counts().to_dict()


def test_both_backends_stream_the_same_rows(stores):
    columns = ["id", "parent_id", "attributes"]
    a = [r for rows, _ in stores["gpkg"].iter_rows("buildings", columns, 1000) for r in rows]
    b = [r for rows, _ in stores["pg"].iter_rows("buildings", columns, 1000) for r in rows]
    assert a == b


def test_both_backends_read_a_layer_in_ranges_of_rows(stores):
    """``row_ranges`` cuts the layer into consecutive runs of rows, and ``iter_rows(fids=)`` of each gives exactly
    those rows: together the whole layer in its order, with the same WKBs (GeoPackage and PostGIS alike)."""
    columns = ["id", "parent_id"]
    for store in stores.values():
        whole = [(r, w) for rows, wkbs in store.iter_rows("buildings", columns, 1000) for r, w in zip(rows, wkbs)]
        ranges = store.row_ranges("buildings", 70)
        assert [n for _, _, n in ranges] == [70] * (len(whole) // 70) + ([len(whole) % 70] if len(whole) % 70 else [])
        assert all(a[1] < b[0] and a[0] <= a[1] for a, b in zip(ranges, ranges[1:]))
        pieces = [[(r, w) for rows, wkbs in store.iter_rows("buildings", columns, 30, fids=(first, last))
                   for r, w in zip(rows, wkbs)] for first, last, _ in ranges]
        assert [len(p) for p in pieces] == [n for _, _, n in ranges]
        assert [x for p in pieces for x in p] == whole
    assert stores["gpkg"].row_ranges("buildings", 70) and len(stores["gpkg"].row_ranges("buildings", 70)) == \
        len(stores["pg"].row_ranges("buildings", 70))


def test_gpkg_module_lists_and_reads(stores, tmp_path):
    path = stores["gpkg"].path
    names = gpkg.list_layers(path)
    assert "buildings" in names and "builds" in names
    assert sorted(names) == sorted(stores["gpkg"].layer_names())
    assert gpkg.layer_crs(path, "buildings") == "EPSG:25832"
    fields, rows, geoms = gpkg.read_table(path, "buildings", columns=["id"], rows=(3, 7))
    assert fields == ["id"] and len(rows) == 4 and len(geoms) == 4
    assert [r[0] for r in rows] == stores["gpkg"].read(KNOWN_SPECS["buildings"])["id"].tolist()[3:7]
    frame = gpkg.read_frame(path, "buildings", columns=["id"], rows=(3, 7))
    assert frame["id"].tolist() == [r[0] for r in rows]

    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match="broken.gpkg: not a readable GeoPackage"):
        gpkg.list_layers(broken)
    with pytest.raises(InputError, match="missing.gpkg: no such GeoPackage file"):
        gpkg.list_layers(tmp_path / "missing.gpkg")


def test_reading_a_broken_gpkg_store_names_it(tmp_path):
    broken = tmp_path / "twin.gpkg"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)   # an SQLite header, no database behind it
    store = open_store(broken)
    with pytest.raises(GeoTwinError, match=r"twin.gpkg: cannot read the twin: "):
        next(store.iter_rows("buildings", ["id"], 10))
    with pytest.raises(GeoTwinError, match=r"twin.gpkg: cannot read the twin: "):
        store.count_by("buildings", "id")
    with pytest.raises(GeoTwinError, match=r"twin.gpkg: cannot read the twin: "):
        store.read(KNOWN_SPECS["buildings"], columns=["id"])


def test_a_missing_layer_reads_as_a_storage_fault(stores):
    with pytest.raises(GeoTwinError, match="cannot read the twin"):
        list(stores["gpkg"].iter_rows("no_such_layer", ["id"], 10))
    with pytest.raises(GeoTwinError, match="no_such_layer"):
        list(stores["pg"].iter_rows("no_such_layer", ["id"], 10))
