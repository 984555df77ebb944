"""QGIS-free BIM/IFC import: reading, georeferencing and writing IFC buildings into the twin."""
