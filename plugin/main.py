"""The plugin object QGIS creates through classFactory."""
from __future__ import annotations

from typing import Any

from qgis.core import QgsApplication

from ..processing.provider import GeoTwinProvider
from .i18n import install_translator
from .menu import TwinMenu


class GeoTwinPlugin:
    """Registers the geotwin Processing provider (desktop and qgis_process)."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: GeoTwinProvider | None = None
        self.menu: TwinMenu | None = None
        install_translator()

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API name
        """Called by QGIS desktop (via initGui) and by qgis_process."""
        if self.provider is None:
            self.provider = GeoTwinProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API name
        self.initProcessing()
        self.menu = TwinMenu(self.iface)
        self.menu.add()
        from .tiles_layer import register

        register()  # after an export in QGIS desktop: the tileset as a 3D tiles layer (QGIS 3.34+)

    def unload(self) -> None:
        from .tiles_layer import unregister

        unregister()
        if self.menu is not None:
            self.menu.remove()
            self.menu = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
