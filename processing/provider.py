"""The geotwin Processing provider."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import algorithms as _algorithms_pkg
from .algorithm import ICON, GeoTwinAlgorithm, tr


def algorithm_classes() -> list[type[GeoTwinAlgorithm]]:
    """Every concrete algorithm class in processing/algorithms, sorted by id."""
    found: dict[str, type[GeoTwinAlgorithm]] = {}
    for info in pkgutil.iter_modules(_algorithms_pkg.__path__):
        module = importlib.import_module(f"{_algorithms_pkg.__name__}.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, GeoTwinAlgorithm) and obj.ALG_ID and obj.__module__ == module.__name__:
                found[obj.ALG_ID] = obj
    return [found[k] for k in sorted(found)]


class GeoTwinProvider(QgsProcessingProvider):
    """Provider id ``geotwin``: import, build and export the digital geo twin."""

    def id(self) -> str:
        return "geotwin"

    def name(self) -> str:
        return tr("GeoTwin – Digitaler Geozwilling")

    def longName(self) -> str:  # noqa: N802
        return self.name()

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def loadAlgorithms(self) -> None:  # noqa: N802
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
