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
from geotwin.twin.kernel.errors import InputError
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
                if g is not None and shapely.box(*g.bounds).intersects(shapely.box(*box))]
    assert 0 < len(inside) < len(whole)
    assert inside["id"].tolist() == expected


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
