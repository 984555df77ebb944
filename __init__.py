"""GeoTwin – Digitaler Geozwilling: QGIS plugin entry point."""
import warnings
from typing import Any

# geopandas 1.0 imports shapely.geos, which shapely >= 2.1 deprecates: QGIS would log that warning with its
# traceback on the first algorithm run. Only that message is silenced; it is no fault of the user's or ours.
warnings.filterwarnings("ignore", message=r"The 'shapely\.geos' module is deprecated", category=DeprecationWarning)


def classFactory(iface: Any) -> Any:  # noqa: N802 - QGIS API name
    """Return the plugin instance QGIS asks for (iface is None under qgis_process)."""
    from .plugin.main import GeoTwinPlugin

    return GeoTwinPlugin(iface)
