"""QGIS GUI glue: menus, dock, styled layers, translations."""
