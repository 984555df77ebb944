"""The kernel: errors, progress, numbers, atomic outputs, CRS and heights, layer schemas and the one
GeoPackage module. It imports nothing else of GeoTwin (only ``twin.__version__``)."""
