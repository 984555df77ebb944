"""The geotwin Processing provider and its algorithms (imported as geotwin.processing).

QGIS's own framework is the top-level module ``processing``; this subpackage is only
ever imported relative to the plugin package, so it never shadows it.
"""
