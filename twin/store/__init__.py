"""The linked twin store (GeoPackage or PostGIS): schema, backends, reading a whole store back."""
from .base import StoreWriter, TwinStore, is_dsn, open_store, read_store

__all__ = ["StoreWriter", "TwinStore", "is_dsn", "open_store", "read_store"]
