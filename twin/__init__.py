"""GeoTwin core: QGIS-free data model, readers, conflation, store and 3D Tiles writer.

Nothing in this package imports ``qgis``; it runs on a server or in a cluster job too.
"""

__version__ = "0.1.0"
