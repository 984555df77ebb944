"""GeoTwin – Digitaler Geozwilling: QGIS plugin entry point."""


def classFactory(iface):  # noqa: N802 - QGIS API name
    """Return the plugin instance QGIS asks for (iface is None under qgis_process)."""
    from .plugin.main import GeoTwinPlugin

    return GeoTwinPlugin(iface)
