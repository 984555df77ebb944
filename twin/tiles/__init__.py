"""OGC 3D Tiles export of the twin and its CesiumJS web viewer."""
