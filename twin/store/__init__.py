"""The linked twin store (GeoPackage or PostGIS): the interface (base), backends, reading a whole store back."""
from .base import StoreReader, StoreWriter, TwinStore, read_store
from .open import is_dsn, open_store

__all__ = ["StoreReader", "StoreWriter", "TwinStore", "is_dsn", "open_store", "read_store"]
