"""The geotwin Processing provider."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

from qgis.core import QgsApplication, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import algorithms as _algorithms_pkg
from .algorithm import ICON, GeoTwinAlgorithm, tr
from .models import load_models


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
        for model in load_models():  # resources/models/*.model3: geotwin:<model name>
            self.addAlgorithm(model)
        registry = QgsApplication.processingRegistry()
        if registry.providerById(self.id()) is None:  # being registered: the models find their steps only after
            registry.providerAdded.connect(self._reload_when_added)

    def _reload_when_added(self, provider_id: str) -> None:
        if provider_id == self.id():
            QgsApplication.processingRegistry().providerAdded.disconnect(self._reload_when_added)
            self.refreshAlgorithms()
